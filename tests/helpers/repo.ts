import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, lstatSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { afterAll } from 'vitest';

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

/** Write `text` at `p` under `root`, making its folders. */
export function writeAt(root: string, p: string, text: string): void {
  mkdirSync(path.dirname(path.join(root, p)), { recursive: true });
  writeFileSync(path.join(root, p), text);
}

/** Move `from` to `to` under `root` (a file or a folder), making the folders of `to`. */
export function moveAt(root: string, from: string, to: string): void {
  mkdirSync(path.dirname(path.join(root, to)), { recursive: true });
  renameSync(path.join(root, from), path.join(root, to));
}

/** A text of its own for `name`, long enough for git's rename detection to tell files apart. */
export function distinctBody(name: string): string {
  return `# ${name}\n\n${Array.from({ length: 12 }, (_, i) => `${name} line ${i}: some text that belongs to ${name} only.`).join('\n')}\n`;
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

/**
 * The commits a golden case replays before its input (`history.json` in the case folder), so
 * that rules reading git history see renames and deletions. Each commit applies, in this order:
 * `write` (path → text), `copy` (path → an input/ file whose text to use), `rename` (from → to,
 * a file or a directory), `delete` (files or directories). The input/ tree is then committed
 * on top, as it is: whatever differs from the last replayed commit is one more commit.
 */
export interface HistoryCommitSpec {
  message?: string;
  /** ISO date; defaults to one day after the previous commit. */
  date?: string;
  write?: Record<string, string>;
  copy?: Record<string, string>;
  rename?: Record<string, string>;
  delete?: string[];
}

/** A fresh git repository that replays `history` and then commits a copy of `source` on top. */
export function repoWithHistory(source: string, history: readonly HistoryCommitSpec[]): string {
  const dir = tempDir();
  gitIn(dir, ['init', '-q', '-b', 'main']);
  gitIn(dir, ['config', 'core.autocrlf', 'false']);
  let time = Date.parse('2024-01-01T12:00:00Z');
  const commit = (message: string, date: string | undefined): void => {
    time = date ? Date.parse(date) : time + 86_400_000;
    const stamp = new Date(time).toISOString();
    gitIn(dir, ['add', '-A']);
    gitIn(dir, ['commit', '-q', '--allow-empty', '-m', message], undefined, { GIT_AUTHOR_DATE: stamp, GIT_COMMITTER_DATE: stamp });
  };
  const put = (p: string, text: string | Buffer): void => {
    mkdirSync(path.dirname(path.join(dir, p)), { recursive: true });
    writeFileSync(path.join(dir, p), text);
  };
  history.forEach((c, i) => {
    for (const [p, text] of Object.entries(c.write ?? {})) put(p, text);
    for (const [p, from] of Object.entries(c.copy ?? {})) put(p, readFileSync(path.join(source, from)));
    for (const [from, to] of Object.entries(c.rename ?? {})) {
      if (!existsSync(path.join(dir, from))) throw new Error(`history commit ${i + 1}: cannot rename ${from}, it does not exist`);
      mkdirSync(path.dirname(path.join(dir, to)), { recursive: true });
      renameSync(path.join(dir, from), path.join(dir, to));
    }
    for (const p of c.delete ?? []) {
      if (!existsSync(path.join(dir, p))) throw new Error(`history commit ${i + 1}: cannot delete ${p}, it does not exist`);
      rmSync(path.join(dir, p), { recursive: true });
    }
    commit(c.message ?? `history ${i + 1}`, c.date);
  });
  for (const entry of readdirSync(dir)) if (entry !== '.git') rmSync(path.join(dir, entry), { recursive: true, force: true });
  cpSync(source, dir, { recursive: true });
  commit('fixture', undefined);
  return dir;
}

/** A copy of `source` with no repository around it. */
export function plainCopy(source: string): string {
  const dir = tempDir();
  cpSync(source, dir, { recursive: true });
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

/**
 * A maker of temp folders for one test file, all removed after its tests. Call it at the top
 * level of the test file (it registers the `afterAll`).
 */
export function tempDirsRemovedAfterAll(): (prefix?: string) => string {
  const made: string[] = [];
  afterAll(() => made.forEach(removeDir));
  return (prefix = 'apf-') => {
    const dir = tempDir(prefix);
    made.push(dir);
    return dir;
  };
}
