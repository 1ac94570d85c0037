import { accessSync, chownSync, constants, closeSync, fstatSync, fsyncSync, linkSync, lstatSync, mkdirSync, openSync, readFileSync, readdirSync, realpathSync, rmdirSync, renameSync, statSync, unlinkSync, writeSync, chmodSync } from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import type { Diagnostic } from '../model/types.js';
import type { ReadStat, Workspace } from '../workspace/workspace.js';
import type { FileChange } from './run.js';
import { Journal, alive, journalEntry, moveEntry, processStart } from './journal.js';
import { insideRoot, unsafeDir } from './safe-path.js';
import { readToEnd } from '../util/read-fd.js';
import { tempTarget } from '../workspace/enumerate.js';

export interface WriteOutcome {
  written: string[];
  errors: Diagnostic[];
  /** Files not written because the run was asked to stop (SIGINT/SIGTERM) before them. */
  notWritten: string[];
}

/** The file-system calls a write makes; tests replace some to inject faults (EACCES, ENOSPC…). */
export interface WriteFs {
  openSync: typeof openSync;
  writeSync: (fd: number, buffer: Buffer, offset: number, length: number) => number;
  fsyncSync: typeof fsyncSync;
  closeSync: typeof closeSync;
  renameSync: typeof renameSync;
  linkSync: typeof linkSync;
  chmodSync: typeof chmodSync;
  chownSync: typeof chownSync;
  unlinkSync: typeof unlinkSync;
  mkdirSync: (dir: string, options: { recursive: true }) => unknown;
}

const REAL_FS: WriteFs = {
  openSync,
  writeSync: (fd, buffer, offset, length) => writeSync(fd, buffer, offset, length),
  fsyncSync,
  closeSync,
  renameSync,
  linkSync,
  chmodSync,
  chownSync,
  unlinkSync,
  mkdirSync,
};

export interface WriteOptions {
  /** Checked before each group of files: true stops the run cleanly after the group in progress. */
  stopRequested?: () => boolean;
  /** Test hook for fault tests: a pause before each group (ms), so a signal can land mid-write. */
  pauseMs?: number;
  /** Fault injection for tests; the real calls by default. */
  fs?: Partial<WriteFs>;
  /** Where multi-file groups record their undo journal (see journal.ts); none: no journal. */
  journalDir?: string;
}

/**
 * Write the changes: each file atomically (a temp file in the same directory, fsynced, renamed
 * over the original with its mode kept), never through a symlink that leaves the root (paths are
 * resolved when planning, and each directory is checked again right before each step), never a
 * file that changed on disk since it was read (bytes, and size, modification time and inode;
 * checked when planning and again just before its write), never over a file that appeared
 * meanwhile. A writer that holds a replaced file open and writes to it while it is replaced
 * keeps its bytes (the old file is put back; see `replaceWatched`). Files tied by a multi-file
 * fix are written as a group: if one of them cannot be written, the others are rolled back to
 * their original bytes (or, if created, removed), so a fix never lands half-way.
 */
export function writeChanges(ws: Workspace, changes: readonly FileChange[], options: WriteOptions = {}): WriteOutcome {
  const fs = { ...REAL_FS, ...options.fs };
  const { groups, errors } = planWrites(ws, changes, fs);
  const outcome: WriteOutcome = { written: [], errors, notWritten: [] };
  for (const group of groups) writeGroup(ws, group, fs, outcome, options);
  return outcome;
}

/**
 * As writeChanges, yielding to the event loop between groups so that a SIGINT/SIGTERM handler
 * can ask it to stop: the group in progress is finished (a multi-file fix is never cut), the
 * rest are listed as not written.
 */
export async function writeChangesInterruptible(ws: Workspace, changes: readonly FileChange[], options: WriteOptions = {}): Promise<WriteOutcome> {
  const fs = { ...REAL_FS, ...options.fs };
  const { groups, errors } = planWrites(ws, changes, fs);
  const outcome: WriteOutcome = { written: [], errors, notWritten: [] };
  for (const group of groups) {
    await new Promise((resolve) => setTimeout(resolve, options.pauseMs ?? 0));
    if (options.stopRequested?.()) {
      outcome.notWritten.push(...group.map((p) => p.change.path));
      continue;
    }
    writeGroup(ws, group, fs, outcome, options);
  }
  return outcome;
}

