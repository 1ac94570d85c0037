/**
 * Repository paths written in Python code: which modules describe other repositories (so their
 * paths are not this one's), which constants are guard lists of paths (protected-path-missing),
 * and which of their entries such a list names although they do not exist. Shared by
 * protected-path-missing and legacy-path-literal, so one literal is judged by one rule.
 */
import type { Workspace } from '../workspace/workspace.js';
import type { PyCollectionElement, PyStringCollection } from '../formats/python-tree.js';

/** Code that describes other repositories (scaffolds, samples, test data) lists paths that are not this one's. */
export const NOT_THIS_REPOSITORY = /(^|\/)(tests?|testing|fixtures|examples?|samples?|templates?|scaffolds?|cookiecutter[^/]*|node_modules|site-packages|vendor|third_party|archive|docs)\//;

const GUARD_WORDS = new Set(['protected', 'protect', 'allowed', 'allow', 'allowlist', 'required', 'require', 'config', 'configs', 'critical', 'guarded', 'watched', 'locked', 'readonly', 'immutable', 'forbidden', 'restricted', 'sensitive']);

/** Lists of other things that share the guard words: hosts, origins, URLs, extensions, fields. */
const NOT_PATH_WORDS = new Set(['host', 'hosts', 'origin', 'origins', 'url', 'urls', 'domain', 'domains', 'scheme', 'schemes', 'ext', 'exts', 'extension', 'extensions', 'field', 'fields', 'key', 'keys', 'header', 'headers', 'method', 'methods', 'mime', 'mimetypes', 'types', 'env', 'vars']);

export function guardsPaths(name: string): boolean {
  const words = name.toLowerCase().split(/_+/);
  return words.some((w) => GUARD_WORDS.has(w)) && !words.some((w) => NOT_PATH_WORDS.has(w));
}

/** A relative path as people write one in a list: `config/x.yaml`, `.github/workflows/`, `src/app/`. */
const RELATIVE_PATH = /^(?:\.\/)?(?:[\w.@-]+\/)*[\w.@-]+\/?$/;

export interface PathEntry {
  element: PyCollectionElement;
  /** Root-relative, without `./` and the trailing slash. */
  path: string;
  dir: boolean;
}

/** The entries that read as repository paths (a `/` or a file extension; no globs, no URLs, no absolute paths). */
export function pathEntries(c: PyStringCollection): PathEntry[] {
  const out: PathEntry[] = [];
  for (const element of c.elements) {
    const value = element.string?.value;
    if (value === undefined || !RELATIVE_PATH.test(value) || value.startsWith('..')) continue;
    const dir = value.endsWith('/');
    const bare = value.replace(/^\.\//, '').replace(/\/$/, '');
    // A path has a folder in it (`config/x.yaml`, `src/app/`). A bare file name (`setup.py`) is
    // matched by name anywhere in most such lists, and a bare word (`lint`) is no path at all.
    if (!bare.includes('/') && !dir) continue;
    out.push({ element, path: bare, dir });
  }
  return out;
}

/**
 * The entries of a guard list (`PROTECTED_PATHS`, `DEFAULT_ALLOWED_PATHS`) that do not exist,
 * when other entries of the list do: what protected-path-missing reports. Empty for a list that
 * is no guard list, or none of whose paths exist (it may speak of another root).
 */
export function missingGuardEntries(ws: Workspace, c: PyStringCollection): PathEntry[] {
  if (!guardsPaths(c.name)) return [];
  const entries = pathEntries(c);
  const exists = (e: PathEntry): boolean => (e.dir ? ws.hasDir(e.path) : ws.has(e.path) || ws.hasDir(e.path));
  const present = entries.filter(exists);
  const missing = entries.filter((e) => !exists(e));
  return present.length ? missing : [];
}
