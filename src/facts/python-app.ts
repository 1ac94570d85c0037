import path from 'node:path/posix';
import type { Workspace } from '../workspace/workspace.js';
import { summarizePython } from '../formats/python.js';
import { defineFact } from './fact.js';
import { Facts } from './facts.js';

/**
 * Where a Python process looks for modules, in container terms, and how container paths map
 * back to files of the repository. Module resolution works on container paths so that
 * `WORKDIR /app` + `COPY src/ ./src/` + `ENV PYTHONPATH=/app/src` is judged the way Python
 * inside the image would judge it.
 */
export interface ExecContext {
  /** Absolute container directories searched in order (cwd, PYTHONPATH, --app-dir …). */
  roots: string[];
  /** Container path → repo path ('' = repo root). Longest container prefix wins. */
  mappings: PathMapping[];
}

export interface PathMapping {
  container: string;
  repo: string;
  /** A directory mapping covers everything below it; a file mapping only itself. */
  dir: boolean;
}

/** Used when nothing ties a process to an image: the repo is mounted at this path. */
export const REPO_MOUNT = '/__repo__';

export function repoContext(dirs: string[]): ExecContext {
  return {
    roots: dirs.map((d) => (d ? `${REPO_MOUNT}/${d}` : REPO_MOUNT)),
    mappings: [{ container: REPO_MOUNT, repo: '', dir: true }],
  };
}

export function toRepoPath(ctx: ExecContext, containerPath: string): string | undefined {
  let best: PathMapping | undefined;
  for (const m of ctx.mappings) {
    const covers = containerPath === m.container || (m.dir && containerPath.startsWith(m.container === '/' ? '/' : `${m.container}/`));
    if (covers && (!best || m.container.length >= best.container.length)) best = m;
  }
  if (!best) return undefined;
  const rest = containerPath === best.container ? '' : containerPath.slice(best.container === '/' ? 1 : best.container.length + 1);
  return [best.repo, rest].filter(Boolean).join('/');
}

export function toContainerPaths(ctx: ExecContext, repoPath: string): string[] {
  const out: string[] = [];
  for (const m of ctx.mappings) {
    if (repoPath === m.repo) out.push(m.container);
    else if (m.dir && (m.repo === '' || repoPath.startsWith(`${m.repo}/`))) {
      out.push(path.join(m.container, m.repo === '' ? repoPath : repoPath.slice(m.repo.length + 1)));
    }
  }
  return out;
}

export interface AppTarget {
  module: string;
  attr: string;
}

