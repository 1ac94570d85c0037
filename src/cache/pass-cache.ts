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
 * Each value is serialized (v8's serializer) the moment it is made, and written at once to the
 * next cache file, a temporary file renamed over the cache file when the run ends (SpillFile): the
 * run's own copy lives with the file it was parsed from, and goes when the run lets it go
 * (facts/fact.ts, Releasable), instead of staying here until the end. The file is read whole but
 * each value is deserialized only when a run asks for it. At 100,000 files the cache once held
 * the models of every doc and the results of every module as objects, and writing it made one
 * more copy: a first run peaked 250 MiB above a run without a cache; kept serialized in memory,
 * they were still 65 MB.
 */
import { createHash, randomBytes } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, readSync, renameSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { deserialize, serialize } from 'node:v8';
import type { ParseStore } from '../formats/store.js';
import type { SourceFile } from '../workspace/source-file.js';
import { markVolatile } from '../util/volatile.js';
import { alive } from '../engine/journal.js';

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

/** An entry's key in a cache file: the analysis, the file's path and its text's digest. */
function entryKey(analysis: string, path: string, hash: string): string {
  return `${analysis}\0${path}\0${hash}`;
}

/** Where a value put in this run lies in a cache file being written (or written by this run). */
interface Spilled {
  spill: SpillFile;
  at: number;
  length: number;
}

/** A value of this run: serialized in memory, or where the next cache file holds it. */
type Held = Uint8Array | Spilled;

/** A path's value for one text, and for its other texts this run met (a fix's view): a list, as most paths have one. */
interface NextEntry {
  hash: string;
  held: Held;
  other: NextEntry | undefined;
}

/**
 * The next cache file, written while the run puts values: a temporary file in the cache folder
 * (`<file>.<pid>.<random>.tmp`), the header first, then each entry as it comes, in 1 MB chunks. `save`
 * appends what else the file must hold and renames it over the cache file. A value is read back
 * from it when asked: at 100,000 files the serialized values were 65 MB held to the end.
 */
class SpillFile {
  private fd: number | undefined;
  /**
   * What is not written yet, copied into one buffer the file keeps. A 4-byte buffer for each
   * length (two an entry) and a joined copy for each write were allocations outside the heap,
   * freed only as the garbage collector got to them, and the allocator kept the memory they had
   * fragmented: a first run with the cache at 100,000 files held about 110 MiB more outside the
   * heap than a run without, and peaked 104 MiB higher than with this buffer.
   */
  private readonly chunk = Buffer.allocUnsafe(CHUNK_BYTES);
  private chunkSize = 0;
  /** Bytes in the file, the unflushed chunk included. */
  private size = 0;

  private constructor(private path: string) {}

  static create(file: string, header: CacheHeader): SpillFile {
    // The pid and a random part: two runs with one pid (in two containers) never share one.
    const spill = new SpillFile(`${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
    spill.fd = openSync(spill.path, 'w+');
    spill.add(Buffer.from(JSON.stringify(header)));
    return spill;
  }

  /** Append one entry; where its value lies. */
  append(key: string, value: Uint8Array): { at: number; length: number } {
    this.add(Buffer.from(key));
    const at = this.add(value);
    return { at, length: value.length };
  }

  read(at: number, length: number): Uint8Array {
    this.flush();
    this.fd ??= openSync(this.path, 'r');
    const out = Buffer.allocUnsafe(length);
    let done = 0;
    while (done < length) {
      const n = readSync(this.fd, out, done, length - done, at + done);
      if (n === 0) throw new Error(`${this.path}: ends before byte ${at + length}`);
      done += n;
    }
    return out;
  }

  /** Write out and rename over `file`; the values stay readable there. */
  commit(file: string): void {
    this.flush();
    this.close();
    renameSync(this.path, file);
    this.path = file;
  }

  /** Close and remove the temporary file (nothing to save, or the save failed). */
  discard(): void {
    this.close();
    rmSync(this.path, { force: true });
  }

  /** Close the file (a later read opens it again): a file held open cannot be replaced on Windows. */
  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }

  /** One length-prefixed part; the offset of its bytes. */
  private add(part: Uint8Array): number {
    if (this.chunkSize + 4 > CHUNK_BYTES) this.flush();
    this.chunk.writeUInt32LE(part.length, this.chunkSize);
    this.chunkSize += 4;
    const at = this.size + 4;
    this.size += 4 + part.length;
    if (part.length <= CHUNK_BYTES - this.chunkSize) {
      this.chunk.set(part, this.chunkSize);
      this.chunkSize += part.length;
    } else {
      // A part larger than what is left: written as it is, after what the chunk holds.
      this.flush();
      this.write(part);
    }
    return at;
  }

  private flush(): void {
    if (this.chunkSize === 0) return;
    this.write(this.chunk.subarray(0, this.chunkSize));
    this.chunkSize = 0;
  }

  private write(bytes: Uint8Array): void {
    if (this.fd === undefined) throw new Error(`${this.path}: closed`);
    let done = 0;
    while (done < bytes.length) done += writeSync(this.fd, bytes, done, bytes.length - done);
  }
}

/** A temporary file older than this is left over whoever wrote it (a run lasts minutes, not a day). */
const LEFTOVER_MS = 24 * 60 * 60 * 1000;

/**
 * Temporary files a run that ended early left in `dir`: its process is gone, or the file is a
 * day old. A pid alone proves little across containers that share a cache folder (each run may
 * get the same pid there), so a recent file of a live pid is left alone.
 */
function removeLeftovers(dir: string): void {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return;
  }
  const now = Date.now();
  for (const name of names) {
    const m = /^parse-cache\.v\d+\.bin\.(\d+)\.[0-9a-f]+\.tmp$/.exec(name);
    if (!m) continue;
    const file = path.join(dir, name);
    try {
      if (alive(Number(m[1])) && now - statSync(file).mtimeMs < LEFTOVER_MS) continue;
      rmSync(file, { force: true });
    } catch {
      // gone meanwhile
    }
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

export class PassCache implements ParseStore {
  /** The cache file's entries, serialized. */
  private readonly previous: Map<string, Uint8Array>;
  /**
   * What this run asked for or made, serialized (or where the next file holds it): what the file
   * will hold. By analysis, then path, then the text's digest: the strings are the ones the run
   * holds already (the file's path, its digest in `hashes`), where a key of all three joined was
   * a new string of some 130 bytes an entry (13 MB at 100,000 files, and more heap to grow into).
   */
  private readonly next = new Map<string, Map<string, NextEntry>>();
  /** The next cache file, from the first value put (undefined: none yet, or it could not be made). */
  private spill: SpillFile | undefined;
  private spillFailed = false;
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

  private nextHeld(analysis: string, path: string, hash: string): Held | undefined {
    for (let e = this.next.get(analysis)?.get(path); e; e = e.other) if (e.hash === hash) return e.held;
    return undefined;
  }

  private setNext(analysis: string, path: string, hash: string, held: Held): void {
    let byPath = this.next.get(analysis);
    if (!byPath) this.next.set(analysis, (byPath = new Map()));
    const first = byPath.get(path);
    for (let e = first; e; e = e.other) {
      if (e.hash !== hash) continue;
      e.held = held;
      return;
    }
    byPath.set(path, { hash, held, other: first });
  }

  /** Drop the entries `drop` takes (every one of them goes from the file to be written). */
  private dropNext(drop: (held: Held, analysis: string, path: string, hash: string) => boolean): void {
    for (const [analysis, byPath] of this.next) {
      for (const [path, first] of byPath) {
        let kept: NextEntry | undefined;
        for (let e: NextEntry | undefined = first; e; e = e.other) if (!drop(e.held, analysis, path, e.hash)) kept = { hash: e.hash, held: e.held, other: kept };
        if (kept) byPath.set(path, kept);
        else byPath.delete(path);
      }
      if (byPath.size === 0) this.next.delete(analysis);
    }
  }

  /** Every entry of the next file, by the parts of its key there (`entryKey`). */
  private *nextEntries(): Generator<{ held: Held; analysis: string; path: string; hash: string }> {
    for (const [analysis, byPath] of this.next) for (const [path, first] of byPath) for (let e: NextEntry | undefined = first; e; e = e.other) yield { held: e.held, analysis, path, hash: e.hash };
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
    const hash = file.digest;
    const ofRun = this.nextHeld(analysis, file.path, hash);
    // (No key is built for a cold cache: nothing to look up.)
    const key = ofRun === undefined && this.previous.size > 0 ? entryKey(analysis, file.path, hash) : undefined;
    const held = ofRun ?? (key === undefined ? undefined : this.previous.get(key));
    if (held === undefined) {
      this.misses++;
      return undefined;
    }
    let value: unknown;
    try {
      value = deserialize(held instanceof Uint8Array ? held : held.spill.read(held.at, held.length));
    } catch {
      this.misses++;
      this.previous.delete(key ?? entryKey(analysis, file.path, hash));
      this.dropNext((_, a, p, h) => a === analysis && p === file.path && h === hash);
      return undefined;
    }
    this.hits++;
    if (ofRun === undefined) this.setNext(analysis, file.path, hash, held);
    return { value };
  }

  /** Keep `value` for the next run, serialized now: what the caller does with it later is not stored. */
  put(file: SourceFile, analysis: string, value: unknown): void {
    const hash = file.digest;
    if (this.nextHeld(analysis, file.path, hash) !== undefined || !isPlainData(value)) return;
    const bytes = serialize(value);
    const key = entryKey(analysis, file.path, hash);
    if (!this.previous.has(key)) this.changed = true;
    this.setNext(analysis, file.path, hash, this.spilled(key, bytes) ?? bytes);
  }

  /** `bytes` written to the next cache file; undefined when it cannot be made (kept in memory, and `save` says why). */
  private spilled(key: string, bytes: Uint8Array): Spilled | undefined {
    if (this.spillFailed) return undefined;
    try {
      if (!this.spill) {
        ensureCacheDir(this.dir);
        removeLeftovers(this.dir);
        this.spill = SpillFile.create(path.join(this.dir, CACHE_FILE), { format: FORMAT, stamp: this.stamp });
      }
      return { spill: this.spill, ...this.spill.append(key, bytes) };
    } catch {
      this.spillFailed = true;
      if (this.spill) this.lose(this.spill);
      this.spill = undefined;
      return undefined;
    }
  }

  /** Remove a next cache file not to be kept, and what only it held: asked again, a miss (or the old file's value); saved, left out. */
  private lose(spill: SpillFile): void {
    spill.discard();
    this.dropNext((held) => !(held instanceof Uint8Array) && held.spill === spill);
  }

  /**
   * Write what this run used, atomically (a temporary file renamed over the old one), in a
   * folder `ensureCacheDir` made. Returns a note when the cache cannot be written (the run is not affected).
   */
  save(): string | undefined {
    // Nothing new: the file stays as it is, even when this run asked for fewer entries (one rule
    // selected, a pass that parsed more than was asked): rewriting it costs more than it frees,
    // and the next run that adds an entry drops what no run asked for.
    const spill = this.spill;
    this.spill = undefined;
    if (!this.changed) {
      if (spill) this.lose(spill);
      return undefined;
    }
    const file = path.join(this.dir, CACHE_FILE);
    let writing: SpillFile | undefined = spill;
    try {
      // A cache folder that could not take the values as they came is tried once more here.
      writing ??= (ensureCacheDir(this.dir), SpillFile.create(file, { format: FORMAT, stamp: this.stamp }));
      const moved: Array<{ analysis: string; source: string; hash: string; at: Spilled }> = [];
      const earlier = new Set<SpillFile>();
      for (const { held, analysis, path: source, hash } of this.nextEntries()) {
        if (!(held instanceof Uint8Array) && held.spill === writing) continue;
        // Held in memory, or in the file an earlier save of this run wrote.
        let bytes: Uint8Array;
        if (held instanceof Uint8Array) bytes = held;
        else {
          earlier.add(held.spill);
          bytes = held.spill.read(held.at, held.length);
        }
        moved.push({ analysis, source, hash, at: { spill: writing, ...writing.append(entryKey(analysis, source, hash), bytes) } });
      }
      for (const old of earlier) old.close();
      writing.commit(file);
      // Later asks (and a later save) read them from the file just written.
      for (const { analysis, source, hash, at } of moved) this.setNext(analysis, source, hash, at);
      this.changed = false;
      rmSync(path.join(this.dir, OLD_CACHE_FILE), { force: true });
      return undefined;
    } catch (error) {
      if (writing) this.lose(writing);
      const note = `the cache ${file} cannot be written (${(error as NodeJS.ErrnoException).code ?? String(error)}): the next run parses again`;
      markVolatile(note);
      return note;
    }
  }
}
