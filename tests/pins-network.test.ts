/**
 * `--network` for unpinned-action and unpinned-base-image (src/pins/resolve.ts, the pipeline's
 * first pass and merge): against a stand-in on 127.0.0.1 that serves GitHub's commits endpoint
 * and a registry with an anonymous token challenge. No test here reaches the real network:
 * GITHUB_API_URL and AUTOPACK_FIX_REGISTRY_URL point at the stand-in, and a test that needs an
 * unreachable service uses a port nothing listens on.
 */
import { describe, it, expect, beforeAll, afterAll, beforeEach } from 'vitest';
import http from 'node:http';
import net from 'node:net';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { gitIn, removeDir, tempDir } from './helpers/repo.js';
import { runCli } from './helpers/cli.js';
import { bearerParams, imageParts, resolvePins, type PinRequest } from '../src/pins/resolve.js';
import { pinRequests } from '../src/pins/collect.js';
import type { Finding } from '../src/model/types.js';

const TOKEN = 'ghp_SECRETtoken0123456789abcdefABCDEF0123';
const CHECKOUT = 'b4ffde65f46336ab88eb53be808477a3936bae11';
const CODEQL = '1b1aada464948af03b950897e5eb522f92603cc2';
const NODE_INDEX = `sha256:${'ab'.repeat(32)}`;
const TOOL = `sha256:${'cd'.repeat(32)}`;
const ALPINE = `sha256:${'ef'.repeat(32)}`;
const MAP_SHA = '0123456789abcdef0123456789abcdef01234567';
const NO_HEADER_BODY = '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{}}';

interface Seen {
  method: string;
  path: string;
  authorization?: string;
  accept?: string;
}

/** GitHub (`/api/repos/:o/:r/commits/:ref`) and a registry (`/v2/…`, `/token`) in one server. */
function standIn() {
  const seen: Seen[] = [];
  const state = { rateLimited: false, lastAllowed: false, hang: new Set<string>() };
  const commits: Record<string, string> = { 'actions/checkout@v4': CHECKOUT, 'github/codeql-action@v3': CODEQL };
  for (let i = 0; i < 6; i++) commits[`acme/a${i}@v1`] = `${i}`.repeat(40);
  const manifests: Record<string, { digest?: string; type: string; body: string }> = {
    'library/node:20': { digest: NODE_INDEX, type: 'application/vnd.oci.image.index.v1+json', body: '{"manifests":[]}' },
    'acme/tool:1.2': { digest: TOOL, type: 'application/vnd.docker.distribution.manifest.v2+json', body: '{}' },
    'library/alpine:3.19': { digest: ALPINE, type: 'application/vnd.docker.distribution.manifest.list.v2+json', body: '{}' },
    'library/busybox:1': { type: 'application/vnd.oci.image.manifest.v1+json', body: NO_HEADER_BODY },
  };
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    seen.push({ method: req.method ?? '', path: url.pathname + url.search, authorization: req.headers.authorization, accept: req.headers.accept });
    const gh = /^\/api\/repos\/([^/]+)\/([^/]+)\/commits\/(.+)$/.exec(url.pathname);
    if (gh) {
      if (state.rateLimited) {
        res.writeHead(403, { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': '1893456000', 'content-type': 'application/json' });
        res.end('{"message":"API rate limit exceeded"}');
        return;
      }
      const sha = commits[`${decodeURIComponent(gh[1] as string)}/${decodeURIComponent(gh[2] as string)}@${decodeURIComponent(gh[3] as string)}`];
      if (!sha || req.headers.accept !== 'application/vnd.github.sha') {
        res.writeHead(404, { 'content-type': 'application/json' });
        res.end('{"message":"Not Found"}');
        return;
      }
      res.writeHead(200, { 'content-type': 'application/vnd.github.sha', ...(state.lastAllowed ? { 'x-ratelimit-remaining': '0' } : {}) });
      res.end(sha);
      return;
    }
    if (url.pathname === '/token') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ token: `reg:${url.searchParams.get('scope')}` }));
      return;
    }
    const m = /^\/v2\/(.+)\/manifests\/([^/]+)$/.exec(url.pathname);
    if (m) {
      const name = m[1] as string;
      if (state.hang.has(name)) return;
      if (req.headers.authorization !== `Bearer reg:repository:${name}:pull`) {
        const port = (server.address() as net.AddressInfo).port;
        res.writeHead(401, { 'www-authenticate': `Bearer realm="http://127.0.0.1:${port}/token",service="registry.test",scope="repository:${name}:pull"` });
        res.end();
        return;
      }
      const manifest = manifests[`${name}:${m[2]}`];
      if (!manifest) {
        res.writeHead(404, { 'content-type': 'application/json' });
        res.end('{"errors":[{"code":"MANIFEST_UNKNOWN"}]}');
        return;
      }
      res.writeHead(200, { 'content-type': manifest.type, ...(manifest.digest ? { 'docker-content-digest': manifest.digest } : {}) });
      res.end(req.method === 'HEAD' ? undefined : manifest.body);
      return;
    }
    res.writeHead(500);
    res.end();
  });
  return { server, seen, state };
}

