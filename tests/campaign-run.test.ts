/**
 * `autopack-fix campaign plan` → `campaign run` end to end, against the stand-in GitHub
 * (tests/helpers/stand-in-github.mjs): bare repositories served over git HTTP and the REST API
 * on one server, with rate limits on the way. Real git for everything git; the API client's
 * sleep is injected, so nothing waits.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
// @ts-expect-error a plain ES module without type declarations
import { startStandIn } from './helpers/stand-in-github.mjs';
import { gitIn, removeDir, tempDir } from './helpers/repo.js';
import { runCli } from './helpers/cli.js';
import { campaignPlanCommand, type CampaignPlanOptions } from '../src/campaign/plan.js';
import { campaignRunCommand, shardShare, type CampaignRunOptions } from '../src/campaign/run.js';
import { overlayConfig } from '../src/config/index.js';
import { basicCredential } from '../src/git/remote.js';
import type { Plan, RepoResult } from '../src/campaign/result.js';
import { campaignReportCommand } from '../src/campaign/report.js';
import type { CampaignSummary } from '../src/campaign/aggregate.js';

const TOKEN = `ghs_${'RuNw'.repeat(5)}Secret`;
const RULE = 'compose-unknown-service';
/** Real git on several repositories: generous under a loaded machine (pr.test.ts does the same). */
const SLOW = 300_000;

interface Pull {
  number: number;
  state: string;
  head: string;
}
interface StandIn {
  url: string;
  apiUrl: string;
  state: { requests: Array<{ method: string; path: string }>; gitRequests: Array<{ method: string; path: string; query: string; authorization?: string }> };
  pulls: (slug: string) => Pull[];
  setRepo: (slug: string, meta?: Record<string, unknown>) => void;
  fault: (f: { kind?: 'api' | 'git'; method?: string; path: RegExp; status: number; headers?: Record<string, string>; times?: number }) => { hits: number };
  afterGit: (fn: (r: { method: string; path: string }) => void) => void;
  setPull: (slug: string, n: number, change: { state?: string; merged?: boolean }) => unknown;
  close: () => Promise<void>;
}

/** An override naming a service the base file calls otherwise: one safe fix (rename it). */
const AFFECTED = {
  'docker-compose.yml': 'services:\n  db:\n    image: postgres:16\n',
  'docker-compose.override.yml': 'services:\n  postgres:\n    environment:\n      POSTGRES_PASSWORD: dev\n',
};
const CLEAN = { 'docker-compose.yml': 'services:\n  db:\n    image: postgres:16\n' };

let server: StandIn;
let serverRoot: string;
const dirs: string[] = [];
/** Everything any command printed or wrote, to check the token never shows. */
let printed = '';

beforeAll(async () => {
  process.env.GIT_CONFIG_GLOBAL = '/dev/null';
  process.env.GIT_CONFIG_NOSYSTEM = '1';
  for (const k of ['GIT_AUTHOR_NAME', 'GIT_AUTHOR_EMAIL', 'GIT_COMMITTER_NAME', 'GIT_COMMITTER_EMAIL', 'GITHUB_TOKEN', 'GITHUB_API_URL', 'GITHUB_SERVER_URL', 'GITHUB_OUTPUT', 'GITHUB_ACTIONS']) delete process.env[k];
  serverRoot = tempDir('apf-campaign-server-');
  dirs.push(serverRoot);
  server = (await startStandIn({ root: serverRoot, token: TOKEN, pageSize: 4 })) as StandIn;
});

afterAll(async () => {
  await server.close();
  for (const secret of [TOKEN, basicCredential(TOKEN), Buffer.from(TOKEN).toString('base64')]) expect(printed).not.toContain(secret);
  dirs.forEach(removeDir);
});

/** A bare repository on the stand-in holding `files` on main, and the work repository it came from. */
function serve(slug: string, files: Record<string, string>, meta: Record<string, unknown> = {}): { bare: string; work: string } {
  const bare = path.join(serverRoot, `${slug}.git`);
  mkdirSync(path.dirname(bare), { recursive: true });
  gitIn(serverRoot, ['init', '-q', '--bare', '-b', 'main', bare]);
  const work = tempDir('apf-campaign-work-');
  dirs.push(work);
  for (const [p, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(work, p)), { recursive: true });
    writeFileSync(path.join(work, p), text);
  }
  gitIn(work, ['init', '-q', '-b', 'main']);
  gitIn(work, ['add', '-A']);
  gitIn(work, ['commit', '-qm', 'initial']);
  gitIn(work, ['push', '-q', bare, 'main']);
  server.setRepo(slug, meta);
  return { bare, work };
}

