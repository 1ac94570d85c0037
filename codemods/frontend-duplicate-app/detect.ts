/**
 * A second frontend app kept inside a Python package (seed 1.3: a root Vite UI and
 * `src/autopack/dashboard/frontend/`, a React app with its own package.json and lockfile under
 * the backend's package). An app is a package.json with a bundler or framework config of its
 * own (`frontendApps`); workspace members, examples, templates, docs sites and test apps are not
 * counted. The finding lists what references the nested app in CI, Dockerfiles, compose files,
 * Makefiles and docs, since archiving it must not leave those dangling.
 */
import path from 'node:path/posix';
import type { Workspace } from '../../src/workspace/workspace.js';
import type { Facts } from '../../src/facts/facts.js';
import { frontendApps, isNotProductDir, workflowPackageBuilds, buildContexts, type FrontendApp } from '../../src/facts/frontend-build.js';
import { repoPath } from '../../src/facts/compose.js';
import { isComposePath } from '../../src/formats/compose.js';
import { isDockerfilePath } from '../../src/formats/dockerfile.js';
import { isWorkflowPath } from '../../src/formats/workflow.js';
import { isManifestExcluded } from '../../src/facts/ecosystems.js';

export interface Reference {
  file: string;
  line: number;
  kind: 'CI' | 'Dockerfile' | 'compose' | 'Makefile' | 'package.json' | 'docs';
}

export interface NestedApp {
  app: FrontendApp;
  /** The innermost folder with an `__init__.py` that holds the app. */
  pythonPackage: string;
  /** The other product apps (not nested in a Python package, or nested in another). */
  others: Array<{ app: FrontendApp; builtInCi: boolean }>;
  builtInCi: boolean;
  references: Reference[];
  /**
   * Code and packaging files that name the app's folder (a backend serving its build, package
   * data): not listed in the message, but a move would break them, so they withhold the fix.
   */
  codeReferences: Array<{ file: string; line: number }>;
}

/** The innermost ancestor folder of `dir` (itself excluded) that is a Python package. */
function pythonPackageOf(ws: Workspace, dir: string): string | undefined {
  const parts = dir.split('/');
  for (let i = parts.length - 1; i >= 1; i--) {
    const ancestor = parts.slice(0, i).join('/');
    if (ws.has(`${ancestor}/__init__.py`)) return ancestor;
  }
  return undefined;
}

export function nestedApps(ws: Workspace, facts: Facts): NestedApp[] {
  // Members of a workspace are installed and built by their root: one product, not two.
  const apps = frontendApps(ws).filter((a) => a.workspaceRoot === undefined && !isNotProductDir(a.dir));
  if (apps.length < 2) return [];
  const ciBuilt = new Set(workflowPackageBuilds(ws).map((b) => b.packageDir));
  const out: NestedApp[] = [];
  for (const app of apps) {
    const pythonPackage = app.dir === '' ? undefined : pythonPackageOf(ws, app.dir);
    if (pythonPackage === undefined) continue;
    const others = apps.filter((o) => o !== app);
    // The other UI must live outside Python packages: two apps nested in packages (each a
    // plugin's bundled UI) are not one product with two front ends.
    if (!others.some((o) => o.dir === '' || pythonPackageOf(ws, o.dir) === undefined)) continue;
    out.push({
      app,
      pythonPackage,
      others: others.map((o) => ({ app: o, builtInCi: ciBuilt.has(o.dir) })),
      builtInCi: ciBuilt.has(app.dir),
      references: referencesTo(ws, facts, app.dir),
      codeReferences: codeReferencesTo(ws, app.dir, pythonPackage),
    });
  }
  return out;
}

