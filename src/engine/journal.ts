import { closeSync, fsyncSync, linkSync, lstatSync, mkdirSync, openSync, readFileSync, readdirSync, realpathSync, renameSync, rmdirSync, statSync, unlinkSync, writeSync } from 'node:fs';
import path from 'node:path';
import { createHash, randomBytes } from 'node:crypto';
import type { Diagnostic } from '../model/types.js';
import { plainRelative, unsafeDir } from './safe-path.js';

/**
 * An undo log for multi-file fixes. Each file is written atomically, but a SIGKILL (or a power
 * cut) can land between two files of one fix. Before such a group is written, its original bytes
 * go to a journal; the journal is removed once the group is complete or rolled back. A later
 * `--write` that finds the journal of a process that is gone puts the group back as it was,
 * so the re-run applies the fix whole. Single-file groups need no journal.
 *
 * Where: `<git dir>/autopack-fix/` inside a repository (never part of the work tree), else
 * `<root>/.autopack-fix-journal/` (removed again when empty).
 *
 * A journal names its files relative to the root of the run that wrote it, and records that
 * root (real path and device:inode) and its own directory. Recovery joins the paths to the root
 * of the current run, and acts only on a journal bound to it: the same journal directory and
 * root; or the journal moved together with its git directory (a copied or moved repository: the
 * root sits where it sat relative to the journal); or, with the same git directory, the very
 * root directory (same device:inode) under a new path. A journal of another root is left for
 * that root, and no path it names is ever followed out of the root.
 */

interface JournalEntry {
  /** Root-relative path (`/`-separated, real: no symbolic link on the way) of the file written. */
  path: string;
  /** Its bytes before (base64), or null for a file the fix creates. */
  original: string | null;
  /** sha256 of the bytes the fix writes. */
  fixed: string;
  /** For a created file: the directories made for it (root-relative), outermost first (removed again when empty). */
  createdDirs?: string[];
  /** For a moved file (`path` is its new name): its old name, root-relative; `fixed` is then its `dev:ino:size:mtimeNs`. */
  movedFrom?: string;
}

interface JournalFile {
  pid: number;
  /** The writer's start time (Linux /proc), so a reused pid is not mistaken for it. */
  start?: string;
  /** The real root of the run that wrote it. Absent in journals of older versions. */
  root?: string;
  /** The real path of the directory the journal was written to. */
  dir?: string;
  /** `dev:ino` of the root directory. */
  rootId?: string;
  /** Older versions recorded an absolute `target` instead of `path`. */
  entries: Array<Partial<JournalEntry> & { target?: unknown }>;
}

export function sha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

export class Journal {
  private constructor(
    private readonly dir: string,
    private readonly file: string,
  ) {}

  /**
   * Record a group before writing it; `root` is the real root its entries are relative to.
   * Throws when the journal cannot be written (then write nothing).
   */
  static begin(dir: string, root: string, entries: JournalEntry[]): Journal {
    mkdirSync(dir, { recursive: true });
    const file = path.join(dir, `journal-${process.pid}-${randomBytes(4).toString('hex')}.json`);
    const tmp = `${file}.tmp`;
    const fd = openSync(tmp, 'wx', 0o600);
    try {
      const start = processStart(process.pid);
      const doc: JournalFile = { pid: process.pid, ...(start ? { start } : {}), root, dir: realpathSync(dir), rootId: dirId(root), entries };
      const bytes = Buffer.from(JSON.stringify(doc));
      let off = 0;
      while (off < bytes.length) off += writeSync(fd, bytes, off, bytes.length - off);
      fsyncSync(fd);
    } catch (e) {
      closeSync(fd);
      unlinkQuiet(tmp);
      throw e;
    }
    closeSync(fd);
    renameSync(tmp, file);
    return new Journal(dir, file);
  }

  /** The group is complete or rolled back: forget it. */
  end(): void {
    unlinkQuiet(this.file);
    try {
      rmdirSync(this.dir);
    } catch {
      /* other journals, or not empty */
    }
  }
}

/** An entry: `rel` is the file's root-relative path, `createdDirs` root-relative too. */
export function journalEntry(rel: string, original: Buffer | undefined, fixed: Buffer, createdDirs: string[] = []): JournalEntry {
  return { path: rel, original: original ? original.toString('base64') : null, fixed: sha256(fixed), ...(createdDirs.length ? { createdDirs } : {}) };
}

/**
 * A move's entry: the file keeps its inode, size and modification time (see write.ts moveFile),
 * so `id` (`dev:ino:size:mtimeNs`) tells it — also from a new file that reuses a freed inode.
 */
export function moveEntry(rel: string, from: string, id: string, createdDirs: string[] = []): JournalEntry {
  return { path: rel, original: null, fixed: id, movedFrom: from, ...(createdDirs.length ? { createdDirs } : {}) };
}

