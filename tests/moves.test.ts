/**
 * A fix that moves files (Fix.moves), end to end: what the engine refuses (a move and an edit of
 * the same path, two moves to one target, a target that exists, a symbolic link), the view after
 * a move, the proof, the git rename in the dry-run diff (applied with `git apply`), the write
 * (link then unlink: never over an existing file, rolled back with its group, journalled and
 * put back after a kill), and the branch builder's commit, which git records as a rename.
 */
import { describe, it, expect, afterAll } from 'vitest';
import { existsSync, mkdirSync, readFileSync, statSync, symlinkSync, writeFileSync, linkSync, openSync, unlinkSync } from 'node:fs';
import path from 'node:path';
import { Workspace } from '../src/workspace/workspace.js';
import { applyFix, run } from '../src/engine/run.js';
import { restoreFile, writeChanges, removeEmptyDirs, type WriteFs } from '../src/engine/write.js';
import { recoverJournals } from '../src/engine/journal.js';
import { unifiedDiff } from '../src/report/diff.js';
import type { Fix, Safety } from '../src/model/types.js';
import type { Rule } from '../src/model/rule.js';
import { gitIn, removeDir, repoFrom, tempDir } from './helpers/repo.js';
import { buildFixes } from '../src/pipeline/branch.js';
import { jsonReport } from '../src/report/json.js';
import { sarifLog } from '../src/report/sarif.js';
import { BOT_IDENTITY } from '../src/git/identity.js';

const SAFE = new Set<Safety>(['safe']);
const cleanup: string[] = [];
afterAll(() => cleanup.forEach(removeDir));

function source(files: Record<string, string | Buffer>): string {
  const dir = tempDir();
  cleanup.push(dir);
  for (const [p, content] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, p)), { recursive: true });
    writeFileSync(path.join(dir, p), content);
  }
  return dir;
}

function repo(files: Record<string, string | Buffer>): string {
  const dir = repoFrom(source(files));
  cleanup.push(dir);
  return dir;
}

const move = (from: string, to: string, extra: Partial<Fix> = {}): Fix => ({ safety: 'safe', description: `move ${from}`, edits: [], moves: [{ from, to }], ...extra });

/** Reports every root-level `*.db` and moves it to `archive/`, with a note beside it. */
const archiveRule: Rule = {
  meta: { id: 'archive-db', seedIds: [], summary: 'archive databases', defaultSeverity: 'warning', fixable: 'safe' },
  async check({ workspace }) {
    return workspace.paths
      .filter((p) => /^[^/]+\.db$/.test(p))
      .map((p) => ({ file: p, offset: 0, message: `stray ${p}`, key: p, fix: move(p, `archive/${p}`, { creates: [{ file: `archive/${p}.md`, content: `moved from ${p}\n` }] }) }));
  },
};

