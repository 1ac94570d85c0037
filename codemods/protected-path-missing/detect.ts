/**
 * Which Python constants are path lists of this repository: the name says what the list guards
 * (protected, allowed, required, config …), its string entries look like relative paths, and at
 * least one of them exists — the evidence that the list speaks of this repository, relative to
 * its root, and not of another project or a user's machine.
 */
import type { PyCollectionElement, PyStringCollection } from '../../src/formats/python-tree.js';

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
