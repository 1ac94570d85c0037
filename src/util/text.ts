/** Text helpers shared by every format: positions, line endings, indentation. */

export function lineStarts(text: string): number[] {
  const starts = [0];
  // indexOf scans natively: about ten times faster than a loop over charCodeAt on a doc, and
  // every Markdown doc a run reads gets its table built.
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
  return starts;
}

/** 1-based line and column of an offset, given the line-start table. */
export function positionAt(starts: number[], offset: number): { line: number; column: number } {
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if ((starts[mid] ?? 0) <= offset) lo = mid;
    else hi = mid - 1;
  }
  return { line: lo + 1, column: offset - (starts[lo] ?? 0) + 1 };
}

/** The line ending the file mostly uses; new lines a fix inserts must use the same. */
export function detectEol(text: string): '\n' | '\r\n' {
  let crlf = 0;
  let lf = 0;
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) {
    if (i > 0 && text.charCodeAt(i - 1) === 13) crlf++;
    else lf++;
  }
  return crlf > lf ? '\r\n' : '\n';
}

/** Offset just past the end of the line holding `offset`, including its line break. */
export function lineEndIncludingBreak(text: string, offset: number): number {
  const i = text.indexOf('\n', offset);
  return i === -1 ? text.length : i + 1;
}

/** How deep flow collections may nest before a file is refused (parsers recurse per level). */
export const MAX_NESTING = 256;

/**
 * Offset where `[`/`{` nesting (outside double-quoted strings) first exceeds `limit`, or -1.
 * A linear pre-check so that recursive parsers never meet a hostile 10,000-level document.
 */
export function nestingOverflow(text: string, limit = MAX_NESTING): number {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++;
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > limit) return i;
    } else if ((c === 0x5d || c === 0x7d) && depth > 0) depth--;
  }
  return -1;
}

/**
 * Offset where `(`/`[`/`{` nesting of JavaScript/TypeScript source first exceeds `limit`, or -1.
 * Strings, template literals (their `${…}` parts are code), comments and regular expression
 * literals (told from division by the token before them) are skipped. A linear pre-check:
 * the TypeScript parser and the walks over its tree recurse per level and run out of stack
 * around 700 levels. It cannot see every shape the parser recurses on (a chain of 5,000 `+`,
 * a regex the heuristic takes for a division), so readers also catch a stack overflow.
 */
export function scriptNestingOverflow(text: string, limit = MAX_NESTING): number {
  let depth = 0;
  /** For each open template literal, the `depth` at which its current `${` was opened. */
  const templates: number[] = [];
  let prev = ''; // last significant character outside strings and comments
  let prevWord = '';
  const n = text.length;
  const skipTemplate = (from: number): number => {
    // In template text: up to the closing backtick (returns past it) or `${` (returns past it, opening code).
    for (let k = from; k < n; k++) {
      const c = text[k];
      if (c === '\\') k++;
      else if (c === '`') return k + 1;
      else if (c === '$' && text[k + 1] === '{') {
        templates.push(depth);
        return -(k + 2);
      }
    }
    return n;
  };
  /** Reads template text from `from`; returns the index the loop resumes after, noting what came last. */
  const templateText = (from: number): number => {
    const r = skipTemplate(from);
    prev = r < 0 ? '{' : '`';
    return r < 0 ? -r - 1 : r - 1;
  };
  for (let i = 0; i < n; i++) {
    const c = text[i] as string;
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') continue;
    if (c === '/' && text[i + 1] === '/') {
      const e = text.indexOf('\n', i);
      i = e === -1 ? n : e;
      continue;
    }
    if (c === '/' && text[i + 1] === '*') {
      const e = text.indexOf('*/', i + 2);
      i = e === -1 ? n : e + 1;
      continue;
    }
    if (c === '"' || c === "'") {
      let k = i + 1;
      for (; k < n && text[k] !== c && text[k] !== '\n'; k++) if (text[k] === '\\') k++;
      i = k;
      prev = c;
      continue;
    }
    if (c === '`') {
      i = templateText(i + 1);
      continue;
    }
    if (c === '/' && (prev === '' || '(,=:[!&|?{};~+-*%<>^'.includes(prev) || /^(return|typeof|case|do|else|in|of|void|yield|await|delete|throw|new)$/.test(prevWord))) {
      // A regular expression literal: to the unescaped `/` outside a class, on this line.
      let k = i + 1;
      let cls = false;
      for (; k < n && text[k] !== '\n'; k++) {
        const d = text[k];
        if (d === '\\') k++;
        else if (d === '[') cls = true;
        else if (d === ']') cls = false;
        else if (d === '/' && !cls) break;
      }
      i = k;
      prev = ')';
      prevWord = '';
      continue;
    }
    if (c === '(' || c === '[' || c === '{') {
      if (++depth > limit) return i;
    } else if (c === ')' || c === ']' || c === '}') {
      if (c === '}' && templates.length > 0 && templates[templates.length - 1] === depth) {
        // The `}` of a `${`: back into the template's text.
        templates.pop();
        i = templateText(i + 1);
        continue;
      }
      if (depth > 0) depth--;
    }
    if (/[A-Za-z0-9_$]/.test(c)) {
      let k = i;
      while (k < n && /[A-Za-z0-9_$]/.test(text[k] as string)) k++;
      prevWord = text.slice(i, k);
      prev = 'a';
      i = k - 1;
      continue;
    }
    prev = c;
    prevWord = '';
  }
  return -1;
}