describe('what a move may not do', () => {
  const ws = Workspace.fromFiles('/r', { 'a.txt': 'a\n', 'b.txt': 'b\n', 'dir/c.txt': 'c\n' });
  const reason = (fix: Fix): string => {
    const r = applyFix(ws, fix);
    return r.ok ? 'applied' : r.reason;
  };

  it('moves a file: the source is gone, the target has its text, the folders follow', () => {
    const r = applyFix(ws, move('a.txt', 'old/a.txt'));
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.view.has('a.txt')).toBe(false);
    expect(r.view.probe('old/a.txt')?.text).toBe('a\n');
    expect(r.view.hasDir('old')).toBe(true);
    expect(r.view.movesSince(ws)).toEqual([{ from: 'a.txt', to: 'old/a.txt' }]);
    expect(r.view.changedSince(ws)).toEqual([]);
    // A moved file keeps its bytes: no later fix edits it in the same run.
    expect(applyFix(r.view, { safety: 'safe', description: 'edit', edits: [{ file: 'old/a.txt', start: 0, end: 1, text: 'A' }] }).ok).toBe(false);
  });

  it('refuses a target that exists, a file or a folder', () => {
    expect(reason(move('a.txt', 'b.txt'))).toBe('b.txt already exists; a move never overwrites');
    expect(reason(move('a.txt', 'dir'))).toBe('dir already exists; a move never overwrites');
    expect(reason(move('a.txt', 'b.txt/a.txt'))).toBe('b.txt/a.txt: b.txt is a file');
  });

  it('refuses two moves to one target, a file moved twice, and a chain', () => {
    expect(reason({ ...move('a.txt', 'x.txt'), moves: [{ from: 'a.txt', to: 'x.txt' }, { from: 'b.txt', to: 'x.txt' }] })).toBe('two files are moved to x.txt');
    expect(reason({ ...move('a.txt', 'x.txt'), moves: [{ from: 'a.txt', to: 'x.txt' }, { from: 'a.txt', to: 'y.txt' }] })).toBe('a.txt is moved twice');
    expect(reason({ ...move('a.txt', 'x.txt'), moves: [{ from: 'a.txt', to: 'x.txt' }, { from: 'x.txt', to: 'y.txt' }] })).toBe('x.txt is both the source and the target of a move');
  });

  it('refuses a move of a file the fix also edits or creates, and a creation at the target', () => {
    expect(reason(move('a.txt', 'x.txt', { edits: [{ file: 'a.txt', start: 0, end: 1, text: 'A' }] }))).toBe('a.txt is both moved and edited or created by the fix');
    expect(reason(move('a.txt', 'x.txt', { creates: [{ file: 'x.txt', content: 'x' }] }))).toBe('x.txt is both moved and edited or created by the fix');
    // A note beside the moved file is fine.
    expect(reason(move('a.txt', 'x/a.txt', { creates: [{ file: 'x/NOTE.md', content: 'moved\n' }] }))).toBe('applied');
  });

  it('refuses paths that leave the root, and a file that is not there', () => {
    expect(reason(move('a.txt', '../a.txt'))).toMatch(/not a plain path inside the root/);
    expect(reason(move('/etc/passwd', 'x'))).toMatch(/not a plain path inside the root/);
    expect(reason(move('nope.txt', 'x.txt'))).toMatch(/^nope\.txt is not a file of the workspace that can be moved/);
  });

  it('refuses a symbolic link and a target that is on disk though git ignores it', async () => {
    const root = repo({ 'a.db': 'x', '.gitignore': 'ignored.db\n', 'ignored.db': 'mine' });
    symlinkSync('a.db', path.join(root, 'link.db'));
    const disk = await Workspace.open(root);
    const r1 = applyFix(disk, move('link.db', 'archive/link.db'));
    expect(r1.ok ? '' : r1.reason).toMatch(/^link\.db is not a file of the workspace that can be moved/);
    const r2 = applyFix(disk, move('a.db', 'ignored.db'));
    expect(r2.ok ? '' : r2.reason).toBe('ignored.db already exists; a move never overwrites');
  });
});

describe('a run with a move', () => {
  it('proves the move, lists it as one change, and a second run has nothing to do', async () => {
    const ws = Workspace.fromFiles('/r', { 'app.db': 'SQLite format 3\n', 'keep.txt': 'k\n' });
    const result = await run(ws, { rules: [archiveRule], apply: SAFE });
    expect(result.findings.map((f) => f.fixStatus)).toEqual(['applied']);
    expect(result.changes.map((c) => [c.path, c.movedFrom ?? null, c.linked ?? []])).toEqual([
      ['archive/app.db', 'app.db', ['archive/app.db.md']],
      ['archive/app.db.md', null, ['archive/app.db']],
    ]);
    expect(result.remaining).toEqual([]);
    expect(result.final.paths).toEqual(['archive/app.db', 'archive/app.db.md', 'keep.txt']);
  });

  it('drops a fix whose move leaves the rule firing', async () => {
    const stubborn: Rule = {
      meta: { id: 'stubborn', seedIds: [], summary: '', defaultSeverity: 'warning', fixable: 'safe' },
      async check({ workspace }) {
        return workspace.paths.filter((p) => p.endsWith('.db')).map(() => ({ file: 'a.db', offset: 0, message: 'a db somewhere', key: 'any-db', fix: workspace.has('a.db') ? move('a.db', 'b.db') : null }));
      },
    };
    const result = await run(Workspace.fromFiles('/r', { 'a.db': 'x' }), { rules: [stubborn], apply: SAFE });
    expect(result.changes).toEqual([]);
    expect(result.diagnostics.map((d) => d.message)).toEqual(['fix dropped: the rule still reports the problem after the fix (a db somewhere)']);
  });

  it('takes only one of two fixes that move to the same target in a pass', async () => {
    const both: Rule = {
      meta: { id: 'both', seedIds: [], summary: '', defaultSeverity: 'warning', fixable: 'safe' },
      async check({ workspace }) {
        return ['a.db', 'b.db'].filter((p) => workspace.has(p)).map((p) => ({ file: p, offset: 0, message: p, key: p, fix: move(p, 'archive/x.db') }));
      },
    };
    const result = await run(Workspace.fromFiles('/r', { 'a.db': 'a', 'b.db': 'b' }), { rules: [both], apply: SAFE });
    expect(result.changes.map((c) => [c.movedFrom, c.path])).toEqual([['a.db', 'archive/x.db']]);
    // The second pass re-derives b.db's fix, which now meets an existing target.
    expect(result.diagnostics.map((d) => d.message)).toEqual(['fix dropped: archive/x.db already exists; a move never overwrites']);
  });
});

