import { closeSync, constants, fstatSync, openSync, readFileSync, readdirSync, lstatSync, realpathSync, statSync, type BigIntStats, type Stats } from 'node:fs';
import path from 'node:path';
import { SourceFile, decode } from './source-file.js';
import { contentDigest } from '../util/digest.js';
import { enumerateFiles, gitListing, isOwnFile } from './enumerate.js';
import { git, gitTopLevel } from '../util/git.js';
import { readToEnd } from '../util/read-fd.js';
import { GitHistory } from './history.js';

/**
 * A file the run did not read or check, and why. The engine reports it as a model Diagnostic
 * (the same shape, narrowed): the workspace sits below model/ and does not import it.
 */
export interface WorkspaceDiagnostic {
  file: string;
  kind: 'skipped';
  message: string;
}

export interface WorkspaceOptions {
  /** Files larger than this are skipped with a note (bytes). */
  maxFileBytes?: number;
  /**
   * Default true: the bytes read from disk are kept, to check a file before writing it and to put
   * it back if a group of writes fails. False for a run that writes nothing (a report, a dry run):
   * they were as much memory again as the text (480 MB at 100,000 files). A write through such a
   * workspace finds no original and refuses (`changed on disk since it was read`): it never
   * writes unchecked.
   */
  keepOriginalBytes?: boolean;
  /**
   * Told of each regular file read from disk, with the lstat it was read under: the run memo
   * learns the files' digests from the run's own reads (cli/memo.ts), instead of reading each
   * file a second time.
   */
  onRead?: FileReadObserver;
  /**
   * What git said of `root` just before (the run memo asks the same three things for its key,
   * cli/memo.ts): the workspace does not ask again. Used only for the same root.
   */
  git?: GitAnswers;
}

/** git's answers about a root: its work tree's top (null outside one), its remotes, its listing (`gitListing`). */
export interface GitAnswers {
  root: string;
  top: string | null;
  /** `git remote -v`, when it answered. */
  remotes: string | undefined;
  listing: string[] | undefined;
}

/** What git says of `root`: the three questions asked at once (each is a process, and every run waits for them). */
export async function askGit(root: string): Promise<GitAnswers> {
  const [top, remotes, listing] = await Promise.all([gitTopLevel(root), git(root, ['remote', '-v']), gitListing(root)]);
  return { root, top, remotes: remotes.code === 0 ? remotes.stdout : undefined, listing };
}

/** A file read from disk: its path, the lstat it was read under, and its bytes' contentDigest. */
export type FileReadObserver = (path: string, stat: BigIntStats, digest: string) => void;

export const DEFAULT_MAX_FILE_BYTES = 4 * 1024 * 1024;

/** Identity and state of a file when it was read: a write compares them again before replacing it. */
export interface ReadStat {
  dev: bigint;
  ino: bigint;
  size: bigint;
  mtimeNs: bigint;
}

interface DiskState {
  root: string;
  realRoot: string;
  inGitRepo: boolean;
  maxFileBytes: number;
  /** Files as read from disk: the text rules saw and the bytes to compare before writing. */
  loaded: Map<string, SourceFile | null>;
  originalBytes: Map<string, Buffer>;
  /** Whether `originalBytes` is filled (see WorkspaceOptions.keepOriginalBytes). */
  keepBytes: boolean;
  onRead?: FileReadObserver;
  /**
   * Whether the listing found `p` a regular file (enumerate.ts, `irregular`): `load` then opens it
   * without an lstat first. Absent for in-memory workspaces.
   */
  listedRegular?: (p: string) => boolean;
  /** What `stat` said of each file just before it was read (see `originalStat`). */
  originalStats: Map<string, ReadStat>;
  /** Paths that are symbolic links (inside the root): read, never edited. */
  symlinks: Set<string>;
  /** For each of them, the repo path it resolves to. */
  linkTargets: Map<string, string>;
  diagnostics: WorkspaceDiagnostic[];
  /** Names this repository goes by (its remotes' repository names, its folder's name), lower case. */
  names: string[];
  /** What git history says about missing paths: asked for once per run, shared by every view. */
  history?: Promise<GitHistory>;
  /** The workspace as opened: "exists today" for history means on disk, whatever a view added. */
  base?: Workspace;
  /** Files given in memory (`fromFiles`): nothing is looked up on disk. */
  inMemory?: boolean;
  /** The root folder's own files, listed on first ask (`rootFiles`). */
  rootFiles?: RootFile[];
  /** Temp files of a killed write that the listing met (enumerate.ts, `ownTemps`). */
  ownTemps?: readonly string[];
}

