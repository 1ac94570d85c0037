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
 *
 * Each value is kept serialized (v8's serializer), from the moment it is made or read until the
 * file is written: the run's own copy lives with the file it was parsed from, and goes when the
 * run lets it go (facts/fact.ts, Releasable), instead of staying here as objects until the end.
 * The file is read whole but each value is deserialized only when a run asks for it. At 100,000
 * files the cache held the models of every doc and the results of every module as objects, and
 * writing it made one more copy: a first run peaked 250 MiB above a run without a cache.
 */
import { createHash } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { deserialize, serialize } from 'node:v8';
import type { ParseStore } from '../formats/store.js';
import type { SourceFile } from '../workspace/source-file.js';
import { markVolatile } from '../util/volatile.js';

export const CACHE_FILE = 'parse-cache.v2.bin';
/** The file of the first format (one serialized Map of objects): removed when a cache is written. */
const OLD_CACHE_FILE = 'parse-cache.v1.bin';
const FORMAT = 'autopack-fix parse cache 2';

/**
 * The file: a header (its length as a 32-bit little-endian number, then JSON: the format and the
 * stamp), then each entry as its key (length, UTF-8) and its serialized value (length, bytes).
 */
interface CacheHeader {
  format: string;
  stamp: string;
}

/** The entries of a cache file, each value still serialized (views of the file's bytes). */
function readEntries(bytes: Buffer): { header: CacheHeader; entries: Map<string, Uint8Array> } {
  let at = 0;
  const length = (): number => {
    if (at + 4 > bytes.length) throw new Error(`truncated at byte ${at}`);
    const n = bytes.readUInt32LE(at);
    at += 4;
    if (at + n > bytes.length) throw new Error(`truncated at byte ${at}`);
    return n;
  };
  const headerLength = length();
  const header = JSON.parse(bytes.toString('utf8', at, (at += headerLength))) as Partial<CacheHeader>;
  if (header?.format !== FORMAT || typeof header.stamp !== 'string') throw new Error('not a cache of this tool');
  const entries = new Map<string, Uint8Array>();
  while (at < bytes.length) {
    const keyLength = length();
    const key = bytes.toString('utf8', at, (at += keyLength));
    const valueLength = length();
    entries.set(key, bytes.subarray(at, (at += valueLength)));
  }
  return { header: { format: header.format, stamp: header.stamp }, entries };
}

/** The cache file is written this much at a time: a write per part would be four system calls an entry. */
const CHUNK_BYTES = 1024 * 1024;

/** Write the cache file to `file`, in chunks (no second copy of every entry in memory). */
function writeEntries(file: string, header: CacheHeader, entries: ReadonlyMap<string, Uint8Array>): void {
  const fd = openSync(file, 'w');
  try {
    let chunk: Buffer[] = [];
    let size = 0;
    const add = (part: Uint8Array): void => {
      const lengthBytes = Buffer.alloc(4);
      lengthBytes.writeUInt32LE(part.length);
      chunk.push(lengthBytes, Buffer.from(part.buffer, part.byteOffset, part.length));
      size += 4 + part.length;
      if (size < CHUNK_BYTES) return;
      writeSync(fd, Buffer.concat(chunk, size));
      chunk = [];
      size = 0;
    };
    add(Buffer.from(JSON.stringify(header)));
    for (const [key, value] of entries) {
      add(Buffer.from(key));
      add(value);
    }
    if (size > 0) writeSync(fd, Buffer.concat(chunk, size));
  } finally {
    closeSync(fd);
  }
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
  /** The cache file's entries, serialized. */
  private readonly previous: Map<string, Uint8Array>;
  /** What this run asked for or made, serialized: what the file will hold. */
  private readonly next = new Map<string, Uint8Array>();
  private readonly hashes = new WeakMap<SourceFile, string>();
  private changed = false;
  hits = 0;
  misses = 0;

  private constructor(
    readonly dir: string,
    private readonly stamp: string,
    previous: Map<string, Uint8Array>,
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
      const content = readEntries(bytes);
      if (content.header.stamp !== stamp) return { cache: new PassCache(dir, stamp, new Map()), note: `the cache ${file} was made by another build of autopack-fix: not used, and rebuilt` };
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

  /**
   * The value stored for this text and analysis: a fresh copy on every ask (the caller keeps it
   * with the file's parse), or undefined. A value that cannot be read back is a miss.
   */
  get(file: SourceFile, analysis: string): { value: unknown } | undefined {
    const key = this.key(file, analysis);
    const bytes = this.next.get(key) ?? this.previous.get(key);
    if (bytes === undefined) {
      this.misses++;
      return undefined;
    }
    let value: unknown;
    try {
      value = deserialize(bytes);
    } catch {
      this.misses++;
      this.previous.delete(key);
      return undefined;
    }
    this.hits++;
    this.next.set(key, bytes);
    return { value };
  }

  /** Keep `value` for the next run, serialized now: what the caller does with it later is not stored. */
  put(file: SourceFile, analysis: string, value: unknown): void {
    const key = this.key(file, analysis);
    if (this.next.has(key) || !isPlainData(value)) return;
    this.next.set(key, serialize(value));
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
      writeEntries(tmp, { format: FORMAT, stamp: this.stamp }, this.next);
      renameSync(tmp, file);
      rmSync(path.join(this.dir, OLD_CACHE_FILE), { force: true });
      return undefined;
    } catch (error) {
      const note = `the cache ${file} cannot be written (${(error as NodeJS.ErrnoException).code ?? String(error)}): the next run parses again`;
      markVolatile(note);
      return note;
    }
  }
}
