/**
 * The persistent cache (on by default in the CLI; `--no-cache`, `--cache-location`):
 * what the Python pass read from each module and the Markdown model of each doc
 * (formats/store.ts), kept between runs, as ESLint's and ruff's caches keep per-file results. An entry is keyed by the file's path, the SHA-1 of its text and the
 * analysis, so a changed file is read again and an unchanged one is not parsed at all. The
 * whole cache is stamped with the tool's version and the newest modification time of its code:
 * a cache from another build is not used (one note), nor is a corrupt one (one note), never
 * trusted in part. Only what the run asked for is written back, so entries of deleted or edited
 * files do not pile up.
 *
 * Only plain data is stored (objects, arrays, typed arrays, Maps, Sets, strings, numbers,
 * booleans, null): a
 * value holding anything else (a class instance would come back without its prototype) is not
 * cached, and its analysis simply runs again next time.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { deserialize, serialize } from 'node:v8';
import type { ParseStore } from '../formats/store.js';
import type { SourceFile } from '../workspace/source-file.js';
import { markVolatile } from '../util/volatile.js';

export const CACHE_FILE = 'parse-cache.v1.bin';
const FORMAT = 'autopack-fix parse cache 1';

interface CacheFileContent {
  format: string;
  stamp: string;
  entries: Map<string, unknown>;
}

/**
 * The default folder, outside the repository: a report or a dry run writes nothing in the tree
 * it reads. One folder per root (a hash of its absolute path) under AUTOPACK_FIX_CACHE_DIR, else
 * the user's cache folder (XDG_CACHE_HOME, LOCALAPPDATA on Windows, else ~/.cache), as
 * pre-commit keeps its cache. `--cache-location` puts it anywhere else (a CI cache path).
 */
export function defaultCacheLocation(root: string, env: NodeJS.ProcessEnv = process.env): string {
  const base =
    env.AUTOPACK_FIX_CACHE_DIR ||
    (env.XDG_CACHE_HOME ? path.join(env.XDG_CACHE_HOME, 'autopack-fix') : process.platform === 'win32' && env.LOCALAPPDATA ? path.join(env.LOCALAPPDATA, 'autopack-fix', 'cache') : path.join(os.homedir(), '.cache', 'autopack-fix'));
  return path.join(base, createHash('sha1').update(path.resolve(root)).digest('hex').slice(0, 16));
}

let stampMemo: string | undefined;

/** The tool's version and the newest modification time of its code (compiled, or sources when run from them, or the bundle). */
export function codeStamp(): string {
  if (stampMemo) return stampMemo;
  const here = fileURLToPath(import.meta.url);
  const base = path.resolve(path.dirname(here), '..', '..');
  let newest = statSync(here).mtimeMs;
  for (const top of ['src', 'codemods']) {
    const dir = path.join(base, top);
    if (!existsSync(dir)) continue;
    for (const rel of readdirSync(dir, { recursive: true }) as string[]) {
      if (!/\.(js|ts|wasm)$/.test(rel) || rel.endsWith('.d.ts')) continue;
      newest = Math.max(newest, statSync(path.join(dir, rel)).mtimeMs);
    }
  }
  let version = '';
  for (const pkg of [path.join(base, 'package.json'), path.join(base, '..', 'package.json')]) {
    try {
      version = (JSON.parse(readFileSync(pkg, 'utf8')) as { version?: string }).version ?? '';
      break;
    } catch {
      // the next place
    }
  }
  stampMemo = `${version} ${newest}`;
  return stampMemo;
}

/**
 * Create the cache folder if needed; a folder the cache creates gets a `.gitignore` of `*`, so
 * git and the tool's own file listing leave it out. Throws what mkdir or the write throws.
 */
export function ensureCacheDir(dir: string): void {
  if (existsSync(dir)) return;
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, '.gitignore'), '# autopack-fix cache: safe to delete\n*\n');
}