/** A file directly in the root folder, as the disk has it. */
export interface RootFile {
  path: string;
  /** False for a file the enumeration leaves out: one git ignores (a local database, a log). */
  listed: boolean;
}

/**
 * The set of files a run sees, read lazily and parsed once. A workspace is immutable: a fix is
 * tried on a *view* (`withChanges`) that shares every untouched file, and so every cached parse,
 * with its parent.
 *
 * Two ways to read: `read` is for a file whose structure the caller relies on (a compose file of
 * the set, the Dockerfile a service builds, a manifest); `probe` is for a look that only decides
 * whether a file matters (a repository-wide text scan). Only files that were `read` are named
 * when they fail their tool's parser: a scan meets test data, templates and generated files that
 * no rule depends on, and reporting those would bury the diagnostics that matter.
 */
export class Workspace {
  private dirSet: Set<string> | undefined;
  /** Paths read through `read` on this view (a view starts with none: each run judges its own). */
  private readonly relied = new Set<string>();
  /** What the layers above derive from this view (facts/ keeps its Facts here), by their key. */
  private readonly derivedState = new Map<object, unknown>();

  private constructor(
    private readonly disk: DiskState,
    readonly paths: readonly string[],
    private readonly overlay: ReadonlyMap<string, SourceFile>,
    private readonly pathSet: ReadonlySet<string>,
    /** Files a fix moved in this view: target → the path it has on disk. */
    private readonly moved: ReadonlyMap<string, string> = new Map(),
  ) {}

  static async open(root: string, options: WorkspaceOptions = {}): Promise<Workspace> {
    const absRoot = path.resolve(root);
    // The listing and the remotes are used only when the root is in a work tree.
    const { top, remotes, listing } = options.git?.root === absRoot ? options.git : await askGit(absRoot);
    const { paths, irregular, ownTemps } = await enumerateFiles(absRoot, top !== null, Promise.resolve(listing));
    const names = new Set<string>([path.basename(top ?? absRoot).toLowerCase()]);
    for (const line of top !== null && remotes !== undefined ? remotes.split('\n') : []) {
      const url = line.split(/\s+/)[1];
      const name = url ? repositoryNameOf(url) : undefined;
      if (name) names.add(name);
    }
    const disk: DiskState = {
      root: absRoot,
      realRoot: realpathSync(absRoot),
      inGitRepo: top !== null,
      maxFileBytes: options.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES,
      loaded: new Map(),
      originalBytes: new Map(),
      keepBytes: options.keepOriginalBytes ?? true,
      onRead: options.onRead,
      originalStats: new Map(),
      symlinks: new Set(),
      linkTargets: new Map(),
      diagnostics: [],
      names: [...names],
      ownTemps,
    };
    const listed = new Set(paths);
    disk.listedRegular = (p) => listed.has(p) && !irregular.has(p);
    const ws = new Workspace(disk, paths, new Map(), listed);
    disk.base = ws;
    return ws;
  }

