/**
 * The CLI contract (DESIGN §4), exercised through the built binary on temporary git repos:
 * exit codes, the JSON document, the diff that `git apply` accepts, the dirty-tree refusal,
 * an idempotent second run, colour rules and the subcommands.
 */
import { describe, it, expect, afterAll } from 'vitest';
import { spawnSync } from 'node:child_process';
import { writeFileSync, readFileSync, symlinkSync, cpSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { ROOT, repoFrom, readTree, treeDifferences, gitIn, removeDir, tempDir } from './helpers/repo.js';

const BIN = path.join(ROOT, 'bin', 'autopack-fix.js');
const DEMO = path.join(ROOT, 'fixtures', 'demo');
const cleanup: string[] = [];
afterAll(() => cleanup.forEach(removeDir));

function cli(args: string[], options: { cwd?: string; env?: Record<string, string | undefined> } = {}): { code: number; stdout: string; stderr: string } {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1', FORCE_COLOR: undefined, ...options.env };
  for (const [k, v] of Object.entries(env)) if (v === undefined) delete env[k];
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: options.cwd ?? ROOT, env, encoding: 'utf8' });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

function demoRepo(): string {
  const dir = repoFrom(DEMO);
  cleanup.push(dir);
  return dir;
}

import { RULES } from '../src/rules/registry.js';

const COMPOSE_RULES = ['compose-unknown-service', 'compose-missing-build-target', 'compose-stale-app-target', 'compose-undeclared-volume'];
const ALL_RULES = RULES.map((r) => r.meta.id);

