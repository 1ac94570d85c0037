/**
 * `autopack-fix campaign plan`: which repositories a wave targets, checked reachable with the
 * token, cut into shards for a GitHub Actions matrix (issue 16). The Plan it writes is the
 * contract `campaign run` reads (src/campaign/result.ts).
 */
import { appendFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { globsMatcher } from '../formats/glob.js';
import { Redactor } from '../bot/redact.js';
import { packageVersion } from '../bot/pr-body.js';
import { CampaignApi, type ApiClientOptions } from './api.js';
import { mapPool } from './pool.js';
import { CAMPAIGN_FORMAT_VERSION, type Plan, type PlannedRepo } from './result.js';

/** GitHub runs at most this many jobs from one matrix. */
export const MAX_SHARDS = 256;
export const DEFAULT_SHARD_SIZE = 10;
/** Reachability checks in flight at once (GitHub asks for few concurrent requests). */
const CHECK_CONCURRENCY = 4;

export interface CampaignPlanOptions {
  org?: string;
  user?: string;
  list?: string;
  /** A listed repository is kept when it has at least one of these topics. */
  topics: string[];
  language?: string;
  includeArchived: boolean;
  includeForks: boolean;
  /** Globs on `name` or `owner/name`; a repository is kept when one matches. */
  names: string[];
  shardSize: number;
  out: string;
  tokenEnv: string;
  /** Default: GITHUB_API_URL, else https://api.github.com. */
  apiUrl?: string;
}

export interface CampaignIo {
  out: (text: string) => void;
  err: (text: string) => void;
  env: NodeJS.ProcessEnv;
}

/** What tests inject: the clock, the sleep and fetch of the API client. */
export type ApiSeams = Pick<ApiClientOptions, 'fetch' | 'sleep' | 'now'>;

export class CampaignError extends Error {}

interface RawRepo {
  full_name: string;
  name: string;
  owner?: { login?: string };
  default_branch?: string;
  clone_url?: string;
  archived?: boolean;
  disabled?: boolean;
  fork?: boolean;
  language?: string | null;
  topics?: string[];
}

/** `owner/name` lines of a list file: `#` starts a comment, blank lines are skipped. */
export function parseRepoList(text: string, file: string): string[] {
  const out: string[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.replace(/#.*$/, '').trim();
    if (!line) return;
    const slug = line.replace(/^https:\/\/[^/]+\//, '').replace(/\.git$/, '').replace(/\/+$/, '');
    if (!/^[\w.-]+\/[\w.-]+$/.test(slug)) throw new CampaignError(`${file}:${i + 1}: expected owner/name, got ${JSON.stringify(line)}`);
    if (!out.includes(slug)) out.push(slug);
  });
  return out;
}

/** The shards of `repos`, in order, `size` each (the last may be smaller). */
export function shardRepos(repos: PlannedRepo[], size: number): PlannedRepo[][] {
  const shards: PlannedRepo[][] = [];
  for (let i = 0; i < repos.length; i += size) shards.push(repos.slice(i, i + size));
  if (shards.length > MAX_SHARDS) {
    throw new CampaignError(`${repos.length} repositories in shards of ${size} make ${shards.length} shards; a GitHub Actions matrix runs at most ${MAX_SHARDS} jobs: use --shard-size ${Math.ceil(repos.length / MAX_SHARDS)} or more`);
  }
  return shards;
}

function describeSource(o: CampaignPlanOptions): string {
  const parts = [o.org ? `org:${o.org}` : o.user ? `user:${o.user}` : `list:${path.basename(o.list ?? '')}`];
  if (o.topics.length) parts.push(`topic=${o.topics.join(',')}`);
  if (o.language) parts.push(`language=${o.language}`);
  if (o.names.length) parts.push(`name=${o.names.join(',')}`);
  if (o.includeArchived) parts.push('archived');
  if (o.includeForks) parts.push('forks');
  return parts.join(' ');
}

/** Why a listed repository is left out by the filters, or undefined when it is kept. */
function filtered(r: RawRepo, o: CampaignPlanOptions, nameMatches: ((p: string) => boolean) | undefined): string | undefined {
  if (r.archived && !o.includeArchived) return 'archived (--include-archived to keep it)';
  if (r.fork && !o.includeForks) return 'a fork (--include-forks to keep it)';
  if (o.topics.length && !o.topics.some((t) => (r.topics ?? []).includes(t.toLowerCase()))) return `has none of the topics ${o.topics.join(', ')}`;
  if (o.language && (r.language ?? '').toLowerCase() !== o.language.toLowerCase()) return `language is ${r.language ?? 'not set'}, not ${o.language}`;
  if (nameMatches && !nameMatches(r.name) && !nameMatches(r.full_name)) return `name matches none of ${o.names.join(', ')}`;
  return undefined;
}

/**
 * Where a user's repositories are listed: `users/{user}/repos` shows only public ones, so when
 * the token is that user's own (GET /user answers with the same login), `user/repos` lists the
 * private ones too. An installation token has no user (403): the public listing it is.
 */
async function userListing(api: CampaignApi, user: string): Promise<string> {
  const me = await api.get('/user');
  const login = me.status === 200 ? (me.body as { login?: string }).login : undefined;
  if (login && login.toLowerCase() === user.toLowerCase()) return '/user/repos?affiliation=owner&per_page=100';
  return `/users/${encodeURIComponent(user)}/repos?type=owner&per_page=100`;
}

export async function makePlan(options: CampaignPlanOptions, api: CampaignApi, serverUrl: string, now: () => number = Date.now): Promise<Plan> {
  const excluded: Plan['excluded'] = [];
  let candidates: string[];
  if (options.list !== undefined) {
    let text: string;
    try {
      text = readFileSync(options.list, 'utf8');
    } catch (error) {
      throw new CampaignError(`cannot read ${options.list}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
    }
    candidates = parseRepoList(text, options.list);
  } else {
    const owner = encodeURIComponent((options.org ?? options.user) as string);
    const listed = await api.paginate<RawRepo>(options.org ? `/orgs/${owner}/repos?type=all&per_page=100` : await userListing(api, options.user as string));
    const nameMatches = options.names.length ? globsMatcher(options.names, { ignoreCase: true }) : undefined;
    candidates = [];
    for (const r of listed.sort((a, b) => a.full_name.localeCompare(b.full_name))) {
      const why = filtered(r, options, nameMatches);
      if (why) excluded.push({ repo: r.full_name, reason: why });
      else candidates.push(r.full_name);
    }
  }
  // Listing says the repository exists; only GET repos/{o}/{r} says this token can read it.
  const checked = await mapPool(candidates, CHECK_CONCURRENCY, async (slug): Promise<PlannedRepo | { repo: string; reason: string }> => {
    const r = await api.get(`/repos/${slug}`);
    if (r.status !== 200) return { repo: slug, reason: `not reachable with the token (GET repos/${slug}: ${r.status})` };
    const repo = r.body as RawRepo;
    if (repo.archived && !options.includeArchived) return { repo: slug, reason: 'archived (--include-archived to keep it)' };
    if (repo.disabled) return { repo: slug, reason: 'disabled' };
    return { repo: repo.full_name || slug, defaultBranch: repo.default_branch || 'main', cloneUrl: cleanCloneUrl(repo.clone_url, serverUrl, repo.full_name || slug) };
  });
  const repos: PlannedRepo[] = [];
  for (const c of checked) {
    if ('reason' in c) excluded.push(c);
    else repos.push(c);
  }
  const shards = shardRepos(repos, options.shardSize);
  return {
    version: CAMPAIGN_FORMAT_VERSION,
    createdAt: new Date(now()).toISOString(),
    source: describeSource(options),
    excluded,
    shards,
    matrix: { include: shards.map((_, shard) => ({ shard })) },
  };
}

/** The API's clone URL without any user part; the server's own URL when there is none. */
function cleanCloneUrl(raw: string | undefined, serverUrl: string, slug: string): string {
  if (raw) {
    try {
      const u = new URL(raw);
      u.username = '';
      u.password = '';
      return u.toString();
    } catch {
      /* falls through */
    }
  }
  return `${serverUrl.replace(/\/+$/, '')}/${slug}.git`;
}

export async function campaignPlanCommand(options: CampaignPlanOptions, io: CampaignIo, seams: ApiSeams = {}): Promise<number> {
  const token = io.env[options.tokenEnv] || undefined;
  const redactor = new Redactor(token);
  const err = (s: string): void => io.err(redactor.redact(s));
  try {
    const sources = [options.org, options.user, options.list].filter((s) => s !== undefined).length;
    if (sources !== 1) throw new CampaignError('give exactly one source: --org <name>, --user <name> or --list <file>');
    if (options.list !== undefined && (options.topics.length || options.language || options.names.length)) {
      throw new CampaignError('--topic, --language and --name filter an --org or --user listing; a --list is taken as it is');
    }
    if (!token) throw new CampaignError(`no GitHub token: set ${options.tokenEnv}${options.tokenEnv === 'GITHUB_TOKEN' ? ' (or name another variable with --token-env)' : ''}`);
    const api = new CampaignApi({ token, baseUrl: options.apiUrl ?? io.env.GITHUB_API_URL ?? 'https://api.github.com', userAgent: `autopack-fix/${packageVersion()}`, note: (m) => err(`note: ${m}\n`), ...seams });
    const plan = await makePlan(options, api, io.env.GITHUB_SERVER_URL || 'https://github.com', seams.now);
    const text = redactor.redact(`${JSON.stringify(plan, null, 2)}\n`);
    mkdirSync(path.dirname(path.resolve(options.out)), { recursive: true });
    writeFileSync(options.out, text);
    if (io.env.GITHUB_OUTPUT) {
      const count = plan.shards.reduce((n, s) => n + s.length, 0);
      appendFileSync(io.env.GITHUB_OUTPUT, `matrix=${JSON.stringify(plan.matrix)}\nshards=${plan.shards.length}\nrepositories=${count}\n`);
    }
    const count = plan.shards.reduce((n, s) => n + s.length, 0);
    io.out(redactor.redact(`Planned ${count} repositor${count === 1 ? 'y' : 'ies'} in ${plan.shards.length} shard${plan.shards.length === 1 ? '' : 's'} (${plan.source}); ${plan.excluded.length} excluded. Plan written to ${options.out}.\n`));
    for (const e of plan.excluded) io.out(redactor.redact(`  excluded ${e.repo}: ${e.reason}\n`));
    return 0;
  } catch (error) {
    err(`autopack-fix campaign plan: ${(error as Error).message}\n`);
    return 2;
  }
}
