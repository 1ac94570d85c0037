import type { TextEdit } from '../model/types.js';

/** Two edits conflict when their spans overlap or they start at the same offset (order unknown). */
export function editsConflict(a: { start: number; end: number }, b: { start: number; end: number }): boolean {
  if (a.start === b.start) return true;
  return a.start < b.end && b.start < a.end;
}

export function sortEdits<T extends { start: number; end: number }>(edits: readonly T[]): T[] {
  return [...edits].sort((x, y) => x.start - y.start || x.end - y.end);
}

/** Problems with a set of edits to one text: out of bounds or overlapping. */
export function checkEdits(text: string, edits: readonly TextEdit[]): string | undefined {
  const sorted = sortEdits(edits);
  for (let i = 0; i < sorted.length; i++) {
    const e = sorted[i] as TextEdit;
    if (!(Number.isInteger(e.start) && Number.isInteger(e.end)) || e.start < 0 || e.end < e.start || e.end > text.length) {
      return `edit [${e.start}, ${e.end}) is outside the file (length ${text.length})`;
    }
    const prev = sorted[i - 1];
    if (prev && editsConflict(prev, e)) return `edits [${prev.start}, ${prev.end}) and [${e.start}, ${e.end}) overlap`;
  }
  return undefined;
}

export function applyEdits(text: string, edits: readonly TextEdit[]): string {
  const sorted = sortEdits(edits);
  let out = '';
  let cursor = 0;
  for (const e of sorted) {
    out += text.slice(cursor, e.start) + e.text;
    cursor = e.end;
  }
  return out + text.slice(cursor);
}

/**
 * Proof that an edited text differs from the original only inside the declared spans: every
 * stretch between edits must be byte-identical in both. Returns the first offset that moved.
 */
export function changedOutsideSpans(original: string, edited: string, edits: readonly TextEdit[]): number | undefined {
  const sorted = sortEdits(edits);
  let origCursor = 0;
  let editCursor = 0;
  for (const e of sorted) {
    const keep = original.slice(origCursor, e.start);
    if (edited.slice(editCursor, editCursor + keep.length) !== keep) return origCursor;
    editCursor += keep.length;
    if (edited.slice(editCursor, editCursor + e.text.length) !== e.text) return e.start;
    editCursor += e.text.length;
    origCursor = e.end;
  }
  const tail = original.slice(origCursor);
  if (edited.length - editCursor !== tail.length || edited.slice(editCursor) !== tail) return origCursor;
  return undefined;
}
