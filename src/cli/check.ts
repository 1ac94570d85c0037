/**
 * The work behind the command line: the check, --dry-run, --write and --write --branch. Loaded
 * by main.ts when a command runs (not for --help and --version).
 */
import { existsSync, realpathSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Safety, Severity } from '../model/types.js';
import { RULES, findRule } from '../rules/registry.js';
import { asWritten, type RunProgress, type RunResult } from '../engine/run.js';
import { removeKilledRunTemps, writeChangesInterruptible } from '../engine/write.js';
import { unifiedDiff } from '../report/diff.js';
import { jsonReport } from '../report/json.js';
import { colorDiff, colorsFor, diagnosticLines, findingLines, summaryLines, textReport, DEFAULT_TEXT_WIDTH } from '../report/text.js';
import { conciseReport } from '../report/concise.js';
import { ruleStatistics, statisticsJson, statisticsLines } from '../report/statistics.js';
import { stderrDiagnostics } from '../report/diagnostics.js';
import { git, gitTopLevel, workingTreeState } from '../util/git.js';
import { BASELINE_FILE, writeBaseline } from '../engine/baseline.js';
import { createPipeline, loadPinMap } from '../pipeline/pipeline.js';
import { defaultCacheLocation } from '../cache/pass-cache.js';
import { prepareWrite } from '../pipeline/write.js';
import { sarifReport } from '../report/sarif.js';
import { githubReport } from '../report/github.js';
import { markdownReport } from '../report/markdown.js';
import { countOf, startProgress } from '../report/progress.js';
import { displayPath, escapeControls } from '../report/escape.js';
import { planBranch, type BranchPlan } from '../pipeline/branch.js';
import { formatIdentity, resolveIdentities } from '../git/identity.js';
import { tryRevParse } from '../git/commits.js';
import { workTreeProblem } from '../git/work-tree.js';
import { DEFAULT_BRANCH_NAME } from '../bot/pr.js';
import type { Target } from './target.js';
import { DEFAULT_FAIL_ON, EXIT_CLEAN, EXIT_ERROR, EXIT_FINDINGS, SEVERITIES, UsageError, parseConcurrency, selected, type Io, type MainOptions } from './options.js';

/**
 * `--save-pin-map FILE`: the pins of this run as a pin-map file (the `--pin-map` file's entries
 * and what `--network` looked up, sectioned, keys normalised and sorted), so that a team can
 * commit it and later runs need no lookup. Written whether or not anything was looked up.
 */
