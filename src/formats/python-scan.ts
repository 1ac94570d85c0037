/**
 * Cheap looks at Python source before any parse: a scan that skips strings and comments and
 * reads the keywords of the code, for prefilters that must never say no to a module that holds
 * what a rule looks for.
 */

const IDENT_START = /[\p{XID_Start}_]/u;
/** A character of a Python identifier (tree-sitter-python: `[_\p{XID_Start}][_\p{XID_Continue}]*`). */
export const IDENT_CHAR = /[\p{XID_Continue}\p{XID_Start}_]/u;

/** ASCII letters, digits and `_` by code, the rest by the Unicode classes (identifiers are mostly ASCII). */
function identStart(code: number, c: string): boolean {
  return (code >= 97 && code <= 122) || (code >= 65 && code <= 90) || code === 95 || (code > 127 && IDENT_START.test(c));
}

function identChar(code: number, c: string): boolean {
  return (code >= 97 && code <= 122) || (code >= 65 && code <= 90) || (code >= 48 && code <= 57) || code === 95 || (code > 127 && IDENT_CHAR.test(c));
}

const NUMBER_CHAR = /[0-9a-fA-FxXoObB_.]/;

/**
 * Whether the module may hold a membership test (`a in b`, `a not in b`). In code, every `for`
 * (a loop or a comprehension) takes exactly one `in`; any other `in` is the operator. So the
 * code holds one exactly when it has more `in` keywords than `for` keywords. What the scan
 * cannot place is counted on the side of yes: an `in` inside an f-string (its fields are code)
 * counts, a `for` there does not, and an unclosed string ends the scan with yes.
 */
export function mayHoldMembershipTest(text: string): boolean {
  if (!/in(?![\p{XID_Continue}_])/u.test(text)) return false;
  let ins = 0;
  let fors = 0;
  const n = text.length;
  for (let i = 0; i < n; ) {
    const code = text.charCodeAt(i);
    const c = text[i] as string;
    if (c === '#') {
      const eol = text.indexOf('\n', i);
      if (eol === -1) break;
      i = eol + 1;
    } else if (c === '"' || c === "'") {
      const end = stringEnd(text, i);
      if (end === -1) return true;
      i = end;
    } else if (identStart(code, c)) {
      let j = i + 1;
      while (j < n && identChar(text.charCodeAt(j), text[j] as string)) j++;
      const word = text.slice(i, j);
      const quote = text[j];
      if ((quote === '"' || quote === "'") && /^[rRbBuUfFtT]{1,2}$/.test(word)) {
        // A prefixed string: an f-string's (or t-string's) fields are code.
        const end = stringEnd(text, j);
        if (end === -1) return true;
        if (/[fFtT]/.test(word)) {
          const body = text.slice(j, end);
          // Unbalanced braces: a field that holds quotes of the string's own kind (Python 3.12)
          // ended the string early here, and the rest of it would be read as code.
          if (count(body, '{') !== count(body, '}')) return true;
          ins += (body.match(/(?<![\p{XID_Continue}_])in(?![\p{XID_Continue}_])/gu) ?? []).length;
        }
        i = end;
        continue;
      }
      if (word === 'in') ins++;
      else if (word === 'for') fors++;
      i = j;
    } else if (code >= 48 && code <= 57) {
      // A number (`1e5`, `0x1F`, `1_000`). Only its own characters: `1in x` is `1 in x`.
      let j = i + 1;
      while (j < n && NUMBER_CHAR.test(text[j] as string)) j++;
      i = j;
    } else {
      i++;
    }
  }
  return ins > fors;
}

function count(text: string, ch: string): number {
  let k = 0;
  for (let i = text.indexOf(ch); i !== -1; i = text.indexOf(ch, i + 1)) k++;
  return k;
}

/** The offset after the string literal whose opening quote is at `at`, or -1 when it is not closed. */
export function stringEnd(text: string, at: number): number {
  const q = text.charCodeAt(at);
  const n = text.length;
  if (text.charCodeAt(at + 1) === q && text.charCodeAt(at + 2) === q) {
    for (let i = at + 3; i < n; i++) {
      const c = text.charCodeAt(i);
      if (c === 92) i++;
      else if (c === q && text.charCodeAt(i + 1) === q && text.charCodeAt(i + 2) === q) return i + 3;
    }
    return -1;
  }
  for (let i = at + 1; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === 92) i++;
    else if (c === q) return i + 1;
    else if (c === 10 || c === 13) return -1;
  }
  return -1;
}