describe('the dry-run diff of a move', () => {
  it('is a git rename with no hunk, for text and binary files, and git apply performs it', async () => {
    const binary = Buffer.from([0x53, 0x51, 0x4c, 0x00, 0xff, 0xfe, 0x01]);
    const root = repo({ 'app.db': binary, 'notes.txt': 'hello\n' });
    const ws = await Workspace.open(root);
    const rule: Rule = { ...archiveRule, check: async (ctx) => [...(await archiveRule.check(ctx)), ...(ctx.workspace.has('notes.txt') ? [{ file: 'notes.txt', offset: 0, message: 'n', key: 'n', fix: move('notes.txt', 'archive/notes.txt') }] : [])] };
    const result = await run(ws, { rules: [rule], apply: SAFE });
    const diff = unifiedDiff(result.changes);
    expect(diff).toContain('diff --git a/app.db b/archive/app.db\nsimilarity index 100%\nrename from app.db\nrename to archive/app.db\n');
    expect(diff).toContain('diff --git a/notes.txt b/archive/notes.txt\nsimilarity index 100%\nrename from notes.txt\nrename to archive/notes.txt\n');
    expect(diff).toContain('+++ b/archive/app.db.md\n@@ -0,0 +1,1 @@\n+moved from app.db\n');
    // Outside the repository (git apply would see it as a new file), in a folder removed after the tests.
    const patchDir = tempDir();
    cleanup.push(patchDir);
    writeFileSync(path.join(patchDir, 'moves.patch'), diff);
    gitIn(root, ['apply', path.join(patchDir, 'moves.patch')]);
    expect(existsSync(path.join(root, 'app.db'))).toBe(false);
    expect(readFileSync(path.join(root, 'archive', 'app.db')).equals(binary)).toBe(true);
    expect(readFileSync(path.join(root, 'archive', 'notes.txt'), 'utf8')).toBe('hello\n');
  });
});