  /** A workspace over explicit in-memory files (tests, property checks). */
  static fromFiles(root: string, files: Record<string, string>): Workspace {
    const disk: DiskState = {
      root,
      realRoot: root,
      inGitRepo: false,
      maxFileBytes: DEFAULT_MAX_FILE_BYTES,
      loaded: new Map(),
      originalBytes: new Map(),
      keepBytes: true,
      originalStats: new Map(),
      symlinks: new Set(),
      linkTargets: new Map(),
      diagnostics: [],
      names: [path.basename(root).toLowerCase()],
      inMemory: true,
    };
    const overlay = new Map<string, SourceFile>();
    for (const [p, text] of Object.entries(files)) {
      const bom = text.charCodeAt(0) === 0xfeff;
      overlay.set(p, new SourceFile(p, bom ? text.slice(1) : text, bom));
    }
    const paths = [...overlay.keys()].sort();
    const ws = new Workspace(disk, paths, overlay, new Set(paths));
    disk.base = ws;
    return ws;
  }

  get root(): string {
    return this.disk.root;
  }

  /** The root with symbolic links resolved (as when the workspace was opened). */
  get realRoot(): string {
    return this.disk.realRoot;
  }

  get inGitRepo(): boolean {
    return this.disk.inGitRepo;
  }

  /** Temp files a killed write left that the listing met (relative paths; see enumerate.ts, `ownTemps`). */
  get ownTemps(): readonly string[] {
    return this.disk.ownTemps ?? [];
  }

  /** The names this repository goes by (its remotes' repository names, its folder's name), lower case. */
  get names(): readonly string[] {
    return this.disk.names;
  }

  /**
   * Whether a clone URL names this repository (`git clone https://github.com/o/this.git`):
   * docs that clone it and `cd` into the clone are back at this root.
   */
  isThisRepository(url: string): boolean {
    const name = repositoryNameOf(url);
    return name !== undefined && this.disk.names.includes(name);
  }

  /**
   * The git history provider of this run (git is run only when a rule asks it about a path).
   * Outside git, and for in-memory workspaces, it answers `unknown` for every path.
   */
  gitHistory(): Promise<GitHistory> {
    return this.openHistory(false);
  }

  /**
   * Have git walk the history's removals now (GitHistory.readAhead): a rule found paths missing
   * and will look them up once it has read its files. Every git process it needs starts in
   * this call, so none waits for the event loop to turn.
   */
  readHistoryAhead(): void {
    if (this.disk.history) void this.disk.history.then((h) => h.readAhead());
    else void this.openHistory(true);
  }

  private openHistory(readAhead: boolean): Promise<GitHistory> {
    const base = this.disk.base;
    this.disk.history ??= this.disk.inGitRepo && base ? GitHistory.open(this.disk.root, (p, dir) => (dir ? base.hasDir(p) : base.has(p)), { readAhead }) : Promise.resolve(GitHistory.unavailable('not a git repository'));
    return this.disk.history;
  }

  /** End the history's walk read ahead (GitHistory.readAhead), if one runs: the run's rules have ended. */
  async stopHistoryReadAhead(): Promise<void> {
    (await this.disk.history)?.stopReadAhead();
  }

  /** How many files have been read from disk so far, by any view (progress: "files read n/N"). */
  get filesRead(): number {
    return this.disk.loaded.size;
  }

  /** Problems met while reading (skipped files and why). */
  get diagnostics(): readonly WorkspaceDiagnostic[] {
    return this.disk.diagnostics;
  }

  has(p: string): boolean {
    return this.pathSet.has(p);
  }

  /** Whether a directory (repo-relative, no trailing slash; '' is the root) holds any file. */
  hasDir(dir: string): boolean {
    if (dir === '' || dir === '.') return true;
    if (!this.dirSet) {
      const dirs = new Set<string>();
      for (const p of this.paths) {
        for (let i = p.indexOf('/'); i !== -1; i = p.indexOf('/', i + 1)) dirs.add(p.slice(0, i));
      }
      this.dirSet = dirs;
    }
    return this.dirSet.has(dir);
  }

  /**
   * The file's text, or undefined when it is absent or cannot be edited (binary, not UTF-8,
   * too large, a symlink leaving the root). The reason is recorded once as a diagnostic. The
   * caller relies on the file's structure: should it not parse, the run says so.
   */
  read(p: string): SourceFile | undefined {
    const file = this.probe(p);
    if (file) this.relied.add(p);
    return file;
  }