let stand: ReturnType<typeof standIn>;
let base = '';
let closedPort = 0;
const cleanup: string[] = [];

beforeAll(async () => {
  stand = standIn();
  await new Promise<void>((r) => stand.server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(stand.server.address() as net.AddressInfo).port}`;
  // A port that was free a moment ago: connections to it are refused.
  const probe = net.createServer();
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
  closedPort = (probe.address() as net.AddressInfo).port;
  await new Promise<void>((r) => probe.close(() => r()));
});
afterAll(async () => {
  stand.server.closeAllConnections();
  await new Promise<void>((r) => stand.server.close(() => r()));
  cleanup.forEach(removeDir);
});
beforeEach(() => {
  stand.seen.length = 0;
  stand.state.rateLimited = false;
  stand.state.lastAllowed = false;
  stand.state.hang.clear();
});

const env = (extra: Record<string, string | undefined> = {}): Record<string, string | undefined> => ({
  GITHUB_API_URL: `${base}/api`,
  AUTOPACK_FIX_REGISTRY_URL: base,
  GITHUB_TOKEN: TOKEN,
  ...extra,
});

function repo(files: Record<string, string>): string {
  const dir = tempDir();
  cleanup.push(dir);
  for (const [p, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, p)), { recursive: true });
    writeFileSync(path.join(dir, p), text);
  }
  gitIn(dir, ['init', '-q', '-b', 'main']);
  gitIn(dir, ['add', '-A']);
  gitIn(dir, ['-c', 'user.name=t', '-c', 'user.email=t@t', 'commit', '-qm', 'init']);
  return dir;
}

const WORKFLOW = [
  'on: push',
  'jobs:',
  '  build:',
  '    runs-on: ubuntu-latest',
  '    steps:',
  '      - uses: actions/checkout@v4',
  '      - uses: github/codeql-action/init@v3 # scan',
  '      - uses: docker://alpine:3.19',
  '',
].join('\n');
const DOCKERFILE = 'FROM --platform=$BUILDPLATFORM node:20 AS build\nFROM ghcr.io/acme/tool:1.2\n';
const PINS = ['--select', 'unpinned-action,unpinned-base-image'];

type JsonDoc = { findings: Array<{ file: string; message: string; skipReason?: string; fix: { description: string } | null; data?: Record<string, string> }>; diagnostics?: Array<{ message: string }> };

describe('--network', () => {
  it('pins actions (also a subpath action) and images (index digest, Docker Hub library/, the token challenge followed) with --write', async () => {
    const dir = repo({ '.github/workflows/ci.yml': WORKFLOW, Dockerfile: DOCKERFILE });
    const result = await runCli([dir, ...PINS, '--network', '--write'], { env: env() });
    expect(result.stderr).toBe('');
    expect(readFileSync(path.join(dir, '.github/workflows/ci.yml'), 'utf8')).toBe(
      WORKFLOW.replace('actions/checkout@v4', `actions/checkout@${CHECKOUT} # v4`)
        .replace('github/codeql-action/init@v3 # scan', `github/codeql-action/init@${CODEQL} # v3 # scan`)
        .replace('docker://alpine:3.19', `docker://alpine:3.19@${ALPINE}`),
    );
    expect(readFileSync(path.join(dir, 'Dockerfile'), 'utf8')).toBe(`FROM --platform=$BUILDPLATFORM node:20@${NODE_INDEX} AS build\nFROM ghcr.io/acme/tool:1.2@${TOOL}\n`);
    const paths = stand.seen.map((s) => `${s.method} ${s.path}`);
    // One request per distinct ref: the subpath action is looked up in its repository.
    expect(paths.filter((p) => p.startsWith('GET /api/')).sort()).toEqual(['GET /api/repos/actions/checkout/commits/v4', 'GET /api/repos/github/codeql-action/commits/v3']);
    // Each image: HEAD without a token (401), the anonymous token, HEAD again.
    for (const name of ['library/node', 'acme/tool', 'library/alpine']) {
      const tag = { 'library/node': '20', 'acme/tool': '1.2', 'library/alpine': '3.19' }[name];
      expect(paths.filter((p) => p === `HEAD /v2/${name}/manifests/${tag}`)).toHaveLength(2);
      expect(paths).toContain(`GET /token?service=registry.test&scope=repository%3A${name.replace('/', '%2F')}%3Apull`);
    }
    const head = stand.seen.find((s) => s.method === 'HEAD');
    expect(head?.accept).toContain('application/vnd.oci.image.index.v1+json');
    expect(head?.accept).toContain('application/vnd.docker.distribution.manifest.list.v2+json');
    // The GitHub token goes to GitHub only.
    expect(stand.seen.filter((s) => s.path.startsWith('/api/')).every((s) => s.authorization === `Bearer ${TOKEN}`)).toBe(true);
    expect(stand.seen.filter((s) => !s.path.startsWith('/api/')).some((s) => s.authorization?.includes(TOKEN))).toBe(false);
  });

  it('says in the finding that the pin was looked up, where and when; the fix is safe', async () => {
    const dir = repo({ '.github/workflows/ci.yml': WORKFLOW, Dockerfile: DOCKERFILE });
    const result = await runCli([dir, ...PINS, '--network', '--format', 'json'], { env: env() });
    const doc = JSON.parse(result.stdout) as JsonDoc;
    const checkout = doc.findings.find((f) => f.message.includes('actions/checkout@v4'));
    expect(checkout?.fix?.description).toBe(`pin \`actions/checkout@v4\` to commit ${CHECKOUT.slice(0, 12)}… looked up in the GitHub API (the tag kept as a comment)`);
    expect(checkout?.message).toMatch(/\(the pin is what `v4` pointed to at \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ, from the GitHub API\)$/);
    const node = doc.findings.find((f) => f.file === 'Dockerfile' && f.message.includes('node:20'));
    expect(node?.fix?.description).toBe('pin `node:20` to the digest looked up in registry registry-1.docker.io (the tag kept)');
    expect(node?.message).toMatch(/from registry registry-1\.docker\.io\)$/);
    expect((doc.findings as unknown as Array<{ fix: { safety: string } }>).map((f) => f.fix.safety)).toEqual(['safe', 'safe', 'safe', 'safe', 'safe']);
  });

  it('makes no request without --network', async () => {
    const dir = repo({ '.github/workflows/ci.yml': WORKFLOW, Dockerfile: DOCKERFILE });
    const result = await runCli([dir, ...PINS, '--format', 'json'], { env: env() });
    const doc = JSON.parse(result.stdout) as JsonDoc;
    expect(doc.findings.map((f) => f.skipReason)).toEqual(Array(5).fill('needs-pin-map'));
    expect(stand.seen).toEqual([]);
  });

  it("the user's pin map wins: its refs are not looked up, and its pins are written", async () => {
    const dir = repo({ '.github/workflows/ci.yml': WORKFLOW, Dockerfile: DOCKERFILE });
    const map = path.join(dir, '..', `${path.basename(dir)}-pins.json`);
    cleanup.push(map);
    writeFileSync(map, JSON.stringify({ 'Actions/Checkout@v4': MAP_SHA }));
    const result = await runCli([dir, ...PINS, '--network', '--pin-map', map, '--format', 'json'], { env: env() });
    const doc = JSON.parse(result.stdout) as JsonDoc;
    const checkout = doc.findings.find((f) => f.message.includes('actions/checkout@v4'));
    expect(checkout?.fix?.description).toBe(`pin \`actions/checkout@v4\` to commit ${MAP_SHA.slice(0, 12)}… of the pin map (the tag kept as a comment)`);
    expect(checkout?.data?.lookup).toBe('');
    expect(stand.seen.some((s) => s.path.includes('/actions/checkout/'))).toBe(false);
    expect(stand.seen.some((s) => s.path.includes('/github/codeql-action/'))).toBe(true);
  });

  it('an unknown ref (404) stays report-only: skip reason lookup-failed, and a note naming the ref on stderr', async () => {
    const dir = repo({ '.github/workflows/ci.yml': WORKFLOW.replace('actions/checkout@v4', 'actions/nope@v1'), Dockerfile: 'FROM node:404\n' });
    const result = await runCli([dir, ...PINS, '--network', '--format', 'json'], { env: env() });
    const doc = JSON.parse(result.stdout) as JsonDoc;
    const nope = doc.findings.find((f) => f.message.includes('actions/nope@v1'));
    expect(nope?.fix).toBeNull();
    expect(nope?.skipReason).toBe('lookup-failed');
    expect(nope?.message).toContain('(no fix: the --network lookup failed: HTTP 404: the API knows no repository `actions/nope` or no ref `v1` in it)');
    const image = doc.findings.find((f) => f.file === 'Dockerfile');
    expect(image?.skipReason).toBe('lookup-failed');
    expect(image?.message).toContain('HTTP 404: registry-1.docker.io has no image `library/node` with tag `404`');
    expect(result.stderr).toContain('note: .github/workflows/ci.yml: --network: `actions/nope@v1` is not pinned: HTTP 404');
    expect(result.stderr).toContain('note: Dockerfile: --network: `node:404` is not pinned: HTTP 404');
    // The others are still pinned.
    expect(doc.findings.filter((f) => f.fix).length).toBe(2);
  });

  it('a registry that is down leaves the images report-only; the actions are still pinned', async () => {
    const dir = repo({ '.github/workflows/ci.yml': WORKFLOW, Dockerfile: DOCKERFILE });
    const result = await runCli([dir, ...PINS, '--network', '--format', 'json'], { env: env({ AUTOPACK_FIX_REGISTRY_URL: `http://127.0.0.1:${closedPort}` }) });
    expect(result.code).toBe(0);
    const doc = JSON.parse(result.stdout) as JsonDoc;
    expect(doc.findings.map((f) => [f.file, f.skipReason ?? 'fix'])).toEqual([
      ['.github/workflows/ci.yml', 'fix'],
      ['.github/workflows/ci.yml', 'fix'],
      ['.github/workflows/ci.yml', 'lookup-failed'],
      ['Dockerfile', 'lookup-failed'],
      ['Dockerfile', 'lookup-failed'],
    ]);
    for (const f of doc.findings.slice(2)) expect(f.message).toMatch(/the --network lookup failed: (not looked up: )?connection refused\)$/);
    // One note for the registry: the first image that found it down, and that the rest is not tried.
    expect(result.stderr.match(/note: /g)).toHaveLength(1);
    expect(result.stderr).toMatch(/is not pinned: connection refused; no further image of http:\/\/127\.0\.0\.1:\d+ is looked up this run/);
  });

  it('a rate limit stops the GitHub lookups with one note; the findings say why', async () => {
    const steps = Array.from({ length: 6 }, (_, i) => `      - uses: acme/a${i}@v1`).join('\n');
    const dir = repo({ '.github/workflows/ci.yml': `on: push\njobs:\n  b:\n    runs-on: x\n    steps:\n${steps}\n` });
    stand.state.rateLimited = true;
    const result = await runCli([dir, ...PINS, '--network', '--format', 'json'], { env: env() });
    const doc = JSON.parse(result.stdout) as JsonDoc;
    expect(doc.findings.map((f) => f.skipReason)).toEqual(Array(6).fill('lookup-failed'));
    expect(doc.findings[5]?.message).toMatch(/rate limit is reached \(it lifts at 2030-01-01T00:00:00Z\)/);
    // At most the four already under way when the first answer came; not one per ref.
    expect(stand.seen.length).toBeLessThanOrEqual(4);
    expect(result.stderr.match(/rate limit/g)).toHaveLength(1);
  });

  it('the GitHub token never shows in stdout, stderr, JSON or the diff', async () => {
    const dir = repo({ '.github/workflows/ci.yml': WORKFLOW.replace('actions/checkout@v4', 'actions/nope@v1'), Dockerfile: DOCKERFILE });
    for (const format of ['text', 'json', 'diff', 'sarif', 'github']) {
      const args = format === 'diff' ? ['--dry-run'] : ['--format', format];
      const result = await runCli([dir, ...PINS, '--network', '--verbose', ...args], { env: env() });
      expect(result.stdout.length).toBeGreaterThan(0);
      expect(result.stdout + result.stderr).not.toContain(TOKEN);
      expect(result.stdout + result.stderr).not.toContain(TOKEN.slice(4, 20));
    }
    // It was sent, to the API only.
    expect(stand.seen.some((s) => s.authorization === `Bearer ${TOKEN}`)).toBe(true);
  });

  it('--write --branch commits the looked-up pins', async () => {
    const dir = repo({ '.github/workflows/ci.yml': WORKFLOW, Dockerfile: DOCKERFILE });
    const result = await runCli([dir, ...PINS, '--network', '--write', '--branch', 'pins'], { env: env() });
    expect(result.code).toBe(0);
    expect(gitIn(dir, ['show', 'pins:Dockerfile'])).toContain(`node:20@${NODE_INDEX} AS build`);
    expect(gitIn(dir, ['show', 'pins:.github/workflows/ci.yml'])).toContain(`actions/checkout@${CHECKOUT} # v4`);
    expect(gitIn(dir, ['log', '-1', '--format=%B', 'pins'])).not.toContain(TOKEN);
  });

  it('pr --dry-run --network: the diff pins from the lookup, the token shows nowhere, the failed ref is a note', async () => {
    const dir = repo({ '.github/workflows/ci.yml': WORKFLOW.replace('actions/checkout@v4', 'actions/nope@v1'), Dockerfile: DOCKERFILE });
    const bare = tempDir();
    cleanup.push(bare);
    gitIn(bare, ['init', '-q', '--bare', '-b', 'main']);
    gitIn(dir, ['remote', 'add', 'origin', bare]);
    gitIn(dir, ['push', '-q', 'origin', 'main']);
    gitIn(dir, ['fetch', '-q', 'origin']);
    const result = await runCli(['pr', dir, '--dry-run', '--repo', 'o/r', ...PINS, '--network'], { env: env() });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('no network call is made (but the pin lookups of --network)');
    expect(result.stdout).toContain(`+FROM --platform=$BUILDPLATFORM node:20@${NODE_INDEX} AS build`);
    expect(result.stdout).toContain(`github/codeql-action/init@${CODEQL} # v3 # scan`);
    expect(result.stderr).toContain('`actions/nope@v1` is not pinned: HTTP 404');
    expect(result.stdout + result.stderr).not.toContain(TOKEN);
    expect(stand.seen.filter((s) => s.path.startsWith('/api/')).every((s) => s.authorization === `Bearer ${TOKEN}`)).toBe(true);
  });

  it('--save-pin-map writes the map file and the looked-up pins in the --pin-map format, which a later run reads without a lookup', async () => {
    const dir = repo({ '.github/workflows/ci.yml': WORKFLOW, Dockerfile: DOCKERFILE });
    const given = path.join(dir, '..', `${path.basename(dir)}-given.json`);
    const saved = path.join(dir, '..', `${path.basename(dir)}-saved.json`);
    cleanup.push(given, saved);
    writeFileSync(given, JSON.stringify({ 'actions/checkout@v4': MAP_SHA }));
    const first = await runCli([dir, ...PINS, '--network', '--pin-map', given, '--save-pin-map', saved, '--write'], { env: env() });
    expect(first.code).toBe(0);
    expect(first.stderr).toContain('note: wrote 5 pins to');
    expect(JSON.parse(readFileSync(saved, 'utf8'))).toEqual({
      actions: { 'actions/checkout@v4': MAP_SHA, 'github/codeql-action/init@v3': CODEQL },
      images: { 'docker.io/library/alpine:3.19': ALPINE, 'docker.io/library/node:20': NODE_INDEX, 'ghcr.io/acme/tool:1.2': TOOL },
    });
    const other = repo({ '.github/workflows/ci.yml': WORKFLOW, Dockerfile: DOCKERFILE });
    stand.seen.length = 0;
    const again = await runCli([other, ...PINS, '--pin-map', saved, '--write'], { env: env() });
    expect(again.stderr).toBe('');
    expect(readFileSync(path.join(other, 'Dockerfile'), 'utf8')).toContain(`node:20@${NODE_INDEX} AS build`);
    expect(stand.seen).toEqual([]);
    const usage = await runCli([dir, ...PINS, '--save-pin-map', saved]);
    expect([usage.code, usage.stderr]).toEqual([2, 'autopack-fix: --save-pin-map writes what --network looked up; add --network\n']);
  });

  it('without GITHUB_TOKEN the API is asked anonymously', async () => {
    const dir = repo({ '.github/workflows/ci.yml': WORKFLOW });
    await runCli([dir, '--select', 'unpinned-action', '--network', '--format', 'json'], { env: env({ GITHUB_TOKEN: undefined }) });
    expect(stand.seen.filter((s) => s.path.startsWith('/api/')).map((s) => s.authorization)).toEqual([undefined, undefined]);
  });
});

