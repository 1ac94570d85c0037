/**
 * The write path under hostile or unlucky conditions (issue 18, defects 3, 4, 7 and 10):
 *   - the undo journal is bound to its repository and root: a copied or moved repository
 *     recovers itself, never the original; a journal naming a path outside the root is not acted on;
 *   - a directory swapped for a symbolic link to the outside during the write phase stops every
 *     later write into it (forced with the WriteFs seam, and through the CLI with the pause hook);
 *   - a temp file a killed run left hard-linked to the file it created is removed by the next run;
 *   - a process that writes through a file handle it holds across our rename does not lose its
 *     bytes (forced with the WriteFs seam), and a file touched after the read is not replaced.
 */
import { describe, it, expect, afterAll } from 'vitest';
import { cpSync, existsSync, linkSync, lstatSync, mkdirSync, openSync, readdirSync, readFileSync, realpathSync, renameSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync, writeSync, closeSync, fsyncSync } from 'node:fs';
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import path from 'node:path';
import { ROOT, gitIn, readTree, removeDir, tempDir } from './helpers/repo.js';
import { runCli } from './helpers/cli.js';
import { Workspace } from '../src/workspace/workspace.js';
import type { FileChange } from '../src/engine/run.js';
import { writeChanges, type WriteFs } from '../src/engine/write.js';
import { processStart } from '../src/engine/journal.js';

const cleanup: string[] = [];
afterAll(() => cleanup.forEach(removeDir));

function dir(prefix: string): string {
  const d = realpathSync(tempDir(prefix));
  cleanup.push(d);
  return d;
}

function errno(code: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`${code}: injected`), { code });
}

/** The pid of a process that has exited. */
function deadPid(): number {
  return Number(spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout);
}

const read = (root: string, p: string): string => readFileSync(path.join(root, p), 'utf8');
const messages = (o: { errors: Array<{ message: string }> }): string[] => o.errors.map((e) => e.message);
const notes = (stderr: string): string[] => stderr.split('\n').filter((l) => l.startsWith('note:'));

/** A committed git repository holding `files`. */
function repo(files: Record<string, string>, prefix = 'apf-ws-'): string {
  const d = dir(prefix);
  for (const [p, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(d, p)), { recursive: true });
    writeFileSync(path.join(d, p), text);
  }
  gitIn(d, ['init', '-q']);
  gitIn(d, ['add', '-A']);
  gitIn(d, ['commit', '-qm', 'x']);
  return d;
}

async function opened(root: string, paths: string[]): Promise<Workspace> {
  const ws = await Workspace.open(root);
  for (const p of paths) ws.read(p);
  return ws;
}

/** A CLI --write run that has nothing to fix: only the journal recovery acts. */
const recoverIn = (root: string): ReturnType<typeof runCli> => runCli([root, '--write', '--allow-dirty', '--rule', 'compose-undeclared-volume']);

// ---------------------------------------------------------------------------------------------
// Defect 3: the undo journal is bound to its repository.

