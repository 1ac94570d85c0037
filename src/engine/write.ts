import { closeSync, fsyncSync, linkSync, lstatSync, mkdirSync, openSync, readFileSync, readdirSync, realpathSync, renameSync, statSync, unlinkSync, writeSync, chmodSync } from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import type { Diagnostic } from '../model/types.js';
import type { Workspace } from '../workspace/workspace.js';
import type { FileChange } from './run.js';

export interface WriteOutcome {
  written: string[];
  errors: Diagnostic[];
  /** Files not written because the run was asked to stop (SIGINT/SIGTERM) before them. */
  notWritten: string[];
}

export interface WriteOptions {
  /** Checked before each file: true stops the run cleanly after the file in progress. */
  stopRequested?: () => boolean;
  /** Test hook for fault tests: a pause before each file (ms), so a signal can land mid-write. */
  pauseMs?: number;
}

/**
 * Write the changes: each file atomically (a temp file in the same directory, fsynced, renamed
 * over the original with its mode kept), never through a symlink that leaves the root, never a
 * file that changed on disk since it was read, never over a file that appeared meanwhile.
 */
export function writeChanges(ws: Workspace, changes: readonly FileChange[]): WriteOutcome {
  const { plans, errors } = planWrites(ws, changes);
  const written: string[] = [];
  for (const plan of plans) writePlanned(plan, written, errors);
  return { written, errors, notWritten: [] };
}

/**
 * As writeChanges, yielding to the event loop between files so that a SIGINT/SIGTERM handler
 * can ask it to stop: the file in progress is finished (each write is atomic anyway), the rest
 * are listed as not written.
 */
export async function writeChangesInterruptible(ws: Workspace, changes: readonly FileChange[], options: WriteOptions = {}): Promise<WriteOutcome> {
  const { plans, errors } = planWrites(ws, changes);
  const written: string[] = [];
  const notWritten: string[] = [];
  for (const plan of plans) {
    await new Promise((resolve) => setTimeout(resolve, options.pauseMs ?? 0));
    if (options.stopRequested?.()) {
      notWritten.push(plan.change.path);
      continue;
    }
    writePlanned(plan, written, errors);
  }
  return { written, errors, notWritten };
}

interface PlannedWrite {
  change: FileChange;
  target: string;
  mode: number | undefined;
}

function writePlanned(plan: PlannedWrite, written: string[], errors: Diagnostic[]): void {
  const bytes = Buffer.from((plan.change.bom ? '\uFEFF' : '') + plan.change.after, 'utf8');
  try {
    removeStaleTemps(plan.target);
    atomicWrite(plan.target, bytes, plan.mode, plan.change.before === undefined);
    written.push(plan.change.path);
  } catch (e) {
    errors.push({ file: plan.change.path, kind: 'write-error', message: `${plan.change.path}: write failed (${(e as NodeJS.ErrnoException).code ?? String(e)}); left as it was` });
  }
}

/** Check every change before writing any, so a refusal leaves the tree untouched. */
function planWrites(ws: Workspace, changes: readonly FileChange[]): { plans: PlannedWrite[]; errors: Diagnostic[] } {
  const errors: Diagnostic[] = [];
  const fail = (file: string, message: string): void => {
    errors.push({ file, kind: 'write-error', message: `${file}: ${message}` });
  };
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
    if (change.before === undefined) {
      if (exists(abs)) {
        fail(change.path, 'appeared on disk since the run started; not overwritten');
        continue;
      }
      plans.push({ change, target: abs, mode: undefined });
      continue;
    }
    let target = abs;
    try {
      if (lstatSync(abs).isSymbolicLink()) {
        target = realpathSync(abs);
        if (!ws.insideRealRoot(target)) {
          fail(change.path, 'is a symbolic link that points outside the root; not written');
          continue;
        }
      }
      const current = readFileSync(target);
      const original = ws.originalBytes(change.path);
      if (!original || !current.equals(original)) {
        fail(change.path, 'changed on disk since it was read; not written');
        continue;
      }
      plans.push({ change, target, mode: statSync(target).mode & 0o7777 });
    } catch (e) {
      fail(change.path, `cannot be read back (${(e as NodeJS.ErrnoException).code ?? String(e)}); not written`);
    }
  }
  return { plans, errors };
}

/**
 * Temp files a killed run (SIGKILL between write and rename) left beside `target`: removed when
 * the process that made them is gone. They never replaced the file, so nothing is lost.
 */
function removeStaleTemps(target: string): void {
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
    if (!Number.isInteger(pid) || pid === process.pid || processAlive(pid)) continue;
    unlinkSafe(path.join(dir, name));
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
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

function atomicWrite(target: string, bytes: Buffer, mode: number | undefined, create: boolean): void {
  const dir = path.dirname(target);
  if (create) mkdirSync(dir, { recursive: true });
  const tmp = path.join(dir, `.${path.basename(target)}.autopack-fix-${process.pid}-${randomBytes(4).toString('hex')}.tmp`);
  const fd = openSync(tmp, 'wx', mode ?? 0o644);
  try {
    let off = 0;
    while (off < bytes.length) off += writeSync(fd, bytes, off, bytes.length - off);
    fsyncSync(fd);
  } catch (e) {
    closeSync(fd);
    unlinkSafe(tmp);
    throw e;
  }
  closeSync(fd);
  try {
    if (mode !== undefined) chmodSync(tmp, mode);
    if (create) {
      // link() fails if the target exists: a file created meanwhile is never overwritten.
      linkSync(tmp, target);
      unlinkSafe(tmp);
    } else {
      renameSync(tmp, target);
    }
  } catch (e) {
    unlinkSafe(tmp);
    throw e;
  }
}

function unlinkSafe(p: string): void {
  try {
    unlinkSync(p);
  } catch {
    /* already gone */
  }
}
