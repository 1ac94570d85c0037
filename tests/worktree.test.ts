import { describe, expect, it } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pruneStaleWorktrees } from '../src/git/worktree.js';

const git = (cwd: string, ...args: string[]): string => execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

describe('worktrees a killed run left behind', () => {
  it('are removed with their checkout and lock when their owner is gone; live and foreign ones stay', async () => {
    const repo = mkdtempSync(path.join(tmpdir(), 'apf-wt-repo-'));
    const tmp = mkdtempSync(path.join(tmpdir(), 'apf-wt-tmp-'));
    try {
      git(repo, 'init', '-q', '-b', 'main');
      writeFileSync(path.join(repo, 'a.txt'), 'a\n');
      git(repo, 'add', '-A');
      git(repo, '-c', 'user.name=t', '-c', 'user.email=t@example.invalid', 'commit', '-qm', 'a');
      // A pid that surely ended: a child that has exited.
      const dead = spawnSync(process.execPath, ['-e', '0']).pid as number;
      const stale = path.join(tmp, `autopack-fix-wt-${dead}-abc`, 'tree');
      const live = path.join(tmp, `autopack-fix-wt-${process.pid}-def`, 'tree');
      const foreign = path.join(tmp, 'someone-else', 'tree');
      for (const dir of [stale, live, foreign]) git(repo, 'worktree', 'add', '-q', '--detach', dir, 'HEAD');
      // The kill left the worktree's index lock behind.
      const lock = path.join(repo, '.git', 'worktrees', 'tree', 'index.lock');
      writeFileSync(lock, '');
      const removed = await pruneStaleWorktrees(repo);
      expect(removed.map((d) => path.basename(path.dirname(d)))).toEqual([`autopack-fix-wt-${dead}-abc`]);
      expect(existsSync(path.dirname(stale))).toBe(false);
      const listed = git(repo, 'worktree', 'list', '--porcelain');
      expect(listed).not.toContain(stale);
      expect(listed).toContain(live);
      expect(listed).toContain(foreign);
    } finally {
      rmSync(repo, { recursive: true, force: true });
      rmSync(tmp, { recursive: true, force: true });
    }
  });
});
