/**
 * A full garbage collection between rules, once the heap has grown a lot since the last one.
 *
 * Why: in a large repository the memory peak is where a run ends, and most of what it adds there
 * is garbage: each rule's own working data (indexes over every file, lists of matches) dies when
 * the rule returns, but V8 ran only a few mark-compacts in a whole run, so that garbage sat in the
 * old generation while the next rules took new pages. On the synthetic 100,000-file repository
 * the run's peak fell by about 40 MiB, serial or with a parse worker (bench/README.md, tenth
 * session). A collection costs about 0.3 s at that size, so it is asked only where it pays:
 * a heap of at least MIN_HEAP that grew by GROWTH since the last one. A repository of a few
 * thousand files never gets there, and pays one heap-statistics read per rule. A parse worker
 * asks too, between files, at its own levels (WORKER_LEVELS).
 *
 * The collection is V8's own (`gc`, exposed on demand as test runners such as Jest do); it
 * changes no value the run computes, so no output. Where it cannot be had, nothing is done.
 */
import { getHeapStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

const MiB = 1024 * 1024;
/** Below this much heap in use, a run is small enough that V8's own schedule is fine. */
export const MIN_HEAP = 256 * MiB;
/** Growth since the last collection that asks for the next. */
export const GROWTH = 64 * MiB;

/**
 * One process, one heap: the level to measure growth from (the first seen, then the one after
 * each collection), and the collector once found.
 */
const state: { after: number; collect: (() => void) | null | undefined } = { after: Infinity, collect: undefined };

function collector(): (() => void) | null {
  if (state.collect !== undefined) return state.collect;
  try {
    setFlagsFromString('--expose-gc');
    const gc: unknown = runInNewContext('gc');
    state.collect = typeof gc === 'function' ? (gc as () => void) : null;
  } catch {
    state.collect = null;
  }
  return state.collect;
}

/** When a heap is due for a collection: at least `minHeap` in use, grown by `growth` since the last one. */
export interface HeapLevels {
  minHeap: number;
  growth: number;
}

/** A run's main thread, between rules. */
export const RUN_LEVELS: HeapLevels = { minHeap: MIN_HEAP, growth: GROWTH };

/**
 * A parse worker, between files (parallel/parse-worker.ts): it holds only the code and the file
 * it reads, about 40 MB, so it is kept near that (each worker is its own heap, with its own level).
 */
export const WORKER_LEVELS: HeapLevels = { minHeap: 48 * MiB, growth: 16 * MiB };

/** Whether a heap of `used` bytes, after a collection at `after`, is due for the next one. */
export function collectionDue(used: number, after: number, levels: HeapLevels = RUN_LEVELS): boolean {
  return used >= levels.minHeap && used - after >= levels.growth;
}

/**
 * Collect the garbage when the heap is due (see above), or, after a run `released` data (see
 * facts/fact.ts, Releasable), whenever it is at least MIN_HEAP: what was let go is garbage that
 * the heap's size does not show until it is collected. True when it collected.
 */
export function relieveHeap(released = false, levels: HeapLevels = RUN_LEVELS): boolean {
  const used = getHeapStatistics().used_heap_size;
  // The level may also fall by itself (V8's own collections): measure growth from the lowest seen.
  if (used < state.after) state.after = used;
  if (released ? used < levels.minHeap : !collectionDue(used, state.after, levels)) return false;
  const collect = collector();
  if (!collect) return false;
  collect();
  state.after = getHeapStatistics().used_heap_size;
  return true;
}
