/** The git history provider: what became of paths that no longer exist. */
import { describe, it, expect, afterAll, beforeAll } from 'vitest';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { distinctBody as body, gitIn, moveAt as move, removeDir, tempDir, writeAt as write } from './helpers/repo.js';
import { Workspace } from '../src/workspace/workspace.js';
import { GitHistory, parseDiffTree, type PathHistory } from '../src/workspace/history.js';

const cleanup: string[] = [];
afterAll(() => cleanup.forEach(removeDir));

let day = 0;
function commit(root: string, message: string): string {
  day++;
  const date = `2024-01-${String(day).padStart(2, '0')}T12:00:00Z`;
  gitIn(root, ['add', '-A']);
  execCommit(root, message, date);
  return gitIn(root, ['rev-parse', '--short', 'HEAD']).trim();
}

function execCommit(root: string, message: string, date: string): void {
  gitIn(root, ['commit', '-q', '--allow-empty', '-m', message], undefined, { GIT_AUTHOR_DATE: date, GIT_COMMITTER_DATE: date });
}

const ask = async (ws: Workspace, p: string, dir = false): Promise<PathHistory> => {
  const h = await ws.gitHistory();
  return (await h.lookup([{ path: p, dir }])).get(dir ? `${p}/` : p) as PathHistory;
};