describe('the undo journal belongs to its repository and root', () => {
  const tied = (): FileChange[] => [
    { path: 'a.txt', before: 'alpha\n', after: 'ALPHA\n', bom: false, linked: ['b.txt'] },
    { path: 'b.txt', before: 'beta\n', after: 'BETA\n', bom: false, linked: ['a.txt'] },
  ];

  /**
   * A repository where a multi-file fix was cut half-way, as a SIGKILL between its two files
   * leaves it: a.txt fixed, b.txt not, the journal of a writer that is gone. Made by the real
   * write path (b.txt's write fails, and so does the rollback of a.txt: the journal is kept),
   * then the journal's writer is made a dead process. Returns that pid.
   */
  async function halfDone(root: string, sub = ''): Promise<number> {
    const ws = await opened(path.join(root, sub), ['a.txt', 'b.txt']);
    let aOpens = 0;
    const fs: Partial<WriteFs> = {
      openSync: ((p: string, flags: string, mode?: number) => {
        const base = path.basename(p);
        if (base.startsWith('.b.txt.autopack-fix-')) throw errno('ENOSPC');
        if (base.startsWith('.a.txt.autopack-fix-') && ++aOpens > 1) throw errno('EROFS');
        return openSync(p, flags, mode);
      }) as WriteFs['openSync'],
    };
    const journalDir = path.join(root, '.git', 'autopack-fix');
    writeChanges(ws, tied(), { journalDir, fs });
    expect(read(root, path.join(sub, 'a.txt'))).toBe('ALPHA\n');
    expect(read(root, path.join(sub, 'b.txt'))).toBe('beta\n');
    const dead = deadPid();
    const names = readdirSync(journalDir).filter((n) => n.startsWith('journal-'));
    expect(names).toHaveLength(1);
    const file = path.join(journalDir, names[0] as string);
    writeFileSync(file, JSON.stringify({ ...JSON.parse(readFileSync(file, 'utf8')), pid: dead, start: undefined }));
    return dead;
  }

  const putBack = (pid: number, what: string): string => `note: a run killed while writing a multi-file fix (pid ${pid}) left it half-done: put back ${what}`;

  it('a copied repository puts back its own files, never the original’s', async () => {
    const original = repo({ 'a.txt': 'alpha\n', 'b.txt': 'beta\n' });
    const dead = await halfDone(original);
    const copy = dir('apf-copy-');
    cpSync(original, copy, { recursive: true });

    const r = await recoverIn(copy);
    expect(r.code, r.stderr).toBe(0);
    expect(notes(r.stderr)).toEqual([putBack(dead, 'a.txt')]);
    expect(read(copy, 'a.txt')).toBe('alpha\n');
    expect(existsSync(path.join(copy, '.git', 'autopack-fix'))).toBe(false);
    // The original is untouched and keeps its journal; a run there puts it back.
    expect(read(original, 'a.txt')).toBe('ALPHA\n');
    const there = await recoverIn(original);
    expect(notes(there.stderr)).toEqual([putBack(dead, 'a.txt')]);
    expect(read(original, 'a.txt')).toBe('alpha\n');
  });

  it('a moved repository keeps its journal and puts its files back (no false "changed since")', async () => {
    const first = repo({ 'a.txt': 'alpha\n', 'b.txt': 'beta\n' });
    const dead = await halfDone(first);
    const moved = `${first}-moved`;
    renameSync(first, moved);
    cleanup.push(moved);
    const r = await recoverIn(moved);
    expect(r.code, r.stderr).toBe(0);
    expect(notes(r.stderr)).toEqual([putBack(dead, 'a.txt')]);
    expect(read(moved, 'a.txt')).toBe('alpha\n');
    expect(existsSync(path.join(moved, '.git', 'autopack-fix'))).toBe(false);
  });

  it('a journal recorded for another root of the repository is left for that root', async () => {
    const top = repo({ 'sub/a.txt': 'alpha\n', 'sub/b.txt': 'beta\n' });
    const dead = await halfDone(top, 'sub');
    const r = await recoverIn(top);
    expect(r.code, r.stderr).toBe(0);
    expect(notes(r.stderr)).toEqual([
      `note: the undo journal ${readdirSync(path.join(top, '.git', 'autopack-fix')).map((n) => path.join(top, '.git', 'autopack-fix', n))[0]} belongs to a run on ${path.join(top, 'sub')}, not on this root; left in place (a --write there puts its fix back)`,
    ]);
    expect(read(top, 'sub/a.txt')).toBe('ALPHA\n');
    const there = await recoverIn(path.join(top, 'sub'));
    expect(notes(there.stderr)).toEqual([putBack(dead, 'a.txt')]);
    expect(read(top, 'sub/a.txt')).toBe('alpha\n');
  });

  it('a journal naming a path outside the root, or behind a symbolic link out of it, is not acted on', async () => {
    const root = repo({ 'a.txt': 'alpha\n' });
    const outside = dir('apf-outside-');
    writeFileSync(path.join(outside, 'x.txt'), 'X as the fix left it\n');
    writeFileSync(path.join(outside, 'y.txt'), 'Y as the fix left it\n');
    symlinkSync(outside, path.join(root, 'link'));
    const journalDir = path.join(root, '.git', 'autopack-fix');
    mkdirSync(journalDir);
    const dead = deadPid();
    const rootStat = statSync(root, { bigint: true });
    const binding = { pid: dead, root, dir: journalDir, rootId: `${rootStat.dev}:${rootStat.ino}` };
    const entry = (target: string, rel: string, now: string): object => ({
      // Both forms: an absolute `target` (as older journals had) and a root-relative `path`.
      target,
      path: rel,
      display: rel,
      original: Buffer.from('the bytes before\n').toString('base64'),
      fixed: createHash('sha256').update(now).digest('hex'),
    });
    writeFileSync(path.join(journalDir, `journal-${dead}-00000001.json`), JSON.stringify({ ...binding, entries: [entry(path.join(outside, 'x.txt'), `../${path.basename(outside)}/x.txt`, 'X as the fix left it\n')] }));
    writeFileSync(path.join(journalDir, `journal-${dead}-00000002.json`), JSON.stringify({ ...binding, entries: [entry(path.join(root, 'link', 'y.txt'), 'link/y.txt', 'Y as the fix left it\n')] }));
    const before = readTree(outside);

    const r = await recoverIn(root);
    expect(readTree(outside)).toEqual(before);
    expect(notes(r.stderr)).toEqual([
      `note: the undo journal ${path.join(journalDir, `journal-${dead}-00000001.json`)} names a path outside the root (../${path.basename(outside)}/x.txt); left in place, nothing put back`,
      `note: a run killed while writing a multi-file fix (pid ${dead}) left it half-done: put back nothing; could not put back: link/y.txt (link is now a symbolic link) (the journal is kept: ${path.join(journalDir, `journal-${dead}-00000002.json`)})`,
    ]);
    expect(readdirSync(journalDir).sort()).toEqual([`journal-${dead}-00000001.json`, `journal-${dead}-00000002.json`]);
  });
});

