/**
 * What `--write` must settle before it touches a file of the user's checkout: the tree is clean
 * (a dirty tree would mix the user's edits with ours and make the fixes impossible to undo with
 * git), and a multi-file fix cut short by a killed earlier run is put back whole.
 */
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import type { Diagnostic } from '../model/types.js';
import { gitDir, gitTopLevel, workingTreeState } from '../util/git.js';
import { isOwnFile } from '../workspace/enumerate.js';
import { pendingJournals, recoverJournals } from '../engine/journal.js';
import { removeEmptyDirs, restoreFile } from '../engine/write.js';
import { workTreeProblem } from '../git/work-tree.js';

/** --write refused to start; nothing was touched. */
export class WriteRefused extends Error {}

export interface PreparedWrite {
  /** Where multi-file fixes keep their undo journal. */
  journalDir: string;
  /** What the recovery of an interrupted earlier write did (or could not do). */
  recovered: Diagnostic[];
}

/**
 * Check the checkout and recover interrupted writes. `display` names the root in messages (as
 * the user typed it), `shown` formats other paths for them. Throws WriteRefused when the tree is
 * dirty, unknown, or not in git (unless `allowDirty`).
 */
export async function prepareWrite(root: string, options: { allowDirty: boolean; display: string; shown?: (p: string) => string }): Promise<PreparedWrite> {
  const top = await gitTopLevel(root);
  const journalDir = await journalDirFor(root);
  if (!options.allowDirty) {
    if (top === null) {
      // An unreadable .git is no missing repository: say what is wrong.
      const problem = await workTreeProblem(root, options.shown);
      const what = problem ? `cannot tell whether ${options.display} is inside a git work tree: ${problem.message}` : `${options.display} is not inside a git work tree`;
      throw new WriteRefused(`${what}; --write needs one to be undoable (use --allow-dirty to write anyway)`);
    }
    const state = await workingTreeState(root);
    if (state.state === 'error') throw new WriteRefused(`cannot tell whether the working tree is clean (git status failed: ${state.message}); refusing to write`);
    // Our own temp files left by a killed run do not count: the next write removes them.
    const entries = state.state === 'dirty' ? state.entries.filter((e) => !isOwnFile(e.slice(3))) : [];
    if (entries.length > 0) {
      const halfDone = pendingJournals(journalDir, root) > 0 ? '; a killed --write left a multi-file fix half-done: --allow-dirty puts it back and applies it whole' : '';
      throw new WriteRefused(`the working tree has uncommitted changes (${entries.length} path${entries.length === 1 ? '' : 's'}, e.g. ${(options.shown ?? String)(entries[0]?.slice(3) ?? '')})${halfDone}; commit or stash them, or pass --allow-dirty`);
    }
  }
  // Put back, not finished: this run then applies the fix whole — unless the user committed or
  // changed those files since (then they are theirs, and named).
  const hooks = { root, restore: restoreFile, removeEmptyDirs, ...(top ? { committed: committedIn(top) } : {}) };
  return { journalDir, recovered: recoverJournals(journalDir, hooks) };
}

/** Whether `bytes` are what HEAD holds for `target` (a file of the work tree at `top`). */
function committedIn(top: string): (target: string, bytes: Buffer) => boolean {
  return (target, bytes) => {
    const rel = path.relative(top, target).split(path.sep).join('/');
    if (rel.startsWith('..')) return false;
    try {
      const head = execFileSync('git', ['rev-parse', '--verify', '-q', `HEAD:${rel}`], { cwd: top, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
      const mine = execFileSync('git', ['hash-object', '--stdin'], { cwd: top, input: bytes, encoding: 'utf8', stdio: ['pipe', 'pipe', 'ignore'] }).trim();
      return head === mine;
    } catch {
      return false;
    }
  };
}

/** Inside the git directory when there is one: the journal must not show up as a change of the tree. */
async function journalDirFor(root: string): Promise<string> {
  const dir = await gitDir(root);
  return dir ? path.join(dir, 'autopack-fix') : path.join(root, '.autopack-fix-journal');
}
