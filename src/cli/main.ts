import { existsSync, readFileSync, realpathSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Command, CommanderError, Option } from 'commander';
import type { Safety, Severity } from '../model/types.js';
import { RULES, findRule } from '../rules/registry.js';
import { DEFAULT_MAX_FILE_BYTES } from '../workspace/workspace.js';
import { asWritten, type RunResult } from '../engine/run.js';
import { writeChangesInterruptible } from '../engine/write.js';
import { unifiedDiff } from '../report/diff.js';
import { jsonReport } from '../report/json.js';
import { colorDiff, colorsFor, diagnosticLines, findingLines, summaryLines, textReport, DEFAULT_TEXT_WIDTH } from '../report/text.js';
import { conciseReport } from '../report/concise.js';
import { ruleStatistics, statisticsJson, statisticsLines } from '../report/statistics.js';
import { stderrDiagnostics } from '../report/diagnostics.js';
import { git, gitTopLevel, workingTreeState } from '../util/git.js';
import { packageRoot } from '../util/package-root.js';
import { didYouMean, unknownRulesMessage } from '../util/suggest.js';
import { BASELINE_FILE, writeBaseline } from '../engine/baseline.js';
import { createPipeline } from '../pipeline/pipeline.js';
import { prepareWrite } from '../pipeline/write.js';
import { sarifReport } from '../report/sarif.js';
import { githubReport } from '../report/github.js';
import { markdownReport } from '../report/markdown.js';
import { startProgress } from '../report/progress.js';
import { planBranch, type BranchPlan } from '../pipeline/branch.js';
import { formatIdentity, resolveIdentities } from '../git/identity.js';
import { tryRevParse } from '../git/commits.js';
import { DEFAULT_BRANCH_NAME, DEFAULT_BRANCH_PREFIX, DEFAULT_MAX_OPEN_PRS, prCommand } from '../bot/pr.js';

export const EXIT_CLEAN = 0;
export const EXIT_FINDINGS = 1;
export const EXIT_ERROR = 2;

interface Io {
  stdout: NodeJS.WriteStream;
  stderr: NodeJS.WriteStream;
  env: NodeJS.ProcessEnv;
}

type Format = 'text' | 'concise' | 'json' | 'diff' | 'sarif' | 'github' | 'markdown';
const FORMATS: readonly Format[] = ['text', 'concise', 'json', 'diff', 'sarif', 'github', 'markdown'];
const SEVERITIES: readonly Severity[] = ['info', 'warning', 'error'];
/** The default of --fail-on: warnings and errors fail, an `info` finding does not. */
const DEFAULT_FAIL_ON: Severity = 'warning';

interface MainOptions {
  /** `--max-annotations`: cap of each kind of annotation with --format github. */
  maxAnnotations?: number;
  dryRun?: boolean;
  write?: boolean;
  /** `--fix`: the same as --write. */
  fix?: boolean;
  format: Format;
  config?: string;
  /** `--no-baseline` sets false. */
  baseline: boolean;
  updateBaseline?: boolean;
  changedSince?: string;
  /** `--select a,b` (repeatable) and `--rule a` (one id each time): run exactly these. */
  select?: string[];
  rule?: string[];
  ignore?: string[];
  root?: string;
  statistics?: boolean;
  outputFile?: string;
  quiet?: boolean;
  verbose?: boolean;
  exitZero?: boolean;
  failOn: Severity;
  unsafeFixes?: boolean;
  allowDirty?: boolean;
  maxFileSize?: number;
  /** `--branch` alone: true (default name); `--branch NAME`: the name. */
  branch?: string | true;
  branchPrefix: string;
  author?: string;
  committer?: string;
}

interface PrCliOptions {
  dryRun?: boolean;
  remote: string;
  repo?: string;
  base?: string;
  branch?: string;
  branchPrefix: string;
  tokenEnv: string;
  config?: string;
  select?: string[];
  rule?: string[];
  ignore?: string[];
  unsafeFixes?: boolean;
  draft?: boolean;
  label?: string[];
  reviewer?: string[];
  maxOpenPrs: number;
  author?: string;
  committer?: string;
  maxFileSize?: number;
  docsUrl?: string;
  verbose?: boolean;
  quiet?: boolean;
}

class UsageError extends Error {}

/** What the run is on: the root, and the file arguments that limit the findings (none: all). */
interface Target {
  root: string;
  /** The root as the user would write it (for messages). */
  display: string;
  /** Root-relative, `/`-separated; undefined: no file arguments. */
  paths?: string[];
}