/** The kinds of `CodeTokens`. */
export const TOKEN = {
  /** An identifier or a keyword. */
  name: 1,
  /** A string literal (an f-string's fields are read as code into `fields`). */
  string: 2,
  /** A number. */
  number: 3,
  /** An operator or a bracket: `=`, `==`, `+=`, `(`, `.`, `;`, `:`, … */
  op: 4,
  /** The end of a logical line (a newline outside brackets, not continued by a backslash). */
  end: 5,
} as const;

/** A run of tokens: each one's kind and where it is in the module's text. */
export interface TokenRun {
  kinds: Uint8Array;
  starts: Int32Array;
  ends: Int32Array;
}

/**
 * A module's code as tokens, without its comments, whitespace and line continuations. Tokens are
 * offsets into `text` (a name's text is sliced only when asked: `tokenText`, `tokenIs`).
 */
export interface CodeTokens extends TokenRun {
  text: string;
  /** How many brackets are open before each token. */
  depths: Int32Array;
  /** The column of a token that begins a logical line (its indentation); -1 for the others. */
  columns: Int32Array;
  /**
   * The tokens of the fields of every f-string (and t-string), one field after another, each
   * followed by an `end`: what the module computes inside its strings.
   */
  fields: TokenRun;
}

/** Token `i`'s text (a name's identifier, an operator's characters). */
export function tokenText(t: CodeTokens, run: TokenRun, i: number): string {
  return t.text.slice(run.starts[i], run.ends[i]);
}

/** Whether token `i` is of `kind` and reads `word`, without slicing it. */
export function tokenIs(t: CodeTokens, run: TokenRun, i: number, kind: number, word: string): boolean {
  if (i >= run.kinds.length || run.kinds[i] !== kind) return false;
  const start = run.starts[i] as number;
  return (run.ends[i] as number) - start === word.length && t.text.startsWith(word, start);
}

/**
 * Tokens as they are read: typed arrays that double when full (a module of 100 KB has some
 * 25,000 tokens; plain arrays of that many numbers cost the scan more than reading the text). A
 * caller that scans many modules one after another passes one to `codeTokens` each time, so that
 * its arrays are allocated once.
 */
export class TokenBuffer {
  length = 0;
  kinds: Uint8Array;
  starts: Int32Array;
  ends: Int32Array;
  depths: Int32Array;
  columns: Int32Array;

  constructor(capacity = 4096) {
    this.kinds = new Uint8Array(capacity);
    this.starts = new Int32Array(capacity);
    this.ends = new Int32Array(capacity);
    this.depths = new Int32Array(capacity);
    this.columns = new Int32Array(capacity);
  }

  push(kind: number, start: number, end: number, depth: number, column: number): void {
    if (this.length === this.kinds.length) this.grow();
    const n = this.length++;
    this.kinds[n] = kind;
    this.starts[n] = start;
    this.ends[n] = end;
    this.depths[n] = depth;
    this.columns[n] = column;
  }

  last(): number {
    return this.length ? (this.kinds[this.length - 1] as number) : 0;
  }

  private grow(): void {
    const size = this.kinds.length * 2;
    const copy = <T extends Uint8Array | Int32Array>(a: T, make: (n: number) => T): T => {
      const b = make(size);
      b.set(a);
      return b;
    };
    this.kinds = copy(this.kinds, (n) => new Uint8Array(n));
    this.starts = copy(this.starts, (n) => new Int32Array(n));
    this.ends = copy(this.ends, (n) => new Int32Array(n));
    this.depths = copy(this.depths, (n) => new Int32Array(n));
    this.columns = copy(this.columns, (n) => new Int32Array(n));
  }
}

