import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { Command, CommanderError, Option } from 'commander';
import type { Safety } from '../model/types.js';
import { RULES, findRule } from '../rules/registry.js';
import { Workspace, DEFAULT_MAX_FILE_BYTES } from '../workspace/workspace.js';
import { run, type RunResult } from '../engine/run.js';
import { writeChanges } from '../engine/write.js';
import { unifiedDiff } from '../report/diff.js';
import { jsonReport } from '../report/json.js';
import { colorDiff, colorsFor, diagnosticLines, textReport } from '../report/text.js';
import { workingTreeState } from '../git/git.js';
import { packageRoot } from './package-root.js';

export const EXIT_CLEAN = 0;
export const EXIT_FINDINGS = 1;
export const EXIT_ERROR = 2;

interface Io {
  stdout: NodeJS.WriteStream;
  stderr: NodeJS.WriteStream;
  env: NodeJS.ProcessEnv;
}

interface MainOptions {
  dryRun?: boolean;
  write?: boolean;
  format: 'text' | 'json' | 'diff';
  rule?: string[];
  unsafeFixes?: boolean;
  allowDirty?: boolean;
  maxFileSize?: number;
}

class UsageError extends Error {}

/** The CLI, as a function: returns the exit code (0 clean, 1 findings/changes, 2 error). */
export async function main(argv: string[], io: Io = { stdout: process.stdout, stderr: process.stderr, env: process.env }): Promise<number> {
  let exitCode = EXIT_CLEAN;
  const program = new Command();
  program
    .name('autopack-fix')
    .description('Find repository drift (compose, Dockerfiles, docs, CI) and fix it with minimal, proven edits.')
    .argument('[root]', 'repository root', '.')
    .option('--dry-run', 'show findings and the unified diff of every fix; write nothing')
    .option('--write', 'apply the fixes')
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'json', 'diff']).default('text'))
    .option('--rule <id...>', 'run only these rules')
    .option('--unsafe-fixes', 'also apply review-class fixes')
    .option('--allow-dirty', 'allow --write on a working tree with uncommitted changes (or outside git)')
    .option('--max-file-size <bytes>', `skip files larger than this (default ${DEFAULT_MAX_FILE_BYTES})`, (v) => {
      const n = Number(v);
      if (!Number.isInteger(n) || n <= 0) throw new UsageError(`--max-file-size: not a positive integer: ${v}`);
      return n;
    })
    .showHelpAfterError()
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s) })
    .action(async (root: string, opts: MainOptions) => {
      exitCode = await runCommand(root, opts, io);
    });

  program
    .command('list-rules')
    .description('list the rules with their seed ids and fix class')
    .action(() => {
      for (const r of RULES) {
        io.stdout.write(`${r.meta.id.padEnd(32)} ${r.meta.fixable.padEnd(7)} ${r.meta.seedIds.join(',').padEnd(10)} ${r.meta.summary}\n`);
      }
    });

  program
    .command('explain')
    .description("print a rule's documentation")
    .argument('<rule-id>')
    .action((id: string) => {
      const rule = findRule(id);
      if (!rule) throw new UsageError(`unknown rule: ${id} (see \`autopack-fix list-rules\`)`);
      io.stdout.write(readFileSync(path.join(packageRoot(), 'codemods', id, 'README.md'), 'utf8'));
    });

  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) {
      return error.exitCode === 0 ? EXIT_CLEAN : EXIT_ERROR;
    }
    io.stderr.write(`autopack-fix: ${error instanceof Error ? error.message : String(error)}\n`);
    return EXIT_ERROR;
  }
  return exitCode;
}

async function runCommand(rootArg: string, opts: MainOptions, io: Io): Promise<number> {
  const c = colorsFor(io.stdout, io.env);
  const errColors = colorsFor(io.stderr, io.env);
  if (opts.write && opts.dryRun) throw new UsageError('--write and --dry-run exclude each other');
  const root = path.resolve(rootArg);
  if (!existsSync(root)) throw new UsageError(`root does not exist: ${rootArg}`);
  if (!statSync(root).isDirectory()) throw new UsageError(`root is not a directory: ${rootArg}`);
  const rules = selectRules(opts.rule);
  const accepted = new Set<Safety>(opts.unsafeFixes ? ['safe', 'review'] : ['safe']);
  const wantsFixes = !!(opts.write || opts.dryRun || opts.format === 'diff');
  const apply = wantsFixes ? accepted : new Set<Safety>();

  const ws = await Workspace.open(root, { maxFileBytes: opts.maxFileSize });
  // Refuse before doing any work: a dirty tree mixes the user's edits with ours.
  if (opts.write && !opts.allowDirty) {
    if (!ws.inGitRepo) throw new UsageError(`${rootArg} is not inside a git work tree; --write needs one to be undoable (use --allow-dirty to write anyway)`);
    const state = await workingTreeState(root);
    if (state.state === 'error') throw new UsageError(`cannot tell whether the working tree is clean (git status failed: ${state.message}); refusing to write`);
    if (state.state === 'dirty') {
      throw new UsageError(`the working tree has uncommitted changes (${state.entries.length} path${state.entries.length === 1 ? '' : 's'}, e.g. ${state.entries[0]?.slice(3)}); commit or stash them, or pass --allow-dirty`);
    }
  }

  const result = await run(ws, { rules, apply, accepted });
  const diff = unifiedDiff(result.changes);
  let written: string[] = [];
  const writeErrors = [];
  if (opts.write && result.changes.length > 0) {
    const outcome = writeChanges(ws, result.changes);
    written = outcome.written;
    writeErrors.push(...outcome.errors);
  }

  switch (opts.format) {
    case 'json':
      io.stdout.write(jsonReport(result, { written, diagnostics: writeErrors }));
      break;
    case 'diff':
      io.stdout.write(diff);
      io.stderr.write(diagnosticLines([...result.diagnostics, ...writeErrors], errColors));
      break;
    default: {
      io.stdout.write(textReport(result, c, opts.write ? 'write' : opts.dryRun ? 'dry-run' : 'report'));
      if (opts.dryRun && diff) io.stdout.write(`\n${colorDiff(diff, c)}`);
      if (opts.write) io.stdout.write(written.length ? `Wrote ${written.length} file${written.length === 1 ? '' : 's'}: ${written.join(', ')}\n` : 'Nothing written.\n');
      io.stderr.write(diagnosticLines([...result.diagnostics, ...writeErrors], errColors));
    }
  }
  return exitCodeFor(result, { write: !!opts.write, writeFailed: writeErrors.length > 0, dryRun: !opts.write && wantsFixes });
}

function selectRules(ids: string[] | undefined): typeof RULES {
  if (!ids || ids.length === 0) return RULES;
  const unknown = ids.filter((id) => !findRule(id));
  if (unknown.length) throw new UsageError(`unknown rule${unknown.length > 1 ? 's' : ''}: ${unknown.join(', ')} (see \`autopack-fix list-rules\`)`);
  return RULES.filter((r) => ids.includes(r.meta.id));
}

/** 0: nothing left to fix; 1: findings remain (or, without --write, changes pending); 2: I/O error. */
function exitCodeFor(result: RunResult, mode: { write: boolean; writeFailed: boolean; dryRun: boolean }): number {
  if (mode.writeFailed) return EXIT_ERROR;
  if (mode.write) return result.remaining.length > 0 ? EXIT_FINDINGS : EXIT_CLEAN;
  if (mode.dryRun && result.changes.length > 0) return EXIT_FINDINGS;
  return result.findings.length > 0 ? EXIT_FINDINGS : EXIT_CLEAN;
}
