/**
 * `autopack-fix pr`: the branch step, pushed to the bot's branch, and a pull request opened or
 * updated. The etiquette (ANCHORS §2.6): one PR per branch, updated in place and never
 * duplicated; nothing pushed when the fixes are unchanged; others' commits kept (the bot's
 * commits are rebuilt on top of them, or the branch is left alone with one comment saying why);
 * a PR closed without merging is not proposed again for the same findings; a cap on open PRs.
 */
import { appendFileSync, realpathSync } from 'node:fs';
import path from 'node:path';
import type { Diagnostic } from '../model/types.js';
import { git, gitTopLevel } from '../util/git.js';
import { resolveIdentities } from '../git/identity.js';
import { workTreeProblem } from '../git/work-tree.js';
import { displayPath } from '../report/escape.js';
import { tryRevParse, type CommitInfo } from '../git/commits.js';
import { planBranch, type BranchPlan, type ExistingBranch } from '../pipeline/branch.js';
import { CONCURRENCY_EXPECTED, concurrencyOf } from '../util/concurrency.js';
import { createPipeline, type Pipeline } from '../pipeline/pipeline.js';
import { assertBotBranch, authEnv, fetchCommits, lsRemoteHeads, parseRemoteUrl, pushBotBranch, remoteProblem, remoteUrl, repoFromUrl, type RemoteUrl } from '../git/remote.js';
import { GitHub, PUBLIC_API, describeApiError, type PullRequest } from './github.js';
import { blockedComment, docsUrlResolver, obsoleteComment, packageVersion, prBody, prTitle } from './pr-body.js';
import { blockedMarker, decodeState, replaceState, STATE_VERSION, type PrState } from './state.js';
import { Redactor } from './redact.js';
import { createColors } from 'picocolors';
import { diagnosticLines } from '../report/text.js';
import { stderrDiagnostics } from '../report/diagnostics.js';

export const DEFAULT_BRANCH_PREFIX = 'autopack-fix/';
export const DEFAULT_BRANCH_NAME = 'fixes';
export const DEFAULT_MAX_OPEN_PRS = 5;

export interface PrOptions {
  root: string;
  dryRun: boolean;
  remote: string;
  repo?: string;
  base?: string;
  branch?: string;
  branchPrefix: string;
  tokenEnv: string;
  /** `--config PATH`; otherwise the configuration is searched from the root, as for every run. */
  configPath?: string;
  /** `--select id,…` / `--rule id`: exactly these rules. */
  only?: readonly string[];
  /** `--ignore id,…`: not these rules. */
  ignore?: readonly string[];
  unsafeFixes: boolean;
  draft: boolean;
  labels: string[];
  reviewers: string[];
  maxOpenPrs: number;
  author?: string;
  committer?: string;
  maxFileSize?: number;
  docsUrl?: string;
  /** `--pin-map FILE`, as for the check. */
  pinMap?: string;
  /** `--network`: look up the pins no map gives (the GitHub lookups with the PR token). */
  network?: boolean;
  /** Every skipped file by name (default: one note for them all). */
  verbose?: boolean;
  /** No notes on stderr: only warnings and errors. */
  quiet?: boolean;
  /**
   * A configuration laid over the one found in (or given for) the repository: what a campaign
   * imposes on every target (`campaign run --config`). Rules are merged per rule id.
   */
  configOverride?: string;
  /**
   * The base commit the caller planned against: when the remote's base branch is elsewhere by
   * the time of the push, nothing is pushed and the outcome is `base-moved` (campaigns).
   */
  expectBaseSha?: string;
  /**
   * Asked right before a new PR would be opened (never for an update): false keeps the
   * repository unchanged with the outcome `capped`. A campaign's wave-wide `--max-prs` lives
   * here; the call reserves a slot, so it is made once per PR that is then opened.
   */
  mayOpen?: () => boolean;
  /** The fetch the GitHub API calls go through (a campaign's, which waits through rate limits). */
  apiFetch?: typeof fetch;
}

export interface PrIo {
  out: (text: string) => void;
  err: (text: string) => void;
  env: NodeJS.ProcessEnv;
  /** Told once what the run did (a campaign records it); not called when the run fails. */
  outcome?: (outcome: PrOutcomeReport) => void;
}

