/**
 * A parse worker (src/parallel/prefetch.ts starts it): reads the Python modules and Markdown docs
 * it is given, straight from disk, and sends back what the parsers would put in the parse store
 * (formats/store.ts) for each: the Python pass's results, the Markdown model. It runs the same
 * code the main thread would (`pythonAnalysis`, `parseMarkdown`), so a result is the one the main
 * thread would have made from the same text.
 *
 * Files are taken through the shared state array, each kind from its end (`walkOrder`), docs in
 * batches under one Markdown watchdog: a file the main thread took first (it asked before the
 * worker got there) is skipped. The worker reports nothing else: a file it
 * cannot read, or whose parse fails, simply has no result, and the main thread reads it itself.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { isPlainData } from '../cache/pass-cache.js';
import { leanModel, MARKDOWN_MODEL_KEY, parseMarkdown, type MarkdownModel } from '../formats/markdown.js';
import { prefetchAnalysis, pythonAnalysis, setPassRules } from '../formats/python.js';
import { setParseStore } from '../formats/store.js';
import type { SourceFile } from '../workspace/source-file.js';
import { relieveHeap, WORKER_LEVELS } from '../util/heap.js';
// Every analysis of the Python pass, and every rule's interest in files, is declared when the
// rule modules load.
import '../rules/registry.js';
import { FileState, type PrefetchJob, type PrefetchResult, type WorkerSetup } from './protocol.js';
import { BATCH_FILES, readDocBatch, readPlanned, takeDocBatch } from './read-batch.js';

/**
 * The plan's files, each kind from its end: the main thread asks about a kind's files roughly in
 * path order, from the front, so the worker meets it once, in the middle, instead of waiting
 * behind it or making it wait. The kinds keep the plan's order.
 */
function walkOrder(jobs: readonly PrefetchJob[]): number[] {
  const order: number[] = [];
  for (let i = 0; i < jobs.length; ) {
    let j = i + 1;
    while (j < jobs.length && (jobs[j] as PrefetchJob).kind === (jobs[i] as PrefetchJob).kind) j++;
    for (let k = j - 1; k >= i; k--) order.push(k);
    i = j;
  }
  return order;
}

async function work(setup: WorkerSetup): Promise<void> {
  const port = setup.port;
  const state = new Int32Array(setup.state);
  const jobs: PrefetchJob[] = setup.jobs;
  setPassRules(setup.rules);
  let values: Array<[string, unknown]> = [];
  setParseStore({
    get: () => undefined,
    put: (_file, key, value) => {
      if (isPlainData(value)) values.push([key, value]);
    },
  });
  /** What the parsers put in the store for `file`, as the main thread's would. */
  const parsed = async (file: SourceFile, kind: PrefetchJob['kind']): Promise<Array<[string, unknown]>> => {
    values = [];
    if (kind === 'markdown') await parseMarkdown(file);
    else {
      const analysis = prefetchAnalysis(file);
      if (analysis) await pythonAnalysis(file, analysis);
    }
    return values;
  };
  const send = (result: PrefetchResult, text: string | undefined): void => {
    if (text !== undefined) for (const pair of result.values) if (pair[0] === MARKDOWN_MODEL_KEY) pair[1] = leanModel(text, pair[1] as MarkdownModel);
    port.postMessage(result);
    // After the message is queued: the main thread, seeing Done, finds it on the port.
    Atomics.store(state, result.index, FileState.Done);
  };
  const order = walkOrder(jobs);
  // relieveHeap after each module or batch of docs. V8 lets a heap grow to several times what it holds
  // before a full collection; on the synthetic 100,000-file repository the worker's heap grew to
  // about 100 MB while it held about 40, and that came on top of the main thread's own peak, in
  // the middle of the docs rules. Kept near what it holds, the run's peak fell by 25–30 MiB
  // (bench/README.md, eleventh session). A collection of so small a heap takes a few
  // milliseconds of this thread, a few times a run.
  for (let at = 0; at < order.length && Atomics.load(state, jobs.length) === 0; at++) {
    const index = order[at] as number;
    if (Atomics.compareExchange(state, index, FileState.Queued, FileState.Working) !== FileState.Queued) continue;
    const job = jobs[index] as PrefetchJob;
    if (job.kind === 'markdown') {
      // The docs that follow in this walk, under one watchdog.
      const batch = takeDocBatch(state, jobs, index, order.slice(at + 1, at + BATCH_FILES));
      at += batch.length - 1;
      const read = (rel: string): SourceFile | undefined => readPlanned(setup.root, rel, setup.maxFileBytes);
      for (const doc of await readDocBatch(read, jobs, batch, (file) => parsed(file, 'markdown'))) send({ index: doc.index, digest: doc.file?.digest, values: doc.values }, doc.file?.text);
      relieveHeap(false, WORKER_LEVELS);
      continue;
    }
    const file = readPlanned(setup.root, job.path, setup.maxFileBytes);
    let result: PrefetchResult = { index, digest: undefined, values: [] };
    // No result where the parse fails: the main thread parses the file when it asks, and reports what goes wrong.
    if (file) result = await parsed(file, job.kind).then((v) => ({ index, digest: file.digest, values: v }), () => result);
    send(result, undefined);
    relieveHeap(false, WORKER_LEVELS);
  }
  port.close();
}

if (parentPort && workerData) {
  await work(workerData as WorkerSetup);
}