describe('git history of missing paths', () => {
  let root: string;
  const c: Record<string, string> = {};

  beforeAll(() => {
    root = tempDir();
    cleanup.push(root);
    gitIn(root, ['init', '-q', '-b', 'main']);
    for (const f of ['docs/setup.md', 'a.md', 'x.md', 'old.md', 'keep.md', 'img/a.png', 'img/sub/b.png', 'tmp/one.txt', 'tmp/two.txt', 'split/p.md', 'split/q.md', 'pkg/__init__.py.txt']) write(root, f, body(f));
    write(root, 'empty/marker', '');
    c.init = commit(root, 'init');
    move(root, 'docs/setup.md', 'docs/guides/setup.md');
    c.rename = commit(root, 'move setup');
    move(root, 'a.md', 'b.md');
    c.ab = commit(root, 'a to b');
    move(root, 'b.md', 'c/d.md');
    c.bc = commit(root, 'b to c/d');
    move(root, 'x.md', 'y.md');
    c.xy = commit(root, 'x to y');
    rmSync(path.join(root, 'y.md'));
    c.ydel = commit(root, 'drop y');
    rmSync(path.join(root, 'old.md'));
    write(root, 'elsewhere/old.md', body('a different old.md'));
    c.olddel = commit(root, 'drop old.md, add an unrelated namesake');
    move(root, 'img', 'assets/img');
    c.img = commit(root, 'move images');
    rmSync(path.join(root, 'tmp'), { recursive: true });
    c.tmp = commit(root, 'drop tmp');
    move(root, 'split/p.md', 'one/p.md');
    move(root, 'split/q.md', 'two/q.md');
    c.split = commit(root, 'split a folder');
    move(root, 'empty/marker', 'full/marker');
    c.empty = commit(root, 'move an empty file');
  });

  it('follows a rename to the path that exists today', async () => {
    const ws = await Workspace.open(root);
    expect(await ask(ws, 'docs/setup.md')).toEqual({ status: 'renamed', successor: 'docs/guides/setup.md', steps: [{ from: 'docs/setup.md', to: 'docs/guides/setup.md', commit: { sha: expect.any(String), short: c.rename, date: '2024-01-02' } }] });
  });

  it('follows a chain of renames a → b → c/d', async () => {
    const ws = await Workspace.open(root);
    const h = await ask(ws, 'a.md');
    expect(h.status).toBe('renamed');
    if (h.status !== 'renamed') return;
    expect(h.successor).toBe('c/d.md');
    expect(h.steps.map((s) => [s.from, s.to, s.commit.short])).toEqual([
      ['a.md', 'b.md', c.ab],
      ['b.md', 'c/d.md', c.bc],
    ]);
  });

  it('gives no successor to a chain that ends in a deletion', async () => {
    const ws = await Workspace.open(root);
    const h = await ask(ws, 'x.md');
    expect(h).toMatchObject({ status: 'renamed', successor: undefined, deleted: { short: c.ydel, date: '2024-01-06' } });
  });

  it('says a file was deleted, with the commit and date, even when a namesake exists', async () => {
    const ws = await Workspace.open(root);
    expect(await ask(ws, 'old.md')).toEqual({ status: 'deleted', commit: { sha: expect.any(String), short: c.olddel, date: '2024-01-07' } });
  });

  it('says a path never existed', async () => {
    const ws = await Workspace.open(root);
    expect(await ask(ws, 'plans/next.md')).toEqual({ status: 'never' });
    expect(await ask(ws, 'plans', true)).toEqual({ status: 'never' });
  });

  it('moves a directory whose files all went into one new directory', async () => {
    const ws = await Workspace.open(root);
    expect(await ask(ws, 'img', true)).toMatchObject({ status: 'renamed', successor: 'assets/img', steps: [{ from: 'img', to: 'assets/img' }] });
    expect(await ask(ws, 'img/sub', true)).toMatchObject({ status: 'renamed', successor: 'assets/img/sub' });
  });

  it('says a directory was deleted, and that one split up has no successor', async () => {
    const ws = await Workspace.open(root);
    expect(await ask(ws, 'tmp', true)).toMatchObject({ status: 'deleted', commit: { short: c.tmp } });
    expect(await ask(ws, 'split', true)).toMatchObject({ status: 'unknown', reason: expect.stringContaining('different places') });
  });

  it('does not take the move of an empty file for a rename', async () => {
    const ws = await Workspace.open(root);
    expect(await ask(ws, 'empty/marker')).toMatchObject({ status: 'deleted', commit: { short: c.empty } });
  });

  it('answers a large batch with one walk and the same answers', async () => {
    const ws = await Workspace.open(root);
    const h = await ws.gitHistory();
    const queries = ['docs/setup.md', 'a.md', 'x.md', 'old.md', 'plans/next.md', 'empty/marker', 'nope/1.md', 'nope/2.md'].map((p) => ({ path: p, dir: false }));
    const answers = await h.lookup([...queries, { path: 'img', dir: true }]);
    expect(answers.get('docs/setup.md')).toMatchObject({ status: 'renamed', successor: 'docs/guides/setup.md' });
    expect(answers.get('a.md')).toMatchObject({ status: 'renamed', successor: 'c/d.md' });
    expect(answers.get('x.md')).toMatchObject({ status: 'renamed', successor: undefined });
    expect(answers.get('old.md')).toMatchObject({ status: 'deleted' });
    expect(answers.get('plans/next.md')).toEqual({ status: 'never' });
    expect(answers.get('empty/marker')).toMatchObject({ status: 'deleted' });
    expect(answers.get('img/')).toMatchObject({ status: 'renamed', successor: 'assets/img' });
  });

  it('answers for a workspace rooted in a subdirectory, in its own paths', async () => {
    const ws = await Workspace.open(path.join(root, 'docs'));
    expect(await ask(ws, 'setup.md')).toMatchObject({ status: 'renamed', successor: 'guides/setup.md' });
    expect(await ask(ws, 'nothing.md')).toEqual({ status: 'never' });
    // Enough paths for the full walk, limited to the subdirectory.
    const batch = await (await (await Workspace.open(path.join(root, 'docs'))).gitHistory()).lookup(['setup.md', 'a.md', 'b.md', 'c.md', 'd.md'].map((p) => ({ path: p, dir: false })));
    expect(batch.get('setup.md')).toMatchObject({ status: 'renamed', successor: 'guides/setup.md' });
    expect(batch.get('a.md')).toEqual({ status: 'never' });
    const repo = tempDir();
    cleanup.push(repo);
    gitIn(repo, ['init', '-q']);
    write(repo, 'web/docs/a.md', body('a'));
    write(repo, 'web/README.md', body('readme'));
    commit(repo, 'init');
    move(repo, 'web/docs/a.md', 'docs/a.md');
    commit(repo, 'move a out of web');
    // Moved out of the folder being checked: no successor inside it.
    expect(await ask(await Workspace.open(path.join(repo, 'web')), 'docs/a.md')).toMatchObject({ status: 'unknown', reason: expect.stringContaining('out of the folder') });
  });

  it('says unknown for a shallow clone that does not reach back far enough', async () => {
    const shallow = tempDir();
    cleanup.push(shallow);
    rmSync(shallow, { recursive: true, force: true });
    gitIn(root, ['clone', '-q', '--depth', '2', `file://${root}`, shallow]);
    const ws = await Workspace.open(shallow);
    expect(await ask(ws, 'docs/setup.md')).toMatchObject({ status: 'unknown', reason: expect.stringContaining('shallow') });
    expect(await ask(ws, 'plans/next.md')).toMatchObject({ status: 'unknown', reason: expect.stringContaining('shallow') });
    // What the clone does reach is still read.
    expect(await ask(ws, 'empty/marker')).toMatchObject({ status: 'deleted', commit: { short: c.empty } });
  });

  it('does not read the history of a partial clone (it would fetch objects)', async () => {
    const partial = tempDir();
    cleanup.push(partial);
    rmSync(partial, { recursive: true, force: true });
    gitIn(root, ['config', 'uploadpack.allowFilter', 'true']);
    gitIn(root, ['clone', '-q', '--filter=blob:none', `file://${root}`, partial]);
    expect(await ask(await Workspace.open(partial), 'docs/setup.md')).toMatchObject({ status: 'unknown', reason: expect.stringContaining('partial clone') });
  });

  it('says unknown outside git, in an empty repository, and for a path only the work tree lacks', async () => {
    const plain = tempDir();
    cleanup.push(plain);
    write(plain, 'README.md', '# x\n');
    expect(await ask(await Workspace.open(plain), 'docs/setup.md')).toEqual({ status: 'unknown', reason: 'not a git repository' });
    expect(await ask(Workspace.fromFiles('/r', { 'README.md': '' }), 'a.md')).toEqual({ status: 'unknown', reason: 'not a git repository' });
    const empty = tempDir();
    cleanup.push(empty);
    gitIn(empty, ['init', '-q']);
    expect(await ask(await Workspace.open(empty), 'a.md')).toEqual({ status: 'unknown', reason: 'the repository has no commit yet' });
    const dirty = tempDir();
    cleanup.push(dirty);
    gitIn(dirty, ['init', '-q']);
    write(dirty, 'gone.md', body('gone'));
    commit(dirty, 'add');
    rmSync(path.join(dirty, 'gone.md'));
    expect(await ask(await Workspace.open(dirty), 'gone.md')).toMatchObject({ status: 'unknown', reason: expect.stringContaining('in HEAD') });
  });

  it('distrusts a path removed in different ways on branches that never met', async () => {
    const repo = tempDir();
    cleanup.push(repo);
    gitIn(repo, ['init', '-q', '-b', 'main']);
    write(repo, 'guide.md', body('guide'));
    write(repo, 'other.md', body('other'));
    commit(repo, 'init');
    gitIn(repo, ['checkout', '-q', '-b', 'side']);
    rmSync(path.join(repo, 'guide.md'));
    commit(repo, 'side: drop guide');
    gitIn(repo, ['checkout', '-q', 'main']);
    move(repo, 'guide.md', 'docs/guide.md');
    commit(repo, 'main: move guide');
    gitIn(repo, ['merge', '-q', '--no-edit', '-s', 'ours', 'side']);
    const ws = await Workspace.open(repo);
    expect(await ask(ws, 'guide.md')).toMatchObject({ status: 'unknown', reason: expect.stringContaining('parallel branches') });
  });

  it('follows a file re-added after a rename and deleted again to its last removal', async () => {
    const repo = tempDir();
    cleanup.push(repo);
    gitIn(repo, ['init', '-q', '-b', 'main']);
    write(repo, 'notes.md', body('notes v1'));
    commit(repo, 'init');
    move(repo, 'notes.md', 'docs/notes.md');
    commit(repo, 'move');
    write(repo, 'notes.md', body('notes v2, unrelated'));
    commit(repo, 're-add');
    rmSync(path.join(repo, 'notes.md'));
    const last = commit(repo, 'drop again');
    expect(await ask(await Workspace.open(repo), 'notes.md')).toMatchObject({ status: 'deleted', commit: { short: last } });
  });
});

