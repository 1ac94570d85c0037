/**
 * The run memo asks git three things for its key (the top of the work tree, the remotes, the
 * listing), and the check's workspace asked the same three again right after: one process each,
 * about 0.5 s at 100,000 files. The memo now hands its answers to the workspace
 * (WorkspaceOptions.git). What the workspace sees must be what it would have asked for itself;
 * answers about another root are not taken; and only the first workspace of a run takes them (a
 * write may add files before the next one opens).
 */
import { describe, it, expect, afterAll, vi } from 'vitest';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { gitIn, removeDir, tempDir } from './helpers/repo.js';

// Every git process the code under test starts, by its first argument (the memo and the workspace run git only through this module).
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

const { Workspace, askGit } = await import('../src/workspace/workspace.js');
const { createPipeline } = await import('../src/pipeline/pipeline.js');
const { runCli } = await import('./helpers/cli.js');

const dirs: string[] = [];
afterAll(() => dirs.forEach(removeDir));

function repo(): string {
  const dir = tempDir('apf-git-answers-');
  dirs.push(dir);
  mkdirSync(path.join(dir, 'docs'));
  writeFileSync(path.join(dir, 'README.md'), '# demo\n\nRun `make test`.\n');
  writeFileSync(path.join(dir, 'docs', 'guide.md'), '# guide\n');
  writeFileSync(path.join(dir, 'untracked.txt'), 'not added\n');
  writeFileSync(path.join(dir, '.gitignore'), 'ignored.log\n');
  writeFileSync(path.join(dir, 'ignored.log'), 'ignored\n');
  gitIn(dir, ['init', '-q']);
  gitIn(dir, ['remote', 'add', 'origin', 'https://github.com/example/answer-demo.git']);
  gitIn(dir, ['add', 'README.md', 'docs/guide.md', '.gitignore']);
  gitIn(dir, ['-c', 'user.email=a@b', '-c', 'user.name=a', 'commit', '-qm', 'init']);
  return dir;
}

const seen = async (ws: InstanceType<typeof Workspace>) => ({ paths: [...ws.paths], names: ws.names, inGit: ws.inGitRepo });

describe('git answers asked once a run', () => {
  it('a workspace given the answers sees what it sees when it asks git itself', async () => {
    const dir = repo();
    const own = await seen(await Workspace.open(dir));
    expect(own.paths).toEqual(['.gitignore', 'README.md', 'docs/guide.md', 'untracked.txt']);
    expect(own.names).toContain('answer-demo');
    asked.length = 0;
    const given = await seen(await Workspace.open(dir, { git: await askGit(path.resolve(dir)) }));
    expect(given).toEqual(own);
    // askGit asked for the listing and the remotes (the top goes through gitTopLevel, inside the
    // mocked module); the workspace asked nothing more.
    expect(asked.map((a) => a[0]).sort()).toEqual(['ls-files', 'remote']);
  });

  it('answers about another root are not taken', async () => {
    const dir = repo();
    const other = repo();
    asked.length = 0;
    const ws = await Workspace.open(dir, { git: { ...(await askGit(path.resolve(other))), listing: [] } });
    expect(ws.paths).toContain('README.md');
    expect(asked.filter((a) => a[0] === 'ls-files')).toHaveLength(2);
  });

  it('only the first workspace a pipeline opens at the root takes them', async () => {
    const dir = repo();
    // A listing that leaves out every file: whoever takes it sees none.
    const answers = { ...(await askGit(path.resolve(dir))), listing: [] };
    const pipeline = await createPipeline({ root: dir, readOnly: true, git: answers });
    expect((await pipeline.open()).paths).toEqual([]);
    expect((await pipeline.open()).paths).toContain('README.md');
  });

  it('a run with the cache on asks git each question twice (the memo before and after the run), not three times', async () => {
    const dir = repo();
    const cache = tempDir('apf-git-answers-cache-');
    dirs.push(cache);
    asked.length = 0;
    const first = await runCli(['--root', dir, '--format', 'json', '--exit-zero', '--cache-location', cache], { cwd: dir });
    expect(first.code).toBe(0);
    const count = (q: string) => asked.filter((a) => a.includes(q)).length;
    expect(count('remote')).toBe(2);
    expect(count('ls-files')).toBe(2);
    // The report is the one a run without the cache gives.
    const plain = await runCli(['--root', dir, '--format', 'json', '--exit-zero', '--no-cache'], { cwd: dir });
    expect(first.stdout).toBe(plain.stdout);
  });
});
