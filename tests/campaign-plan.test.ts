/**
 * `autopack-fix campaign plan` against the stand-in GitHub (tests/helpers/stand-in-github.mjs):
 * listing with paging and filters, the reachability check, shards and the matrix, and the API
 * client through rate limits and 5xx. The client's clock and sleep are injected: the waits are
 * recorded, never made.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
// @ts-expect-error a plain ES module without type declarations
import { startStandIn } from './helpers/stand-in-github.mjs';
import { removeDir, tempDir } from './helpers/repo.js';
import { runCli } from './helpers/cli.js';
import { campaignPlanCommand, parseRepoList, shardRepos, MAX_SHARDS, type CampaignPlanOptions } from '../src/campaign/plan.js';
import { CampaignApi, nextLink } from '../src/campaign/api.js';
import type { Plan, PlannedRepo } from '../src/campaign/result.js';

const TOKEN = `ghp_${'PlAn'.repeat(5)}Secret`;

interface Fault {
  hits: number;
}
interface StandIn {
  url: string;
  apiUrl: string;
  state: { requests: Array<{ method: string; path: string; query: Record<string, string>; fault?: number }>; pageSize: number };
  setRepo: (slug: string, meta?: Record<string, unknown>) => void;
  fault: (f: { kind?: 'api' | 'git'; path: RegExp; status: number; headers?: Record<string, string>; body?: unknown; times?: number }) => Fault;
  close: () => Promise<void>;
}

let server: StandIn;
const dirs: string[] = [];
let printed = '';

beforeAll(async () => {
  const root = tempDir('apf-plan-');
  dirs.push(root);
  server = (await startStandIn({ root, token: TOKEN, pageSize: 2, login: 'solo' })) as StandIn;
  // acme: 7 listed; one archived, one fork, one the token cannot read.
  server.setRepo('acme/api', { topics: ['python', 'service'], language: 'Python' });
  server.setRepo('acme/web', { topics: ['frontend'], language: 'TypeScript', defaultBranch: 'trunk' });
  server.setRepo('acme/worker', { topics: ['python'], language: 'Python' });
  server.setRepo('acme/old', { topics: ['python'], language: 'Python', archived: true });
  server.setRepo('acme/api-fork', { topics: ['python'], language: 'Python', fork: true });
  server.setRepo('acme/secret', { topics: ['python'], language: 'Python', hidden: true });
  server.setRepo('acme/docs', { language: 'Markdown' });
  server.setRepo('solo/tool', { language: 'Go' });
  server.setRepo('solo/notes', { private: true });
  server.setRepo('pat/lib');
  server.setRepo('pat/drafts', { private: true });
});

afterAll(async () => {
  await server.close();
  dirs.forEach(removeDir);
  expect(printed).not.toContain(TOKEN);
});

function options(over: Partial<CampaignPlanOptions>): CampaignPlanOptions {
  const out = path.join(tempDir('apf-plan-out-'), 'plan.json');
  dirs.push(path.dirname(out));
  return { topics: [], includeArchived: false, includeForks: false, names: [], shardSize: 10, out, tokenEnv: 'GITHUB_TOKEN', apiUrl: server.apiUrl, ...over };
}

/** Runs the command with a recorded sleep and a fixed clock. */
async function plan(over: Partial<CampaignPlanOptions>, env: Record<string, string> = {}) {
  const o = options(over);
  const sleeps: number[] = [];
  let stdout = '';
  let stderr = '';
  const now = Date.parse('2026-12-03T12:00:00Z');
  const code = await campaignPlanCommand(o, { out: (s) => (stdout += s), err: (s) => (stderr += s), env: { GITHUB_TOKEN: TOKEN, GITHUB_SERVER_URL: server.url, ...env } }, { sleep: async (ms) => void sleeps.push(ms), now: () => now });
  printed += stdout + stderr;
  let result: Plan | undefined;
  try {
    const text = readFileSync(o.out, 'utf8');
    printed += text;
    result = JSON.parse(text) as Plan;
  } catch {
    result = undefined;
  }
  return { code, stdout, stderr, sleeps, plan: result, out: o.out };
}

const repos = (p: Plan | undefined): string[] => (p?.shards ?? []).flat().map((r) => r.repo);