describe('parseDiffTree', () => {
  it('reads renames per commit and leaves out other changes and empty files', () => {
    const a = 'a'.repeat(40);
    const b = 'b'.repeat(40);
    const oid = '1'.repeat(40);
    const empty = 'e69de29bb2d1d6434b8b29ae775ad8c2e48c5391';
    const out = [a, `:100644 100644 ${oid} ${oid} R100`, 'x.md', 'y.md', `:100644 000000 ${oid} ${'0'.repeat(40)} D`, 'gone.md', b, `:100644 100644 ${empty} ${empty} R100`, 'e1', 'e2', `:100644 100644 ${oid} ${oid} M`, 'm.md', ''].join('\0');
    const parsed = parseDiffTree(out);
    expect([...(parsed.get(a)?.map ?? [])]).toEqual([['x.md', 'y.md']]);
    expect([...(parsed.get(b)?.map ?? [])]).toEqual([]);
  });

  it('answers unknown for every path when history is unavailable', async () => {
    const h = GitHistory.unavailable('because');
    expect([...(await h.lookup([{ path: 'a', dir: false }, { path: 'b', dir: true }]))]).toEqual([
      ['a', { status: 'unknown', reason: 'because' }],
      ['b/', { status: 'unknown', reason: 'because' }],
    ]);
  });
});

