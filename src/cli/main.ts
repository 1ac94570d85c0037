import { existsSync, readFileSync, realpathSync, statSync } from 'node:fs';
import path from 'node:path';
import { Command, CommanderError, Option } from 'commander';
import type { Safety } from '../model/types.js';
import { RULES, findRule } from '../rules/registry.js';
import { DEFAULT_MAX_FILE_BYTES } from '../workspace/workspace.js';
import type { RunResult } from '../engine/run.js';
import { writeChangesInterruptible } from '../engine/write.js';
import { unifiedDiff } from '../report/diff.js';
import { jsonReport } from '../report/json.js';
import { colorDiff, colorsFor, diagnosticLines, textReport } from '../report/text.js';
import { git, gitTopLevel, workingTreeState } from '../util/git.js';
import { packageRoot } from '../util/package-root.js';
import { BASELINE_FILE, writeBaseline } from '../engine/baseline.js';
import { createPipeline } from '../pipeline/pipeline.js';
import { prepareWrite } from '../pipeline/write.js';
import { sarifReport } from '../report/sarif.js';
import { githubReport } from '../report/github.js';
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

interface MainOptions {
  dryRun?: boolean;
  write?: boolean;
  format: 'text' | 'json' | 'diff' | 'sarif' | 'github';
  config?: string;
  /** `--no-baseline` sets false. */
  baseline: boolean;
  updateBaseline?: boolean;
  changedSince?: string;
  rule?: string[];
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
  rule?: string[];
  unsafeFixes?: boolean;
  draft?: boolean;
  label?: string[];
  reviewer?: string[];
  maxOpenPrs: number;
  author?: string;
  committer?: string;
  maxFileSize?: number;
  docsUrl?: string;
}

