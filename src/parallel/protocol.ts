/**
 * What the main thread and a parse worker exchange (prefetch.ts, parse-worker.ts). Each file of
 * the plan has one slot in a shared Int32Array; whoever moves it from Queued first reads it.
 */
import type { MessagePort } from 'node:worker_threads';

export const FileState = {
  /** Nobody has it yet. */
  Queued: 0,
  /** A worker is reading it; its result will come on the port. */
  Working: 1,
  /** The worker's result is on the port (or already taken from it). */
  Done: 2,
  /** The main thread asked first and reads it itself. */
  Taken: 3,
} as const;

export interface PrefetchJob {
  /** Root-relative, as the workspace names it. */
  path: string;
  kind: 'python' | 'markdown';
}

export interface WorkerSetup {
  root: string;
  maxFileBytes: number;
  /** The rules of the run: the Python analyses of others stay out of the pass, as on the main thread. */
  rules: string[];
  /** The plan; every worker gets all of it, and takes files through `state`. */
  jobs: PrefetchJob[];
  /** A SharedArrayBuffer of one Int32 per job (FileState), and one more after them: set to 1, the worker stops. */
  state: SharedArrayBuffer;
  port: MessagePort;
}

export interface PrefetchResult {
  index: number;
  /** The digest (SourceFile.digest) of the text the worker read; undefined when it read nothing. */
  digest: string | undefined;
  /** What the parsers put in the store for that text, by store key. */
  values: Array<[string, unknown]>;
}