describe('resolvePins', () => {
  const opts = (extra: Partial<Parameters<typeof resolvePins>[1]> = {}): Parameters<typeof resolvePins>[1] => ({ env: env() as NodeJS.ProcessEnv, ...extra });

  it('a registry that does not answer times out, and the ref is reported as such', async () => {
    stand.state.hang.add('library/node');
    const r = await resolvePins([{ kind: 'images', image: 'node:20', file: 'Dockerfile' }], opts({ timeoutMs: 300 }));
    expect(r.map.images).toEqual({});
    expect(r.lookup.failed.images['docker.io/library/node:20']).toMatch(/^timeout: no answer in 300 ms$/);
    expect(r.notes.map((n) => n.message)).toEqual([`--network: \`node:20\` is not pinned: timeout: no answer in 300 ms; no further image of ${base} is looked up this run`]);
  });

  it('without Docker-Content-Digest, hashes the manifest a GET serves', async () => {
    const r = await resolvePins([{ kind: 'images', image: 'busybox:1', file: 'Dockerfile' }], opts());
    expect(r.map.images['docker.io/library/busybox:1']).toBe(`sha256:${createHash('sha256').update(NO_HEADER_BODY).digest('hex')}`);
    expect(stand.seen.map((s) => `${s.method} ${s.path}`)).toContain('GET /v2/library/busybox/manifests/1');
  });

  it('one request per distinct ref, and a rate limit stops the rest (one at a time: exactly one request)', async () => {
    const requests: PinRequest[] = [
      { kind: 'actions', name: 'actions/checkout', ref: 'v4', file: 'a.yml' },
      { kind: 'actions', name: 'Actions/Checkout', ref: 'v4', file: 'b.yml' },
    ];
    const once = await resolvePins(requests, opts());
    expect(once.requests).toBe(1);
    expect(once.map.actions).toEqual({ 'actions/checkout@v4': CHECKOUT });
    stand.seen.length = 0;
    stand.state.rateLimited = true;
    const many = Array.from({ length: 5 }, (_, i): PinRequest => ({ kind: 'actions', name: `acme/a${i}`, ref: 'v1', file: 'c.yml' }));
    const limited = await resolvePins(many, opts({ concurrency: 1 }));
    expect(stand.seen).toHaveLength(1);
    expect(Object.keys(limited.lookup.failed.actions)).toHaveLength(5);
    expect(limited.lookup.failed.actions['acme/a4@v1']).toMatch(/^not looked up: HTTP 403: the GitHub API rate limit is reached/);
    expect(limited.notes).toHaveLength(1);
  });

  it('an answer that uses up the limit is kept, and no further request is made', async () => {
    stand.state.lastAllowed = true;
    const r = await resolvePins(
      [
        { kind: 'actions', name: 'acme/a0', ref: 'v1', file: 'c.yml' },
        { kind: 'actions', name: 'acme/a1', ref: 'v1', file: 'c.yml' },
      ],
      opts({ concurrency: 1 }),
    );
    expect(r.map.actions).toEqual({ 'acme/a0@v1': '0'.repeat(40) });
    expect(r.lookup.failed.actions['acme/a1@v1']).toBe('not looked up: the GitHub API rate limit is used up');
    expect(stand.seen).toHaveLength(1);
  });

  it('a registry that cannot be reached is tried once, not once per image', async () => {
    let calls = 0;
    const refused = async (): Promise<Response> => {
      calls++;
      throw Object.assign(new TypeError('fetch failed'), { cause: { code: 'ECONNREFUSED' } });
    };
    const images = ['node:20', 'alpine:3.19', 'busybox:1'].map((image): PinRequest => ({ kind: 'images', image, file: 'Dockerfile' }));
    const r = await resolvePins(images, { env: { AUTOPACK_FIX_REGISTRY_URL: undefined }, fetch: refused as typeof fetch, concurrency: 1 });
    expect(calls).toBe(1);
    expect(r.lookup.failed.images).toEqual({
      'docker.io/library/node:20': 'connection refused',
      'docker.io/library/alpine:3.19': 'not looked up: connection refused',
      'docker.io/library/busybox:1': 'not looked up: connection refused',
    });
    expect(r.notes.map((n) => n.message)).toEqual(['--network: `node:20` is not pinned: connection refused; no further image of registry-1.docker.io is looked up this run']);
  });

  it('DNS failures and refusals are named', async () => {
    const r = await resolvePins([{ kind: 'actions', name: 'a/b', ref: 'v1', file: 'x' }], { env: { GITHUB_API_URL: `http://127.0.0.1:${closedPort}` }, fetch: async () => Promise.reject(Object.assign(new TypeError('fetch failed'), { cause: { code: 'ENOTFOUND' } })) });
    expect(r.lookup.failed.actions['a/b@v1']).toBe('DNS: the host is not found (ENOTFOUND)');
  });
});

