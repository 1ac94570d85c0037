/**
 * The check every prefilter over Python text owes: on each generated module in which the tree
 * analysis finds what the rule reads, the prefilter says yes.
 */
import { expect } from 'vitest';
import { analyzePythonTree, type PythonTreeAnalysis } from '../../src/formats/python-tree.js';
import { SourceFile } from '../../src/workspace/source-file.js';

/** Asserts `takes` on every text whose analysis `holds`; returns how many held (a test asserts it is not vacuous). */
export async function expectPrefilterTakesEvery(texts: Iterable<string>, holds: (tree: PythonTreeAnalysis) => boolean, takes: (text: string) => boolean): Promise<number> {
  let held = 0;
  for (const text of texts) {
    if (!holds(await analyzePythonTree(new SourceFile('m.py', text, false)))) continue;
    held++;
    expect(takes(text), text).toBe(true);
  }
  return held;
}
