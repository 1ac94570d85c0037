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

/** Where a guard word may start, in any case: each of GUARD_WORDS holds one of these. */
const GUARD_STEM = /protect|allow|requir|config|critical|guard|watch|lock|readonly|immutable|forbid|restrict|sensitiv/gi;
/** A character of a Python identifier (tree-sitter-python: `[_\p{XID_Start}][_\p{XID_Continue}]*`). */
const IDENT_CHAR = /[\p{XID_Continue}\p{XID_Start}_]/u;
/** What precedes a statement on its line, past indentation. */
const STATEMENT_START = new Set(['\n', '\r', ';', ':']);
/** What follows the name of an assignment (`NAME = …`, `NAME: T = …`), past blanks and line continuations. */
const THEN_ASSIGN = /[ \t\f\r\n\\]*(?:=(?!=)|:)/y;

/**
 * Prefilter, before any parse: whether the text may bind a guard list, that is, holds an
 * identifier that `guardsPaths` takes, at the start of a statement (after a line break and
 * indentation, `;`, or the `:` of a one-line block) and followed by `=` or `:` (an annotation).
 * Every collection the rule judges is such an assignment (python-tree reads `NAME = [...]`
 * statements of module and class bodies; its name is the identifier token), so a file without
 * one holds none. Keyword arguments (`required=True`), comparisons and attributes are left out.
 */
export function mayBindGuardList(text: string): boolean {
  GUARD_STEM.lastIndex = 0;
  for (let m = GUARD_STEM.exec(text); m; m = GUARD_STEM.exec(text)) {
    let start = m.index;
    let end = start + m[0].length;
    while (start > 0 && IDENT_CHAR.test(text[start - 1] as string)) start--;
    while (end < text.length && IDENT_CHAR.test(text[end] as string)) end++;
    GUARD_STEM.lastIndex = end;
    let before = start - 1;
    while (before >= 0 && (text[before] === ' ' || text[before] === '\t' || text[before] === '\f')) before--;
    if (before >= 0 && !STATEMENT_START.has(text[before] as string)) continue;
    if (!guardsPaths(text.slice(start, end))) continue;
    THEN_ASSIGN.lastIndex = end;
    if (THEN_ASSIGN.test(text)) return true;
  }
  return false;
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