const ENV = (): Record<string, string> => ({ GITHUB_TOKEN: TOKEN, GITHUB_API_URL: server.apiUrl, GITHUB_SERVER_URL: server.url });

async function plan(over: Partial<CampaignPlanOptions>): Promise<{ file: string; plan: Plan; sleeps: number[] }> {
  const dir = tempDir('apf-campaign-plan-');
  dirs.push(dir);
  const file = path.join(dir, 'plan.json');
  const sleeps: number[] = [];
  let output = '';
  const code = await campaignPlanCommand(
    { topics: [], includeArchived: false, includeForks: false, names: [], shardSize: 3, out: file, tokenEnv: 'GITHUB_TOKEN', ...over },
    { out: (s) => (output += s), err: (s) => (output += s), env: ENV() },
    { sleep: async (ms) => void sleeps.push(ms) },
  );
  printed += output;
  expect(code, output).toBe(0);
  const text = readFileSync(file, 'utf8');
  printed += text;
  return { file, plan: JSON.parse(text) as Plan, sleeps };
}

async function run(over: Partial<CampaignRunOptions>, env: Record<string, string> = ENV()): Promise<{ code: number; stdout: string; stderr: string; results: Map<string, RepoResult>; out: string }> {
  const out = tempDir('apf-campaign-results-');
  dirs.push(out);
  let stdout = '';
  let stderr = '';
  const code = await campaignRunCommand(
    { out, concurrency: 2, maxOpenPrs: 5, dryRun: false, tokenEnv: 'GITHUB_TOKEN', branchPrefix: 'autopack-fix/', unsafeFixes: false, draft: false, labels: [], reviewers: [], ...over },
    { out: (s) => (stdout += s), err: (s) => (stderr += s), env: { ...process.env, ...env } },
    { sleep: async () => undefined },
  );
  printed += stdout + stderr;
  const results = new Map<string, RepoResult>();
  for (const f of readdirSync(out)) {
    const text = readFileSync(path.join(out, f), 'utf8');
    printed += text;
    const r = JSON.parse(text) as RepoResult;
    results.set(r.repo, r);
    expect(f).toBe(`${r.repo.replace('/', '__')}.json`);
  }
  return { code, stdout, stderr, results, out };
}

const pushes = (): number => server.state.gitRequests.filter((r) => r.path.endsWith('/git-receive-pack')).length;
const apiWrites = (): number => server.state.requests.filter((r) => r.method !== 'GET').length;

