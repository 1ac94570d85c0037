/**
 * Reading the plan's files (prefetch.ts): a worker reads them straight from disk (`readPlanned`),
 * and what it reads is used only where the workspace's text has the same digest; what the
 * workspace would skip or say something about is left to it. The main thread's batches of docs
 * read the workspace's own texts (Workspace.peek). Both read docs in batches (`readDocBatch`).
 */
import { lstatSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { MARKDOWN_MODEL_KEY, readMarkdownModels } from '../formats/markdown.js';
import { decode, type SourceFile } from '../workspace/source-file.js';
import { FileState, type PrefetchJob } from './protocol.js';

/** A plan file's text as the workspace would decode it; undefined for what the workspace handles itself (a symbolic link, a special file, a file past the size cap, one it cannot read or decode). */
export function readPlanned(root: string, rel: string, maxBytes: number): SourceFile | undefined {
  try {
    const abs = path.join(root, rel);
    const st = lstatSync(abs);
    if (!st.isFile() || st.size > maxBytes) return undefined;
    const decoded = decode(rel, readFileSync(abs));
    return decoded.ok ? decoded.file : undefined;
  } catch {
    return undefined;
  }
}

/**
 * At most this many docs in one batch. A doc larger than BATCH_MAX_CHARS is read alone: its own
 * parse costs far more than its watchdog, and a batch of large ones would come near the budget.
 */
export const BATCH_FILES = 32;
export const BATCH_MAX_CHARS = 64 * 1024;

/**
 * `first` (already taken by the caller) and the Markdown files that follow it in `next` that
 * nobody has, until a batch is full or a file of another kind or someone else's comes. Each one
 * taken is set Working.
 */
export function takeDocBatch(state: Int32Array, jobs: readonly PrefetchJob[], first: number, next: readonly number[]): number[] {
  const taken = [first];
  for (const i of next) {
    if (taken.length >= BATCH_FILES) break;
    if ((jobs[i] as PrefetchJob).kind !== 'markdown') break;
    if (Atomics.compareExchange(state, i, FileState.Queued, FileState.Working) !== FileState.Queued) break;
    taken.push(i);
  }
  return taken;
}

/** A doc of a batch, and what the parsers would store for it. */
export interface DocRead {
  index: number;
  /** The text read; undefined when `read` gave none. */
  file: SourceFile | undefined;
  values: Array<[string, unknown]>;
}

/**
 * Read a batch of docs under one watchdog (formats/markdown.ts, `readMarkdownModels`): a result
 * per file, with the model where the batch gave one. `read` gives a file's text (a worker reads
 * the disk; the main thread asks the workspace, so that the model is built on the very text the
 * rules will have, kept once). `alone` reads a doc the batch could not (a worker does; the main
 * thread leaves it to its usual read).
 */
export async function readDocBatch(read: (path: string) => SourceFile | undefined, jobs: readonly PrefetchJob[], batch: readonly number[], alone?: (file: SourceFile) => Promise<Array<[string, unknown]>>): Promise<DocRead[]> {
  const files = batch.map((i) => read((jobs[i] as PrefetchJob).path));
  const small = files.flatMap((f, k) => (f && f.text.length <= BATCH_MAX_CHARS ? [k] : []));
  const models = await readMarkdownModels(small.map((k) => (files[k] as SourceFile).text));
  const byFile = new Map(small.map((k, j) => [k, models[j]]));
  const out: DocRead[] = [];
  for (const [k, index] of batch.entries()) {
    const file = files[k];
    const model = byFile.get(k);
    let values: Array<[string, unknown]> = [];
    if (file && model) values = [[MARKDOWN_MODEL_KEY, model]];
    else if (file && alone) values = await alone(file).catch(() => []);
    out.push({ index, file, values });
  }
  return out;
}