  /**
   * The file's text, as `read` gives it, for a look that only decides whether the file matters
   * (a text scan, a name lookup): the file is not named when it does not parse. Once it does
   * matter, `read` it.
   */
  probe(p: string): SourceFile | undefined {
    const overlaid = this.overlay.get(p);
    if (overlaid) return overlaid;
    // A moved file whose source could not be decoded (binary, too large) has no text here either.
    if (!this.pathSet.has(p) || this.moved.has(p)) return undefined;
    const cached = this.disk.loaded.get(p);
    if (cached !== undefined) return cached ?? undefined;
    const file = this.load(p);
    this.disk.loaded.set(p, file);
    return file ?? undefined;
  }

  /**
   * What is derived from this view, by a key its module declares: made on first ask, gone with
   * the view. facts/ keeps each view's `Facts` here (so a fact asked for by a rule and by a
   * helper that has only the workspace is computed once), and formats/ the few indexes it
   * builds over the paths. The workspace does not know their types.
   */
  derived<T>(key: object, create: () => T): T {
    if (this.derivedState.has(key)) return this.derivedState.get(key) as T;
    const value = create();
    this.derivedState.set(key, value);
    return value;
  }

  /**
   * Drop the parses whose key `drop` takes from every file read from disk and every file of this
   * view (Releasable: a run lets go of its Markdown models once the rules that read them have
   * run). The texts stay. Every view of the disk shares those files, so this is for a run in which
   * no rule runs again; one that does only parses again.
   */
  forgetParses(drop: (parser: string) => boolean): void {
    for (const file of this.disk.loaded.values()) file?.forget(drop);
    for (const file of this.overlay.values()) file.forget(drop);
  }

  /** Paths this view has `read` (not only probed) whose text could be decoded. */
  reliedPaths(): string[] {
    return [...this.relied].sort();
  }

  /** The bytes read from disk for `p`, to detect a concurrent change before writing. */
  originalBytes(p: string): Buffer | undefined {
    return this.disk.originalBytes.get(p);
  }

  /**
   * Device, inode, size and modification time of `p`, taken just before its bytes were read
   * (taken first, so a change during the read shows as a difference later, never hides one).
   */
  originalStat(p: string): ReadStat | undefined {
    return this.disk.originalStats.get(p);
  }

  /**
   * Whether fixes may edit `p`. A symbolic link is read but not edited: the diff would name the
   * link while the bytes live elsewhere, and its target may be fixed under its own name.
   */
  isEditable(p: string): boolean {
    return this.probe(p) !== undefined && !this.disk.symlinks.has(p);
  }

  /**
   * A new view where the given files have new text (created when they did not exist) and the
   * given files moved (the caller checked them: `isMovable` sources, free targets). A moved
   * file keeps its text under its new path, or has none when its source could not be decoded.
   */
  withChanges(changes: ReadonlyMap<string, string>, moves: ReadonlyArray<{ from: string; to: string }> = []): Workspace {
    const overlay = new Map(this.overlay);
    const added: string[] = [];
    const removed = new Set<string>();
    const moved = moves.length ? new Map(this.moved) : this.moved;
    for (const m of moves) {
      const source = this.peek(m.from);
      overlay.delete(m.from);
      if (source) overlay.set(m.to, new SourceFile(m.to, source.text, source.bom));
      (moved as Map<string, string>).set(m.to, this.moved.get(m.from) ?? m.from);
      (moved as Map<string, string>).delete(m.from);
      removed.add(m.from);
      added.push(m.to);
    }
    for (const [p, text] of changes) {
      const before = this.probe(p);
      overlay.set(p, new SourceFile(p, text, before?.bom ?? false));
      if (!this.pathSet.has(p)) added.push(p);
    }
    const reshaped = added.length > 0 || removed.size > 0;
    const paths = reshaped ? [...this.paths.filter((p) => !removed.has(p)), ...added].sort() : this.paths;
    const view = new Workspace(this.disk, paths, overlay, reshaped ? new Set(paths) : this.pathSet, moved);
    // Same files, same directories: the view can share the directory index.
    if (!reshaped) view.dirSet = this.dirSet;
    return view;
  }

