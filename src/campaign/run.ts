/**
 * `autopack-fix campaign run`: one shard of a wave (or a set of local clones). For each
 * repository: a shallow clone with the token (through git's environment, never the URL or the
 * arguments), then exactly what `autopack-fix pr` does (src/bot/pr.ts, `prCommand`): the
 * target's own configuration with the campaign's laid over it, the bot branch pushed, the PR
 * opened or updated. One RepoResult JSON per repository; a repository that fails is recorded and
 * the shard goes on.
 *
 * Safety at scale:
 *   - `--max-prs N` caps the PRs the whole wave opens. Shards do not talk to each other, so each
 *     takes a fixed share of N from the plan: shard k of S may open ⌊N/S⌋ PRs, plus one when
 *     k < N mod S. The shares add up to N. Updates of open PRs are never capped.
 *   - The kill switch: a repository with the topic `autopack-fix-skip`, or a file
 *     `.github/autopack-fix.skip` on its default branch, is skipped with a note.
 *   - A default branch renamed since the plan, or moved between the clone and the push, is
 *     skipped with a note (the next wave starts from where it is).
 *   - The token is redacted from every line printed and every result written.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { git } from '../util/git.js';
import { authEnv, parseRemoteUrl, remoteProblem, repoFromUrl } from '../git/remote.js';
import { Redactor } from '../bot/redact.js';
import { packageVersion } from '../bot/pr-body.js';
import { prCommand, type PrOptions, type PrOutcomeReport } from '../bot/pr.js';
import { CampaignApi, limitedFetch } from './api.js';
import { mapPool } from './pool.js';
import { CampaignError, type ApiSeams, type CampaignIo } from './plan.js';
import { CAMPAIGN_FORMAT_VERSION, type Plan, type PlannedRepo, type PrOutcome, type RepoResult } from './result.js';

export const SKIP_TOPIC = 'autopack-fix-skip';
/** Repositories worked on at once (clones, checks and pushes are mostly waiting on the network). */
export const DEFAULT_CONCURRENCY = 2;
export const SKIP_FILE = '.github/autopack-fix.skip';

/** What a campaign passes through to each repository's `pr` run, as `pr` names it. */
type PassedToPr = 'branch' | 'branchPrefix' | 'tokenEnv' | 'only' | 'ignore' | 'unsafeFixes' | 'draft' | 'labels' | 'reviewers' | 'author' | 'committer' | 'docsUrl' | 'maxOpenPrs' | 'pinMap' | 'network';

export interface CampaignRunOptions extends Pick<PrOptions, PassedToPr> {
  /** Shard mode: the plan and the shard to run. */
  plan?: string;
  shard?: number;
  /** Local mode: a folder of clones (each subfolder with a .git), or a file listing clone paths. */
  clones?: string;
  out: string;
  concurrency: number;
  maxPrs?: number;
  dryRun: boolean;
  /** The campaign's configuration, laid over each target's own. */
  configOverride?: string;
  apiUrl?: string;
  /** Where the shallow clones go (default: a fresh folder in the system temp directory). */
  workDir?: string;
}

/** Shard k's share of a wave-wide cap of n PRs over s shards (the shares sum to n). */
export function shardShare(n: number, shards: number, k: number): number {
  if (shards <= 0) return n;
  return Math.floor(n / shards) + (k < n % shards ? 1 : 0);
}

function readPlan(file: string): Plan {
  let plan: Plan;
  try {
    plan = JSON.parse(readFileSync(file, 'utf8')) as Plan;
  } catch (error) {
    throw new CampaignError(`cannot read the plan ${file}: ${(error as Error).message}`);
  }
  if (plan?.version !== CAMPAIGN_FORMAT_VERSION || !Array.isArray(plan.shards)) throw new CampaignError(`${file} is not a campaign plan of version ${CAMPAIGN_FORMAT_VERSION}`);
  return plan;
}

interface Target {
  /** owner/name (local mode: from the origin URL, else the folder name). */
  repo: string;
  planned?: PlannedRepo;
  /** Local mode: the existing clone. */
  clone?: string;
}