/** Rule ids from `--select a,b` / `--ignore c` / `--rule a`: comma-split, repeatable. */
/** The pipeline the check and `--branch` run: the same flags, their own baseline choice. */
function pipelineFor(root: string, target: { paths?: string[] }, opts: MainOptions, baseline: boolean): ReturnType<typeof createPipeline> {
  return createPipeline({
    root,
    configPath: opts.config,
    only: selected(opts),
    ignore: opts.ignore,
    paths: target.paths,
    unsafeFixes: opts.unsafeFixes,
    changedSince: opts.changedSince,
    baseline,
    maxFileBytes: opts.maxFileSize,
  });
}

/** `--select`, `--rule` and `--ignore`, the same on every command that runs rules. */
function withRuleSelection(cmd: Command): Command {
  return cmd
    .option('--select <ids>', 'run only these rules (comma-separated; repeatable)', ruleIds('--select'))
    .option('--rule <id>', 'run only this rule (one id; repeatable; the same as --select)', ruleIds('--rule'))
    .option('--ignore <ids>', 'do not run these rules (comma-separated; repeatable)', ruleIds('--ignore'));
}

function ruleIds(flag: string) {
  return (value: string, previous: string[] | undefined): string[] => {
    const ids = value
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s !== '');
    if (ids.length === 0) throw new UsageError(`${flag}: no rule id in ${JSON.stringify(value)}`);
    return [...(previous ?? []), ...ids];
  };
}

/** --select and --rule together; undefined when neither was given. */
function selected(opts: { select?: string[]; rule?: string[] }): string[] | undefined {
  return opts.select || opts.rule ? [...(opts.select ?? []), ...(opts.rule ?? [])] : undefined;
}

function version(): string {
  try {
    return (JSON.parse(readFileSync(path.join(packageRoot(), 'package.json'), 'utf8')) as { version?: string }).version ?? '0.0.0';
  } catch {
    return '0.0.0';
  }
}

/**
 * Commander's own usage errors (unknown option, missing value, bad choice) as one line with a
 * pointer to the help of the command, instead of the whole help.
 */
function usageOutput(command: string, io: Io) {
  return {
    writeOut: (s: string) => io.stdout.write(s),
    writeErr: (s: string) => io.stderr.write(s),
    outputError: (s: string, write: (s: string) => void) => write(`${command}: ${s.trim().replace(/^error: /, '').replace(/\s*\n\s*\(Did you mean/g, ' (did you mean').replace(/\s*\n\s*/g, ' ')} (see \`${command} --help\`)\n`),
  };
}