/** What one `pr` run did, for a caller that keeps score (src/campaign/run.ts). */
export interface PrOutcomeReport {
  operation: 'opened' | 'updated' | 'up-to-date' | 'nothing-to-fix' | 'closed' | 'declined-before' | 'blocked' | 'capped' | 'dry-run' | 'base-moved';
  /** The base commit the fixes were computed from. */
  baseSha?: string;
  /** Findings on the base by rule id (fixed, held back, report-only and unfixed ones). */
  findings: Record<string, number>;
  /** Fixes proposed by rule id (committed to the bot branch, or would be in a dry run). */
  fixes: Record<string, number>;
  pr?: { number: number; url: string };
}

/** Findings and fixes per rule id of a branch build. */
function counts(fresh: BranchPlan['fresh']): Pick<PrOutcomeReport, 'findings' | 'fixes'> {
  const findings: Record<string, number> = {};
  const fixes: Record<string, number> = {};
  const add = (into: Record<string, number>, id: string): void => {
    into[id] = (into[id] ?? 0) + 1;
  };
  for (const c of fresh.commits) {
    for (const f of c.findings) {
      add(findings, f.ruleId);
      add(fixes, f.ruleId);
    }
  }
  for (const f of [...fresh.heldBack, ...fresh.reportOnly, ...fresh.unfixed]) add(findings, f.ruleId);
  return { findings, fixes };
}

class PrError extends Error {}

/** Runs the bot; every line it prints and every error goes through the token redactor. Exit 0 / 2. */
export async function prCommand(options: PrOptions, io: PrIo): Promise<number> {
  const token = io.env[options.tokenEnv] || undefined;
  const redactor = new Redactor(token);
  const out = (s: string): void => io.out(redactor.redact(s));
  const err = (s: string): void => io.err(redactor.redact(s));
  try {
    const ctx = await prepare(options, io.env);
    const sinks: PrIo = { out, err, env: io.env, ...(io.outcome ? { outcome: io.outcome } : {}) };
    if (options.dryRun) return await dryRun(ctx, options, sinks, token);
    if (!token) throw new PrError(`no GitHub token: set ${options.tokenEnv}${options.tokenEnv === 'GITHUB_TOKEN' ? ' (or name another variable with --token-env)' : ''}, or use --dry-run`);
    return await live(ctx, options, sinks, token, redactor);
  } catch (error) {
    err(`autopack-fix pr: ${describeApiError(error)}\n`);
    return 2;
  }
}

interface Context {
  top: string;
  rootRel: string;
  fetchUrl: RemoteUrl;
  pushUrl: RemoteUrl;
  slug: { owner: string; name: string } | undefined;
  identities: Awaited<ReturnType<typeof resolveIdentities>>;
  pipeline: Pipeline;
}

async function prepare(options: PrOptions, env: NodeJS.ProcessEnv): Promise<Context> {
  const root = path.resolve(options.root);
  const top = await gitTopLevel(root);
  if (!top) {
    const problem = await workTreeProblem(root, displayPath);
    throw new PrError(problem ? `cannot tell whether ${displayPath(options.root)} is inside a git work tree: ${problem.message}` : `${displayPath(options.root)} is not inside a git work tree`);
  }
  const rootRel = path.relative(realpathSync(top), realpathSync(root)).split(path.sep).join('/');
  const fetch = await remoteUrl(top, options.remote, false);
  if (!fetch) throw new PrError(`the repository has no remote named ${options.remote} (use --remote)`);
  const push = (await remoteUrl(top, options.remote, true)) ?? fetch;
  const fetchUrl = parseRemoteUrl(fetch);
  const pushUrl = parseRemoteUrl(push);
  let slug = repoFromUrl(fetchUrl);
  if (options.repo) {
    const m = /^([\w.-]+)\/([\w.-]+)$/.exec(options.repo);
    if (!m || !m[1] || !m[2]) throw new PrError(`--repo: expected owner/name, got ${options.repo}`);
    slug = { owner: m[1], name: m[2] };
  }
  const identities = await resolveIdentities(top, env, { author: options.author, committer: options.committer });
  const network = options.network ? { env, token: env[options.tokenEnv] || undefined } : undefined;
  // AUTOPACK_FIX_CONCURRENCY: the parse workers, as for the check.
  const concurrency = env.AUTOPACK_FIX_CONCURRENCY ? concurrencyOf(env.AUTOPACK_FIX_CONCURRENCY) : 'auto';
  if (concurrency === undefined) throw new PrError(`AUTOPACK_FIX_CONCURRENCY: ${CONCURRENCY_EXPECTED}: ${env.AUTOPACK_FIX_CONCURRENCY}`);
  const pipeline = await createPipeline({ root, configPath: options.configPath, configOverride: options.configOverride, only: options.only, ignore: options.ignore, unsafeFixes: options.unsafeFixes, maxFileBytes: options.maxFileSize, pinMap: options.pinMap, network, concurrency });
  return { top, rootRel, fetchUrl, pushUrl, slug, identities, pipeline };
}

