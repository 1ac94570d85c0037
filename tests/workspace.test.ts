/** Which files a run sees, and how it reads them. */
import { describe, it, expect, afterAll } from 'vitest';
import { writeFileSync, mkdirSync, rmSync, symlinkSync, appendFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { Workspace } from '../src/workspace/workspace.js';
import { contentDigest } from '../src/util/digest.js';
import { gitIn, removeDir, tempDir } from './helpers/repo.js';

const cleanup: string[] = [];
afterAll(() => cleanup.forEach(removeDir));

function write(root: string, files: Record<string, string | Buffer>): void {
  for (const [p, content] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(root, p)), { recursive: true });
    writeFileSync(path.join(root, p), content);
  }
}

describe('enumeration', () => {
  it('in git: tracked files (even when ignored) plus untracked files that are not ignored', async () => {
    const root = tempDir();
    cleanup.push(root);
    write(root, { '.gitignore': 'build/\n*.log\n', 'build/keep.yml': 'a: 1\n', 'src/app.py': 'x = 1\n', 'gone.txt': 'x\n' });
    gitIn(root, ['init', '-q']);
    gitIn(root, ['add', '-A']);
    gitIn(root, ['add', '-f', 'build/keep.yml']);
    gitIn(root, ['commit', '-qm', 'x']);
    write(root, { 'new.md': '# new\n', 'debug.log': 'ignored\n', 'build/out.yml': 'ignored: true\n' });
    rmSync(path.join(root, 'gone.txt'));
    const ws = await Workspace.open(root);
    expect(ws.inGitRepo).toBe(true);
    expect([...ws.paths]).toEqual(['.gitignore', 'build/keep.yml', 'new.md', 'src/app.py']);
  });

  it('outside git: a walk that honours nested .gitignore files and never enters .git', async () => {
    const root = tempDir();
    cleanup.push(root);
    write(root, {
      '.gitignore': 'node_modules/\n',
      'node_modules/x/index.js': '',
      'docs/.gitignore': 'drafts/\n!drafts/keep.md\n*.tmp\n',
      'docs/drafts/a.md': '',
      'docs/guide.md': '',
      'docs/scratch.tmp': '',
      'a.tmp': '',
    });
    const ws = await Workspace.open(root);
    expect(ws.inGitRepo).toBe(false);
    expect([...ws.paths]).toEqual(['.gitignore', 'a.tmp', 'docs/.gitignore', 'docs/guide.md']);
  });
});

