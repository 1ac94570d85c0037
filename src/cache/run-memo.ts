/**
 * The run memo: a report or dry run's whole output, kept under the digest of everything the run
 * reads, and replayed when that digest comes again. It is what makes the second run on an
 * unchanged tree cost about as much as reading the tree once.
 *
 * Why whole runs and not per-file results, as ESLint's and ruff's caches keep: most rules here
 * judge one file by others (a doc by the compose file it names, a Dockerfile by the paths it
 * copies), so a finding depends on many files, and only the whole tree is a safe key. The
 * per-file cache (pass-cache.ts) still saves the parses when something did change.
 *
 * What the digest covers (`runFingerprint`), which is everything a run can read:
 * - the invocation: the options, the file arguments, the working directory (paths are printed
 *   relative to it), the terminals (colour, width), the environment variables the tool, its
 *   colours and git read, the platform and the Node version, and the tool's own code stamp;
 * - git: whether the root is in a work tree, its top level, HEAD (history is read from it), a
 *   shallow clone's state, the remotes (the repository's names);
 * - every file the run lists, by path and content (content hashes, not modification times:
 *   an edit within the same clock tick is seen), which symbolic links are links, and to what;
 *   files over the size cap, which the run does not read, by size, inode and mtime;
 * - the root folder's own entries git ignores (a local database the run may judge), by name,
 *   type, size and mtime;
 * - files outside the listing that the run reads: every place a configuration may be found
 *   from the root up to the repository top, the baseline, `--config` and `--pin-map` files.
 *
 * An entry is checked against its own key when read (a truncated or foreign file is not
 * replayed), and at most KEEP entries are kept per cache folder, the newest.
 */
import { createHash, type Hash } from 'node:crypto';
import { contentDigest } from '../util/digest.js';
import { closeSync, constants as fsConstants, openSync, lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, renameSync, rmSync, statSync, utimesSync, writeFileSync, type BigIntStats, type Stats } from 'node:fs';
import path from 'node:path';
import { deserialize, serialize } from 'node:v8';
import { enumerateFiles, gitListing, isOwnFile } from '../workspace/enumerate.js';
import { git } from '../util/git.js';
import type { GitAnswers } from '../workspace/workspace.js';
import { codeStamp, ensureCacheDir } from './pass-cache.js';

const FORMAT = 'autopack-fix run memo 2';
/** Entries kept per cache folder: enough for the formats a user alternates between. */
export const KEEP = 8;
export const RUN_MEMO_DIR = 'runs';

/** One write of the recorded run: 1 = stdout, 2 = stderr, in the order they happened. */
export type RecordedWrite = [stream: 1 | 2, text: string];

export interface MemoEntry {
  writes: RecordedWrite[];
  exitCode: number;
}

interface MemoFile extends MemoEntry {
  format: string;
  key: string;
}

export interface FingerprintInputs {
  root: string;
  /** Everything about the invocation that can change the output (options, cwd, terminal, environment), as plain data. */
  invocation: unknown;
  /** Files outside the listing whose content the run may read (absolute paths; absent ones count as absent). */
  extraFiles: readonly string[];
  /** Files larger than this are not read by the run: they count by size, inode and mtime. */
  maxFileBytes: number;
}

/** JSON with object keys sorted, so that the same invocation always gives the same text. */
export function stableJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => (v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : v));
}

/** The tree as listed: the invocation and git's state (`header`), and every path the run lists. */
interface TreeListing {
  root: string;
  header: string;
  paths: string[];
  /** The root folder's entries outside the listing, and the extra files' contents, as one digest. */
  extras: string;
}

