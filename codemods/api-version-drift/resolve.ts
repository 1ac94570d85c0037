/**
 * The value of a module's version name, followed through the repository: `from .version import
 * __version__` to the module that assigns it, `version("pkg")` to the pyproject.toml that names
 * `pkg`. Undefined whenever a step is not certain (a module that several roots could mean, a
 * dynamic version, a computed value): the rule then judges nothing.
 */
import path from 'node:path/posix';
import type { RuleContext } from '../../src/model/rule.js';
import { versionSurface, type VersionSource } from './surface.js';

/** Import hops followed before giving up (`main` → `__init__` → `_version`). */
const MAX_HOPS = 4;

export interface ResolvedVersion {
  value: string;
  /** Where the value is written, for the message (`src/pkg/__init__.py`, `pyproject.toml`). */
  from: string;
}

export async function resolveVersion(ctx: RuleContext, file: string, source: VersionSource, hops = 0): Promise<ResolvedVersion | undefined> {
  switch (source.kind) {
    case 'literal':
      return { value: source.value, from: file };
    case 'distribution':
      return distributionVersion(ctx, source.name);
    case 'opaque':
      return undefined;
    case 'import': {
      if (hops >= MAX_HOPS) return undefined;
      const target = resolveModule(ctx, file, source.module);
      const f = target ? ctx.workspace.read(target) : undefined;
      if (!target || !f) return undefined;
      const binding = (await versionSurface(f)).bindings.filter((b) => b.name === source.attr);
      // Bound twice at module level (a fallback after a failed import): not one value.
      if (binding.length !== 1) return undefined;
      return resolveVersion(ctx, target, (binding[0] as { source: VersionSource }).source, hops + 1);
    }
  }
}

/**
 * The repository file of `module` as imported from `file`: relative imports from the file's
 * package; absolute ones from any folder above the file (the repository root, `src/`, a
 * service folder), when exactly one of them holds it.
 */
export function resolveModule(ctx: RuleContext, file: string, module: string): string | undefined {
  const dots = /^\.*/.exec(module)?.[0].length ?? 0;
  const rel = module.slice(dots).split('.').filter(Boolean).join('/');
  const candidatesIn = (dir: string): string[] => {
    const base = rel ? path.join(dir, rel) : dir;
    return (rel ? [`${base}.py`, `${base}/__init__.py`] : [`${base}/__init__.py`]).map((p) => p.replace(/^\.\//, '')).filter((p) => ctx.workspace.has(p));
  };
  if (dots > 0) {
    let dir = path.dirname(file);
    for (let i = 1; i < dots; i++) dir = path.dirname(dir);
    const found = candidatesIn(dir);
    return found.length === 1 ? found[0] : undefined;
  }
  const found = new Set<string>();
  for (let dir = path.dirname(file); ; dir = path.dirname(dir)) {
    for (const c of candidatesIn(dir)) found.add(c);
    if (dir === '.' || dir === '/' || dir === '') break;
  }
  return found.size === 1 ? [...found][0] : undefined;
}

/** PEP 503 normalisation: `My_Pkg` and `my-pkg` are one distribution. */
const normalise = (name: string): string => name.toLowerCase().replace(/[-_.]+/g, '-');

/** `[project] version` (or poetry's) of the one pyproject.toml whose name is `name`. */
function distributionVersion(ctx: RuleContext, name: string): ResolvedVersion | undefined {
  const hits: ResolvedVersion[] = [];
  let named = 0;
  for (const p of ctx.workspace.paths) {
    if (path.basename(p) !== 'pyproject.toml') continue;
    const toml = ctx.files.toml(p)?.value;
    const project = table(toml?.project);
    const poetry = table(table(toml?.tool)?.poetry);
    const declared = typeof project?.name === 'string' ? project.name : typeof poetry?.name === 'string' ? poetry.name : undefined;
    if (!declared || normalise(declared) !== normalise(name)) continue;
    named++;
    const dynamic = Array.isArray(project?.dynamic) && project.dynamic.includes('version');
    const version = typeof project?.version === 'string' ? project.version : typeof poetry?.version === 'string' ? poetry.version : undefined;
    if (version && !dynamic) hits.push({ value: version, from: p });
  }
  return named === 1 && hits.length === 1 ? hits[0] : undefined;
}

function table(v: unknown): Record<string, unknown> | undefined {
  return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
}