async function localTargets(spec: string): Promise<Target[]> {
  let dirs: string[];
  if (!existsSync(spec)) throw new CampaignError(`--clones: no such file or folder: ${spec}`);
  if (statSync(spec).isDirectory()) {
    dirs = existsSync(path.join(spec, '.git'))
      ? [spec]
      : readdirSync(spec, { withFileTypes: true })
          .filter((e) => e.isDirectory() && existsSync(path.join(spec, e.name, '.git')))
          .map((e) => path.join(spec, e.name))
          .sort();
  } else {
    const base = path.dirname(path.resolve(spec));
    dirs = readFileSync(spec, 'utf8')
      .split(/\r?\n/)
      .map((l) => l.replace(/#.*$/, '').trim())
      .filter(Boolean)
      .map((l) => path.resolve(base, l));
  }
  const out: Target[] = [];
  for (const dir of dirs) {
    const url = await git(dir, ['remote', 'get-url', 'origin']);
    const slug = url.code === 0 ? repoFromUrl(parseRemoteUrl(url.stdout.trim())) : undefined;
    out.push({ repo: slug ? `${slug.owner}/${slug.name}` : path.basename(dir), clone: dir });
  }
  return out;
}

export async function campaignRunCommand(options: CampaignRunOptions, io: CampaignIo, seams: ApiSeams = {}): Promise<number> {
  const token = io.env[options.tokenEnv] || undefined;
  const redactor = new Redactor(token);
  const out = (s: string): void => io.out(redactor.redact(s));
  const err = (s: string): void => io.err(redactor.redact(s));
  try {
    if ((options.plan === undefined) === (options.clones === undefined)) throw new CampaignError('give either --plan <file> --shard <k>, or --clones <folder or list>');
    let targets: Target[];
    let shard = -1;
    let share = options.maxPrs;
    if (options.plan !== undefined) {
      if (options.shard === undefined) throw new CampaignError('--plan needs --shard <k>');
      const plan = readPlan(options.plan);
      const repos = plan.shards[options.shard];
      if (!repos) throw new CampaignError(`the plan has ${plan.shards.length} shard${plan.shards.length === 1 ? '' : 's'} (0…${plan.shards.length - 1}); there is no shard ${options.shard}`);
      shard = options.shard;
      targets = repos.map((r) => ({ repo: r.repo, planned: r }));
      if (options.maxPrs !== undefined) share = shardShare(options.maxPrs, plan.shards.length, shard);
    } else {
      if (options.shard !== undefined) throw new CampaignError('--shard goes with --plan; --clones runs every clone given');
      targets = await localTargets(options.clones as string);
    }
    if (!token && !(options.dryRun && options.clones !== undefined)) {
      throw new CampaignError(`no GitHub token: set ${options.tokenEnv}${options.tokenEnv === 'GITHUB_TOKEN' ? ' (or name another variable with --token-env)' : ''}${options.clones !== undefined ? ', or use --dry-run' : ''}`);
    }
    mkdirSync(options.out, { recursive: true });
    const api = token
      ? new CampaignApi({ token, baseUrl: options.apiUrl ?? io.env.GITHUB_API_URL ?? 'https://api.github.com', userAgent: `autopack-fix/${packageVersion()}`, note: (m) => err(`note: ${m}\n`), ...seams })
      : undefined;
    // The pr step's own API calls (Octokit) wait through the same limits.
    const apiFetch = token ? limitedFetch({ note: (m) => err(`note: ${m}\n`), ...seams }) : undefined;
    const workDir = options.workDir ? (mkdirSync(options.workDir, { recursive: true }), mkdtempSync(path.join(options.workDir, 'clones-'))) : mkdtempSync(path.join(tmpdir(), 'autopack-fix-campaign-'));
    let slots = share;
    // Synchronous, so two repositories running at once cannot both take the last slot.
    const mayOpen =
      slots === undefined
        ? undefined
        : (): boolean => {
            if ((slots as number) <= 0) return false;
            slots = (slots as number) - 1;
            return true;
          };
    if (share !== undefined) out(`This ${shard >= 0 ? `shard may open ${share}` : `run may open ${share}`} new pull request${share === 1 ? '' : 's'} (--max-prs ${options.maxPrs}${shard >= 0 ? ', shared across the shards' : ''}).\n`);
    const tally = new Map<PrOutcome, number>();
    try {
      await mapPool(targets, options.concurrency, async (target, i) => {
        const result = await runOne(target, shard, options, { token, redactor, api, apiFetch, env: io.env, workDir: path.join(workDir, String(i)), mayOpen });
        const text = redactor.redact(`${JSON.stringify(result.result, null, 2)}\n`);
        writeFileSync(path.join(options.out, `${target.repo.replace('/', '__')}.json`), text);
        tally.set(result.result.pr.outcome, (tally.get(result.result.pr.outcome) ?? 0) + 1);
        // One block per repository, written whole: concurrent repositories do not interleave.
        const head = `${target.repo}: ${result.result.pr.outcome}${result.result.pr.url ? ` ${result.result.pr.url}` : ''}`;
        const body = [...result.log.split('\n').filter((l) => l.trim() !== ''), ...result.result.notes.map((n) => `note: ${n}`), ...result.result.errors.map((e) => `error: ${e}`)];
        if (io.env.GITHUB_ACTIONS === 'true') out(`::group::${head}\n${body.join('\n')}\n::endgroup::\n`);
        else out(`${head}\n${body.map((l) => `  ${l}\n`).join('')}`);
      });
    } finally {
      rmSync(workDir, { recursive: true, force: true });
    }
    out(`${targets.length} repositor${targets.length === 1 ? 'y' : 'ies'}: ${[...tally].map(([k, v]) => `${v} ${k}`).join(', ') || 'none'}. Results in ${options.out}.\n`);
    return 0;
  } catch (error) {
    err(`autopack-fix campaign run: ${(error as Error).message}\n`);
    return 2;
  }
}

interface RunContext {
  token: string | undefined;
  redactor: Redactor;
  api: CampaignApi | undefined;
  apiFetch: typeof fetch | undefined;
  env: NodeJS.ProcessEnv;
  workDir: string;
  mayOpen: (() => boolean) | undefined;
}

async function runOne(target: Target, shard: number, options: CampaignRunOptions, ctx: RunContext): Promise<{ result: RepoResult; log: string }> {
  const t0 = Date.now();
  const result: RepoResult = { version: CAMPAIGN_FORMAT_VERSION, repo: target.repo, shard, startedAt: new Date(t0).toISOString(), findings: {}, fixes: {}, pr: { outcome: 'error' }, notes: [], errors: [], timings: {} };
  const log: string[] = [];
  const time = async <T>(step: string, fn: () => Promise<T>): Promise<T> => {
    const t = Date.now();
    try {
      return await fn();
    } finally {
      result.timings[step] = (result.timings[step] ?? 0) + Date.now() - t;
    }
  };
  const skip = (note: string): void => {
    result.pr.outcome = 'skipped';
    result.notes.push(note);
  };
  try {
    let dir = target.clone;
    let base = target.planned?.defaultBranch;
    if (ctx.api && /^[\w.-]+\/[\w.-]+$/.test(target.repo)) {
      const r = await time('api', () => (ctx.api as CampaignApi).get(`/repos/${target.repo}`));
      if (r.status !== 200) throw new CampaignError(`GET repos/${target.repo} answered ${r.status}: the repository is not reachable with the token`);
      const repo = r.body as { default_branch?: string; topics?: string[]; archived?: boolean };
      if ((repo.topics ?? []).includes(SKIP_TOPIC)) return { result: (skip(`the repository has the topic ${SKIP_TOPIC} (the campaign's kill switch)`), result), log: '' };
      if (repo.archived) return { result: (skip('the repository is archived'), result), log: '' };
      if (target.planned && repo.default_branch && repo.default_branch !== target.planned.defaultBranch) {
        return { result: (skip(`the default branch is now ${repo.default_branch}, not ${target.planned.defaultBranch} as planned: left for the next wave`), result), log: '' };
      }
    }
    if (!dir) {
      const planned = target.planned as PlannedRepo;
      const url = parseRemoteUrl(planned.cloneUrl);
      const problem = remoteProblem(url, ctx.env);
      if (problem) throw new CampaignError(problem);
      dir = ctx.workDir;
      const env = { GIT_TERMINAL_PROMPT: '0', ...authEnv(ctx.token as string, url, ctx.env) };
      const clone = await time('clone', () => git(tmpdir(), ['clone', '--quiet', '--depth', '1', '--no-tags', '--single-branch', '--branch', planned.defaultBranch, '--', planned.cloneUrl, dir as string], { env }));
      if (clone.code !== 0) throw new CampaignError(`git clone failed: ${(clone.stderr || clone.stdout).trim().split('\n').slice(-2).join(' ') || `exit ${clone.code}`}`);
    }
    if (existsSync(path.join(dir, SKIP_FILE))) return { result: (skip(`${SKIP_FILE} is present (the campaign's kill switch)`), result), log: '' };
    const head = await git(dir, ['rev-parse', 'HEAD']);
    if (head.code !== 0) throw new CampaignError('the clone has no commit');
    result.baseSha = head.stdout.trim();
    if (!base) {
      const b = await git(dir, ['symbolic-ref', '--quiet', '--short', 'HEAD']);
      base = b.code === 0 ? b.stdout.trim() : undefined;
    }
    let outcome: PrOutcomeReport | undefined;
    // The shard's own step outputs are its business: every repository's `pr` run would append
    // its operation to the same GITHUB_OUTPUT file.
    const { GITHUB_OUTPUT: _unused, ...env } = ctx.env;
    const code = await time('pr', () =>
      prCommand(
        {
          root: dir as string,
          dryRun: options.dryRun,
          remote: 'origin',
          ...(/^[\w.-]+\/[\w.-]+$/.test(target.repo) ? { repo: target.repo } : {}),
          ...(target.planned ? { base: target.planned.defaultBranch, expectBaseSha: result.baseSha } : {}),
          branch: options.branch,
          branchPrefix: options.branchPrefix,
          tokenEnv: options.tokenEnv,
          configOverride: options.configOverride,
          only: options.only,
          ignore: options.ignore,
          unsafeFixes: options.unsafeFixes,
          draft: options.draft,
          labels: options.labels,
          reviewers: options.reviewers,
          maxOpenPrs: options.maxOpenPrs,
          author: options.author,
          committer: options.committer,
          docsUrl: options.docsUrl,
          // The pin map is read from the campaign's working directory, the same file for every repository.
          ...(options.pinMap !== undefined ? { pinMap: path.resolve(options.pinMap) } : {}),
          ...(options.network ? { network: true } : {}),
          ...(ctx.mayOpen ? { mayOpen: ctx.mayOpen } : {}),
          ...(ctx.apiFetch ? { apiFetch: ctx.apiFetch } : {}),
        },
        { out: (s) => log.push(s), err: (s) => log.push(s), env, outcome: (o) => (outcome = o) },
      ),
    );
    if (code !== 0 || !outcome) {
      const last = log.join('').split('\n').filter((l) => l.startsWith('autopack-fix pr: ')).pop();
      throw new CampaignError(last ? last.slice('autopack-fix pr: '.length) : `the pr step exited ${code}`);
    }
    record(result, outcome, base);
  } catch (error) {
    result.pr.outcome = 'error';
    result.errors.push(ctx.redactor.redact(error instanceof Error ? error.message : String(error)));
  } finally {
    if (!target.clone) rmSync(ctx.workDir, { recursive: true, force: true });
    result.timings.total = Date.now() - t0;
  }
  result.notes = result.notes.map((n) => ctx.redactor.redact(n));
  return { result, log: ctx.redactor.redact(log.join('')) };
}

function record(result: RepoResult, o: PrOutcomeReport, base: string | undefined): void {
  result.findings = o.findings;
  result.fixes = o.fixes;
  if (o.baseSha) result.baseSha = o.baseSha;
  if (o.pr) {
    result.pr.url = o.pr.url;
    result.pr.number = o.pr.number;
  }
  const pr = o.pr ? `PR #${o.pr.number}` : 'the PR';
  switch (o.operation) {
    case 'opened':
    case 'updated':
      result.pr.outcome = o.operation;
      result.pr.state = 'open';
      return;
    case 'up-to-date':
      result.pr.outcome = 'unchanged';
      result.pr.state = 'open';
      return;
    case 'nothing-to-fix':
      result.pr.outcome = 'none';
      if (o.pr) result.pr.state = 'open';
      return;
    case 'closed':
      result.pr.outcome = 'none';
      result.pr.state = 'closed';
      result.notes.push(`${pr} was closed: its fixes are no longer needed`);
      return;
    case 'dry-run':
      result.pr.outcome = 'dry-run';
      return;
    case 'capped':
      result.pr.outcome = 'capped';
      result.notes.push('not opened: the cap on pull requests was reached (--max-prs for the wave, or --max-open-prs in the repository)');
      return;
    case 'declined-before':
      result.pr.outcome = 'skipped';
      result.pr.state = 'closed';
      result.notes.push(`${pr} proposed these same fixes and was closed without merging: not proposed again until the findings change`);
      return;
    case 'blocked':
      result.pr.outcome = 'skipped';
      if (o.pr) result.pr.state = 'open';
      result.notes.push(`the bot branch holds commits by others that cannot be rebuilt on ${base ?? 'the base'}: left alone`);
      return;
    case 'base-moved':
      result.pr.outcome = 'skipped';
      result.notes.push(`${base ?? 'the default branch'} moved during the run: nothing pushed; the next wave starts from the new commit`);
      return;
  }
}
