/**
 * Clean checkouts of pinned commits from bare mirrors (`<mirrors>/<owner>+<name>/repo`).
 *
 * A snapshot is a `git clone --shared` of the mirror with the pinned commit checked out
 * (detached), so the tool sees what a user sees on their own clone: a clean work tree *with its
 * history* (the rules read renames from it). The mirrors may lack blobs of 4 MiB and more; those
 * paths are left out of the work tree through sparse-checkout (skip-worktree), so `git status`
 * stays clean, and they are listed so the report can say a finding involves a missing blob.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const GIT_ENV = {
  ...process.env,
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_CONFIG_GLOBAL: '/dev/null',
  GIT_AUTHOR_NAME: 'ecosystem',
  GIT_AUTHOR_EMAIL: 'ecosystem@example.invalid',
  GIT_COMMITTER_NAME: 'ecosystem',
  GIT_COMMITTER_EMAIL: 'ecosystem@example.invalid',
  GIT_TERMINAL_PROMPT: '0',
};

export function git(args, options = {}) {
  return execFileSync('git', args, { env: GIT_ENV, encoding: 'utf8', maxBuffer: 1024 * 1024 * 1024, stdio: ['pipe', 'pipe', 'pipe'], ...options });
}

export function mirrorOf(mirrors, repo) {
  return path.join(mirrors, repo.replace('/', '+'), 'repo');
}

/** Blob paths of `commit` whose objects the mirror does not hold. */
export function missingBlobs(gitDir, commit) {
  const tree = git(['--git-dir', gitDir, 'ls-tree', '-r', '-z', commit]);
  const entries = tree.split('\0').filter(Boolean).map((line) => {
    const [meta, p] = line.split('\t');
    const [mode, type, oid] = meta.split(' ');
    return { mode, type, oid, path: p };
  }).filter((e) => e.type === 'blob');
  if (entries.length === 0) return [];
  const check = git(['--git-dir', gitDir, 'cat-file', '--batch-check'], { input: `${entries.map((e) => e.oid).join('\n')}\n` });
  const lines = check.split('\n');
  return entries.filter((_, i) => lines[i]?.endsWith(' missing')).map((e) => e.path);
}

/**
 * A snapshot of `commit` at `dest` (made once, reused while `.snapshot.json` says it is that
 * commit and the tree is clean). Returns { dir, missing }.
 */
export function snapshot(mirror, commit, dest, repo) {
  const stamp = path.join(dest, '.git', 'ecosystem-snapshot.json');
  if (existsSync(stamp)) {
    const info = JSON.parse(readFileSync(stamp, 'utf8'));
    const head = git(['-C', dest, 'rev-parse', 'HEAD']).trim();
    const dirty = git(['-C', dest, 'status', '--porcelain', '--untracked-files=all']).trim();
    if (info.commit === commit && head === commit && dirty === '') {
      if (repo) setOrigin(dest, repo);
      standIns(dest, info.missing);
      return { dir: dest, missing: info.missing };
    }
  }
  rmSync(dest, { recursive: true, force: true });
  mkdirSync(path.dirname(dest), { recursive: true });
  git(['clone', '-q', '--shared', '--no-checkout', mirror, dest]);
  git(['-C', dest, 'config', 'core.autocrlf', 'false']);
  git(['-C', dest, 'config', 'advice.detachedHead', 'false']);
  const missing = missingBlobs(path.join(dest, '.git'), commit);
  if (missing.length > 0) {
    git(['-C', dest, 'sparse-checkout', 'set', '--no-cone', '--stdin'], { input: ['/*', ...missing.map((p) => `!/${escapeSparse(p)}`)].join('\n') + '\n' });
  }
  git(['-C', dest, 'checkout', '-q', '--detach', commit]);
  writeFileSync(stamp, JSON.stringify({ commit, missing }, null, 2));
  if (repo) setOrigin(dest, repo);
  standIns(dest, missing);
  return { dir: dest, missing };
}

/** A throwaway copy of a snapshot to write into (shares objects with it). */
export function scratchCopy(snapshotDir, dest) {
  rmSync(dest, { recursive: true, force: true });
  git(['clone', '-q', '--shared', '--no-checkout', snapshotDir, dest]);
  git(['-C', dest, 'config', 'core.autocrlf', 'false']);
  const sparse = path.join(snapshotDir, '.git', 'info', 'sparse-checkout');
  if (existsSync(sparse)) git(['-C', dest, 'sparse-checkout', 'set', '--no-cone', '--stdin'], { input: readFileSync(sparse, 'utf8') });
  const head = git(['-C', snapshotDir, 'rev-parse', 'HEAD']).trim();
  git(['-C', dest, 'checkout', '-q', '--detach', head]);
  // The same origin as the snapshot's: the tool recognises docs that clone this repository by it.
  const origin = git(['-C', snapshotDir, 'remote', 'get-url', 'origin']).trim();
  git(['-C', dest, 'remote', 'set-url', 'origin', origin]);
  const stamp = path.join(snapshotDir, '.git', 'ecosystem-snapshot.json');
  if (existsSync(stamp)) standIns(dest, JSON.parse(readFileSync(stamp, 'utf8')).missing);
  return dest;
}

/** The remote a user's clone has: docs that `git clone` this repository are recognised by it. */
function setOrigin(dir, repo) {
  git(['-C', dir, 'remote', 'set-url', 'origin', `https://github.com/${repo}.git`]);
}

/**
 * An empty stand-in for each path whose blob the mirror lacks: the file is tracked at the
 * commit, so the tool must see it exist (a link to it is not dead). Marked assume-unchanged, so
 * git status stays clean.
 */
function standIns(dir, missing) {
  for (const p of missing) {
    const abs = path.join(dir, p);
    if (existsSync(abs)) continue;
    mkdirSync(path.dirname(abs), { recursive: true });
    writeFileSync(abs, '');
  }
  // Present again, the files lose skip-worktree; an empty stand-in is not a change of the tree.
  if (missing.length) git(['-C', dir, 'update-index', '--assume-unchanged', '--', ...missing]);
}

function escapeSparse(p) {
  return p.replace(/([\\*?[\]!#])/g, '\\$1');
}