/** The tree as listed, and what git said of the root, as the run's workspace would ask it (WorkspaceOptions.git). */
async function listTree(inputs: FingerprintInputs): Promise<{ tree: TreeListing; git: GitAnswers }> {
  const root = path.resolve(inputs.root);
  // All at once: outside a work tree the listing and the remotes fail, and the walk lists instead.
  const [rev, remotes, listing] = await Promise.all([git(root, ['rev-parse', '--show-toplevel', '--is-shallow-repository', 'HEAD^{commit}']), git(root, ['remote', '-v']), gitListing(root)]);
  // No commit yet: HEAD names nothing, and the first form fails.
  const where = rev.code === 0 ? rev : await git(root, ['rev-parse', '--show-toplevel', '--is-shallow-repository']);
  const inGitRepo = where.code === 0;
  // The top is what `git rev-parse --show-toplevel` alone prints: the lines before the shallow flag (and the commit).
  const top = inGitRepo ? where.stdout.replace(/\n$/, '').split('\n').slice(0, rev.code === 0 ? -2 : -1).join('\n').trim() : null;
  const header = stableJson({
    format: FORMAT,
    stamp: codeStamp(),
    invocation: inputs.invocation,
    root,
    git: inGitRepo ? { rev: where.stdout, remotes: remotes.stdout } : null,
  });
  const paths = inGitRepo && listing ? [...new Set(listing.filter((p) => !isOwnFile(p)))].sort() : (await enumerateFiles(root, false)).paths;
  const extras = createHash('sha256');
  hashRootEntries(extras, root, new Set(paths));
  for (const file of inputs.extraFiles) {
    extras.update(`\0extra\0${file}\0`);
    try {
      const bytes = readFileSync(file);
      extras.update(`${bytes.length}\0`);
      extras.update(bytes);
    } catch (error) {
      extras.update(`absent ${(error as NodeJS.ErrnoException).code ?? ''}`);
    }
  }
  return { tree: { root, header, paths, extras: extras.digest('hex') }, git: { root, top, remotes: remotes.code === 0 ? remotes.stdout : undefined, listing } };
}

/** The key: the listing's header, each path's content token (undefined: no key), the extras. */
function keyOf(tree: TreeListing, token: (p: string, abs: string) => string | undefined): string | undefined {
  const hash = createHash('sha256');
  hash.update(tree.header);
  for (const p of tree.paths) {
    const t = token(p, path.join(tree.root, p));
    if (t === undefined) return undefined;
    hash.update(`\0${p}\0${t}`);
  }
  hash.update(`\0extras\0${tree.extras}`);
  return hash.digest('hex');
}

/** The digest of everything the run reads (see the module comment). */
export async function runFingerprint(inputs: FingerprintInputs, index?: StatIndex): Promise<string> {
  return (await fingerprintAndGit(inputs, index)).key;
}

/** The digest, and what git said of the root while it was taken: the run's workspace need not ask again. */
export async function fingerprintAndGit(inputs: FingerprintInputs, index?: StatIndex): Promise<{ key: string; git: GitAnswers }> {
  const now = Date.now();
  const { tree, git } = await listTree(inputs);
  return { key: keyOf(tree, (p, abs) => fileToken(abs, p, inputs.maxFileBytes, index, now)) as string, git };
}

/**
 * The tree before a run whose stat index knows no file (a first run, or a cache folder on a fresh
 * machine, as in CI): every listed path by its stat alone, so that the run reads each file once
 * and not first for the fingerprint. The run tells the index the digest of each file it reads
 * (`StatIndex.recordRead`), and `fingerprintAfter` makes the key from them.
 */
export interface TreeSnapshot {
  tree: TreeListing;
  /** Each path's stat, in `tree.paths` order. */
  stats: StatTokens;
  /**
   * The files changed too recently for their stat to vouch for them (SETTLED_MS), with their
   * content token read now: a second write within the same clock tick would leave the stat as
   * it was, so they are compared by content after the run.
   */
  fresh: Map<string, string>;
  /** What git said of the root: for the run's workspace, which lets it go (it holds the whole listing). */
  git: GitAnswers | undefined;
}

export async function snapshotTree(inputs: FingerprintInputs): Promise<TreeSnapshot> {
  const { tree, git } = await listTree(inputs);
  const now = Date.now();
  const fresh = new Map<string, string>();
  const stats = new StatTokens(tree.paths.length);
  for (const [i, p] of tree.paths.entries()) {
    const abs = path.join(tree.root, p);
    const changed = stats.record(i, abs);
    if (changed !== undefined && now - changed < SETTLED_MS) fresh.set(p, fileToken(abs, p, inputs.maxFileBytes, undefined, now));
  }
  return { tree, stats, fresh, git };
}

/**
 * The run's key, when the tree after the run is the one `snapshot` saw: the same listing, git
 * state, extra files, and every path with the same stat (and the fresh ones with the same
 * content). Undefined when anything changed while the run read the tree: the output may then
 * be of contents no key names, and is not kept. The contents come from the index, which the
 * run's own reads filled; a file the run did not read is read now.
 */