  /** Paths whose text differs between this view and `base` (both views of the same disk state); moved files are `movesSince`'s. */
  changedSince(base: Workspace): string[] {
    const out: string[] = [];
    for (const [p, file] of this.overlay) {
      if (base.overlay.get(p) === file || this.moved.has(p)) continue;
      const old = base.probe(p);
      if (!old || old.text !== file.text) out.push(p);
    }
    return out.sort();
  }

  /** The files this view moved that `base` had not: each with its path on disk and its new path. */
  movesSince(base: Workspace): Array<{ from: string; to: string }> {
    const out: Array<{ from: string; to: string }> = [];
    for (const [to, from] of this.moved) if (base.moved.get(to) !== from) out.push({ from, to });
    return out.sort((a, b) => a.to.localeCompare(b.to));
  }

  /**
   * The regular files directly in the root folder, ignored ones included: what is on the user's
   * disk there, for a rule that judges local files git does not track (stray databases). The
   * disk is listed once per run; each view then drops what its fixes moved away and adds the
   * root files they made. Symbolic links and the tool's own files are left out. Only the root:
   * a walk of every ignored folder (node_modules/) would cost more than any rule gains.
   */
  rootFiles(): readonly RootFile[] {
    const onDisk = this.diskRootFiles();
    const gone = new Set(this.moved.values());
    const out = onDisk.filter((f) => (f.listed ? this.pathSet.has(f.path) : !gone.has(f.path)));
    if (out.length === onDisk.length && this.overlay.size === 0) return onDisk;
    const seen = new Set(out.map((f) => f.path));
    for (const p of this.paths) if (!p.includes('/') && !seen.has(p)) out.push({ path: p, listed: true });
    return out.sort((a, b) => a.path.localeCompare(b.path));
  }

  private diskRootFiles(): readonly RootFile[] {
    if (!this.disk.rootFiles) {
      const base = this.disk.base ?? this;
      if (this.disk.inMemory) {
        this.disk.rootFiles = base.paths.filter((p) => !p.includes('/')).map((p) => ({ path: p, listed: true }));
      } else {
        let entries: import('node:fs').Dirent[] = [];
        try {
          entries = readdirSync(this.disk.root, { withFileTypes: true });
        } catch {
          entries = [];
        }
        this.disk.rootFiles = entries
          .filter((e) => e.isFile() && !isOwnFile(e.name))
          .map((e) => ({ path: e.name, listed: base.has(e.name) }))
          .sort((a, b) => a.path.localeCompare(b.path));
      }
    }
    return this.disk.rootFiles;
  }

  /**
   * The text of a root file git ignores (`rootFiles`, `listed: false`), read on the same terms as
   * any file (no link out of the root, size cap, text only) and without a skip note: a local
   * `.env` says which database the user's app opens. Undefined for any other path.
   */
  unlistedRootText(p: string): SourceFile | undefined {
    if (!this.diskRootFiles().some((f) => f.path === p && !f.listed)) return undefined;
    return this.peekDisk(p);
  }

  /** Whether `p` is a file this view moved (it keeps its bytes: fixes do not edit it). */
  isMoved(p: string): boolean {
    return this.moved.has(p);
  }

  /**
   * Whether a fix may move `p`: a regular file of the workspace (not a symbolic link), as it is
   * on disk — not one a fix of this run created, edited or moved already, whose bytes on disk
   * are not what the view holds.
   */
  isMovable(p: string): boolean {
    // A root file git ignores is the user's as much as a listed one (rootFiles); once moved, it is gone from this view.
    const unlisted = !this.pathSet.has(p) && !p.includes('/') && this.diskRootFiles().some((f) => f.path === p && !f.listed) && ![...this.moved.values()].includes(p);
    if ((!this.pathSet.has(p) && !unlisted) || this.moved.has(p) || this.disk.symlinks.has(p)) return false;
    if (this.overlay.get(p) !== this.disk.base?.overlay.get(p)) return false;
    if (this.disk.inMemory) return true;
    try {
      return lstatSync(this.absolute(p)).isFile();
    } catch {
      return false;
    }
  }