// ---------------------------------------------------------------------------------------------
// Defect 4: a directory swapped for a symbolic link during the write phase.

describe('a directory swapped for a symbolic link to the outside during the write phase', () => {
  const COUNT = 3;
  const files = (): Record<string, string> => Object.fromEntries(Array.from({ length: COUNT }, (_, i) => [`deploy/s${i}/c.txt`, `c${i}\n`]));
  const each = (): FileChange[] => Array.from({ length: COUNT }, (_, i) => ({ path: `deploy/s${i}/c.txt`, before: `c${i}\n`, after: `C${i}\n`, bom: false }));

  /** Moves `deploy` aside inside the root, copies it outside, and puts a link to the copy in its place. */
  function swap(root: string, outside: string): void {
    renameSync(path.join(root, 'deploy'), path.join(root, 'deploy-moved'));
    // (Without our temp file of the file in progress: the copy is what an attacker would plant.)
    cpSync(path.join(root, 'deploy-moved'), path.join(outside, 'deploy'), { recursive: true, filter: (p) => !path.basename(p).includes('.autopack-fix-') });
    symlinkSync(path.join(outside, 'deploy'), path.join(root, 'deploy'));
  }

  it('stops the file in progress and every later one; nothing lands outside (forced through WriteFs)', async () => {
    const root = repo(files());
    const outside = dir('apf-outside-');
    const ws = await opened(root, Object.keys(files()));
    let swapped = false;
    const fs: Partial<WriteFs> = {
      fsyncSync: (fd: number) => {
        fsyncSync(fd);
        if (!swapped) {
          swapped = true;
          swap(root, outside);
        }
      },
    };
    const before = () => readTree(outside);
    const outcome = writeChanges(ws, each(), { fs });
    const snapshot = before();
    expect(outcome.written).toEqual([]);
    expect(messages(outcome)).toEqual(Array.from({ length: COUNT }, (_, i) => `deploy/s${i}/c.txt: its directory changed during the write (deploy is now a symbolic link); not written`));
    // The copy outside holds the original bytes, and nothing else.
    expect([...snapshot.keys()].sort()).toEqual(Object.keys(files()).sort());
    for (const [p, bytes] of snapshot) expect(bytes.toString(), p).toBe(files()[p]);
    // The temp file of the file in progress is where the directory went: nothing was done through the link.
    expect(readdirSync(path.join(root, 'deploy-moved', 's0')).filter((n) => n.includes('.autopack-fix-'))).toHaveLength(1);
  });

  it('through the CLI, slowed with AUTOPACK_FIX_TEST_WRITE_PAUSE_MS: exit 2, each later file named, nothing written outside', async () => {
    const N = 8;
    const compose = (i: number): string => `services:\n  app${i}:\n    image: example/app:${i}\n    volumes:\n      - data${i}:/data\n`;
    const root = repo(Object.fromEntries(Array.from({ length: N }, (_, i) => [`deploy/svc${i}/compose.yaml`, compose(i)])));
    const outside = dir('apf-outside-');
    const child = runCli([root, '--write', '--rule', 'compose-undeclared-volume'], { env: { AUTOPACK_FIX_TEST_WRITE_PAUSE_MS: '150' } });
    // Once the first file is written, the directory is swapped.
    const deadline = Date.now() + 40_000;
    while (read(root, 'deploy/svc0/compose.yaml') === compose(0) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    swap(root, outside);
    const snapshot = readTree(outside);
    const r = await child;
    expect(r.code, r.stderr).toBe(2);
    expect(readTree(outside)).toEqual(snapshot);
    const errors = r.stderr.split('\n').filter((l) => l.startsWith('error:'));
    expect(errors.length).toBeGreaterThan(0);
    for (const line of errors) expect(line).toMatch(/^error: deploy\/svc\d\/compose\.yaml: its directory changed during the write \(deploy is now a symbolic link\); not written$/);
    // What was written before the swap is in the moved directory, whole.
    let fixed = 0;
    for (let i = 0; i < N; i++) if (read(root, `deploy-moved/svc${i}/compose.yaml`) !== compose(i)) fixed++;
    expect(fixed + errors.length).toBe(N);
  });
});

// ---------------------------------------------------------------------------------------------
// Defect 7: a kill between link() and unlink() of a created file.

describe('a temp file left hard-linked to a created file', () => {
  const tempOf = (root: string, name: string): string[] => readdirSync(root).filter((n) => n.startsWith(`.${name}.autopack-fix-`));

  it('is removed by the next write of that file when its writer is gone, and the file is fixed', async () => {
    const root = repo({ 'a.txt': 'alpha\n' });
    // A run creates new.txt and is killed after link(), before unlink(): the unlink never happens.
    const ws = await opened(root, ['a.txt']);
    const keepTemps: Partial<WriteFs> = { unlinkSync: () => undefined };
    expect(messages(writeChanges(ws, [{ path: 'new.txt', before: undefined, after: 'gamma\n', bom: false }], { fs: keepTemps }))).toEqual([]);
    const [left] = tempOf(root, 'new.txt');
    expect(left).toBeDefined();
    expect(statSync(path.join(root, 'new.txt')).nlink).toBe(2);
    // That run's process is gone: its temp file carries a dead pid.
    const dead = deadPid();
    const renamed = (left as string).replace(/autopack-fix-\d+-/, `autopack-fix-${dead}-`);
    renameSync(path.join(root, left as string), path.join(root, renamed));

    const next = await opened(root, ['new.txt']);
    const outcome = writeChanges(next, [{ path: 'new.txt', before: 'gamma\n', after: 'GAMMA\n', bom: false }]);
    expect(messages(outcome)).toEqual([]);
    expect(outcome.written).toEqual(['new.txt']);
    expect(read(root, 'new.txt')).toBe('GAMMA\n');
    expect(tempOf(root, 'new.txt')).toEqual([]);
    expect(statSync(path.join(root, 'new.txt')).nlink).toBe(1);
  });

  it('a temp name with this process’s pid but another start time (a reused pid) counts as a dead writer', async () => {
    const root = repo({ 'd.txt': 'delta\n' });
    linkSync(path.join(root, 'd.txt'), path.join(root, `.d.txt.autopack-fix-${process.pid}-0000000000000001abcd1234.tmp`));
    const ws = await opened(root, ['d.txt']);
    const outcome = writeChanges(ws, [{ path: 'd.txt', before: 'delta\n', after: 'DELTA\n', bom: false }]);
    expect(messages(outcome)).toEqual([]);
    expect(read(root, 'd.txt')).toBe('DELTA\n');
    expect(tempOf(root, 'd.txt')).toEqual([]);
  });

  it('a live writer’s temp file, and a temp name linked to another file, are left alone (the file stays refused)', async () => {
    const root = repo({ 'd.txt': 'delta\n', 'e.txt': 'epsilon\n' });
    const live = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 20000)'], { stdio: 'ignore' });
    try {
      const liveTemp = `.d.txt.autopack-fix-${live.pid}-abcd1234.tmp`;
      linkSync(path.join(root, 'd.txt'), path.join(root, liveTemp));
      const ws = await opened(root, ['d.txt']);
      expect(messages(writeChanges(ws, [{ path: 'd.txt', before: 'delta\n', after: 'DELTA\n', bom: false }]))).toEqual(['d.txt: has 2 hard links; a write would split them, so it is not written']);
      expect(existsSync(path.join(root, liveTemp))).toBe(true);
    } finally {
      live.kill();
    }
    const foreign = `.e.txt.autopack-fix-${deadPid()}-abcd1234.tmp`;
    writeFileSync(path.join(root, 'other.txt'), 'another file\n');
    linkSync(path.join(root, 'other.txt'), path.join(root, foreign));
    const ws = await opened(root, ['e.txt']);
    expect(messages(writeChanges(ws, [{ path: 'e.txt', before: 'epsilon\n', after: 'EPSILON\n', bom: false }]))).toEqual([]);
    expect(read(root, foreign)).toBe('another file\n');
  });
});