/** ASCII classes: 1 starts a name, 2 continues one only (a digit). */
const ASCII_NAME = new Uint8Array(128);
for (let c = 0; c < 128; c++) ASCII_NAME[c] = (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95 ? 1 : c >= 48 && c <= 57 ? 2 : 0;

/** Characters of string prefixes (`r`, `b`, `f`, `rb`, `Rf`, …, `t`). */
const PREFIX = new Uint8Array(128);
for (const c of 'rRbBuUfFtT') PREFIX[c.charCodeAt(0)] = c === 'f' || c === 'F' || c === 't' || c === 'T' ? 2 : 1;

/** Operators that take a following `=` (`==`, `+=`, `:=`, …), and those that may double first (`**=`, `//=`, `<<=`, `>>=`). */
const TAKES_EQUALS = new Uint8Array(128);
for (const c of '=!<>:+-*/%&|^@') TAKES_EQUALS[c.charCodeAt(0)] = 1;
for (const c of '*/<>') TAKES_EQUALS[c.charCodeAt(0)] = 2;

/** The length of the operator at `i` (`=`, `==`, `**=`, `->`, …). */
function operatorLength(text: string, i: number, code: number): number {
  const next = text.charCodeAt(i + 1);
  if (code < 128 && TAKES_EQUALS[code] === 2 && next === code) return text.charCodeAt(i + 2) === 61 ? 3 : 2;
  if (code < 128 && TAKES_EQUALS[code] === 1 && next === 61) return 2;
  if (code === 45 && next === 62) return 2;
  return 1;
}

/**
 * The module's code as tokens, or undefined where the scan cannot be sure of them: an unclosed
 * string or f-string field, a stray `}` in an f-string, a character outside the Basic Multilingual
 * Plane in the code. A prefilter reading the tokens then has to say yes. F-strings are read as
 * Python 3.12 reads them (PEP 701): a field is code, and may hold strings in the f-string's own
 * quotes. With `scratch`, the tokens are views of its buffers: good until its next use.
 */
/** Buffers for `codeTokens` to reuse, module after module. */
export interface TokenScratch {
  main: TokenBuffer;
  fields: TokenBuffer;
}

export function tokenScratch(): TokenScratch {
  return { main: new TokenBuffer(), fields: new TokenBuffer(64) };
}

export function codeTokens(text: string, scratch?: TokenScratch): CodeTokens | undefined {
  const main = scratch?.main ?? new TokenBuffer();
  const fields = scratch?.fields ?? new TokenBuffer(64);
  main.length = 0;
  fields.length = 0;
  if (scanCode(text, 0, main, fields, false) === -1) return undefined;
  const n = main.length;
  const m = fields.length;
  return {
    text,
    kinds: main.kinds.subarray(0, n),
    starts: main.starts.subarray(0, n),
    ends: main.ends.subarray(0, n),
    depths: main.depths.subarray(0, n),
    columns: main.columns.subarray(0, n),
    fields: { kinds: fields.kinds.subarray(0, m), starts: fields.starts.subarray(0, m), ends: fields.ends.subarray(0, m) },
  };
}

/**
 * Tokens from `start`: the module's (to its end), or an f-string field's, which ends before a
 * `}`, a format spec's `:` or a conversion's `!` outside brackets. The offset where it stopped,
 * or -1.
 */
function scanCode(text: string, start: number, main: TokenBuffer, fields: TokenBuffer, inField: boolean): number {
  const out = inField ? fields : main;
  const end = text.length;
  let depth = 0;
  // Where the current physical line began, and whether the next token begins a logical line.
  let lineStart = start;
  let atLineStart = true;
  let i = start;
  while (i < end) {
    const code = text.charCodeAt(i);
    let kind = 0;
    const at = i;
    if (code === 32 || code === 9 || code === 12) {
      i++;
      continue;
    } else if (code === 10 || code === 13) {
      i++;
      if (!inField && depth === 0 && out.length && out.last() !== TOKEN.end) out.push(TOKEN.end, at, at, 0, -1);
      lineStart = i;
      if (depth === 0) atLineStart = true;
      continue;
    } else if (code === 35) {
      // `#`: a comment, to the end of the line.
      const eol = text.indexOf('\n', i);
      i = eol === -1 ? end : eol;
      continue;
    } else if (code === 92) {
      // A backslash: the logical line goes on.
      i++;
      if (text.charCodeAt(i) === 13) i++;
      if (text.charCodeAt(i) === 10) i++;
      lineStart = i;
      continue;
    } else if (code === 34 || code === 39) {
      i = stringEnd(text, i);
      if (i === -1) return -1;
      kind = TOKEN.string;
    } else if (code < 128 ? ASCII_NAME[code] === 1 : code < 0xd800 || code > 0xdfff ? IDENT_START.test(text[i] as string) : false) {
      let j = i + 1;
      for (; j < end; j++) {
        const d = text.charCodeAt(j);
        if (d < 128 ? ASCII_NAME[d] === 0 : d >= 0xd800 && d <= 0xdfff ? true : !IDENT_CHAR.test(text[j] as string)) break;
      }
      const q = text.charCodeAt(j);
      const p1 = code < 128 ? (PREFIX[code] as number) : 0;
      const second = text.charCodeAt(i + 1);
      const p2 = j - i === 2 ? (second < 128 ? (PREFIX[second] as number) : 0) : 1;
      if ((q === 34 || q === 39) && j - i <= 2 && p1 && p2) {
        i = p1 === 2 || p2 === 2 ? fStringEnd(text, j, main, fields) : stringEnd(text, j);
        if (i === -1) return -1;
        kind = TOKEN.string;
      } else {
        i = j;
        kind = TOKEN.name;
      }
    } else if (code >= 0xd800 && code <= 0xdfff) {
      // Outside the Basic Multilingual Plane: it may be part of a name this scan does not read.
      return -1;
    } else if ((code >= 48 && code <= 57) || (code === 46 && text.charCodeAt(i + 1) >= 48 && text.charCodeAt(i + 1) <= 57)) {
      for (i++; i < end; i++) {
        const d = text.charCodeAt(i);
        // Digits, letters (0x1F, 1e5, 1j), `_` and `.`.
        if (!(d < 128 && (ASCII_NAME[d] !== 0 || d === 46))) break;
      }
      kind = TOKEN.number;
    } else if (code === 40 || code === 91 || code === 123) {
      out.push(TOKEN.op, at, i + 1, depth, atLineStart ? at - lineStart : -1);
      atLineStart = false;
      depth++;
      i++;
      continue;
    } else if (code === 41 || code === 93 || code === 125) {
      if (depth === 0 && inField) return code === 125 ? i : -1;
      if (depth > 0) depth--;
      i++;
      kind = TOKEN.op;
    } else {
      if (inField && depth === 0 && (code === 58 || (code === 33 && text.charCodeAt(i + 1) !== 61))) return i;
      i += operatorLength(text, i, code);
      kind = TOKEN.op;
    }
    out.push(kind, at, i, depth, atLineStart ? at - lineStart : -1);
    atLineStart = false;
  }
  if (inField) return -1;
  if (out.length && out.last() !== TOKEN.end) out.push(TOKEN.end, end, end, 0, -1);
  return end;
}

/**
 * The offset after the f-string (or t-string) whose opening quote is at `at`, or -1. Its fields
 * are read as code into `out.fields`, each followed by an `end`; `{{` and `}}` are braces of the
 * text.
 */
function fStringEnd(text: string, at: number, main: TokenBuffer, fields: TokenBuffer): number {
  const q = text.charCodeAt(at);
  const triple = text.charCodeAt(at + 1) === q && text.charCodeAt(at + 2) === q;
  const n = text.length;
  for (let i = at + (triple ? 3 : 1); i < n; ) {
    const c = text.charCodeAt(i);
    if (c === 92) i += 2;
    else if (c === q && (!triple || (text.charCodeAt(i + 1) === q && text.charCodeAt(i + 2) === q))) return i + (triple ? 3 : 1);
    else if (!triple && (c === 10 || c === 13)) return -1;
    else if ((c === 123 || c === 125) && text.charCodeAt(i + 1) === c) i += 2;
    else if (c === 125) return -1;
    else if (c === 123) {
      i = fieldEnd(text, i + 1, main, fields);
      if (i === -1) return -1;
    } else i++;
  }
  return -1;
}

/** After a field's `{` at `start - 1`: the offset after its `}`, or -1. */
function fieldEnd(text: string, start: number, main: TokenBuffer, fields: TokenBuffer): number {
  let i = scanCode(text, start, main, fields, true);
  if (i === -1) return -1;
  fields.push(TOKEN.end, i, i, 0, -1);
  if (text.charCodeAt(i) === 33) {
    // A conversion: `!r`, `!s`, `!a`.
    i += 2;
  }
  if (text.charCodeAt(i) === 58) {
    // A format spec: text, and fields of its own.
    for (i++; i < text.length; ) {
      const c = text.charCodeAt(i);
      if (c === 125) return i + 1;
      if (c === 123) {
        i = fieldEnd(text, i + 1, main, fields);
        if (i === -1) return -1;
      } else if (c === 92) i += 2;
      else i++;
    }
    return -1;
  }
  return text.charCodeAt(i) === 125 ? i + 1 : -1;
}

/** Whether token `i` is the operator `op`. */
export function isOp(t: CodeTokens, i: number, op: string, run: TokenRun = t): boolean {
  return tokenIs(t, run, i, TOKEN.op, op);
}

/** Whether token `i` is the name (or keyword) `word`. */
export function isName(t: CodeTokens, i: number, word: string, run: TokenRun = t): boolean {
  return tokenIs(t, run, i, TOKEN.name, word);
}

/** Whether token `i` is an operator among the one-character `ops`. */
export function isOpIn(t: CodeTokens, i: number, ops: ReadonlySet<string>, run: TokenRun = t): boolean {
  return run.kinds[i] === TOKEN.op && (run.ends[i] as number) - (run.starts[i] as number) === 1 && ops.has(t.text[run.starts[i] as number] as string);
}

/** Statements whose header ends in a `:` after which a statement may follow on the same line. */
const COMPOUND = new Set(['if', 'elif', 'else', 'try', 'except', 'finally', 'for', 'while', 'with', 'def', 'class', 'async', 'match', 'case']);

/** Where a name token of the code stands (`forEachName`). */
export interface NamePlace {
  /** It begins a statement: a logical line, or follows a `;`, or the `:` of a compound statement's header on the same line (`class A: NAME = …`). */
  statement: boolean;
  /** The first name of the statement it is in (`from` for every name of `from a import b`). */
  head: string;
  /** A `def` (or `async def`) block holds it, read from the indentation of the `def` and `class` lines above. */
  inFunction: boolean;
}

/**
 * Every name token of the code, in order, with where it stands. What a statement binds outside
 * functions (python-tree reads the collections of the module's blocks and of class bodies) is
 * read from the names that begin statements with `inFunction` false. The place object is
 * reused from one call to the next.
 */
export function forEachName(t: CodeTokens, visit: (i: number, place: Readonly<NamePlace>) => void): void {
  const place: NamePlace = { statement: true, head: '', inFunction: false };
  const blocks: Array<{ column: number; def: boolean }> = [];
  let defs = 0;
  let start = true;
  const n = t.kinds.length;
  for (let i = 0; i < n; i++) {
    const kind = t.kinds[i];
    if (kind === TOKEN.end) {
      start = true;
      continue;
    }
    if (kind === TOKEN.op) {
      start = isOp(t, i, ';') || (isOp(t, i, ':') && t.depths[i] === 0 && COMPOUND.has(place.head));
      continue;
    }
    const statement = start;
    start = false;
    if (kind !== TOKEN.name) continue;
    if (statement) {
      const text = tokenText(t, t, i);
      place.head = text;
      const column = t.columns[i] as number;
      if (column >= 0) {
        for (let top = blocks[blocks.length - 1]; top && top.column >= column; top = blocks[blocks.length - 1]) {
          blocks.pop();
          if (top.def) defs--;
        }
        if (text === 'def' || text === 'class' || (text === 'async' && isName(t, i + 1, 'def'))) {
          const def = text !== 'class';
          blocks.push({ column, def });
          if (def) defs++;
        }
      }
    }
    place.statement = statement;
    place.inFunction = defs > 0;
    visit(i, place);
  }
}

/** After `NAME` at `i`: the index of the value of `NAME = …` or `NAME: T = …`, or -1. */
export function assignedValue(t: CodeTokens, i: number): number {
  let j = i + 1;
  if (isOp(t, j, ':')) {
    // An annotation: up to the `=` outside its brackets.
    const depth = t.depths[i];
    for (j++; j < t.kinds.length && t.kinds[j] !== TOKEN.end && !(isOp(t, j, '=') && t.depths[j] === depth); j++);
  }
  return isOp(t, j, '=') ? j + 1 : -1;
}

/** The index of the token that ends the statement holding token `j` (its logical line's `end`, or a `;` outside brackets), or the token count. */
export function statementEnd(t: CodeTokens, j: number): number {
  const n = t.kinds.length;
  for (; j < n; j++) if (t.kinds[j] === TOKEN.end || (t.depths[j] === 0 && isOp(t, j, ';'))) return j;
  return n;
}
