// modulesOnFolders answers what locateModule and ownsTopLevel answer, for every module on one
// list of folders: checked against them on generated repositories and folder lists, including
// folders that are not normalised (`.`, `a/..`, a trailing slash) and folders outside the root.
import { describe, it, expect } from 'vitest';
import { Workspace } from '../src/workspace/workspace.js';
import { modulesOnFolders, ownsTopLevel } from '../src/facts/docs/python.js';
import { locateModule, repoContext } from '../src/facts/python-app.js';

/** A small deterministic generator (mulberry32), so a failure names a seed that reproduces it. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const NAMES = ['app', 'api', 'src', 'main', 'pkg', 'server', 'web'];
const FILES = ['__init__.py', 'main.py', 'app.py', 'server.py', 'README.md', 'api.py', 'app'];
const ODD_FOLDERS = ['.', './src', 'src/', 'src/../api', '..', '../x', 'api//app', ''];

function pick<T>(next: () => number, items: readonly T[]): T {
  return items[Math.floor(next() * items.length)] as T;
}

function repository(next: () => number): Record<string, string> {
  const files: Record<string, string> = {};
  const count = 1 + Math.floor(next() * 14);
  for (let i = 0; i < count; i++) {
    const depth = Math.floor(next() * 4);
    const dirs = Array.from({ length: depth }, () => pick(next, NAMES));
    files[[...dirs, pick(next, FILES)].join('/')] = '';
  }
  return files;
}

function folders(next: () => number, ws: Workspace): string[] {
  const real = [...new Set(ws.paths.flatMap((p) => p.split('/').slice(0, -1).map((_, i, parts) => parts.slice(0, i + 1).join('/'))))];
  const count = Math.floor(next() * 6);
  return Array.from({ length: count }, () => (next() < 0.6 && real.length ? pick(next, real) : next() < 0.5 ? pick(next, ODD_FOLDERS) : pick(next, NAMES)));
}

function modules(next: () => number): string[] {
  return Array.from({ length: 8 }, () => Array.from({ length: 1 + Math.floor(next() * 3) }, () => pick(next, NAMES)).join('.'));
}

describe('modulesOnFolders', () => {
  it('gives locateModule and ownsTopLevel answers on 600 generated repositories', () => {
    for (let seed = 1; seed <= 600; seed++) {
      const next = random(seed);
      const ws = Workspace.fromFiles('/r', repository(next));
      const dirs = folders(next, ws);
      const index = modulesOnFolders(ws, dirs);
      const ctx = repoContext([...new Set(dirs)]);
      for (const module of modules(next)) {
        const where = `seed ${seed}: ${module} on [${dirs.join(', ')}] in [${ws.paths.join(', ')}]`;
        expect(index.locate(module), where).toEqual(locateModule(ws, ctx, module));
        expect(index.ownsTopLevel(module), where).toBe(ownsTopLevel(ws, dirs, module));
      }
    }
  });

  it('prefers the earlier folder, and a module file before a package on the same folder', () => {
    const ws = Workspace.fromFiles('/r', { 'b/app.py': '', 'a/app/__init__.py': '', 'b/app/__init__.py': '', 'c/pkg/__init__.py': '' });
    expect(modulesOnFolders(ws, ['b', 'a']).locate('app')).toEqual({ file: 'b/app.py', anyMapped: true });
    expect(modulesOnFolders(ws, ['a', 'b']).locate('app')).toEqual({ file: 'a/app/__init__.py', anyMapped: true });
    expect(modulesOnFolders(ws, ['a']).locate('pkg')).toEqual({ file: undefined, anyMapped: true });
    expect(modulesOnFolders(ws, []).locate('app')).toEqual({ file: undefined, anyMapped: false });
    expect(modulesOnFolders(ws, ['c']).ownsTopLevel('pkg.main')).toBe(true);
    expect(modulesOnFolders(ws, ['a', 'b']).ownsTopLevel('pkg.main')).toBe(false);
  });
});
