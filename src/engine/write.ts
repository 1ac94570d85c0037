import { accessSync, chownSync, constants, closeSync, fsyncSync, linkSync, lstatSync, mkdirSync, openSync, readFileSync, readdirSync, realpathSync, rmdirSync, renameSync, statSync, unlinkSync, writeSync, chmodSync } from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import type { Diagnostic } from '../model/types.js';
import type { Workspace } from '../workspace/workspace.js';
import type { FileChange } from './run.js';
import { Journal, alive, journalEntry } from './journal.js';

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
 * over the original with its mode kept), never through a symlink that leaves the root, never a
 * file that changed on disk since it was read (checked when planning and again just before its
 * write), never over a file that appeared meanwhile. Files tied by a multi-file fix are written
 * as a group: if one of them cannot be written, the others are rolled back to their original
 * bytes (or, if created, removed), so a fix never lands half-way.
 */
export function writeChanges(ws: Workspace, changes: readonly FileChange[], options: WriteOptions = {}): WriteOutcome {
  const fs = { ...REAL_FS, ...options.fs };
  const { groups, errors } = planWrites(ws, changes);
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
  const { groups, errors } = planWrites(ws, changes);
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
  target: string;
  mode: number | undefined;
  /** Owner of the file written over, kept when we may set it (running as root). */
  owner?: { uid: number; gid: number };
}


function writeError(file: string, message: string): Diagnostic {
  return { file, kind: 'write-error', message: `${file}: ${message}` };
}

function errnoOf(e: unknown): string {
  return (e as NodeJS.ErrnoException).code ?? String(e);
}

