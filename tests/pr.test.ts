/**
 * `autopack-fix pr`: real git for everything git (a local bare repository served as `origin`
 * over smart HTTP by `git http-backend`, which checks the token header), and the GitHub REST API
 * through nock, asserting the exact requests of every run.
 */
import { describe, it, expect, afterAll, beforeAll, beforeEach, afterEach } from 'vitest';
import nock from 'nock';
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ROOT, gitIn, removeDir, tempDir } from './helpers/repo.js';
// @ts-expect-error a plain ES module without type declarations
import { startStandIn } from './helpers/stand-in-github.mjs';
import { runCli } from './helpers/cli.js';
import { decodeState, encodeState, type PrState } from '../src/bot/state.js';
import { Redactor } from '../src/bot/redact.js';
import { assertBotBranch, authEnv, parseRemoteUrl, remoteProblem, repoFromUrl } from '../src/git/remote.js';
import { GitHub } from '../src/bot/github.js';
import { schemaErrors } from './helpers/schemas.js';
import { parse } from 'yaml';

const DEMO = path.join(ROOT, 'fixtures', 'demo');
const BIN = path.join(ROOT, 'bin', 'autopack-fix.js');
const API = 'https://api.github.test';
const TOKEN = `ghs_${'T0kEn'.repeat(4)}Secret`;
const BASIC = Buffer.from(`x-access-token:${TOKEN}`).toString('base64');
const BRANCH = 'autopack-fix/fixes';

interface StandIn {
  url: string;
  apiUrl: string;
  state: { requests: Array<{ method: string; path: string; query: Record<string, string>; body: unknown }>; gitRequests: Array<{ method: string; path: string; query: string; authorization?: string }> };
  pulls: (slug: string) => Array<{ number: number; state: string; title: string; body: string; head: string }>;
  close: () => Promise<void>;
}

const cleanup: string[] = [];
let server: StandIn;
let serverRoot: string;
/** Every byte any run printed, to check the token never shows. */
let printed = '';

beforeAll(async () => {
  process.env.GIT_CONFIG_GLOBAL = '/dev/null';
  process.env.GIT_CONFIG_NOSYSTEM = '1';
  for (const k of ['GIT_AUTHOR_NAME', 'GIT_AUTHOR_EMAIL', 'GIT_COMMITTER_NAME', 'GIT_COMMITTER_EMAIL', 'GITHUB_TOKEN', 'GITHUB_API_URL', 'GITHUB_SERVER_URL']) delete process.env[k];
  serverRoot = tempDir('apf-server-');
  cleanup.push(serverRoot);
  server = (await startStandIn({ root: serverRoot, token: TOKEN })) as StandIn;
  nock.disableNetConnect();
});

afterAll(async () => {
  await server.close();
  nock.enableNetConnect();
  nock.cleanAll();
  expect(printed).not.toContain(TOKEN);
  expect(printed).not.toContain(BASIC);
  cleanup.forEach(removeDir);
});

beforeEach(() => {
  nock.cleanAll();
  apiLog.length = 0;
});

afterEach(() => {
  expect(nock.pendingMocks()).toEqual([]);
});

// ---------------------------------------------------------------------------------------------
// Repositories
// ---------------------------------------------------------------------------------------------

function git(dir: string, ...args: string[]): string {
  return gitIn(dir, args).trim();
}

