/**
 * The history read ahead (GitHistory.readAhead): once docs-dead-reference finds a path missing,
 * git walks every removal while the rule reads the rest of the docs, and the lookup takes its
 * answers from that walk. What a lookup
 * answers must be what it answers without the read-ahead: at the top and below it, for files
 * and folders, renames, deletions and removals on a side branch; in a history too long to read
 * ahead; and when the read-ahead was stopped.
 */
import { describe, it, expect, afterAll, beforeAll, vi } from 'vitest';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { distinctBody as body, gitIn, moveAt as move, removeDir, tempDir, writeAt as write } from './helpers/repo.js';

// Every git process the history starts (it runs git only through this module).
const asked: string[][] = [];
vi.mock('../src/util/git.js', async (importOriginal) => {
  const real = await importOriginal<typeof import('../src/util/git.js')>();
  return {
    ...real,
    git: (dir: string, args: string[], options?: Parameters<typeof real.git>[2]) => {
      asked.push(args);
      return real.git(dir, args, options);
    },
  };
});

const { Workspace } = await import('../src/workspace/workspace.js');
const { runCli } = await import('./helpers/cli.js');
const { docsLinkMissingPath } = await import('../codemods/docs-dead-reference/detect.js');
const { docsOptions } = await import('../src/facts/docs/options.js');
const { rule: dependabotCoverage } = await import('../codemods/dependabot-coverage/index.js');

const dirs: string[] = [];
afterAll(() => dirs.forEach(removeDir));

let day = 0;
function commit(root: string, message: string): void {
  day++;
  const date = `2024-02-${String(day).padStart(2, '0')}T12:00:00Z`;
  gitIn(root, ['add', '-A']);
  gitIn(root, ['commit', '-q', '--allow-empty', '-m', message], undefined, { GIT_AUTHOR_DATE: date, GIT_COMMITTER_DATE: date });
}

/** A `git log` walk of removals: the full walk has no pathspec but the root's folder. */
const walks = (): string[][] => asked.filter((a) => a.includes('log') && a.includes('--diff-filter=D'));
const pathspecWalks = (): string[][] => walks().filter((a) => a.slice(a.indexOf('--') + 1).some((p) => p !== '.') && a.includes('--'));

/** Everything a workspace at `root` says about `paths` (file and folder), with or without the read-ahead. */
async function answers(root: string, paths: string[], ahead: 'none' | 'read' | 'stopped' | 'too long'): Promise<unknown> {
  const h = await (await Workspace.open(root)).gitHistory();
  if (ahead !== 'none') h.readAhead(ahead === 'too long' ? 2 : undefined);
  if (ahead === 'stopped') h.stopReadAhead();
  const out: Record<string, unknown> = {};
  // One at a time (pathspec walks without the read-ahead), then all at once (the full walk).
  for (const p of paths) for (const dir of [false, true]) out[`${p}${dir ? '/' : ''} alone`] = (await h.lookup([{ path: p, dir }])).get(dir ? `${p}/` : p);
  const batch = await (await (await Workspace.open(root)).gitHistory()).lookup(paths.flatMap((p) => [{ path: p, dir: false }, { path: p, dir: true }]));
  for (const [k, v] of batch) out[`${k} batch`] = v;
  return out;
}

