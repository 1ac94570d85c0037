/**
 * A parse worker (src/parallel/prefetch.ts starts it): reads the Python modules and Markdown docs
 * it is given, straight from disk, and sends back what the parsers would put in the parse store
 * (formats/store.ts) for each: the Python pass's results, the Markdown model. It runs the same
 * code the main thread would (`pythonAnalysis`, `parseMarkdown`), so a result is the one the main
 * thread would have made from the same text.
 *
 * Files are taken in order through the shared state array: a file the main thread took first
 * (it asked before the worker got there) is skipped. The worker reports nothing else: a file it
 * cannot read, or whose parse fails, simply has no result, and the main thread reads it itself.
 */
import { lstatSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parentPort, workerData } from 'node:worker_threads';
import { isPlainData, textDigest } from '../cache/pass-cache.js';
import { parseMarkdown } from '../formats/markdown.js';
import { prefetchAnalysis, pythonAnalysis, setPassRules } from '../formats/python.js';
import { setParseStore } from '../formats/store.js';
import { decode } from '../workspace/source-file.js';
// Every analysis of the Python pass, and every rule's interest in files, is declared when the
// rule modules load.
import '../rules/registry.js';
import { FileState, type PrefetchJob, type PrefetchResult, type WorkerSetup } from './protocol.js';

function readSource(root: string, rel: string, maxBytes: number): ReturnType<typeof decode> | undefined {
  try {
    const abs = path.join(root, rel);
    const st = lstatSync(abs);
    // What the workspace would skip or treat specially (a symbolic link, a special file, a file
    // past the size cap) is left to the main thread, which says why.
    if (!st.isFile() || st.size > maxBytes) return undefined;
    return decode(rel, readFileSync(abs));
  } catch {
    return undefined;
  }
}

/**
 * The plan's files, each kind from its end: the main thread asks about a kind's files roughly in
 * path order, from the front, so the worker meets it once, in the middle, instead of waiting
 * behind it or making it wait. The kinds keep their order (the docs rules run first).
 */
function* walkOrder(jobs: readonly PrefetchJob[]): Generator<number> {
  const runs: Array<[number, number]> = [];
  for (let i = 0; i < jobs.length; ) {
    let j = i + 1;
    while (j < jobs.length && (jobs[j] as PrefetchJob).kind === (jobs[i] as PrefetchJob).kind) j++;
    runs.push([i, j]);
    i = j;
  }
  for (const [from, to] of runs) for (let i = to - 1; i >= from; i--) yield i;
}

async function work(setup: WorkerSetup): Promise<void> {
  const port = setup.port;
  const state = new Int32Array(setup.state);
  setPassRules(setup.rules);
  let values: Array<[string, unknown]> = [];
  setParseStore({
    get: () => undefined,
    put: (_file, key, value) => {
      if (isPlainData(value)) values.push([key, value]);
    },
  });
  const jobs: PrefetchJob[] = setup.jobs;
  for (const index of walkOrder(jobs)) {
    if (Atomics.compareExchange(state, index, FileState.Queued, FileState.Working) !== FileState.Queued) continue;
    const job = jobs[index] as PrefetchJob;
    values = [];
    let digest: string | undefined;
    try {
      const decoded = readSource(setup.root, job.path, setup.maxFileBytes);
      if (decoded?.ok) {
        const file = decoded.file;
        digest = textDigest(file.text);
        if (job.kind === 'markdown') await parseMarkdown(file);
        else {
          const analysis = prefetchAnalysis(file);
          if (analysis) await pythonAnalysis(file, analysis);
        }
      }
    } catch {
      // No result: the main thread parses the file when it asks, and reports what goes wrong.
      digest = undefined;
    }
    const result: PrefetchResult = { index, digest, values: digest === undefined ? [] : values };
    port.postMessage(result);
    // After the message is queued: the main thread, seeing Done, finds it on the port.
    Atomics.store(state, index, FileState.Done);
    Atomics.notify(state, index);
  }
  port.close();
}

if (parentPort && workerData) {
  await work(workerData as WorkerSetup);
}