describe('past versions of a file', () => {
  let t = Date.parse('2024-03-01T12:00:00Z');
  // Dates of their own: the suite above counts days of January.
  const commitAt = (root: string, message: string): string => {
    t += 86_400_000;
    gitIn(root, ['add', '-A']);
    execCommit(root, message, new Date(t).toISOString());
    return gitIn(root, ['rev-parse', '--short', 'HEAD']).trim();
  };
  const versionsOf = async (dir: string, paths: string[], max?: number) => (await (await Workspace.open(dir)).gitHistory()).versions(paths, max === undefined ? {} : { max });

  it('lists every version newest first, a deletion included, side branches too', async () => {
    const repo = tempDir();
    cleanup.push(repo);
    gitIn(repo, ['init', '-q', '-b', 'main']);
    write(repo, 'README.md', '# r\n');
    commitAt(repo, 'init');
    // Created and deleted on a branch that is merged back: the default walk prunes both.
    gitIn(repo, ['checkout', '-q', '-b', 'try']);
    write(repo, '.github/dependabot.yml', 'version: 2 # npm — first try\n');
    const created = commitAt(repo, 'create');
    rmSync(path.join(repo, '.github/dependabot.yml'));
    const deleted = commitAt(repo, 'delete');
    gitIn(repo, ['checkout', '-q', 'main']);
    write(repo, 'other.txt', 'x\n');
    commitAt(repo, 'other work');
    t += 86_400_000;
    const stamp = new Date(t).toISOString();
    gitIn(repo, ['merge', '-q', '--no-ff', '--no-edit', 'try'], undefined, { GIT_AUTHOR_DATE: stamp, GIT_COMMITTER_DATE: stamp });
    write(repo, '.github/dependabot.yaml', 'version: 2 # actions ✓\n');
    const again = commitAt(repo, 'again, as .yaml');
    write(repo, '.github/dependabot.yaml', 'version: 2 # actions and pip ✓✓\n');
    const changed = commitAt(repo, 'change');
    const answer = await versionsOf(repo, ['.github/dependabot.yml', '.github/dependabot.yaml']);
    expect(answer).toEqual({
      status: 'known',
      versions: [
        { path: '.github/dependabot.yaml', commit: { sha: expect.any(String), short: changed, date: expect.any(String) }, text: 'version: 2 # actions and pip ✓✓\n' },
        { path: '.github/dependabot.yaml', commit: expect.objectContaining({ short: again }), text: 'version: 2 # actions ✓\n' },
        { path: '.github/dependabot.yml', commit: expect.objectContaining({ short: deleted }), text: undefined },
        { path: '.github/dependabot.yml', commit: expect.objectContaining({ short: created }), text: 'version: 2 # npm — first try\n' },
      ],
    });
    // Capped: the newest versions, and it says so.
    expect(await versionsOf(repo, ['.github/dependabot.yml', '.github/dependabot.yaml'], 2)).toMatchObject({
      status: 'known',
      versions: [{ commit: { short: changed } }, { commit: { short: again } }],
      incomplete: expect.stringContaining('newest 2'),
    });
    expect(await versionsOf(repo, ['never.yml'])).toEqual({ status: 'known', versions: [] });
  });

  it('reads paths from a workspace rooted in a subdirectory, and says unknown without history', async () => {
    const repo = tempDir();
    cleanup.push(repo);
    gitIn(repo, ['init', '-q', '-b', 'main']);
    write(repo, 'app/config.yml', 'a: 1\n');
    write(repo, 'config.yml', 'top: 1\n');
    const first = commitAt(repo, 'init');
    write(repo, 'app/config.yml', 'a: 2\n');
    const second = commitAt(repo, 'change');
    expect(await versionsOf(path.join(repo, 'app'), ['config.yml'])).toMatchObject({
      status: 'known',
      versions: [
        { path: 'config.yml', commit: { short: second }, text: 'a: 2\n' },
        { path: 'config.yml', commit: { short: first }, text: 'a: 1\n' },
      ],
    });
    expect(await GitHistory.unavailable('because').versions(['a'])).toEqual({ status: 'unknown', reason: 'because' });
    expect(await (await Workspace.fromFiles('/r', { 'a.yml': '' }).gitHistory()).versions(['a.yml'])).toEqual({ status: 'unknown', reason: 'not a git repository' });
  });
});