describe('the history read ahead', () => {
  let root: string;
  const paths = ['web/docs/setup.md', 'web/a.md', 'web/gone.md', 'web/guide.md', 'web/img', 'web/never.md', 'top.md', 'web/docs'];

  beforeAll(() => {
    root = tempDir('apf-history-ahead-');
    dirs.push(root);
    gitIn(root, ['init', '-q', '-b', 'main']);
    for (const f of ['web/docs/setup.md', 'web/a.md', 'web/gone.md', 'web/guide.md', 'web/img/x.png', 'web/img/y.png', 'top.md', 'web/keep.md']) write(root, f, body(f));
    commit(root, 'init');
    move(root, 'web/docs/setup.md', 'web/guides/setup.md');
    commit(root, 'move setup');
    move(root, 'web/a.md', 'web/b.md');
    commit(root, 'a to b');
    rmSync(path.join(root, 'web/gone.md'));
    rmSync(path.join(root, 'top.md'));
    commit(root, 'drop gone and top');
    move(root, 'web/img', 'web/assets/img');
    commit(root, 'move images');
    // The guide is removed one way on a side branch and another on main; the merge keeps main's.
    gitIn(root, ['checkout', '-q', '-b', 'side']);
    rmSync(path.join(root, 'web/guide.md'));
    commit(root, 'side: drop the guide');
    gitIn(root, ['checkout', '-q', 'main']);
    move(root, 'web/guide.md', 'web/manual/guide.md');
    commit(root, 'main: move the guide');
    gitIn(root, ['merge', '-q', '--no-edit', '-s', 'ours', 'side']);
  });

  it('answers what the walks asked for answer, at the top and below it', async () => {
    for (const at of [root, path.join(root, 'web')]) {
      const local = at === root ? paths : paths.filter((p) => p.startsWith('web/')).map((p) => p.slice('web/'.length));
      const plain = await answers(at, local, 'none');
      expect(await answers(at, local, 'read')).toEqual(plain);
      expect(await answers(at, local, 'stopped')).toEqual(plain);
      expect(await answers(at, local, 'too long')).toEqual(plain);
    }
  });

  it('finds a removal on a side branch with the full walk below the top, as the pathspec walks do', async () => {
    const web = path.join(root, 'web');
    // Five paths at once: the full walk, limited to the folder.
    const batch = await (await (await Workspace.open(web)).gitHistory()).lookup(['guide.md', 'a.md', 'gone.md', 'never.md', 'docs/setup.md'].map((p) => ({ path: p, dir: false })));
    expect(batch.get('guide.md')).toMatchObject({ status: 'unknown', reason: expect.stringContaining('parallel branches') });
    const alone = await (await (await Workspace.open(web)).gitHistory()).lookup([{ path: 'guide.md', dir: false }]);
    expect(alone.get('guide.md')).toEqual(batch.get('guide.md'));
  });

  it('walks once when read ahead: a lookup of a few paths waits for the walk, not walks beside it', async () => {
    const h = await (await Workspace.open(root)).gitHistory();
    h.readAhead();
    asked.length = 0;
    await h.lookup([{ path: 'web/gone.md', dir: false }]);
    await h.lookup([{ path: 'web/a.md', dir: false }]);
    await h.lookup([{ path: 'web/never.md', dir: false }]);
    expect(pathspecWalks()).toEqual([]);
    // Without it, each of the first two is a walk of its own.
    const plain = await (await Workspace.open(root)).gitHistory();
    asked.length = 0;
    await plain.lookup([{ path: 'web/gone.md', dir: false }]);
    await plain.lookup([{ path: 'web/a.md', dir: false }]);
    expect(pathspecWalks()).toHaveLength(2);
  });

  it('starts no walk in a partial clone, whose history it does not read', async () => {
    const partial = tempDir('apf-history-ahead-partial-');
    dirs.push(partial);
    rmSync(partial, { recursive: true, force: true });
    gitIn(root, ['config', 'uploadpack.allowFilter', 'true']);
    gitIn(root, ['clone', '-q', '--filter=blob:none', `file://${root}`, partial]);
    asked.length = 0;
    const ws = await Workspace.open(partial);
    ws.readHistoryAhead();
    expect((await (await ws.gitHistory()).lookup([{ path: 'web/gone.md', dir: false }])).get('web/gone.md')).toMatchObject({ status: 'unknown', reason: expect.stringContaining('partial clone') });
    expect(walks()).toEqual([]);
    expect(asked.filter((a) => a[0] === 'rev-list' || a[0] === 'ls-tree')).toEqual([]);
  });

  it('does not keep a walk of a history longer than the cap', async () => {
    const h = await (await Workspace.open(root)).gitHistory();
    asked.length = 0;
    h.readAhead(2);
    expect((await h.lookup([{ path: 'web/gone.md', dir: false }])).get('web/gone.md')).toMatchObject({ status: 'deleted' });
    // The lookup walked for itself.
    expect(pathspecWalks()).toHaveLength(1);
  });
});

describe('what became of a folder does not depend on the questions asked before', () => {
  it('takes the same removal of two at one time, whichever file was asked about first', async () => {
    const repo = tempDir('apf-history-ties-');
    dirs.push(repo);
    gitIn(repo, ['init', '-q', '-b', 'main']);
    for (const f of ['old/a.md', 'old/b.md', 'old/c.md', 'keep.md']) write(repo, f, body(f));
    commit(repo, 'init');
    // Two commits at one second: one moves a file out of old/, the other deletes one.
    const at = { GIT_AUTHOR_DATE: '2024-03-01T12:00:00Z', GIT_COMMITTER_DATE: '2024-03-01T12:00:00Z' };
    move(repo, 'old/a.md', 'new/a.md');
    gitIn(repo, ['add', '-A']);
    gitIn(repo, ['commit', '-q', '-m', 'move a'], undefined, at);
    rmSync(path.join(repo, 'old/b.md'));
    gitIn(repo, ['add', '-A']);
    gitIn(repo, ['commit', '-q', '-m', 'drop b'], undefined, at);
    move(repo, 'old/c.md', 'new/c.md');
    gitIn(repo, ['add', '-A']);
    gitIn(repo, ['commit', '-q', '-m', 'move c'], undefined, at);
    const folder = async (first: string[]): Promise<unknown> => {
      const h = await (await Workspace.open(repo)).gitHistory();
      for (const p of first) await h.lookup([{ path: p, dir: false }]);
      return (await h.lookup([{ path: 'old', dir: true }])).get('old/');
    };
    const plain = await folder([]);
    for (const first of [['old/a.md'], ['old/b.md'], ['old/c.md'], ['old/c.md', 'old/b.md']]) expect(await folder(first)).toEqual(plain);
  });
});