function isInside(dir: string, parent: string): boolean {
  return parent === '' || dir === parent || dir.startsWith(`${parent}/`);
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function referenceKind(p: string): Reference['kind'] | undefined {
  if (isWorkflowPath(p)) return 'CI';
  if (isDockerfilePath(p)) return 'Dockerfile';
  if (isComposePath(p)) return 'compose';
  const base = p.slice(p.lastIndexOf('/') + 1);
  if (/^(GNU)?makefile$/i.test(base) || /\.mk$/.test(base)) return 'Makefile';
  if (base === 'package.json') return 'package.json';
  if (/\.(md|mdx|rst|adoc)$/i.test(base) || (/^docs?\//.test(p) && base.endsWith('.json'))) return 'docs';
  return undefined;
}

/**
 * Files outside the app that name its folder (as a path: `src/pkg/ui`, `./src/pkg/ui/`,
 * `../src/pkg/ui`), and Dockerfiles whose COPY sources, resolved in their build context, reach
 * into it.
 */
export function referencesTo(ws: Workspace, facts: Facts, dir: string): Reference[] {
  const re = new RegExp(`(?<![\\w-])${escapeRe(dir)}(?![\\w-])`);
  const out: Reference[] = [];
  for (const p of ws.paths) {
    if (isInside(p, dir) || isManifestExcluded(p)) continue;
    const kind = referenceKind(p);
    if (!kind) continue;
    const file = ws.read(p);
    if (!file) continue;
    const m = re.exec(file.text);
    if (m) {
      out.push({ file: p, line: file.text.slice(0, m.index).split('\n').length, kind });
      continue;
    }
    if (kind !== 'Dockerfile') continue;
    const model = facts.dockerfile(p);
    if (!model || model.error) continue;
    const contexts = buildContexts(facts, p, model);
    let hit: number | undefined;
    for (const stage of model.stages) {
      for (const copy of stage.copies) {
        if (copy.from !== undefined || hit !== undefined) continue;
        for (const src of copy.sources) {
          const reaches = contexts.some((c) => {
            const r = repoPath(c, src.value.replace(/^\/+/, ''));
            return r !== undefined && r !== '' && isInside(r, dir);
          });
          if (reaches) {
            hit = copy.start;
            break;
          }
        }
      }
    }
    if (hit !== undefined) out.push({ file: p, line: file.text.slice(0, hit).split('\n').length, kind });
  }
  return out;
}

const CODE_FILE = /\.(py|pyi|toml|cfg|ini|json|ya?ml|[cm]?[jt]sx?|html?|in|txt)$/i;
const ROOT_PACKAGING = new Set(['pyproject.toml', 'setup.py', 'setup.cfg', 'MANIFEST.in']);

/**
 * Files that may find the app by its folder name rather than its path: code and config inside
 * the outermost Python package that holds it (`Path(__file__).parent / "frontend" / "dist"`,
 * `STATICFILES_DIRS`), and the root packaging files (`package-data`, MANIFEST.in). A hit is the
 * folder's name as a path segment or a quoted string, or its full path.
 */
export function codeReferencesTo(ws: Workspace, dir: string, pythonPackage: string): Array<{ file: string; line: number }> {
  const base = dir.slice(dir.lastIndexOf('/') + 1);
  const re = new RegExp(`(?<![\\w-])${escapeRe(dir)}(?![\\w-])|(?<=[/\\\\'"\`])${escapeRe(base)}(?=[/\\\\'"\`])`);
  let top = pythonPackage;
  for (let d = path.dirname(pythonPackage); d !== '.' && ws.has(`${d}/__init__.py`); d = path.dirname(d)) top = d;
  const out: Array<{ file: string; line: number }> = [];
  for (const p of ws.paths) {
    if (isInside(p, dir)) continue;
    const inPackage = p.startsWith(`${top}/`) && CODE_FILE.test(p);
    if (!inPackage && !ROOT_PACKAGING.has(p)) continue;
    const file = ws.probe(p);
    const m = file ? re.exec(file.text) : null;
    if (file && m) out.push({ file: p, line: file.text.slice(0, m.index).split('\n').length });
  }
  return out;
}

/** The folder name under archive/experiments/: the app's path below its Python package's parent. */
export function archiveName(nested: NestedApp): string {
  const parent = path.dirname(nested.pythonPackage);
  const rel = parent === '.' ? nested.app.dir : nested.app.dir.slice(parent.length + 1);
  return rel.split('/').join('-');
}