describe('campaign plan: an organisation', () => {
  it('lists every page, filters archived, forks and unreachable repositories, and shards the rest', async () => {
    const mark = server.state.requests.length;
    const out = path.join(tempDir('apf-gh-'), 'output');
    dirs.push(path.dirname(out));
    writeFileSync(out, '');
    const r = await plan({ org: 'acme', shardSize: 2 }, { GITHUB_OUTPUT: out });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    // 7 repositories at 2 a page: 4 pages, each found through the Link header of the one before.
    const pages = server.state.requests.slice(mark).filter((q) => q.path === '/orgs/acme/repos');
    expect(pages.map((q) => q.query.page ?? '1')).toEqual(['1', '2', '3', '4']);
    expect(repos(r.plan)).toEqual(['acme/api', 'acme/docs', 'acme/web', 'acme/worker']);
    expect(r.plan?.shards.map((s) => s.length)).toEqual([2, 2]);
    expect(r.plan?.matrix).toEqual({ include: [{ shard: 0 }, { shard: 1 }] });
    expect(r.plan?.excluded).toEqual([
      { repo: 'acme/api-fork', reason: 'a fork (--include-forks to keep it)' },
      { repo: 'acme/old', reason: 'archived (--include-archived to keep it)' },
      { repo: 'acme/secret', reason: 'not reachable with the token (GET repos/acme/secret: 404)' },
    ]);
    const web = r.plan?.shards.flat().find((p) => p.repo === 'acme/web') as PlannedRepo;
    expect(web).toEqual({ repo: 'acme/web', defaultBranch: 'trunk', cloneUrl: `${server.url}/acme/web.git` });
    expect(r.plan?.source).toBe('org:acme');
    expect(r.plan?.createdAt).toBe('2026-12-03T12:00:00.000Z');
    expect(readFileSync(out, 'utf8')).toBe(`matrix={"include":[{"shard":0},{"shard":1}]}\nshards=2\nrepositories=4\n`);
    expect(r.stdout).toContain('Planned 4 repositories in 2 shards');
  });

  it('keeps archived repositories and forks on request, and filters by topic, language and name', async () => {
    const all = await plan({ org: 'acme', includeArchived: true, includeForks: true });
    expect(repos(all.plan)).toEqual(['acme/api', 'acme/api-fork', 'acme/docs', 'acme/old', 'acme/web', 'acme/worker']);
    const topic = await plan({ org: 'acme', topics: ['service', 'frontend'] });
    expect(repos(topic.plan)).toEqual(['acme/api', 'acme/web']);
    expect(topic.plan?.excluded).toContainEqual({ repo: 'acme/worker', reason: 'has none of the topics service, frontend' });
    const lang = await plan({ org: 'acme', language: 'python' });
    expect(repos(lang.plan)).toEqual(['acme/api', 'acme/worker']);
    const name = await plan({ org: 'acme', names: ['w*', 'acme/doc?'] });
    expect(repos(name.plan)).toEqual(['acme/docs', 'acme/web', 'acme/worker']);
    expect(name.plan?.source).toBe('org:acme name=w*,acme/doc?');
  });

  it("lists the token's own user with the private repositories, another user's public ones", async () => {
    const mark = server.state.requests.length;
    const own = await plan({ user: 'Solo' });
    expect(repos(own.plan)).toEqual(['solo/notes', 'solo/tool']);
    expect(own.plan?.source).toBe('user:Solo');
    const other = await plan({ user: 'pat' });
    expect(repos(other.plan)).toEqual(['pat/lib']);
    expect(server.state.requests.slice(mark).map((q) => q.path).filter((p) => p.endsWith('/repos') || p === '/user')).toEqual(['/user', '/user/repos', '/user', '/users/pat/repos']);
  });
});

describe('campaign plan: a list file', () => {
  it('reads owner/name lines with comments, and checks each', async () => {
    const dir = tempDir('apf-list-');
    dirs.push(dir);
    const list = path.join(dir, 'repos.txt');
    writeFileSync(list, '# the wave\nacme/api\n\nacme/secret   # no access\nhttps://github.com/acme/worker.git\nacme/api\nacme/old\n');
    const r = await plan({ list });
    expect(r.code).toBe(0);
    expect(repos(r.plan)).toEqual(['acme/api', 'acme/worker']);
    expect(r.plan?.excluded.map((e) => e.repo)).toEqual(['acme/secret', 'acme/old']);
    expect(r.plan?.source).toBe('list:repos.txt');
  });

  it('refuses a line that is no owner/name, with its line number', () => {
    expect(() => parseRepoList('acme/api\nnot a repo\n', 'repos.txt')).toThrow('repos.txt:2: expected owner/name, got "not a repo"');
  });

  it('refuses no source, two sources, filters on a list, and no token', async () => {
    expect((await plan({})).stderr).toContain('give exactly one source');
    expect((await plan({ org: 'acme', user: 'solo' })).stderr).toContain('give exactly one source');
    expect((await plan({ list: 'x.txt', topics: ['a'] })).stderr).toContain('a --list is taken as it is');
    const none = await plan({ org: 'acme' }, { GITHUB_TOKEN: '' });
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('no GitHub token: set GITHUB_TOKEN');
  });
});

describe('campaign plan: shards', () => {
  const fake = (n: number): PlannedRepo[] => Array.from({ length: n }, (_, i) => ({ repo: `o/r${i}`, defaultBranch: 'main', cloneUrl: `https://github.com/o/r${i}.git` }));
  it('cuts in order, the last shard smaller', () => {
    expect(shardRepos(fake(5), 2).map((s) => s.map((r) => r.repo))).toEqual([['o/r0', 'o/r1'], ['o/r2', 'o/r3'], ['o/r4']]);
    expect(shardRepos([], 3)).toEqual([]);
  });
  it('refuses more than 256 shards and names the shard size that fits', () => {
    expect(shardRepos(fake(MAX_SHARDS), 1)).toHaveLength(MAX_SHARDS);
    expect(() => shardRepos(fake(MAX_SHARDS * 2 + 1), 2)).toThrow('513 repositories in shards of 2 make 257 shards; a GitHub Actions matrix runs at most 256 jobs: use --shard-size 3 or more');
  });
});

