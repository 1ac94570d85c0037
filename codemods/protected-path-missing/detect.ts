/**
 * Which Python constants are path lists of this repository: the name says what the list guards
 * (protected, allowed, required, config …), its string entries look like relative paths, and at
 * least one of them exists — the evidence that the list speaks of this repository, relative to
 * its root, and not of another project or a user's machine. The reading lives in
 * src/facts/python-paths.ts, shared with legacy-path-literal (which leaves these entries to
 * this rule).
 */
export { guardsPaths, missingGuardEntries, pathEntries, NOT_THIS_REPOSITORY, type PathEntry } from '../../src/facts/python-paths.js';
import { guardsPaths } from '../../src/facts/python-paths.js';

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
