/**
 * The heap governor (src/util/heap.ts): a full collection between rules once a large heap grew
 * enough since the last one, and never for a small heap. This file runs in its own process
 * (vitest's forks pool), so its heap starts small and only this test fills it.
 */
import { describe, it, expect } from 'vitest';
import { getHeapStatistics } from 'node:v8';
import { collectionDue, relieveHeap, GROWTH, MIN_HEAP } from '../src/util/heap.js';

const MiB = 1024 * 1024;

describe('heap governor', () => {
  it('is due only for a heap of at least MIN_HEAP that grew by GROWTH since the last collection', () => {
    expect(collectionDue(MIN_HEAP - 1, 0)).toBe(false);
    expect(collectionDue(MIN_HEAP, MIN_HEAP - GROWTH)).toBe(true);
    expect(collectionDue(MIN_HEAP + 10 * MiB, MIN_HEAP + 10 * MiB - GROWTH + 1)).toBe(false);
    expect(collectionDue(900 * MiB, 800 * MiB)).toBe(true);
  });

  it('collects the garbage a large heap grew by, and then waits for it to grow again', () => {
    // The first look sets the level growth is measured from.
    expect(relieveHeap()).toBe(false);
    let junk: number[][] | undefined = Array.from({ length: 40 }, () => new Array<number>(1_000_000).fill(1.5));
    expect(getHeapStatistics().used_heap_size).toBeGreaterThan(MIN_HEAP);
    expect(junk.length).toBe(40);
    junk = undefined;
    expect(relieveHeap()).toBe(true);
    expect(getHeapStatistics().used_heap_size).toBeLessThan(MIN_HEAP);
    expect(relieveHeap()).toBe(false);
  });

  it('after a release, collects a heap at its minimum whatever it grew by, and a small one never', () => {
    const used = getHeapStatistics().used_heap_size;
    expect(relieveHeap(true, { minHeap: used + 64 * MiB, growth: 0 })).toBe(false);
    expect(relieveHeap(true, { minHeap: 1, growth: Number.MAX_SAFE_INTEGER })).toBe(true);
    // Without a release the same levels wait for growth.
    expect(relieveHeap(false, { minHeap: 1, growth: Number.MAX_SAFE_INTEGER })).toBe(false);
    expect(collectionDue(2 * MiB, MiB, { minHeap: MiB, growth: MiB })).toBe(true);
    expect(collectionDue(2 * MiB, MiB, { minHeap: 4 * MiB, growth: MiB })).toBe(false);
  });
});