interface PlannedWrite {
  change: FileChange;
  /** The real path written (symbolic links resolved when planning, inside the real root). */
  target: string;
  mode: number | undefined;
  /** Owner of the file written over, kept when we may set it (running as root). */
  owner?: { uid: number; gid: number };
  /** For a move (`change.movedFrom`): the real path of the file moved, and its identity when planned. */
  source?: { path: string; dev: bigint; ino: bigint; size: bigint; mtimeNs: bigint };
}


function writeError(file: string, message: string): Diagnostic {
  return { file, kind: 'write-error', message: `${file}: ${message}` };
}

function errnoOf(e: unknown): string {
  return (e as NodeJS.ErrnoException).code ?? (e instanceof Error ? e.message : String(e));
}

/** Why `plan` must not be written now (someone else touched it since it was read), if so. */
function changedSinceRead(ws: Workspace, plan: PlannedWrite): string | undefined {
  if (plan.change.before === undefined) {
    return exists(plan.target) ? 'exists on disk (created meanwhile, or a file this run did not read: ignored, binary or too large); not overwritten' : undefined;
  }
  try {
    // Never read through what replaced the file: a link may lead anywhere, a FIFO would block.
    const replaced = replacedBy(plan.target);
    if (replaced) return replaced;
    const current = readFileSync(plan.target);
    const original = ws.originalBytes(plan.change.path);
    if (!original || !current.equals(original)) return 'changed on disk since it was read; not written';
    // The same bytes, but written again (or replaced) since the read: someone is at work on it.
    const was = ws.originalStat(plan.change.path);
    if (was && !sameFile(statSync(plan.target, { bigint: true }), was)) return 'changed on disk since it was read (its modification time or inode differs); not written';
    return undefined;
  } catch (e) {
    return `cannot be read back (${errnoOf(e)}); not written`;
  }
}

const REPLACED_BY_LINK = 'was replaced by a symbolic link since it was read; the link is not followed, and nothing is written';

/**
 * Why `target` (a regular file when it was read: fixes never edit links) must not be read back
 * or written now, if it is no longer a regular file: a symbolic link, or a special file.
 */
function replacedBy(target: string): string | undefined {
  const st = lstatSync(target);
  if (st.isSymbolicLink()) return REPLACED_BY_LINK;
  if (!st.isFile()) return `was replaced by ${st.isDirectory() ? 'a directory' : st.isFIFO() ? 'a FIFO (named pipe)' : st.isSocket() ? 'a socket' : 'a special file'} since it was read; not written`;
  return undefined;
}

function sameFile(now: ReadStat, was: ReadStat): boolean {
  return now.dev === was.dev && now.ino === was.ino && now.size === was.size && now.mtimeNs === was.mtimeNs;
}

/** Why the directory of `target` is no longer safe to write into (see safe-path.ts), as a write error, if so. */
function dirChanged(realRoot: string, target: string): string | undefined {
  const why = unsafeDir(realRoot, path.dirname(target));
  return why === undefined ? undefined : `its directory changed during the write (${why}); not written`;
}

function bytesOf(change: FileChange): Buffer {
  return Buffer.from((change.bom ? '\uFEFF' : '') + change.after, 'utf8');
}