describe('writing a move', () => {
  it('moves the bytes and the inode, creates the note, and removes the folder it emptied', async () => {
    const binary = Buffer.from([0, 1, 2, 3, 255]);
    const root = repo({ 'data/app.db': binary, 'keep.txt': 'k\n' });
    const before = statSync(path.join(root, 'data', 'app.db'));
    const ws = await Workspace.open(root);
    const rule: Rule = { ...archiveRule, check: async ({ workspace }) => (!workspace.has('data/app.db') ? [] : [{ file: 'data/app.db', offset: 0, message: 'm', key: 'k', fix: move('data/app.db', 'archive/app.db', { creates: [{ file: 'archive/README.md', content: 'moved\n' }] }) }]) };
    const result = await run(ws, { rules: [rule], apply: SAFE });
    const journalDir = path.join(root, '.git', 'autopack-fix');
    const outcome = writeChanges(ws, result.changes, { journalDir });
    expect(outcome.errors).toEqual([]);
    expect(outcome.written.sort()).toEqual(['archive/README.md', 'archive/app.db']);
    const after = statSync(path.join(root, 'archive', 'app.db'));
    expect(after.ino).toBe(before.ino);
    expect(readFileSync(path.join(root, 'archive', 'app.db')).equals(binary)).toBe(true);
    expect(existsSync(path.join(root, 'data'))).toBe(false);
    expect(existsSync(journalDir)).toBe(false);
    // Proof on disk: a second run has nothing left to do.
    const second = await run(await Workspace.open(root), { rules: [rule], apply: SAFE });
    expect(second.changes).toEqual([]);
  });

  it('never overwrites a target that appeared after the run, and leaves the source', async () => {
    const root = repo({ 'app.db': 'mine' });
    const ws = await Workspace.open(root);
    const result = await run(ws, { rules: [archiveRule], apply: SAFE });
    mkdirSync(path.join(root, 'archive'));
    writeFileSync(path.join(root, 'archive', 'app.db'), 'theirs');
    const outcome = writeChanges(ws, result.changes);
    expect(outcome.written).toEqual([]);
    expect(outcome.errors.map((e) => e.message)).toEqual([
      'archive/app.db: exists on disk (created meanwhile, or a file this run did not list: ignored); a move never overwrites, so nothing is moved',
      'archive/app.db.md: not written: it shares a fix with archive/app.db, which was not written',
    ]);
    expect(readFileSync(path.join(root, 'app.db'), 'utf8')).toBe('mine');
    expect(readFileSync(path.join(root, 'archive', 'app.db'), 'utf8')).toBe('theirs');
  });

  it('moves the file back when another file of its fix cannot be written', async () => {
    const root = repo({ 'app.db': 'data' });
    const ws = await Workspace.open(root);
    const result = await run(ws, { rules: [archiveRule], apply: SAFE });
    const fs: Partial<WriteFs> = {
      openSync: ((p: string, flags: string, mode?: number) => {
        if (path.basename(p).startsWith('.app.db.md.autopack-fix-')) throw Object.assign(new Error('ENOSPC'), { code: 'ENOSPC' });
        return openSync(p, flags, mode);
      }) as WriteFs['openSync'],
    };
    const outcome = writeChanges(ws, result.changes, { fs, journalDir: path.join(root, '.git', 'autopack-fix') });
    expect(outcome.written).toEqual([]);
    expect(outcome.errors.map((e) => e.message)).toEqual([
      'archive/app.db.md: write failed (ENOSPC); left as it was',
      'archive/app.db: moved back to app.db: it shares a fix with archive/app.db.md, which was not written',
    ]);
    expect(readFileSync(path.join(root, 'app.db'), 'utf8')).toBe('data');
    expect(existsSync(path.join(root, 'archive'))).toBe(false);
  });

  it('refuses a source that became a symbolic link since the run', async () => {
    const root = repo({ 'app.db': 'data', 'other.db.bak': 'other' });
    const ws = await Workspace.open(root);
    const result = await run(ws, { rules: [archiveRule], apply: SAFE });
    unlinkSync(path.join(root, 'app.db'));
    symlinkSync('other.db.bak', path.join(root, 'app.db'));
    const outcome = writeChanges(ws, result.changes);
    expect(outcome.errors[0]?.message).toBe('archive/app.db: app.db is now a symbolic link; not moved');
    expect(existsSync(path.join(root, 'archive'))).toBe(false);
  });
});

