/**
 * Faults during --write. In process: a file changed on disk between read and write; injected
 * ENOSPC / EACCES / EIO through the WriteFs seam; multi-file fixes written whole or rolled back;
 * read-only files; through the CLI (tests/helpers/cli.ts), a real full disk (a small tmpfs,
 * where mounting is allowed) and a file edited by someone else mid-write (exit 2). Through the
 * built binary, because they need a process of their own: SIGTERM/SIGINT mid-write, a loop of
 * SIGKILLs, a SIGKILL inside a multi-file fix, and real permissions (as root: without
 * CAP_DAC_OVERRIDE, via setpriv).
 */
import { describe, it, expect, afterAll } from 'vitest';
import { writeFileSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { ROOT, repoFrom, readTree, removeDir } from './helpers/repo.js';
import { Workspace } from '../src/workspace/workspace.js';
import { run } from '../src/engine/run.js';
import { writeChanges } from '../src/engine/write.js';
import { RULES } from '../src/rules/registry.js';
import { runCli } from './helpers/cli.js';

const cleanup: string[] = [];
afterAll(() => cleanup.forEach(removeDir));

describe('a file changed on disk between read and write', () => {
  it('is not written; the others are; the error lists it', async () => {
    const repo = repoFrom(path.join(ROOT, 'fixtures', 'demo'));
    cleanup.push(repo);
    const ws = await Workspace.open(repo);
    const result = await run(ws, { rules: RULES, apply: new Set(['safe']) });
    const paths = result.changes.map((c) => c.path);
    expect(paths.length).toBeGreaterThan(1);
    const victim = paths.includes('docker-compose.dev.yml') ? 'docker-compose.dev.yml' : (paths[0] as string);
    const edited = `${readFileSync(path.join(repo, victim), 'utf8')}# edited by someone else\n`;
    writeFileSync(path.join(repo, victim), edited);
    const before = readTree(repo);
    const outcome = writeChanges(ws, result.changes);
    expect(outcome.written.sort()).toEqual(paths.filter((p) => p !== victim).sort());
    expect(outcome.errors.map((e) => e.message)).toEqual([`${victim}: changed on disk since it was read; not written`]);
    expect(readFileSync(path.join(repo, victim), 'utf8')).toBe(edited);
    const after = readTree(repo);
    for (const c of result.changes) if (c.path !== victim) expect(after.get(c.path)?.toString('utf8')).toBe((c.bom ? '\uFEFF' : '') + c.after);
    // Nothing else moved, and no temp file is left behind.
    for (const p of after.keys()) expect(before.has(p) || paths.includes(p), p).toBe(true);
  });
});

// ---------------------------------------------------------------------------------------------
// Signals and kills during --write, through the built binary. The write phase is slowed with
// the AUTOPACK_FIX_TEST_WRITE_PAUSE_MS hook so that signals land between files.

import { spawn } from 'node:child_process';
import { mkdirSync, readdirSync, rmSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { gitIn } from './helpers/repo.js';

const BIN = path.join(ROOT, 'bin', 'autopack-fix.js');
const FILES = 16;

/** A repository of FILES compose files, each declaring nothing for the volume it uses. */
function manyFixable(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'apf-kill-'));
  cleanup.push(dir);
  for (let i = 0; i < FILES; i++) {
    mkdirSync(path.join(dir, `svc${i}`));
    writeFileSync(path.join(dir, `svc${i}`, 'compose.yaml'), `services:\n  app${i}:\n    image: example/app:${i}\n    volumes:\n      - data${i}:/data\n`);
  }
  gitIn(dir, ['init', '-q']);
  gitIn(dir, ['add', '-A']);
  gitIn(dir, ['commit', '-qm', 'x']);
  return dir;
}

/**
 * The built binary as a child process, for what needs one: a signal or a SIGKILL during --write.
 * `kill` sends the signal after `ms`, or once `when()` holds (checked every 25 ms).
 */
function spawnCli(args: string[], env: Record<string, string>, kill?: { signal: NodeJS.Signals; ms?: number; when?: () => boolean }): Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args, '--rule', 'compose-undeclared-volume'], { env: { ...process.env, NO_COLOR: '1', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    let exited = false;
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.stdout.resume();
    const timer = kill?.ms !== undefined ? setTimeout(() => child.kill(kill.signal), kill.ms) : undefined;
    if (kill?.when) {
      const when = kill.when;
      void (async () => {
        await waitFor(() => exited || when());
        if (!exited) child.kill(kill.signal);
      })();
    }
    child.on('close', (code, signal) => {
      exited = true;
      if (timer) clearTimeout(timer);
      resolve({ code, signal, stderr });
    });
  });
}

/** The CLI in process (no signal involved), with the same rule selection as spawnCli. */
function cli(args: string[], env: Record<string, string> = {}, cwd?: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return runCli([...args, '--rule', 'compose-undeclared-volume'], { env, ...(cwd ? { cwd } : {}) });
}

/**
 * Waits until `ready()` holds, polling every 25 ms, for at most `ms` (generous: on a loaded
 * machine a child process may take seconds to start). The caller's assertions judge the outcome.
 */
async function waitFor(ready: () => boolean, ms = 40_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!ready() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
}

/** How many of the FILES compose files are fixed, without asserting anything (for polling). */
function fixedCount(dir: string): number {
  let done = 0;
  for (let i = 0; i < FILES; i++) if (readFileSync(path.join(dir, `svc${i}`, 'compose.yaml'), 'utf8') === fixed(i)) done++;
  return done;
}

const original = (i: number): string => `services:\n  app${i}:\n    image: example/app:${i}\n    volumes:\n      - data${i}:/data\n`;
const fixed = (i: number): string => `${original(i)}\nvolumes:\n  data${i}:\n`;

