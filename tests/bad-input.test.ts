/**
 * Bad input, through the CLI (in process: tests/helpers/cli.ts) on temporary repositories:
 * malformed files of every format the rules read, undecodable and oversized files, hostile
 * symlinks, odd path names, YAML bombs and deep nesting, and roots that are not repositories. The
 * run must name the problem (file and line where the format gives one), carry on with every
 * other file, and keep the documented exit codes (never 2 for bad content).
 */
import { describe, it, expect, afterAll, beforeAll } from 'vitest';
import { writeFileSync, readFileSync, symlinkSync, mkdirSync, cpSync, existsSync, rmSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { createServer, type Server } from 'node:net';
import path from 'node:path';
import { ROOT, repoFrom, readTree, treeDifferences, gitIn, removeDir, tempDir } from './helpers/repo.js';
import { runCli, type CliResult } from './helpers/cli.js';

const DEMO = path.join(ROOT, 'fixtures', 'demo');
const cleanup: string[] = [];
afterAll(() => cleanup.forEach(removeDir));

function write(dir: string, rel: string, content: string | Buffer): void {
  mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
  writeFileSync(path.join(dir, rel), content);
}

/** The demo repository plus extra files, committed. */
function repoWith(extra: (dir: string) => void): string {
  const dir = tempDir();
  cleanup.push(dir);
  cpSync(DEMO, dir, { recursive: true });
  extra(dir);
  gitIn(dir, ['init', '-q', '-b', 'main']);
  gitIn(dir, ['config', 'core.autocrlf', 'false']);
  gitIn(dir, ['add', '-A']);
  gitIn(dir, ['commit', '-q', '-m', 'fixture']);
  return dir;
}

/** A finding of the demo repository that must survive whatever else is broken. */
const DEMO_FINDING = /docker-compose\.dev\.yml[\s\S]*compose-undeclared-volume/;

describe('malformed files of each format', () => {
  const repo = repoWith((dir) => {
    write(dir, 'svc/docker-compose.yml', 'services:\n  web:\n    image: nginx\n    ports: [80:80\n  db: {\n');
    write(dir, 'svc/Dockerfile', '# comment\nRUN echo before any FROM\nFROM python:3.12\n');
    write(dir, 'docs/BROKEN_INDEX.json', '{\n  "commands": [\n    "make up",,\n  ]\n');
    write(dir, 'svc/pyproject.toml', '[project]\nname = "svc"\n[project\ndependencies = ["x"]\n');
    write(dir, 'docs/BROKEN.md', '# Title\n\n```sh\nunclosed fence\n<div>\n[link](\n> > > > quote\n');
    // A module that builds an app: the docs rules look for apps there, so they rely on it.
    write(dir, 'svc/broken.py', 'from fastapi import FastAPI\n\ndef f(:\n    return 1\n\napp = FastAPI()\n');
  });
  let r: CliResult;
  beforeAll(async () => {
    r = await runCli([repo]);
  });

  it('names each file with line and column where the format gives one', () => {
    expect(r.stderr).toMatch(/could not parse svc\/docker-compose\.yml at \d+:\d+: /);
    expect(r.stderr).toContain('could not parse svc/Dockerfile at 2:1: RUN before the first FROM');
    expect(r.stderr).toMatch(/could not parse docs\/BROKEN_INDEX\.json at 3:\d+: /);
    expect(r.stderr).toMatch(/could not parse svc\/pyproject\.toml at 3:\d+: /);
    expect(r.stderr).toMatch(/could not parse svc\/broken\.py at 3:\d+: /);
    // Markdown has no syntax errors: a broken page is read as well as it can be, without a crash.
    expect(r.stderr).not.toMatch(/failed|BROKEN\.md/);
  });

  it('goes on with every other file and rule, and does not exit 2', () => {
    expect(r.stdout).toMatch(DEMO_FINDING);
    expect(r.stdout).toContain('redaction-key-normalization');
    expect(r.code).toBe(1);
  });

  it('--write still fixes the rest and leaves the broken files byte for byte', async () => {
    const before = readTree(repo);
    const w = await runCli([repo, '--write']);
    expect(w.code).not.toBe(2);
    expect(w.stdout).toMatch(/Wrote \d+ files?: /);
    const after = readTree(repo);
    for (const p of ['svc/docker-compose.yml', 'svc/Dockerfile', 'docs/BROKEN_INDEX.json', 'svc/pyproject.toml', 'docs/BROKEN.md', 'svc/broken.py']) {
      expect(after.get(p)?.equals(before.get(p) as Buffer), p).toBe(true);
    }
  });
});

describe('files valid for the tool that owns them', () => {
  const repo = repoWith((dir) => {
    write(dir, 'tsconfig.json', '{\n  // app settings\n  "extends": "@acme/tsconfig/base.json",\n  "include": ["src",],\n}\n');
    write(dir, 'packages/tsconfig/package.json', '{ "name": "@acme/tsconfig", "private": true }\n');
    write(dir, 'packages/tsconfig/base.json', '{\n  "compilerOptions": { "strict": true, },\n}\n');
    write(dir, '.vscode/settings.json', '{\n  // editor\n  "editor.formatOnSave": true,\n}\n');
    write(dir, 'examples/vscode/launch.json', '{\n  // copy to .vscode/\n  "configurations": [],\n}\n');
    write(dir, '.devcontainer/devcontainer.json', '{\n  // dev image\n  "image": "mcr.microsoft.com/devcontainers/python:3.12",\n}\n');
    write(dir, 'turbo.json', '{\n  // cache\n  "tasks": {}\n}\n');
    write(dir, 'charts/app/Chart.yaml', 'apiVersion: v2\nname: app\nversion: 0.1.0\n');
    write(dir, 'charts/app/templates/service.yaml', '{{- if .Values.service.enabled }}\nkind: Service\nmetadata:\n  name: {{ include "app.fullname" . }}\n{{- end }}\n');
    write(dir, 'deploy/k8s.yaml', 'kind: Service\nmetadata:\n  name: app\n---\nkind: Deployment\nmetadata:\n  name: app\n');
    write(dir, 'tests/data/empty.json', '');
    write(dir, 'tests/scans/tool/findings.json', '{"id": 1}\n{"id": 2}\n');
    write(dir, 'tests/scans/tool/truncated.json', '{\n  "results": [\n');
    write(dir, 'sdk/template/client/__init__.py', 'from client.{{ version }}.api import Client\n');
    write(dir, 'svc/docker-compose.yml', 'services:\n  web:\n    image: nginx\n    ports: [80:80\n');
  });

  it('are not named by any rule; a broken compose file still is', async () => {
    const r = await runCli([repo]);
    expect(r.stderr.split('\n').filter((l) => l.includes('could not parse'))).toEqual([expect.stringMatching(/^warning: could not parse svc\/docker-compose\.yml at 5:1: /)]);
    expect(r.stdout).toMatch(DEMO_FINDING);
    expect(r.code).toBe(1);
  });
});

describe('files that are not editable text', () => {
  const cap = 64 * 1024;
  const repo = repoWith((dir) => {
    const random = Buffer.alloc(4096);
    for (let i = 0; i < random.length; i++) random[i] = (i * 7919 + 13) % 256;
    write(dir, 'docs/image.md', random);
    write(dir, 'bad/latin1.yml', Buffer.from('name: caf\xe9\n', 'latin1'));
    write(dir, 'bad/nul.yml', Buffer.from('a: 1\0\nb: 2\n'));
    write(dir, 'docs/huge-line.md', 'x'.repeat(5 * 1024 * 1024));
    write(dir, 'docs/over-cap.md', `# big\n\n${'word '.repeat(cap / 4)}\n`);
  });

  it('skips binary, non-UTF-8, NUL-holding and oversized files with a note', async () => {
    // One note for them all by default; --verbose names each (tests/cli-basics.test.ts).
    expect((await runCli([repo])).stderr).toMatch(/^note: \d+ files skipped \(\d+ not UTF-8, \d+ binary, \d+ over the size cap\); --verbose lists them$/m);
    const r = await runCli([repo, '--verbose']);
    expect(r.stderr).toContain('docs/image.md: skipped: binary file (contains NUL bytes)');
    expect(r.stderr).toContain('bad/latin1.yml: skipped: not valid UTF-8');
    expect(r.stderr).toContain('bad/nul.yml: skipped: binary file (contains NUL bytes)');
    expect(r.stderr).toMatch(/docs\/huge-line\.md: skipped: larger than the size cap \(4194304 bytes\)/);
    expect(r.stdout).toMatch(DEMO_FINDING);
    expect(r.code).toBe(1);
  });

  it('honours --max-file-size', async () => {
    const r = await runCli([repo, '--max-file-size', String(cap), '--verbose']);
    expect(r.stderr).toContain(`docs/over-cap.md: skipped: larger than the size cap (${cap} bytes)`);
    expect(r.stdout).toMatch(DEMO_FINDING);
    expect(r.code).toBe(1);
  });
});

describe('symlinks', () => {
  const outside = tempDir();
  cleanup.push(outside);
  write(outside, 'docker-compose.dev.yml', 'services:\n  x:\n    volumes:\n      - outside_vol:/d\n');
  write(outside, 'README.md', 'See [missing](nope/README.md).\n');
  const repo = repoWith((dir) => {
    symlinkSync('loop-b.yml', path.join(dir, 'loop-a.yml'));
    symlinkSync('loop-a.yml', path.join(dir, 'loop-b.yml'));
    symlinkSync(path.join(outside, 'docker-compose.dev.yml'), path.join(dir, 'docker-compose.override.yml'));
    symlinkSync(path.join(outside, 'README.md'), path.join(dir, 'docs', 'OUTSIDE.md'));
    symlinkSync(outside, path.join(dir, 'outside-dir'));
    symlinkSync('docs', path.join(dir, 'docs-link'));
  });

  it('never follows a link out of the root or around a loop, and says so', async () => {
    const r = await runCli([repo, '--verbose']);
    expect(r.stderr).toContain('loop-a.yml: skipped: symbolic link loop');
    expect(r.stderr).toContain('docker-compose.override.yml: skipped: symbolic link points outside the root');
    expect(r.stdout).not.toContain('outside_vol');
    expect(r.stdout).toMatch(DEMO_FINDING);
    expect(r.code).toBe(1);
  });

  it('never writes through a link', async () => {
    const before = readTree(outside);
    const w = await runCli([repo, '--write']);
    expect(w.code).not.toBe(2);
    expect(treeDifferences(readTree(outside), before)).toEqual([]);
    // The links are still links to where they pointed.
    gitIn(repo, ['diff', '--quiet', '--', 'loop-a.yml', 'loop-b.yml', 'docker-compose.override.yml', 'docs/OUTSIDE.md', 'outside-dir', 'docs-link']);
  });
});

describe('special files: FIFOs, sockets, devices, dangling links, and links to each (issue 18)', () => {
  // Devices need CAP_MKNOD (root); the rest is made by any user.
  const AS_ROOT = process.getuid?.() === 0;
  let repo: string;
  let server: Server | undefined;
  beforeAll(async () => {
    repo = repoWith((dir) => {
      write(dir, 'tracked.yml', 'services: {}\n');
      mkdirSync(path.join(dir, 'special'));
      execFileSync('mkfifo', [path.join(dir, 'special', 'fifo')]);
      if (AS_ROOT) {
        execFileSync('mknod', [path.join(dir, 'special', 'chr'), 'c', '1', '3']);
        execFileSync('mknod', [path.join(dir, 'special', 'blk'), 'b', '7', '0']);
      }
      symlinkSync('special/fifo', path.join(dir, 'link-to-fifo.yml'));
      symlinkSync('link-to-fifo.yml', path.join(dir, 'link-to-link-to-fifo.yml'));
      symlinkSync('special/sock', path.join(dir, 'link-to-socket.yml'));
      symlinkSync('special/chr', path.join(dir, 'link-to-chr.md'));
      symlinkSync('special/blk', path.join(dir, 'link-to-blk.md'));
      symlinkSync('special/nothing-here', path.join(dir, 'dangling.yml'));
      symlinkSync('dangling.yml', path.join(dir, 'link-to-dangling.yml'));
      symlinkSync('special', path.join(dir, 'link-to-dir.yml'));
    });
    // Committed as a file, then replaced by a FIFO in the work tree (git lists it; it is no file now).
    rmSync(path.join(repo, 'tracked.yml'));
    execFileSync('mkfifo', [path.join(repo, 'tracked.yml')]);
    const listening = createServer();
    server = listening;
    await new Promise<void>((resolve) => listening.listen(path.join(repo, 'special', 'sock'), resolve));
  });
  afterAll(() => server?.close());

  it('each is named for what it is, never opened, and the run goes on', async () => {
    const r = await runCli([repo, '--verbose']);
    const notes = r.stderr.split('\n').filter((l) => l.startsWith('note: ') && l.includes('skipped:')).sort();
    const expected = [
      'note: dangling.yml: skipped: broken symbolic link',
      'note: link-to-dangling.yml: skipped: broken symbolic link',
      'note: link-to-dir.yml: skipped: symbolic link to a directory',
      'note: link-to-fifo.yml: skipped: symbolic link to a FIFO (named pipe)',
      'note: link-to-link-to-fifo.yml: skipped: symbolic link to a FIFO (named pipe)',
      'note: link-to-socket.yml: skipped: symbolic link to a socket',
      'note: tracked.yml: skipped: a FIFO (named pipe), not a regular file',
      ...(AS_ROOT ? ['note: link-to-blk.md: skipped: symbolic link to a block device', 'note: link-to-chr.md: skipped: symbolic link to a character device'] : []),
    ].sort();
    // Without mknod the device links dangle: named as broken links.
    const dangling = AS_ROOT ? [] : ['note: link-to-blk.md: skipped: broken symbolic link', 'note: link-to-chr.md: skipped: broken symbolic link'];
    expect(notes).toEqual([...expected, ...dangling].sort());
    expect(r.stdout).toMatch(DEMO_FINDING);
    expect(r.code).toBe(1);
  });

  it('summarised in one note without --verbose', async () => {
    const r = await runCli([repo]);
    const summary = r.stderr.split('\n').filter((l) => l.includes('files skipped'));
    // Reasons in the order of their first file (paths sorted).
    expect(summary).toEqual([
      AS_ROOT
        ? 'note: 9 files skipped (2 broken links, 5 links to special files, 1 links to folders, 1 not regular files); --verbose lists them'
        : 'note: 9 files skipped (4 broken links, 1 links to folders, 3 links to special files, 1 not regular files); --verbose lists them',
    ]);
  });
});

describe('path names with spaces, unicode and leading dashes', () => {
  const repo = repoWith((dir) => {
    const sub = path.join(dir, '-x y ü');
    mkdirSync(sub, { recursive: true });
    write(sub, 'docker-compose.yml', 'services:\n  db:\n    image: postgres:16\n');
    write(sub, 'docker-compose.dev.yml', 'services:\n  db:\n    volumes:\n      - pg data:/var/lib/postgresql/data\n      - pgdata:/x\n');
    // A Dockerfile (dependabot-coverage relies on every one) whose name starts with a dash.
    write(dir, '-weird.dockerfile', 'RUN echo before any FROM\nFROM python:3.12\n');
  });

  it('reports, fixes, and the --dry-run diff applies with git apply', async () => {
    const r = await runCli([repo, '--dry-run', '--rule', 'compose-undeclared-volume']);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('-x y ü/docker-compose.dev.yml');
    const d = await runCli([repo, '--format', 'diff', '--rule', 'compose-undeclared-volume']);
    expect(d.stdout).toContain('-x y ü/docker-compose.dev.yml');
    gitIn(repo, ['apply', '--check', '-'], d.stdout);
    gitIn(repo, ['apply', '-'], d.stdout);
    const fixed = readFileSync(path.join(repo, '-x y ü', 'docker-compose.dev.yml'), 'utf8');
    expect(fixed).toMatch(/\nvolumes:\n[\s\S]*pgdata:/);
    gitIn(repo, ['checkout', '--', '.']);
  });

  it('--write writes the same bytes the diff describes', async () => {
    const d = await runCli([repo, '--format', 'diff', '--rule', 'compose-undeclared-volume']);
    gitIn(repo, ['apply', '-'], d.stdout);
    const viaDiff = readTree(repo);
    gitIn(repo, ['checkout', '--', '.']);
    const w = await runCli([repo, '--write', '--rule', 'compose-undeclared-volume']);
    expect(w.code).not.toBe(2);
    expect(treeDifferences(readTree(repo), viaDiff)).toEqual([]);
  });

  it('a leading-dash file is a file, not an option', async () => {
    const r = await runCli([repo]);
    expect(r.stderr).not.toContain('unknown option');
    expect(r.stderr).toMatch(/could not parse -weird\.dockerfile at 1:1: RUN before the first FROM/);
  });
});

describe('hostile content', () => {
  const repo = tempDir();
  cleanup.push(repo);
  const laughs = ['x-lol:', '  a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
  for (let i = 1; i < 10; i++) laughs.push(`  a${i}: &a${i} [${Array(9).fill(`*a${i - 1}`).join(', ')}]`);
  write(repo, 'docker-compose.yml', `${laughs.join('\n')}\nservices:\n  web:\n    image: nginx\n    environment:\n      BOMB: *a9\n    volumes:\n      - data:/d\n`);
  const n = 10_000;
  write(repo, 'docker-compose.override.yml', `services:\n  web:\n    labels:\n      deep: ${'['.repeat(n)}${']'.repeat(n)}\n`);
  write(repo, 'docs/INDEX.json', `${'{"a":'.repeat(n)}"README.md"${'}'.repeat(n)}`);
  // A manifest dependabot-coverage relies on (a JSON file nobody reads is not diagnosed).
  write(repo, 'package.json', `${'['.repeat(n)}${']'.repeat(n)}`);
  gitIn(repo, ['init', '-q']);

  it('a YAML bomb and 10,000-level nesting end quickly with a clear message', async () => {
    const t0 = performance.now();
    const r = await runCli([repo]);
    const ms = performance.now() - t0;
    // Measured, not asserted: well under a second here (the brief allows 20 s for the run).
    console.log(`hostile-content run: ${Math.round(ms)} ms`);
    expect(r.stderr).toContain('docker-compose.yml: alias expansion exceeds 1000 nodes (a YAML bomb?)');
    expect(r.stderr).toMatch(/could not parse docker-compose\.override\.yml at 4:\d+: nested deeper than 256 levels/);
    expect(r.stderr).toMatch(/could not parse docs\/INDEX\.json at 1:\d+: nested deeper than 256 levels/);
    expect(r.stderr).toMatch(/could not parse package\.json at 1:\d+: nested deeper than 256 levels/);
    expect(r.stderr).not.toMatch(/failed|Maximum call stack/);
    // The bomb file's own finding is still made (its aliases are never expanded).
    expect(r.stdout).toMatch(/docker-compose\.yml[\s\S]*named volume `data`/);
    expect(r.code).toBe(1);
  });
});

describe('roots that are not repositories', () => {
  it('an empty repository (git init, no commit) is read like any other', async () => {
    const dir = tempDir();
    cleanup.push(dir);
    gitIn(dir, ['init', '-q']);
    const empty = await runCli([dir]);
    expect(empty.stdout).toBe('No findings.\n');
    expect(empty.code).toBe(0);
    write(dir, 'docker-compose.yml', 'services:\n  web:\n    image: nginx\n    volumes:\n      - data:/d\n');
    const r = await runCli([dir, '--rule', 'compose-undeclared-volume']);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('named volume `data`');
    // Nothing is committed, so the file is an uncommitted change: --write refuses (exit 2) …
    const refused = await runCli([dir, '--write', '--rule', 'compose-undeclared-volume']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('the working tree has uncommitted changes (1 path, e.g. docker-compose.yml)');
    // … unless told otherwise.
    const w = await runCli([dir, '--write', '--allow-dirty', '--rule', 'compose-undeclared-volume']);
    expect(w.code).toBe(0);
    expect(readFileSync(path.join(dir, 'docker-compose.yml'), 'utf8')).toContain('\nvolumes:\n  data:\n');
  });

  it('a directory without git is walked; --write needs --allow-dirty', async () => {
    const dir = tempDir();
    cleanup.push(dir);
    write(dir, 'docker-compose.yml', 'services:\n  web:\n    image: nginx\n    volumes:\n      - data:/d\n');
    const r = await runCli([dir, '--rule', 'compose-undeclared-volume']);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('named volume `data`');
    const refused = await runCli([dir, '--write', '--rule', 'compose-undeclared-volume']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/git|--allow-dirty/);
    expect(readFileSync(path.join(dir, 'docker-compose.yml'), 'utf8')).not.toContain('\nvolumes:');
    const w = await runCli([dir, '--write', '--allow-dirty', '--rule', 'compose-undeclared-volume']);
    expect(w.code).toBe(0);
    expect(readFileSync(path.join(dir, 'docker-compose.yml'), 'utf8')).toContain('\nvolumes:\n  data:\n');
  });

  it('a root that does not exist, or is a file, is a usage error (exit 2) naming it', async () => {
    const parent = tempDir();
    cleanup.push(parent);
    const missing = await runCli([path.join(parent, 'nope')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/: .*nope: no such file or directory/);
    const dir = tempDir();
    cleanup.push(dir);
    write(dir, 'file.txt', 'hi\n');
    // A single file is a file argument; as the root (--root) it is refused.
    const file = await runCli(['--root', path.join(dir, 'file.txt')]);
    expect(file.code).toBe(2);
    expect(file.stderr).toMatch(/root is not a directory: .*file\.txt/);
    expect(existsSync(path.join(dir, 'file.txt'))).toBe(true);
  });
});

describe('malformed nginx configuration', () => {
  const broken = 'server {\n    listen 80;\n    location /api {\n        proxy_pass http://backend:8000\n    }\n}\n';
  const unclosed = 'http {\n  server {\n    listen 8080;\n';
  const supervisord = '[supervisord]\nnodaemon=true\n\n[program:nginx]\ncommand=nginx -g "daemon off;"\n';
  const hocon = 'akka {\n  http {\n    server {\n      idle-timeout = 60s\n    }\n  }\n}\n';
  const repo = repoWith((dir) => {
    write(dir, 'deploy/nginx.conf', broken);
    write(dir, 'deploy/conf.d/admin.conf', unclosed);
    write(dir, 'deploy/supervisord.conf', supervisord);
    write(dir, 'conf/application.conf', hocon);
  });

  it('names each broken nginx file with line and column, and not the .conf files that are not nginx', async () => {
    const r = await runCli([repo, '--rule', 'nginx-body-size-limit', '--verbose']);
    expect(r.stderr.split('\n').filter((l) => /could not parse|application\.conf|supervisord\.conf/.test(l))).toEqual([
      'warning: could not parse deploy/conf.d/admin.conf at 4:1: unexpected end of file, expecting "}" to close "server" opened at line 2',
      'warning: could not parse deploy/nginx.conf at 5:5: unexpected "}" (the "proxy_pass" directive has no ";")',
    ]);
    // The demo's own nginx.conf is still judged.
    expect(r.stdout).toMatch(/^nginx\.conf\n  1:1 +warning +nginx-body-size-limit +server listening on `80` accepts request bodies \(`proxy_pass http:\/\/backend:8000` in `location \/api`\)/m);
    expect(r.stdout).not.toMatch(/deploy\//);
    expect(r.code).toBe(1);
  });

  it('--write --unsafe-fixes fixes the demo nginx.conf and leaves the broken and foreign files byte for byte', async () => {
    const before = readTree(repo);
    const w = await runCli([repo, '--write', '--unsafe-fixes', '--rule', 'nginx-body-size-limit']);
    expect(w.code).toBe(0);
    const after = readTree(repo);
    const changed = [...new Set([...before.keys(), ...after.keys()])].filter((p) => !after.get(p)?.equals(before.get(p) ?? Buffer.alloc(0)) || !before.has(p));
    expect(changed).toEqual(['nginx.conf']);
    expect(after.get('nginx.conf')?.toString('utf8')).toBe(before.get('nginx.conf')!.toString('utf8').replace('server {\n', 'server {\n    client_max_body_size 10m;\n'));
  });
});
