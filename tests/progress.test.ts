import { describe, it, expect, vi, afterEach } from 'vitest';
import { progressEnabled, startProgress } from '../src/report/progress.js';

function stream(isTTY: boolean): { isTTY: boolean; out: string[]; write(s: string): boolean } {
  const out: string[] = [];
  return { isTTY, out, write: (s: string) => (out.push(s), true) };
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
});