/** Every file is exactly as it was or exactly as fixed; returns how many are fixed. */
function assertWholeFiles(dir: string): number {
  let done = 0;
  for (let i = 0; i < FILES; i++) {
    const text = readFileSync(path.join(dir, `svc${i}`, 'compose.yaml'), 'utf8');
    expect([original(i), fixed(i)], `svc${i}/compose.yaml is torn`).toContain(text);
    if (text === fixed(i)) done++;
  }
  return done;
}

function strayTemps(dir: string): string[] {
  return Array.from({ length: FILES }, (_, i) => readdirSync(path.join(dir, `svc${i}`)).filter((n) => n.includes('.autopack-fix-')).map((n) => `svc${i}/${n}`)).flat();
}

describe('signals during --write', () => {
  it.each([
    ['SIGTERM', 143],
    ['SIGINT', 130],
  ] as const)('%s stops after the file in progress and says what was and was not written', async (signal, code) => {
    const dir = manyFixable();
    // A real process: the signal is delivered to it. Sent once the first file is written, so it
    // lands mid-write however long the process takes to start.
    const r = await spawnCli([dir, '--write'], { AUTOPACK_FIX_TEST_WRITE_PAUSE_MS: '400' }, { signal, when: () => fixedCount(dir) > 0 });
    expect(r.code).toBe(code);
    const m = new RegExp(`stopped by ${signal}\\. Written \\((\\d+)\\): (.*?)\\. Not written \\((\\d+)\\): (.*?)\\. Every file`).exec(r.stderr);
    expect(m, r.stderr).not.toBeNull();
    const written = Number(m![1]);
    expect(written + Number(m![3])).toBe(FILES);
    expect(assertWholeFiles(dir)).toBe(written);
    // A re-run finishes the job.
    const again = await cli([dir, '--write', '--allow-dirty']);
    expect(again.code).toBe(0);
    expect(assertWholeFiles(dir)).toBe(FILES);
  });

  it('SIGTERM with --format json still prints one JSON document, with the signal and what was not written', async () => {
    const dir = manyFixable();
    // A real process: the signal is delivered to it.
    const child = spawn(process.execPath, [BIN, dir, '--write', '--format', 'json', '--rule', 'compose-undeclared-volume'], { env: { ...process.env, NO_COLOR: '1', AUTOPACK_FIX_TEST_WRITE_PAUSE_MS: '400' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.resume();
    // Once the first file is written, stop it.
    await waitFor(() => assertWholeFiles(dir) > 0);
    child.kill('SIGTERM');
    const code = await new Promise((resolve) => child.on('close', resolve));
    expect(code).toBe(143);
    const doc = JSON.parse(stdout) as { interrupted: string; written: string[]; notWritten: string[] };
    expect(doc.interrupted).toBe('SIGTERM');
    expect(doc.written.length).toBeGreaterThan(0);
    expect(doc.notWritten.length).toBeGreaterThan(0);
    expect([...doc.written, ...doc.notWritten].sort()).toEqual(Array.from({ length: FILES }, (_, i) => `svc${i}/compose.yaml`).sort());
    expect(assertWholeFiles(dir)).toBe(doc.written.length);
  });

  it('SIGKILL at any moment leaves no torn file, and re-runs finish the job', async () => {
    const dir = manyFixable();
    const delays = [300, 700, 1100, 1500, 1900, 2300, 2700, 3100];
    const progress: number[] = [];
    for (const ms of delays) {
      // A real process: SIGKILL ends it wherever it is.
      const r = await spawnCli([dir, '--write', '--allow-dirty'], { AUTOPACK_FIX_TEST_WRITE_PAUSE_MS: '60' }, { ms, signal: 'SIGKILL' });
      if (r.signal !== 'SIGKILL') expect(r.code).toBe(0);
      progress.push(assertWholeFiles(dir));
    }
    const last = await cli([dir, '--write', '--allow-dirty']);
    expect(last.code).toBe(0);
    expect(assertWholeFiles(dir)).toBe(FILES);
    expect(strayTemps(dir)).toEqual([]);
    // Figures for the notes: fixed files after each kill (never fewer than before).
    expect(progress).toEqual([...progress].sort((a, b) => a - b));
  });
});

describe('an I/O failure on one file', () => {
  it('reports the file, writes the others, and leaves the failed one as it was', async () => {
    const dir = manyFixable();
    const ws = await Workspace.open(dir);
    const result = await run(ws, { rules: RULES.filter((r) => r.meta.id === 'compose-undeclared-volume'), apply: new Set(['safe']) });
    expect(result.changes).toHaveLength(FILES);
    // One target's directory vanishes between reading and writing (an unmounted or deleted
    // directory): as root, chmod cannot deny a write, so this is the I/O failure we can cause.
    const victim = path.join(dir, 'svc3', 'compose.yaml');
    const content = readFileSync(victim, 'utf8');
    rmSync(path.join(dir, 'svc3'), { recursive: true });
    const outcome = writeChanges(ws, result.changes);
    expect(outcome.written).toHaveLength(FILES - 1);
    expect(outcome.errors.map((e) => e.file)).toEqual(['svc3/compose.yaml']);
    expect(content).toBe(original(3));
  });
});

// ---------------------------------------------------------------------------------------------
// Injected faults (full disk, permission denied, failed rename) through the WriteFs seam, and
// multi-file fixes that must land together or not at all.

import { chmodSync, existsSync, realpathSync, statSync } from 'node:fs';
import type { FileChange } from '../src/engine/run.js';
import type { WriteFs } from '../src/engine/write.js';
import { writeChangesInterruptible } from '../src/engine/write.js';

function errno(code: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`${code}: injected`), { code });
}

/** A repository with a.txt and b.txt committed; the tests write to them and create files. */
async function smallRepo(): Promise<{ dir: string; ws: Workspace }> {
  const dir = mkdtempSync(path.join(tmpdir(), 'apf-fault-'));
  cleanup.push(dir);
  writeFileSync(path.join(dir, 'a.txt'), 'alpha\n');
  writeFileSync(path.join(dir, 'b.txt'), 'beta\n');
  writeFileSync(path.join(dir, 'd.txt'), 'delta\n');
  gitIn(dir, ['init', '-q']);
  const ws = await Workspace.open(dir);
  for (const p of ['a.txt', 'b.txt', 'd.txt']) ws.read(p);
  return { dir, ws };
}

/** a.txt, new/dir/c.txt and b.txt tied by one fix; d.txt on its own. */
function changes(): FileChange[] {
  const tie = (self: string): string[] => ['a.txt', 'b.txt', 'new/dir/c.txt'].filter((p) => p !== self);
  return [
    { path: 'a.txt', before: 'alpha\n', after: 'ALPHA\n', bom: false, linked: tie('a.txt') },
    { path: 'new/dir/c.txt', before: undefined, after: 'gamma\n', bom: false, linked: tie('new/dir/c.txt') },
    { path: 'b.txt', before: 'beta\n', after: 'BETA\n', bom: false, linked: tie('b.txt') },
    { path: 'd.txt', before: 'delta\n', after: 'DELTA\n', bom: false },
  ];
}

/** Fail `call` for the temp file of `target` (the fd or path carries the target's name). */
function failFor(target: string, call: 'open' | 'write' | 'rename', code: string): Partial<WriteFs> {
  const fds = new Map<number, string>();
  const isTemp = (p: string): boolean => path.basename(p).startsWith(`.${path.basename(target)}.autopack-fix-`) && p.includes(path.dirname(target));
  return {
    openSync: ((p: string, flags: string, mode?: number) => {
      if (call === 'open' && isTemp(p)) throw errno(code);
      const fd = openSync(p, flags, mode);
      fds.set(fd, p);
      return fd;
    }) as WriteFs['openSync'],
    writeSync: (fd, buffer, offset, length) => {
      if (call === 'write' && isTemp(fds.get(fd) ?? '')) throw errno(code);
      return writeSync(fd, buffer, offset, length);
    },
    renameSync: (from, to) => {
      if (call === 'rename' && isTemp(String(from))) throw errno(code);
      renameSync(from, to);
    },
  };
}

import { openSync, writeSync, renameSync } from 'node:fs';

const messages = (o: { errors: Array<{ message: string }> }): string[] => o.errors.map((e) => e.message);

describe('injected write faults', () => {
  it('a full disk on the last file of a multi-file fix rolls the whole fix back; other fixes land', async () => {
    const { dir, ws } = await smallRepo();
    const before = readTree(dir);
    const outcome = writeChanges(ws, changes(), { fs: failFor('b.txt', 'write', 'ENOSPC') });
    expect(messages(outcome)).toEqual([
      'b.txt: write failed (ENOSPC); left as it was',
      'a.txt: rolled back to its original bytes: it shares a fix with b.txt, which was not written',
      'new/dir/c.txt: removed again: it shares a fix with b.txt, which was not written',
    ]);
    expect(outcome.written).toEqual(['d.txt']);
    const after = readTree(dir);
    expect(after.get('d.txt')?.toString()).toBe('DELTA\n');
    after.delete('d.txt');
    before.delete('d.txt');
    expect(after).toEqual(before);
    // The directories made for the created file are gone too, and no temp file is left.
    expect(existsSync(path.join(dir, 'new'))).toBe(false);
    expect(readdirSync(dir).filter((n) => n.includes('autopack-fix'))).toEqual([]);
  });

  it('permission denied on the first file: nothing of that fix is written', async () => {
    const { dir, ws } = await smallRepo();
    const outcome = writeChanges(ws, changes(), { fs: failFor('a.txt', 'open', 'EACCES') });
    expect(messages(outcome)).toEqual([
      'a.txt: write failed (EACCES); left as it was',
      'new/dir/c.txt: not written: it shares a fix with a.txt, which was not written',
      'b.txt: not written: it shares a fix with a.txt, which was not written',
    ]);
    expect(outcome.written).toEqual(['d.txt']);
    expect(readFileSync(path.join(dir, 'a.txt'), 'utf8')).toBe('alpha\n');
    expect(existsSync(path.join(dir, 'new'))).toBe(false);
  });

  it('a failed rename leaves the original and removes the temp file', async () => {
    const { dir, ws } = await smallRepo();
    const outcome = writeChanges(ws, changes().filter((c) => c.path === 'd.txt'), { fs: failFor('d.txt', 'rename', 'EIO') });
    expect(messages(outcome)).toEqual(['d.txt: write failed (EIO); left as it was']);
    expect(readFileSync(path.join(dir, 'd.txt'), 'utf8')).toBe('delta\n');
    expect(readdirSync(dir).filter((n) => n.includes('autopack-fix'))).toEqual([]);
  });

  it('a rollback that itself fails says so, and the file holds its whole fixed text', async () => {
    const { dir, ws } = await smallRepo();
    // b.txt fails; a.txt's rollback (a second rename onto a.txt) fails too.
    let aRenames = 0;
    const fs: Partial<WriteFs> = {
      ...failFor('b.txt', 'rename', 'EIO'),
      renameSync: (from, to) => {
        if (path.basename(String(from)).startsWith('.b.txt.')) throw errno('EIO');
        if (path.basename(String(from)).startsWith('.a.txt.') && ++aRenames === 2) throw errno('EROFS');
        renameSync(from, to);
      },
    };
    const outcome = writeChanges(ws, changes().filter((c) => c.path !== 'd.txt').map((c) => ({ ...c, linked: c.linked?.filter((l) => l !== 'new/dir/c.txt') })).filter((c) => c.path !== 'new/dir/c.txt'), { fs });
    expect(messages(outcome)).toEqual([
      'b.txt: write failed (EIO); left as it was',
      'a.txt: written, but could not be rolled back (EROFS) after b.txt failed; it holds its complete fixed text',
    ]);
    expect(outcome.written).toEqual(['a.txt']);
    expect(readFileSync(path.join(dir, 'a.txt'), 'utf8')).toBe('ALPHA\n');
    expect(readFileSync(path.join(dir, 'b.txt'), 'utf8')).toBe('beta\n');
  });

  it('a file changed by someone else while earlier files were being written is not written', async () => {
    const { dir, ws } = await smallRepo();
    const solo = changes().map((c) => ({ ...c, linked: undefined })).filter((c) => c.before !== undefined);
    let calls = 0;
    const outcome = await writeChangesInterruptible(ws, solo, {
      // Called before each group: after the first file is written, someone edits b.txt.
      stopRequested: () => {
        if (++calls === 2) writeFileSync(path.join(dir, 'b.txt'), 'beta, edited\n');
        return false;
      },
    });
    expect(messages(outcome)).toEqual(['b.txt: changed on disk since it was read; not written']);
    expect(outcome.written).toEqual(['a.txt', 'd.txt']);
    expect(readFileSync(path.join(dir, 'b.txt'), 'utf8')).toBe('beta, edited\n');
  });

  it('a read-only file is refused even for root, with its bytes and mode kept; its fix partners too', async () => {
    const { dir, ws } = await smallRepo();
    chmodSync(path.join(dir, 'b.txt'), 0o444);
    const outcome = writeChanges(ws, changes());
    expect(messages(outcome)).toEqual([
      'b.txt: is read-only (no write permission); not written',
      'a.txt: not written: it shares a fix with b.txt, which was not written',
      'new/dir/c.txt: not written: it shares a fix with b.txt, which was not written',
    ]);
    expect(outcome.written).toEqual(['d.txt']);
    expect(readFileSync(path.join(dir, 'b.txt'), 'utf8')).toBe('beta\n');
    expect(statSync(path.join(dir, 'b.txt')).mode & 0o777).toBe(0o444);
    expect(readFileSync(path.join(dir, 'a.txt'), 'utf8')).toBe('alpha\n');
  });

  it('run() ties the files of a multi-file fix together (redaction fix + generated test)', async () => {
    const repo = repoFrom(path.join(ROOT, 'fixtures', 'redaction-key-normalization', 'with-tests-src-layout', 'input'));
    cleanup.push(repo);
    const ws = await Workspace.open(repo);
    const result = await run(ws, { rules: RULES.filter((r) => r.meta.id === 'redaction-key-normalization'), apply: new Set(['safe']), ruleOptions: { 'redaction-key-normalization': { withTests: true } } });
    expect(result.changes.map((c) => [c.path, c.linked])).toEqual([
      ['src/acme/sanitizer.py', ['tests/test_sanitizer_redaction_contract.py']],
      ['tests/test_sanitizer_redaction_contract.py', ['src/acme/sanitizer.py']],
    ]);
  });
});

// ---------------------------------------------------------------------------------------------
// Real permissions and a real full disk, through the built binary. Root ignores permission
// bits, so as root the binary runs without the capabilities that let it (setpriv drops
// CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH and CAP_FOWNER from its bounding set): still uid 0, so
// the checkout stays readable wherever it is, but a 0444 file or a 0555 directory now denies.

const AS_ROOT = process.getuid?.() === 0;
const SETPRIV = AS_ROOT ? ['/usr/bin/setpriv', '/bin/setpriv'].find((p) => existsSync(p)) : undefined;
const CAN_BE_DENIED = !AS_ROOT || SETPRIV !== undefined;


/** The built binary without the capabilities that override permissions: a process of its own is needed to drop them. */
function runAs(args: string[], env: Record<string, string> = {}, cwd?: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const [cmd, ...pre] = SETPRIV ? [SETPRIV, '--bounding-set=-dac_override,-dac_read_search,-fowner', process.execPath] : [process.execPath];
    const child = spawn(cmd as string, [...pre, BIN, ...args], {
      cwd,
      env: { ...process.env, NO_COLOR: '1', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

const errorLines = (stderr: string): string[] => stderr.split('\n').filter((l) => / (write failed|is read-only|changed on disk|not written)/.test(l));

describe('permissions, as an ordinary user', () => {
  it.skipIf(!CAN_BE_DENIED)('a read-only file and a directory without write permission: per-file errors, exit 2, the rest written', async () => {
    const dir = manyFixable();
    chmodSync(path.join(dir, 'svc2', 'compose.yaml'), 0o444);
    chmodSync(path.join(dir, 'svc5'), 0o555);
    const r = await runAs([dir, '--write', '--rule', 'compose-undeclared-volume']);
    chmodSync(path.join(dir, 'svc5'), 0o755);
    expect(r.code, r.stderr).toBe(2);
    expect(errorLines(r.stderr)).toEqual([
      'error: svc2/compose.yaml: is read-only (no write permission); not written',
      'error: svc5/compose.yaml: write failed (EACCES); left as it was',
    ]);
    for (let i = 0; i < FILES; i++) {
      const text = readFileSync(path.join(dir, `svc${i}`, 'compose.yaml'), 'utf8');
      expect(text, `svc${i}`).toBe(i === 2 || i === 5 ? original(i) : fixed(i));
    }
    expect(statSync(path.join(dir, 'svc2', 'compose.yaml')).mode & 0o777).toBe(0o444);
    expect(strayTemps(dir)).toEqual([]);
  });
});

describe('a .git that cannot be read is named, not called a missing repository (issue 18)', () => {
  /** A committed repository whose `.git` (or a part of it) is then made unreadable. */
  function repoWithGit(): string {
    const dir = realpathSync(mkdtempSync(path.join(tmpdir(), 'apf-gitperm-')));
    cleanup.push(dir);
    writeFileSync(path.join(dir, 'compose.yaml'), original(0));
    gitIn(dir, ['init', '-q']);
    gitIn(dir, ['add', '-A']);
    gitIn(dir, ['commit', '-qm', 'x']);
    return dir;
  }
  const refusal = (what: string, command: '--write' | '--branch'): string =>
    `autopack-fix: cannot tell whether . is inside a git work tree: ${what}; ${command === '--write' ? '--write needs one to be undoable (use --allow-dirty to write anyway)' : '--branch needs one'}\n`;

  it.skipIf(!CAN_BE_DENIED)('.git, its HEAD or its objects without permission: the path and EACCES, for --write and --write --branch', async () => {
    for (const part of ['.git', '.git/HEAD', '.git/objects']) {
      const dir = repoWithGit();
      const target = path.join(dir, part);
      const mode = statSync(target).mode & 0o777;
      chmodSync(target, 0o000);
      const write = await runAs(['.', '--write'], {}, dir);
      const branch = await runAs(['.', '--write', '--branch'], {}, dir);
      chmodSync(target, mode);
      expect([write.code, write.stderr], part).toEqual([2, refusal(`${target} cannot be read (EACCES: permission denied)`, '--write')]);
      expect([branch.code, branch.stderr], part).toEqual([2, refusal(`${target} cannot be read (EACCES: permission denied)`, '--branch')]);
      expect(readFileSync(path.join(dir, 'compose.yaml'), 'utf8')).toBe(original(0));
    }
  });

  it('a .git file naming a git directory that is gone: that directory and ENOENT', async () => {
    const dir = realpathSync(mkdtempSync(path.join(tmpdir(), 'apf-gitfile-')));
    cleanup.push(dir);
    writeFileSync(path.join(dir, 'compose.yaml'), original(0));
    writeFileSync(path.join(dir, '.git'), 'gitdir: ../moved-away.git\n');
    const r = await cli(['.', '--write'], {}, dir);
    expect([r.code, r.stderr]).toEqual([2, refusal(`${path.join(path.dirname(dir), 'moved-away.git')} cannot be read (ENOENT: no such file or directory)`, '--write')]);
  });

  it.skipIf(!AS_ROOT)('a repository git refuses (owned by another user): git\'s own reason', async () => {
    const dir = repoWithGit();
    execFileSync('chown', ['-R', '4321:4321', dir]);
    const r = await cli(['.', '--write'], { GIT_CONFIG_GLOBAL: '/dev/null', GIT_CONFIG_NOSYSTEM: '1' }, dir);
    expect([r.code, r.stderr]).toEqual([2, refusal(`git refuses it: detected dubious ownership in repository at '${dir}'`, '--write')]);
  });

  it('pr names the .git file\'s missing directory too, rather than "not inside a git work tree"', async () => {
    const dir = realpathSync(mkdtempSync(path.join(tmpdir(), 'apf-gitfile-pr-')));
    cleanup.push(dir);
    writeFileSync(path.join(dir, 'compose.yaml'), original(0));
    writeFileSync(path.join(dir, '.git'), 'gitdir: ../moved-away.git\n');
    const r = await cli(['pr', '.', '--dry-run'], {}, dir);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`cannot tell whether . is inside a git work tree: ${path.join(path.dirname(dir), 'moved-away.git')} cannot be read (ENOENT: no such file or directory)`);
  });

  it('a plain report on a root whose .git cannot be read says so, then checks the files on disk', async () => {
    const dir = realpathSync(mkdtempSync(path.join(tmpdir(), 'apf-gitfile-check-')));
    cleanup.push(dir);
    writeFileSync(path.join(dir, 'compose.yaml'), original(0));
    writeFileSync(path.join(dir, '.git'), 'gitdir: ../moved-away.git\n');
    const r = await cli(['.', '--format', 'json'], {}, dir);
    expect(r.stderr).toContain(`note: cannot tell whether . is inside a git work tree: ${path.join(path.dirname(dir), 'moved-away.git')} cannot be read (ENOENT: no such file or directory); checking the files on disk as outside git`);
    expect(JSON.parse(r.stdout).findings.length).toBeGreaterThan(0);
    const quiet = await cli(['.', '--quiet', '--format', 'json'], {}, dir);
    expect(quiet.stderr).not.toContain('cannot tell whether');
  });

  it('no .git at all is still "not inside a git work tree"', async () => {
    const dir = realpathSync(mkdtempSync(path.join(tmpdir(), 'apf-nogit-')));
    cleanup.push(dir);
    writeFileSync(path.join(dir, 'compose.yaml'), original(0));
    const r = await cli(['.', '--write'], {}, dir);
    expect([r.code, r.stderr]).toEqual([2, 'autopack-fix: . is not inside a git work tree; --write needs one to be undoable (use --allow-dirty to write anyway)\n']);
  });
});

describe('reports tell what reached the disk (issue 18, item 6)', () => {
  it('a fix whose file was not written is `not-written`, its finding remains, and only written files count', async () => {
    const dir = manyFixable();
    // Refused even for root: the tool checks the write bit itself.
    chmodSync(path.join(dir, 'svc2', 'compose.yaml'), 0o444);
    const r = await cli([dir, '--write', '--format', 'json']);
    expect(r.code).toBe(2);
    const report = JSON.parse(r.stdout) as { summary: { remaining: number; filesChanged: number }; findings: Array<{ file: string; fix: { status: string } | null }>; written: string[] };
    const status = (file: string): string | undefined => report.findings.find((f) => f.file === file)?.fix?.status;
    expect(status('svc2/compose.yaml')).toBe('not-written');
    expect(status('svc3/compose.yaml')).toBe('applied');
    expect(report.summary.remaining).toBe(1);
    expect(report.summary.filesChanged).toBe(FILES - 1);
    expect(report.written).toHaveLength(FILES - 1);
    const text = await cli([dir, '--write', '--allow-dirty']);
    expect(text.stdout).toMatch(/svc2\/compose\.yaml[\s\S]*\[fix not written \(see the errors\)\]/);
    expect(text.stdout).not.toMatch(/svc3\/compose\.yaml/);
  });
});

/** A tmpfs of `kib` KiB at a fresh mount point, or undefined where mounting is not allowed. */
function smallDisk(kib: number): string | undefined {
  if (!AS_ROOT) return undefined;
  const mnt = mkdtempSync(path.join(tmpdir(), 'apf-disk-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${kib}k`, 'tmpfs', mnt], { stdio: 'ignore' });
    return mnt;
  } catch {
    rmSync(mnt, { recursive: true, force: true });
    return undefined;
  }
}

import { execFileSync } from 'node:child_process';

const DISK = smallDisk(2048);
afterAll(() => {
  if (DISK) {
    execFileSync('umount', [DISK]);
    rmSync(DISK, { recursive: true, force: true });
  }
});

describe('a full disk', () => {
  // Needs a tmpfs mount (root with CAP_SYS_ADMIN, as on CI); the injected ENOSPC test above
  // covers the same path everywhere else.
  it.skipIf(!DISK)('every write fails with ENOSPC: exit 2, nothing half-written, no temp file; with space again a re-run finishes', async () => {
    const dir = path.join(DISK as string, 'repo');
    mkdirSync(dir);
    for (let i = 0; i < FILES; i++) {
      mkdirSync(path.join(dir, `svc${i}`));
      writeFileSync(path.join(dir, `svc${i}`, 'compose.yaml'), original(i));
    }
    gitIn(dir, ['init', '-q']);
    gitIn(dir, ['add', '-A']);
    gitIn(dir, ['commit', '-qm', 'x']);
    const before = readTree(dir);
    // Fill the disk (outside the repository, so the tree stays clean).
    const filler = path.join(DISK as string, 'filler');
    const fd = openSync(filler, 'w');
    try {
      for (;;) writeSync(fd, Buffer.alloc(4096, 1), 0, 4096);
    } catch (e) {
      expect((e as NodeJS.ErrnoException).code).toBe('ENOSPC');
    }
    closeSync(fd);
    const r = await cli([dir, '--write']);
    expect(r.code, r.stderr).toBe(2);
    expect(errorLines(r.stderr), r.stderr).toEqual(Array.from({ length: FILES }, (_, i) => `error: svc${i}/compose.yaml: write failed (ENOSPC); left as it was`).sort());
    expect(readTree(dir)).toEqual(before);
    expect(strayTemps(dir)).toEqual([]);
    rmSync(filler);
    const again = await cli([dir, '--write']);
    expect(again.code, again.stderr).toBe(0);
    expect(assertWholeFiles(dir)).toBe(FILES);
  });
});

import { closeSync } from 'node:fs';

describe('the CLI when a file changes during --write', () => {
  it('that file is not written, the others are, and the run exits 2 naming it', async () => {
    const dir = manyFixable();
    // In process: the run yields to the event loop between files, so this test can edit meanwhile.
    const child = cli([dir, '--write'], { AUTOPACK_FIX_TEST_WRITE_PAUSE_MS: '150' });
    // Once the first file is written, someone else edits the last one.
    const last = path.join(dir, `svc${FILES - 1}`, 'compose.yaml');
    await waitFor(() => assertWholeFiles(dir) > 0);
    writeFileSync(last, `${original(FILES - 1)}# edited\n`);
    const r = await child;
    expect(r.code, r.stderr).toBe(2);
    expect(errorLines(r.stderr)).toEqual([`error: svc${FILES - 1}/compose.yaml: changed on disk since it was read; not written`]);
    expect(readFileSync(last, 'utf8')).toBe(`${original(FILES - 1)}# edited\n`);
    for (let i = 0; i < FILES - 1; i++) expect(readFileSync(path.join(dir, `svc${i}`, 'compose.yaml'), 'utf8')).toBe(fixed(i));
  });
});

// ---------------------------------------------------------------------------------------------
// A SIGKILL between the two files of one multi-file fix: the undo journal puts the first back on
// the next --write, which then applies the fix whole.

import { cpSync } from 'node:fs';
import { spawnSync } from 'node:child_process';

describe('a SIGKILL inside a multi-file fix', () => {
  const CASE = path.join(ROOT, 'fixtures', 'redaction-key-normalization', 'with-tests-src-layout');
  const SANITIZER = 'src/acme/sanitizer.py';
  const CONTRACT = 'tests/test_sanitizer_redaction_contract.py';

  function fixtureRepo(): string {
    const dir = mkdtempSync(path.join(tmpdir(), 'apf-journal-'));
    cleanup.push(dir);
    cpSync(path.join(CASE, 'input'), dir, { recursive: true });
    writeFileSync(path.join(dir, 'autopack-fix.config.json'), JSON.stringify({ rules: { 'redaction-key-normalization': { options: { withTests: true } } } }));
    gitIn(dir, ['init', '-q']);
    gitIn(dir, ['add', '-A']);
    gitIn(dir, ['commit', '-qm', 'x']);
    return dir;
  }

  it('the next --write puts the half-written fix back, says so, and applies it whole', async () => {
    const dir = fixtureRepo();
    const original = readFileSync(path.join(dir, SANITIZER), 'utf8');
    // A real process: SIGKILL between the two files of the fix.
    const child = spawn(process.execPath, [BIN, dir, '--write', '--rule', 'redaction-key-normalization'], { env: { ...process.env, NO_COLOR: '1', AUTOPACK_FIX_TEST_WRITE_PAUSE_MS: '3000' }, stdio: 'ignore' });
    const exited = new Promise((resolve) => child.on('close', resolve));
    await waitFor(() => readFileSync(path.join(dir, SANITIZER), 'utf8') !== original);
    child.kill('SIGKILL');
    await exited;
    // Half-done: the sanitizer is fixed, the contract test does not exist, the journal does.
    expect(readFileSync(path.join(dir, SANITIZER), 'utf8')).toBe(readFileSync(path.join(CASE, 'expected', SANITIZER), 'utf8'));
    expect(existsSync(path.join(dir, CONTRACT))).toBe(false);
    expect(readdirSync(path.join(dir, '.git', 'autopack-fix')).filter((n) => n.startsWith('journal-'))).toHaveLength(1);

    // Without --allow-dirty the half-done state is refused, and the message says why.
    const refused = await runCli([dir, '--write', '--rule', 'redaction-key-normalization']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toBe(`autopack-fix: the working tree has uncommitted changes (1 path, e.g. ${SANITIZER}); a killed --write left a multi-file fix half-done: --allow-dirty puts it back and applies it whole; commit or stash them, or pass --allow-dirty\n`);
    expect(readFileSync(path.join(dir, SANITIZER), 'utf8')).toBe(readFileSync(path.join(CASE, 'expected', SANITIZER), 'utf8'));
    const again = await runCli([dir, '--write', '--allow-dirty', '--rule', 'redaction-key-normalization']);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr.split('\n').filter((l) => l.includes('killed'))).toEqual([
      `note: a run killed while writing a multi-file fix (pid ${child.pid}) left it half-done: put back ${SANITIZER}`,
    ]);
    for (const p of [SANITIZER, CONTRACT]) expect(readFileSync(path.join(dir, p), 'utf8'), p).toBe(readFileSync(path.join(CASE, 'expected', p), 'utf8'));
    expect(existsSync(path.join(dir, '.git', 'autopack-fix'))).toBe(false);
  });
});

import { recoverJournals, Journal, journalEntry, pendingJournals, processStart } from '../src/engine/journal.js';
import { removeEmptyDirs, restoreFile } from '../src/engine/write.js';
import { linkSync, chownSync, fsyncSync } from 'node:fs';

/** A pid that belonged to a process that has exited, and a live one (a sleeping child). */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(r.stdout);
}

describe('journal recovery', () => {
  function setUp(): { dir: string; j: string; file: (n: string) => string } {
    const dir = mkdtempSync(path.join(tmpdir(), 'apf-jr-'));
    cleanup.push(dir);
    return { dir, j: path.join(dir, 'journal'), file: (n: string) => path.join(dir, n) };
  }
  const setPid = (j: string, pid: number): void => {
    for (const name of readdirSync(j)) {
      const doc = JSON.parse(readFileSync(path.join(j, name), 'utf8'));
      doc.pid = pid;
      doc.start = processStart(pid);
      writeFileSync(path.join(j, name), JSON.stringify(doc));
    }
  };

  it('puts back what a dead run wrote, removes what it created with its directories, and names what changed since', () => {
    const { dir, j, file } = setUp();
    writeFileSync(file('a'), 'A fixed');
    writeFileSync(file('b'), 'B edited by someone');
    mkdirSync(path.join(dir, 'new', 'deep'), { recursive: true });
    writeFileSync(file('new/deep/c'), 'C created');
    writeFileSync(file('d'), 'D original');
    Journal.begin(j, dir, [
      journalEntry('a', Buffer.from('A original'), Buffer.from('A fixed')),
      journalEntry('b', Buffer.from('B original'), Buffer.from('B fixed')),
      journalEntry('new/deep/c', undefined, Buffer.from('C created'), ['new', 'new/deep']),
      journalEntry('d', Buffer.from('D original'), Buffer.from('D fixed')),
    ]);
    const live = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 20000)'], { stdio: 'ignore' });
    try {
      // A live writer (another process) is left alone.
      setPid(j, live.pid as number);
      expect(pendingJournals(j)).toBe(0);
      expect(recoverJournals(j, { root: dir, restore: restoreFile, removeEmptyDirs })).toEqual([]);
      expect(readFileSync(file('a'), 'utf8')).toBe('A fixed');
    } finally {
      live.kill();
    }
    // Our own pid with another start time: a pid reused by a later process, so the writer is gone.
    const doc = JSON.parse(readFileSync(path.join(j, readdirSync(j)[0] as string), 'utf8'));
    expect(doc.start).toMatch(/^\d+$/);
    const reused = { ...doc, pid: process.pid, start: '1' };
    writeFileSync(path.join(j, readdirSync(j)[0] as string), JSON.stringify(reused));
    expect(pendingJournals(j)).toBe(1);
    const dead = deadPid();
    setPid(j, dead);
    expect(pendingJournals(j)).toBe(1);
    expect(recoverJournals(j, { root: dir, restore: restoreFile, removeEmptyDirs }).map((d) => d.message)).toEqual([
      `a run killed while writing a multi-file fix (pid ${dead}) left it half-done: put back a, new/deep/c; left as they are: b (changed since)`,
    ]);
    expect(readFileSync(file('a'), 'utf8')).toBe('A original');
    expect(readFileSync(file('b'), 'utf8')).toBe('B edited by someone');
    expect(existsSync(file('new'))).toBe(false);
    expect(readFileSync(file('d'), 'utf8')).toBe('D original');
    expect(existsSync(j)).toBe(false);
  });

  it('leaves a state the user committed since, and keeps a journal whose undo fails', () => {
    const { dir, j, file } = setUp();
    writeFileSync(file('a'), 'A fixed');
    writeFileSync(file('b'), 'B fixed');
    Journal.begin(j, dir, [journalEntry('a', Buffer.from('A original'), Buffer.from('A fixed')), journalEntry('b', Buffer.from('B original'), Buffer.from('B fixed'))]);
    const dead = deadPid();
    setPid(j, dead);
    const restore = (target: string, bytes: Buffer): void => {
      if (target === file('b')) throw Object.assign(new Error('no'), { code: 'EROFS' });
      restoreFile(target, bytes);
    };
    const committed = (target: string): boolean => target === file('a');
    expect(recoverJournals(j, { root: dir, restore, committed }).map((d) => d.message)).toEqual([
      `a run killed while writing a multi-file fix (pid ${dead}) left it half-done: put back nothing; left as they are: a (committed since); could not put back: b (EROFS) (the journal is kept: ${path.join(j, readdirSync(j)[0] as string)})`,
    ]);
    expect(readFileSync(file('a'), 'utf8')).toBe('A fixed');
    expect(readdirSync(j)).toHaveLength(1);
    // An unreadable journal is named and left in place; it does not stop the others.
    writeFileSync(path.join(j, 'journal-1-bad.json'), '{');
    const notes = recoverJournals(j, { root: dir, restore: restoreFile }).map((d) => d.message);
    expect(notes[0]).toMatch(/^unreadable undo journal .*journal-1-bad\.json/);
    expect(readFileSync(file('b'), 'utf8')).toBe('B original');
  });
});

describe('more write faults, found in review', () => {
  it('a file someone edits after we wrote it is not rolled back over their edit', async () => {
    const { dir, ws } = await smallRepo();
    const fs: Partial<WriteFs> = {
      ...failFor('b.txt', 'write', 'ENOSPC'),
      openSync: ((p: string, flags: string, mode?: number) => {
        if (path.basename(p).startsWith('.b.txt.')) {
          writeFileSync(path.join(dir, 'a.txt'), 'ALPHA, then edited by someone\n');
          throw errno('ENOSPC');
        }
        return openSync(p, flags, mode);
      }) as WriteFs['openSync'],
    };
    const outcome = writeChanges(ws, changes().filter((c) => c.path !== 'd.txt'), { fs });
    expect(messages(outcome)).toEqual([
      'b.txt: write failed (ENOSPC); left as it was',
      'a.txt: written, then changed by someone else before b.txt failed; left as it is (not rolled back)',
      'new/dir/c.txt: removed again: it shares a fix with b.txt, which was not written',
    ]);
    expect(readFileSync(path.join(dir, 'a.txt'), 'utf8')).toBe('ALPHA, then edited by someone\n');
    expect(existsSync(path.join(dir, 'new'))).toBe(false);
  });

  it('two files created in one new directory: a rollback removes both and the directory', async () => {
    const { dir, ws } = await smallRepo();
    const tie = (self: string): string[] => ['new/x.txt', 'new/y.txt', 'b.txt'].filter((p) => p !== self);
    const group: FileChange[] = [
      { path: 'new/x.txt', before: undefined, after: 'x\n', bom: false, linked: tie('new/x.txt') },
      { path: 'new/y.txt', before: undefined, after: 'y\n', bom: false, linked: tie('new/y.txt') },
      { path: 'b.txt', before: 'beta\n', after: 'BETA\n', bom: false, linked: tie('b.txt') },
    ];
    const outcome = writeChanges(ws, group, { fs: failFor('b.txt', 'rename', 'EIO') });
    expect(messages(outcome)).toEqual([
      'b.txt: write failed (EIO); left as it was',
      'new/x.txt: removed again: it shares a fix with b.txt, which was not written',
      'new/y.txt: removed again: it shares a fix with b.txt, which was not written',
    ]);
    expect(existsSync(path.join(dir, 'new'))).toBe(false);
  });

  it('a new file whose write fails leaves no directory made for it', async () => {
    const { dir, ws } = await smallRepo();
    const outcome = writeChanges(ws, [{ path: 'made/for/it.txt', before: undefined, after: 'x\n', bom: false }], { fs: failFor('made/for/it.txt', 'open', 'ENOSPC') });
    expect(messages(outcome)).toEqual(['made/for/it.txt: write failed (ENOSPC); left as it was']);
    expect(existsSync(path.join(dir, 'made'))).toBe(false);
  });

  it('an edit that lands while the temp file is written is kept: checked again right before the rename', async () => {
    const { dir, ws } = await smallRepo();
    const fs: Partial<WriteFs> = {
      fsyncSync: (fd: number) => {
        writeFileSync(path.join(dir, 'd.txt'), 'delta, saved by an editor\n');
        fsyncSync(fd);
      },
    };
    const outcome = writeChanges(ws, changes().filter((c) => c.path === 'd.txt'), { fs });
    expect(messages(outcome)).toEqual(['d.txt: changed on disk since it was read; not written']);
    expect(readFileSync(path.join(dir, 'd.txt'), 'utf8')).toBe('delta, saved by an editor\n');
    expect(readdirSync(dir).filter((n) => n.includes('autopack-fix'))).toEqual([]);
  });

  it('a file with another hard link is refused (a rename would split the two)', async () => {
    const { dir, ws } = await smallRepo();
    linkSync(path.join(dir, 'd.txt'), path.join(dir, 'd-link.txt'));
    const outcome = writeChanges(ws, changes().filter((c) => c.path === 'd.txt'));
    expect(messages(outcome)).toEqual(['d.txt: has 2 hard links; a write would split them, so it is not written']);
    expect(readFileSync(path.join(dir, 'd-link.txt'), 'utf8')).toBe('delta\n');
  });

  it.skipIf(!AS_ROOT)('as root, a written file keeps its owner', async () => {
    const { dir, ws } = await smallRepo();
    chownSync(path.join(dir, 'd.txt'), 1234, 2345);
    const outcome = writeChanges(ws, changes().filter((c) => c.path === 'd.txt'));
    expect(outcome.errors).toEqual([]);
    const st = statSync(path.join(dir, 'd.txt'));
    expect([st.uid, st.gid, readFileSync(path.join(dir, 'd.txt'), 'utf8')]).toEqual([1234, 2345, 'DELTA\n']);
  });

  it('a temp file left by a killed run is not part of the run and does not make the tree dirty', async () => {
    const dir = manyFixable();
    writeFileSync(path.join(dir, 'svc1', '.compose.yaml.autopack-fix-999999-abcd1234.tmp'), 'partial');
    const r = await cli([dir, '--write']);
    expect(r.code, r.stderr).toBe(0);
    expect(assertWholeFiles(dir)).toBe(FILES);
    expect(strayTemps(dir)).toEqual([]);
  });
});
