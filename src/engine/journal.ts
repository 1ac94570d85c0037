import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, readdirSync, renameSync, rmdirSync, unlinkSync, writeSync } from 'node:fs';
import path from 'node:path';
import { createHash, randomBytes } from 'node:crypto';
import type { Diagnostic } from '../model/types.js';

/**
 * An undo log for multi-file fixes. Each file is written atomically, but a SIGKILL (or a power
 * cut) can land between two files of one fix. Before such a group is written, its original bytes
 * go to a journal; the journal is removed once the group is complete or rolled back. A later
 * `--write` that finds the journal of a process that is gone puts the group back as it was,
 * so the re-run applies the fix whole. Single-file groups need no journal.
 *
 * Where: `<git dir>/autopack-fix/` inside a repository (never part of the work tree), else
 * `<root>/.autopack-fix-journal/` (removed again when empty).
 */

interface JournalEntry {
  /** Absolute path of the file written. */
  target: string;
  /** Its bytes before (base64), or null for a file the fix creates. */
  original: string | null;
  /** sha256 of the bytes the fix writes. */
  fixed: string;
  /** Repository-relative path, for messages. */
  display: string;
  /** For a created file: the directories made for it, outermost first (removed again when empty). */
  createdDirs?: string[];
}

interface JournalFile {
  pid: number;
  /** The writer's start time (Linux /proc), so a reused pid is not mistaken for it. */
  start?: string;
  entries: JournalEntry[];
}

export function sha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

export class Journal {
  private constructor(
    private readonly dir: string,
    private readonly file: string,
  ) {}

  /** Record a group before writing it. Throws when the journal cannot be written (then write nothing). */
  static begin(dir: string, entries: JournalEntry[]): Journal {
    mkdirSync(dir, { recursive: true });
    const file = path.join(dir, `journal-${process.pid}-${randomBytes(4).toString('hex')}.json`);
    const tmp = `${file}.tmp`;
    const fd = openSync(tmp, 'wx', 0o600);
    try {
      const start = processStart(process.pid);
      const bytes = Buffer.from(JSON.stringify({ pid: process.pid, ...(start ? { start } : {}), entries } satisfies JournalFile));
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

export function journalEntry(target: string, display: string, original: Buffer | undefined, fixed: Buffer, createdDirs: string[] = []): JournalEntry {
  return { target, display, original: original ? original.toString('base64') : null, fixed: sha256(fixed), ...(createdDirs.length ? { createdDirs } : {}) };
}

export interface RecoveryHooks {
  /** Atomic write of a file's original bytes. */
  restore: (target: string, bytes: Buffer) => void;
  /** Whether these bytes are what the repository's HEAD holds for that file (then they are the user's now). */
  committed?: (target: string, bytes: Buffer) => boolean;
  /** Removes directories, deepest first, while empty. */
  removeEmptyDirs?: (dirs: string[]) => void;
}

/** Journals of runs that are gone (what recoverJournals would act on). */
export function pendingJournals(dir: string): number {
  let names: string[];
  try {
    names = readdirSync(dir).filter((n) => n.startsWith('journal-') && !n.endsWith('.tmp'));
  } catch {
    return 0;
  }
  return names.filter((n) => {
    try {
      const j = JSON.parse(readFileSync(path.join(dir, n), 'utf8')) as JournalFile;
      return !alive(j.pid, j.start);
    } catch {
      return false;
    }
  }).length;
}

/**
 * Undo the half-written groups of runs that were killed: each file that still holds exactly the
 * bytes the fix wrote gets its original back (a created one is removed); a file someone changed
 * since is left alone and named. `restore` writes a file atomically.
 */
export function recoverJournals(dir: string, hooks: RecoveryHooks): Diagnostic[] {
  const out: Diagnostic[] = [];
  let names: string[];
  try {
    names = readdirSync(dir).filter((n) => n.startsWith('journal-'));
  } catch {
    return out;
  }
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
      out.push({ file: '', kind: 'note', message: `unreadable undo journal ${file} (${(e as Error).message}); left in place` });
      continue;
    }
    if (alive(journal.pid, journal.start)) continue;
    const restored: string[] = [];
    const kept: string[] = [];
    const failed: string[] = [];
    const dirs: string[] = [];
    for (const entry of journal.entries) {
      try {
        let current: Buffer | undefined;
        try {
          current = readFileSync(entry.target);
        } catch {
          current = undefined;
        }
        const original = entry.original === null ? undefined : Buffer.from(entry.original, 'base64');
        if (!current || sha256(current) !== entry.fixed) {
          // Not written by the killed run (still original, or absent) — or changed by someone since.
          const untouched = original === undefined ? current === undefined : current !== undefined && current.equals(original);
          if (!untouched) kept.push(`${entry.display} (changed since)`);
          continue;
        }
        if (hooks.committed?.(entry.target, current)) {
          // The user committed the half-applied state: it is theirs now.
          kept.push(`${entry.display} (committed since)`);
          continue;
        }
        if (original === undefined) {
          unlinkSync(entry.target);
          dirs.push(...(entry.createdDirs ?? []));
        } else {
          hooks.restore(entry.target, original);
        }
        restored.push(entry.display);
      } catch (e) {
        failed.push(`${entry.display} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
      }
    }
    hooks.removeEmptyDirs?.(dirs);
    // A journal whose undo failed is kept: the next --write tries again.
    if (failed.length === 0) unlinkQuiet(file);
    if (restored.length > 0 || kept.length > 0 || failed.length > 0) {
      out.push({
        file: '',
        kind: 'note',
        message:
          `a run killed while writing a multi-file fix (pid ${journal.pid}) left it half-done: put back ${restored.join(', ') || 'nothing'}` +
          `${kept.length ? `; left as they are: ${kept.join(', ')}` : ''}${failed.length ? `; could not put back: ${failed.join(', ')} (the journal is kept: ${file})` : ''}`,
      });
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
