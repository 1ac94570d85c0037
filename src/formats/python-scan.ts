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

/** A module's code as tokens, without its comments, whitespace and line continuations. */
export interface CodeTokens {
  kinds: number[];
  /** A name's identifier, an operator's characters; '' for the rest. */
  texts: string[];
  /** How many brackets are open before each token. */
  depths: number[];
  /** The column of a token that begins a logical line (its indentation); -1 for the others. */
  columns: number[];
  /**
   * The tokens of the fields of every f-string (and t-string), one field after another, each
   * followed by an `end`: what the module computes inside its strings. No depths or columns.
   */
  fields: { kinds: number[]; texts: string[] };
}

/** Two-character operators (a third `=` makes `**=`, `//=`, `<<=`, `>>=`). */
const TWO_CHAR_OPS = new Set(['==', '!=', '<=', '>=', ':=', '->', '+=', '-=', '*=', '/=', '%=', '&=', '|=', '^=', '@=', '**', '//', '<<', '>>']);

/** ASCII classes: 1 starts a name, 2 continues one only (a digit). */
const ASCII_NAME = new Uint8Array(128);
for (let c = 0; c < 128; c++) ASCII_NAME[c] = (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95 ? 1 : c >= 48 && c <= 57 ? 2 : 0;

/** String prefixes (`r`, `b`, `f`, `rb`, `Rf`, …, `t`): at most two letters of these. */
const PREFIX_CHARS = new Set(['r', 'R', 'b', 'B', 'u', 'U', 'f', 'F', 't', 'T']);

/**
 * The module's code as tokens, or undefined where the scan cannot be sure of them: an unclosed
 * string or f-string field, a stray `}` in an f-string, a character outside the Basic Multilingual
 * Plane in the code. A prefilter reading the tokens then has to say yes. F-strings are read as
 * Python 3.12 reads them (PEP 701): a field is code, and may hold strings in the f-string's own
 * quotes.
 */
export function codeTokens(text: string): CodeTokens | undefined {
  const out: CodeTokens = { kinds: [], texts: [], depths: [], columns: [], fields: { kinds: [], texts: [] } };
  return scanCode(text, 0, out, false) === -1 ? undefined : out;
}

/**
 * Tokens from `start`: the module's (to its end), or an f-string field's, which ends before a
 * `}`, a format spec's `:` or a conversion's `!` outside brackets. The offset where it stopped,
 * or -1.
 */
function scanCode(text: string, start: number, out: CodeTokens, inField: boolean): number {
  const kinds = inField ? out.fields.kinds : out.kinds;
  const texts = inField ? out.fields.texts : out.texts;
  const depths = out.depths;
  const columns = out.columns;
  const end = text.length;
  let depth = 0;
  // Where the current physical line began, and whether the next token begins a logical line.
  let lineStart = start;
  let atLineStart = true;
  let i = start;
  const push = (kind: number, t: string, at: number): void => {
    kinds.push(kind);
    texts.push(t);
    if (inField) return;
    depths.push(depth);
    columns.push(atLineStart ? at - lineStart : -1);
    atLineStart = false;
  };
  while (i < end) {
    const code = text.charCodeAt(i);
    if (code === 10 || code === 13) {
      if (!inField && depth === 0 && kinds.length && kinds[kinds.length - 1] !== TOKEN.end) {
        kinds.push(TOKEN.end);
        texts.push('');
        depths.push(0);
        columns.push(-1);
      }
      i++;
      lineStart = i;
      if (depth === 0) atLineStart = true;
    } else if (code === 32 || code === 9 || code === 12) {
      i++;
    } else if (code === 35) {
      // `#`: a comment, to the end of the line.
      const eol = text.indexOf('\n', i);
      i = eol === -1 ? end : eol;
    } else if (code === 92) {
      // A backslash: the logical line goes on.
      i++;
      if (text.charCodeAt(i) === 13) i++;
      if (text.charCodeAt(i) === 10) i++;
      lineStart = i;
    } else if (code === 34 || code === 39) {
      const close = stringEnd(text, i);
      if (close === -1) return -1;
      push(TOKEN.string, '', i);
      i = close;
    } else if (code < 128 ? ASCII_NAME[code] === 1 : code < 0xd800 || code > 0xdfff ? IDENT_START.test(text[i] as string) : false) {
      let j = i + 1;
      for (; j < end; j++) {
        const d = text.charCodeAt(j);
        if (d < 128 ? ASCII_NAME[d] === 0 : d >= 0xd800 && d <= 0xdfff ? true : !IDENT_CHAR.test(text[j] as string)) break;
      }
      const q = text.charCodeAt(j);
      if ((q === 34 || q === 39) && j - i <= 2 && PREFIX_CHARS.has(text[i] as string) && (j - i === 1 || PREFIX_CHARS.has(text[i + 1] as string))) {
        const formatted = /[fFtT]/.test(text.slice(i, j));
        const close = formatted ? fStringEnd(text, j, out) : stringEnd(text, j);
        if (close === -1) return -1;
        push(TOKEN.string, '', i);
        i = close;
        continue;
      }
      push(TOKEN.name, text.slice(i, j), i);
      i = j;
    } else if (code >= 0xd800 && code <= 0xdfff) {
      // Outside the Basic Multilingual Plane: it may be part of a name this scan does not read.
      return -1;
    } else if ((code >= 48 && code <= 57) || (code === 46 && text.charCodeAt(i + 1) >= 48 && text.charCodeAt(i + 1) <= 57)) {
      const at = i;
      for (i++; i < end; i++) {
        const d = text.charCodeAt(i);
        // Digits, letters (0x1F, 1e5, 1j), `_` and `.`.
        if (!(d < 128 && (ASCII_NAME[d] !== 0 || d === 46))) break;
      }
      push(TOKEN.number, '', at);
    } else if (code === 40 || code === 91 || code === 123) {
      push(TOKEN.op, text[i] as string, i);
      depth++;
      i++;
    } else if (code === 41 || code === 93 || code === 125) {
      if (depth === 0 && inField) return code === 125 ? i : -1;
      if (depth > 0) depth--;
      push(TOKEN.op, text[i] as string, i);
      i++;
    } else {
      const two = text.slice(i, i + 2);
      if (inField && depth === 0 && (code === 58 || (code === 33 && two !== '!='))) return i;
      const op = TWO_CHAR_OPS.has(two) ? ((two === '**' || two === '//' || two === '<<' || two === '>>') && text.charCodeAt(i + 2) === 61 ? `${two}=` : two) : (text[i] as string);
      push(TOKEN.op, op, i);
      i += op.length;
    }
  }
  if (inField) return -1;
  if (kinds.length && kinds[kinds.length - 1] !== TOKEN.end) {
    kinds.push(TOKEN.end);
    texts.push('');
    depths.push(0);
    columns.push(-1);
  }
  return end;
}

/**
 * The offset after the f-string (or t-string) whose opening quote is at `at`, or -1. Its fields
 * are read as code into `out.fields`, each followed by an `end`; `{{` and `}}` are braces of the
 * text.
 */
function fStringEnd(text: string, at: number, out: CodeTokens): number {
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
      i = fieldEnd(text, i + 1, out);
      if (i === -1) return -1;
    } else i++;
  }
  return -1;
}

/** After a field's `{` at `start - 1`: the offset after its `}`, or -1. */
function fieldEnd(text: string, start: number, out: CodeTokens): number {
  let i = scanCode(text, start, out, true);
  out.fields.kinds.push(TOKEN.end);
  out.fields.texts.push('');
  if (i === -1) return -1;
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
        i = fieldEnd(text, i + 1, out);
        if (i === -1) return -1;
      } else if (c === 92) i += 2;
      else i++;
    }
    return -1;
  }
  return text.charCodeAt(i) === 125 ? i + 1 : -1;
}