describe('the API client through limits', () => {
  it('waits for the primary limit to reset, for retry-after, and backs off on 5xx, then lists everything', async () => {
    // x-ratelimit-reset 30 s after the injected clock: the wait is 31 s (one second of margin).
    const reset = String(Date.parse('2026-12-03T12:00:00Z') / 1000 + 30);
    const primary = server.fault({ path: /^\/orgs\/acme\/repos$/, status: 403, headers: { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': reset }, body: { message: 'API rate limit exceeded' } });
    const secondary = server.fault({ path: /^\/repos\/acme\/api$/, status: 429, headers: { 'retry-after': '7' }, body: { message: 'You have exceeded a secondary rate limit' } });
    const flaky = server.fault({ path: /^\/repos\/acme\/worker$/, status: 502 });
    const r = await plan({ org: 'acme' });
    expect(r.code).toBe(0);
    expect([primary.hits, secondary.hits, flaky.hits]).toEqual([1, 1, 1]);
    expect(repos(r.plan)).toEqual(['acme/api', 'acme/docs', 'acme/web', 'acme/worker']);
    expect(r.sleeps.sort((a, b) => a - b)).toEqual([1000, 7000, 31000]);
    expect(r.stderr).toContain('GET http://127.0.0.1');
    expect(r.stderr).toMatch(/rate limited \(403\): waiting 31 s/);
    expect(r.stderr).toMatch(/rate limited \(429\): waiting 7 s/);
    expect(r.stderr).toMatch(/answered 502: waiting 1 s/);
  });

  it('a secondary limit without retry-after waits a minute; a plain 403 is an answer, not a limit', async () => {
    const sleeps: number[] = [];
    const api = new CampaignApi({ token: TOKEN, baseUrl: server.apiUrl, userAgent: 't', sleep: async (ms) => void sleeps.push(ms) });
    server.fault({ path: /^\/repos\/acme\/docs$/, status: 429 });
    expect((await api.get('/repos/acme/docs')).status).toBe(200);
    server.fault({ path: /^\/repos\/acme\/docs$/, status: 403, body: { message: 'Resource not accessible by integration' } });
    expect((await api.get('/repos/acme/docs')).status).toBe(403);
    expect(sleeps).toEqual([60_000]);
  });

  it('gives up on a 5xx after bounded backoff, and on a limit that lifts too late', async () => {
    const sleeps: number[] = [];
    const api = new CampaignApi({ token: TOKEN, baseUrl: server.apiUrl, userAgent: 't', sleep: async (ms) => void sleeps.push(ms), now: () => 0 });
    const down = server.fault({ path: /^\/repos\/acme\/web$/, status: 503, times: 10 });
    expect((await api.get('/repos/acme/web')).status).toBe(503);
    expect(sleeps).toEqual([1000, 2000, 4000, 8000]);
    down.times = 0;
    server.fault({ path: /^\/repos\/acme\/web$/, status: 403, headers: { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(2 * 3600) } });
    await expect(api.get('/repos/acme/web')).rejects.toThrow(/rate limited \(403\); the limit lifts at 1970-01-01T02:00:01/);
  });

  it('reads rel="next" among the other relations of a Link header', () => {
    expect(nextLink('<https://x/a?page=1>; rel="prev", <https://x/a?page=3>; rel="next", <https://x/a?page=9>; rel="last"')).toBe('https://x/a?page=3');
    expect(nextLink('<https://x/a?page=1>; rel="first"')).toBeUndefined();
    expect(nextLink(null)).toBeUndefined();
  });
});

describe('campaign plan on the command line', () => {
  it('plans and writes the file; usage errors name the command', async () => {
    const dir = tempDir('apf-plan-cli-');
    dirs.push(dir);
    const out = path.join(dir, 'plan.json');
    const r = await runCli(['campaign', 'plan', '--org', 'acme', '--topic', 'python', '--language', 'Python', '--shard-size', '1', '--out', out], { env: { GITHUB_TOKEN: TOKEN, GITHUB_API_URL: server.apiUrl, GITHUB_SERVER_URL: server.url } });
    printed += r.stdout + r.stderr;
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(repos(JSON.parse(readFileSync(out, 'utf8')) as Plan)).toEqual(['acme/api', 'acme/worker']);
    const bad = await runCli(['campaign', 'plan', '--org', 'acme', '--shard-size', '0', '--out', out]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--shard-size: not a positive integer: 0');
    const missing = await runCli(['campaign', 'plan', '--org', 'acme']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/^autopack-fix campaign plan: required option '--out <file>' not specified/);
  });
});