export async function fingerprintAfter(inputs: FingerprintInputs, snapshot: TreeSnapshot, index: StatIndex): Promise<string | undefined> {
  const { tree } = await listTree(inputs);
  const before = snapshot.tree;
  if (tree.header !== before.header || tree.extras !== before.extras || tree.paths.length !== before.paths.length) return undefined;
  if (tree.paths.some((p, i) => p !== before.paths[i])) return undefined;
  const now = Date.now();
  let i = 0;
  return keyOf(tree, (p, abs) => {
    const st = lstatOf(abs);
    if (!snapshot.stats.matches(i++, abs, st)) return undefined;
    const fresh = snapshot.fresh.get(p);
    // A fresh file is read again, and must read as it did before the run.
    const token = fileToken(abs, p, inputs.maxFileBytes, fresh === undefined ? index : undefined, now, st);
    return fresh === undefined || token === fresh ? token : undefined;
  });
}

/** One lstat, shared by a path's stat token and its content token. */
type Lstat = { st: Stats } | { missing: string };

function lstatOf(abs: string): Lstat {
  try {
    return { st: lstatSync(abs) };
  } catch (error) {
    return { missing: `missing ${(error as NodeJS.ErrnoException).code ?? ''}` };
  }
}

const statPart = (st: Stats): string => `${st.size} ${st.mtimeMs} ${st.ctimeMs} ${st.ino} ${st.dev}`;

/**
 * A path's stat, as `fileToken` would judge it but without its content, and when a regular file
 * (or a link's target) last changed.
 */
function statToken(abs: string, got: Lstat = lstatOf(abs)): { token: string; changed?: number } {
  if ('missing' in got) return { token: got.missing };
  const st = got.st;
  if (st.isSymbolicLink()) {
    try {
      const target = readlinkSync(abs);
      const to = statSync(abs);
      return { token: `link ${target} ${to.mode} ${statPart(to)}`, changed: to.isFile() ? Math.max(to.mtimeMs, to.ctimeMs) : undefined };
    } catch (error) {
      return { token: `link unreadable ${(error as NodeJS.ErrnoException).code ?? ''}` };
    }
  }
  if (st.isDirectory()) return { token: 'directory' };
  if (!st.isFile()) return { token: `special ${st.mode}` };
  return { token: `file ${statPart(st)}`, changed: Math.max(st.mtimeMs, st.ctimeMs) };
}

/**
 * Each path's stat as `statToken` tells it, by the path's place in a listing: a regular file's
 * five numbers in one typed array, any other path's token as a string. A token string a file,
 * built of a dozen pieces, was half a KB of heap held through the run (50 MB at 100,000 files).
 */
export class StatTokens {
  private static readonly FIELDS = 5;
  private readonly files: Float64Array;
  private readonly others = new Map<number, string>();

  constructor(count: number) {
    this.files = new Float64Array(count * StatTokens.FIELDS);
  }

  /** Record path `i`'s stat; when it last changed (a regular file, or a link's target that is one), if known. */
  record(i: number, abs: string, got: Lstat = lstatOf(abs)): number | undefined {
    if ('st' in got && got.st.isFile()) {
      const { size, mtimeMs, ctimeMs, ino, dev } = got.st;
      this.files.set([size, mtimeMs, ctimeMs, ino, dev], i * StatTokens.FIELDS);
      return Math.max(mtimeMs, ctimeMs);
    }
    const { token, changed } = statToken(abs, got);
    this.others.set(i, token);
    return changed;
  }

  /** Whether path `i` has the stat recorded for it (`statToken` would give the same token). */
  matches(i: number, abs: string, got: Lstat = lstatOf(abs)): boolean {
    const other = this.others.get(i);
    if ('st' in got && got.st.isFile()) {
      if (other !== undefined) return false;
      const { size, mtimeMs, ctimeMs, ino, dev } = got.st;
      const at = i * StatTokens.FIELDS;
      const f = this.files;
      return f[at] === size && f[at + 1] === mtimeMs && f[at + 2] === ctimeMs && f[at + 3] === ino && f[at + 4] === dev;
    }
    return other !== undefined && statToken(abs, got).token === other;
  }
}