/**
 * Undo one move of a killed run: the file named `id` gets its old name back (never over another
 * file) and loses the new one. Returns what was done, or why nothing was.
 */
function undoMove(root: string, rel: string, from: string, id: string | undefined): { restored: boolean; kept?: string } {
  const target = path.join(root, rel);
  const source = path.join(root, from);
  const idOf = (p: string): string | undefined => {
    try {
      const st = lstatSync(p, { bigint: true, throwIfNoEntry: true });
      return st.isFile() ? `${st.dev}:${st.ino}:${st.size}:${st.mtimeNs}` : 'other';
    } catch {
      return undefined;
    }
  };
  const atTarget = idOf(target);
  const atSource = idOf(source);
  // Not moved yet: nothing to undo.
  if (atTarget === undefined) return { restored: false };
  if (atTarget !== id) return { restored: false, kept: `${rel} (changed since)` };
  for (const p of [source, target]) {
    const why = unsafeDir(root, path.dirname(p));
    if (why) throw new Error(why);
  }
  if (atSource === undefined) {
    mkdirSync(path.dirname(source), { recursive: true });
    linkSync(target, source);
  } else if (atSource !== id) {
    return { restored: false, kept: `${rel} (its old name ${from} is taken by another file)` };
  }
  unlinkSync(target);
  return { restored: true };
}

export interface RecoveryHooks {
  /** The root of this run: the journal's paths are joined to it, and nothing outside it is touched. */
  root: string;
  /** Atomic write of a file's original bytes; `realRoot` is the real root its directory must stay in. */
  restore: (target: string, bytes: Buffer, realRoot: string) => void;
  /** Whether these bytes are what the repository's HEAD holds for that file (then they are the user's now). */
  committed?: (target: string, bytes: Buffer) => boolean;
  /** Removes directories, deepest first, while empty. */
  removeEmptyDirs?: (dirs: string[]) => void;
}

/** Journals of runs that are gone (what recoverJournals would act on; with `root`, only those bound to it). */
export function pendingJournals(dir: string, root?: string): number {
  let names: string[];
  try {
    names = readdirSync(dir).filter((n) => n.startsWith('journal-') && !n.endsWith('.tmp'));
  } catch {
    return 0;
  }
  const here = root === undefined ? undefined : whereAmI(dir, root);
  return names.filter((n) => {
    try {
      const j = JSON.parse(readFileSync(path.join(dir, n), 'utf8')) as JournalFile;
      return !alive(j.pid, j.start) && (here === undefined || boundTo(j, here));
    } catch {
      return false;
    }
  }).length;
}

/** `dev:ino` of a directory, or undefined. */
function dirId(p: string): string | undefined {
  try {
    const st = statSync(p, { bigint: true });
    return `${st.dev}:${st.ino}`;
  } catch {
    return undefined;
  }
}

interface Here {
  root: string;
  dir: string;
}

function whereAmI(dir: string, root: string): Here {
  const real = (p: string): string => {
    try {
      return realpathSync(p);
    } catch {
      return path.resolve(p);
    }
  };
  return { root: real(root), dir: real(dir) };
}

/** Whether journal `j` was written for the root of this run (see the comment at the top). */
function boundTo(j: JournalFile, here: Here): boolean {
  // An older journal records no root: its absolute paths are accepted only inside this root.
  if (typeof j.root !== 'string' || typeof j.dir !== 'string') return true;
  if (j.dir === here.dir) {
    if (j.root === here.root) return true;
    // The same git directory, another path: the very root directory moved there (not a copy, not another root of the repository).
    return j.rootId !== undefined && dirId(here.root) === j.rootId && dirId(j.root) !== j.rootId;
  }
  // The journal moved with its git directory (a copied or moved repository).
  return path.relative(j.dir, j.root) === path.relative(here.dir, here.root);
}

/**
 * Undo the half-written groups of runs that were killed: each file that still holds exactly the
 * bytes the fix wrote gets its original back (a created one is removed); a file someone changed
 * since is left alone and named. `restore` writes a file atomically. Only journals bound to
 * this root are acted on, and only on paths inside it.
 */
