import { describe, it, expect, vi, afterEach, afterAll } from 'vitest';
import path from 'node:path';
import { countOf, progressEnabled, startProgress } from '../src/report/progress.js';
import { ROOT, repoFrom, removeDir } from './helpers/repo.js';
import { runCli } from './helpers/cli.js';

function stream(isTTY: boolean, columns?: number): { isTTY: boolean; columns?: number; out: string[]; write(s: string): boolean } {
  const out: string[] = [];
  return { isTTY, columns, out, write: (s: string) => (out.push(s), true) };
}

afterEach(() => vi.useRealTimers());

describe('progress', () => {
  it('is enabled only on a terminal, outside CI, not on a dumb terminal', () => {
    expect([
      progressEnabled(stream(true), {}),
      progressEnabled(stream(false), {}),
      progressEnabled({ write: () => true }, {}),
      progressEnabled(stream(true), { CI: 'true' }),
      progressEnabled(stream(true), { CI: '1' }),
      progressEnabled(stream(true), { CI: 'false' }),
      progressEnabled(stream(true), { TERM: 'dumb' }),
    ]).toEqual([true, false, false, false, false, true, false]);
  });

  it('draws nothing for a run shorter than the delay', () => {
    vi.useFakeTimers();
    const s = stream(true);
    const p = startProgress('checking', { stream: s, env: {} });
    vi.advanceTimersByTime(999);
    p.stop();
    vi.advanceTimersByTime(5000);
    expect(s.out).toEqual([]);
  });

  it('spins after one second, follows label updates, and erases its line on stop', () => {
    vi.useFakeTimers();
    const s = stream(true);
    const p = startProgress('checking', { stream: s, env: {}, intervalMs: 100 });
    vi.advanceTimersByTime(1000);
    vi.advanceTimersByTime(200);
    p.update('fixing');
    p.stop();
    p.stop();
    vi.advanceTimersByTime(1000);
    expect(s.out).toEqual(['\r\x1b[K⠋ checking', '\r\x1b[K⠙ checking', '\r\x1b[K⠹ checking', '\r\x1b[K⠸ fixing', '\r\x1b[K']);
  });

  it('never writes on a pipe or in CI', () => {
    vi.useFakeTimers();
    const pipe = stream(false);
    const ci = stream(true);
    const a = startProgress('x', { stream: pipe, env: {} });
    const b = startProgress('x', { stream: ci, env: { CI: 'true' } });
    vi.advanceTimersByTime(10_000);
    a.stop();
    b.stop();
    expect([pipe.out, ci.out, a.enabled, b.enabled]).toEqual([[], [], false, false]);
  });

  it('a label function is asked again at every frame; counts keep their width', () => {
    vi.useFakeTimers();
    const s = stream(true);
    let n = 7;
    const p = startProgress(() => `files read ${countOf(n, 120)}`, { stream: s, env: {}, intervalMs: 100 });
    vi.advanceTimersByTime(1000);
    n = 95;
    vi.advanceTimersByTime(100);
    p.stop();
    expect(s.out).toEqual(['\r\x1b[K⠋ files read   7/120', '\r\x1b[K⠙ files read  95/120', '\r\x1b[K']);
    expect(countOf(130, 120)).toBe('120/120');
  });

  it('no delay: drawn at once; a frame is cut one column short of the terminal width', () => {
    vi.useFakeTimers();
    const s = stream(true, 12);
    const p = startProgress('checking 10/13: compose-undeclared-volume', { stream: s, env: {}, delayMs: 0 });
    expect(s.out).toEqual(['\r\x1b[K⠋ checking ']);
    p.stop();
    expect(s.out[1]).toBe('\r\x1b[K');
  });
});

describe('progress of a CLI run on stderr (files read, then the rule)', () => {
  let repo: string | undefined;
  afterAll(() => repo && removeDir(repo));
  const run = async (args: string[], tty: boolean): Promise<{ frames: string[]; stderr: string; code: number }> => {
    repo ??= repoFrom(path.join(ROOT, 'fixtures', 'demo'));
    const r = await runCli([repo, ...args], { tty, env: { AUTOPACK_FIX_TEST_PROGRESS_DELAY_MS: '0', CI: undefined, TERM: 'xterm' } });
    return { frames: r.stderr.split('\r\x1b[K').filter((f) => f !== '' && !f.startsWith('note') && !f.startsWith('warning')), stderr: r.stderr, code: r.code };
  };

  it('on a terminal: files read n/N, with the rule being run, then the proof passes; the line erased at the end', async () => {
    const r = await run([], true);
    expect(r.code).toBe(1);
    const counts = r.frames.map((f) => /files read +(\d+)\/(\d+)/.exec(f)).filter((m): m is RegExpExecArray => m !== null);
    expect(counts.length).toBeGreaterThan(5);
    const total = Number(counts[0]?.[2]);
    expect(total).toBeGreaterThan(10);
    const read = counts.map((m) => Number(m[1]));
    expect(read).toEqual([...read].sort((a, b) => a - b));
    expect(Math.max(...read)).toBeLessThanOrEqual(total);
    expect(Math.max(...read)).toBeGreaterThan(0);
    expect(r.frames.some((f) => / · checking 1\/\d+: [a-z-]+$/.test(f))).toBe(true);
    // The last thing drawn on the line is its erase.
    expect(r.stderr.slice(r.stderr.lastIndexOf('\r\x1b[K') + 4)).not.toMatch(/[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏]/);
  });

  it('silent when stderr is no terminal, and with --quiet', async () => {
    for (const r of [await run([], false), await run(['--quiet'], true)]) {
      expect(r.stderr).not.toContain('\x1b[K');
      expect(r.stderr).not.toContain('files read');
    }
  });
});
