import { mkdtempSync, rmSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { git } from '../util/git.js';

/**
 * `-c` flags for every git command the bot runs in its worktree: no hooks (a pre-commit hook of
 * the user's repository must not rewrite or veto the bot's commits, a post-checkout hook must not
 * run on a throwaway checkout, a pre-push hook must not run the test suite from CI) and no
 * commit signing (the bot has no key; a configured `commit.gpgSign` would stall on a prompt).
 */
export const BOT_GIT_FLAGS = ['-c', 'core.hooksPath=/dev/null', '-c', 'commit.gpgSign=false', '-c', 'tag.gpgSign=false'];

const WORKTREE_PREFIX = 'autopack-fix-wt-';

/** Whether a process of that pid is running (EPERM: it runs, as another user). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Remove the worktrees that a killed run of this tool left registered in `repo` (their folder
 * named `autopack-fix-wt-<pid>-…/tree`, their owner gone), with their checkout, and unregister
 * any whose folder was deleted. Others' worktrees are never touched. Returns the folders removed.
 */
export async function pruneStaleWorktrees(repo: string): Promise<string[]> {
  const list = await git(repo, ['worktree', 'list', '--porcelain']);
  if (list.code !== 0) return [];
  const removed: string[] = [];
  for (const line of list.stdout.split('\n')) {
    if (!line.startsWith('worktree ')) continue;
    const dir = line.slice('worktree '.length);
    const owner = new RegExp(`(?:^|[\\/])${WORKTREE_PREFIX}(\\d+)-[^\\/]+[\\/]tree$`).exec(dir);
    if (!owner || alive(Number(owner[1]))) continue;
    // --force twice: also when the killed run left the worktree locked or its index.lock behind.
    await git(repo, ['worktree', 'remove', '--force', '--force', dir]);
    rmSync(path.dirname(dir), { recursive: true, force: true });
    removed.push(dir);
  }
  await git(repo, ['worktree', 'prune']);
  return removed;
}

/** Environment for a checkout that must not download LFS objects nor prompt. */
const CHECKOUT_ENV = { GIT_LFS_SKIP_SMUDGE: '1' };

/**
 * Run `fn` in a temporary, detached worktree of `repo` at `commit`, and always remove it
 * afterwards (on success, on an exception, and on SIGINT/SIGTERM). The user's checkout, index,
 * current branch and refs are never touched: a detached worktree moves no branch, and the branch
 * itself is only created or moved afterwards, by the caller, with a compare-and-swap update.
 */
export async function withWorktree<T>(repo: string, commit: string, fn: (dir: string) => Promise<T>): Promise<T> {
  await pruneStaleWorktrees(repo);
  // The owner's pid in the name lets a later run tell a killed run's worktree from a live one.
  const parent = mkdtempSync(path.join(tmpdir(), `${WORKTREE_PREFIX}${process.pid}-`));
  const dir = path.join(parent, 'tree');
  const cleanup = (): void => {
    cleaned = true;
    // Synchronous so it also works from a signal handler.
    try {
      execFileSync('git', ['worktree', 'remove', '--force', dir], { cwd: repo, stdio: 'ignore' });
    } catch {
      /* it may not exist (add failed) or already be gone */
    }
    rmSync(parent, { recursive: true, force: true });
    try {
      execFileSync('git', ['worktree', 'prune'], { cwd: repo, stdio: 'ignore' });
    } catch {
      /* best effort */
    }
  };
  let cleaned = false;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (!cleaned) cleanup();
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
    process.kill(process.pid, signal);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    const add = await git(repo, [...BOT_GIT_FLAGS, 'worktree', 'add', '--detach', '--quiet', dir, commit], { env: CHECKOUT_ENV });
    if (add.code !== 0) throw new Error(`git worktree add failed: ${add.stderr.trim() || `exit ${add.code}`}`);
    return await fn(dir);
  } finally {
    cleanup();
    // Test seam: a signal that arrives just as the work is done (the race a kill loop found).
    if (process.env.AUTOPACK_FIX_TEST_SIGNAL_AT_CLEANUP) process.kill(process.pid, process.env.AUTOPACK_FIX_TEST_SIGNAL_AT_CLEANUP as NodeJS.Signals);
    // A signal the OS has delivered but whose listener has not run yet is dropped when the
    // listener goes: keep the listeners one turn of the event loop longer, so it runs (and the
    // run ends as the signal asks) rather than being swallowed.
    await new Promise((resolve) => setTimeout(resolve, 20));
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
  }
}