/** The CLI, as a function: returns the exit code (0 clean, 1 findings/changes, 2 error). */
export async function main(argv: string[], io: Io = { stdout: process.stdout, stderr: process.stderr, env: process.env }): Promise<number> {
  let exitCode = EXIT_CLEAN;
  const program = new Command();
  const positiveInt = (name: string) => (v: string): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n <= 0) throw new UsageError(`${name}: not a positive integer: ${v}`);
    return n;
  };
  program
    // Program options are read only before a subcommand, so `pr --select x` reaches `pr`.
    .enablePositionalOptions()
    .name('autopack-fix')
    .description('Find repository drift (compose, Dockerfiles, docs, CI) and fix it with minimal, proven edits.')
    .usage('[paths...] [options]')
    .argument('[paths...]', 'the root (one folder), or files and folders to report on: the root is then the git top level of the current directory (see --root)')
    .version(version(), '-V, --version', 'print the version')
    .helpCommand('help [command]', 'show the help of a command')
    .option('--dry-run', 'show findings and the unified diff of every fix; write nothing')
    .option('--write', 'apply the fixes')
    .option('--fix', 'the same as --write')
    .addOption(new Option('--format <format>', 'output format').choices(FORMATS).default('text'))
    .option('-o, --output-file <path>', 'write the report to this file instead of stdout (no colour)')
    .option('--root <dir>', 'the repository root; every argument is then a path to report on')
    .option('--statistics', 'count the findings per rule (fixable or not) instead of listing them')
    .option('--max-annotations <n>', 'with --format github: at most this many annotations of each kind (error, warning, notice), then one notice with the count of the rest (GitHub shows 10 of each per step)', positiveInt('--max-annotations'))
    .option('-q, --quiet', 'print the findings only: no summary, no hints, no notes on stderr')
    .option('-v, --verbose', 'whole messages however long, and every skipped file by name')
    .option('--exit-zero', 'exit 0 even when findings remain (errors still exit 2)')
    .addOption(new Option('--fail-on <severity>', 'the lowest severity that makes the exit code 1').choices(['error', 'warning', 'info']).default(DEFAULT_FAIL_ON))
    .option('--config <path>', 'configuration file (default: autopack-fix.config.{json,yaml,yml} or package.json "autopack-fix", from the root up to the repository top)')
    .option('--no-baseline', `report every finding, also those recorded in ${BASELINE_FILE}`)
    .option('--update-baseline', `record today's findings in ${BASELINE_FILE}; later runs report only new ones`)
    .option('--changed-since <ref>', 'report only findings in files changed since the merge-base with <ref> (and untracked files)')
    .option('--unsafe-fixes', 'also apply review-class fixes')
    .option('--allow-dirty', 'allow --write on a working tree with uncommitted changes (or outside git)')
    .option('--max-file-size <bytes>', `skip files larger than this (default ${DEFAULT_MAX_FILE_BYTES})`, positiveInt('--max-file-size'))
    .option('--branch [name]', `with --write: commit the fixes to a new branch (default ${DEFAULT_BRANCH_PREFIX}${DEFAULT_BRANCH_NAME}), one commit per rule, without touching the checkout`)
    .option('--branch-prefix <prefix>', "the bot's branch prefix", DEFAULT_BRANCH_PREFIX)
    .option('--author <ident>', 'author of the branch commits, "Name <email>" (default: the repository\'s git identity, else autopack-fix)')
    .option('--committer <ident>', 'committer of the branch commits (same default)')
    .exitOverride()
    .configureOutput(usageOutput('autopack-fix', io))
    .action(async (args: string[], opts: MainOptions) => {
      if (opts.fix) opts.write = true;
      if (opts.branch === undefined && (opts.author || opts.committer)) throw new UsageError('--author and --committer apply only with --write --branch');
      if (opts.quiet && opts.verbose) throw new UsageError('--quiet and --verbose exclude each other');
      const target = await resolveTarget(args, opts.root);
      exitCode = opts.branch !== undefined ? await runBranchCommand(target, opts, io, args.length > 0 || opts.root !== undefined) : await runWithOutputFile(target, opts, io);
    });

  withRuleSelection(program);

  const pr = program
    .command('pr')
    .description('commit the fixes to the bot branch, push it and open or update a pull request (GitHub)')
    .argument('[root]', 'repository root', '.')
    .option('--dry-run', 'print the commits, the diff and the PR body that would be pushed; no network call')
    .option('--remote <name>', 'the remote to push to', 'origin')
    .option('--repo <owner/name>', 'the GitHub repository (default: from the remote URL)')
    .option('--base <branch>', "the PR's base branch (default: the repository's default branch)")
    .option('--branch <name>', `the bot branch (default ${DEFAULT_BRANCH_PREFIX}${DEFAULT_BRANCH_NAME}); must be under the prefix`)
    .option('--branch-prefix <prefix>', "the bot's branch prefix; it never pushes anywhere else", DEFAULT_BRANCH_PREFIX)
    .option('--token-env <name>', 'environment variable holding the GitHub token', 'GITHUB_TOKEN')
    .option('--config <path>', 'configuration file (default: searched from the root, as for every run)')
    .option('--unsafe-fixes', 'also commit review-class fixes (in their own commits)')
    .option('--draft', 'open the pull request as a draft')
    .option('--label <name...>', 'labels to put on the pull request')
    .option('--reviewer <login...>', 'reviewers to request when the PR is opened (org/team for a team)')
    .option('--max-open-prs <n>', `do not open a PR when this many bot PRs are open (default ${DEFAULT_MAX_OPEN_PRS})`, positiveInt('--max-open-prs'), DEFAULT_MAX_OPEN_PRS)
    .option('--author <ident>', 'author of the commits, "Name <email>"')
    .option('--committer <ident>', 'committer of the commits, "Name <email>"')
    .option('--max-file-size <bytes>', 'skip files larger than this', positiveInt('--max-file-size'))
    .option('--docs-url <template>', "link for a rule's README in the PR body; {rule} is replaced")
    .option('-v, --verbose', 'every skipped file by name')
    .option('-q, --quiet', 'no notes on stderr, only warnings and errors')
    .action(async (root: string, opts: PrCliOptions) => {
      if (opts.quiet && opts.verbose) throw new UsageError('--quiet and --verbose exclude each other');
      exitCode = await prCommand(
        {
          root,
          dryRun: !!opts.dryRun,
          remote: opts.remote,
          repo: opts.repo,
          base: opts.base,
          branch: opts.branch,
          branchPrefix: opts.branchPrefix,
          tokenEnv: opts.tokenEnv,
          configPath: opts.config,
          only: selected(opts),
          ignore: opts.ignore,
          unsafeFixes: !!opts.unsafeFixes,
          draft: !!opts.draft,
          labels: opts.label ?? [],
          reviewers: opts.reviewer ?? [],
          maxOpenPrs: opts.maxOpenPrs,
          author: opts.author,
          committer: opts.committer,
          maxFileSize: opts.maxFileSize,
          docsUrl: opts.docsUrl,
          verbose: opts.verbose,
          quiet: opts.quiet,
        },
        { out: (s) => io.stdout.write(s), err: (s) => io.stderr.write(s), env: io.env },
      );
    });
  pr.configureOutput(usageOutput('autopack-fix pr', io));

  withRuleSelection(pr);

  program
    .command('list-rules')
    .description('list the rules: id, fix class and summary (--format json: also the default severity and the docs)')
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'json']).default('text'))
    .action((opts: { format: 'text' | 'json' }) => {
      if (opts.format === 'json') {
        const rules = RULES.map((r) => ({
          id: r.meta.id,
          summary: r.meta.summary,
          fixable: r.meta.fixable,
          defaultSeverity: r.meta.defaultSeverity,
          seedIds: r.meta.seedIds,
          docs: `codemods/${r.meta.id}/README.md`,
        }));
        io.stdout.write(`${JSON.stringify({ schemaVersion: 1, rules }, null, 2)}\n`);
        return;
      }
      for (const r of RULES) {
        io.stdout.write(`${r.meta.id.padEnd(32)} ${r.meta.fixable.padEnd(7)} ${r.meta.seedIds.join(',').padEnd(10)} ${r.meta.summary}\n`);
      }
    })
    .configureOutput(usageOutput('autopack-fix list-rules', io));

  program
    .command('explain')
    .description("print a rule's documentation")
    .argument('<rule-id>')
    .action((id: string) => {
      const rule = findRule(id);
      if (!rule) throw new UsageError(unknownRulesMessage([id], RULES.map((r) => r.meta.id)));
      io.stdout.write(readFileSync(path.join(packageRoot(), 'codemods', id, 'README.md'), 'utf8'));
    })
    .configureOutput(usageOutput('autopack-fix explain', io));

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

