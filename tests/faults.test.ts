/**
 * Faults between reading and writing, in process: a file changed on disk after run() and before
 * writeChanges() is not written, the other files are, and the error names it.
 * Not covered here (see docs/robustness.md): read-only files and permission-denied directories
 * (tests run as root, where chmod does not deny), SIGKILL/SIGINT loops.
 */
import { describe, it, expect, afterAll } from 'vitest';
import { writeFileSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { ROOT, repoFrom, readTree, removeDir } from './helpers/repo.js';
import { Workspace } from '../src/workspace/workspace.js';
import { run } from '../src/engine/run.js';
import { writeChanges } from '../src/engine/write.js';
import { RULES } from '../src/rules/registry.js';

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

function runCli(args: string[], env: Record<string, string>, killAfterMs?: { ms: number; signal: NodeJS.Signals }): Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args, '--rule', 'compose-undeclared-volume'], { env: { ...process.env, NO_COLOR: '1', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.stdout.resume();
    const timer = killAfterMs ? setTimeout(() => child.kill(killAfterMs.signal), killAfterMs.ms) : undefined;
    child.on('close', (code, signal) => {
      if (timer) clearTimeout(timer);
      resolve({ code, signal, stderr });
    });
  });
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
  it('SIGTERM stops after the file in progress and says what was and was not written', async () => {
    const dir = manyFixable();
    const r = await runCli([dir, '--write'], { AUTOPACK_FIX_TEST_WRITE_PAUSE_MS: '400' }, { ms: 2500, signal: 'SIGTERM' });
    expect(r.code).toBe(143);
    const m = /stopped by SIGTERM\. Written \((\d+)\): (.*?)\. Not written \((\d+)\): (.*?)\. Every file/.exec(r.stderr);
    expect(m, r.stderr).not.toBeNull();
    const written = Number(m![1]);
    expect(written + Number(m![3])).toBe(FILES);
    expect(assertWholeFiles(dir)).toBe(written);
    // A re-run finishes the job.
    const again = await runCli([dir, '--write', '--allow-dirty'], {});
    expect(again.code).toBe(0);
    expect(assertWholeFiles(dir)).toBe(FILES);
  });

  it('SIGKILL at any moment leaves no torn file, and re-runs finish the job', async () => {
    const dir = manyFixable();
    const delays = [300, 700, 1100, 1500, 1900, 2300, 2700, 3100];
    const progress: number[] = [];
    for (const ms of delays) {
      const r = await runCli([dir, '--write', '--allow-dirty'], { AUTOPACK_FIX_TEST_WRITE_PAUSE_MS: '60' }, { ms, signal: 'SIGKILL' });
      if (r.signal !== 'SIGKILL') expect(r.code).toBe(0);
      progress.push(assertWholeFiles(dir));
    }
    const last = await runCli([dir, '--write', '--allow-dirty'], {});
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