/** Synchronous sleep for the fault-test pause inside a group (a SIGKILL must be able to land there). */
function sleepSync(ms: number): void {
  if (ms > 0) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

function writeGroup(ws: Workspace, group: readonly PlannedWrite[], fs: WriteFs, outcome: WriteOutcome, options: WriteOptions): void {
  const done: PlannedWrite[] = [];
  const createdDirs: string[] = [];
  let failure: { plan: PlannedWrite; message: string } | undefined;
  let journal: Journal | undefined;
  // A move is journalled even alone: killed between its link and its unlink, it leaves the file under both names.
  if ((group.length > 1 || group.some((p) => p.source)) && options.journalDir) {
    try {
      const rel = (abs: string): string => path.relative(ws.realRoot, abs).split(path.sep).join('/');
      journal = Journal.begin(
        options.journalDir,
        ws.realRoot,
        group.map((p) =>
          p.source
            ? moveEntry(rel(p.target), rel(p.source.path), `${p.source.dev}:${p.source.ino}:${p.source.size}:${p.source.mtimeNs}`, missingDirs(path.dirname(p.target)).map(rel))
            : journalEntry(rel(p.target), p.change.before === undefined ? undefined : ws.originalBytes(p.change.path), bytesOf(p.change), p.change.before === undefined ? missingDirs(path.dirname(p.target)).map(rel) : []),
        ),
      );
    } catch (e) {
      for (const plan of group) outcome.errors.push(writeError(plan.change.path, `not written: the undo journal for its multi-file fix could not be recorded (${errnoOf(e)})`));
      return;
    }
  }
  for (const [index, plan] of group.entries()) {
    if (index > 0) sleepSync(options.pauseMs ?? 0);
    if (plan.source) {
      try {
        createdDirs.push(...moveFile(plan.source, plan.target, ws.realRoot, fs));
        done.push(plan);
        continue;
      } catch (e) {
        failure = { plan, message: e instanceof Refused ? e.message : `move failed (${errnoOf(e)}); left as it was` };
        break;
      }
    }
    // Before anything is read back through it: the directory is still the one planned.
    const changed = dirChanged(ws.realRoot, plan.target) ?? changedSinceRead(ws, plan);
    if (changed) {
      failure = { plan, message: changed };
      break;
    }
    try {
      // (For a file that exists, done when planning.)
      if (plan.change.before === undefined) removeStaleTemps(plan.target, fs);
      const original = plan.change.before === undefined ? undefined : ws.originalBytes(plan.change.path);
      createdDirs.push(
        ...atomicWrite(
          plan.target,
          bytesOf(plan.change),
          {
            ...plan,
            create: plan.change.before === undefined,
            realRoot: ws.realRoot,
            // Checked again right before the rename: a save during the temp write and fsync is kept.
            beforeCommit: () => changedSinceRead(ws, plan),
            ...(original ? { replaces: { bytes: original, stat: ws.originalStat(plan.change.path) } } : {}),
          },
          fs,
        ),
      );
      done.push(plan);
    } catch (e) {
      failure = { plan, message: e instanceof Refused ? e.message : `write failed (${errnoOf(e)}); left as it was` };
      break;
    }
  }
  if (!failure) {
    outcome.written.push(...done.map((p) => p.change.path));
    journal?.end();
    // As git leaves them: a folder the moves emptied goes (never one that still holds anything).
    removeEmptyDirs(done.flatMap((p) => (p.source ? emptiedDirs(ws.realRoot, path.dirname(p.source.path)) : [])));
    return;
  }
  let undoKept = false;
  const failed = failure.plan.change.path;
  outcome.errors.push(writeError(failed, failure.message));
  const messages = new Map<PlannedWrite, Diagnostic>();
  for (const plan of group) if (plan !== failure.plan && !done.includes(plan)) messages.set(plan, writeError(plan.change.path, `not written: it shares a fix with ${failed}, which was not written`));
  // Undo in reverse order, so created files go before the directories made for them.
  for (const plan of [...done].reverse()) {
    const p = plan.change.path;
    try {
      if (plan.source) {
        moveBack(plan.source, plan.target, ws.realRoot, fs);
        messages.set(plan, writeError(p, `moved back to ${plan.change.movedFrom}: it shares a fix with ${failed}, which was not written`));
        continue;
      }
      if (!holds(plan.target, bytesOf(plan.change))) {
        // Someone changed it after we wrote it: theirs now, never overwritten.
        outcome.written.push(p);
        messages.set(plan, writeError(p, `written, then changed by someone else before ${failed} failed; left as it is (not rolled back)`));
        continue;
      }
      rollBack(ws, plan, fs);
      const undone = plan.change.before === undefined ? 'removed again' : 'rolled back to its original bytes';
      messages.set(plan, writeError(p, `${undone}: it shares a fix with ${failed}, which was not written`));
    } catch (e) {
      // The file holds its complete fixed text (each write is atomic); only the pairing is lost.
      undoKept = true;
      outcome.written.push(p);
      messages.set(plan, writeError(p, `written, but could not be rolled back (${errnoOf(e)}) after ${failed} failed; it holds its complete fixed text`));
    }
  }
  removeEmptyDirs(createdDirs);
  for (const plan of group) {
    const m = messages.get(plan);
    if (m) outcome.errors.push(m);
  }
  // A failed rollback keeps the journal: the next --write tries again.
  if (!undoKept) journal?.end();
}

/**
 * A move's plan: both paths by their real directories inside the root, the source a regular
 * file (not a link), the target free. The source's bytes are not compared with what the run
 * read: a move keeps whatever bytes the file holds, so nobody's write is lost.
 */
function planMove(ws: Workspace, change: FileChange): PlannedWrite | string {
  const from = change.movedFrom as string;
  let absFrom: string;
  let absTo: string;
  try {
    absFrom = ws.absolute(from);
    absTo = ws.absolute(change.path);
  } catch (e) {
    return (e as Error).message;
  }
  const fromDir = realDir(path.dirname(absFrom));
  const toDir = realDir(path.dirname(absTo));
  if (!ws.insideRealRoot(fromDir) || !ws.insideRealRoot(toDir)) return 'a directory of the move resolves outside the root; not moved';
  const source = path.join(fromDir, path.basename(absFrom));
  const target = path.join(toDir, path.basename(absTo));
  let st;
  try {
    st = lstatSync(source, { bigint: true });
  } catch (e) {
    return `cannot move ${from} (${errnoOf(e)}); not moved`;
  }
  if (st.isSymbolicLink()) return `${from} is now a symbolic link; not moved`;
  if (!st.isFile()) return `${from} is no longer a regular file; not moved`;
  if (exists(target)) return 'exists on disk (created meanwhile, or a file this run did not list: ignored); a move never overwrites, so nothing is moved';
  return { change, target, mode: undefined, source: { path: source, dev: st.dev, ino: st.ino, size: st.size, mtimeNs: st.mtimeNs } };
}

/**
 * Move `source` to `target` without ever overwriting: link() the file to its new name (which
 * fails if anything is there), then unlink the old name. The file keeps its inode, bytes, mode
 * and owner; killed between the two steps, it has both names, never none. Each step is preceded
 * by the directory checks of safe-path.ts. Returns the directories made for the target.
 */
function moveFile(source: { path: string; dev: bigint; ino: bigint }, target: string, realRoot: string, fs: WriteFs): string[] {
  const verify = (p: string): void => {
    const why = dirChanged(realRoot, p);
    if (why) throw new DirChanged(why);
  };
  const same = (p: string): boolean => {
    try {
      const st = lstatSync(p, { bigint: true });
      return st.isFile() && st.dev === source.dev && st.ino === source.ino;
    } catch {
      return false;
    }
  };
  verify(source.path);
  if (!same(source.path)) throw new Refused(`was replaced or removed since it was planned; not moved`);
  const createdDirs = missingDirs(path.dirname(target));
  try {
    verify(target);
    if (createdDirs.length > 0) {
      fs.mkdirSync(path.dirname(target), { recursive: true });
      verify(target);
    }
    try {
      fs.linkSync(source.path, target);
    } catch (e) {
      if (errnoOf(e) === 'EEXIST') throw new Refused('exists on disk (created meanwhile); a move never overwrites, so nothing is moved');
      throw e;
    }
  } catch (e) {
    if (!(e instanceof DirChanged)) removeEmptyDirs(createdDirs);
    throw e;
  }
  try {
    verify(source.path);
    fs.unlinkSync(source.path);
  } catch (e) {
    // Keep the one name that was there before.
    if (!(e instanceof DirChanged)) unlinkSafe(target, fs);
    removeEmptyDirs(createdDirs);
    throw e;
  }
  return createdDirs;
}

/** Undo a move of a failed group: the file gets its old name back (never over another file), then loses the new one. */
function moveBack(source: { path: string; dev: bigint; ino: bigint }, target: string, realRoot: string, fs: WriteFs): void {
  for (const p of [source.path, target]) {
    const why = unsafeDir(realRoot, path.dirname(p));
    if (why) throw new DirChanged(`its directory changed: ${why}`);
  }
  const st = lstatSync(target, { bigint: true });
  if (!st.isFile() || st.dev !== source.dev || st.ino !== source.ino) throw new Error('replaced since it was moved');
  fs.mkdirSync(path.dirname(source.path), { recursive: true });
  fs.linkSync(target, source.path);
  fs.unlinkSync(target);
}

/** `dir` and its parents below the root, deepest first: the folders a move may have emptied. */
function emptiedDirs(realRoot: string, dir: string): string[] {
  const out: string[] = [];
  for (let d = dir; d !== realRoot && insideRoot(realRoot, d) && path.dirname(d) !== d; d = path.dirname(d)) out.push(d);
  return out;
}

/** A check before (or, for a writer holding the file open, right after) the rename refused the write; the message says why. */
class Refused extends Error {}

/** The directory changed under the write: nothing more is done through it (not even removing our temp file). */
class DirChanged extends Refused {}

/** Whether `target` holds exactly `bytes`. */
function holds(target: string, bytes: Buffer): boolean {
  try {
    return readFileSync(target).equals(bytes);
  } catch {
    return false;
  }
}

/** Directories from `dir` up that do not exist yet, outermost first. */
function missingDirs(dir: string): string[] {
  const out: string[] = [];
  for (let d = dir; !exists(d); d = path.dirname(d)) {
    out.unshift(d);
    if (path.dirname(d) === d) break;
  }
  return out;
}

/** Remove the directories we made, deepest first, while they are empty (never one with content). */
export function removeEmptyDirs(dirs: readonly string[]): void {
  for (const d of [...new Set(dirs)].sort((a, b) => b.length - a.length)) {
    try {
      rmdirSync(d);
    } catch {
      /* not empty, or gone */
    }
  }
}

/**
 * Put `bytes` back into `target` atomically, keeping its mode and owner (journal recovery).
 * With `realRoot`, the directory is checked before each step, as for any write.
 */
export function restoreFile(target: string, bytes: Buffer, realRoot?: string): void {
  let plan: Pick<PlannedWrite, 'mode' | 'owner'> = { mode: undefined };
  try {
    const st = statSync(target);
    plan = { mode: st.mode & 0o7777, owner: { uid: st.uid, gid: st.gid } };
  } catch {
    /* gone: written with defaults */
  }
  atomicWrite(target, bytes, { ...plan, create: false, ...(realRoot !== undefined ? { realRoot } : {}) }, REAL_FS);
}

/** Undo one written file of a failed group: original bytes back (atomically), or a created file removed. */
function rollBack(ws: Workspace, plan: PlannedWrite, fs: WriteFs): void {
  const why = unsafeDir(ws.realRoot, path.dirname(plan.target));
  if (why) throw new DirChanged(`its directory changed: ${why}`);
  if (plan.change.before === undefined) {
    fs.unlinkSync(plan.target);
    return;
  }
  const original = ws.originalBytes(plan.change.path);
  if (!original) throw new Error('original bytes unknown');
  atomicWrite(plan.target, original, { ...plan, create: false, realRoot: ws.realRoot }, fs);
}

/**
 * Check every change before writing any, so a refusal leaves the tree untouched, and group the
 * plans by the fixes that tie them (FileChange.linked). A refused file takes its whole group with it.
 */
function planWrites(ws: Workspace, changes: readonly FileChange[], fs: WriteFs): { groups: PlannedWrite[][]; errors: Diagnostic[] } {
  removeKilledRunTemps(ws, fs);
  const { plans, errors } = planEach(ws, changes, fs);
  const planned = new Map(plans.map((p) => [p.change.path, p]));
  const refused = new Set(changes.map((c) => c.path).filter((p) => !planned.has(p)));
  const groups: PlannedWrite[][] = [];
  const placed = new Set<string>();
  for (const change of changes) {
    if (placed.has(change.path)) continue;
    const tied = new Set([change.path, ...(change.linked ?? [])]);
    const members = changes.filter((c) => tied.has(c.path)).map((c) => c.path);
    for (const m of members) placed.add(m);
    const blocker = members.find((m) => refused.has(m));
    if (blocker) {
      for (const m of members) if (!refused.has(m)) errors.push(writeError(m, `not written: it shares a fix with ${blocker}, which was not written`));
      continue;
    }
    groups.push(members.map((m) => planned.get(m) as PlannedWrite));
  }
  return { groups, errors };
}

function planEach(ws: Workspace, changes: readonly FileChange[], fs: WriteFs): { plans: PlannedWrite[]; errors: Diagnostic[] } {
  const errors: Diagnostic[] = [];
  const fail = (file: string, message: string): void => void errors.push(writeError(file, message));
  const plans: PlannedWrite[] = [];
  const listings = new Map<string, string[]>();
  for (const change of changes) {
    if (change.movedFrom !== undefined) {
      const planned = planMove(ws, change);
      if (typeof planned === 'string') fail(change.path, planned);
      else plans.push(planned);
      continue;
    }
    const target = realTarget(ws, change.path);
    if ('refused' in target) {
      fail(change.path, target.refused);
      continue;
    }
    let plan: PlannedWrite = { change, target: target.path, mode: undefined };
    if (change.before !== undefined) {
      try {
        // Fixes edit only files read as regular files (Workspace.isEditable): a link here was
        // put in place of the file since the read. Following it would write wherever it leads.
        const replaced = replacedBy(plan.target);
        if (replaced) {
          fail(change.path, replaced);
          continue;
        }
        // A killed run's temp file may be a hard link of this file (killed between link() and
        // unlink() of a file it created): removed first, or the link count below refuses it.
        removeStaleTemps(plan.target, fs, listings);
        const st = statSync(plan.target);
        plan = { ...plan, mode: st.mode & 0o7777, owner: { uid: st.uid, gid: st.gid } };
        // A rename gives the path a new inode: another hard link would keep the old text.
        if (st.nlink > 1) {
          fail(change.path, `has ${st.nlink} hard links; a write would split them, so it is not written`);
          continue;
        }
        // A rename would replace a read-only file regardless of its mode; someone made it
        // read-only on purpose (even root is refused when no write bit is set at all).
        if (((plan.mode as number) & 0o222) === 0 || !writable(plan.target)) {
          fail(change.path, 'is read-only (no write permission); not written');
          continue;
        }
      } catch (e) {
        fail(change.path, `cannot be read back (${errnoOf(e)}); not written`);
        continue;
      }
    }
    const changed = changedSinceRead(ws, plan);
    if (changed) fail(change.path, changed);
    else plans.push(plan);
  }
  return { plans, errors };
}

/**
 * The real path a write of repo path `rel` goes to: its directory's symbolic links resolved, and
 * inside the real root (each later step checks that path's directories again); or why not.
 */
function realTarget(ws: Workspace, rel: string): { path: string } | { refused: string } {
  let abs: string;
  try {
    abs = ws.absolute(rel);
  } catch (e) {
    return { refused: (e as Error).message };
  }
  const dirReal = realDir(path.dirname(abs));
  if (!ws.insideRealRoot(dirReal)) return { refused: 'its directory resolves outside the root; not written' };
  return { path: path.join(dirReal, path.basename(abs)) };
}

/**
 * The temp files of killed runs that the listing met, wherever they are: a kill after the fixed
 * file was in place leaves one beside a file that no later run writes again, so waiting for a
 * write beside it would keep it for good. Each is judged as `removeStaleTemps` judges them (its
 * writer gone, and no hard link of another file); writeChanges calls this, and so must a
 * `--write` run that has nothing to write.
 */
export function removeKilledRunTemps(ws: Workspace, fs: WriteFs = REAL_FS): void {
  const listings = new Map<string, string[]>();
  const targets = new Set<string>();
  for (const temp of ws.ownTemps) {
    const rel = tempTarget(temp);
    const target = rel === undefined ? undefined : realTarget(ws, rel);
    if (target && 'path' in target) targets.add(target.path);
  }
  for (const target of targets) removeStaleTemps(target, fs, listings);
}

/**
 * Temp files a killed run left beside `target`: removed when the process that made them is gone
 * (by pid, and by start time where the name carries it, so a reused pid — every run is pid 1
 * in some containers — is not mistaken for the writer). A kill between write and rename leaves
 * a temp file that never replaced anything; a kill between link() and unlink() of a created
 * file (or between the hard link kept of a replaced file and its rename) leaves a second name
 * of the file itself. Both are removed; a temp name that is a hard link of some other file is
 * not ours to judge and stays.
 */
function removeStaleTemps(target: string, fs: WriteFs, listings?: Map<string, string[]>): void {
  const dir = path.dirname(target);
  const prefix = `.${path.basename(target)}.autopack-fix-`;
  // One listing per directory and run (its temp-looking names), when planning many files.
  let temps = listings?.get(dir);
  if (!temps) {
    try {
      temps = readdirSync(dir).filter((n) => n.includes('.autopack-fix-') && n.endsWith('.tmp'));
    } catch {
      temps = [];
    }
    listings?.set(dir, temps);
  }
  const names = temps.filter((n) => n.startsWith(prefix));
  for (const name of names) {
    const writer = tempWriter(name.slice(prefix.length, -'.tmp'.length));
    if (!writer || alive(writer.pid, writer.start)) continue;
    const temp = path.join(dir, name);
    try {
      const st = lstatSync(temp, { bigint: true });
      if (!st.isFile()) continue;
      if (st.nlink > 1n) {
        const file = lstatSync(target, { bigint: true });
        if (file.dev !== st.dev || file.ino !== st.ino) continue;
      }
    } catch {
      continue;
    }
    unlinkSafe(temp, fs);
  }
}

/** This process's start time (hex, 16 digits) for temp names, or '' where /proc does not tell. */
let startHex: string | undefined;
function ownStartHex(): string {
  if (startHex === undefined) {
    const start = processStart(process.pid);
    startHex = start && /^\d+$/.test(start) ? BigInt(start).toString(16).padStart(16, '0').slice(-16) : '';
  }
  return startHex;
}

/** `.<name>.autopack-fix-<pid>-<start, 16 hex digits, where known><8 random hex digits>.tmp`, beside `target`. */
function tempName(target: string): string {
  return path.join(path.dirname(target), `.${path.basename(target)}.autopack-fix-${process.pid}-${ownStartHex()}${randomBytes(4).toString('hex')}.tmp`);
}

/** The writer a temp name records (`<pid>-<hex>`), or undefined when it is not one of ours. */
function tempWriter(tail: string): { pid: number; start?: string } | undefined {
  const m = /^(\d+)-([0-9a-f]+)$/.exec(tail);
  if (!m) return undefined;
  const pid = Number(m[1]);
  const hex = m[2] as string;
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  return hex.length === 24 ? { pid, start: BigInt(`0x${hex.slice(0, 16)}`).toString() } : { pid };
}

function writable(p: string): boolean {
  try {
    accessSync(p, constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

function exists(p: string): boolean {
  try {
    lstatSync(p);
    return true;
  } catch {
    return false;
  }
}

/** The real path of `dir`: its nearest existing ancestor resolved, the missing rest appended. */
function realDir(dir: string): string {
  let d = dir;
  for (;;) {
    try {
      return path.join(realpathSync(d), path.relative(d, dir));
    } catch {
      const parent = path.dirname(d);
      if (parent === d) return dir;
      d = parent;
    }
  }
}

interface AtomicWrite {
  mode: number | undefined;
  /** Owner of the file written over, kept when we may set it (running as root). */
  owner?: { uid: number; gid: number };
  /** A new file: link()ed into place, which never replaces a file. Else renamed over the target. */
  create: boolean;
  /** The real root: the directory is checked (safe-path.ts) right before each step. */
  realRoot?: string;
  /** Run right before the commit; a message refuses the write (the temp file is dropped). */
  beforeCommit?: () => string | undefined;
  /** The bytes (and stat) read of the file replaced: its old inode is watched across the rename. */
  replaces?: { bytes: Buffer; stat?: ReadStat };
}

/**
 * Write `bytes` to a temp file beside `target`, fsync it, give it the mode (and, as root, the
 * owner) of the file it replaces, run `beforeCommit` (a refusal drops the temp file), then
 * rename it over `target` — or, for a new file, link() it, which fails if the target exists.
 * With `realRoot`, each step is preceded by a check that the directory is still the real,
 * planned one inside the root. Returns the directories it created for a new file; on failure
 * they are removed again.
 */
function atomicWrite(target: string, bytes: Buffer, o: AtomicWrite, fs: WriteFs): string[] {
  const dir = path.dirname(target);
  const verify = (): void => {
    const why = o.realRoot === undefined ? undefined : dirChanged(o.realRoot, target);
    if (why) throw new DirChanged(why);
  };
  const createdDirs = o.create ? missingDirs(dir) : [];
  try {
    verify();
    if (createdDirs.length > 0) {
      fs.mkdirSync(dir, { recursive: true });
      verify();
    }
    const tmp = tempName(target);
    // 'wx' is O_CREAT|O_EXCL: never opens through a symbolic link planted at the temp name.
    const fd = fs.openSync(tmp, 'wx', o.mode ?? 0o644);
    try {
      let off = 0;
      while (off < bytes.length) off += fs.writeSync(fd, bytes, off, bytes.length - off);
      fs.fsyncSync(fd);
    } catch (e) {
      fs.closeSync(fd);
      unlinkSafe(tmp, fs);
      throw e;
    }
    fs.closeSync(fd);
    try {
      verify();
      if (o.mode !== undefined) fs.chmodSync(tmp, o.mode);
      if (o.owner && process.getuid?.() === 0 && (o.owner.uid !== 0 || o.owner.gid !== 0)) fs.chownSync(tmp, o.owner.uid, o.owner.gid);
      verify();
      const refusal = o.beforeCommit?.();
      if (refusal) throw new Refused(refusal);
      if (o.create) {
        verify();
        // link() fails if the target exists: a file created meanwhile is never overwritten.
        fs.linkSync(tmp, target);
        unlinkSafe(tmp, fs);
      } else if (o.replaces) {
        replaceWatched(tmp, target, bytes, o, o.replaces, fs, verify);
      } else {
        verify();
        fs.renameSync(tmp, target);
      }
    } catch (e) {
      // Through a directory that changed, nothing more is done (the temp file stays where it went).
      if (!(e instanceof DirChanged)) unlinkSafe(tmp, fs);
      throw e;
    }
  } catch (e) {
    if (!(e instanceof DirChanged)) removeEmptyDirs(createdDirs);
    throw e;
  }
  return createdDirs;
}

const HELD_OPEN = 'another process wrote to it while it was being replaced (it holds the file open); its bytes are kept and the fix is not applied';

/**
 * Rename `tmp` over `target`, watching the file it replaces. A process that holds that file
 * open keeps writing into its inode, which the rename takes off the path: its bytes would be
 * lost. So the old inode is held (an open descriptor, and a hard link under a temp name) across
 * the rename; if it changed since the read (bytes, size or modification time), the old inode
 * is put back (renamed back into place, so that writer's later writes land in the file again;
 * where no hard link could be made, its bytes are copied back) and the write is refused.
 * A write that lands after this check is not seen (docs/robustness.md).
 */
function replaceWatched(tmp: string, target: string, bytes: Buffer, o: AtomicWrite, replaces: { bytes: Buffer; stat?: ReadStat }, fs: WriteFs, verify: () => void): void {
  let held: number;
  try {
    held = openSync(target, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (e) {
    throw new Refused(errnoOf(e) === 'ELOOP' ? REPLACED_BY_LINK : `cannot be read back (${errnoOf(e)}); not written`);
  }
  try {
    const before = fstatSync(held, { bigint: true });
    if (replaces.stat && (before.ino !== replaces.stat.ino || before.dev !== replaces.stat.dev)) throw new Refused('changed on disk since it was read (its modification time or inode differs); not written');
    let keep: string | undefined = tempName(target);
    try {
      fs.linkSync(target, keep);
    } catch {
      keep = undefined;
    }
    try {
      verify();
      // The last look before the rename: the name still holds the file held open, not a link put there since.
      const now = lstatSync(target, { bigint: true });
      if (now.isSymbolicLink()) throw new Refused(REPLACED_BY_LINK);
      if (now.ino !== before.ino || now.dev !== before.dev) throw new Refused('changed on disk since it was read (its modification time or inode differs); not written');
      fs.renameSync(tmp, target);
    } catch (e) {
      if (keep) unlinkSafe(keep, fs);
      throw e;
    }
    if (!changedSince(held, before, replaces.bytes)) {
      if (keep) unlinkSafe(keep, fs);
      return;
    }
    // Someone wrote to the old file since the read: theirs wins, ours is dropped.
    if (!holds(target, bytes)) throw new Refused(`${HELD_OPEN}${keep ? ` (and the file was replaced again meanwhile: the bytes written to the old one are in ${keep})` : ''}`);
    try {
      if (keep) {
        fs.renameSync(keep, target);
      } else {
        const theirs = readToEnd(held, Number(fstatSync(held).size));
        atomicWrite(target, theirs, { mode: o.mode, ...(o.owner ? { owner: o.owner } : {}), create: false, ...(o.realRoot !== undefined ? { realRoot: o.realRoot } : {}) }, fs);
      }
    } catch (e) {
      throw new Refused(`another process wrote to it while it was being replaced (it holds the file open), and putting its bytes back failed (${errnoOf(e)}): it holds the fixed text${keep ? `; the bytes written to the old file are in ${keep}` : ''}`);
    }
    throw new Refused(HELD_OPEN);
  } finally {
    closeSync(held);
  }
}

/** Whether the file open as `fd` changed since `before` (size, modification time) or no longer holds `original`. */
function changedSince(fd: number, before: { size: bigint; mtimeNs: bigint }, original: Buffer): boolean {
  const after = fstatSync(fd, { bigint: true });
  if (after.size !== before.size || after.mtimeNs !== before.mtimeNs || after.size !== BigInt(original.length)) return true;
  return !readToEnd(fd, Number(after.size)).equals(original);
}

function unlinkSafe(p: string, fs: WriteFs): void {
  try {
    fs.unlinkSync(p);
  } catch {
    /* already gone */
  }
}
