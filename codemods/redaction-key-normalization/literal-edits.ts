/**
 * Minimal edits to a collection literal: rewrite a string's content in place, or remove an
 * element together with its separator, keeping the literal's layout and comments.
 */
import type { PyCollectionElement, PyStringCollection } from '../../src/formats/python-tree.js';

export interface Span {
  start: number;
  end: number;
  text: string;
}

const HSPACE = /[ \t\f]/;

function lineStartOf(text: string, offset: number): number {
  return text.lastIndexOf('\n', offset - 1) + 1;
}

function skipHspace(text: string, p: number): number {
  while (p < text.length && HSPACE.test(text[p] as string)) p++;
  return p;
}

function eolLength(text: string, p: number): number {
  if (text.startsWith('\r\n', p)) return 2;
  if (text[p] === '\n') return 1;
  return p >= text.length ? 0 : -1;
}

/**
 * The element is alone on its line (only indentation before it; only its comma after it): the
 * span of the whole line, line break included. Undefined otherwise.
 */
function wholeLine(text: string, el: PyCollectionElement): { start: number; end: number } | undefined {
  const ls = lineStartOf(text, el.start);
  if (!/^[ \t\f]*$/.test(text.slice(ls, el.start))) return undefined;
  let p = skipHspace(text, el.end);
  if (el.commaAfter !== undefined) {
    if (p !== el.commaAfter) return undefined;
    p = skipHspace(text, p + 1);
  }
  const eol = eolLength(text, p);
  if (eol <= 0) return undefined; // something else follows on the line, or the file ends without a line break
  return { start: ls, end: p + eol };
}

function sameLine(text: string, a: number, b: number): boolean {
  return !text.slice(Math.min(a, b), Math.max(a, b)).includes('\n');
}

/** Spans that remove the elements at `remove` (indices into `coll.elements`); at least one element must stay. */
export function removalSpans(text: string, coll: PyStringCollection, remove: ReadonlySet<number>): Span[] {
  const els = coll.elements;
  const spans: Span[] = [];
  const inline: number[] = [];
  for (const i of [...remove].sort((a, b) => a - b)) {
    const line = wholeLine(text, els[i] as PyCollectionElement);
    if (line) spans.push({ ...line, text: '' });
    else inline.push(i);
  }
  // Runs of consecutive inline removals on one line are removed as one stretch.
  const runs: Array<[number, number]> = [];
  for (const i of inline) {
    const last = runs[runs.length - 1];
    if (last && last[1] === i - 1 && sameLine(text, (els[last[1]] as PyCollectionElement).end, (els[i] as PyCollectionElement).start)) last[1] = i;
    else runs.push([i, i]);
  }
  for (const [i, j] of runs) {
    const first = els[i] as PyCollectionElement;
    const lastEl = els[j] as PyCollectionElement;
    const next = els[j + 1];
    const prev = els[i - 1];
    if (lastEl.commaAfter !== undefined && next && sameLine(text, lastEl.commaAfter, next.start) && !text.slice(lastEl.commaAfter, next.start).includes('#')) {
      // `"a", "b", "c"` without "b": the element and its separator, up to the next element.
      spans.push({ start: first.start, end: next.start, text: '' });
    } else if (lastEl.commaAfter !== undefined) {
      // The next element (or the closing bracket) is on a later line: the element and its comma;
      // when nothing but a line break follows, the spaces before the element go too.
      let end = skipHspace(text, lastEl.commaAfter + 1);
      let start = first.start;
      const eol = eolLength(text, end);
      if (eol >= 0) {
        while (start > 0 && HSPACE.test(text[start - 1] as string)) start--;
        if (start === lineStartOf(text, first.start)) end += eol; // the run was the whole line
      } else if (text[end] !== '#') {
        // The closing bracket follows on the line: `"b", "c",}` without "c" keeps the trailing comma.
        if (prev && prev.commaAfter !== undefined && sameLine(text, prev.end, first.start) && !remove.has(i - 1)) {
          spans.push({ start: prev.end, end: lastEl.end, text: '' });
          continue;
        }
        end = lastEl.commaAfter + 1;
      }
      spans.push({ start, end, text: '' });
    } else if (prev && prev.commaAfter !== undefined && sameLine(text, prev.end, first.start) && !remove.has(i - 1)) {
      // The last element, no trailing comma: the separator before it and the element.
      spans.push({ start: prev.end, end: lastEl.end, text: '' });
    } else {
      // Alone on a line that keeps a comment: the element and the spaces up to the comment.
      let end = lastEl.end;
      const p = skipHspace(text, end);
      if (text[p] === '#') end = p;
      let start = first.start;
      while (start > 0 && HSPACE.test(text[start - 1] as string)) start--;
      const after = skipHspace(text, end);
      const eol = eolLength(text, after);
      if (start === lineStartOf(text, first.start) && eol > 0) end = after + eol; // the run was the whole line
      else if (start === lineStartOf(text, first.start)) start = first.start; // keep the indentation of a kept comment
      spans.push({ start, end, text: '' });
    }
  }
  // A parenthesised or bare tuple left with one element needs its comma to stay a tuple.
  if (coll.literal.form === 'tuple' || coll.literal.form === 'bare-tuple') {
    const kept = els.map((_, k) => k).filter((k) => !remove.has(k));
    if (kept.length === 1) {
      const only = els[kept[0] as number] as PyCollectionElement;
      // What follows the element once the spans are applied: a comma (its own or a removed neighbour's)?
      let rest = '';
      let cursor = only.end;
      for (const s of [...spans].filter((x) => x.start >= only.end).sort((x, y) => x.start - y.start)) {
        rest += text.slice(cursor, s.start) + s.text;
        cursor = s.end;
      }
      rest += text.slice(cursor, coll.literal.end);
      if (!/^(\s|#[^\n]*)*,/.test(rest)) {
        const at = spans.find((s) => s.start === only.end);
        if (at) at.text = ',';
        else spans.push({ start: only.end, end: only.end, text: ',' });
      }
    }
  }
  return spans.sort((a, b) => a.start - b.start);
}

/** Can `value` be written between these quotes with its characters as they are? */
export function fitsQuotes(value: string, prefix: string, quote: string): boolean {
  if (value.includes('\\') && !/r/i.test(prefix)) return false;
  if (/r/i.test(prefix) && value.endsWith('\\')) return false;
  if (quote.length === 1) return !value.includes(quote) && !/[\r\n]/.test(value);
  return !value.includes(quote) && !value.endsWith(quote[0] as string);
}