describe('exit codes', () => {
  it('is 1 when findings exist and 0 on a clean repository', () => {
    expect(cli([demoRepo()]).code).toBe(1);
    const clean = tempDir();
    cleanup.push(clean);
    writeFileSync(path.join(clean, 'README.md'), '# nothing to see\n');
    gitIn(clean, ['init', '-q']);
    const r = cli([clean]);
    expect(r.stdout).toBe('No findings.\n');
    expect(r.code).toBe(0);
  });

  it('is 2 for usage errors, with a message naming the problem', () => {
    const missing = cli(['/nonexistent/root']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('root does not exist: /nonexistent/root');
    const notDir = cli([path.join(ROOT, 'package.json')]);
    expect(notDir.code).toBe(2);
    expect(notDir.stderr).toContain('root is not a directory');
    expect(cli([demoRepo(), '--rule', 'no-such-rule']).code).toBe(2);
    expect(cli([demoRepo(), '--format', 'xml']).code).toBe(2);
    expect(cli([demoRepo(), '--write', '--dry-run']).code).toBe(2);
    expect(cli(['explain', 'no-such-rule']).code).toBe(2);
  });

  it('is 1 for --dry-run with pending changes, and writes nothing', () => {
    const repo = demoRepo();
    const before = readTree(repo);
    const r = cli([repo, '--dry-run']);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('diff --git a/docker-compose.dev.yml b/docker-compose.dev.yml');
    expect(treeDifferences(readTree(repo), before)).toEqual([]);
  });
});

describe('--format json', () => {
  it('prints one document with the contract shape', () => {
    const r = cli([demoRepo(), '--format', 'json', '--rule', ...COMPOSE_RULES]);
    expect(r.code).toBe(1);
    const doc = JSON.parse(r.stdout) as { schemaVersion: number; findings: Array<Record<string, unknown>>; summary: Record<string, number> };
    expect(doc.schemaVersion).toBe(1);
    expect(doc.findings.length).toBe(5);
    for (const f of doc.findings) {
      expect(Object.keys(f).sort()).toEqual(['column', 'file', 'fix', 'line', 'message', 'ruleId', 'seedIds', 'severity']);
      expect(COMPOSE_RULES).toContain(f.ruleId);
      expect(f.seedIds).toContain('1.1');
      expect(['error', 'warning', 'info']).toContain(f.severity);
      expect(f.file).toBe('docker-compose.dev.yml');
      expect(typeof f.line === 'number' && (f.line as number) >= 1).toBe(true);
      const fix = f.fix as { safety: string; files: string[] };
      expect(fix.safety).toBe('safe');
      expect(fix.files).toEqual(['docker-compose.dev.yml']);
    }
    expect(doc.summary.findings).toBe(5);
    expect(doc.summary.fixable).toBe(5);
  });

  it('selects rules with --rule', () => {
    const r = cli([demoRepo(), '--format', 'json', '--rule', 'compose-undeclared-volume']);
    const doc = JSON.parse(r.stdout) as { findings: Array<{ ruleId: string }> };
    expect(doc.findings.map((f) => f.ruleId)).toEqual(['compose-undeclared-volume', 'compose-undeclared-volume']);
  });
});

describe('--format diff and --write', () => {
  it('prints a diff that git apply accepts and that gives exactly the --write tree', () => {
    const patched = demoRepo();
    const diff = cli([patched, '--format', 'diff']);
    expect(diff.code).toBe(1);
    expect(diff.stdout.startsWith('diff --git ')).toBe(true);
    const patchDir = tempDir();
    cleanup.push(patchDir);
    const patchFile = path.join(patchDir, 'fix.patch');
    writeFileSync(patchFile, diff.stdout);
    // No line of the demo diff had to be left out with its context (the demo's database
    // password is also its user name: public, so lines repeating it are shown), so the patch
    // applies with plain git apply and stderr has no note.
    expect(diff.stderr.split('\n').filter((l) => l.startsWith('autopack-fix: '))).toEqual([]);
    gitIn(patched, ['apply', patchFile]);

    const written = demoRepo();
    const w = cli([written, '--write', '--format', 'json']);
    const doc = JSON.parse(w.stdout) as { written: string[]; summary: { remaining: number } };
    expect(doc.written).toContain('docker-compose.dev.yml');
    expect(w.code).toBe(doc.summary.remaining > 0 ? 1 : 0);
    expect(treeDifferences(readTree(patched), readTree(written))).toEqual([]);
    expect(treeDifferences(readTree(written), readTree(DEMO)).length).toBe(doc.written.length);

    // The second run changes nothing: only report-only findings may remain.
    gitIn(written, ['add', '-A']);
    gitIn(written, ['commit', '-qm', 'fixes']);
    const again = cli([written, '--write', '--format', 'json']);
    const second = JSON.parse(again.stdout) as { written: string[]; findings: Array<{ fix: { status: string } | null }> };
    expect(second.written).toEqual([]);
    expect(second.findings.filter((f) => f.fix && f.fix.status !== 'held-back')).toEqual([]);
    expect(gitIn(written, ['status', '--porcelain'])).toBe('');
    const composeOnly = cli([written, '--rule', ...COMPOSE_RULES]);
    expect(composeOnly.stdout).toBe('No findings.\n');
    expect(composeOnly.code).toBe(0);
  });

  it('refuses --write on a dirty tree (exit 2) and changes nothing', () => {
    const repo = demoRepo();
    writeFileSync(path.join(repo, 'notes.txt'), 'work in progress\n');
    const before = readTree(repo);
    const r = cli([repo, '--write']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('uncommitted changes');
    expect(treeDifferences(readTree(repo), before)).toEqual([]);
    const allowed = cli([repo, '--write', '--allow-dirty', '--rule', ...COMPOSE_RULES]);
    expect(allowed.code).toBe(0);
  });

  it('refuses --write when git status itself fails', () => {
    const repo = demoRepo();
    writeFileSync(path.join(repo, '.git', 'index'), 'not an index');
    const before = readFileSync(path.join(repo, 'docker-compose.dev.yml'));
    const r = cli([repo, '--write']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('git status failed');
    expect(readFileSync(path.join(repo, 'docker-compose.dev.yml')).equals(before)).toBe(true);
  });

  it('refuses --write outside git unless --allow-dirty', () => {
    const dir = tempDir();
    cleanup.push(dir);
    cpSync(DEMO, dir, { recursive: true });
    expect(cli([dir, '--write']).code).toBe(2);
    expect(cli([dir, '--write', '--allow-dirty', '--rule', ...COMPOSE_RULES]).code).toBe(0);
  });

  it('keeps CRLF line endings, the BOM and the file mode', () => {
    const dir = tempDir();
    cleanup.push(dir);
    const bom = '\uFEFF';
    writeFileSync(path.join(dir, 'docker-compose.yml'), `${bom}services:\r\n  db:\r\n    image: postgres:16\r\n  api:\r\n    image: example/api\r\n    volumes:\r\n      - cache:/cache\r\n`);
    spawnSync('chmod', ['640', path.join(dir, 'docker-compose.yml')]);
    gitIn(dir, ['init', '-q']);
    gitIn(dir, ['add', '-A']);
    gitIn(dir, ['commit', '-qm', 'x']);
    expect(cli([dir, '--write', '--rule', ...COMPOSE_RULES]).code).toBe(0);
    const text = readFileSync(path.join(dir, 'docker-compose.yml'), 'utf8');
    expect(text).toBe(`${bom}services:\r\n  db:\r\n    image: postgres:16\r\n  api:\r\n    image: example/api\r\n    volumes:\r\n      - cache:/cache\r\n\r\nvolumes:\r\n  cache:\r\n`);
    expect(gitIn(dir, ['ls-files', '-s'])).toMatch(/^100644/);
    const mode = spawnSync('stat', ['-c', '%a', path.join(dir, 'docker-compose.yml')], { encoding: 'utf8' }).stdout.trim();
    expect(mode).toBe('640');
  });

  it('never writes through a symlink that leaves the root', () => {
    const outside = tempDir();
    const dir = tempDir();
    cleanup.push(outside, dir);
    const target = path.join(outside, 'docker-compose.yml');
    const content = 'services:\n  api:\n    image: example/api\n    volumes:\n      - cache:/cache\n';
    writeFileSync(target, content);
    symlinkSync(target, path.join(dir, 'docker-compose.yml'));
    gitIn(dir, ['init', '-q']);
    gitIn(dir, ['add', '-A']);
    gitIn(dir, ['commit', '-qm', 'x']);
    const r = cli([dir, '--write']);
    expect(r.stderr).toContain('docker-compose.yml: skipped: symbolic link points outside the root');
    expect(readFileSync(target, 'utf8')).toBe(content);
  });
});

describe('bad input', () => {
  it('reports a compose file that does not parse, with file and position, and judges the rest', () => {
    const dir = tempDir();
    cleanup.push(dir);
    mkdirSync(path.join(dir, 'svc'));
    writeFileSync(path.join(dir, 'docker-compose.yml'), 'services:\n  api:\n    image: [unclosed\n');
    writeFileSync(path.join(dir, 'svc', 'compose.yaml'), 'services:\n  api:\n    image: example/api\n    volumes:\n      - cache:/cache\n');
    gitIn(dir, ['init', '-q']);
    const r = cli([dir]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^warning: could not parse docker-compose\.yml at 4:1: .+\n$/);
    expect(r.stdout).toContain('svc/compose.yaml\n  5:9');
  });
});

describe('subcommands and colour', () => {
  it('lists the rules in catalogue order', () => {
    const r = cli(['list-rules']);
    expect(r.code).toBe(0);
    expect(r.stdout.trim().split('\n').map((l) => l.split(/\s+/)[0])).toEqual(ALL_RULES);
  });

  it("explains a rule with its README", () => {
    for (const id of ALL_RULES) {
      const r = cli(['explain', id]);
      expect(r.code).toBe(0);
      expect(r.stdout).toBe(readFileSync(path.join(ROOT, 'codemods', id, 'README.md'), 'utf8'));
    }
  });

  it('uses colour only when asked and never with NO_COLOR', () => {
    const repo = demoRepo();
    const ansi = /\u001b\[/;
    expect(cli([repo], { env: { NO_COLOR: undefined } }).stdout).not.toMatch(ansi); // a pipe, not a TTY
    expect(cli([repo], { env: { NO_COLOR: undefined, CI: 'true' } }).stdout).not.toMatch(ansi);
    expect(cli([repo], { env: { NO_COLOR: undefined, FORCE_COLOR: '1' } }).stdout).toMatch(ansi);
    expect(cli([repo], { env: { NO_COLOR: '1', FORCE_COLOR: '1' } }).stdout).not.toMatch(ansi);
  });
});