  /**
   * Whether something is at `p`: a file of this view, or (on disk) anything the enumeration
   * leaves out — an ignored file, a directory. A move never goes there.
   */
  occupied(p: string): boolean {
    if (this.pathSet.has(p) || this.hasDir(p)) return true;
    if (this.disk.inMemory) return false;
    try {
      lstatSync(this.absolute(p));
      return true;
    } catch (e) {
      return (e as NodeJS.ErrnoException).code !== 'ENOENT';
    }
  }

  /**
   * The file's text as `probe` gives it, but without a skip note when it does not decode: for a
   * file the run only moves (a database), whose content no rule reads.
   */
  peek(p: string): SourceFile | undefined {
    const overlaid = this.overlay.get(p);
    if (overlaid) return overlaid;
    if (this.moved.has(p)) return undefined;
    return this.peekDisk(p);
  }

  private peekDisk(p: string): SourceFile | undefined {
    const cached = this.disk.loaded.get(p);
    if (cached !== undefined) return cached ?? undefined;
    const notes = this.disk.diagnostics.length;
    const file = this.load(p);
    this.disk.diagnostics.length = notes;
    if (file) this.disk.loaded.set(p, file);
    return file ?? undefined;
  }

  addDiagnostic(d: WorkspaceDiagnostic): void {
    this.disk.diagnostics.push(d);
  }

  /** Absolute path of a workspace path, refusing anything that escapes the root. */
  absolute(p: string): string {
    const abs = path.resolve(this.disk.root, p);
    const rel = path.relative(this.disk.root, abs);
    if (rel.startsWith('..') || path.isAbsolute(rel)) throw new Error(`${p}: path is outside the root`);
    return abs;
  }

  /**
   * The repo path a symbolic link inside the root resolves to (read through it first), or
   * undefined when `p` is not such a link. Rules use it to judge a linked file once.
   */
  linkTarget(p: string): string | undefined {
    this.probe(p);
    return this.disk.linkTargets.get(p);
  }

  /** Whether the real location of `abs` is inside the root (symlinks resolved). */
  insideRealRoot(abs: string): boolean {
    const rel = path.relative(this.disk.realRoot, abs);
    return !(rel.startsWith('..') || path.isAbsolute(rel));
  }