describe('a wave: plan → run (2 shards, 6 repositories)', () => {
  let thePlan: { file: string; plan: Plan; sleeps: number[] };
  const first = new Map<string, RepoResult>();
  const shardOuts: string[] = [];

  beforeAll(async () => {
    serve('acme/a1', AFFECTED);
    serve('acme/a2', AFFECTED);
    serve('acme/a3', AFFECTED, { topics: ['compose'] });
    serve('acme/broken', AFFECTED);
    serve('acme/clean', CLEAN);
    // The repository's own configuration turns the rule off: the campaign respects it.
    serve('acme/configured', { ...AFFECTED, 'autopack-fix.config.json': `{ "rules": { "${RULE}": { "enabled": false } } }\n` });
    // Every clone of this one fails on the server.
    server.fault({ kind: 'git', path: /^\/acme\/broken\.git\//, status: 500, times: 1000 });
  }, SLOW);

  it('plans through a secondary rate limit and a 5xx', async () => {
    server.fault({ path: /^\/orgs\/acme\/repos$/, status: 429, headers: { 'retry-after': '3' } });
    server.fault({ path: /^\/repos\/acme\/clean$/, status: 500 });
    thePlan = await plan({ org: 'acme' });
    expect(thePlan.sleeps.sort((a, b) => a - b)).toEqual([1000, 3000]);
    expect(thePlan.plan.shards.map((s) => s.map((r) => r.repo))).toEqual([
      ['acme/a1', 'acme/a2', 'acme/a3'],
      ['acme/broken', 'acme/clean', 'acme/configured'],
    ]);
    expect(thePlan.plan.shards[0]?.[0]?.cloneUrl).toBe(`${server.url}/acme/a1.git`);
  });

  it('runs both shards: one PR per affected repository, the failing one recorded, the shard goes on', async () => {
    const before = pushes();
    // The pr step's own API calls wait through limits too: a secondary limit on opening a PR is
    // waited out (and the PR opened once), a 502 on reading the PRs is retried.
    const limited = server.fault({ method: 'POST', path: /^\/repos\/acme\/a2\/pulls$/, status: 403, headers: { 'retry-after': '2' } });
    const flaky = server.fault({ method: 'GET', path: /^\/repos\/acme\/a3\/pulls$/, status: 502 });
    let stderr = '';
    for (const shard of [0, 1]) {
      const r = await run({ plan: thePlan.file, shard });
      stderr += r.stderr;
      expect(r.code).toBe(0);
      for (const [k, v] of r.results) first.set(k, v);
      shardOuts.push(r.out);
    }
    expect(stderr.split('\n').filter(Boolean).sort()).toEqual([
      `note: GET ${server.apiUrl}/repos/acme/a3/pulls answered 502: waiting 1 s`,
      `note: POST ${server.apiUrl}/repos/acme/a2/pulls: rate limited (403): waiting 2 s`,
    ]);
    expect([...first.keys()].sort()).toEqual(['acme/a1', 'acme/a2', 'acme/a3', 'acme/broken', 'acme/clean', 'acme/configured']);
    for (const slug of ['acme/a1', 'acme/a2', 'acme/a3']) {
      const pulls = server.pulls(slug);
      expect(pulls.map((p) => [p.state, p.head])).toEqual([['open', 'autopack-fix/fixes']]);
      const r = first.get(slug) as RepoResult;
      expect(r.pr).toEqual({ outcome: 'opened', url: `${server.url}/${slug}/pull/${pulls[0]?.number}`, number: pulls[0]?.number, state: 'open' });
      expect(r.fixes).toEqual({ [RULE]: 1 });
      expect(r.findings[RULE]).toBe(1);
      expect(r.shard).toBe(0);
      expect(r.baseSha).toMatch(/^[0-9a-f]{40}$/);
      expect(r.errors).toEqual([]);
      expect(Object.keys(r.timings).sort()).toEqual(['api', 'clone', 'pr', 'total']);
    }
    expect(pushes() - before).toBe(3);
    expect([limited.hits, flaky.hits]).toEqual([1, 1]);
    for (const slug of ['acme/broken', 'acme/clean', 'acme/configured']) expect(server.pulls(slug)).toEqual([]);
    const broken = first.get('acme/broken') as RepoResult;
    expect(broken.pr.outcome).toBe('error');
    expect(broken.errors).toHaveLength(1);
    expect(broken.errors[0]).toMatch(/^git clone failed: .*500/);
    expect(broken.baseSha).toBeUndefined();
    expect(broken.shard).toBe(1);
    expect(first.get('acme/clean')?.pr).toEqual({ outcome: 'none' });
    expect(first.get('acme/clean')?.fixes).toEqual({});
    expect(first.get('acme/configured')?.pr).toEqual({ outcome: 'none' });
    expect(first.get('acme/configured')?.findings[RULE]).toBeUndefined();
    // The bot branch holds the fix.
    const bare = path.join(serverRoot, 'acme/a1.git');
    expect(gitIn(bare, ['show', `autopack-fix/fixes:docker-compose.override.yml`])).toBe('services:\n  db:\n    environment:\n      POSTGRES_PASSWORD: dev\n');
  }, SLOW);

  it('the token went to git in a header only, never in a URL', () => {
    const basic = `basic ${basicCredential(TOKEN)}`;
    const clones = server.state.gitRequests.filter((r) => /^\/acme\/a\d\.git\//.test(r.path));
    expect(clones.length).toBeGreaterThan(0);
    for (const r of clones) {
      expect(r.authorization).toBe(basic);
      expect(`${r.path}${r.query}`).not.toContain(TOKEN);
    }
  });

  it('a second run with nothing changed pushes nothing and opens or updates no PR', async () => {
    const before = { pushes: pushes(), writes: apiWrites() };
    const outcomes = new Map<string, string>();
    for (const shard of [0, 1]) {
      const r = await run({ plan: thePlan.file, shard });
      expect(r.code).toBe(0);
      for (const [k, v] of r.results) outcomes.set(k, v.pr.outcome);
    }
    expect(pushes()).toBe(before.pushes);
    expect(apiWrites()).toBe(before.writes);
    expect(Object.fromEntries(outcomes)).toEqual({ 'acme/a1': 'unchanged', 'acme/a2': 'unchanged', 'acme/a3': 'unchanged', 'acme/broken': 'error', 'acme/clean': 'none', 'acme/configured': 'none' });
    for (const slug of ['acme/a1', 'acme/a2', 'acme/a3']) expect(server.pulls(slug)).toHaveLength(1);
  }, SLOW);

  it('report: the merged counts match the per-repository results; --refresh reads a merge back', async () => {
    const reportDir = tempDir('apf-campaign-report-');
    dirs.push(reportDir);
    let err = '';
    const io = { out: () => {}, err: (s: string) => (err += s), env: { GITHUB_TOKEN: TOKEN } };
    expect(await campaignReportCommand({ results: shardOuts, json: path.join(reportDir, 'r.json'), tokenEnv: 'GITHUB_TOKEN', apiUrl: server.apiUrl }, io)).toBe(0);
    const s = JSON.parse(readFileSync(path.join(reportDir, 'r.json'), 'utf8')) as CampaignSummary;
    const all = [...first.values()];
    expect(s.repositories).toBe(all.length);
    expect(s.totals.fixes).toBe(all.reduce((a, r) => a + Object.values(r.fixes).reduce((x, y) => x + y, 0), 0));
    expect(s.totals.outcomes.opened).toBe(all.filter((r) => r.pr.outcome === 'opened').length);
    expect(s.totals.errors).toBe(all.filter((r) => r.pr.outcome === 'error').length);
    expect(s.rules.find((r) => r.rule === RULE)).toMatchObject({ repositories: 3, fixes: 3, opened: 3, merged: 0, open: 3, errors: 0 });
    // A maintainer merges a1's PR on GitHub: --refresh reads that back.
    const n = server.pulls('acme/a1')[0]?.number as number;
    server.setPull('acme/a1', n, { merged: true });
    expect(await campaignReportCommand({ results: shardOuts, json: path.join(reportDir, 'r2.json'), refresh: true, tokenEnv: 'GITHUB_TOKEN', apiUrl: server.apiUrl }, io)).toBe(0);
    const text = readFileSync(path.join(reportDir, 'r2.json'), 'utf8');
    expect((JSON.parse(text) as CampaignSummary).rules.find((r) => r.rule === RULE)).toMatchObject({ merged: 1, open: 2 });
    expect(err + text).not.toContain(TOKEN);
    printed += err + text;
  });

  it('prints one block per repository, grouped in Actions, and never the token', async () => {
    const r = await run({ plan: thePlan.file, shard: 1, concurrency: 1 }, { ...ENV(), GITHUB_ACTIONS: 'true' });
    expect(r.stdout).toContain('::group::acme/broken: error\n');
    expect(r.stdout).toContain('error: git clone failed');
    expect(r.stdout).toMatch(/::endgroup::\n3 repositories: 1 error, 2 none\. Results in /);
    expect(r.stdout).not.toContain(TOKEN);
  }, SLOW);
});

describe('safety at scale', () => {
  let planned: { file: string; plan: Plan };
  let moved = '';

  beforeAll(async () => {
    for (const n of ['b1', 'b2', 'b3', 'b8']) serve(`beta/${n}`, AFFECTED);
    serve('beta/b4', AFFECTED, { topics: ['autopack-fix-skip'] });
    serve('beta/b5', { ...AFFECTED, '.github/autopack-fix.skip': 'paused for the migration\n' });
    serve('beta/b6', AFFECTED);
    const b7 = serve('beta/b7', AFFECTED);
    planned = await plan({ org: 'beta', shardSize: 4 });
    // After the plan: b6's default branch is renamed; b7's moves right after the run clones it.
    server.setRepo('beta/b6', { defaultBranch: 'trunk' });
    server.afterGit((r) => {
      if (moved || r.method !== 'POST' || r.path !== '/beta/b7.git/git-upload-pack') return;
      writeFileSync(path.join(b7.work, 'README.md'), 'moved\n');
      gitIn(b7.work, ['add', '-A']);
      gitIn(b7.work, ['commit', '-qm', 'a maintainer pushes meanwhile']);
      execFileSync('git', ['push', '-q', b7.bare, 'main'], { cwd: b7.work });
      moved = gitIn(b7.work, ['rev-parse', 'HEAD']).trim();
    });
  }, SLOW);

  it('splits --max-prs across the shards: ⌊N/S⌋ each, one more for the first N mod S', () => {
    expect([0, 1, 2].map((k) => shardShare(5, 3, k))).toEqual([2, 2, 1]);
    expect([0, 1, 2, 3].map((k) => shardShare(2, 4, k))).toEqual([1, 1, 0, 0]);
    for (const [n, s] of [[0, 3], [7, 7], [100, 9], [3, 256]] as const) expect(Array.from({ length: s }, (_, k) => shardShare(n, s, k)).reduce((a, b) => a + b, 0)).toBe(n);
  });

  it('opens at most --max-prs PRs in the wave, skips on the kill switches and on a moved default branch', async () => {
    expect(planned.plan.shards.map((s) => s.map((r) => r.repo))).toEqual([
      ['beta/b1', 'beta/b2', 'beta/b3', 'beta/b4'],
      ['beta/b5', 'beta/b6', 'beta/b7', 'beta/b8'],
    ]);
    const results = new Map<string, RepoResult>();
    // --max-prs 3 over 2 shards: shard 0 may open 2, shard 1 may open 1.
    const r0 = await run({ plan: planned.file, shard: 0, maxPrs: 3 });
    expect(r0.stdout).toContain('This shard may open 2 new pull requests (--max-prs 3, shared across the shards).');
    const r1 = await run({ plan: planned.file, shard: 1, maxPrs: 3 });
    for (const r of [r0, r1]) {
      expect(r.code).toBe(0);
      for (const [k, v] of r.results) results.set(k, v);
    }
    const outcome = (slug: string): string => results.get(slug)?.pr.outcome ?? '';
    expect(['beta/b1', 'beta/b2', 'beta/b3'].map(outcome).sort()).toEqual(['capped', 'opened', 'opened']);
    expect(outcome('beta/b8')).toBe('opened');
    const opened = ['b1', 'b2', 'b3', 'b4', 'b5', 'b6', 'b7', 'b8'].filter((n) => server.pulls(`beta/${n}`).length > 0);
    expect(opened).toHaveLength(3);
    const capped = [...results.values()].find((r) => r.pr.outcome === 'capped') as RepoResult;
    expect(capped.fixes).toEqual({ [RULE]: 1 });
    expect(capped.notes[0]).toContain('--max-prs');

    expect(results.get('beta/b4')?.pr.outcome).toBe('skipped');
    expect(results.get('beta/b4')?.notes).toEqual(['the repository has the topic autopack-fix-skip (the campaign\'s kill switch)']);
    expect(results.get('beta/b5')?.pr.outcome).toBe('skipped');
    expect(results.get('beta/b5')?.notes).toEqual(['.github/autopack-fix.skip is present (the campaign\'s kill switch)']);
    expect(results.get('beta/b6')?.pr.outcome).toBe('skipped');
    expect(results.get('beta/b6')?.notes).toEqual(['the default branch is now trunk, not main as planned: left for the next wave']);
    const b7 = results.get('beta/b7') as RepoResult;
    expect(moved).toMatch(/^[0-9a-f]{40}$/);
    expect(b7.pr.outcome).toBe('skipped');
    expect(b7.notes).toEqual(['main moved during the run: nothing pushed; the next wave starts from the new commit']);
    expect(b7.baseSha).not.toBe(moved);
    expect(gitIn(path.join(serverRoot, 'beta/b7.git'), ['branch', '--list']).trim()).toBe('* main');
  }, SLOW);
});

describe('a hand-edited plan', () => {
  it('refuses a clone URL that carries credentials, and the result does not repeat them', async () => {
    const dir = tempDir('apf-hostile-plan-');
    dirs.push(dir);
    const url = new URL(`${server.url}/acme/a1.git`);
    url.username = 'x-access-token';
    url.password = TOKEN;
    const p: Plan = { version: 1, createdAt: '2026-01-01T00:00:00Z', source: 'list:x', excluded: [], shards: [[{ repo: 'acme/a1', defaultBranch: 'main', cloneUrl: url.toString() }]], matrix: { include: [{ shard: 0 }] } };
    writeFileSync(path.join(dir, 'plan.json'), JSON.stringify(p));
    const r = await run({ plan: path.join(dir, 'plan.json'), shard: 0 });
    expect(r.code).toBe(0);
    const result = r.results.get('acme/a1') as RepoResult;
    expect(result.pr.outcome).toBe('error');
    expect(result.errors[0]).toContain('the URL of the remote carries credentials (http://***@127.0.0.1');
    expect(readFileSync(path.join(r.out, 'acme__a1.json'), 'utf8')).not.toContain(TOKEN);
    expect(r.stdout + r.stderr).not.toContain(TOKEN);
  });
});

describe('local mode: existing clones', () => {
  it('--dry-run over a folder of clones opens and pushes nothing and records dry-run (no token needed); the campaign config is laid over each own', async () => {
    const folder = tempDir('apf-clones-');
    dirs.push(folder);
    const own = { ...AFFECTED, 'autopack-fix.config.json': `{ "rules": { "${RULE}": { "enabled": false } } }\n` };
    for (const [slug, files] of [['local/l1', AFFECTED], ['local/l2', CLEAN], ['local/l3', own]] as const) {
      const { bare } = serve(slug, files);
      const clone = path.join(folder, slug.split('/')[1] as string);
      gitIn(folder, ['clone', '-q', bare, clone]);
      gitIn(clone, ['remote', 'set-url', 'origin', `${server.url}/${slug}.git`]);
    }
    writeFileSync(path.join(folder, 'not-a-clone.txt'), '');
    const before = { pushes: pushes(), writes: apiWrites() };
    // The campaign's configuration turns back on what l3's own turned off.
    const override = path.join(tempDir('apf-campaign-config-'), 'campaign.json');
    dirs.push(path.dirname(override));
    writeFileSync(override, `{ "rules": { "${RULE}": { "enabled": true } } }\n`);
    const r = await run({ clones: folder, dryRun: true, concurrency: 2, configOverride: override }, { GITHUB_API_URL: server.apiUrl, GITHUB_SERVER_URL: server.url });
    expect(r.code).toBe(0);
    expect(r.results.get('local/l1')).toMatchObject({ shard: -1, pr: { outcome: 'dry-run' }, fixes: { [RULE]: 1 }, errors: [] });
    expect(r.results.get('local/l2')).toMatchObject({ shard: -1, pr: { outcome: 'none' }, errors: [] });
    expect(r.results.get('local/l3')).toMatchObject({ shard: -1, pr: { outcome: 'dry-run' }, fixes: { [RULE]: 1 }, errors: [] });
    expect([...r.results.keys()].sort()).toEqual(['local/l1', 'local/l2', 'local/l3']);
    expect(pushes()).toBe(before.pushes);
    expect(apiWrites()).toBe(before.writes);
    expect(server.pulls('local/l1')).toEqual([]);
  }, SLOW);
});

describe('local mode: a dry-run wave simulates --max-prs', () => {
  it('three affected clones, --max-prs 1: one would be opened, two are capped, nothing is pushed', async () => {
    const folder = tempDir('apf-clones-cap-');
    dirs.push(folder);
    for (const slug of ['local/c1', 'local/c2', 'local/c3']) {
      const { bare } = serve(slug, AFFECTED);
      const clone = path.join(folder, slug.split('/')[1] as string);
      gitIn(folder, ['clone', '-q', bare, clone]);
      gitIn(clone, ['remote', 'set-url', 'origin', `${server.url}/${slug}.git`]);
    }
    const before = { pushes: pushes(), writes: apiWrites() };
    const r = await run({ clones: folder, dryRun: true, concurrency: 1, maxPrs: 1 }, { GITHUB_API_URL: server.apiUrl, GITHUB_SERVER_URL: server.url });
    expect(r.code).toBe(0);
    const outcomes = [...r.results.values()].map((x) => x.pr.outcome).sort();
    expect(outcomes).toEqual(['capped', 'capped', 'dry-run']);
    expect(pushes()).toBe(before.pushes);
    expect(apiWrites()).toBe(before.writes);
  }, SLOW);
});

describe('local mode: the pin options carry over to each repository', () => {
  it('--pin-map (relative to the campaign\'s directory) pins an action in every clone', async () => {
    const folder = tempDir('apf-clones-pins-');
    dirs.push(folder);
    const workflow = 'name: ci\non: push\njobs:\n  test:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n';
    const { bare } = serve('local/p1', { '.github/workflows/ci.yml': workflow });
    const clone = path.join(folder, 'p1');
    gitIn(folder, ['clone', '-q', bare, clone]);
    gitIn(clone, ['remote', 'set-url', 'origin', `${server.url}/local/p1.git`]);
    const sha = 'b4ffde65f46336ab88eb53be808477a3936bae11';
    const mapDir = tempDir('apf-pin-map-');
    dirs.push(mapDir);
    writeFileSync(path.join(mapDir, 'pins.json'), JSON.stringify({ actions: { 'actions/checkout@v4': sha } }));
    const cwd = process.cwd();
    process.chdir(mapDir);
    let r: Awaited<ReturnType<typeof run>>;
    try {
      // Without the map the finding is report-only; with it, the fix is there.
      const without = await run({ clones: folder, dryRun: true, only: ['unpinned-action'] }, { GITHUB_API_URL: server.apiUrl, GITHUB_SERVER_URL: server.url });
      expect(without.results.get('local/p1')).toMatchObject({ pr: { outcome: 'none' }, errors: [] });
      r = await run({ clones: folder, dryRun: true, only: ['unpinned-action'], pinMap: 'pins.json' }, { GITHUB_API_URL: server.apiUrl, GITHUB_SERVER_URL: server.url });
    } finally {
      process.chdir(cwd);
    }
    expect(r.results.get('local/p1')).toMatchObject({ pr: { outcome: 'dry-run' }, fixes: { 'unpinned-action': 1 }, errors: [] });
  }, SLOW);
});

describe('the campaign configuration laid over a repository\'s own', () => {
  it('merges rules per id and their options key by key; other keys replace', () => {
    expect(
      overlayConfig(
        { preset: 'strict', include: ['a/**'], docs: { roots: ['docs'] }, rules: { x: { enabled: false, options: { a: 1, b: 2 } }, y: { severity: 'info' } } },
        { include: ['b/**'], docs: { extra: true }, rules: { x: { enabled: true, options: { b: 3 } }, z: { enabled: false } } },
      ),
    ).toEqual({ preset: 'strict', include: ['b/**'], docs: { roots: ['docs'], extra: true }, rules: { x: { enabled: true, options: { a: 1, b: 3 } }, y: { severity: 'info' }, z: { enabled: false } } });
  });
});

describe('campaign run on the command line', () => {
  it('refuses a run without a plan or clones, a plan without a shard, and a shard the plan has not', async () => {
    const dir = tempDir('apf-run-cli-');
    dirs.push(dir);
    const p: Plan = { version: 1, createdAt: '2026-01-01T00:00:00Z', source: 'list:x', excluded: [], shards: [[{ repo: 'o/r', defaultBranch: 'main', cloneUrl: 'https://github.com/o/r.git' }]], matrix: { include: [{ shard: 0 }] } };
    writeFileSync(path.join(dir, 'plan.json'), JSON.stringify(p));
    const env = { GITHUB_TOKEN: TOKEN };
    const none = await runCli(['campaign', 'run', '--out', dir], { env });
    expect(none.stderr).toBe('autopack-fix campaign run: give either --plan <file> --shard <k>, or --clones <folder or list>\n');
    expect(none.code).toBe(2);
    const noShard = await runCli(['campaign', 'run', '--plan', path.join(dir, 'plan.json'), '--out', dir], { env });
    expect(noShard.stderr).toContain('--plan needs --shard <k>');
    const far = await runCli(['campaign', 'run', '--plan', path.join(dir, 'plan.json'), '--shard', '3', '--out', dir], { env });
    expect(far.stderr).toContain('the plan has 1 shard (0…0); there is no shard 3');
    const bad = await runCli(['campaign', 'run', '--plan', path.join(dir, 'plan.json'), '--shard', '-1', '--out', dir], { env });
    expect(bad.stderr).toContain('--shard: not a whole number: -1');
    const report = await runCli(['campaign', 'report', dir]);
    expect(report.code).toBe(0);
    printed += none.stderr + noShard.stderr + far.stderr + bad.stderr;
  });
});
