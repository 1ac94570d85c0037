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
import { IDENT_CHAR, stringEnd } from '../../src/formats/python-scan.js';

/** Where a guard word may start, in any case: each of GUARD_WORDS holds one of these. */
const GUARD_STEM = /protect|allow|requir|config|critical|guard|watch|lock|readonly|immutable|forbid|restrict|sensitiv/gi;
/** What precedes a statement on its line, past indentation. */
const STATEMENT_START = new Set(['\n', '\r', ';', ':']);
/** What follows the name of an assignment (`NAME = …`, `NAME: T = …`), past blanks and line continuations. */
const THEN_ASSIGN = /[ \t\f\r\n\\]*(?:=(?!=)|:)/y;

/** Blanks and line continuations inside a statement. */
const BLANKS = /(?:[ \t\f]|\\\r?\n|\\\r)*/y;
/** A call of a collection constructor, as python-tree reads one (`frozenset({...})`). */
const CONSTRUCTOR_CALL = /(?:frozenset|set|list|tuple)[ \t\f]*\(/y;

/**
 * Prefilter, before any parse: whether the text may bind a guard list, that is, holds an
 * identifier that `guardsPaths` takes, at the start of a statement (after a line break and
 * indentation, `;`, or the `:` of a one-line block), assigned a value (`=`, or `: T =`) that may
 * be a collection: one that starts with a bracket or a constructor call, or holds a comma
 * outside brackets (a bare tuple). Every collection the rule judges is such an assignment
 * (python-tree reads `NAME = <set, list or tuple>` statements of module and class bodies; its
 * name is the identifier token), so a file without one holds none. Keyword arguments
 * (`required=True`), comparisons, attributes and other values (`config = load()`, most of the
 * names with a guard word in real code) are left out.
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
    if (!THEN_ASSIGN.test(text)) continue;
    const value = text[THEN_ASSIGN.lastIndex - 1] === '=' ? THEN_ASSIGN.lastIndex : scanStatement(text, THEN_ASSIGN.lastIndex, '=');
    if (value === UNSURE || (value >= 0 && mayBeCollection(text, value))) return true;
  }
  return false;
}

/** A scan that met what it cannot judge without a parse (an f-string, an unclosed string): say yes. */
const UNSURE = -2;

/** Whether the value that starts at `pos` may be a set, list or tuple (a superset: a prefilter). */
function mayBeCollection(text: string, pos: number): boolean {
  BLANKS.lastIndex = pos;
  BLANKS.test(text);
  const start = BLANKS.lastIndex;
  const c = text[start];
  if (c === '[' || c === '{' || c === '(') return true;
  CONSTRUCTOR_CALL.lastIndex = start;
  if (CONSTRUCTOR_CALL.test(text)) return true;
  return scanStatement(text, start, ',') !== -1;
}

/**
 * The offset after the first `want` (`,`, or an `=` that is not part of `==`, `<=` …) outside
 * brackets and strings in the rest of the statement that starts at `pos`; -1 when the statement
 * ends without one; UNSURE for what only a parse could tell.
 */
function scanStatement(text: string, pos: number, want: ',' | '='): number {
  let depth = 0;
  for (let i = pos; i < text.length; i++) {
    const c = text[i] as string;
    if (c === '\\') {
      i++;
    } else if (c === '#') {
      const eol = text.indexOf('\n', i);
      if (eol === -1) return -1;
      i = eol - 1;
    } else if (c === '"' || c === "'") {
      // An f-string (or t-string) may hold quotes of its own kind in its fields (Python 3.12).
      if (/[fFtT][A-Za-z]?$/.test(text.slice(Math.max(pos, i - 2), i))) return UNSURE;
      const closed = stringEnd(text, i);
      if (closed === -1) return UNSURE;
      i = closed - 1;
    } else if (c === '(' || c === '[' || c === '{') {
      depth++;
    } else if (c === ')' || c === ']' || c === '}') {
      if (depth === 0) return -1;
      depth--;
    } else if (depth === 0 && (c === '\n' || c === '\r' || c === ';')) {
      return -1;
    } else if (depth === 0 && c === want) {
      if (want === ',') return i + 1;
      const prev = text[i - 1];
      if (text[i + 1] === '=') i++;
      else if (prev !== '<' && prev !== '>' && prev !== '!' && prev !== '=' && prev !== ':') return i + 1;
    }
  }
  return depth === 0 ? -1 : UNSURE;
}