/**
 * The root and the file arguments, from the positional arguments and --root:
 *   - `--root DIR`: DIR is the root; every argument is a path to report on;
 *   - no argument: the current directory is the root;
 *   - one argument that is a folder: it is the root (`autopack-fix <root>`, as before);
 *   - otherwise (a file, or several paths): the root is the git top level of the current
 *     directory (the current directory outside git), and the arguments limit the findings to
 *     those files and folders; the facts still come from the whole root.
 * Every path must exist and lie inside the root.
 */
async function resolveTarget(args: string[], rootOption: string | undefined): Promise<Target> {
  const missing = (p: string): UsageError => {
    const command = didYouMean(p, ['pr', 'list-rules', 'explain', 'help']);
    return new UsageError(`${p}: no such file or directory${command ? command.replace('did you mean', 'did you mean the command') : ''}`);
  };
  if (rootOption !== undefined) {
    const root = path.resolve(rootOption);
    if (!existsSync(root)) throw new UsageError(`root does not exist: ${rootOption}`);
    if (!statSync(root).isDirectory()) throw new UsageError(`root is not a directory: ${rootOption}`);
    return { root, display: rootOption, paths: args.length ? relativePaths(args, root, rootOption, missing) : undefined };
  }
  if (args.length === 0) return { root: path.resolve('.'), display: '.' };
  const only = args.length === 1 ? (args[0] as string) : undefined;
  if (only !== undefined && !existsSync(only)) throw missing(only);
  if (only !== undefined && statSync(only).isDirectory()) return { root: path.resolve(only), display: only };
  const root = (await gitTopLevel(process.cwd())) ?? process.cwd();
  const display = path.relative(process.cwd(), root) || '.';
  return { root, display, paths: relativePaths(args, root, display, missing) };
}

function relativePaths(args: string[], root: string, display: string, missing: (p: string) => UsageError): string[] {
  const realRoot = realpathSync(root);
  return args.map((p) => {
    if (!existsSync(p)) throw missing(p);
    const rel = path.relative(realRoot, realpathSync(p));
    if (rel.startsWith('..') || path.isAbsolute(rel)) throw new UsageError(`${p} is outside the root ${display}; run from inside its repository, or name the root with --root`);
    return rel.split(path.sep).join('/');
  });
}

/** `-o FILE`: the report goes to a buffer and then to the file (also after an error exit 1). */
async function runWithOutputFile(target: Target, opts: MainOptions, io: Io): Promise<number> {
  if (!opts.outputFile) return runCommand(target, opts, io);
  const chunks: string[] = [];
  const buffer = { isTTY: false, write: (s: string | Uint8Array) => (chunks.push(typeof s === 'string' ? s : Buffer.from(s).toString('utf8')), true) } as unknown as NodeJS.WriteStream;
  const code = await runCommand(target, opts, { ...io, stdout: buffer });
  try {
    writeFileSync(opts.outputFile, chunks.join(''));
  } catch (error) {
    io.stderr.write(`autopack-fix: cannot write ${opts.outputFile}: ${(error as NodeJS.ErrnoException).code ?? String(error)}\n`);
    return EXIT_ERROR;
  }
  return code;
}

