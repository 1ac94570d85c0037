import { describe, it, expect, afterAll } from 'vitest';
import { mkdirSync, writeFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { gitIn, removeDir, tempDir } from './helpers/repo.js';
import { changedFilesKeep, changedSince, ChangedSinceError } from '../src/git/changed.js';
import type { Finding } from '../src/model/types.js';

const cleanup: string[] = [];
afterAll(() => cleanup.forEach(removeDir));

function write(dir: string, files: Record<string, string>): void {
  for (const [p, t] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, p)), { recursive: true });
    writeFileSync(path.join(dir, p), t);
  }
}

function repo(): string {
  const dir = tempDir('apf-changed-');
  cleanup.push(dir);
  gitIn(dir, ['init', '-q', '-b', 'main']);
  write(dir, { 'a.yml': 'a\n', 'b.md': 'b\n', 'sub/c.py': 'c\n', 'sub/d.txt': 'd\n', 'old name.md': 'same content here\n', '.gitignore': 'ignored.log\n', 'gone.txt': 'x\n' });
  gitIn(dir, ['add', '-A']);
  gitIn(dir, ['commit', '-qm', 'base']);
  gitIn(dir, ['checkout', '-qb', 'feature']);
  write(dir, { 'a.yml': 'a2\n' });
  gitIn(dir, ['commit', '-qam', 'feature change']);
  gitIn(dir, ['mv', 'old name.md', 'new name.md']);
  gitIn(dir, ['rm', '-q', 'gone.txt']);
  gitIn(dir, ['commit', '-qm', 'rename']);
  // main moves on after the branch: not part of the pull request.
  gitIn(dir, ['checkout', '-q', 'main']);
  write(dir, { 'b.md': 'b on main\n' });
  gitIn(dir, ['commit', '-qam', 'main change']);
  gitIn(dir, ['checkout', '-q', 'feature']);
  // Working tree: staged, unstaged, untracked, ignored.
  write(dir, { 'sub/c.py': 'c2\n', 'sub/new.sh': 'n\n', 'ignored.log': 'x\n', 'sub/d.txt': 'd2\n' });
  gitIn(dir, ['add', 'sub/d.txt']);
  return dir;
}

describe('--changed-since', () => {
  it('lists files changed since the merge-base, plus untracked; not what moved on the ref, not ignored or deleted files', async () => {
    const dir = repo();
    expect([...(await changedSince(dir, 'main'))].sort()).toEqual(['a.yml', 'new name.md', 'sub/c.py', 'sub/d.txt', 'sub/new.sh']);
  });

  it('gives paths relative to a root below the top-level, limited to it', async () => {
    const dir = repo();
    expect([...(await changedSince(path.join(dir, 'sub'), 'main'))].sort()).toEqual(['c.py', 'd.txt', 'new.sh']);
  });

  it('fails for an unknown ref, outside git, and for unrelated histories', async () => {
    const dir = repo();
    await expect(changedSince(dir, 'no-such-branch')).rejects.toThrow(new ChangedSinceError('--changed-since: unknown revision no-such-branch'));
    const plain = tempDir('apf-plain-');
    cleanup.push(plain);
    await expect(changedSince(plain, 'main')).rejects.toThrow(`--changed-since needs a git work tree; ${plain} is not in one`);
    gitIn(dir, ['checkout', '-q', '--orphan', 'island']);
    gitIn(dir, ['rm', '-rqf', '.']);
    rmSync(path.join(dir, 'sub'), { recursive: true, force: true });
    write(dir, { 'z.txt': 'z\n' });
    gitIn(dir, ['add', '-A']);
    gitIn(dir, ['commit', '-qm', 'island']);
    await expect(changedSince(dir, 'main')).rejects.toThrow('--changed-since: HEAD and main have no common ancestor');
  });

  it('keeps only findings in those files', () => {
    const keep = changedFilesKeep(new Set(['a.yml']));
    const f = (file: string): Finding => ({ ruleId: 'r', seedIds: [], severity: 'error', file, line: 1, column: 1, message: '', key: '', fix: null });
    expect([keep(f('a.yml'), {} as never), keep(f('b.md'), {} as never)]).toEqual([true, false]);
  });
});
