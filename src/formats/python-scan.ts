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
  const q = text[at] as string;
  const triple = text.startsWith(q + q + q, at);
  const close = triple ? q + q + q : q;
  for (let i = at + close.length; i < text.length; i++) {
    const c = text[i];
    if (c === '\\') i++;
    else if (text.startsWith(close, i)) return i + close.length;
    else if (!triple && (c === '\n' || c === '\r')) return -1;
  }
  return -1;
}