describe('a temp file a killed run left beside a file that needs no write', () => {
  /** Temp files a killed run may leave in `root`/sub: beside the fixed file, and one that never replaced anything. */
  function leftovers(root: string, dead: number): { linked: string; unrenamed: string } {
    const linked = `sub/.d.txt.autopack-fix-${dead}-abcd1234.tmp`;
    linkSync(path.join(root, 'sub/d.txt'), path.join(root, linked));
    const unrenamed = `sub/.gone.txt.autopack-fix-${dead}-0123abcd.tmp`;
    writeFileSync(path.join(root, unrenamed), 'partial');
    return { linked, unrenamed };
  }

  it('is removed by the next --write, even one with nothing to write; a report run leaves it', async () => {
    const root = repo({ 'sub/d.txt': 'delta\n', 'e.txt': 'epsilon\n' });
    const { linked, unrenamed } = leftovers(root, deadPid());
    const report = await runCli([root, '--rule', 'compose-undeclared-volume']);
    expect(report.code, report.stderr).toBe(0);
    expect([existsSync(path.join(root, linked)), existsSync(path.join(root, unrenamed))]).toEqual([true, true]);

    const write = await recoverIn(root);
    expect(write.code, write.stderr).toBe(0);
    expect([existsSync(path.join(root, linked)), existsSync(path.join(root, unrenamed))]).toEqual([false, false]);
    expect(read(root, 'sub/d.txt')).toBe('delta\n');
    expect(statSync(path.join(root, 'sub/d.txt')).nlink).toBe(1);
  });

  it('is removed by a write of another file (the library\'s writeChanges), outside git too', async () => {
    const root = dir('apf-ws-nogit-');
    mkdirSync(path.join(root, 'sub'));
    writeFileSync(path.join(root, 'sub/d.txt'), 'delta\n');
    writeFileSync(path.join(root, 'e.txt'), 'epsilon\n');
    const { linked, unrenamed } = leftovers(root, deadPid());
    const ws = await opened(root, ['e.txt']);
    expect(ws.inGitRepo).toBe(false);
    expect(ws.paths).toEqual(['e.txt', 'sub/d.txt']);
    expect(messages(writeChanges(ws, [{ path: 'e.txt', before: 'epsilon\n', after: 'EPSILON\n', bom: false }]))).toEqual([]);
    expect([existsSync(path.join(root, linked)), existsSync(path.join(root, unrenamed))]).toEqual([false, false]);
    expect(read(root, 'sub/d.txt')).toBe('delta\n');
  });

  it('a live writer\'s, and one linked to another file, stay', async () => {
    const root = repo({ 'sub/d.txt': 'delta\n', 'sub/other.txt': 'another file\n' });
    const foreign = `sub/.d.txt.autopack-fix-${deadPid()}-abcd1234.tmp`;
    linkSync(path.join(root, 'sub/other.txt'), path.join(root, foreign));
    const live = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 20000)'], { stdio: 'ignore' });
    try {
      const liveTemp = `sub/.d.txt.autopack-fix-${live.pid}-abcd5678.tmp`;
      writeFileSync(path.join(root, liveTemp), 'in progress');
      const write = await recoverIn(root);
      expect(write.code, write.stderr).toBe(0);
      expect([existsSync(path.join(root, liveTemp)), read(root, foreign)]).toEqual([true, 'another file\n']);
    } finally {
      live.kill();
    }
  });
});

