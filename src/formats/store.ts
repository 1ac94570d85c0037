/**
 * Results of earlier runs, by file text: the persistent cache (src/cache/) plugs in here, and
 * the parsers whose results are plain data and depend only on a file's path and text consult it
 * (the Python pass, formats/python.ts; the Markdown model, formats/markdown.ts). A result found
 * there is not computed again; a file whose every asked result is there is not parsed at all.
 */
import type { SourceFile } from '../workspace/source-file.js';

export interface ParseStore {
  /**
   * The result stored for `file`'s text under `key`. It may be a fresh copy on every ask (the
   * persistent cache deserializes it): a parser keeps what it got with the file (SourceFile.parse).
   */
  get(file: SourceFile, key: string): { value: unknown } | undefined;
  put(file: SourceFile, key: string, value: unknown): void;
  /**
   * Resolves once results being made elsewhere for `file` (a parse worker, src/parallel/) are in
   * the store; undefined when none are under way. Called before `get` by the parsers that
   * consult the store.
   */
  settle?(file: SourceFile): Promise<void> | undefined;
  /**
   * True beside parse workers that read ahead every module an analysis's `ahead` takes
   * (src/parallel/): a Python pass the main thread makes then is over a module no rule asks
   * about at once (or one it reached first), and takes only the analyses asked about it at once
   * (formats/python.ts, `passAnalyses`), not every one whose wider `inPass` takes it. Those ride
   * along to spare a second parse should a rule ask later, which is worth it off the main thread
   * but not on it: on the synthetic 100,000-file repository the main thread's 2,300 passes (app
   * modules that compose commands and docs name) computed three such analyses, 2.5 s of its
   * time, and none was asked. One asked later gets a pass of its own; no result changes.
   */
  readonly leanPasses?: boolean;
}

let store: ParseStore | undefined;

/** The store the parsers read and fill (the pipeline sets it around a run with a cache; undefined: none). */
export function setParseStore(next: ParseStore | undefined): void {
  store = next;
}

export function parseStore(): ParseStore | undefined {
  return store;
}