class UsageError extends Error {}

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
    // Program options are read only before a subcommand, so `pr --rule x` reaches `pr`.
    .enablePositionalOptions()
    .name('autopack-fix')
    .description('Find repository drift (compose, Dockerfiles, docs, CI) and fix it with minimal, proven edits.')
    .argument('[root]', 'repository root', '.')
    .option('--dry-run', 'show findings and the unified diff of every fix; write nothing')
    .option('--write', 'apply the fixes')
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'json', 'diff', 'sarif', 'github']).default('text'))
    .option('--config <path>', 'configuration file (default: autopack-fix.config.{json,yaml,yml} or package.json "autopack-fix", from the root up to the repository top)')
    .option('--no-baseline', `report every finding, also those recorded in ${BASELINE_FILE}`)
    .option('--update-baseline', `record today's findings in ${BASELINE_FILE}; later runs report only new ones`)
    .option('--changed-since <ref>', 'report only findings in files changed since the merge-base with <ref> (and untracked files)')
    .option('--rule <id...>', 'run only these rules')
    .option('--unsafe-fixes', 'also apply review-class fixes')
    .option('--allow-dirty', 'allow --write on a working tree with uncommitted changes (or outside git)')
    .option('--max-file-size <bytes>', `skip files larger than this (default ${DEFAULT_MAX_FILE_BYTES})`, (v) => {
      const n = Number(v);
      if (!Number.isInteger(n) || n <= 0) throw new UsageError(`--max-file-size: not a positive integer: ${v}`);
      return n;
    })
    .option('--branch [name]', `with --write: commit the fixes to a new branch (default ${DEFAULT_BRANCH_PREFIX}${DEFAULT_BRANCH_NAME}), one commit per rule, without touching the checkout`)
    .option('--branch-prefix <prefix>', "the bot's branch prefix", DEFAULT_BRANCH_PREFIX)
    .option('--author <ident>', 'author of the branch commits, "Name <email>" (default: the repository\'s git identity, else autopack-fix)')
    .option('--committer <ident>', 'committer of the branch commits (same default)')
    .showHelpAfterError()
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s) })
    .action(async (root: string, opts: MainOptions) => {
      if (opts.branch === undefined && (opts.author || opts.committer)) throw new UsageError('--author and --committer apply only with --write --branch');
      exitCode = opts.branch !== undefined ? await runBranchCommand(root, opts, io, program.args.length > 0) : await runCommand(root, opts, io);
    });

  program
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
    .option('--rule <id...>', 'run only these rules')
    .option('--unsafe-fixes', 'also commit review-class fixes (in their own commits)')
    .option('--draft', 'open the pull request as a draft')
    .option('--label <name...>', 'labels to put on the pull request')
    .option('--reviewer <login...>', 'reviewers to request when the PR is opened (org/team for a team)')
    .option('--max-open-prs <n>', `do not open a PR when this many bot PRs are open (default ${DEFAULT_MAX_OPEN_PRS})`, positiveInt('--max-open-prs'), DEFAULT_MAX_OPEN_PRS)
    .option('--author <ident>', 'author of the commits, "Name <email>"')
    .option('--committer <ident>', 'committer of the commits, "Name <email>"')
    .option('--max-file-size <bytes>', 'skip files larger than this', positiveInt('--max-file-size'))
    .option('--docs-url <template>', "link for a rule's README in the PR body; {rule} is replaced")
    .action(async (root: string, opts: PrCliOptions) => {
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
          only: opts.rule,
          unsafeFixes: !!opts.unsafeFixes,
          draft: !!opts.draft,
          labels: opts.label ?? [],
          reviewers: opts.reviewer ?? [],
          maxOpenPrs: opts.maxOpenPrs,
          author: opts.author,
          committer: opts.committer,
          maxFileSize: opts.maxFileSize,
          docsUrl: opts.docsUrl,
        },
        { out: (s) => io.stdout.write(s), err: (s) => io.stderr.write(s), env: io.env },
      );
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
  if (opts.updateBaseline && (opts.write || opts.dryRun)) throw new UsageError('--update-baseline records findings; it does not combine with --write or --dry-run');
  const pipeline = await createPipeline({
    root,
    configPath: opts.config,
    only: opts.rule,
    unsafeFixes: opts.unsafeFixes,
    changedSince: opts.changedSince,
    baseline: opts.baseline && !opts.updateBaseline,
    maxFileBytes: opts.maxFileSize,
  });
  const wantsFixes = !!(opts.write || opts.dryRun || opts.format === 'diff');
  const apply = wantsFixes ? pipeline.accepted : new Set<Safety>();

  // Refuse before doing any work (and before touching any file).
  const prepared = opts.write ? await prepareWrite(root, { allowDirty: !!opts.allowDirty, display: rootArg }) : undefined;
  if (prepared) io.stderr.write(diagnosticLines(prepared.recovered, errColors));
  const journalDir = prepared?.journalDir;

  const ws = await pipeline.open();

  const progress = opts.format === 'text' ? startProgress('checking', { stream: io.stderr, env: io.env }) : undefined;
  let result: RunResult;
  try {
    result = await pipeline.run(ws, { apply });
  } finally {
    progress?.stop();
  }
  if (opts.updateBaseline) {
    const file = writeBaseline(root, result.findings, ws);
    io.stdout.write(`Recorded ${result.findings.length} finding${result.findings.length === 1 ? '' : 's'} in ${path.relative(process.cwd(), file) || file}; later runs report only new ones (--no-baseline shows all).\n`);
    return EXIT_CLEAN;
  }
  const hidden = pipeline.baseline?.hidden(ws) ?? 0;
  // A printed diff never shows an unchanged line that holds an environment value (docs/robustness.md, "Secrets").
  const showsDiff = result.changes.length > 0 && (opts.format === 'diff' || (!!opts.dryRun && opts.format === 'text'));
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
  }
  if (interrupted) {
    if (opts.format === 'json') io.stdout.write(jsonReport(result, { written, diagnostics: writeErrors, interrupted: { signal: interrupted, notWritten } }));
    io.stderr.write(diagnosticLines(writeErrors, errColors));
    io.stderr.write(
      `autopack-fix: stopped by ${interrupted}. Written (${written.length}): ${written.join(', ') || 'none'}. Not written (${notWritten.length}): ${notWritten.join(', ') || 'none'}. Every file is either as it was or fully fixed; run again to finish.\n`,
    );
    return interrupted === 'SIGINT' ? 130 : 143;
  }

  switch (opts.format) {
    case 'json':
      io.stdout.write(jsonReport(result, { written, diagnostics: writeErrors }));
      break;
    case 'diff':
      io.stdout.write(diff);
      io.stderr.write(diagnosticLines([...result.diagnostics, ...writeErrors], errColors));
      break;
    case 'sarif':
      io.stdout.write(sarifReport(result.findings, { rules: RULES, workspace: ws, severityOverrides: pipeline.config.severityOverrides }));
      break;
    case 'github':
      io.stdout.write(githubReport(result.findings, { diagnostics: [...result.diagnostics, ...writeErrors] }));
      break;
    default: {
      io.stdout.write(textReport(result, c, opts.write ? 'write' : opts.dryRun ? 'dry-run' : 'report', (id) => findRule(id)?.meta.summary));
      if (opts.dryRun && diff) io.stdout.write(`\n${colorDiff(diff, c)}`);
      if (opts.write) io.stdout.write(written.length ? `Wrote ${written.length} file${written.length === 1 ? '' : 's'}: ${written.join(', ')}\n` : 'Nothing written.\n');
      if (hidden > 0) io.stdout.write(c.dim(`${hidden} finding${hidden === 1 ? '' : 's'} recorded in ${BASELINE_FILE} not shown (--no-baseline shows them).\n`));
      io.stderr.write(diagnosticLines([...result.diagnostics, ...writeErrors], errColors));
    }
  }
  return exitCodeFor(result, { write: !!opts.write, writeFailed: writeErrors.length > 0, dryRun: !opts.write && wantsFixes });
}