// ---------------------------------------------------------------------------------------------
// Defect 10: a writer that holds the file open across the rename.

describe('a process that holds the file open and writes to it while it is replaced', () => {
  const fix: FileChange = { path: 'd.txt', before: 'delta\n', after: 'DELTA\n', bom: false };
  const HELD = 'd.txt: another process wrote to it while it was being replaced (it holds the file open); its bytes are kept and the fix is not applied';

  /** A WriteFs whose rename of d.txt's temp lets `writer` write through its handle just before (or just after) the rename. */
  function racing(fd: number, when: 'before' | 'after', extra: Partial<WriteFs> = {}): Partial<WriteFs> {
    let wrote = false;
    return {
      ...extra,
      renameSync: (from, to) => {
        // The first rename of a temp file over d.txt is the fix's (a put-back is not raced again).
        const ours = !wrote && path.basename(String(to)) === 'd.txt' && path.basename(String(from)).startsWith('.d.txt.autopack-fix-');
        wrote ||= ours;
        if (ours && when === 'before') writeSync(fd, 'appended\n');
        renameSync(from, to);
        if (ours && when === 'after') writeSync(fd, 'appended\n');
      },
    };
  }

  it.each(['before', 'after'] as const)('a write %s the rename is kept: the file (its inode) is put back, and later writes through the handle land in it', async (when) => {
    const root = repo({ 'd.txt': 'delta\n' });
    const ws = await opened(root, ['d.txt']);
    const held = openSync(path.join(root, 'd.txt'), 'a');
    try {
      const outcome = writeChanges(ws, [fix], { fs: racing(held, when) });
      expect(messages(outcome)).toEqual([HELD]);
      expect(outcome.written).toEqual([]);
      expect(read(root, 'd.txt')).toBe('delta\nappended\n');
      writeSync(held, 'more\n');
      expect(read(root, 'd.txt')).toBe('delta\nappended\nmore\n');
      expect(readdirSync(root).filter((n) => n.includes('autopack-fix'))).toEqual([]);
    } finally {
      closeSync(held);
    }
  });

  it('where the old inode cannot be kept by a hard link, its bytes are copied back', async () => {
    const root = repo({ 'd.txt': 'delta\n' });
    const ws = await opened(root, ['d.txt']);
    const held = openSync(path.join(root, 'd.txt'), 'a');
    try {
      const noLinks: Partial<WriteFs> = {
        linkSync: () => {
          throw errno('EPERM');
        },
      };
      const outcome = writeChanges(ws, [fix], { fs: racing(held, 'after', noLinks) });
      expect(messages(outcome)).toEqual([HELD]);
      expect(read(root, 'd.txt')).toBe('delta\nappended\n');
      expect(readdirSync(root).filter((n) => n.includes('autopack-fix'))).toEqual([]);
    } finally {
      closeSync(held);
    }
  });

  it('a file whose modification time or inode changed after the read (same bytes) is not replaced', async () => {
    const root = repo({ 'd.txt': 'delta\n', 'e.txt': 'epsilon\n' });
    const ws = await opened(root, ['d.txt', 'e.txt']);
    utimesSync(path.join(root, 'd.txt'), new Date('2001-01-01'), new Date('2001-01-01'));
    writeFileSync(path.join(root, 'e.new'), 'epsilon\n');
    renameSync(path.join(root, 'e.new'), path.join(root, 'e.txt'));
    const outcome = writeChanges(ws, [fix, { path: 'e.txt', before: 'epsilon\n', after: 'EPSILON\n', bom: false }]);
    expect(messages(outcome)).toEqual([
      'd.txt: changed on disk since it was read (its modification time or inode differs); not written',
      'e.txt: changed on disk since it was read (its modification time or inode differs); not written',
    ]);
    expect(read(root, 'd.txt')).toBe('delta\n');
    expect(read(root, 'e.txt')).toBe('epsilon\n');
    expect(lstatSync(path.join(root, 'd.txt')).mtime.getUTCFullYear()).toBe(2001);
  });
});