async function validBranch(top: string, options: PrOptions, base: string): Promise<string> {
  const branch = options.branch ?? `${options.branchPrefix}${DEFAULT_BRANCH_NAME}`;
  assertBotBranch(branch, options.branchPrefix, base);
  const r = await git(top, ['check-ref-format', '--branch', branch]);
  if (r.code !== 0) throw new PrError(`not a valid branch name: ${branch}`);
  return branch;
}

/** The same lines, at the same levels, as the check prints (src/report/diagnostics.ts). */
function printDiagnostics(diagnostics: readonly Diagnostic[], err: (s: string) => void, options: Pick<PrOptions, 'verbose' | 'quiet'>): void {
  const text = diagnosticLines(stderrDiagnostics(diagnostics, options), createColors(false));
  if (text) err(text);
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** The bot's and others' commits as the branch will hold them after this run. */
function branchCommits(plan: BranchPlan): { bot: Array<Pick<CommitInfo, 'sha' | 'subject'>>; others: Array<Pick<CommitInfo, 'sha' | 'subject' | 'authorName'>> } {
  switch (plan.action) {
    case 'create':
    case 'rebuild':
      return {
        bot: plan.build.commits.map((c) => ({ sha: c.sha, subject: c.subject })),
        others: plan.build.replayed.flatMap((r) => (r.to ? [{ sha: r.to, subject: r.from.subject, authorName: r.from.authorName }] : [])),
      };
    case 'unchanged':
    case 'blocked':
      return { bot: plan.classified.bot, others: plan.classified.others };
    default:
      return { bot: [], others: [] };
  }
}

function stateFor(plan: BranchPlan, branch: string, base: string, baseSha: string, bot: Array<{ sha: string }>): PrState {
  return { version: STATE_VERSION, branch, base, baseSha, findings: plan.fresh.findingsFingerprint, fixes: plan.fresh.setFingerprint, commits: bot.map((c) => c.sha) };
}

// ---------------------------------------------------------------------------------------------

/**
 * What the run did, for a workflow: `operation`, `branch`, `pr-number`, `pr-url`, appended to
 * the file GitHub Actions names in GITHUB_OUTPUT (the Action's `outputs:`). Nothing without it.
 */
function stepOutputs(env: NodeJS.ProcessEnv, values: { operation: string; branch?: string; pr?: { number: number; url: string } }): void {
  const file = env.GITHUB_OUTPUT;
  if (!file) return;
  const lines = [`operation=${values.operation}`, `branch=${values.branch ?? ''}`, `pr-number=${values.pr?.number ?? ''}`, `pr-url=${values.pr?.url ?? ''}`];
  appendFileSync(file, `${lines.join('\n')}\n`);
}

async function live(ctx: Context, options: PrOptions, io: PrIo, token: string, redactor: Redactor): Promise<number> {
  const { out, err, env } = io;
  for (const url of [ctx.fetchUrl, ctx.pushUrl]) {
    const problem = remoteProblem(url, env);
    if (problem) throw new PrError(problem);
  }
  if (!ctx.slug) throw new PrError(`cannot tell the GitHub repository from the remote URL ${ctx.fetchUrl.raw}; pass --repo owner/name`);
  const gitEnv = { ...authEnv(token, ctx.fetchUrl, env) };
  if (ctx.pushUrl.raw !== ctx.fetchUrl.raw) Object.assign(gitEnv, authEnv(token, ctx.pushUrl, { ...env, GIT_CONFIG_COUNT: gitEnv.GIT_CONFIG_COUNT }));
  const api = await GitHub.connect({
    token,
    baseUrl: env.GITHUB_API_URL || PUBLIC_API,
    owner: ctx.slug.owner,
    repo: ctx.slug.name,
    userAgent: `autopack-fix/${packageVersion()}`,
    warn: (m) => (options.quiet ? undefined : err(`note: ${redactor.redact(String(m))}\n`)),
    ...(options.apiFetch ? { fetch: options.apiFetch } : {}),
  });
  const base = options.base ?? (await api.defaultBranch());
  const branch = await validBranch(ctx.top, options, base);
  const heads = await lsRemoteHeads(ctx.top, options.remote, [base, branch], gitEnv);
  const baseSha = heads.get(base);
  if (!baseSha) throw new PrError(`the remote ${options.remote} has no branch ${base}`);
  if (options.expectBaseSha && baseSha !== options.expectBaseSha) {
    out(`${base} moved from ${options.expectBaseSha.slice(0, 12)} to ${baseSha.slice(0, 12)} since the run began: nothing pushed; the next run starts from the new commit.\n`);
    stepOutputs(env, { operation: 'base-moved', branch });
    io.outcome?.({ operation: 'base-moved', baseSha: options.expectBaseSha, findings: {}, fixes: {} });
    return 0;
  }
  const remoteTip = heads.get(branch);
  await fetchCommits(ctx.top, options.remote, remoteTip ? [base, branch] : [base], gitEnv);

  const prs = await api.pullsForBranch(branch);
  const open = prs.find((p) => p.state === 'open');
  const latest = open ?? prs[0];
  const recorded = decodeState(latest?.body);
  const existing: ExistingBranch | undefined = remoteTip
    ? { tip: remoteTip, botCommits: recorded?.commits, setFingerprint: recorded?.fixes, disposable: !open && !!latest?.merged }
    : undefined;
  const plan = await planBranch({ repo: ctx.top, rootRel: ctx.rootRel, base: baseSha, existing, selection: ctx.pipeline, identities: ctx.identities, maxFileBytes: options.maxFileSize });
  printDiagnostics([...(ctx.pipeline.lookup?.notes ?? []), ...plan.fresh.diagnostics], err, options);
  const where = `${ctx.slug.owner}/${ctx.slug.name}`;
  const finish = (operation: PrOutcomeReport['operation'], pr?: { number: number; url: string }): number => {
    stepOutputs(env, { operation, branch, ...(pr ? { pr } : {}) });
    io.outcome?.({ operation, baseSha, ...counts(plan.fresh), ...(pr ? { pr: { number: pr.number, url: pr.url } } : {}) });
    return 0;
  };

  if (plan.action === 'nothing-to-fix') {
    out(`Nothing to fix on ${base} (${baseSha.slice(0, 12)}): nothing pushed.\n`);
    if (open) {
      if (plan.classified && plan.classified.others.length > 0) {
        out(`PR #${open.number} holds commits by others; left open as it is.\n`);
      } else {
        await api.comment(open.number, obsoleteComment(base));
        const state = decodeState(open.body);
        const body = state ? replaceState(open.body, { ...state, obsolete: true }) : open.body;
        await api.updatePull(open.number, { state: 'closed', body });
        out(`Closed PR #${open.number} (${open.url}): its fixes are no longer needed.\n`);
        return finish('closed', open);
      }
    }
    return finish('nothing-to-fix', open);
  }

  if (!open) {
    const rejected = prs.find((p) => {
      const s = p.state === 'closed' && !p.merged ? decodeState(p.body) : undefined;
      return s !== undefined && !s.obsolete && s.findings === plan.fresh.findingsFingerprint;
    });
    if (rejected) {
      out(`PR #${rejected.number} (${rejected.url}) proposed these same fixes and was closed without merging: not proposing them again until the findings change. Nothing pushed.\n`);
      return finish('declined-before', rejected);
    }
  }

  if (plan.action === 'blocked') {
    out(`Branch ${branch} left alone: ${plan.reason}.\n`);
    if (open && remoteTip) {
      const marker = blockedMarker(remoteTip, baseSha);
      const comments = await api.comments(open.number);
      if (!comments.some((c) => c.body.includes(marker))) {
        await api.comment(open.number, redactor.redact(blockedComment(plan.reason, marker)));
        out(`Said so in a comment on PR #${open.number} (${open.url}).\n`);
      }
    }
    return finish('blocked', open);
  }

  if (!open) {
    const openBot = await api.openBotPulls(options.branchPrefix);
    if (openBot.length >= options.maxOpenPrs) {
      out(`${plural(openBot.length, 'open pull request')} from ${options.branchPrefix}* already (cap: ${options.maxOpenPrs}, --max-open-prs): not opening another. Nothing pushed.\n`);
      return finish('capped');
    }
    if (options.mayOpen && !options.mayOpen()) {
      out('The campaign has opened as many pull requests as it may (--max-prs): not opening another. Nothing pushed.\n');
      return finish('capped');
    }
  }

  const { bot, others } = branchCommits(plan);
  if (plan.action === 'unchanged') {
    out(`The fixes are unchanged: nothing pushed (${branch} stays at ${(remoteTip as string).slice(0, 12)}).\n`);
  } else {
    const pushed = await pushBotBranch(ctx.top, { remote: options.remote, commit: plan.build.tip, branch, prefix: options.branchPrefix, base, expect: remoteTip }, gitEnv);
    if (pushed.code !== 0) throw new PrError(`git push to ${branch} failed (if someone pushed meanwhile, the next run picks it up): ${(pushed.stderr || pushed.stdout).trim()}`);
    const how = plan.action === 'create' ? (remoteTip ? 'replacing' : 'new branch') : `rebuilt: ${plan.why}`;
    out(`Pushed ${plural(bot.length, 'commit')} to ${options.remote} ${branch} (${how}${others.length ? `; kept ${plural(others.length, 'commit')} by others` : ''}).\n`);
  }

  const mergeBase = remoteTip && plan.action === 'unchanged' ? ((await git(ctx.top, ['merge-base', baseSha, remoteTip])).stdout.trim() || baseSha) : baseSha;
  const state = stateFor(plan, branch, base, mergeBase, bot);
  const title = prTitle(plan.fresh);
  const body = prBody({ base, branch, fresh: plan.fresh, commits: bot, others, unsafeFixes: ctx.pipeline.accepted.has('review'), state, docsUrl: docsUrlResolver(options.docsUrl), rules: ctx.pipeline.rules });

  if (open) {
    const changed = open.title !== title || open.body !== body;
    if (changed) await api.updatePull(open.number, { title, body });
    const missing = options.labels.filter((l) => !open.labels.includes(l));
    if (missing.length) await api.addLabels(open.number, missing);
    out(changed || missing.length ? `Updated PR #${open.number}: ${open.url}\n` : `PR #${open.number} is up to date: ${open.url}\n`);
    return finish(changed || missing.length ? 'updated' : 'up-to-date', open);
  }
  const pr: PullRequest = await api.createPull({ title, body, head: branch, base, draft: options.draft });
  if (options.labels.length) await api.addLabels(pr.number, options.labels);
  const teams = options.reviewers.filter((r) => r.includes('/')).map((r) => r.slice(r.indexOf('/') + 1));
  const users = options.reviewers.filter((r) => !r.includes('/'));
  if (users.length || teams.length) await api.requestReviewers(pr.number, users, teams);
  out(`Opened ${options.draft ? 'draft ' : ''}PR #${pr.number} on ${where}: ${pr.url}\n`);
  return finish('opened', pr);
}

// ---------------------------------------------------------------------------------------------

async function dryRun(ctx: Context, options: PrOptions, io: PrIo, token: string | undefined): Promise<number> {
  const { out, err, env } = io;
  out(`autopack-fix pr --dry-run: nothing is pushed and no network call is made${options.network ? ' (but the pin lookups of --network)' : ''}; the remote is taken as this clone last fetched it.\n`);
  if ((await git(ctx.top, ['rev-parse', '--is-shallow-repository'])).stdout.trim() === 'true') {
    err('warning: this is a shallow clone; commits on an existing bot branch may be misjudged offline (a real run completes the history first)\n');
  }
  if (token) {
    for (const url of [ctx.fetchUrl, ctx.pushUrl]) {
      const problem = remoteProblem(url, env);
      if (problem) err(`warning: a real run would refuse: ${problem}\n`);
    }
  } else if (!options.quiet) {
    err(`note: a real run needs a GitHub token in ${options.tokenEnv}\n`);
  }
  const remoteHead = await git(ctx.top, ['symbolic-ref', '--quiet', `refs/remotes/${options.remote}/HEAD`]);
  const current = await git(ctx.top, ['symbolic-ref', '--quiet', '--short', 'HEAD']);
  const base = options.base ?? (remoteHead.code === 0 ? remoteHead.stdout.trim().replace(`refs/remotes/${options.remote}/`, '') : current.code === 0 ? current.stdout.trim() : undefined);
  if (!base) throw new PrError('cannot tell the default branch offline (no refs/remotes/<remote>/HEAD and a detached HEAD); pass --base');
  const branch = await validBranch(ctx.top, options, base);
  let baseRef = `refs/remotes/${options.remote}/${base}`;
  let baseSha = await tryRevParse(ctx.top, baseRef);
  if (!baseSha) {
    baseRef = 'HEAD';
    baseSha = await tryRevParse(ctx.top, 'HEAD');
  }
  if (!baseSha) throw new PrError('the repository has no commit yet');
  const remoteTip = await tryRevParse(ctx.top, `refs/remotes/${options.remote}/${branch}`);
  out(`Base: ${base} at ${baseSha.slice(0, 12)} (${baseRef}). Branch: ${options.remote}/${branch} ${remoteTip ? `at ${remoteTip.slice(0, 12)}` : '(does not exist yet)'}.\n`);
  const plan = await planBranch({ repo: ctx.top, rootRel: ctx.rootRel, base: baseSha, existing: remoteTip ? { tip: remoteTip } : undefined, selection: ctx.pipeline, identities: ctx.identities, maxFileBytes: options.maxFileSize });
  printDiagnostics([...(ctx.pipeline.lookup?.notes ?? []), ...plan.fresh.diagnostics], err, options);
  if (plan.action === 'nothing-to-fix') {
    out('Nothing to fix: nothing would be pushed and no pull request opened (an open one would be closed as no longer needed).\n');
    io.outcome?.({ operation: 'nothing-to-fix', baseSha, ...counts(plan.fresh) });
    return 0;
  }
  // A campaign's wave-wide cap, simulated: offline, a bot branch that is not on the remote yet
  // stands for a new pull request (one that is would be an update, which the cap never counts).
  if (!remoteTip && plan.action !== 'blocked' && options.mayOpen && !options.mayOpen()) {
    out('Would not open a pull request: the campaign has opened as many as it may (--max-prs). Nothing would be pushed.\n');
    io.outcome?.({ operation: 'capped', baseSha, ...counts(plan.fresh) });
    return 0;
  }
  io.outcome?.({ operation: 'dry-run', baseSha, ...counts(plan.fresh) });
  if (plan.action === 'blocked') {
    out(`Would leave ${branch} alone: ${plan.reason}; and say so in a comment on its pull request.\n`);
    return 0;
  }
  const { bot, others } = branchCommits(plan);
  const title = prTitle(plan.fresh);
  const state = stateFor(plan, branch, base, baseSha, bot);
  const body = prBody({ base, branch, fresh: plan.fresh, commits: bot, others, unsafeFixes: ctx.pipeline.accepted.has('review'), state, docsUrl: docsUrlResolver(options.docsUrl), rules: ctx.pipeline.rules });
  if (plan.action === 'unchanged') {
    out('The branch already holds these fixes: nothing would be pushed; the pull request would be updated only if its text changed.\n');
  } else {
    out(`Would push ${plural(bot.length + others.length, 'commit')} to ${options.remote} as refs/heads/${branch} (${remoteTip ? `replacing ${remoteTip.slice(0, 12)}, with a lease` : 'a new branch'}).\n`);
  }
  const extras = [options.draft ? 'draft' : '', options.labels.length ? `labels: ${options.labels.join(', ')}` : '', options.reviewers.length ? `reviewers: ${options.reviewers.join(', ')}` : ''].filter(Boolean);
  out(`Would open (or update) a pull request against ${base}: "${title}"${extras.length ? ` [${extras.join('; ')}]` : ''}\n`);
  if (plan.action !== 'unchanged') {
    // No context lines: an unchanged line next to a fix may hold an environment value, and
    // nothing the tool prints shows one (docs/robustness.md, "Secrets"). The fix's own lines are shown.
    const log = await git(ctx.top, ['log', '--reverse', '--no-color', '--patch', '--unified=0', '--format=commit %H%nAuthor:    %an <%ae>%nCommitter: %cn <%ce>%n%n%B', `${baseSha}..${plan.build.tip}`, '--']);
    out('\n===== commits and diff that would be pushed (changed lines only, no context) =====\n\n');
    // git puts the nearest line above a hunk that looks like a heading after its `@@` (a
    // `TOKEN=…` line, say): the preview shows changed lines only, so that text is cut.
    out(withoutHunkContext(log.stdout));
  }
  out('\n===== pull request body =====\n\n');
  out(body);
  return 0;
}

/** Hunk headers without the section text git appends (`@@ -3 +3 @@ ENV API_TOKEN=…` → `@@ -3 +3 @@`). */
export function withoutHunkContext(patch: string): string {
  return patch.replace(/^(@@ [^@\n]* @@).*$/gm, '$1');
}
