/**
 * A text value read out of a file (a code span's or code block's content, a JSON string, a
 * YAML scalar) and where each of its characters sits in the file.
 *
 * The positions are kept as runs, `[valueStart, fileStart, length]` triples in value order: a
 * code block takes one run per line, not one number per character. Per-character offsets were
 * a sixth of the memory of a 100,000-file run, and most are never looked at. Runs are maximal
 * (a run never continues the one before it), so equal positions give equal runs: the Markdown
 * readers' models compare equal, and a cache or a worker hands them on as plain data.
 */
export interface MappedText {
  value: string;
  /** `[valueStart, fileStart, length]` triples; a character in no run cannot be mapped back exactly (nothing may be edited there). */
  runs: Runs;
}

/**
 * The triples: a plain array for a few runs (most values are one run: a fence's content, a code
 * span), an Int32Array for more. A small typed array costs about 220 bytes of heap, an array of
 * three numbers 80; past about a dozen runs the typed array's 4 bytes a number win.
 */
export type Runs = readonly number[] | Int32Array;

/** The largest run list kept as a plain array (see `Runs`). */
const PLAIN_RUNS_MAX = 36;

function runsFrom(triples: number[]): Runs {
  // slice(): an array grown by push keeps spare capacity.
  return triples.length <= PLAIN_RUNS_MAX ? triples.slice() : Int32Array.from(triples);
}

/** Builds runs in value order, joining a piece to the run it continues. */
export class RunsBuilder {
  private readonly triples: number[] = [];

  add(valueStart: number, fileStart: number, length: number): this {
    if (length <= 0 || fileStart < 0) return this;
    const t = this.triples;
    const n = t.length;
    if (n > 0 && (t[n - 3] as number) + (t[n - 1] as number) === valueStart && (t[n - 2] as number) + (t[n - 1] as number) === fileStart) t[n - 1] = (t[n - 1] as number) + length;
    else t.push(valueStart, fileStart, length);
    return this;
  }

  done(): Runs {
    return runsFrom(this.triples);
  }
}

/** Every character of a value of `length` characters at `fileStart + i`. */
export function linearRuns(fileStart: number, length: number): Runs {
  return new RunsBuilder().add(0, fileStart, length).done();
}

/** The runs of per-character offsets (-1: unmapped). */
export function runsOf(offsets: ArrayLike<number>): Runs {
  const b = new RunsBuilder();
  for (let i = 0; i < offsets.length; i++) b.add(i, offsets[i] as number, 1);
  return b.done();
}

/** The index of the run holding value index `i`, or -1. */
function runIndex(runs: Runs, i: number): number {
  let lo = 0;
  let hi = runs.length / 3 - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const start = runs[mid * 3] as number;
    if (i < start) hi = mid - 1;
    else if (i >= start + (runs[mid * 3 + 2] as number)) lo = mid + 1;
    else return mid;
  }
  return -1;
}

/** The file offset of `value[i]`: -1 when it cannot be mapped, undefined outside the value (as an index into per-character offsets gives). */
export function offsetAt(m: MappedText, i: number): number | undefined {
  if (!Number.isInteger(i) || i < 0 || i >= m.value.length) return undefined;
  const r = runIndex(m.runs, i);
  return r === -1 ? -1 : (m.runs[r * 3 + 1] as number) + i - (m.runs[r * 3] as number);
}

/** The file offset of the first character that can be mapped, if any. */
export function firstMappedOffset(m: MappedText): number | undefined {
  return m.runs.length > 0 ? m.runs[1] : undefined;
}

/** Text offset of `value[i..j)` when every character in it maps contiguously, else undefined. */
export function mappedSpan(m: MappedText, i: number, j: number): [number, number] | undefined {
  if (i < 0 || j > m.value.length || i >= j) return undefined;
  const r = runIndex(m.runs, i);
  // Runs are maximal: a contiguous stretch lies within one run.
  if (r === -1 || j > (m.runs[r * 3] as number) + (m.runs[r * 3 + 2] as number)) return undefined;
  const s = (m.runs[r * 3 + 1] as number) + i - (m.runs[r * 3] as number);
  return [s, s + (j - i)];
}

/** The runs of `value.slice(from, to)`. */
export function sliceRuns(runs: Runs, from: number, to: number): Runs {
  const b = new RunsBuilder();
  for (let k = 0; k < runs.length; k += 3) {
    const v = runs[k] as number;
    const s = Math.max(v, from);
    const e = Math.min(v + (runs[k + 2] as number), to);
    if (s < e) b.add(s - from, (runs[k + 1] as number) + s - v, e - s);
  }
  return b.done();
}
