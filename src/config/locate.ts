/**
 * Where configuration files can be, without reading them: the names, and how far up from the
 * root the search goes. Light on purpose (node:fs and node:path only): the run memo
 * (src/cache/run-memo.ts) fingerprints these places before anything heavy is loaded, and
 * load.ts searches them.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';

export const CONFIG_FILE_NAMES = ['autopack-fix.config.json', 'autopack-fix.config.yaml', 'autopack-fix.config.yml'] as const;
export const PACKAGE_JSON_KEY = 'autopack-fix';

/**
 * Where the search stops: the nearest folder at or above `start` holding `.git` (the work tree
 * top-level; a file for worktrees and submodules), else `start` itself. A config above the
 * repository belongs to something else (a home folder, a monorepo the clone happens to sit
 * in) and would make results depend on where the checkout lives: CI would not see it.
 */
export function searchTop(start: string): string {
  for (let dir = path.resolve(start); ; ) {
    if (existsSync(path.join(dir, '.git'))) return dir;
    const parent = path.dirname(dir);
    if (parent === dir) return path.resolve(start);
    dir = parent;
  }
}

/** Every file the search may read for `root`, nearest first: each folder's config names and its package.json. */
export function configCandidates(root: string): string[] {
  const top = searchTop(root);
  const out: string[] = [];
  for (let dir = path.resolve(root); ; dir = path.dirname(dir)) {
    for (const name of [...CONFIG_FILE_NAMES, 'package.json']) out.push(path.join(dir, name));
    if (dir === top || path.dirname(dir) === dir) return out;
  }
}
