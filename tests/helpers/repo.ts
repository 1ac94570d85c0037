import { cpSync, mkdtempSync, readdirSync, readFileSync, lstatSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';

export const ROOT = path.resolve(import.meta.dirname, '..', '..');

const GIT_ENV = {
  ...process.env,
  GIT_AUTHOR_NAME: 'fixture',
  GIT_AUTHOR_EMAIL: 'fixture@example.invalid',
  GIT_COMMITTER_NAME: 'fixture',
  GIT_COMMITTER_EMAIL: 'fixture@example.invalid',
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_CONFIG_GLOBAL: '/dev/null',
};

export function gitIn(dir: string, args: string[], input?: string, env: Record<string, string> = {}): string {
  return execFileSync('git', args, { cwd: dir, env: { ...GIT_ENV, ...env }, encoding: 'utf8', input, stdio: ['pipe', 'pipe', 'pipe'] });
}

export function tempDir(prefix = 'apf-'): string {
  return mkdtempSync(path.join(tmpdir(), prefix));
}

/** A fresh git repository holding a copy of `source`, committed. */
export function repoFrom(source: string): string {
  const dir = tempDir();
  cpSync(source, dir, { recursive: true });
  gitIn(dir, ['init', '-q', '-b', 'main']);
  // Fixtures carry their own line endings: git must not convert them.
  gitIn(dir, ['config', 'core.autocrlf', 'false']);
  gitIn(dir, ['add', '-A']);
  gitIn(dir, ['commit', '-q', '--allow-empty', '-m', 'fixture']);
  return dir;
}

/** Every file under `dir` (not .git), as bytes, by `/`-separated relative path. */
export function readTree(dir: string): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  const walk = (rel: string): void => {
    for (const entry of readdirSync(path.join(dir, rel), { withFileTypes: true })) {
      if (entry.name === '.git') continue;
      const p = rel ? `${rel}/${entry.name}` : entry.name;
      if (entry.isDirectory()) walk(p);
      else if (lstatSync(path.join(dir, p)).isFile()) out.set(p, readFileSync(path.join(dir, p)));
    }
  };
  walk('');
  return out;
}

/** Human-readable differences between two trees (empty when identical). */
export function treeDifferences(actual: Map<string, Buffer>, expected: Map<string, Buffer>): string[] {
  const out: string[] = [];
  for (const [p, bytes] of expected) {
    const got = actual.get(p);
    if (!got) out.push(`missing file ${p}`);
    else if (!got.equals(bytes)) out.push(`${p} differs:\n--- expected\n${bytes.toString('utf8')}\n--- actual\n${got.toString('utf8')}`);
  }
  for (const p of actual.keys()) if (!expected.has(p)) out.push(`unexpected file ${p}`);
  return out;
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}
