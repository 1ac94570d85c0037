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
}

let store: ParseStore | undefined;

/** The store the parsers read and fill (the pipeline sets it around a run with a cache; undefined: none). */
export function setParseStore(next: ParseStore | undefined): void {
  store = next;
}

export function parseStore(): ParseStore | undefined {
  return store;
}