/** 0: nothing left to fix; 1: findings remain (or, without --write, changes pending); 2: I/O error. */
function exitCodeFor(result: RunResult, mode: { write: boolean; writeFailed: boolean; dryRun: boolean }): number {
  if (mode.writeFailed) return EXIT_ERROR;
  if (mode.write) return result.remaining.length > 0 ? EXIT_FINDINGS : EXIT_CLEAN;
  if (mode.dryRun && result.changes.length > 0) return EXIT_FINDINGS;
  return result.findings.length > 0 ? EXIT_FINDINGS : EXIT_CLEAN;
}

/**
 * `--write --branch [name]`: the fixes as commits on a new (or updated) local branch, one per
 * rule, made in a temporary worktree from HEAD. The user's checkout, index and current branch
 * are not touched, so uncommitted changes are neither needed clean nor included. Exit 0 when the
 * branch holds every fix it can (or there is nothing to fix: then no branch is made); 1 when
 * the branch could not be updated (others' commits do not replay); 2 on errors.
 */
async function runBranchCommand(rootArg: string, opts: MainOptions, io: Io, rootGiven: boolean): Promise<number> {
  if (!opts.write) throw new UsageError('--branch needs --write (to preview the commits, use `autopack-fix pr --dry-run`)');
  if (opts.dryRun) throw new UsageError('--branch and --dry-run exclude each other');
  if (opts.format === 'diff') throw new UsageError('--branch prints the commits it made; --format diff does not apply (use `git log -p` on the branch)');
  if (opts.updateBaseline) throw new UsageError('--update-baseline records findings; it does not combine with --write or --dry-run');
  const root = path.resolve(rootArg);
  if (!existsSync(root)) throw new UsageError(`root does not exist: ${rootArg}`);
  if (!statSync(root).isDirectory()) throw new UsageError(`root is not a directory: ${rootArg}`);
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
  const pipeline = await createPipeline({
    root,
    configPath: opts.config,
    only: opts.rule,
    unsafeFixes: opts.unsafeFixes,
    changedSince: opts.changedSince,
    baseline: opts.baseline,
    maxFileBytes: opts.maxFileSize,
  });
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
  io.stderr.write(diagnosticLines(plan.fresh.diagnostics, colorsFor(io.stderr, io.env)));
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
