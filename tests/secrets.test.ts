/**
 * Secrets: values planted in `.env`, compose `environment:`, a Dockerfile `ENV` and a docs page
 * must not appear in anything the tool prints (every output format) or writes.
 */
import { describe, it, expect, afterAll } from 'vitest';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync, cpSync, appendFileSync } from 'node:fs';
import path from 'node:path';
import { ROOT, gitIn, readTree, removeDir, tempDir } from './helpers/repo.js';

const BIN = path.join(ROOT, 'bin', 'autopack-fix.js');
const DEMO = path.join(ROOT, 'fixtures', 'demo');
const cleanup: string[] = [];
afterAll(() => cleanup.forEach(removeDir));

const SECRETS = {
  dotenv: 'S3cr3t-dotenv-7f3a9c',
  dotenvQuoted: 'S3cr3t-dotenv-quoted-b81e',
  compose: 'S3cr3t-compose-env-42d0',
  composeNearFix: 'S3cr3t-compose-near-fix-9a1c',
  dockerfile: 'S3cr3t-dockerfile-env-5e77',
  docs: 'S3cr3t-docs-page-c0de',
};

function cli(args: string[], env: Record<string, string> = {}): { code: number; out: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: ROOT, env: { ...process.env, NO_COLOR: '1', ...env }, encoding: 'utf8' });
  return { code: r.status ?? -1, out: `${r.stdout}\n${r.stderr}` };
}

function plantedRepo(): string {
  const dir = tempDir();
  cleanup.push(dir);
  cpSync(DEMO, dir, { recursive: true });
  writeFileSync(path.join(dir, '.env'), `DB_PASSWORD=${SECRETS.dotenv}\nexport API_TOKEN="${SECRETS.dotenvQuoted}"\n`);
  // In the base compose file (away from any fix) and in the override, right under a line a fix edits.
  const base = readFileSync(path.join(dir, 'docker-compose.yml'), 'utf8');
  writeFileSync(path.join(dir, 'docker-compose.yml'), base.replace(/^( *)environment:\n/m, (m, indent: string) => `${m}${indent}  SECRET_KEY: ${SECRETS.compose}\n`));
  const dev = readFileSync(path.join(dir, 'docker-compose.dev.yml'), 'utf8');
  writeFileSync(path.join(dir, 'docker-compose.dev.yml'), dev.replace('dev_password', SECRETS.composeNearFix));
  const df = readFileSync(path.join(dir, 'Dockerfile'), 'utf8');
  writeFileSync(path.join(dir, 'Dockerfile'), df.replace(/^(FROM .*)$/m, `$1\nENV API_KEY=${SECRETS.dockerfile}`));
  appendFileSync(path.join(dir, 'docs', 'DEPLOYMENT.md'), `\nSet the token first: \`export DEPLOY_TOKEN=${SECRETS.docs}\`.\n`);
  gitIn(dir, ['init', '-q', '-b', 'main']);
  gitIn(dir, ['config', 'core.autocrlf', 'false']);
  gitIn(dir, ['add', '-A']);
  gitIn(dir, ['commit', '-q', '-m', 'fixture']);
  return dir;
}

const leaks = (text: string, which = Object.values(SECRETS)): string[] => which.filter((s) => text.includes(s));

describe('planted secrets never reach an output', () => {
  const repo = plantedRepo();

  it('the planted values are really in the repository', () => {
    const all = [...readTree(repo).values()].map((b) => b.toString('utf8')).join('\n');
    expect(leaks(all).sort()).toEqual(Object.values(SECRETS).sort());
  });

  for (const format of ['text', 'json', 'sarif', 'github']) {
    it(`--format ${format} (with and without --unsafe-fixes)`, () => {
      for (const extra of [[], ['--unsafe-fixes']]) {
        const r = cli([repo, '--format', format, ...extra], { DEPLOY_TOKEN: SECRETS.docs });
        expect(r.code).toBe(1);
        expect(leaks(r.out)).toEqual([]);
      }
    });
  }

  it('a diff prints no value that is not next to an edit', () => {
    for (const args of [['--format', 'diff'], ['--dry-run'], ['--format', 'github', '--dry-run']]) {
      const r = cli([repo, ...args, '--unsafe-fixes']);
      expect(leaks(r.out, [SECRETS.dotenv, SECRETS.dotenvQuoted, SECRETS.compose, SECRETS.dockerfile, SECRETS.docs])).toEqual([]);
    }
  });

  // KNOWN GAP (issue 5): a diff's context lines are the file's own text, so an `environment:`
  // value within three lines of an edit is printed (--format diff, --dry-run). Masking it would
  // make the diff stop applying with `git apply`; the choice is the lead's. This test flips to
  // passing — and `it.fails` then fails — once diffs stop showing such values.
  it.fails('a diff does not print a compose environment value that sits next to an edit', () => {
    const r = cli([repo, '--format', 'diff']);
    expect(leaks(r.out, [SECRETS.composeNearFix])).toEqual([]);
  });

  it('--write prints no value and copies none into another file', () => {
    const before = readTree(repo);
    const r = cli([repo, '--write', '--unsafe-fixes']);
    expect(r.code).not.toBe(2);
    expect(leaks(r.out)).toEqual([]);
    const after = readTree(repo);
    let changed = 0;
    for (const [p, bytes] of after) {
      const old = before.get(p);
      if (old?.equals(bytes)) continue;
      changed++;
      const text = bytes.toString('utf8');
      const was = old?.toString('utf8') ?? '';
      // A value may stay where the user put it; it must not appear anywhere new.
      for (const s of Object.values(SECRETS)) expect(text.split(s).length, `${p} holds ${s} more often than before`).toBeLessThanOrEqual(was.split(s).length);
    }
    expect(changed).toBeGreaterThan(0);
  });
});