export function recoverJournals(dir: string, hooks: RecoveryHooks): Diagnostic[] {
  const out: Diagnostic[] = [];
  let names: string[];
  try {
    names = readdirSync(dir).filter((n) => n.startsWith('journal-'));
  } catch {
    return out;
  }
  const here = whereAmI(dir, hooks.root);
  const note = (message: string): void => void out.push({ file: '', kind: 'note', message });
  for (const name of names) {
    const file = path.join(dir, name);
    if (name.endsWith('.tmp')) {
      // Killed while recording: nothing of that group was written yet.
      if (!alive(Number(name.split('-')[1]))) unlinkQuiet(file);
      continue;
    }
    let journal: JournalFile;
    try {
      journal = JSON.parse(readFileSync(file, 'utf8')) as JournalFile;
      if (!Array.isArray(journal.entries)) throw new Error('no entries');
    } catch (e) {
      note(`unreadable undo journal ${file} (${(e as Error).message}); left in place`);
      continue;
    }
    if (alive(journal.pid, journal.start)) continue;
    if (!boundTo(journal, here)) {
      note(`the undo journal ${file} belongs to a run on ${journal.root}, not on this root; left in place (a --write there puts its fix back)`);
      continue;
    }
    // Every path is checked before any file is touched: one that leaves the root voids the journal.
    const entries = journal.entries.map((e) => ({
      ...e,
      rel: e.path ?? (typeof e.target === 'string' && path.isAbsolute(e.target) ? path.relative(here.root, e.target).split(path.sep).join('/') : e.target),
    }));
    const escaping = entries.flatMap((e) => [e.rel, ...(Array.isArray(e.createdDirs) ? e.createdDirs : []), ...(e.movedFrom !== undefined ? [e.movedFrom] : [])]).find((rel) => !plainRelative(rel));
    if (escaping !== undefined) {
      note(`the undo journal ${file} names a path outside the root (${String(escaping)}); left in place, nothing put back`);
      continue;
    }
    const restored: string[] = [];
    const kept: string[] = [];
    const failed: string[] = [];
    const dirs: string[] = [];
    for (const entry of entries) {
      const rel = entry.rel as string;
      const target = path.join(here.root, rel);
      if (entry.movedFrom !== undefined) {
        try {
          const undone = undoMove(here.root, rel, entry.movedFrom, entry.fixed);
          if (undone.restored) {
            restored.push(rel);
            dirs.push(...(entry.createdDirs ?? []).map((d) => path.join(here.root, d)));
          }
          if (undone.kept) kept.push(undone.kept);
        } catch (e) {
          failed.push(`${rel} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
        }
        continue;
      }
      try {
        const unsafe = unsafeDir(here.root, path.dirname(target));
        if (unsafe) {
          failed.push(`${rel} (${unsafe})`);
          continue;
        }
        let current: Buffer | undefined;
        try {
          if (lstatSync(target).isSymbolicLink()) {
            kept.push(`${rel} (now a symbolic link)`);
            continue;
          }
          current = readFileSync(target);
        } catch {
          current = undefined;
        }
        const original = entry.original === null || entry.original === undefined ? undefined : Buffer.from(entry.original, 'base64');
        if (!current || sha256(current) !== entry.fixed) {
          // Not written by the killed run (still original, or absent) — or changed by someone since.
          const untouched = original === undefined ? current === undefined : current !== undefined && current.equals(original);
          if (!untouched) kept.push(`${rel} (changed since)`);
          continue;
        }
        if (hooks.committed?.(target, current)) {
          // The user committed the half-applied state: it is theirs now.
          kept.push(`${rel} (committed since)`);
          continue;
        }
        if (original === undefined) {
          unlinkSync(target);
          dirs.push(...(entry.createdDirs ?? []).map((d) => path.join(here.root, d)));
        } else {
          hooks.restore(target, original, here.root);
        }
        restored.push(rel);
      } catch (e) {
        failed.push(`${rel} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
      }
    }
    hooks.removeEmptyDirs?.(dirs.filter((d) => !unsafeDir(here.root, path.dirname(d))));
    // A journal whose undo failed is kept: the next --write tries again.
    if (failed.length === 0) unlinkQuiet(file);
    if (restored.length > 0 || kept.length > 0 || failed.length > 0) {
      note(
        `a run killed while writing a multi-file fix (pid ${journal.pid}) left it half-done: put back ${restored.join(', ') || 'nothing'}` +
          `${kept.length ? `; left as they are: ${kept.join(', ')}` : ''}${failed.length ? `; could not put back: ${failed.join(', ')} (the journal is kept: ${file})` : ''}`,
      );
    }
  }
  try {
    rmdirSync(dir);
  } catch {
    /* not empty */
  }
  return out;
}

/**
 * Whether process `pid` is running — and, when `start` is given (where /proc has it), is the
 * same process that recorded it, not a later one that reused the pid (in a container every run
 * may get the same pid).
 */
export function alive(pid: number, start?: string): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  if (start !== undefined) {
    const now = processStart(pid);
    if (now !== undefined) return now === start;
  }
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Field 22 of /proc/<pid>/stat (start time in clock ticks since boot), or undefined. */
export function processStart(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) is in parentheses and may hold spaces: count after its end.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

function unlinkQuiet(p: string): void {
  try {
    unlinkSync(p);
  } catch {
    /* already gone */
  }
}