  private load(p: string): SourceFile | null {
    const skip = (message: string): null => {
      this.disk.diagnostics.push({ file: p, kind: 'skipped', message });
      return null;
    };
    let abs: string;
    try {
      abs = this.absolute(p);
      if (OPEN_REGULAR !== undefined && this.disk.listedRegular?.(p)) {
        const read = this.readUnlinked(p, abs, OPEN_REGULAR, skip);
        if (read !== undefined) return read;
      }
      // A symbolic link (or a platform without O_NOFOLLOW). One lstat serves a regular file as
      // its stat too.
      const st = lstatSync(abs, { bigint: true });
      if (st.isSymbolicLink()) {
        let real: string;
        try {
          real = realpathSync(abs);
        } catch (error) {
          return skip((error as NodeJS.ErrnoException).code === 'ELOOP' ? 'skipped: symbolic link loop' : 'skipped: broken symbolic link');
        }
        if (!this.insideRealRoot(real)) return skip('skipped: symbolic link points outside the root');
        const target = statSync(real);
        if (!target.isFile()) return skip(`skipped: symbolic link to ${fileKind(target)}`);
        this.disk.symlinks.add(p);
        this.disk.linkTargets.set(p, path.relative(this.disk.realRoot, real).split(path.sep).join('/'));
      } else if (!st.isFile()) {
        return skip(`skipped: ${fileKind(st)}, not a regular file`);
      }
      const before = st.isSymbolicLink() ? statSync(abs, { bigint: true }) : st;
      if (before.size > BigInt(this.disk.maxFileBytes)) {
        return skip(`skipped: larger than the size cap (${this.disk.maxFileBytes} bytes)`);
      }
      const bytes = readFileSync(abs);
      return this.accept(p, before, bytes, skip, before === st ? this.observeRead(p, st, bytes) : undefined);
    } catch (error) {
      return skip(`skipped: could not read (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
    }
  }

  /**
   * A file the listing found a regular file, read with one open and one fstat: the lstat the
   * listing made serves for the choice (an lstat before the open cost a tenth of the reading of
   * 100,000 small files). What became something else since is still told apart: a symbolic link
   * fails the open with ELOOP (O_NOFOLLOW), and undefined sends `load` the long way; a FIFO
   * does not block the open (O_NONBLOCK) and, like anything but a regular file, is skipped
   * unread. Other errors are thrown, for `load`'s skip note.
   */
  private readUnlinked(p: string, abs: string, flags: number, skip: (message: string) => null): SourceFile | null | undefined {
    let fd: number;
    try {
      fd = openSync(abs, flags);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ELOOP') return undefined;
      throw error;
    }
    try {
      const st = fstatSync(fd, { bigint: true });
      if (!st.isFile()) return skip(`skipped: ${fileKind(st)}, not a regular file`);
      if (st.size > BigInt(this.disk.maxFileBytes)) return skip(`skipped: larger than the size cap (${this.disk.maxFileBytes} bytes)`);
      const bytes = readToEnd(fd, Number(st.size));
      return this.accept(p, st, bytes, skip, this.observeRead(p, st, bytes));
    } finally {
      closeSync(fd);
    }
  }

  /** Tell the observer of a read, with the bytes' digest (undefined: no observer, and no hash made); the digest, for the file's text. */
  private observeRead(p: string, st: BigIntStats, bytes: Buffer): string | undefined {
    const observe = this.disk.onRead;
    if (!observe) return undefined;
    const digest = contentDigest(bytes);
    observe(p, st, digest);
    return digest;
  }

  private accept(p: string, st: BigIntStats, bytes: Buffer, skip: (message: string) => null, bytesDigest?: string): SourceFile | null {
    const decoded = decode(p, bytes, bytesDigest);
    if (!decoded.ok) return skip(`skipped: ${decoded.reason}`);
    // The stat is compared only beside the bytes, before a write: a workspace that keeps no
    // bytes writes nothing, and needs neither (four bigints a file).
    if (this.disk.keepBytes) {
      this.disk.originalBytes.set(p, bytes);
      this.disk.originalStats.set(p, { dev: st.dev, ino: st.ino, size: st.size, mtimeNs: st.mtimeNs });
    }
    return decoded.file;
  }
}

/**
 * The flags `readUnlinked` opens with; undefined where the platform has no O_NOFOLLOW (Windows),
 * where `load` takes an lstat first.
 */
const OPEN_REGULAR = constants.O_NOFOLLOW === undefined ? undefined : constants.O_RDONLY | constants.O_NOFOLLOW | (constants.O_NONBLOCK ?? 0);

/** What a file that is not a regular file is, for a skip note (never read; opened only without blocking). */
function fileKind(st: Stats | BigIntStats): string {
  if (st.isDirectory()) return 'a directory';
  if (st.isFIFO()) return 'a FIFO (named pipe)';
  if (st.isSocket()) return 'a socket';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  return 'a special file';
}

/** The repository name of a clone URL or path (`…/owner/name.git` → `name`), lower case. */
export function repositoryNameOf(url: string): string | undefined {
  const last = url.replace(/[/\\]+$/, '').split(/[/:\\]/).pop();
  const name = last?.replace(/\.git$/i, '').toLowerCase();
  return name && /^[\w.-]+$/.test(name) ? name : undefined;
}
