/**
 * Both cores: parse workers (`node:worker_threads`) read the repository's Python modules and
 * Markdown docs while the main thread runs the rules, and put what they read into the parse
 * store (formats/store.ts) that the parsers already consult for the persistent cache. The rules,
 * the facts and the engine stay on the main thread and never see a worker: they ask the parsers
 * as before, and find the result made.
 *
 * Why the output cannot change: a worker runs the very code the main thread would
 * (`pythonAnalysis`, `parseMarkdown`) on the text it reads from disk, and a result is used only
 * for a file whose text has the same digest on the main thread (a file a fix changed, or that
 * changed on disk, is parsed again). Only plain data crosses over (what the cache stores too), so
 * it comes back equal. What a worker cannot read or parse has no result, and the main thread
 * reads it itself, saying what goes wrong as it always did. Runs that overlap in one process
 * (a campaign's) share the one parse store and may consult each other's plan: the digest keeps
 * that harmless too.
 *
 * Who reads what: every file of the plan has a slot in a shared array. A worker walks each kind
 * of file from its end and takes the next file nobody has (docs in batches); the main thread,
 * asking about a file no worker has reached, takes it and reads it itself (work stealing; a doc
 * with the free docs after it, in one batch), and asking about one a worker is reading, waits
 * for it. So neither core waits for the other's order. Without workers the plan still serves the
 * main thread's batches of docs.
 */
import { existsSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';
import { isMarkdownPath } from '../formats/markdown.js';
import type { ParseStore } from '../formats/store.js';
import type { Concurrency } from '../util/concurrency.js';
import type { SourceFile } from '../workspace/source-file.js';
import { FileState, type PrefetchJob, type PrefetchResult, type WorkerSetup } from './protocol.js';
import { BATCH_FILES, readDocBatch, readPlanned, takeDocBatch, type DocRead } from './read-batch.js';

/**
 * `auto` starts no worker for fewer Python modules than this. A worker pays off through the
 * Python pass: it reads the modules while the docs rules run on the main thread, which reads
 * the docs itself in batches. It takes about as long to start as the CLI (it loads every rule,
 * for the analyses they declare), and on a 2-core machine the main thread's garbage collector
 * already uses part of the second core. Measured (bench/README.md, sixth session): 1,189–36,114
 * modules (ragflow, polar, synthetic 20,000 and 100,000) saved 5–24% of the wall time; 329–730
 * (paperless-ngx, mem0, synthetic 2,000) saved -12–10% and cost 15–30% more CPU. A worker's CPU
 * slows the main thread on two cores: it reads ahead only what the rules ask at once
 * (PythonAnalysis.ahead), never what they may ask later.
 */
export const AUTO_MIN_MODULES = 1000;
/** `auto` starts at most this many, leaving a core to the main thread. */
export const AUTO_MAX_WORKERS = 3;

export interface PrefetchOptions {
  root: string;
  paths: readonly string[];
  maxFileBytes: number;
  /** The rules of the run. */
  rules: readonly string[];
  concurrency: Concurrency;
  /**
   * A file's text as the workspace will give it, without a note when it cannot (Workspace.peek):
   * the main thread's batches of docs are read on it, so that a model and the rules share one
   * text. Default: read from disk, as a worker does.
   */
  peek?: (path: string) => SourceFile | undefined;
  /** Cores to count for `auto` (default: os.availableParallelism()). */
  cores?: number;
  /**
   * The Markdown docs to read ahead: the ones the run's rules read on every run
   * (Rule.docsReadAhead). Default: every Markdown file of `paths`.
   */
  docs?: readonly string[];
}

/**
 * The files a worker may read ahead: the Python modules, then the Markdown docs (`readDocs`, or
 * every one). The docs rules run first and the main thread reads their docs in batches
 * meanwhile; a worker starting on the modules has them ready when the rules that read modules
 * come.
 */
export function prefetchPlan(paths: readonly string[], readDocs?: readonly string[]): PrefetchJob[] {
  const wanted = readDocs && new Set(readDocs);
  const docs: PrefetchJob[] = [];
  const modules: PrefetchJob[] = [];
  for (const p of paths) {
    if (isMarkdownPath(p)) {
      if (!wanted || wanted.has(p)) docs.push({ path: p, kind: 'markdown' });
    } else if (p.endsWith('.py')) modules.push({ path: p, kind: 'python' });
  }
  return [...modules, ...docs];
}

export function workerCount(concurrency: Concurrency, plan: readonly PrefetchJob[], cores: number = os.availableParallelism()): number {
  if (plan.length === 0) return 0;
  if (concurrency !== 'auto') return Math.max(0, Math.min(concurrency, plan.length));
  if (plan.filter((j) => j.kind === 'python').length < AUTO_MIN_MODULES) return 0;
  return Math.max(0, Math.min(cores - 1, AUTO_MAX_WORKERS));
}

/** The worker's module, beside this one once compiled; undefined when run from the TypeScript sources or a bundle without it. */
function workerEntry(): string | undefined {
  const file = fileURLToPath(new URL('./parse-worker.js', import.meta.url));
  return existsSync(file) ? file : undefined;
}

interface Received {
  /** The text the result was made from: a worker's digest of it, or the main thread's file. */
  digest?: string;
  source?: SourceFile;
  /** As the worker sent them: one to three pairs a file, so a list (a Map a file was 20 MB at 100,000 files). */
  values: ReadonlyArray<readonly [string, unknown]>;
}

/** A file whose results were all handed over: only that it came is kept. */
const TAKEN: Received = { values: [] };

/** The value put last under `key` (as a Map built from the list would hold). */
function lastPair(values: Received['values'], key: string): readonly [string, unknown] | undefined {
  for (let i = values.length - 1; i >= 0; i--) if ((values[i] as readonly [string, unknown])[0] === key) return values[i];
  return undefined;
}

export class ParsePrefetch implements ParseStore {
  private readonly index = new Map<string, number>();
  private readonly state: Int32Array;
  private readonly received = new Map<number, Received>();
  private readonly waiters = new Map<number, Array<() => void>>();
  private readonly ports: MessagePort[] = [];
  private readonly workers: Worker[] = [];
  /** Closed, or a worker ended early: a file a worker was reading may never come. */
  private stopped = false;
  /** Results the main thread used (bench, tests). */
  used = 0;
  /** The plan holds every module some analysis's `ahead` takes (see ParseStore.leanPasses). */
  readonly leanPasses = true;

  private constructor(
    private readonly inner: ParseStore | undefined,
    private readonly jobs: readonly PrefetchJob[],
    /**
     * A doc's text for the main thread's batches: the workspace's, when the pipeline gives it.
     * Let go when the run ends (`close`): a closed port and a worker still ending hold the plan
     * a while, and through this, every text of the workspace.
     */
    private read: (path: string) => SourceFile | undefined,
  ) {
    // One slot per file, and one more at the end: the stop flag.
    this.state = new Int32Array(new SharedArrayBuffer((jobs.length + 1) * Int32Array.BYTES_PER_ELEMENT));
    jobs.forEach((job, i) => this.index.set(job.path, i));
  }

  /**
   * The plan of a run, around `inner` (the persistent cache, or none), and its workers: none for
   * too few files, one core, `concurrency` 0, or no worker module (the main thread still reads
   * the docs in batches). Undefined when the repository has no doc or module.
   */
  static start(inner: ParseStore | undefined, options: PrefetchOptions): ParsePrefetch | undefined {
    const jobs = prefetchPlan(options.paths, options.docs);
    if (!jobs.length) return undefined;
    const entry = workerEntry();
    const count = entry === undefined ? 0 : workerCount(options.concurrency, jobs, options.cores);
    const { root, maxFileBytes } = options;
    const prefetch = new ParsePrefetch(inner, jobs, options.peek ?? ((p) => readPlanned(root, p, maxFileBytes)));
    const setup = { root, maxFileBytes, rules: [...options.rules], jobs, state: prefetch.state.buffer as SharedArrayBuffer };
    for (let w = 0; w < count && entry !== undefined; w++) prefetch.startWorker(entry, setup);
    return prefetch;
  }

  /** One worker, and its port; the listeners reach nothing of the run but this plan (see `read`). */
  private startWorker(entry: string, setup: Omit<WorkerSetup, 'port'>): void {
    const { port1, port2 } = new MessageChannel();
    const worker = new Worker(entry, { workerData: { ...setup, port: port2 } satisfies WorkerSetup, transferList: [port2] });
    // Neither keeps the process alive: a run that ends early does not wait for them.
    worker.unref();
    port1.on('message', (result: PrefetchResult) => this.accept(result));
    port1.unref();
    worker.on('error', () => this.stop());
    // A worker that walked the whole plan ends with 0; one that failed or was ended, otherwise.
    worker.on('exit', (code) => {
      if (code !== 0) this.stop();
    });
    this.ports.push(port1);
    this.workers.push(worker);
  }

  private accept(result: PrefetchResult | DocRead): void {
    this.received.set(result.index, 'file' in result ? { source: result.file, values: result.values } : { digest: result.digest, values: result.values });
    const waiting = this.waiters.get(result.index);
    if (!waiting) return;
    this.waiters.delete(result.index);
    if (this.waiters.size === 0) this.hold(false);
    for (const resolve of waiting) resolve();
  }

  /** A worker ended (or the run did): nobody waits for a file it was reading any more. */
  private stop(): void {
    this.stopped = true;
    const waiting = [...this.waiters.values()].flat();
    this.waiters.clear();
    this.hold(false);
    for (const resolve of waiting) resolve();
  }

  private hold(on: boolean): void {
    for (const port of this.ports) if (on) port.ref();
    else port.unref();
    for (const worker of this.workers) if (on) worker.ref();
    else worker.unref();
  }

  /**
   * Take every result already on the ports. A result left waiting keeps its serialized copy in
   * the worker's malloc arena, and glibc does not give such memory back: when the main thread
   * took only the result it asked for, a 100,000-file run kept 64 MiB there to its end. Each
   * result is one the rules will ask for (the plan holds what they read), so taking it early
   * costs nothing.
   */
  private drain(): void {
    for (const port of this.ports) {
      for (let message = receiveMessageOnPort(port); message; message = receiveMessageOnPort(port)) this.accept(message.message as PrefetchResult);
    }
  }

  /** Doc `first` (taken) and the free docs after it in the plan, read on the main thread under one watchdog. */
  private async readDocs(first: number): Promise<void> {
    const next = Array.from({ length: Math.min(BATCH_FILES, this.jobs.length - first - 1) }, (_, k) => first + 1 + k);
    const batch = takeDocBatch(this.state, this.jobs, first, next);
    let results: DocRead[] = [];
    try {
      results = await readDocBatch(this.read, this.jobs, batch);
    } finally {
      // A doc without a model (or a batch that failed) is read the usual way when asked.
      const got = new Map(results.map((r) => [r.index, r]));
      for (const i of batch) {
        this.accept(got.get(i) ?? { index: i, file: undefined, values: [] });
        Atomics.store(this.state, i, FileState.Done);
      }
    }
  }

  settle(file: SourceFile): Promise<void> | undefined {
    const i = this.index.get(file.path);
    if (i === undefined) return undefined;
    for (;;) {
      const now = Atomics.load(this.state, i);
      if (now === FileState.Queued) {
        if ((this.jobs[i] as PrefetchJob).kind === 'markdown') {
          // Nobody has it: the main thread reads it, and the docs that follow, in one batch.
          if (Atomics.compareExchange(this.state, i, FileState.Queued, FileState.Working) !== FileState.Queued) continue;
          return this.readDocs(i);
        }
        // A module nobody has: the main thread reads it itself, the usual way, rather than wait.
        if (Atomics.compareExchange(this.state, i, FileState.Queued, FileState.Taken) === FileState.Queued) return undefined;
        continue;
      }
      if (now !== FileState.Working || this.stopped) return undefined;
      this.drain();
      if (this.received.has(i)) return undefined;
      // While the main thread waits, the ports and workers keep the process alive (they are
      // unreferenced otherwise, so that a run that ends does not wait for them).
      this.hold(true);
      return new Promise((resolve) => this.waiters.set(i, [...(this.waiters.get(i) ?? []), resolve]));
    }
  }

  get(file: SourceFile, key: string): { value: unknown } | undefined {
    const i = this.index.get(file.path);
    const now = i === undefined ? undefined : Atomics.load(this.state, i);
    // Working, too: the worker posts a result before it marks the file done.
    if (i !== undefined && (now === FileState.Working || now === FileState.Done)) {
      this.drain();
      const got = this.received.get(i);
      const same = got?.source ? got.source === file || got.source.digest === file.digest : got?.digest !== undefined && got.digest === file.digest;
      const pair = got && lastPair(got.values, key);
      if (got && pair && same) {
        const value = pair[1];
        this.used++;
        // Asked once: the file's parse keeps the value from now on (SourceFile.parse).
        const rest = got.values.filter((p) => p[0] !== key);
        this.received.set(i, rest.length ? { ...got, values: rest } : TAKEN);
        // The persistent cache keeps it for the next run, as if parsed here.
        this.inner?.put(file, key, value);
        return { value };
      }
    }
    return this.inner?.get(file, key);
  }

  put(file: SourceFile, key: string, value: unknown): void {
    this.inner?.put(file, key, value);
  }

  /**
   * How the plan's files were read so far (bench, tests): ahead of the asks (by a worker, or in a
   * batch of docs on the main thread), being read, left to the main thread's usual read, not yet.
   */
  stats(): { files: number; readAhead: number; reading: number; leftToMain: number; unread: number; used: number } {
    const count = [0, 0, 0, 0];
    for (const v of this.state.subarray(0, this.jobs.length)) count[v] = (count[v] ?? 0) + 1;
    const [queued = 0, working = 0, done = 0, taken = 0] = count;
    return { files: this.index.size, readAhead: done, reading: working, leftToMain: taken, unread: queued, used: this.used };
  }

  /** End the workers (what they have not read is not needed any more). */
  close(): void {
    this.stop();
    // Asked to stop rather than terminated: `terminate()` of a worker inside the Markdown
    // watchdog's vm call can be lost, and its promise never settle. A worker sees the flag
    // before its next file; unreferenced, it does not keep the process alive meanwhile.
    Atomics.store(this.state, this.jobs.length, 1);
    for (const port of this.ports) port.close();
    // What the run is done with: the texts (through `read`) and results nobody asked for.
    this.read = () => undefined;
    this.received.clear();
  }
}
