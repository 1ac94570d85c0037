// Runs answer what per-character offsets answered: checked against a per-character reference on
// generated offset maps (mapped lines, unmapped escapes and prefixes, line breaks at line ends).
import { describe, it, expect } from 'vitest';
import { firstMappedOffset, linearRuns, mappedSpan, offsetAt, runsOf, RunsBuilder, sliceRuns, type MappedText } from '../src/formats/mapped-text.js';

/** Per-character offsets (-1: unmapped) read back from the runs: the reference the runs must give. */
function offsetsOf(m: MappedText): Int32Array {
  const out = new Int32Array(m.value.length).fill(-1);
  for (let k = 0; k < m.runs.length; k += 3) for (let i = 0; i < (m.runs[k + 2] as number); i++) out[(m.runs[k] as number) + i] = (m.runs[k + 1] as number) + i;
  return out;
}

function generated(seed: number): number[] {
  let a = seed;
  const random = (): number => ((a = (a * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const out: number[] = [];
  let file = Math.floor(random() * 50);
  const pieces = Math.floor(random() * 8);
  for (let p = 0; p < pieces; p++) {
    const length = Math.floor(random() * 6);
    const kind = random();
    for (let k = 0; k < length; k++) out.push(kind < 0.25 ? -1 : file + k);
    // The next piece continues, jumps ahead (a line prefix), or jumps back.
    file += kind < 0.5 ? length : kind < 0.8 ? length + Math.floor(random() * 4) + 1 : Math.max(0, file - 3);
  }
  return out;
}

/** The per-character definitions the runs replace. */
const reference = {
  span(offsets: number[], i: number, j: number): [number, number] | undefined {
    if (i < 0 || j > offsets.length || i >= j) return undefined;
    const s = offsets[i] as number;
    if (s < 0) return undefined;
    for (let k = i + 1; k < j; k++) if (offsets[k] !== s + (k - i)) return undefined;
    return [s, s + (j - i)];
  },
  first: (offsets: number[]): number | undefined => offsets.find((o) => o >= 0),
};

describe('mapped text runs', () => {
  it('give the per-character answers on 2,000 generated offset maps', () => {
    for (let seed = 1; seed <= 2000; seed++) {
      const offsets = generated(seed);
      const m: MappedText = { value: 'x'.repeat(offsets.length), runs: runsOf(offsets) };
      const where = `seed ${seed}: ${JSON.stringify(offsets)}`;
      expect(Array.from(offsetsOf(m)), where).toEqual(offsets);
      for (let i = -1; i <= offsets.length; i++) expect(offsetAt(m, i), `${where} at ${i}`).toBe(i < 0 || i >= offsets.length ? undefined : offsets[i]);
      expect(firstMappedOffset(m), where).toBe(reference.first(offsets));
      for (let i = 0; i <= offsets.length; i++) {
        for (let j = i; j <= offsets.length + 1; j++) {
          expect(mappedSpan(m, i, j), `${where} span ${i}..${j}`).toEqual(reference.span(offsets, i, j));
          const sliced: MappedText = { value: 'x'.repeat(Math.max(0, Math.min(j, offsets.length) - i)), runs: sliceRuns(m.runs, i, j) };
          expect(Array.from(offsetsOf(sliced)), `${where} slice ${i}..${j}`).toEqual(offsets.slice(i, j));
          // Equal offsets give equal runs (the models compare equal).
          expect(Array.from(sliced.runs), `${where} slice ${i}..${j}`).toEqual(Array.from(runsOf(offsets.slice(i, j))));
        }
      }
    }
  });

  it('join a piece that continues the run before it, and only then', () => {
    expect(Array.from(new RunsBuilder().add(0, 10, 3).add(3, 13, 1).add(5, 15, 2).done())).toEqual([0, 10, 4, 5, 15, 2]);
    expect(Array.from(linearRuns(7, 0))).toEqual([]);
    expect(Array.from(linearRuns(7, 3))).toEqual([0, 7, 3]);
  });
});