/** Why `plan` must not be written now (someone else touched it since it was read), if so. */
function changedSinceRead(ws: Workspace, plan: PlannedWrite): string | undefined {
  if (plan.change.before === undefined) {
    return exists(plan.target) ? 'exists on disk (created meanwhile, or a file this run did not read: ignored, binary or too large); not overwritten' : undefined;
  }
  try {
    const current = readFileSync(plan.target);
    const original = ws.originalBytes(plan.change.path);
    return original && current.equals(original) ? undefined : 'changed on disk since it was read; not written';
  } catch (e) {
    return `cannot be read back (${errnoOf(e)}); not written`;
  }
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
  if (group.length > 1 && options.journalDir) {
    try {
      journal = Journal.begin(
        options.journalDir,
        group.map((p) =>
          journalEntry(p.target, p.change.path, p.change.before === undefined ? undefined : ws.originalBytes(p.change.path), bytesOf(p.change), p.change.before === undefined ? missingDirs(path.dirname(p.target)) : []),
        ),
      );
    } catch (e) {
      for (const plan of group) outcome.errors.push(writeError(plan.change.path, `not written: the undo journal for its multi-file fix could not be recorded (${errnoOf(e)})`));
      return;
    }
  }
  for (const [index, plan] of group.entries()) {
    if (index > 0) sleepSync(options.pauseMs ?? 0);
    const changed = changedSinceRead(ws, plan);
    if (changed) {
      failure = { plan, message: changed };
      break;
    }
    try {
      removeStaleTemps(plan.target, fs);
      // Checked again right before the rename: a save during the temp write and fsync is kept.
      createdDirs.push(...atomicWrite(plan.target, bytesOf(plan.change), plan, fs, () => changedSinceRead(ws, plan)));
      done.push(plan);
    } catch (e) {
      failure = { plan, message: e instanceof ChangedMeanwhile ? e.message : `write failed (${errnoOf(e)}); left as it was` };
      break;
    }
  }
  if (!failure) {
    outcome.written.push(...done.map((p) => p.change.path));
    journal?.end();
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

/** A check before the rename found the file changed: the temp file is dropped, nothing replaced. */
class ChangedMeanwhile extends Error {}

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

/** Put `bytes` back into `target` atomically, keeping its mode and owner (journal recovery). */
export function restoreFile(target: string, bytes: Buffer): void {
  let plan: Pick<PlannedWrite, 'mode' | 'owner'> = { mode: undefined };
  try {
    const st = statSync(target);
    plan = { mode: st.mode & 0o7777, owner: { uid: st.uid, gid: st.gid } };
  } catch {
    /* gone: written with defaults */
  }
  atomicWrite(target, bytes, { ...plan, change: { before: '' } }, REAL_FS);
}

/** Undo one written file of a failed group: original bytes back (atomically), or a created file removed. */
function rollBack(ws: Workspace, plan: PlannedWrite, fs: WriteFs): void {
  if (plan.change.before === undefined) {
    fs.unlinkSync(plan.target);
    return;
  }
  const original = ws.originalBytes(plan.change.path);
  if (!original) throw new Error('original bytes unknown');
  atomicWrite(plan.target, original, plan, fs);
}

/**
 * Check every change before writing any, so a refusal leaves the tree untouched, and group the
 * plans by the fixes that tie them (FileChange.linked). A refused file takes its whole group with it.
 */
function planWrites(ws: Workspace, changes: readonly FileChange[]): { groups: PlannedWrite[][]; errors: Diagnostic[] } {
  const { plans, errors } = planEach(ws, changes);
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

function planEach(ws: Workspace, changes: readonly FileChange[]): { plans: PlannedWrite[]; errors: Diagnostic[] } {
  const errors: Diagnostic[] = [];
  const fail = (file: string, message: string): void => void errors.push(writeError(file, message));
  const plans: PlannedWrite[] = [];
  for (const change of changes) {
    let abs: string;
    try {
      abs = ws.absolute(change.path);
    } catch (e) {
      fail(change.path, (e as Error).message);
      continue;
    }
    const parentReal = realExistingAncestor(path.dirname(abs));
    if (!ws.insideRealRoot(parentReal)) {
      fail(change.path, 'its directory resolves outside the root; not written');
      continue;
    }
    let plan: PlannedWrite = { change, target: abs, mode: undefined };
    if (change.before !== undefined) {
      try {
        if (lstatSync(abs).isSymbolicLink()) {
          const target = realpathSync(abs);
          if (!ws.insideRealRoot(target)) {
            fail(change.path, 'is a symbolic link that points outside the root; not written');
            continue;
          }
          plan = { ...plan, target };
        }
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
 * Temp files a killed run (SIGKILL between write and rename) left beside `target`: removed when
 * the process that made them is gone. They never replaced the file, so nothing is lost.
 */
function removeStaleTemps(target: string, fs: WriteFs): void {
  const dir = path.dirname(target);
  const prefix = `.${path.basename(target)}.autopack-fix-`;
  let names: string[];
  try {
    names = readdirSync(dir).filter((n) => n.startsWith(prefix) && n.endsWith('.tmp'));
  } catch {
    return;
  }
  for (const name of names) {
    const pid = Number(name.slice(prefix.length).split('-')[0]);
    if (!Number.isInteger(pid) || pid === process.pid || alive(pid)) continue;
    unlinkSafe(path.join(dir, name), fs);
  }
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

function realExistingAncestor(dir: string): string {
  let d = dir;
  for (;;) {
    try {
      return realpathSync(d);
    } catch {
      const parent = path.dirname(d);
      if (parent === d) return d;
      d = parent;
    }
  }
}

/**
 * Write `bytes` to a temp file beside `target`, fsync it, give it the mode (and, as root, the
 * owner) of the file it replaces, run `beforeCommit` (a refusal drops the temp file), then
 * rename it over `target` — or, for a new file, link() it, which fails if the target exists.
 * Returns the directories it created for a new file; on failure they are removed again.
 */
function atomicWrite(
  target: string,
  bytes: Buffer,
  plan: Pick<PlannedWrite, 'mode' | 'owner'> & { change: Pick<FileChange, 'before'> },
  fs: WriteFs,
  beforeCommit?: () => string | undefined,
): string[] {
  const create = plan.change.before === undefined;
  const dir = path.dirname(target);
  const createdDirs = create ? missingDirs(dir) : [];
  try {
    if (createdDirs.length > 0) fs.mkdirSync(dir, { recursive: true });
    const tmp = path.join(dir, `.${path.basename(target)}.autopack-fix-${process.pid}-${randomBytes(4).toString('hex')}.tmp`);
    const fd = fs.openSync(tmp, 'wx', plan.mode ?? 0o644);
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
      if (plan.mode !== undefined) fs.chmodSync(tmp, plan.mode);
      if (plan.owner && process.getuid?.() === 0 && (plan.owner.uid !== 0 || plan.owner.gid !== 0)) fs.chownSync(tmp, plan.owner.uid, plan.owner.gid);
      const refusal = beforeCommit?.();
      if (refusal) throw new ChangedMeanwhile(refusal);
      if (create) {
        // link() fails if the target exists: a file created meanwhile is never overwritten.
        fs.linkSync(tmp, target);
        unlinkSafe(tmp, fs);
      } else {
        fs.renameSync(tmp, target);
      }
    } catch (e) {
      unlinkSafe(tmp, fs);
      throw e;
    }
  } catch (e) {
    removeEmptyDirs(createdDirs);
    throw e;
  }
  return createdDirs;
}

function unlinkSafe(p: string, fs: WriteFs): void {
  try {
    fs.unlinkSync(p);
  } catch {
    /* already gone */
  }
}
