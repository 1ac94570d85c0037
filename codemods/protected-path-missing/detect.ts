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
import { assignedValue, codeTokens, forEachName, isOp, isOpIn, statementEnd, stringEnd, TOKEN, tokenScratch, tokenText, type CodeTokens, type TokenScratch } from '../../src/formats/python-scan.js';

/** Where a guard word may start, in any case: each of GUARD_WORDS holds one of these. */
const GUARD_STEMS = 'protect|allow|requir|config|critical|guard|watch|lock|readonly|immutable|forbid|restrict|sensitiv';
const GUARD_STEM = new RegExp(GUARD_STEMS, 'i');
/**
 * Text that may bind a guard-named identifier, looked for before the module is read as tokens
 * (a superset of what the token reading takes): an identifier with a guard stem after a line
 * break, a `;` or a `:` and blanks, then blanks or line continuations and `=` or an annotation's
 * `:`. Identifier characters are read as word characters and every character beyond ASCII: a
 * superset that needs no Unicode flag, which made the look a third slower.
 */
const MAY_ASSIGN_GUARD_NAME = new RegExp(String.raw`(?:^|[;:])[ \t\f]*[\w\u0080-\uffff]*?(?:${GUARD_STEMS})[\w\u0080-\uffff]*(?:[ \t\f]|\\\r?\n|\\\r)*[:=]`, 'gim');
/**
 * The token buffers of `mayBindGuardList`, reused from one module to the next: allocating and
 * growing them for each module was a quarter of its time. Scratch space, not a cache: nothing
 * read from one module is kept for another, and the tokens do not outlive the call (which
 * never waits, so no other call can reuse them meanwhile).
 */
let scratch: TokenScratch | undefined;

/** The calls python-tree reads as a collection (`frozenset({...})`). */
const CONSTRUCTORS = new Set(['set', 'frozenset', 'list', 'tuple']);
const OPENERS = new Set(['(', '[']);
const SLASH = 47;

/**
 * Prefilter, before any parse: whether the module may bind a guard list the rule can judge.
 *
 * The rule judges a list only when one of its path entries exists and another does not
 * (`missingGuardEntries`), and a path entry is a plain string literal whose text holds a `/`
 * (`pathEntries`: python-tree's `readString` gives no value to an f-string, a bytes literal or a
 * string with escapes). python-tree reads collections bound outside functions (`NAME = <value>`
 * or `NAME: T = <value>` in the module's blocks and class bodies). So a module the rule can
 * judge has such a statement outside any `def`, where `guardsPaths(NAME)`, the value may be a
 * collection (it opens with a bracket or a constructor call, or holds a comma outside brackets:
 * a bare tuple; a dict with a string key is not one), and at least two string tokens of the
 * statement hold a `/`. Keyword arguments (`config=None,` in a call), comparisons, other
 * values (`config = load()`), lists of hosts and settings dicts, most of the names with a
 * guard word in real code, are left out. A module the token scan cannot read is taken.
 */
export function mayBindGuardList(text: string): boolean {
  if (!text.includes('/') || !mayAssignPathsToGuardName(text)) return false;
  const t = codeTokens(text, (scratch ??= tokenScratch()));
  if (!t) return true;
  let found = false;
  forEachName(t, (i, { statement, inFunction }) => {
    if (found || !statement || inFunction) return;
    const name = tokenText(t, t, i);
    if (!GUARD_STEM.test(name) || !guardsPaths(name)) return;
    const j = assignedValue(t, i);
    if (j === -1) return;
    const end = statementEnd(t, j);
    found = mayBeCollection(t, j, end) && pathLikeStrings(t, j, end) >= 2;
  });
  return found;
}

/**
 * The look before the tokens: text that may bind a guard-named identifier (MAY_ASSIGN_GUARD_NAME)
 * to a value with two strings that hold a `/` before its logical line ends. The rest of the line
 * is read as if the statement stood outside brackets: a keyword argument (`config=None,` in a
 * call) meets the call's closing bracket and is left out. What only a parse can tell (an f-string,
 * which may hold quotes of its own kind in its fields; an unclosed string) is taken.
 */
function mayAssignPathsToGuardName(text: string): boolean {
  MAY_ASSIGN_GUARD_NAME.lastIndex = 0;
  for (let m = MAY_ASSIGN_GUARD_NAME.exec(text); m; m = MAY_ASSIGN_GUARD_NAME.exec(text)) {
    if (twoSlashStringsAhead(text, MAY_ASSIGN_GUARD_NAME.lastIndex)) return true;
  }
  return false;
}

const BACKSLASH = 92;

function twoSlashStringsAhead(text: string, pos: number): boolean {
  let depth = 0;
  let strings = 0;
  for (let i = pos; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === BACKSLASH) {
      i++;
    } else if (c === 35 /* # */) {
      const eol = text.indexOf('\n', i);
      if (eol === -1) return false;
      i = eol - 1;
    } else if (c === 34 /* " */ || c === 39 /* ' */) {
      const prefix = text.charCodeAt(i - 1) | 32;
      if (prefix === 102 /* f */ || prefix === 116 /* t */ || ((text.charCodeAt(i - 2) | 32) === 102 || (text.charCodeAt(i - 2) | 32) === 116)) return true;
      const end = stringEnd(text, i);
      if (end === -1) return true;
      if (holdsSlash(text, i, end) && ++strings === 2) return true;
      i = end - 1;
    } else if (c === 40 || c === 91 || c === 123) {
      depth++;
    } else if (c === 41 || c === 93 || c === 125) {
      if (depth === 0) return false;
      depth--;
    } else if (depth === 0 && (c === 10 || c === 13 || c === 59 /* ; */)) {
      return false;
    }
  }
  return false;
}

/** Whether the value at token `j` (its statement ends at `end`) may be a set, list or tuple (a superset: a prefilter). */
function mayBeCollection(t: CodeTokens, j: number, end: number): boolean {
  if (t.kinds[j] === TOKEN.name && isOp(t, j + 1, '(') && CONSTRUCTORS.has(tokenText(t, t, j))) return true;
  if (isOpIn(t, j, OPENERS)) return true;
  if (isOp(t, j, '{')) {
    // `{"a": …}` is a dict (and `{}` an empty one).
    let k = j + 1;
    while (t.kinds[k] === TOKEN.string) k++;
    return !(k > j + 1 && isOp(t, k, ':')) && !isOp(t, j + 1, '}');
  }
  // A bare tuple: a comma outside the value's brackets.
  const depth = t.depths[j];
  for (let k = j; k < end; k++) if (t.depths[k] === depth && isOp(t, k, ',')) return true;
  return false;
}

/** How many string tokens from `j` to `end` hold a `/`. */
function pathLikeStrings(t: CodeTokens, j: number, end: number): number {
  let n = 0;
  for (let k = j; k < end; k++) if (t.kinds[k] === TOKEN.string && holdsSlash(t.text, t.starts[k] as number, t.ends[k] as number)) n++;
  return n;
}

/** Whether `text` holds a `/` from `start` to `end` (a search that stops at `end`). */
function holdsSlash(text: string, start: number, end: number): boolean {
  for (let c = start; c < end; c++) if (text.charCodeAt(c) === SLASH) return true;
  return false;
}
