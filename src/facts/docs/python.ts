/**
 * Python for commands written in docs: the directories a doc command finds modules in (its
 * folder, PYTHONPATH, `--app-dir`, the project's installable roots), a file's canonical module
 * name, and whether a module name is the repository's own. The resolution itself is
 * facts/python-app.ts, shared with the compose rules.
 */
import type { Workspace } from '../../workspace/workspace.js';
import type { ServerInvocation } from '../../formats/shell.js';
import { factSlot } from '../facts.js';
import path from 'node:path/posix';
import { repoContext, toRepoPath, type ExecContext, type Located } from '../python-app.js';
import { isPlainPath } from './command-head.js';
import { joinRepo } from './paths.js';
import { escapeRegExp } from './quoting.js';

/** Directories an installed copy of the project puts on sys.path (src layout, `where = […]`, package-dir). */
const rootsCache = factSlot<string[]>('installable roots');

export function installableRoots(ws: Workspace): string[] {
  const cached = rootsCache.get(ws);
  if (cached) return cached;
  const found = findInstallableRoots(ws);
  rootsCache.set(ws, found);
  return found;
}

function findInstallableRoots(ws: Workspace): string[] {
  const manifests = ['pyproject.toml', 'setup.cfg', 'setup.py'].filter((p) => ws.has(p));
  if (manifests.length === 0) return [];
  const roots = new Set<string>();
  for (const m of manifests) {
    const text = ws.probe(m)?.text ?? '';
    for (const w of text.matchAll(/\bwhere\s*=\s*\[([^\]]*)\]/g)) for (const d of (w[1] as string).matchAll(/["']([^"']+)["']/g)) roots.add(d[1] as string);
    for (const w of text.matchAll(/package[-_]dir\s*=\s*\{\s*["']{2}\s*[:=]\s*["']([^"']+)["']/g)) roots.add(w[1] as string);
    for (const w of text.matchAll(/^\s*=\s*([\w./-]+)\s*$/gm)) if (m === 'setup.cfg') roots.add(w[1] as string);
    for (const w of text.matchAll(/\bfrom\s*=\s*["']([^"']+)["']/g)) roots.add(w[1] as string);
  }
  if (ws.paths.some((p) => /^src\/[A-Za-z_]\w*\/__init__\.py$/.test(p))) roots.add('src');
  return [...roots].map((r) => r.replace(/^\.\//, '').replace(/\/$/, '')).filter((r) => r === '.' || ws.hasDir(r)).map((r) => (r === '.' ? '' : r));
}

/** The module search path of a doc command: its directory, PYTHONPATH, --app-dir / --pythonpath / --chdir. */
export function docExecContext(cwd: string, env: ReadonlyMap<string, string>, inv: ServerInvocation | undefined, extraRoots: readonly string[] = []): ExecContext {
  let dir = cwd;
  if (inv?.chdir && isPlainPath(inv.chdir)) dir = joinRepo(cwd, inv.chdir) ?? cwd;
  const dirs = [dir];
  for (const entry of (env.get('PYTHONPATH') ?? inv?.env.get('PYTHONPATH') ?? '').split(':')) {
    if (entry && isPlainPath(entry) && entry !== '.') {
      const j = joinRepo(dir, entry);
      if (j !== undefined) dirs.push(j);
    }
  }
  for (const d of inv?.importDirs ?? []) {
    const j = isPlainPath(d) || d === '.' ? joinRepo(dir, d) : undefined;
    if (j !== undefined) dirs.push(j);
  }
  dirs.push(...extraRoots);
  return repoContext([...new Set(dirs)]);
}

/** Module name and import root of a repo file: by its packages (`__init__.py` chain) when it is in one. */
export function canonicalModule(ws: Workspace, file: string): { module: string; root: string } | undefined {
  const noExt = file.replace(/\.py$/, '');
  const parts = noExt.split('/');
  if (parts[parts.length - 1] === '__init__') parts.pop();
  let dirParts = file.split('/').slice(0, -1);
  if (!ws.has([...dirParts, '__init__.py'].join('/'))) {
    // Not in a package: importable by path from the repo root (namespace packages).
    return parts.every((p) => /^[A-Za-z_]\w*$/.test(p)) ? { module: parts.join('.'), root: '' } : undefined;
  }
  while (dirParts.length > 0 && ws.has([...dirParts, '__init__.py'].join('/'))) dirParts = dirParts.slice(0, -1);
  const root = dirParts.join('/');
  const rel = parts.slice(dirParts.length);
  if (!rel.every((p) => /^[A-Za-z_]\w*$/.test(p))) return undefined;
  return { module: rel.join('.'), root };
}

/** The repo directory a module name resolves from, given the file it names (`src` for autopack.main). */
export function moduleRoot(module: string, file: string): string | undefined {
  const rel = module.split('.').join('/');
  for (const tail of [`${rel}.py`, `${rel}/__init__.py`]) {
    if (file === tail) return '';
    if (file.endsWith(`/${tail}`)) return file.slice(0, file.length - tail.length - 1);
  }
  return undefined;
}

/**
 * A target that resolves only through a namespace prefix (`src.autopack.main` for
 * `src/autopack/main.py`) while the module imports its own package by its real name
 * (`from autopack import …`): the import fails unless the real root is on the path too.
 */
export function importsItselfElsewhere(ws: Workspace, module: string, file: string): { module: string; root: string } | undefined {
  const canon = canonicalModule(ws, file);
  if (!canon || canon.module === module || !module.endsWith(`.${canon.module}`)) return undefined;
  const top = canon.module.split('.')[0] as string;
  if (module.split('.')[0] === top) return undefined;
  const text = ws.probe(file)?.text ?? '';
  const selfImport = new RegExp(`^[ \\t]*(from[ \\t]+${escapeRegExp(top)}(\\.[\\w.]+)?[ \\t]+import\\b|import[ \\t]+${escapeRegExp(top)}\\b)`, 'm');
  return selfImport.test(text) ? canon : undefined;
}

/** A PYTHONPATH we cannot read (`$PWD/src`): module resolution is not judged. */
export function unreadablePythonPath(env: ReadonlyMap<string, string>): boolean {
  const pp = env.get('PYTHONPATH');
  return pp !== undefined && pp.split(':').some((e) => e.includes('$') && !/^\$\{?PYTHONPATH\}?$/.test(e));
}

/** Whether the first name of a dotted module is the repository's own (a folder or module on one of `roots`). */
export function ownsTopLevel(ws: Workspace, roots: readonly string[], module: string): boolean {
  const top = module.split('.')[0] as string;
  return roots.some((r) => ws.hasDir(r ? `${r}/${top}` : top) || ws.has(r ? `${r}/${top}.py` : `${top}.py`));
}

/** What `modulesOnFolders` answers. */
export interface FolderModules {
  /** `locateModule(ws, repoContext(unique dirs), module)`. */
  locate(module: string): Located;
  /** `ownsTopLevel(ws, dirs, module)`. */
  ownsTopLevel(module: string): boolean;
}

/**
 * Where modules load from on one long list of repository folders, for many modules: the same
 * answers as `locateModule` on `repoContext(dirs)` and `ownsTopLevel` on `dirs`, from one pass
 * over the repository's paths instead of a lookup on every folder for every module.
 * docs-command-drift asks this of every deployment's folder for every doc command's module; a
 * repository with thousands of both made it quadratic (8 s of a 100,000-file run). The pass is
 * made on the first question. Module names are dotted identifiers (`pkg.app`).
 */
export function modulesOnFolders(ws: Workspace, dirs: readonly string[]): FolderModules {
  let index: { bases: string[]; anyMapped: boolean; best: Map<string, number>; tops: Set<string> } | undefined;
  const build = (): NonNullable<typeof index> => {
    const ctx = repoContext([...new Set(dirs)]);
    // A module file is `<root>/<identifiers>.py`: joined to a root it lands where a probe name
    // does, so each root's repository folder is read off one probe through the same mapping.
    const probe = 'm.py';
    const rank = new Map<string, number>();
    const bases: string[] = [];
    let anyMapped = false;
    for (const root of ctx.roots) {
      const repo = toRepoPath(ctx, path.join(root, probe));
      if (repo === undefined) continue;
      anyMapped = true;
      const base = repo.slice(0, repo.length - probe.length).replace(/\/$/, '');
      if (!rank.has(base)) rank.set(base, bases.push(base) - 1);
    }
    const owners = new Set(dirs);
    const best = new Map<string, number>();
    const tops = new Set<string>();
    for (const p of ws.paths) {
      const py = p.endsWith('.py');
      // Every folder `p` is in, the repository root first, and the rest of `p` below it.
      let cut = -1;
      do {
        const folder = cut === -1 ? '' : p.slice(0, cut);
        const rest = p.slice(cut + 1);
        const r = py ? rank.get(folder) : undefined;
        if (r !== undefined && r < (best.get(rest) ?? Infinity)) best.set(rest, r);
        if (owners.has(folder)) {
          const slash = rest.indexOf('/');
          if (slash !== -1) tops.add(rest.slice(0, slash));
          else if (py) tops.add(rest.slice(0, -3));
        }
        cut = p.indexOf('/', cut + 1);
      } while (cut !== -1);
    }
    return { bases, anyMapped, best, tops };
  };
  return {
    locate(module) {
      index ??= build();
      const rel = module.split('.').join('/');
      // locateModule tries each root in turn, `<rel>.py` before `<rel>/__init__.py`.
      let found: { rank: number; file: string } | undefined;
      for (const candidate of [`${rel}.py`, `${rel}/__init__.py`]) {
        const r = index.best.get(candidate);
        if (r !== undefined && (!found || r < found.rank)) found = { rank: r, file: index.bases[r] ? `${index.bases[r]}/${candidate}` : candidate };
      }
      return { file: found?.file, anyMapped: index.anyMapped };
    },
    ownsTopLevel(module) {
      index ??= build();
      return index.tops.has(module.split('.')[0] as string);
    },
  };
}