describe('image names and challenges', () => {
  it('resolves names the way Docker does', () => {
    expect(imageParts('node')).toEqual({ host: 'registry-1.docker.io', name: 'library/node', tag: 'latest' });
    expect(imageParts('docker.io/bitnami/redis:7.2')).toEqual({ host: 'registry-1.docker.io', name: 'bitnami/redis', tag: '7.2' });
    expect(imageParts('ghcr.io/acme/tool:1.2')).toEqual({ host: 'ghcr.io', name: 'acme/tool', tag: '1.2' });
    expect(imageParts('mcr.microsoft.com/dotnet/sdk:8.0')).toEqual({ host: 'mcr.microsoft.com', name: 'dotnet/sdk', tag: '8.0' });
    expect(imageParts('localhost:5000/app:dev')).toEqual({ host: 'localhost:5000', name: 'app', tag: 'dev' });
    expect(imageParts('quay.io/prometheus/node-exporter:v1.8.0')).toEqual({ host: 'quay.io', name: 'prometheus/node-exporter', tag: 'v1.8.0' });
  });

  it('reads a Bearer challenge', () => {
    expect(bearerParams('Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/node:pull"')).toEqual({
      realm: 'https://auth.docker.io/token',
      service: 'registry.docker.io',
      scope: 'repository:library/node:pull',
    });
    expect(bearerParams('Basic realm="x"')).toBeUndefined();
  });

  it('collects the refs the rules could not pin, and not those with a refused map entry', () => {
    const f = (over: Partial<Finding>): Finding => ({ ruleId: 'unpinned-action', seedIds: [], severity: 'info', file: 'w.yml', line: 1, column: 1, message: '', key: 'k', fix: null, ...over }) as Finding;
    expect(
      pinRequests([
        f({ skipReason: 'needs-pin-map', messageId: 'tag', data: { uses: 'actions/checkout@v4', ref: 'v4' } }),
        f({ skipReason: 'needs-pin-map', messageId: 'dockerTag', data: { uses: 'docker://alpine:3.19', ref: '' } }),
        f({ skipReason: 'needs-pin-map', messageId: 'refusedEntry', data: { uses: 'actions/cache@v4' } }),
        f({ skipReason: 'changes-behaviour', messageId: 'viaArg', data: { image: 'node:20' } }),
        f({ ruleId: 'unpinned-base-image', file: 'Dockerfile', skipReason: 'needs-pin-map', messageId: 'unpinned', data: { image: 'node:20' } }),
      ]),
    ).toEqual([
      { kind: 'actions', name: 'actions/checkout', ref: 'v4', file: 'w.yml' },
      { kind: 'images', image: 'alpine:3.19', file: 'w.yml' },
      { kind: 'images', image: 'node:20', file: 'Dockerfile' },
    ]);
  });
});
