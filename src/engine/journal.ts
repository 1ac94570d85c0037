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
}

interface JournalFile {
  pid: number;
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
      const bytes = Buffer.from(JSON.stringify({ pid: process.pid, entries } satisfies JournalFile));
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

export function journalEntry(target: string, display: string, original: Buffer | undefined, fixed: Buffer): JournalEntry {
  return { target, display, original: original ? original.toString('base64') : null, fixed: sha256(fixed) };
}

/**
 * Undo the half-written groups of runs that were killed: each file that still holds exactly the
 * bytes the fix wrote gets its original back (a created one is removed); a file someone changed
 * since is left alone and named. `restore` writes a file atomically.
 */
export function recoverJournals(dir: string, restore: (target: string, bytes: Buffer) => void): Diagnostic[] {
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
    } catch (e) {
      out.push({ file: '', kind: 'note', message: `unreadable journal ${file} (${(e as Error).message}); left in place` });
      continue;
    }
    if (alive(journal.pid)) continue;
    const restored: string[] = [];
    const kept: string[] = [];
    for (const entry of journal.entries) {
      let current: Buffer | undefined;
      try {
        current = readFileSync(entry.target);
      } catch {
        current = undefined;
      }
      if (!current || sha256(current) !== entry.fixed) {
        // Not written by the killed run (still original, or absent) — or changed by someone since.
        const original = entry.original === null ? undefined : Buffer.from(entry.original, 'base64');
        const untouched = entry.original === null ? current === undefined : current !== undefined && original !== undefined && current.equals(original);
        if (!untouched) kept.push(entry.display);
        continue;
      }
      if (entry.original === null) unlinkSync(entry.target);
      else restore(entry.target, Buffer.from(entry.original, 'base64'));
      restored.push(entry.display);
    }
    unlinkQuiet(file);
    if (restored.length > 0 || kept.length > 0) {
      out.push({
        file: '',
        kind: 'note',
        message: `a run killed while writing a multi-file fix (pid ${journal.pid}) left it half-done: put back ${restored.join(', ') || 'nothing'}${kept.length ? `; changed since, left as they are: ${kept.join(', ')}` : ''}`,
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

export function alive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function unlinkQuiet(p: string): void {
  try {
    unlinkSync(p);
  } catch {
    /* already gone */
  }
}