function gitAs(dir: string, who: string, ...args: string[]): string {
  const env = { ...process.env, GIT_AUTHOR_NAME: who, GIT_AUTHOR_EMAIL: `${who.toLowerCase()}@example.invalid`, GIT_COMMITTER_NAME: who, GIT_COMMITTER_EMAIL: `${who.toLowerCase()}@example.invalid` };
  const r = spawnSync('git', args, { cwd: dir, env, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`git ${args.join(' ')}: ${r.stderr}`);
  return r.stdout.trim();
}

let repoCount = 0;

interface Setup {
  work: string;
  bare: string;
  name: string;
  slug: string;
  env: NodeJS.ProcessEnv;
}

/** A clone of `source` whose origin is a bare repository served over HTTP by the stand-in. */
function setup(source: string = DEMO): Setup {
  const name = `demo${++repoCount}`;
  const bare = path.join(serverRoot, 'o', `${name}.git`);
  mkdirSync(path.dirname(bare), { recursive: true });
  git(serverRoot, 'init', '-q', '--bare', '-b', 'main', bare);
  const work = tempDir();
  cleanup.push(work);
  spawnSync('cp', ['-R', `${source}/.`, work]);
  git(work, 'init', '-q', '-b', 'main');
  git(work, 'config', 'core.autocrlf', 'false');
  git(work, 'add', '-A');
  git(work, 'commit', '-qm', 'initial');
  git(work, 'push', '-q', bare, 'main');
  git(work, 'remote', 'add', 'origin', `${server.url}/o/${name}.git`);
  return { work, bare, name, slug: `o/${name}`, env: { GITHUB_TOKEN: TOKEN, GITHUB_API_URL: API, GITHUB_SERVER_URL: server.url } };
}

/** A commit on `branch` of the bare origin, made through a plain clone (as a person would). */
function pushAs(s: Setup, who: string, branch: string, edit: (dir: string) => void, subject: string): string {
  const clone = tempDir();
  cleanup.push(clone);
  git(clone, 'clone', '-q', '--branch', branch, s.bare, '.');
  edit(clone);
  git(clone, 'add', '-A');
  gitAs(clone, who, 'commit', '-qm', subject);
  git(clone, 'push', '-q', 'origin', branch);
  return git(clone, 'rev-parse', 'HEAD');
}

/** On main: the build target is fixed by hand, which changes the fix set. */
function baseMoves(s: Setup): void {
  pushAs(s, 'Maintainer', 'main', (d) => {
    const f = path.join(d, 'docker-compose.dev.yml');
    writeFileSync(f, readFileSync(f, 'utf8').replace('      target: development\n', ''));
  }, 'drop the build target by hand');
}

function remoteBranch(s: Setup, branch = BRANCH): string | undefined {
  const r = spawnSync('git', ['rev-parse', '--verify', '--quiet', `refs/heads/${branch}`], { cwd: s.bare, encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : undefined;
}

function subjects(s: Setup, range: string): string[] {
  return git(s.bare, 'log', '--reverse', '--format=%s', range).split('\n').filter(Boolean);
}

function pushesSince(mark: number): number {
  return server.state.gitRequests.slice(mark).filter((r) => r.path.endsWith('/git-receive-pack')).length;
}

// ---------------------------------------------------------------------------------------------
// The API, through nock
// ---------------------------------------------------------------------------------------------

const apiLog: Array<{ method: string; path: string; body?: Record<string, unknown> }> = [];

function on(method: 'GET' | 'POST' | 'PATCH', p: string, reply: unknown | ((body: Record<string, unknown>) => unknown), options: { query?: Record<string, string>; status?: number; token?: string } = {}): void {
  let interceptor = nock(API).matchHeader('authorization', `token ${options.token ?? TOKEN}`).intercept(p, method, method === 'GET' ? undefined : () => true);
  if (options.query) interceptor = interceptor.query(options.query);
  interceptor.reply((uri, raw) => {
    const body = typeof raw === 'string' && raw ? (JSON.parse(raw) as Record<string, unknown>) : (raw as Record<string, unknown> | undefined);
    apiLog.push({ method, path: uri, ...(method === 'GET' ? {} : { body }) });
    return [options.status ?? (method === 'POST' ? 201 : 200), typeof reply === 'function' ? (reply as (b: Record<string, unknown>) => unknown)(body ?? {}) : reply];
  });
}

interface FakePull {
  number: number;
  state?: 'open' | 'closed';
  merged?: boolean;
  title?: string;
  body: string;
  head?: string;
  labels?: string[];
}

function pullJson(s: Setup, p: FakePull): Record<string, unknown> {
  return {
    number: p.number,
    state: p.state ?? 'open',
    merged_at: p.merged ? '2024-01-01T00:00:00Z' : null,
    title: p.title ?? 'title',
    body: p.body,
    head: { ref: p.head ?? BRANCH },
    labels: (p.labels ?? []).map((name) => ({ name })),
    html_url: `https://github.test/${s.slug}/pull/${p.number}`,
  };
}

const listQuery = { head: `o:${BRANCH}`, state: 'all', per_page: '100' };

function expectRepo(s: Setup): void {
  on('GET', `/repos/${s.slug}`, { default_branch: 'main' });
}
function expectPulls(s: Setup, pulls: FakePull[]): void {
  on('GET', `/repos/${s.slug}/pulls`, pulls.map((p) => pullJson(s, p)), { query: listQuery });
}
function expectOpenCount(s: Setup, pulls: FakePull[]): void {
  on('GET', `/repos/${s.slug}/pulls`, pulls.map((p) => pullJson(s, p)), { query: { state: 'open', per_page: '100' } });
}
function expectCreate(s: Setup, number = 1): void {
  on('POST', `/repos/${s.slug}/pulls`, (b) => pullJson(s, { number, title: String(b.title), body: String(b.body), head: String(b.head) }));
}

/** `autopack-fix pr <work> ...args`, in process (tests/helpers/cli.ts), with `env` on top of the test's environment. */
async function pr(s: Setup, args: string[] = [], env: NodeJS.ProcessEnv = s.env): Promise<{ code: number; stdout: string; stderr: string }> {
  const r = await runCli(['pr', s.work, ...args], { env });
  printed += r.stdout + r.stderr;
  return r;
}

/** Opens PR #1 on a fresh setup and returns what the API received. */
async function opened(s: Setup, args: string[] = []): Promise<{ title: string; body: string }> {
  expectRepo(s);
  expectPulls(s, []);
  expectOpenCount(s, []);
  expectCreate(s);
  const labels = args.includes('--label') ? [args[args.indexOf('--label') + 1] as string] : [];
  if (labels.length) on('POST', `/repos/${s.slug}/issues/1/labels`, labels.map((name) => ({ name })));
  const r = await pr(s, args);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  const create = apiLog.find((x) => x.method === 'POST' && x.path.endsWith('/pulls'));
  apiLog.length = 0;
  return { title: String(create?.body?.title), body: String(create?.body?.body) };
}

let openedOnce: { s: Setup; first: { title: string; body: string } } | undefined;

/**
 * A fresh setup on which PR #1 is open (as `opened(setup())` leaves it) and what the API
 * received. The first call opens it for real, once per file; every call returns a copy of that
 * work repository and its bare origin under a new name (the bot's branch and the PR body are the
 * same every time), so each test changes only its own copies and never the original.
 */
async function openedSetup(): Promise<{ s: Setup; first: { title: string; body: string } }> {
  if (!openedOnce) {
    const s = setup();
    openedOnce = { s, first: await opened(s) };
  }
  const from = openedOnce.s;
  const name = `demo${++repoCount}`;
  const bare = path.join(serverRoot, 'o', `${name}.git`);
  cpSync(from.bare, bare, { recursive: true, verbatimSymlinks: true });
  const work = tempDir();
  cleanup.push(work);
  cpSync(from.work, work, { recursive: true, verbatimSymlinks: true });
  git(work, 'remote', 'set-url', 'origin', `${server.url}/o/${name}.git`);
  return { s: { work, bare, name, slug: `o/${name}`, env: from.env }, first: openedOnce.first };
}

// ---------------------------------------------------------------------------------------------

describe('pr: opening and updating', () => {
  it('opens one pull request: pushes the branch, then create, labels, reviewers — exactly these requests', async () => {
    const s = setup();
    // actions/checkout persists a header like this one; it must not be sent alongside ours.
    git(s.work, 'config', `http.${server.url}/.extraheader`, `AUTHORIZATION: basic ${Buffer.from('x-access-token:stale').toString('base64')}`);
    expectRepo(s);
    expectPulls(s, []);
    expectOpenCount(s, [{ number: 9, head: 'renovate/foo', body: '' }]);
    expectCreate(s);
    on('POST', `/repos/${s.slug}/issues/1/labels`, [{ name: 'autopack-fix' }]);
    on('POST', `/repos/${s.slug}/pulls/1/requested_reviewers`, {});
    const mark = server.state.gitRequests.length;
    const r = await pr(s, ['--draft', '--label', 'autopack-fix', '--reviewer', 'alice', 'o/platform']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(apiLog.map((x) => `${x.method} ${x.path}`)).toEqual([
      `GET /repos/${s.slug}`,
      `GET /repos/${s.slug}/pulls?head=o%3Aautopack-fix%2Ffixes&state=all&per_page=100`,
      `GET /repos/${s.slug}/pulls?state=open&per_page=100`,
      `POST /repos/${s.slug}/pulls`,
      `POST /repos/${s.slug}/issues/1/labels`,
      `POST /repos/${s.slug}/pulls/1/requested_reviewers`,
    ]);
    const create = apiLog[3]?.body as Record<string, unknown>;
    expect(Object.keys(create).sort()).toEqual(['base', 'body', 'draft', 'head', 'maintainer_can_modify', 'title']);
    expect(create.head).toBe(BRANCH);
    expect(create.base).toBe('main');
    expect(create.draft).toBe(true);
    expect(create.title).toMatch(/^fix: repository drift found by autopack-fix \(\d+ findings, \d+ rules\)$/);
    expect(apiLog[4]?.body).toEqual({ labels: ['autopack-fix'] });
    expect(apiLog[5]?.body).toEqual({ reviewers: ['alice'], team_reviewers: ['platform'] });

    // The branch on the remote: one commit per rule on top of main.
    const tip = remoteBranch(s);
    expect(tip).toBeDefined();
    const subs = subjects(s, `main..${BRANCH}`);
    expect(subs.length).toBeGreaterThanOrEqual(5);
    expect(subs.every((x) => /^fix\([a-z0-9-]+\): /.test(x))).toBe(true);
    expect(r.stdout).toBe(`Pushed ${subs.length} commits to origin ${BRANCH} (new branch).\nOpened draft PR #1 on ${s.slug}: https://github.test/${s.slug}/pull/1\n`);

    // The body: the table with README links, the held-back count, the commits, the state.
    const body = String(create.body);
    expect(body).toContain('| rule | files | safety | why |');
    expect(body).toMatch(/\| \[compose-unknown-service\]\(https:\/\/\S+\/codemods\/compose-unknown-service\/README\.md\) \| `docker-compose.dev.yml` \| safe \| An override file names a service/);
    // The demo has no git history: its moved `integrations/` scripts are found by name only.
    expect(body).toContain("Review-class fixes held back: **27** (`docs-dead-reference`, `docs-command-drift`, `dependabot-coverage`, `nginx-body-size-limit`, `nginx-request-id`, `python-module-entrypoint`, `protected-path-missing`, `drift-guard-coverage`, `frontend-duplicate-app`, `compose-frontend-build-drift`, `pre-commit-config`, `github-templates`, `prod-auth-fail-open`, `codeowners-dead-pattern`, `referenced-path-missing`, `legacy-path-literal`, `config-unreferenced`; enable them with `--unsafe-fixes` or the action's `unsafe-fixes: true`).");
    const state = decodeState(body) as PrState;
    expect(state.branch).toBe(BRANCH);
    expect(state.baseSha).toBe(git(s.bare, 'rev-parse', 'main'));
    expect(state.commits).toEqual(git(s.bare, 'rev-list', '--reverse', `main..${BRANCH}`).split('\n'));
    for (const sha of state.commits) expect(body).toContain(`- ${sha.slice(0, 12)} `);

    // Every git request carried exactly our header (the stand-in rejects anything else), and
    // the bot pushed exactly once.
    const gitReqs = server.state.gitRequests.slice(mark);
    expect(gitReqs.length).toBeGreaterThan(0);
    expect(gitReqs.every((g) => g.authorization === `basic ${BASIC}`)).toBe(true);
    expect(pushesSince(mark)).toBe(1);
    // Nothing of the token on disk.
    expect(readFileSync(path.join(s.work, '.git', 'config'), 'utf8')).not.toContain(BASIC);
  });

  it('a second run with unchanged fixes pushes nothing and only reads', async () => {
    const s = setup();
    const first = await opened(s, ['--label', 'autopack-fix']);
    const tip = remoteBranch(s);
    expectRepo(s);
    expectPulls(s, [{ number: 1, title: first.title, body: first.body, labels: ['autopack-fix'] }]);
    const mark = server.state.gitRequests.length;
    const r = await pr(s, ['--label', 'autopack-fix']);
    expect(r.code).toBe(0);
    expect(apiLog.map((x) => `${x.method} ${x.path}`)).toEqual([`GET /repos/${s.slug}`, `GET /repos/${s.slug}/pulls?head=o%3Aautopack-fix%2Ffixes&state=all&per_page=100`]);
    expect(r.stdout).toBe(`The fixes are unchanged: nothing pushed (${BRANCH} stays at ${tip?.slice(0, 12)}).\nPR #1 is up to date: https://github.test/${s.slug}/pull/1\n`);
    expect(pushesSince(mark)).toBe(0);
    expect(remoteBranch(s)).toBe(tip);
  });

  it('a run after the fixes changed updates the same pull request (PATCH, no second create)', async () => {
    const { s, first } = await openedSetup();
    const before = decodeState(first.body) as PrState;
    baseMoves(s);
    expectRepo(s);
    expectPulls(s, [{ number: 1, title: first.title, body: first.body }]);
    on('PATCH', `/repos/${s.slug}/pulls/1`, (b) => pullJson(s, { number: 1, title: String(b.title), body: String(b.body) }));
    const mark = server.state.gitRequests.length;
    const r = await pr(s);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(apiLog.map((x) => `${x.method} ${x.path}`)).toEqual([`GET /repos/${s.slug}`, `GET /repos/${s.slug}/pulls?head=o%3Aautopack-fix%2Ffixes&state=all&per_page=100`, `PATCH /repos/${s.slug}/pulls/1`]);
    const patch = apiLog[2]?.body as { title: string; body: string };
    expect(Object.keys(patch).sort()).toEqual(['body', 'title']);
    const after = decodeState(patch.body) as PrState;
    expect(after.fixes).not.toBe(before.fixes);
    expect(after.baseSha).toBe(git(s.bare, 'rev-parse', 'main'));
    expect(after.commits).toEqual(git(s.bare, 'rev-list', '--reverse', `main..${BRANCH}`).split('\n'));
    expect(subjects(s, `main..${BRANCH}`).join('\n')).not.toContain('compose-missing-build-target');
    expect(pushesSince(mark)).toBe(1);
    expect(r.stdout).toContain(`rebuilt: the fixes changed`);
    expect(r.stdout).toContain(`Updated PR #1: https://github.test/${s.slug}/pull/1`);
  });

  it('adds a missing label to the open pull request without touching an unchanged body', async () => {
    const { s, first } = await openedSetup();
    expectRepo(s);
    expectPulls(s, [{ number: 1, title: first.title, body: first.body, labels: [] }]);
    on('POST', `/repos/${s.slug}/issues/1/labels`, [{ name: 'drift' }]);
    const r = await pr(s, ['--label', 'drift']);
    expect(r.code).toBe(0);
    expect(apiLog.map((x) => `${x.method} ${x.path}`).slice(2)).toEqual([`POST /repos/${s.slug}/issues/1/labels`]);
    expect(apiLog[2]?.body).toEqual({ labels: ['drift'] });
  });
});

describe('pr: etiquette', () => {
  it('does not re-propose fixes whose pull request was closed without merging, until the findings change', async () => {
    const { s, first } = await openedSetup();
    const tip = remoteBranch(s);
    expectRepo(s);
    expectPulls(s, [{ number: 1, state: 'closed', title: first.title, body: first.body }]);
    const mark = server.state.gitRequests.length;
    const r = await pr(s);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`PR #1 (https://github.test/${s.slug}/pull/1) proposed these same fixes and was closed without merging: not proposing them again until the findings change. Nothing pushed.\n`);
    expect(apiLog.map((x) => x.method)).toEqual(['GET', 'GET']);
    expect(pushesSince(mark)).toBe(0);
    expect(remoteBranch(s)).toBe(tip);

    // The findings change: a new pull request, on the same branch name.
    baseMoves(s);
    apiLog.length = 0;
    expectRepo(s);
    expectPulls(s, [{ number: 1, state: 'closed', title: first.title, body: first.body }]);
    expectOpenCount(s, []);
    expectCreate(s, 2);
    const again = await pr(s);
    expect(again.code).toBe(0);
    expect(apiLog.map((x) => x.method)).toEqual(['GET', 'GET', 'GET', 'POST']);
    expect(again.stdout).toContain(`Opened PR #2 on ${s.slug}`);
    expect(remoteBranch(s)).not.toBe(tip);
  });

  it('keeps a human commit on the branch: the bot rebuilds its commits on top of it', async () => {
    const { s, first } = await openedSetup();
    const human = pushAs(s, 'Human', BRANCH, (d) => writeFileSync(path.join(d, 'docs', 'NOTE.md'), '# reviewed by a human\n'), 'docs: review note');
    // Unchanged fixes: the branch (with the human commit) stays exactly as it is.
    expectRepo(s);
    expectPulls(s, [{ number: 1, title: first.title, body: first.body }]);
    on('PATCH', `/repos/${s.slug}/pulls/1`, {});
    const same = await pr(s);
    expect(same.code).toBe(0);
    expect(remoteBranch(s)).toBe(human);
    const patched = String(apiLog.find((x) => x.method === 'PATCH')?.body?.body);
    expect(patched).toContain('This branch also holds 1 commit by others, kept as they are');

    baseMoves(s);
    apiLog.length = 0;
    expectRepo(s);
    expectPulls(s, [{ number: 1, title: first.title, body: patched }]);
    on('PATCH', `/repos/${s.slug}/pulls/1`, {});
    const r = await pr(s);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(apiLog.map((x) => x.method)).toEqual(['GET', 'GET', 'PATCH']);
    expect(r.stdout).toContain('kept 1 commit by others');
    const log = git(s.bare, 'log', '--reverse', '--format=%an|%s', `main..${BRANCH}`).split('\n');
    expect(log[0]).toBe('Human|docs: review note');
    expect(log.slice(1).every((l) => l.startsWith('autopack-fix|fix('))).toBe(true);
    expect(git(s.bare, 'show', `${BRANCH}:docs/NOTE.md`)).toBe('# reviewed by a human');
    const rebuiltBody = String(apiLog[2]?.body?.body);
    const rebuiltTitle = String(apiLog[2]?.body?.title);
    const state = decodeState(rebuiltBody) as PrState;
    // The human commit is not recorded as the bot's.
    expect(state.commits.length).toBe(log.length - 1);

    // And the week after, with nothing new: nothing pushed, nothing sent.
    const tip = remoteBranch(s);
    apiLog.length = 0;
    expectRepo(s);
    expectPulls(s, [{ number: 1, title: rebuiltTitle, body: rebuiltBody }]);
    const mark = server.state.gitRequests.length;
    const quiet = await pr(s);
    expect(quiet.stderr).toBe('');
    expect(quiet.code).toBe(0);
    expect(quiet.stdout).toContain('The fixes are unchanged: nothing pushed');
    expect(pushesSince(mark)).toBe(0);
    expect(remoteBranch(s)).toBe(tip);
    expect(apiLog.map((x) => x.method)).toEqual(['GET', 'GET']);
  });

  it('leaves a branch alone when a human commit conflicts, and says so in one comment', async () => {
    const { s, first } = await openedSetup();
    const human = pushAs(s, 'Human', BRANCH, (d) => {
      const f = path.join(d, 'docker-compose.dev.yml');
      writeFileSync(f, readFileSync(f, 'utf8').replace('  db:\n', '  database:\n'));
    }, 'rename the database service');
    baseMoves(s);
    expectRepo(s);
    expectPulls(s, [{ number: 1, title: first.title, body: first.body }]);
    on('GET', `/repos/${s.slug}/issues/1/comments`, [], { query: { per_page: '100' } });
    let comment = '';
    on('POST', `/repos/${s.slug}/issues/1/comments`, (b) => ((comment = String(b.body)), { id: 1, body: comment }));
    const mark = server.state.gitRequests.length;
    const r = await pr(s);
    expect(r.code).toBe(0);
    expect(apiLog.map((x) => x.method)).toEqual(['GET', 'GET', 'GET', 'POST']);
    expect(comment).toMatch(/^autopack-fix could not update this branch: commit [0-9a-f]{12} \("rename the database service" by Human\) does not apply on top of the base \(conflict in docker-compose.dev.yml\)\./);
    expect(comment).toContain(`<!-- autopack-fix:blocked ${human} `);
    expect(pushesSince(mark)).toBe(0);
    expect(remoteBranch(s)).toBe(human);

    // The same situation next week: no second comment.
    apiLog.length = 0;
    expectRepo(s);
    expectPulls(s, [{ number: 1, title: first.title, body: first.body }]);
    on('GET', `/repos/${s.slug}/issues/1/comments`, [{ id: 1, body: comment }], { query: { per_page: '100' } });
    const again = await pr(s);
    expect(again.code).toBe(0);
    expect(apiLog.map((x) => x.method)).toEqual(['GET', 'GET', 'GET']);
    expect(remoteBranch(s)).toBe(human);
  });

  it('works from a shallow clone (actions/checkout depth 1): old base commits are not taken for others\' work', async () => {
    const { s, first } = await openedSetup();
    baseMoves(s);
    const shallow = tempDir();
    cleanup.push(shallow);
    git(shallow, 'clone', '-q', '--depth', '1', `file://${s.bare}`, '.');
    git(shallow, 'remote', 'set-url', 'origin', `${server.url}/${s.slug}.git`);
    expectRepo(s);
    expectPulls(s, [{ number: 1, title: first.title, body: first.body }]);
    on('PATCH', `/repos/${s.slug}/pulls/1`, {});
    const r = await pr({ ...s, work: shallow });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).not.toContain('by others');
    expect(git(s.bare, 'log', '--format=%an', `main..${BRANCH}`).split('\n').every((a) => a === 'autopack-fix')).toBe(true);
    expect(git(s.bare, 'merge-base', 'main', BRANCH)).toBe(git(s.bare, 'rev-parse', 'main'));
  });

  it('opens no pull request beyond the cap on open bot pull requests', async () => {
    const s = setup();
    expectRepo(s);
    expectPulls(s, []);
    expectOpenCount(s, [{ number: 7, head: 'autopack-fix/other', body: '' }, { number: 8, head: 'autopack-fix/more', body: '' }]);
    const mark = server.state.gitRequests.length;
    const r = await pr(s, ['--max-open-prs', '2']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('2 open pull requests from autopack-fix/* already (cap: 2, --max-open-prs): not opening another. Nothing pushed.\n');
    expect(pushesSince(mark)).toBe(0);
    expect(remoteBranch(s)).toBeUndefined();
  });

  it('with nothing to fix pushes nothing, and closes its own open pull request as no longer needed', async () => {
    const clean = tempDir();
    cleanup.push(clean);
    writeFileSync(path.join(clean, 'README.md'), '# nothing to see\n');
    const s = setup(clean);
    expectRepo(s);
    expectPulls(s, []);
    const r = await pr(s);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Nothing to fix on main \([0-9a-f]{12}\): nothing pushed\.\n$/);

    apiLog.length = 0;
    const state: PrState = { version: 1, branch: BRANCH, base: 'main', baseSha: 'x', findings: 'f', fixes: 'g', commits: [] };
    expectRepo(s);
    expectPulls(s, [{ number: 3, body: `old body\n${encodeState(state)}` }]);
    on('POST', `/repos/${s.slug}/issues/3/comments`, { id: 1 });
    on('PATCH', `/repos/${s.slug}/pulls/3`, {});
    const closing = await pr(s);
    expect(closing.code).toBe(0);
    expect(apiLog.map((x) => x.method)).toEqual(['GET', 'GET', 'POST', 'PATCH']);
    expect(apiLog[3]?.body?.state).toBe('closed');
    // Marked obsolete: a later run does not take this for a human rejection.
    expect(decodeState(String(apiLog[3]?.body?.body))?.obsolete).toBe(true);
  });
});

describe('pr: security', () => {
  it('refuses to run with a token against a remote that is not GitHub, or a URL with credentials', async () => {
    const s = setup();
    for (const [url, message] of [
      ['https://gitlab.example.com/o/demo.git', 'is not a GitHub remote'],
      [s.bare, 'is not a GitHub remote'],
      [`git@gitlab.example.com:o/demo.git`, 'is not a GitHub remote'],
      [`${server.url.replace('://', '://someone:hunter2@')}/${s.slug}.git`, 'carries credentials'],
      [`https://${TOKEN}@github.com/o/demo.git`, 'carries credentials'],
    ] as const) {
      git(s.work, 'remote', 'set-url', 'origin', url);
      const mark = server.state.gitRequests.length;
      const r = await pr(s);
      expect(r.code, url).toBe(2);
      expect(r.stderr).toContain(message);
      expect(r.stderr).not.toContain('hunter2');
      expect(r.stderr).not.toContain(TOKEN);
      expect(server.state.gitRequests.length).toBe(mark);
    }
    expect(apiLog).toEqual([]);
    // A push URL elsewhere is refused too, even when the fetch URL is fine.
    git(s.work, 'remote', 'set-url', 'origin', `${server.url}/${s.slug}.git`);
    git(s.work, 'remote', 'set-url', '--push', 'origin', 'https://gitlab.example.com/o/demo.git');
    expect((await pr(s)).stderr).toContain('https://gitlab.example.com/o/demo.git is not a GitHub remote');
  });

  it('pushes only under the bot prefix, never to the default branch', async () => {
    const s = setup();
    expectRepo(s);
    const r = await pr(s, ['--branch', 'main']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('autopack-fix pr: refusing to push to main: the bot only pushes to branches under autopack-fix/\n');
    apiLog.length = 0;
    expectRepo(s);
    expect((await pr(s, ['--branch', 'feature/x'])).stderr).toContain('refusing to push to feature/x');
    apiLog.length = 0;
    expectRepo(s);
    expect((await pr(s, ['--branch-prefix', 'ma'])).stderr).toContain('the default branch main is (or is under) the bot\'s prefix ma');
    expect(() => assertBotBranch('autopack-fix/', 'autopack-fix/', 'main')).toThrow();
    expect(() => assertBotBranch('autopack-fix/x', 'autopack-fix/', 'main')).not.toThrow();
    expect(remoteBranch(s, 'main')).toBe(git(s.work, 'rev-parse', 'main'));
  });

  it('keeps the token out of every output, error and file, also when GitHub and git fail', async () => {
    const s = setup();
    // GitHub answers with an error that quotes the token back.
    on('GET', `/repos/${s.slug}`, { message: `Bad credentials: ${TOKEN} (${BASIC})` }, { status: 401 });
    const api = await pr(s);
    expect(api.code).toBe(2);
    expect(api.stderr).toContain('failed with 401: Bad credentials: *** (***)');
    // git fails: the server knows another token; git's error must not leak ours.
    const other = setup();
    const otherEnv = { ...other.env, GITHUB_TOKEN: `${TOKEN}-wrong` };
    on('GET', `/repos/${other.slug}`, { default_branch: 'main' }, { token: `${TOKEN}-wrong` });
    const gitFail = await pr(other, [], otherEnv);
    expect(gitFail.code).toBe(2);
    expect(gitFail.stderr).toContain('git ls-remote origin failed');
    for (const out of [api.stdout, api.stderr, gitFail.stdout, gitFail.stderr]) {
      expect(out).not.toContain(TOKEN);
      expect(out).not.toContain(BASIC);
    }
    // Nothing under .git holds the token or the header (config, worktrees, refs, logs).
    for (const dir of [path.join(s.work, '.git'), path.join(other.work, '.git')]) {
      for (const file of walk(dir)) {
        if (file.includes(`${path.sep}objects${path.sep}`)) continue;
        const text = readFileSync(file, 'latin1');
        expect(text.includes(TOKEN) || text.includes(BASIC), file).toBe(false);
      }
    }
    expect(new Redactor(TOKEN).redact(`x ${TOKEN} ${BASIC} https://u:p@h/x`)).toBe('x *** *** https://***@h/x');
  });

  it('asks for a token, and sends it to git only as an environment-scoped header', async () => {
    const s = setup();
    const r = await pr(s, [], { GITHUB_API_URL: API, GITHUB_SERVER_URL: server.url });
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('autopack-fix pr: no GitHub token: set GITHUB_TOKEN (or name another variable with --token-env), or use --dry-run\n');
    const remote = parseRemoteUrl(`${server.url}/o/x.git`);
    const env = authEnv(TOKEN, remote, { GIT_CONFIG_COUNT: '2' });
    expect(env).toEqual({
      GIT_CONFIG_KEY_2: `http.${server.url}/o/x.git.extraheader`,
      GIT_CONFIG_VALUE_2: '',
      GIT_CONFIG_KEY_3: `http.${server.url}/o/x.git.extraheader`,
      GIT_CONFIG_VALUE_3: `Authorization: basic ${BASIC}`,
      GIT_CONFIG_KEY_4: 'credential.helper',
      GIT_CONFIG_VALUE_4: '',
      GIT_CONFIG_COUNT: '5',
    });
    expect(authEnv(TOKEN, parseRemoteUrl('git@github.com:o/x.git'), {})).toEqual({});
    // --token-env names another variable.
    expectRepo(s);
    expectPulls(s, []);
    expectOpenCount(s, []);
    expectCreate(s);
    const named = await pr(s, ['--token-env', 'BOT_TOKEN'], { BOT_TOKEN: TOKEN, GITHUB_API_URL: API, GITHUB_SERVER_URL: server.url });
    expect(named.code).toBe(0);
  });

  it('reads remotes the way git writes them', () => {
    expect(repoFromUrl(parseRemoteUrl('git@github.com:octo/hello.git'))).toEqual({ owner: 'octo', name: 'hello' });
    expect(repoFromUrl(parseRemoteUrl('https://github.com/octo/hello'))).toEqual({ owner: 'octo', name: 'hello' });
    expect(repoFromUrl(parseRemoteUrl('ssh://git@ghe.example:2222/octo/hello.git'))).toEqual({ owner: 'octo', name: 'hello' });
    expect(remoteProblem(parseRemoteUrl('git@github.com:octo/hello.git'), {})).toBeUndefined();
    expect(remoteProblem(parseRemoteUrl('https://ghe.example/octo/hello.git'), {})).toContain('not a GitHub remote');
    expect(remoteProblem(parseRemoteUrl('https://ghe.example/octo/hello.git'), { GITHUB_API_URL: 'https://ghe.example/api/v3' })).toBeUndefined();
    expect(remoteProblem(parseRemoteUrl('https://x.ghe.com/octo/hello.git'), { GITHUB_API_URL: 'https://api.x.ghe.com' })).toBeUndefined();
    expect(remoteProblem(parseRemoteUrl('http://github.com/octo/hello.git'), {})).toContain('not a GitHub remote');
    expect(parseRemoteUrl('/srv/git/hello.git').kind).toBe('local');
    expect(parseRemoteUrl('C:/git/hello').kind).toBe('local');
  });

  it('talks to the public API when GITHUB_API_URL is not set', async () => {
    const scope = nock('https://api.github.com').get('/repos/octo/hello').reply(200, { default_branch: 'trunk' });
    const gh = await GitHub.connect({ token: TOKEN, baseUrl: 'https://api.github.com', owner: 'octo', repo: 'hello', userAgent: 't', warn: () => {} });
    expect(await gh.defaultBranch()).toBe('trunk');
    expect(scope.isDone()).toBe(true);
  });
});

describe('pr --dry-run', () => {
  it('reads AUTOPACK_FIX_CONCURRENCY as the check does, and says what is wrong with it', async () => {
    const s = setup();
    const bad = await pr(s, ['--dry-run'], { ...s.env, AUTOPACK_FIX_CONCURRENCY: 'lots' });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('AUTOPACK_FIX_CONCURRENCY: not auto, off or a number of workers from 0 to 64: lots');
    const off = await pr(s, ['--dry-run'], { ...s.env, AUTOPACK_FIX_CONCURRENCY: 'off' });
    expect(off.code, off.stderr).toBe(0);
  });

  it('prints the commits, the diff and the body, with no network call and no token', async () => {
    const s = setup();
    const mark = server.state.gitRequests.length;
    const r = await pr(s, ['--dry-run', '--label', 'x'], {});
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('note: a real run needs a GitHub token in GITHUB_TOKEN\n');
    expect(server.state.gitRequests.length).toBe(mark);
    expect(apiLog).toEqual([]);
    expect(remoteBranch(s)).toBeUndefined();
    const out = r.stdout;
    expect(out).toContain('autopack-fix pr --dry-run: nothing is pushed and no network call is made');
    expect(out).toMatch(/Would push \d+ commits to origin as refs\/heads\/autopack-fix\/fixes \(a new branch\)\./);
    expect(out).toContain('Would open (or update) a pull request against main: "fix: repository drift found by autopack-fix');
    expect(out).toContain('[labels: x]');
    const [, commitsPart = "", bodyPart = ""] = out.split(/===== (?:commits and diff that would be pushed \(changed lines only, no context\)|pull request body) =====\n/);
    expect(commitsPart).toContain('Author:    autopack-fix <autopack-fix@users.noreply.github.com>');
    expect(commitsPart).toContain('fix(compose-unknown-service): rename service `postgres` to `db`');
    expect(commitsPart).toContain('diff --git a/docker-compose.dev.yml b/docker-compose.dev.yml');
    // Changed lines only: no line above a hunk leaks through its header (issue 18, item 2).
    const headers = commitsPart.split('\n').filter((l) => l.startsWith('@@'));
    expect(headers.length).toBeGreaterThan(0);
    for (const h of headers) expect(h).toMatch(/^@@ -\d+(,\d+)? \+\d+(,\d+)? @@$/);
    expect(commitsPart).toContain('-  postgres:\n+  db:\n');
    // No context lines (an unchanged line may hold an environment value): only the fixes' own.
    let inHunk = false;
    const contextLines: string[] = [];
    for (const l of commitsPart.split('\n')) {
      if (l.startsWith('@@')) inHunk = true;
      else if (l.startsWith('commit ') || l.startsWith('diff --git')) inHunk = false;
      else if (inHunk && l.startsWith(' ')) contextLines.push(l);
    }
    expect(commitsPart).toContain('@@ ');
    expect(contextLines).toEqual([]);
    expect(bodyPart).toContain('| rule | files | safety | why |');
    const state = decodeState(bodyPart) as PrState;
    for (const sha of state.commits) expect(commitsPart).toContain(`commit ${sha}`);
    // The user's side is untouched.
    expect(git(s.work, 'status', '--porcelain')).toBe('');
    expect(git(s.work, 'branch', '--format=%(refname:short)')).toBe('main');
  });
});

describe('the built binary against a stand-in GitHub', () => {
  // A real process, end to end: the built binary talks to the stand-in over real HTTP (nock cannot see it).
  it('creates one pull request, and a second run after the base moved updates it', async () => {
    const s = setup();
    const env = { ...process.env, NO_COLOR: '1', GITHUB_TOKEN: TOKEN, GITHUB_SERVER_URL: server.url, GITHUB_API_URL: server.apiUrl };
    // Asynchronous: the stand-in answers from this very process, so its event loop must run.
    const run = (): Promise<{ status: number | null; stdout: string; stderr: string }> =>
      new Promise((resolve) => {
        const child = spawn(process.execPath, [BIN, 'pr', s.work, '--label', 'autopack-fix'], { env });
        let stdout = '';
        let stderr = '';
        child.stdout.on('data', (d: Buffer) => (stdout += d.toString('utf8')));
        child.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
        child.on('close', (status) => {
          printed += stdout + stderr;
          resolve({ status, stdout, stderr });
        });
      });
    // The binary runs in another process: nock cannot see it, the stand-in's API answers.
    const first = await run();
    expect(first.stderr).toBe('');
    expect(first.status).toBe(0);
    expect(first.stdout).toContain(`Opened PR #`);
    expect(server.pulls(s.slug).length).toBe(1);
    baseMoves(s);
    const second = await run();
    expect(second.status).toBe(0);
    expect(second.stdout).toContain('Updated PR #');
    const pulls = server.pulls(s.slug);
    expect(pulls.length).toBe(1);
    expect(decodeState(pulls[0]?.body)?.commits).toEqual(git(s.bare, 'rev-list', '--reverse', `main..${BRANCH}`).split('\n'));
    const calls = server.state.requests.filter((q) => q.path.startsWith(`/repos/${s.slug}`)).map((q) => `${q.method} ${q.path}`);
    expect(calls.filter((c) => c === `POST /repos/${s.slug}/pulls`).length).toBe(1);
    expect(calls.filter((c) => c === `PATCH /repos/${s.slug}/pulls/${pulls[0]?.number}`).length).toBe(1);
  });
});

function walk(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir)) {
    const p = path.join(dir, e);
    if (statSync(p).isDirectory()) out.push(...walk(p));
    else out.push(p);
  }
  return out;
}

describe('the example workflow', () => {
  const workflow = readFileSync(path.join(ROOT, 'examples', 'autopack-fix.yml'), 'utf8');

  // action.yml itself: tests/action.test.ts.
  it('the example workflow is valid, runs weekly and on demand with the two write permissions, and is the one the docs show', () => {
    expect(schemaErrors('github-workflow.json', workflow)).toEqual([]);
    const doc = parse(workflow) as { on: Record<string, unknown>; permissions: Record<string, string> };
    expect(Object.keys(doc.on).sort()).toEqual(['schedule', 'workflow_dispatch']);
    expect(doc.permissions).toEqual({ contents: 'write', 'pull-requests': 'write' });
    const docs = readFileSync(path.join(ROOT, 'docs', 'github-action.md'), 'utf8');
    expect(docs).toContain(`\`\`\`yaml\n${workflow}\`\`\``);
  });
});