/** Root-relative path → the path to print in the concise format (relative to the cwd when under it). */
function displayPathFor(root: string): (file: string) => string {
  const cwd = process.cwd();
  return (file) => {
    const abs = path.join(root, file);
    const rel = path.relative(cwd, abs);
    return rel === '' || rel.startsWith('..') || path.isAbsolute(rel) ? abs : rel;
  };
}

async function runCommand(target: Target, opts: MainOptions, io: Io): Promise<number> {
  // A report written to a file (-o) is never coloured.
  const c = colorsFor(io.stdout, opts.outputFile ? { NO_COLOR: '1' } : io.env);
  const errColors = colorsFor(io.stderr, io.env);
  const errDiagnostics = (list: Parameters<typeof stderrDiagnostics>[0]): string => diagnosticLines(stderrDiagnostics(list, { quiet: opts.quiet, verbose: opts.verbose }), errColors);
  if (opts.write && opts.dryRun) throw new UsageError('--write and --dry-run exclude each other');
  const { root, display: rootArg } = target;
  if (!existsSync(root)) throw new UsageError(`root does not exist: ${rootArg}`);
  if (!statSync(root).isDirectory()) throw new UsageError(`root is not a directory: ${rootArg}`);
  if (opts.updateBaseline && (opts.write || opts.dryRun)) throw new UsageError('--update-baseline records findings; it does not combine with --write or --dry-run');
  if (opts.updateBaseline && target.paths) throw new UsageError('--update-baseline records every finding of the root; it does not combine with file arguments');
  if (opts.statistics && opts.format !== 'text' && opts.format !== 'json') throw new UsageError(`--statistics prints text or json, not --format ${opts.format}`);
  const pipeline = await pipelineFor(root, target, opts, opts.baseline && !opts.updateBaseline);
  const wantsFixes = !!(opts.write || opts.dryRun || opts.format === 'diff');
  const apply = wantsFixes ? pipeline.accepted : new Set<Safety>();

  // Refuse before doing any work (and before touching any file).
  const prepared = opts.write ? await prepareWrite(root, { allowDirty: !!opts.allowDirty, display: rootArg }) : undefined;
  if (prepared) io.stderr.write(errDiagnostics(prepared.recovered));
  const journalDir = prepared?.journalDir;

  const ws = await pipeline.open();

  const textual = opts.format === 'text' || opts.format === 'concise';
  const progress = textual && !opts.quiet ? startProgress('checking', { stream: io.stderr, env: io.env }) : undefined;
  let result: RunResult;
  try {
    result = await pipeline.run(ws, {
      apply,
      onProgress: (step) => progress?.update(step.phase === 'detect' ? `checking ${step.index + 1}/${step.total}: ${step.rule}` : `proving fixes, pass ${step.pass}`),
    });
  } finally {
    progress?.stop();
  }
  if (opts.updateBaseline) {
    const file = writeBaseline(root, result.findings, ws);
    if (!opts.quiet) io.stdout.write(`Recorded ${result.findings.length} finding${result.findings.length === 1 ? '' : 's'} in ${path.relative(process.cwd(), file) || file}; later runs report only new ones (--no-baseline shows all).\n`);
    return EXIT_CLEAN;
  }
  const hidden = pipeline.baseline?.hidden(ws) ?? 0;
  // A printed diff never shows an unchanged line that holds an environment value (docs/robustness.md, "Secrets").
  const showsDiff = result.changes.length > 0 && (opts.format === 'diff' || (!!opts.dryRun && textual));
  const diff = unifiedDiff(result.changes, showsDiff ? (await import('../report/secrets.js')).collectSecrets(ws) : undefined, showsDiff ? (note) => io.stderr.write(note) : undefined);
  let written: string[] = [];
  const writeErrors = [];
  let interrupted: NodeJS.Signals | undefined;
  let notWritten: string[] = [];
  if (opts.write && result.changes.length > 0) {
    // SIGINT/SIGTERM during writing: finish the file in progress, write no more, say what was
    // and was not written. A second signal ends the process at once (each file is atomic).
    const onSignal = (signal: NodeJS.Signals): void => {
      if (interrupted) process.exit(signal === 'SIGINT' ? 130 : 143);
      interrupted = signal;
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    try {
      const pause = Number(io.env.AUTOPACK_FIX_TEST_WRITE_PAUSE_MS ?? 0);
      const outcome = await writeChangesInterruptible(ws, result.changes, { stopRequested: () => interrupted !== undefined, pauseMs: Number.isFinite(pause) ? pause : 0, journalDir });
      written = outcome.written;
      notWritten = outcome.notWritten;
      writeErrors.push(...outcome.errors);
    } finally {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    }
    // From here on, the reports tell what reached the disk.
    result = asWritten(result, written);
  }
  if (interrupted) {
    if (opts.format === 'json') io.stdout.write(jsonReport(result, { written, diagnostics: writeErrors, interrupted: { signal: interrupted, notWritten } }));
    io.stderr.write(diagnosticLines(writeErrors, errColors));
    io.stderr.write(
      `autopack-fix: stopped by ${interrupted}. Written (${written.length}): ${written.join(', ') || 'none'}. Not written (${notWritten.length}): ${notWritten.join(', ') || 'none'}. Every file is either as it was or fully fixed; run again to finish.\n`,
    );
    return interrupted === 'SIGINT' ? 130 : 143;
  }

  const mode = opts.write ? 'write' : opts.dryRun ? 'dry-run' : 'report';
  const diagnostics = [...result.diagnostics, ...writeErrors];
  if (opts.statistics) {
    if (opts.format === 'json') {
      io.stdout.write(statisticsJson(result));
    } else {
      const lines = statisticsLines(ruleStatistics(result), c, mode);
      if (lines.length) io.stdout.write(`${lines.join('\n')}\n`);
      if (opts.dryRun && diff) io.stdout.write(`\n${colorDiff(diff, c)}`);
      if (!opts.quiet) writeTrailer(io, c, { result, mode, written, hidden, write: !!opts.write, separate: lines.length > 0 || (!!opts.dryRun && !!diff) });
    }
    io.stderr.write(errDiagnostics(diagnostics));
    return exitCodeFor(result, opts, writeErrors.length > 0);
  }
  switch (opts.format) {
    case 'json':
      io.stdout.write(jsonReport(result, { written, diagnostics: writeErrors }));
      break;
    case 'diff':
      io.stdout.write(diff);
      io.stderr.write(errDiagnostics(diagnostics));
      break;
    case 'sarif':
      io.stdout.write(sarifReport(result.findings, { rules: RULES, workspace: ws, severityOverrides: pipeline.config.severityOverrides }));
      break;
    case 'github':
      io.stdout.write(githubReport(result.findings, { diagnostics, maxPerKind: opts.maxAnnotations }));
      break;
    case 'markdown':
      io.stdout.write(markdownReport(result, { why: (id) => findRule(id)?.meta.summary }));
      io.stderr.write(errDiagnostics(diagnostics));
      break;
    case 'concise': {
      io.stdout.write(conciseReport(result, c, mode, displayPathFor(root), true));
      if (opts.dryRun && diff) io.stdout.write(`${result.findings.length ? '\n' : ''}${colorDiff(diff, c)}`);
      if (!opts.quiet) writeTrailer(io, c, { result, mode, written, hidden, write: !!opts.write, separate: !!opts.dryRun && !!diff });
      io.stderr.write(errDiagnostics(diagnostics));
      break;
    }
    default: {
      const layout = { width: textWidth(io.stdout), verbose: !!opts.verbose };
      if (opts.quiet) {
        // The blank line after the last file only separates the diff, when one follows.
        const lines = findingLines(result, c, mode, layout).lines;
        const withDiff = !!opts.dryRun && !!diff;
        if (!withDiff && lines[lines.length - 1] === '') lines.pop();
        io.stdout.write(lines.map((l) => `${l}\n`).join(''));
        if (withDiff) io.stdout.write(colorDiff(diff, c));
      } else {
        io.stdout.write(textReport(result, c, mode, (id) => findRule(id)?.meta.summary, layout));
        if (opts.dryRun && diff) {
          io.stdout.write(`\n${colorDiff(diff, c)}`);
          // The diff can be long: the summary again, where the reader's eye ends up.
          io.stdout.write(`\n${summaryLines(result, c, mode).join('\n')}\n`);
        }
        if (opts.write) io.stdout.write(wroteLine(written));
        if (hidden > 0) io.stdout.write(c.dim(hiddenLine(hidden)));
      }
      io.stderr.write(errDiagnostics(diagnostics));
    }
  }
  return exitCodeFor(result, opts, writeErrors.length > 0);
}

/** Columns for the text report: the terminal's width when stdout is one, else 120. */
function textWidth(stream: NodeJS.WriteStream): number {
  return stream.isTTY === true && typeof stream.columns === 'number' && stream.columns >= 40 ? stream.columns : DEFAULT_TEXT_WIDTH;
}

function wroteLine(written: readonly string[]): string {
  return written.length ? `Wrote ${written.length} file${written.length === 1 ? '' : 's'}: ${written.join(', ')}\n` : 'Nothing written.\n';
}

function hiddenLine(hidden: number): string {
  return `${hidden} finding${hidden === 1 ? '' : 's'} recorded in ${BASELINE_FILE} not shown (--no-baseline shows them).\n`;
}

/** What follows the findings in the concise and statistics reports: the summary, the files written, the baseline note. */
function writeTrailer(io: Io, c: ReturnType<typeof colorsFor>, t: { result: RunResult; mode: 'report' | 'dry-run' | 'write'; written: string[]; hidden: number; write: boolean; separate: boolean }): void {
  io.stdout.write(`${t.separate ? '\n' : ''}${summaryLines(t.result, c, t.mode).join('\n')}\n`);
  if (t.write) io.stdout.write(wroteLine(t.written));
  if (t.hidden > 0) io.stdout.write(c.dim(hiddenLine(t.hidden)));
}

const rank = (s: Severity): number => SEVERITIES.indexOf(s);

/**
 * 2: a write failed. 0 with --exit-zero. Otherwise 1 when a finding at or above --fail-on
 * (default `warning`) remains: after --write, one its fixes did not remove; else any reported
 * finding (with --dry-run and --format diff, the ones the fixes would remove too: nothing is
 * written). 0 otherwise.
 */
function exitCodeFor(result: RunResult, opts: Pick<MainOptions, 'write' | 'exitZero' | 'failOn'>, writeFailed: boolean): number {
  if (writeFailed) return EXIT_ERROR;
  if (opts.exitZero) return EXIT_CLEAN;
  const threshold = rank(opts.failOn ?? DEFAULT_FAIL_ON);
  const fails = (f: { severity: Severity }): boolean => rank(f.severity) >= threshold;
  const left = opts.write ? result.remaining : result.findings;
  return left.some(fails) ? EXIT_FINDINGS : EXIT_CLEAN;
}

/**
 * `--write --branch [name]`: the fixes as commits on a new (or updated) local branch, one per
 * rule, made in a temporary worktree from HEAD. The user's checkout, index and current branch
 * are not touched, so uncommitted changes are neither needed clean nor included. Exit 0 when the
 * branch holds every fix it can (or there is nothing to fix: then no branch is made); 1 when
 * the branch could not be updated (others' commits do not replay); 2 on errors.
 */
async function runBranchCommand(target: Target, opts: MainOptions, io: Io, rootGiven: boolean): Promise<number> {
  if (!opts.write) throw new UsageError('--branch needs --write (to preview the commits, use `autopack-fix pr --dry-run`)');
  if (opts.dryRun) throw new UsageError('--branch and --dry-run exclude each other');
  if (opts.format === 'diff') throw new UsageError('--branch prints the commits it made; --format diff does not apply (use `git log -p` on the branch)');
  if (opts.updateBaseline) throw new UsageError('--update-baseline records findings; it does not combine with --write or --dry-run');
  if (opts.statistics || opts.outputFile || opts.format === 'concise') throw new UsageError('--branch prints the commits it made (text or --format json); --statistics, --output-file and --format concise do not apply');
  const { root, display: rootArg } = target;
  const name = opts.branch === true ? `${opts.branchPrefix}${DEFAULT_BRANCH_NAME}` : (opts.branch as string);
  // `--write --branch fixtures/demo` reads the root as the branch name: say so rather than guess.
  if (opts.branch !== true && !rootGiven && existsSync(name) && statSync(name).isDirectory()) {
    throw new UsageError(`--branch ${name}: ${name} is a directory; put the root before the options (\`autopack-fix ${name} --write --branch\`) or choose a branch name that is not a path`);
  }
  const top = await gitTopLevel(root);
  if (!top) throw new UsageError(`${rootArg} is not inside a git work tree; --branch needs one`);
  const rootRel = path.relative(realpathSync(top), realpathSync(root)).split(path.sep).join('/');
  if ((await git(top, ['check-ref-format', '--branch', name])).code !== 0) throw new UsageError(`not a valid branch name: ${name}`);
  const head = await tryRevParse(top, 'HEAD');
  if (!head) throw new UsageError('the repository has no commit yet; --branch starts from HEAD');
  const existingTip = await tryRevParse(top, `refs/heads/${name}`);
  if (existingTip) {
    if (!name.startsWith(opts.branchPrefix)) throw new UsageError(`branch ${name} already exists and is not under the bot prefix ${opts.branchPrefix}; choose another name (the bot only rewrites its own branches)`);
    const wt = await git(top, ['worktree', 'list', '--porcelain']);
    if (wt.stdout.split('\n').includes(`branch refs/heads/${name}`)) throw new UsageError(`branch ${name} is checked out in a worktree; switch away from it first`);
  }
  // Resolved from the user's root (config, baseline, changed files); the engine then runs in a
  // worktree of HEAD, where the same root-relative paths name the same files.
  const pipeline = await pipelineFor(root, target, opts, opts.baseline);
  const state = await workingTreeState(top);
  if (state.state === 'dirty') io.stderr.write(`note: the working tree has uncommitted changes; the branch starts from HEAD (${head.slice(0, 12)}) and does not include them. They are left as they are.\n`);

  const identities = await resolveIdentities(top, io.env, { author: opts.author, committer: opts.committer });
  const plan = await planBranch({ repo: top, rootRel, base: head, existing: existingTip ? { tip: existingTip } : undefined, selection: pipeline, identities, maxFileBytes: opts.maxFileSize });
  let exit = EXIT_CLEAN;
  let tip = existingTip;
  if (plan.action === 'create' || plan.action === 'rebuild') {
    // Compare-and-swap: the ref moves only if it is still what we planned against.
    const update = await git(top, ['update-ref', '-m', `autopack-fix: ${plan.action} ${name}`, `refs/heads/${name}`, plan.build.tip, existingTip ?? '']);
    if (update.code !== 0) throw new Error(`could not ${existingTip ? 'move' : 'create'} branch ${name}: ${update.stderr.trim()}`);
    tip = plan.build.tip;
  }
  if (plan.action === 'blocked') exit = EXIT_FINDINGS;

  const headName = (await git(top, ['symbolic-ref', '--quiet', '--short', 'HEAD'])).stdout.trim() || head.slice(0, 12);
  if (opts.format === 'json') {
    io.stdout.write(`${JSON.stringify(branchJson(plan, name, head, tip, identities), null, 2)}\n`);
  } else {
    io.stdout.write(branchText(plan, name, headName, head, identities));
  }
  io.stderr.write(diagnosticLines(stderrDiagnostics(plan.fresh.diagnostics, { quiet: opts.quiet, verbose: opts.verbose }), colorsFor(io.stderr, io.env)));
  return exit;
}

function branchText(plan: BranchPlan, name: string, headName: string, head: string, ids: Awaited<ReturnType<typeof resolveIdentities>>): string {
  const lines: string[] = [];
  const plural = (n: number, w: string): string => `${n} ${w}${n === 1 ? '' : 's'}`;
  switch (plan.action) {
    case 'nothing-to-fix':
      lines.push(`Nothing to fix: no branch created${plan.classified ? ` (the existing branch ${name} is left as it is)` : ''}.`);
      break;
    case 'unchanged':
      lines.push(`Branch ${name} already holds these fixes: left as it is.`);
      break;
    case 'blocked':
      lines.push(`Branch ${name} left as it is: ${plan.reason}.`);
      lines.push(`Rebase it onto ${headName} yourself, or delete it (git branch -D ${name}) and run again.`);
      break;
    default: {
      const build = plan.build;
      const verb = plan.action === 'create' ? 'Created' : `Rebuilt (${plan.why})`;
      lines.push(`${verb} branch ${name} from ${headName} (${head.slice(0, 12)}): ${plural(build.commits.length, 'commit')}, one per rule${build.commits.some((c) => c.safety === 'review') ? ' and safety class' : ''}.`);
      for (const r of build.replayed) if (r.to) lines.push(`  ${r.to.slice(0, 12)} ${r.from.subject}  (kept: ${r.from.authorName})`);
      for (const c of build.commits) lines.push(`  ${c.sha.slice(0, 12)} ${c.subject}`);
      lines.push(`Author ${formatIdentity(ids.author)}, committer ${formatIdentity(ids.committer)}.`);
      lines.push(`Your checkout, index and current branch are untouched. Review: git log -p ${headName}..${name}`);
    }
  }
  const f = plan.fresh;
  const notes: string[] = [];
  if (f.heldBack.length) notes.push(`${plural(f.heldBack.length, 'review-class fix')} held back (use --unsafe-fixes)`);
  if (f.reportOnly.length) notes.push(`${plural(f.reportOnly.length, 'finding')} with no automatic fix (report only)`);
  if (f.unfixed.length) notes.push(`${plural(f.unfixed.length, 'finding')} whose fix was dropped`);
  if (notes.length) lines.push(`${notes.join('; ')}; run autopack-fix without --write to list them.`);
  return `${lines.join('\n')}\n`;
}

function branchJson(plan: BranchPlan, name: string, head: string, tip: string | undefined, ids: Awaited<ReturnType<typeof resolveIdentities>>): unknown {
  const build = plan.action === 'create' || plan.action === 'rebuild' ? plan.build : undefined;
  return {
    schemaVersion: 1,
    branch: { name, action: plan.action, base: head, tip: tip ?? null, author: formatIdentity(ids.author), committer: formatIdentity(ids.committer) },
    commits: (build?.commits ?? []).map((c) => ({ sha: c.sha, ruleId: c.ruleId, safety: c.safety, subject: c.subject, files: c.files, findings: c.findings })),
    kept: (build?.replayed ?? []).filter((r) => r.to).map((r) => ({ sha: r.to, from: r.from.sha, subject: r.from.subject, author: r.from.authorName })),
    reason: plan.action === 'blocked' ? plan.reason : null,
    heldBack: plan.fresh.heldBack,
    reportOnly: plan.fresh.reportOnly,
    diagnostics: plan.fresh.diagnostics,
  };
}