function savePinMap(pipeline: Awaited<ReturnType<typeof createPipeline>>, opts: MainOptions, io: Io): void {
  if (opts.savePinMap === undefined) return;
  const mine = opts.pinMap !== undefined ? loadPinMap(opts.pinMap) : { actions: {}, images: {} };
  const found = pipeline.lookup?.resolution.map ?? { actions: {}, images: {} };
  const sorted = (o: Record<string, string>): Record<string, string> => Object.fromEntries(Object.entries(o).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  const map = { actions: sorted({ ...found.actions, ...mine.actions }), images: sorted({ ...found.images, ...mine.images }) };
  try {
    writeFileSync(opts.savePinMap, `${JSON.stringify(map, null, 2)}\n`);
  } catch (error) {
    throw new UsageError(`--save-pin-map ${displayPath(opts.savePinMap)}: cannot write it: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
  const n = Object.keys(map.actions).length + Object.keys(map.images).length;
  if (!opts.quiet) io.stderr.write(`note: wrote ${n} pin${n === 1 ? '' : 's'} to ${displayPath(opts.savePinMap)}\n`);
}

/** The pipeline the check and `--branch` run: the same flags, their own baseline choice. */
function pipelineFor(root: string, target: { paths?: string[] }, opts: MainOptions, baseline: boolean, env: NodeJS.ProcessEnv, onFileRead?: Io['onFileRead'], git?: Io['git']): ReturnType<typeof createPipeline> {
  return createPipeline({
    root,
    // A report or a dry run writes nothing: the bytes read need not be kept for a write's checks.
    readOnly: !opts.write,
    configPath: opts.config,
    only: selected(opts),
    ignore: opts.ignore,
    paths: target.paths,
    unsafeFixes: opts.unsafeFixes,
    changedSince: opts.changedSince,
    baseline,
    maxFileBytes: opts.maxFileSize,
    onFileRead,
    git,
    pinMap: opts.pinMap,
    network: opts.network ? { env } : undefined,
    cache: opts.cache === false ? undefined : path.resolve(opts.cacheLocation ?? defaultCacheLocation(root, env)),
    concurrency: opts.concurrency ?? (env.AUTOPACK_FIX_CONCURRENCY ? parseConcurrency(env.AUTOPACK_FIX_CONCURRENCY, 'AUTOPACK_FIX_CONCURRENCY') : undefined),
  });
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

/** The check, --dry-run and --write (the run memo and `-o` are memo.ts's, around it). */
export async function runCommand(target: Target, opts: MainOptions, io: Io): Promise<number> {
  // A report written to a file (-o) is never coloured.
  const c = colorsFor(io.stdout, opts.outputFile ? { NO_COLOR: '1' } : io.env);
  const errColors = colorsFor(io.stderr, io.env);
  const errDiagnostics = (list: Parameters<typeof stderrDiagnostics>[0]): string => diagnosticLines(stderrDiagnostics(list, { quiet: opts.quiet, verbose: opts.verbose }), errColors);
  if (opts.write && opts.dryRun) throw new UsageError('--write and --dry-run exclude each other');
  const { root, display: rootArg } = target;
  if (!existsSync(root)) throw new UsageError(`root does not exist: ${displayPath(rootArg)}`);
  if (!statSync(root).isDirectory()) throw new UsageError(`root is not a directory: ${displayPath(rootArg)}`);
  if (opts.updateBaseline && (opts.write || opts.dryRun)) throw new UsageError('--update-baseline records findings; it does not combine with --write or --dry-run');
  if (opts.updateBaseline && target.paths) throw new UsageError('--update-baseline records every finding of the root; it does not combine with file arguments');
  if (opts.statistics && opts.format !== 'text' && opts.format !== 'json') throw new UsageError(`--statistics prints text or json, not --format ${opts.format}`);
  const pipeline = await pipelineFor(root, target, opts, opts.baseline && !opts.updateBaseline, io.env, io.onFileRead, io.git);
  // In every format, also json and sarif: the finding says why, the note names the ref once.
  if (pipeline.lookup) io.stderr.write(errDiagnostics(pipeline.lookup.notes));
  const wantsFixes = !!(opts.write || opts.dryRun || opts.format === 'diff');
  const apply = wantsFixes ? pipeline.accepted : new Set<Safety>();

  // Refuse before doing any work (and before touching any file).
  const prepared = opts.write ? await prepareWrite(root, { allowDirty: !!opts.allowDirty, display: displayPath(rootArg), shown: displayPath }) : undefined;
  if (prepared) io.stderr.write(errDiagnostics(prepared.recovered));
  // After the clean-tree check: a map saved inside the repository is a change of its own.
  savePinMap(pipeline, opts, io);
  const journalDir = prepared?.journalDir;

  const ws = await pipeline.open();
  // A report outside git lists files from disk (no .gitignore) and reads no history; when that is
  // because the .git cannot be read, say so rather than quietly running in the wrong mode.
  if (!ws.inGitRepo && !opts.quiet) {
    const problem = await workTreeProblem(root, displayPath);
    if (problem) io.stderr.write(`note: cannot tell whether ${displayPath(rootArg)} is inside a git work tree: ${problem.message}; checking the files on disk as outside git (.gitignore is not applied, history is not read)\n`);
  }

  const textual = opts.format === 'text' || opts.format === 'concise';
  // Rules read files as they need them: the count grows while a rule runs, so the label is asked again at every frame.
  let step: RunProgress | undefined;
  const label = (): string => {
    if (step?.phase === 'fix') return `proving fixes, pass ${step.pass}`;
    const read = `files read ${countOf(ws.filesRead, ws.paths.length)}`;
    return step ? `${read} · checking ${step.index + 1}/${step.total}: ${step.rule}` : read;
  };
  const progress = textual && !opts.quiet ? startProgress(label, { stream: io.progress ?? io.stderr, env: io.env, ...progressDelay(io.env) }) : undefined;
  let result: RunResult;
  try {
    result = await pipeline.run(ws, {
      apply,
      onProgress: (next) => {
        step = next;
        progress?.update(label);
      },
    });
  } finally {
    progress?.stop();
  }
  io.stderr.write(errDiagnostics(pipeline.takeCacheNotes()));
  if (opts.updateBaseline) {
    const file = writeBaseline(root, result.findings, ws);
    if (!opts.quiet) io.stdout.write(`Recorded ${result.findings.length} finding${result.findings.length === 1 ? '' : 's'} in ${displayPath(path.relative(process.cwd(), file) || file)}; later runs report only new ones (--no-baseline shows all).\n`);
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
  // (writeChanges does it too: here for a run with nothing to write.)
  if (opts.write && result.changes.length === 0) removeKilledRunTemps(ws);
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
      `autopack-fix: stopped by ${interrupted}. Written (${written.length}): ${written.map(displayPath).join(', ') || 'none'}. Not written (${notWritten.length}): ${notWritten.map(displayPath).join(', ') || 'none'}. Every file is either as it was or fully fixed; run again to finish.\n`,
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

/** `AUTOPACK_FIX_TEST_PROGRESS_DELAY_MS`: the spinner's delay, for tests (0: drawn at once). */
function progressDelay(env: NodeJS.ProcessEnv): { delayMs?: number } {
  const ms = Number(env.AUTOPACK_FIX_TEST_PROGRESS_DELAY_MS);
  return env.AUTOPACK_FIX_TEST_PROGRESS_DELAY_MS !== undefined && Number.isFinite(ms) && ms >= 0 ? { delayMs: ms } : {};
}

/** Columns for the text report: the terminal's width when stdout is one, else 120. */
function textWidth(stream: NodeJS.WriteStream): number {
  return stream.isTTY === true && typeof stream.columns === 'number' && stream.columns >= 40 ? stream.columns : DEFAULT_TEXT_WIDTH;
}

function wroteLine(written: readonly string[]): string {
  return written.length ? `Wrote ${written.length} file${written.length === 1 ? '' : 's'}: ${written.map(displayPath).join(', ')}\n` : 'Nothing written.\n';
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
export async function runBranchCommand(target: Target, opts: MainOptions, io: Io, rootGiven: boolean): Promise<number> {
  if (!opts.write) throw new UsageError('--branch needs --write (to preview the commits, use `autopack-fix pr --dry-run`)');
  if (opts.dryRun) throw new UsageError('--branch and --dry-run exclude each other');
  if (opts.format === 'diff') throw new UsageError('--branch prints the commits it made; --format diff does not apply (use `git log -p` on the branch)');
  if (opts.updateBaseline) throw new UsageError('--update-baseline records findings; it does not combine with --write or --dry-run');
  if (opts.statistics || opts.outputFile || opts.format === 'concise') throw new UsageError('--branch prints the commits it made (text or --format json); --statistics, --output-file and --format concise do not apply');
  const { root, display: rootArg } = target;
  const name = opts.branch === true ? `${opts.branchPrefix}${DEFAULT_BRANCH_NAME}` : (opts.branch as string);
  // `--write --branch fixtures/demo` reads the root as the branch name: say so rather than guess.
  if (opts.branch !== true && !rootGiven && existsSync(name) && statSync(name).isDirectory()) {
    throw new UsageError(`--branch ${displayPath(name)}: ${displayPath(name)} is a directory; put the root before the options (\`autopack-fix ${displayPath(name)} --write --branch\`) or choose a branch name that is not a path`);
  }
  const top = await gitTopLevel(root);
  if (!top) {
    const problem = await workTreeProblem(root, displayPath);
    throw new UsageError(`${problem ? `cannot tell whether ${displayPath(rootArg)} is inside a git work tree: ${problem.message}` : `${displayPath(rootArg)} is not inside a git work tree`}; --branch needs one`);
  }
  const rootRel = path.relative(realpathSync(top), realpathSync(root)).split(path.sep).join('/');
  if ((await git(top, ['check-ref-format', '--branch', name])).code !== 0) throw new UsageError(`not a valid branch name: ${displayPath(name)}`);
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
  const pipeline = await pipelineFor(root, target, opts, opts.baseline, io.env);
  savePinMap(pipeline, opts, io);
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
  const diagnostics = [...(pipeline.lookup?.notes ?? []), ...pipeline.takeCacheNotes(), ...plan.fresh.diagnostics];
  io.stderr.write(diagnosticLines(stderrDiagnostics(diagnostics, { quiet: opts.quiet, verbose: opts.verbose }), colorsFor(io.stderr, io.env)));
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
  // Branch names, subjects and identities come from git and the user: no control character reaches the terminal.
  return `${lines.map((l) => escapeControls(l)).join('\n')}\n`;
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