/** `pkg.mod:app`, `pkg.mod:create_app()`; anything else is not an app target. */
export function parseAppTarget(token: string): AppTarget | undefined {
  const m = /^([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*):([A-Za-z_][A-Za-z0-9_]*)(\(.*\))?$/.exec(token);
  if (!m) return undefined;
  return { module: m[1] as string, attr: m[2] as string };
}

export type Resolution =
  | { status: 'ok'; file: string }
  | { status: 'missing'; reason: string }
  /** Could be an installed package, a star import, or a path we cannot map: never judged. */
  | { status: 'unknown'; reason: string };

export async function resolveAppTarget(ws: Workspace, ctx: ExecContext, target: AppTarget): Promise<Resolution> {
  return judgeLocated(ws, target, locateModule(ws, ctx, target.module));
}

/** Where a module was found on a search path: the first root that holds it. */
export interface Located {
  file: string | undefined;
  /** Some root maps to the repository (else nothing can be said). */
  anyMapped: boolean;
}

/**
 * The file `module` loads from on `ctx`'s search path. On the concatenation of two search paths
 * it is the first one's answer when that one finds the file, else the second's: callers that
 * share a long tail of roots look the tail up once (docs-command-drift).
 */
export function locateModule(ws: Workspace, ctx: ExecContext, module: string): Located {
  const rel = module.split('.').join('/');
  let anyMapped = false;
  for (const root of ctx.roots) {
    for (const candidate of [`${rel}.py`, `${rel}/__init__.py`]) {
      const repo = toRepoPath(ctx, path.join(root, candidate));
      if (repo === undefined) continue;
      anyMapped = true;
      if (ws.has(repo)) return { file: repo, anyMapped };
    }
  }
  return { file: undefined, anyMapped };
}

/** Whether the app object is where a search path located its module. */
export async function judgeLocated(ws: Workspace, target: AppTarget, located: Located): Promise<Resolution> {
  const moduleFile = located.file;
  if (!moduleFile) {
    if (!located.anyMapped) return { status: 'unknown', reason: 'no search path maps to the repository' };
    // A top-level package the repo does not contain but does depend on is installed: not ours to judge.
    const top = target.module.split('.')[0] as string;
    if (!repoHasName(ws, top) && declaredAsDependency(ws, top)) return { status: 'unknown', reason: `\`${top}\` is an installed dependency` };
    return { status: 'missing', reason: `module \`${target.module}\` does not exist` };
  }
  const file = ws.read(moduleFile);
  if (!file) return { status: 'unknown', reason: `${moduleFile} could not be read` };
  const summary = await summarizePython(file);
  if (summary.bindings.has(target.attr)) return { status: 'ok', file: moduleFile };
  if (summary.open || summary.error) return { status: 'unknown', reason: `${moduleFile} may define \`${target.attr}\` dynamically` };
  return { status: 'missing', reason: `\`${target.module}\` has no \`${target.attr}\`` };
}

const DEPENDENCY_FILE = /(^|\/)(requirements[^/]*\.(txt|in)|pyproject\.toml|setup\.cfg|setup\.py|Pipfile|environment\.ya?ml|(Dockerfile|Containerfile)[^/]*|[^/]*\.dockerfile)$/i;

/** Whether any dependency manifest (or a `pip install` in a Dockerfile) names `name`. */
function declaredAsDependency(ws: Workspace, name: string): boolean {
  const flexible = name.replace(/[-_.]/g, '[-_.]');
  // `superset` is installed as `apache-superset`: a separator-delimited part of a name counts.
  const word = new RegExp(`(^|[^A-Za-z0-9])${flexible}([^A-Za-z0-9]|$)`, 'im');
  for (const p of ws.paths) {
    if (!DEPENDENCY_FILE.test(p)) continue;
    let text = ws.probe(p)?.text;
    if (text && /(^|\/)(Dockerfile|Containerfile)[^/]*$|\.dockerfile$/i.test(p)) {
      // In a Dockerfile only install commands name dependencies (CMD names the app itself).
      text = text.split('\n').filter((l) => /\b(pip3?|pipx|uv|poetry|conda|mamba)\b.*\b(install|add)\b/.test(l)).join('\n');
    }
    if (text && word.test(text)) return true;
  }
  return false;
}

/** Module stems and folder names of a view, indexed once (repoHasName is asked for every module name). */
const MODULE_NAMES = defineFact('python module stems and folder names', (f) => {
  const index = { modules: new Set<string>(), folders: new Set<string>() };
  for (const p of f.workspace.paths) {
    const parts = p.split('/');
    const last = parts[parts.length - 1] as string;
    if (last.endsWith('.py')) index.modules.add(last.slice(0, -3));
    for (const dir of parts.slice(0, -1)) index.folders.add(dir);
  }
  return index;
});

/** Whether a `<name>.py` or a folder `<name>` exists anywhere in the view. */
function repoHasName(ws: Workspace, name: string): boolean {
  const index = Facts.of(ws).get(MODULE_NAMES);
  return index.modules.has(name) || index.folders.has(name);
}

/** Module name of a repo file as seen from the context's roots, shortest first. */
export function moduleNamesFor(ctx: ExecContext, repoFile: string): string[] {
  const names = new Set<string>();
  for (const c of toContainerPaths(ctx, repoFile)) {
    for (const root of ctx.roots) {
      if (!c.startsWith(root === '/' ? '/' : `${root}/`)) continue;
      let rel = c.slice(root === '/' ? 1 : root.length + 1).replace(/\.py$/, '');
      rel = rel.replace(/\/__init__$/, '');
      if (rel.split('/').every((part) => /^[A-Za-z_][A-Za-z0-9_]*$/.test(part))) names.add(rel.split('/').join('.'));
    }
  }
  return [...names].sort((a, b) => a.length - b.length || a.localeCompare(b));
}

export interface DiscoveredApp {
  file: string;
  name: string;
  callee: string;
}

/**
 * Module-level application objects (`app = FastAPI(...)`) anywhere in the repo. The list of
 * constructors is an option of the rule that asks, never fixed here.
 */
export async function discoverApps(ws: Workspace, factories: readonly string[]): Promise<DiscoveredApp[]> {
  if (factories.length === 0) return [];
  const pattern = new RegExp(`\\b(?:${factories.map(escapeRegExp).join('|')})\\s*\\(`);
  const apps: DiscoveredApp[] = [];
  for (const p of ws.paths) {
    if (!p.endsWith('.py')) continue;
    const file = ws.probe(p);
    // Cheap text filter first: only files that mention a constructor are parsed, and those the
    // search relies on (an app there that does not parse is an app not found).
    if (!file || !pattern.test(file.text)) continue;
    ws.read(p);
    const summary = await summarizePython(file);
    for (const call of summary.calls) if (factories.includes(call.callee)) apps.push({ file: p, name: call.name, callee: call.callee });
  }
  return apps;
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