describe('a move cut by a kill', () => {
  /** The journal of a dead writer, as a SIGKILL after the link (and maybe the unlink) leaves it. */
  function killed(root: string, unlinked: boolean): string {
    mkdirSync(path.join(root, 'archive'));
    linkSync(path.join(root, 'app.db'), path.join(root, 'archive', 'app.db'));
    const st = statSync(path.join(root, 'app.db'), { bigint: true });
    if (unlinked) unlinkSync(path.join(root, 'app.db'));
    const journalDir = path.join(root, '.git', 'autopack-fix');
    mkdirSync(journalDir);
    const rootStat = statSync(root, { bigint: true });
    writeFileSync(
      path.join(journalDir, 'journal-999999-00000001.json'),
      JSON.stringify({ pid: 999999, root, dir: journalDir, rootId: `${rootStat.dev}:${rootStat.ino}`, entries: [{ path: 'archive/app.db', original: null, fixed: `${st.dev}:${st.ino}:${st.size}:${st.mtimeNs}`, movedFrom: 'app.db', createdDirs: ['archive'] }] }),
    );
    return journalDir;
  }
  const hooks = (root: string) => ({ root, restore: restoreFile, removeEmptyDirs });

  it('after the unlink: the file gets its old name back', () => {
    const root = repo({ 'app.db': 'data' });
    const journalDir = killed(root, true);
    const notes = recoverJournals(journalDir, hooks(root));
    expect(notes.map((n) => n.message)).toEqual(['a run killed while writing a multi-file fix (pid 999999) left it half-done: put back archive/app.db']);
    expect(readFileSync(path.join(root, 'app.db'), 'utf8')).toBe('data');
    expect(existsSync(path.join(root, 'archive'))).toBe(false);
    expect(existsSync(journalDir)).toBe(false);
  });

  it('between the link and the unlink: the new name goes', () => {
    const root = repo({ 'app.db': 'data' });
    const journalDir = killed(root, false);
    recoverJournals(journalDir, hooks(root));
    expect(readFileSync(path.join(root, 'app.db'), 'utf8')).toBe('data');
    expect(existsSync(path.join(root, 'archive', 'app.db'))).toBe(false);
  });

  it('a file put at the new name since is not touched', () => {
    const root = repo({ 'app.db': 'data' });
    const journalDir = killed(root, true);
    unlinkSync(path.join(root, 'archive', 'app.db'));
    // Same size as the moved file: a freed inode may be reused, its modification time differs.
    writeFileSync(path.join(root, 'archive', 'app.db'), 'mine');
    const notes = recoverJournals(journalDir, hooks(root));
    expect(notes.map((n) => n.message)).toEqual(['a run killed while writing a multi-file fix (pid 999999) left it half-done: put back nothing; left as they are: archive/app.db (changed since)']);
    expect(readFileSync(path.join(root, 'archive', 'app.db'), 'utf8')).toBe('mine');
    expect(existsSync(path.join(root, 'app.db'))).toBe(false);
  });
});

describe('a move on a branch', () => {
  it('commits the move as a git rename', async () => {
    const root = repo({ 'app.db': 'data\n', 'keep.txt': 'k\n' });
    const head = gitIn(root, ['rev-parse', 'HEAD']).trim();
    const build = await buildFixes({ repo: root, rootRel: '', start: head, selection: { rules: [archiveRule], accepted: SAFE }, identities: { author: BOT_IDENTITY, committer: BOT_IDENTITY } });
    expect(build.commits.map((c) => c.files)).toEqual([['app.db', 'archive/app.db', 'archive/app.db.md']]);
    expect(gitIn(root, ['show', '--name-status', '--format=', '-M', build.tip]).trim().split('\n').sort()).toEqual(['A\tarchive/app.db.md', 'R100\tapp.db\tarchive/app.db']);
  });
});

describe('the root as the disk has it', () => {
  it('lists ignored files beside listed ones, not folders or links; a view drops what it moved away', async () => {
    const root = repo({ '.gitignore': '*.db\n', 'app.db': 'a', 'README.md': 'r\n', 'sub/x.db': 'x' });
    symlinkSync('app.db', path.join(root, 'link.db'));
    const ws = await Workspace.open(root);
    expect(ws.rootFiles()).toEqual([
      { path: '.gitignore', listed: true },
      { path: 'app.db', listed: false },
      { path: 'README.md', listed: true },
    ]);
    expect(ws.has('app.db')).toBe(false);
    expect(ws.isMovable('app.db')).toBe(true);
    const r = applyFix(ws, move('app.db', 'archive/app.db'));
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.view.rootFiles().map((f) => f.path)).toEqual(['.gitignore', 'README.md']);
    expect(r.view.isMovable('app.db')).toBe(false);
    expect(r.view.has('archive/app.db')).toBe(true);
  });
});

describe('reports of a fix that moves files', () => {
  it('JSON lists the moves; SARIF offers no fix (it cannot say a move, and the rest alone would be wrong)', async () => {
    const ws = Workspace.fromFiles('/r', { 'app.db': 'x' });
    const result = await run(ws, { rules: [archiveRule], apply: new Set(), accepted: SAFE });
    const json = JSON.parse(jsonReport(result)) as { findings: Array<{ fix: { moves?: unknown; files: string[] } }> };
    expect(json.findings[0]?.fix).toMatchObject({ files: ['archive/app.db.md'], moves: [{ from: 'app.db', to: 'archive/app.db' }] });
    const log = sarifLog(result.findings, { rules: [archiveRule], workspace: ws, toolVersion: '1.0.0', readme: () => undefined } as Parameters<typeof sarifLog>[1]) as { runs: Array<{ results: Array<{ fixes?: unknown }> }> };
    expect(log.runs[0]?.results[0]?.fixes).toBeUndefined();
  });
});
