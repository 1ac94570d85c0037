/**
 * Repository-relative paths in Python string literals whose layout root this repository does
 * not have (`src/backend/`, `backend/api/routes.py`): a default root of another layout, left in
 * an allow-list, a prompt or a scanner heuristic.
 */
import type { Workspace } from '../../src/workspace/workspace.js';
import { isGitIgnored, underSubmodule } from '../../src/facts/docs/paths.js';
import type { PyLiteral } from './strings.js';

/**
 * Folders that are the root of a project layout: a path under one names the layout
 * (`backend/api`, `frontend/src`). Under a container root (`src/`, `apps/` …) the layout root is
 * the package folder inside it (`src/backend`).
 */
const LAYOUT_ROOTS = new Set(['backend', 'frontend']);
const CONTAINER_ROOTS = new Set(['src', 'apps', 'packages', 'services']);

/** A relative path inside a string: a word of path characters with a `/`, not after `/`, `:` or a word character. */
const PATH_TOKEN = /(?<![\w/.:@~$%{-])(?:\.\/)?[A-Za-z_][\w-]*\/(?:[\w.-]+\/?)*(?![\w/{$*<])/g;

/** Calls that make, write, move or match the path at run time: the path need not exist beforehand. */
const RUNTIME_CALL = /(^|\.)(mkdir|makedirs|open|write_text|write_bytes|touch|copy\w*|move|rename|replace|rmtree|mkdtemp|TemporaryDirectory|glob|iglob|rglob|fnmatch\w*|match|symlink_to|hardlink_to|NamedTemporaryFile|to_csv|to_json|savefig|save|dump)$/;

/** Calls that take a URL or a route, not a file path (`urljoin`, `requests.post`, Django's `path`). */
const URL_CALL = /(^|\.)(urljoin|urlparse|urlsplit|get|post|put|patch|delete|head|options|request|fetch|path|re_path|url|redirect|reverse|route|api_route|websocket)$/i;

export interface LegacyPath {
  literal: PyLiteral;
  /** The path as written, and where it sits in the file. */
  written: string;
  start: number;
  end: number;
  /** The layout root it names, which does not exist (`src/backend`, `backend`). */
  root: string;
  /** The whole string is this path (a default root, an allow-list entry), not a word of prose. */
  whole: boolean;
}

/** The layout root a path names, when it names one (`src/backend/x.py` → `src/backend`). */
export function layoutRoot(p: string): string | undefined {
  const segs = p.replace(/^\.\//, '').split('/').filter(Boolean);
  const first = segs[0];
  if (first === undefined) return undefined;
  if (CONTAINER_ROOTS.has(first)) {
    // `src/` alone or `src/main.py` names no package folder.
    const second = segs[1];
    return second === undefined || second.includes('.') ? undefined : `${first}/${second}`;
  }
  return LAYOUT_ROOTS.has(first) ? first : undefined;
}

/** The paths of one literal whose layout root does not exist. */
export function legacyPaths(ws: Workspace, lit: PyLiteral, text: string): LegacyPath[] {
  const value = lit.string.value;
  if (value === undefined || lit.docstring || lit.inDict) return [];
  if (lit.urlContext || lit.calls.some((c) => RUNTIME_CALL.test(c) || URL_CALL.test(c))) return [];
  // A path the module makes at run time under the name it is bound to (`OUT = "backend/out"`,
  // later `OUT.mkdir()` or `os.makedirs(OUT)`).
  if (lit.assignedTo && new RegExp(`(makedirs|mkdir)\\([^)]*\\b${escape(lit.assignedTo)}\\b|\\b${escape(lit.assignedTo)}\\)?\\.(mkdir|write_text|write_bytes|touch)\\(`).test(text)) return [];
  const out: LegacyPath[] = [];
  for (const m of value.matchAll(PATH_TOKEN)) {
    const written = m[0].replace(/[.]+$/, '');
    const at = m.index ?? 0;
    // A URL path (`https://x/backend/api`, `/backend/api`) or a module path with dots is no repository path.
    if (/https?:|www\./i.test(value.slice(Math.max(0, at - 80), at))) continue;
    const root = layoutRoot(written);
    if (!root || ws.hasDir(root) || ws.has(root) || isGitIgnored(ws, root, true) || underSubmodule(ws, root)) continue;
    // A path found under another folder (a template tree, a sub-project: `generator/template/
    // src/version/index.ts`) speaks of that folder's layout, not of this repository's root.
    if (foundBelow(ws, written)) continue;
    const start = lit.string.contentStart + at;
    out.push({ literal: lit, written, start, end: start + written.length, root, whole: written === value });
  }
  return out;
}

function foundBelow(ws: Workspace, written: string): boolean {
  const plain = written.replace(/^\.\//, '').replace(/\/$/, '');
  return ws.paths.some((p) => p.endsWith(`/${plain}`) || p.includes(`/${plain}/`));
}

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * The repository's Python package roots: folders with an `__init__.py` at the top of the
 * repository or directly under `src/`, outside tests, docs, examples and the like.
 */
export function packageRoots(ws: Workspace): string[] {
  const roots = new Set<string>();
  for (const p of ws.paths) {
    const m = /^((?:src\/)?[A-Za-z_]\w*)\/__init__\.py$/.exec(p);
    if (!m) continue;
    const dir = m[1] as string;
    // `src/__init__.py` makes the container a package too (`import src.autopack`): the root
    // meant is the package inside it.
    if (dir === 'src' || /(^|\/)(tests?|testing|docs?|examples?|samples?|scripts|tools|migrations|benchmarks?)$/.test(dir)) continue;
    roots.add(dir);
  }
  return [...roots].sort();
}