describe('reading', () => {
  it('skips binary, non-UTF-8 and oversized files with a note naming the file', async () => {
    const root = tempDir();
    cleanup.push(root);
    write(root, {
      'bin.dat': Buffer.from([0x89, 0x50, 0x00, 0x01]),
      'latin1.md': Buffer.from([0x63, 0x61, 0x66, 0xe9, 0x0a]),
      'big.md': 'x'.repeat(2000),
      'ok.md': '\uFEFFhello\r\n',
    });
    const ws = await Workspace.open(root, { maxFileBytes: 1000 });
    expect(ws.read('bin.dat')).toBeUndefined();
    expect(ws.read('latin1.md')).toBeUndefined();
    expect(ws.read('big.md')).toBeUndefined();
    const ok = ws.read('ok.md');
    expect(ok?.text).toBe('hello\r\n');
    expect(ok?.bom).toBe(true);
    expect(ok?.eol).toBe('\r\n');
    expect(ws.diagnostics.map((d) => `${d.file}: ${d.message}`).sort()).toEqual([
      'big.md: skipped: larger than the size cap (1000 bytes)',
      'bin.dat: skipped: binary file (contains NUL bytes)',
      'latin1.md: skipped: not valid UTF-8',
    ]);
  });

  it('hashes a file it reads once: the observer is told its bytes\' digest, which is the text\'s digest too unless a BOM was taken off', async () => {
    const root = tempDir();
    cleanup.push(root);
    write(root, { 'plain.md': 'plain ü\n', 'bom.md': '\uFEFFwith a BOM\n', 'other.md': 'other\n' });
    symlinkSync('other.md', path.join(root, 'link.md'));
    const told = new Map<string, string>();
    const ws = await Workspace.open(root, { onRead: (p, _st, digest) => told.set(p, digest) });
    const plain = ws.read('plain.md');
    const bom = ws.read('bom.md');
    const link = ws.read('link.md');
    expect(told.get('plain.md')).toBe(contentDigest(Buffer.from('plain ü\n')));
    expect(told.get('bom.md')).toBe(contentDigest(Buffer.from('\uFEFFwith a BOM\n')));
    // Each file's digest is its text's, however it was learnt.
    expect(plain?.digest).toBe(contentDigest('plain ü\n'));
    expect(bom?.digest).toBe(contentDigest('with a BOM\n'));
    expect(link?.digest).toBe(contentDigest('other\n'));
    // Without an observer nothing is hashed at the read, and the digest is the same when asked.
    const quiet = await Workspace.open(root);
    expect(quiet.read('plain.md')?.digest).toBe(plain?.digest);
  });

  it('reads what the listing found a regular file without an lstat, and still tells apart what it became since', async () => {
    const root = tempDir();
    cleanup.push(root);
    const large = 'line of a large file\n'.repeat(10_000);
    write(root, { 'a.md': 'a\n', 'empty.md': '', 'large.md': large, 'to-fifo.yml': 'x: 1\n', 'to-dir.yml': 'x: 1\n', 'to-link.md': 'old\n', 'target.md': 'target\n', 'grows.md': 'g\n', 'gone.md': 'x\n' });
    gitIn(root, ['init', '-q']);
    gitIn(root, ['add', '-A']);
    gitIn(root, ['commit', '-qm', 'files']);
    const ws = await Workspace.open(root);
    // Changed after the listing, before the reads.
    rmSync(path.join(root, 'to-fifo.yml'));
    execFileSync('mkfifo', [path.join(root, 'to-fifo.yml')]);
    rmSync(path.join(root, 'to-dir.yml'));
    mkdirSync(path.join(root, 'to-dir.yml'));
    rmSync(path.join(root, 'to-link.md'));
    symlinkSync('target.md', path.join(root, 'to-link.md'));
    appendFileSync(path.join(root, 'grows.md'), 'more\n'.repeat(5000));
    rmSync(path.join(root, 'gone.md'));
    expect(ws.read('a.md')?.text).toBe('a\n');
    expect(ws.read('empty.md')?.text).toBe('');
    expect(ws.read('large.md')?.text).toBe(large);
    expect(ws.read('grows.md')?.text).toBe('g\n' + 'more\n'.repeat(5000));
    expect(ws.read('to-link.md')?.text).toBe('target\n');
    expect(ws.linkTarget('to-link.md')).toBe('target.md');
    // The FIFO is skipped without blocking (no writer ever comes).
    expect(ws.read('to-fifo.yml')).toBeUndefined();
    expect(ws.read('to-dir.yml')).toBeUndefined();
    expect(ws.read('gone.md')).toBeUndefined();
    expect(ws.diagnostics.map((d) => `${d.file}: ${d.message}`).sort()).toEqual([
      'gone.md: skipped: could not read (ENOENT)',
      'to-dir.yml: skipped: a directory, not a regular file',
      'to-fifo.yml: skipped: a FIFO (named pipe), not a regular file',
    ]);
  });

  it('reads each file once and shares parses between views', async () => {
    const ws = Workspace.fromFiles('/r', { 'a.yml': 'a: 1\n', 'b.yml': 'b: 2\n' });
    const a = ws.read('a.yml');
    const view = ws.withChanges(new Map([['b.yml', 'b: 3\n']]));
    expect(view.read('a.yml')).toBe(a);
    expect(view.read('b.yml')?.text).toBe('b: 3\n');
    expect(view.changedSince(ws)).toEqual(['b.yml']);
    expect(() => ws.absolute('../outside')).toThrow(/outside the root/);
  });

  it('forgets the parses it is told to, in files read from disk and in a view, and keeps the rest and the text', async () => {
    const dir = tempDir();
    cleanup.push(dir);
    writeFileSync(path.join(dir, 'a.md'), '# A\n');
    const ws = await Workspace.open(dir);
    const onDisk = ws.read('a.md');
    const view = ws.withChanges(new Map([['b.md', '# B\n']]));
    const inView = view.read('b.md');
    let made = 0;
    const parse = (file: typeof onDisk, key: string): unknown => file?.parse(key, () => ({ key, n: ++made }));
    // Both slots of a file: the first parse and the Map of the others.
    for (const file of [onDisk, inView]) for (const key of ['md:1', 'md:2', 'other']) parse(file, key);
    const kept = parse(onDisk, 'other');
    view.forgetParses((key) => key.startsWith('md:'));
    expect(parse(onDisk, 'other')).toBe(kept);
    expect(made).toBe(6);
    for (const file of [onDisk, inView]) for (const key of ['md:1', 'md:2']) parse(file, key);
    expect(made).toBe(10);
    // A parse made again is cached again, and the text never went.
    parse(onDisk, 'md:1');
    expect(made).toBe(10);
    expect(ws.read('a.md')).toBe(onDisk);
    expect(onDisk?.text).toBe('# A\n');
  });
});