describe('a run reads the history ahead once a doc names a missing path', () => {
  it('walks while the docs are read when one names a missing path, and runs no git for the history otherwise', async () => {
    const repo = tempDir('apf-history-ahead-run-');
    dirs.push(repo);
    gitIn(repo, ['init', '-q', '-b', 'main']);
    write(repo, 'README.md', '# demo\n\nSee [the manual](docs/manual.md).\n');
    write(repo, 'docs/manual.md', body('manual'));
    write(repo, 'docs/later.md', '# later\n\nSee [the guide](guide.md).\n');
    write(repo, 'docs/guide.md', body('guide'));
    commit(repo, 'init');
    asked.length = 0;
    const history = (): string[][] => asked.filter((a) => a[0] === 'rev-list' || (a[0] === 'rev-parse' && a.includes('--is-shallow-repository')) || walks().includes(a));
    // Nothing missing: the history is never opened.
    expect(JSON.parse((await runCli([repo, '--format', 'json', '--no-cache', '--select', 'docs-dead-reference'])).stdout).findings).toEqual([]);
    expect(history()).toEqual([]);
    move(repo, 'docs/guide.md', 'docs/handbook.md');
    commit(repo, 'rename the guide');
    asked.length = 0;
    const found = JSON.parse((await runCli([repo, '--format', 'json', '--no-cache', '--select', 'docs-dead-reference'])).stdout).findings;
    // Read ahead: counted, and walked once, without pathspecs.
    expect(asked.filter((a) => a[0] === 'rev-list' && a.includes('--count'))).toHaveLength(1);
    expect(walks()).toHaveLength(1);
    expect(pathspecWalks()).toEqual([]);
    // And the rule says what it says without: the rename is followed.
    expect(found).toMatchObject([{ ruleId: 'docs-dead-reference', file: 'docs/later.md', fix: { safety: 'safe' } }]);
  });
});

describe('the guess that a doc names a missing path', () => {
  const guess = (files: Record<string, string>): boolean => docsLinkMissingPath(Workspace.fromFiles('/r', files), docsOptions({}));

  it('is made by a relative link to a path that does not exist, from the doc or the root', () => {
    expect(guess({ 'docs/a.md': 'See [setup](setup.md).\n' })).toBe(true);
    expect(guess({ 'docs/a.md': 'See [setup](../guide/setup.md#install).\n', 'docs/setup.md': '' })).toBe(true);
    expect(guess({ 'README.md': 'See [the %E2%9C%93 list](docs/%E2%9C%93.md).\n', 'docs/x.md': '' })).toBe(true);
  });

  it('is not made by links that exist or are not paths in the repository', () => {
    const text = [
      'See [setup](setup.md), [the folder](guides/), [an anchor](#install), [the site](https://example.com/x.md),',
      '[mail](mailto:a@b.c), [absolute](/docs/route), [outside](../../elsewhere.md), [query](setup.md?raw=1),',
      '[encoded](%E2%9C%93.md), [angle](<setup.md>), and text with ] (not a link).',
    ].join('\n');
    expect(guess({ 'docs/a.md': text, 'docs/setup.md': '', 'docs/guides/one.md': '', 'docs/✓.md': '' })).toBe(false);
    // Not a doc the rule reads: a changelog.
    expect(guess({ 'CHANGELOG.md': 'See [old](removed.md).\n' })).toBe(false);
  });

  it('is made by a code span that reads as a path with a folder, found neither from the doc nor from the root', () => {
    expect(guess({ 'docs/a.md': 'Edit `config/app.yaml` first.\n' })).toBe(true);
    expect(guess({ 'docs/a.md': 'The code lives in `src/backend/`.\n' })).toBe(true);
    expect(guess({ 'docs/a.md': 'Run `./scripts/setup.sh`.\n' })).toBe(true);
  });

  it('is not made by code spans that exist from the doc or the root, or are no relative paths', () => {
    const text = 'Edit `config/app.yaml`, `guides/one.md` and `src/`; not `/etc/hosts`, `https://x.y/z`, `npm run build`, `a / b`, `plain`.\n';
    expect(guess({ 'docs/a.md': text, 'config/app.yaml': '', 'docs/guides/one.md': '', 'src/main.py': '' })).toBe(false);
  });
});

describe("dependabot-coverage's guess", () => {
  const guess = (files: Record<string, string>): boolean | undefined => dependabotCoverage.historyAhead?.({ workspace: Workspace.fromFiles('/r', files), options: {} });

  it('walks the removals ahead when there is no config: the rule will ask whether one was deleted', () => {
    expect(guess({ 'package.json': '{}\n' })).toBe(true);
  });

  it('does not with a config, or where Renovate is configured (the rule judges nothing then)', () => {
    expect(guess({ '.github/dependabot.yml': 'version: 2\nupdates: []\n' })).toBe(false);
    expect(guess({ '.github/dependabot.yaml': 'version: 2\nupdates: []\n' })).toBe(false);
    expect(guess({ 'renovate.json': '{}\n' })).toBe(false);
    expect(guess({ 'package.json': '{"renovate": {}}\n' })).toBe(false);
  });
});