/** Whether `v` is plain data, which comes back the same through v8's serializer (a cache file, a worker's message). */
export function isPlainData(v: unknown, depth = 0): boolean {
  if (depth > 200) return false;
  if (v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' || v === undefined) return true;
  if (typeof v !== 'object') return false;
  if (Array.isArray(v)) return v.every((x) => isPlainData(x, depth + 1));
  // Typed arrays (the Markdown model's offset maps) come back as typed arrays of the same kind.
  if (ArrayBuffer.isView(v)) return !(v instanceof DataView);
  if (v instanceof Map) return [...v].every(([k, x]) => isPlainData(k, depth + 1) && isPlainData(x, depth + 1));
  if (v instanceof Set) return [...v].every((x) => isPlainData(x, depth + 1));
  const proto = Object.getPrototypeOf(v);
  if (proto !== Object.prototype && proto !== null) return false;
  return Object.values(v as Record<string, unknown>).every((x) => isPlainData(x, depth + 1));
}

/** The digest a file's text is known by in the cache and in a parse worker's results. */
export function textDigest(text: string): string {
  return createHash('sha1').update(text).digest('hex');
}

export class PassCache implements ParseStore {
  private readonly previous: Map<string, unknown>;
  private readonly next = new Map<string, unknown>();
  private readonly hashes = new WeakMap<SourceFile, string>();
  private changed = false;
  hits = 0;
  misses = 0;

  private constructor(
    readonly dir: string,
    private readonly stamp: string,
    previous: Map<string, unknown>,
  ) {
    this.previous = previous;
  }

  /** Open the cache in `dir`; `note` says why an existing cache file is not used. */
  static open(dir: string, stamp: string = codeStamp()): { cache: PassCache; note?: string } {
    const opened = PassCache.tryOpen(dir, stamp);
    // The note is said once, by this run: a replay of it would say it again.
    if (opened.note !== undefined) markVolatile(opened.note);
    return opened;
  }

  private static tryOpen(dir: string, stamp: string): { cache: PassCache; note?: string } {
    const file = path.join(dir, CACHE_FILE);
    let bytes: Buffer;
    try {
      bytes = readFileSync(file);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      return { cache: new PassCache(dir, stamp, new Map()), ...(code === 'ENOENT' ? {} : { note: `the cache ${file} cannot be read (${code ?? String(error)}): not used` }) };
    }
    try {
      const content = deserialize(bytes) as Partial<CacheFileContent>;
      if (content?.format !== FORMAT || !(content.entries instanceof Map) || typeof content.stamp !== 'string') throw new Error('not a cache of this tool');
      if (content.stamp !== stamp) return { cache: new PassCache(dir, stamp, new Map()), note: `the cache ${file} was made by another build of autopack-fix: not used, and rebuilt` };
      return { cache: new PassCache(dir, stamp, content.entries) };
    } catch (error) {
      return { cache: new PassCache(dir, stamp, new Map()), note: `the cache ${file} is corrupt (${error instanceof Error ? error.message : String(error)}): not used, and rebuilt` };
    }
  }

  private key(file: SourceFile, analysis: string): string {
    let hash = this.hashes.get(file);
    if (hash === undefined) {
      hash = textDigest(file.text);
      this.hashes.set(file, hash);
    }
    return `${analysis}\0${file.path}\0${hash}`;
  }

  /** Whether the cache opened with nothing in it (none yet, another build's, a corrupt one). */
  get cold(): boolean {
    return this.previous.size === 0;
  }

  get(file: SourceFile, analysis: string): { value: unknown } | undefined {
    const key = this.key(file, analysis);
    if (this.next.has(key)) return { value: this.next.get(key) };
    if (!this.previous.has(key)) {
      this.misses++;
      return undefined;
    }
    this.hits++;
    const value = this.previous.get(key);
    this.next.set(key, value);
    return { value };
  }

  put(file: SourceFile, analysis: string, value: unknown): void {
    const key = this.key(file, analysis);
    if (this.next.has(key) || !isPlainData(value)) return;
    this.next.set(key, value);
    if (!this.previous.has(key)) this.changed = true;
  }

  /**
   * Write what this run used, atomically (a temporary file renamed over the old one), in a
   * folder `ensureCacheDir` made. Returns a note when the cache cannot be written (the run is not affected).
   */
  save(): string | undefined {
    // Nothing new: the file stays as it is, even when this run asked for fewer entries (one rule
    // selected, a pass that parsed more than was asked): rewriting it costs more than it frees,
    // and the next run that adds an entry drops what no run asked for.
    if (!this.changed) return undefined;
    const file = path.join(this.dir, CACHE_FILE);
    try {
      ensureCacheDir(this.dir);
      const tmp = `${file}.${process.pid}.tmp`;
      writeFileSync(tmp, serialize({ format: FORMAT, stamp: this.stamp, entries: this.next } satisfies CacheFileContent));
      renameSync(tmp, file);
      return undefined;
    } catch (error) {
      const note = `the cache ${file} cannot be written (${(error as NodeJS.ErrnoException).code ?? String(error)}): the next run parses again`;
      markVolatile(note);
      return note;
    }
  }
}