/** Replaced by a FIFO between the stat and the open, a file still does not block the run. */
const NON_BLOCKING = fsConstants.O_RDONLY | (fsConstants.O_NONBLOCK ?? 0);

function readRegular(abs: string): Buffer {
  const fd = openSync(abs, NON_BLOCKING);
  try {
    return readFileSync(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * What one listed path contributes: its content's SHA-1 (from the stat index when the file's
 * stat is unchanged), or why there is no content (deleted from the work tree, a submodule's
 * folder, over the size cap: by size, inode and mtime, as the run does not read it). A
 * symbolic link counts by its target and the content it leads to.
 */
function fileToken(abs: string, p: string, maxFileBytes: number, index: StatIndex | undefined, now: number, stat?: Lstat): string {
  const got = stat ?? lstatOf(abs);
  if ('missing' in got) return got.missing;
  const st = got.st;
  if (st.isSymbolicLink()) {
    // Where it leads, and only a regular file's bytes: a link to a FIFO or a device is never opened.
    try {
      const target = readlinkSync(abs);
      const to = statSync(abs);
      if (!to.isFile()) return `link ${target} special ${to.mode}`;
      if (to.size > maxFileBytes) return `link ${target} large ${to.size} ${to.ino} ${to.mtimeMs}`;
      return `link ${target} ${contentDigest(readRegular(abs))}`;
    } catch (error) {
      return `link unreadable ${(error as NodeJS.ErrnoException).code ?? ''}`;
    }
  }
  if (st.isDirectory()) return 'directory';
  // A FIFO, a socket, a device: never opened (a FIFO would block).
  if (!st.isFile()) return `special ${st.mode}`;
  if (st.size > maxFileBytes) return `large ${st.size} ${st.ino} ${st.mtimeMs}`;
  const known = index?.lookup(p, st);
  if (known !== undefined) return known;
  let bytes: Buffer;
  try {
    bytes = readRegular(abs);
  } catch (error) {
    return `unreadable ${(error as NodeJS.ErrnoException).code ?? ''}`;
  }
  const digest = contentDigest(bytes);
  index?.record(p, st, digest, now);
  return digest;
}

/** A bigint stat as `lstatSync` gives it in numbers (Node's own arithmetic: seconds × 1000 + nanoseconds / 10⁶). */
export function numberStat(st: BigIntStats): StatFields {
  const ms = (ns: bigint): number => Number(ns / 1_000_000_000n) * 1000 + Number(ns % 1_000_000_000n) / 1_000_000;
  return { size: Number(st.size), mtimeMs: ms(st.mtimeNs), ctimeMs: ms(st.ctimeNs), ino: Number(st.ino), dev: Number(st.dev) };
}

/** Times in milliseconds with their fraction (a double keeps them to a quarter of a microsecond); plain numbers, as bigint stats cost twice as much. */
export interface StatFields {
  size: number;
  mtimeMs: number;
  ctimeMs: number;
  ino: number;
  dev: number;
}

interface StatEntry extends StatFields {
  digest: string;
}

const STAT_INDEX_FORMAT = 'autopack-fix stat index 2';
/** A row's numbers in StatIndex: size, mtimeMs, ctimeMs, ino, dev (a double holds each exactly, as `numberStat` makes them). */
const STAT_COLUMNS = 5;
export const STAT_INDEX_FILE = 'stat-index.v2';
/**
 * A file changed this recently (by mtime or ctime) is not vouched for by its stat: a second
 * write within the filesystem's clock tick would leave the stat as it was. The same reasoning as
 * git's "racily clean" entries and ccache's "file too new" check, with a wide margin.
 */
const SETTLED_MS = 2_000;

/**
 * The content digest of each file, by its stat (size, mtime, ctime, inode, device), so that a
 * run on an unchanged tree stats every file instead of reading it, as git's index and ESLint's
 * metadata cache strategy do. ctime cannot be set by a user (touch -d sets mtime only), so a
 * file edited and given back its old mtime still differs. Only files settled for SETTLED_MS
 * when read are recorded; the others are read again next time.
 */
export class StatIndex {
  /**
   * This run's entries: each path's row, and the rows in columns (STAT_COLUMNS numbers a row, and
   * the digest). An entry as an object was about 130 bytes with its boxed times, 13 MB at 100,000
   * files, in the middle of the run; a row is about 70. Written out as the objects `previous`
   * holds (`save`), so the file is the same.
   */
  private readonly rowOf = new Map<string, number>();
  private stats = new Float64Array(STAT_COLUMNS * 1024);
  private readonly digests: string[] = [];
  private changed = false;

  private constructor(
    readonly file: string,
    private readonly previous: ReadonlyMap<string, StatEntry>,
  ) {}

  static open(dir: string): StatIndex {
    const file = path.join(dir, STAT_INDEX_FILE);
    let previous = new Map<string, StatEntry>();
    try {
      const content = deserialize(readFileSync(file)) as { format?: unknown; entries?: unknown };
      if (content?.format === STAT_INDEX_FORMAT && content.entries instanceof Map) previous = content.entries as Map<string, StatEntry>;
    } catch {
      // absent or corrupt: every file is read, and the index written anew
    }
    return new StatIndex(file, previous);
  }

  lookup(p: string, st: StatFields): string | undefined {
    // What this run recorded first: the check after a run (cli/memo.ts) then stats the files the
    // fingerprint before it read, instead of reading them all again.
    const row = this.rowOf.get(p);
    if (row !== undefined) {
      const at = row * STAT_COLUMNS;
      const s = this.stats;
      if (s[at] === st.size && s[at + 1] === st.mtimeMs && s[at + 2] === st.ctimeMs && s[at + 3] === st.ino && s[at + 4] === st.dev) return this.digests[row];
      this.changed = true;
      return undefined;
    }
    const e = this.previous.get(p);
    if (!e || typeof e.digest !== 'string' || e.size !== st.size || e.mtimeMs !== st.mtimeMs || e.ctimeMs !== st.ctimeMs || e.ino !== st.ino || e.dev !== st.dev) {
      this.changed = true;
      return undefined;
    }
    this.put(p, e, e.digest);
    return e.digest;
  }

  record(p: string, st: StatFields, digest: string, now: number): void {
    if (now - Math.max(st.mtimeMs, st.ctimeMs) < SETTLED_MS) return;
    this.put(p, st, digest);
  }

  private put(p: string, st: StatFields, digest: string): void {
    let row = this.rowOf.get(p);
    if (row === undefined) {
      row = this.digests.length;
      this.rowOf.set(p, row);
      if ((row + 1) * STAT_COLUMNS > this.stats.length) {
        const grown = new Float64Array(this.stats.length * 2);
        grown.set(this.stats);
        this.stats = grown;
      }
    }
    const at = row * STAT_COLUMNS;
    const s = this.stats;
    s[at] = st.size;
    s[at + 1] = st.mtimeMs;
    s[at + 2] = st.ctimeMs;
    s[at + 3] = st.ino;
    s[at + 4] = st.dev;
    this.digests[row] = digest;
  }

  /** This run's entries as the file holds them, in the order they came. */
  private entries(): Map<string, StatEntry> {
    const out = new Map<string, StatEntry>();
    const s = this.stats;
    for (const [p, row] of this.rowOf) {
      const at = row * STAT_COLUMNS;
      out.set(p, { size: s[at] as number, mtimeMs: s[at + 1] as number, ctimeMs: s[at + 2] as number, ino: s[at + 3] as number, dev: s[at + 4] as number, digest: this.digests[row] as string });
    }
    return out;
  }

  /** No file known from an earlier run: its fingerprint would read every file. */
  get cold(): boolean {
    return this.previous.size === 0;
  }

  /**
   * A file the run itself read, with the lstat it was read under (the workspace's, in bigints)
   * and its bytes' digest (made once, for the file's text too): not read again by `fingerprintAfter`.
   */
  recordRead(p: string, st: BigIntStats, digest: string, now: number): void {
    this.record(p, numberStat(st), digest, now);
  }

  /** Write the entries this run used (atomically), when anything changed; a failure only costs reads next time. */
  save(): void {
    if (!this.changed && this.rowOf.size === this.previous.size) return;
    try {
      ensureMemoDir(path.dirname(this.file));
      const tmp = `${this.file}.${process.pid}.tmp`;
      writeFileSync(tmp, serialize({ format: STAT_INDEX_FORMAT, entries: this.entries() }));
      renameSync(tmp, this.file);
    } catch {
      // the next run reads the files again
    }
  }
}

/** The memo's folder (`runs/`) inside the cache folder, which gets its `.gitignore` as the parse cache's does. */
function ensureMemoDir(dir: string): void {
  ensureCacheDir(path.dirname(dir));
  mkdirSync(dir, { recursive: true });
}

/** The root folder's entries the listing leaves out (git ignores them): a run may still judge them. */
function hashRootEntries(hash: Hash, root: string, listed: ReadonlySet<string>): void {
  let entries;
  try {
    entries = readdirSync(root, { withFileTypes: true });
  } catch (error) {
    hash.update(`\0root unreadable ${(error as NodeJS.ErrnoException).code ?? ''}`);
    return;
  }
  for (const entry of entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    if (entry.name === '.git' || listed.has(entry.name)) continue;
    hash.update(`\0root\0${entry.name}\0${entry.isDirectory() ? 'd' : entry.isSymbolicLink() ? 'l' : 'f'}`);
    if (!entry.isFile()) continue;
    try {
      const st = lstatSync(path.join(root, entry.name));
      hash.update(` ${st.size} ${st.ino} ${st.mtimeMs}`);
    } catch (error) {
      hash.update(` ${(error as NodeJS.ErrnoException).code ?? ''}`);
    }
  }
}

function isEntry(v: unknown, key: string): v is MemoFile {
  const f = v as Partial<MemoFile> | null;
  return !!f && f.format === FORMAT && f.key === key && typeof f.exitCode === 'number' && Array.isArray(f.writes) && f.writes.every((w) => Array.isArray(w) && (w[0] === 1 || w[0] === 2) && typeof w[1] === 'string');
}

/** The memo's folder of entries, one file per key. */
export class RunMemo {
  constructor(readonly dir: string) {}

  private file(key: string): string {
    return path.join(this.dir, `${key}.bin`);
  }

  /** The entry for `key`; `note` says why an entry that exists is not used (it is then replaced). */
  get(key: string): { entry?: MemoEntry; note?: string } {
    const file = this.file(key);
    let bytes: Buffer;
    try {
      bytes = readFileSync(file);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      return code === 'ENOENT' ? {} : { note: `the run memo ${file} cannot be read (${code ?? String(error)}): not used` };
    }
    let content: unknown;
    try {
      content = deserialize(bytes);
    } catch {
      content = undefined;
    }
    if (!isEntry(content, key)) return { note: `the run memo ${file} is corrupt or not this tool's: not used, and rebuilt` };
    try {
      // Used now: pruning keeps the entries in use, not the ones written last.
      const now = new Date();
      utimesSync(file, now, now);
    } catch {
      // a read-only cache still replays
    }
    return { entry: { writes: content.writes, exitCode: content.exitCode } };
  }

  /** No entry kept yet (or no folder): nothing a lookup could find. */
  empty(): boolean {
    try {
      return !readdirSync(this.dir).some((n) => n.endsWith('.bin'));
    } catch {
      return true;
    }
  }

  /** Keep `entry` (atomically), and drop all but the newest KEEP entries. A note when it cannot be written. */
  put(key: string, entry: MemoEntry): string | undefined {
    const file = this.file(key);
    try {
      ensureMemoDir(this.dir);
      const tmp = `${file}.${process.pid}.tmp`;
      writeFileSync(tmp, serialize({ format: FORMAT, key, writes: entry.writes, exitCode: entry.exitCode } satisfies MemoFile));
      renameSync(tmp, file);
    } catch (error) {
      return `the run memo ${file} cannot be written (${(error as NodeJS.ErrnoException).code ?? String(error)}): the next run checks again`;
    }
    this.prune(file);
    return undefined;
  }

  private prune(keep: string): void {
    let names: string[];
    try {
      names = readdirSync(this.dir).filter((n) => n.endsWith('.bin'));
    } catch {
      return;
    }
    if (names.length <= KEEP) return;
    const dated = names
      .map((n) => {
        const file = path.join(this.dir, n);
        try {
          return { file, mtime: statSync(file).mtimeMs };
        } catch {
          return undefined;
        }
      })
      .filter((x): x is { file: string; mtime: number } => x !== undefined && x.file !== keep)
      .sort((a, b) => b.mtime - a.mtime);
    for (const old of dated.slice(KEEP - 1)) rmSync(old.file, { force: true });
  }
}