// ---------------------------------------------------------------------------------------------
// Issue 18 (smaller defects): a file replaced by a symbolic link between the read and the write.

describe('a file replaced by a symbolic link (or a FIFO) after it was read', () => {
  const LINKED = 'a.txt: was replaced by a symbolic link since it was read; the link is not followed, and nothing is written';
  const changes = (): FileChange[] => [
    { path: 'a.txt', before: 'alpha\n', after: 'ALPHA\n', bom: false },
    { path: 'b.txt', before: 'beta\n', after: 'BETA\n', bom: false },
  ];
  /** a.txt moved aside (same inode, same bytes, same time) and a link to it put in its place. */
  function linkInPlace(root: string): void {
    renameSync(path.join(root, 'a.txt'), path.join(root, 'a-real.txt'));
    symlinkSync('a-real.txt', path.join(root, 'a.txt'));
  }
  function assertUntouched(root: string): void {
    expect(lstatSync(path.join(root, 'a.txt')).isSymbolicLink()).toBe(true);
    expect(read(root, 'a-real.txt')).toBe('alpha\n');
    expect(readdirSync(root).filter((n) => n.includes('autopack-fix'))).toEqual([]);
  }

  it('before the write phase: refused with a note naming it, the link not followed; the other file is written', async () => {
    const root = repo({ 'a.txt': 'alpha\n', 'b.txt': 'beta\n' });
    const ws = await opened(root, ['a.txt', 'b.txt']);
    linkInPlace(root);
    const outcome = writeChanges(ws, changes());
    expect(messages(outcome)).toEqual([LINKED]);
    expect(outcome.written).toEqual(['b.txt']);
    expect(read(root, 'b.txt')).toBe('BETA\n');
    assertUntouched(root);
  });

  it('while its temp file is written (forced through WriteFs)', async () => {
    const root = repo({ 'a.txt': 'alpha\n', 'b.txt': 'beta\n' });
    const ws = await opened(root, ['a.txt', 'b.txt']);
    let swapped = false;
    const fs: Partial<WriteFs> = {
      fsyncSync: (fd: number) => {
        fsyncSync(fd);
        if (!swapped) {
          swapped = true;
          linkInPlace(root);
        }
      },
    };
    const outcome = writeChanges(ws, changes(), { fs });
    expect(messages(outcome)).toEqual([LINKED]);
    expect(outcome.written).toEqual(['b.txt']);
    assertUntouched(root);
  });

  it('right before the rename (forced through WriteFs): the link is not replaced', async () => {
    const root = repo({ 'a.txt': 'alpha\n', 'b.txt': 'beta\n' });
    const ws = await opened(root, ['a.txt', 'b.txt']);
    let swapped = false;
    const fs: Partial<WriteFs> = {
      // The first link() of a.txt is the one that keeps its old inode across the rename: the last step before it.
      linkSync: (from, to) => {
        linkSync(from, to);
        if (!swapped && path.basename(String(from)) === 'a.txt') {
          swapped = true;
          linkInPlace(root);
        }
      },
    };
    const outcome = writeChanges(ws, changes(), { fs });
    expect(swapped).toBe(true);
    expect(messages(outcome)).toEqual([LINKED]);
    expect(outcome.written).toEqual(['b.txt']);
    assertUntouched(root);
  });

  it('through the CLI: links to a FIFO and to the moved file, and a FIFO itself, are named; the run ends and writes the rest', async () => {
    const N = 5;
    const compose = (i: number): string => `services:\n  app${i}:\n    image: example/app:${i}\n    volumes:\n      - data${i}:/data\n`;
    const root = repo(Object.fromEntries(Array.from({ length: N }, (_, i) => [`svc${i}/compose.yaml`, compose(i)])));
    mkdirSync(path.join(root, 'special'));
    spawnSync('mkfifo', [path.join(root, 'special', 'fifo')]);
    // A real process with a deadline: a read through the link to the FIFO would block it for good.
    const child = spawn(process.execPath, [path.join(ROOT, 'bin', 'autopack-fix.js'), root, '--write', '--allow-dirty', '--rule', 'compose-undeclared-volume'], {
      env: { ...process.env, NO_COLOR: '1', AUTOPACK_FIX_TEST_WRITE_PAUSE_MS: '500' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.stdout.resume();
    const killer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    const deadline = Date.now() + 40_000;
    while (read(root, 'svc0/compose.yaml') === compose(0) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    const file = (i: number): string => path.join(root, `svc${i}`, 'compose.yaml');
    rmSync(file(1));
    symlinkSync('../special/fifo', file(1));
    renameSync(file(2), path.join(root, 'svc2', 'real.yaml'));
    symlinkSync('real.yaml', file(2));
    rmSync(file(3));
    spawnSync('mkfifo', [file(3)]);
    const code = await new Promise((resolve) => child.on('close', (c, signal) => resolve(signal ?? c)));
    clearTimeout(killer);
    expect(code, stderr).toBe(2);
    expect(stderr.split('\n').filter((l) => l.startsWith('error:'))).toEqual([
      'error: svc1/compose.yaml: was replaced by a symbolic link since it was read; the link is not followed, and nothing is written',
      'error: svc2/compose.yaml: was replaced by a symbolic link since it was read; the link is not followed, and nothing is written',
      'error: svc3/compose.yaml: was replaced by a FIFO (named pipe) since it was read; not written',
    ]);
    expect(read(root, 'svc2/real.yaml')).toBe(compose(2));
    expect(lstatSync(file(1)).isSymbolicLink() && lstatSync(file(2)).isSymbolicLink() && lstatSync(file(3)).isFIFO()).toBe(true);
    expect(read(root, 'svc4/compose.yaml')).not.toBe(compose(4));
  });
});

describe('a workspace opened for a run that writes nothing', () => {
  it('keeps no bytes, and a write through it refuses every file and changes none', async () => {
    const root = repo({ 'a.txt': 'alpha\n', 'b.txt': 'beta\n' });
    const ws = await Workspace.open(root, { keepOriginalBytes: false });
    ws.read('a.txt');
    ws.read('b.txt');
    expect(ws.originalBytes('a.txt')).toBeUndefined();
    const outcome = writeChanges(ws, [
      { path: 'a.txt', before: 'alpha\n', after: 'ALPHA\n', bom: false },
      { path: 'b.txt', before: 'beta\n', after: 'BETA\n', bom: false },
    ]);
    expect(outcome.written).toEqual([]);
    expect(messages(outcome).length).toBe(2);
    expect(messages(outcome).every((m) => m.includes('changed on disk since it was read'))).toBe(true);
    expect([read(root, 'a.txt'), read(root, 'b.txt')]).toEqual(['alpha\n', 'beta\n']);
    // Opened as usual (the default), the same write goes through.
    const writable = await opened(root, ['a.txt', 'b.txt']);
    expect(writable.originalBytes('a.txt')?.toString()).toBe('alpha\n');
    expect(writeChanges(writable, [{ path: 'a.txt', before: 'alpha\n', after: 'ALPHA\n', bom: false }]).written).toEqual(['a.txt']);
  });

  it('a pipeline opened read-only keeps no bytes; by default it keeps them', async () => {
    const { createPipeline } = await import('../src/pipeline/pipeline.js');
    const root = repo({ 'a.txt': 'alpha\n' });
    const reading = await createPipeline({ root, readOnly: true });
    const r = await reading.open();
    r.read('a.txt');
    expect(r.originalBytes('a.txt')).toBeUndefined();
    const writing = await createPipeline({ root });
    const w = await writing.open();
    w.read('a.txt');
    expect(w.originalBytes('a.txt')).toBeDefined();
  });
});
