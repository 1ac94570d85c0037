/**
 * The spinner in a real pseudo-terminal (issue 17): `script` from util-linux runs the process on
 * a pty, and what the pty shows is replayed by a small terminal model (carriage return, line
 * feed, erase to end of line, wrap at the last column) into the final screen. The screen must
 * hold no trace of the spinner: after a run, and after Ctrl-C (a real ^C byte written to the
 * pty, which the line discipline turns into SIGINT). A control run without the erase shows that
 * the model does see a left-over spinner.
 *
 * Skipped, with the reason, where util-linux `script` is not installed.
 */
import { describe, it, expect, afterAll } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { ROOT, repoFrom, removeDir, tempDir } from './helpers/repo.js';

const BIN = path.join(ROOT, 'bin', 'autopack-fix.js');
const PROGRESS = pathToFileURL(path.join(ROOT, 'dist', 'src', 'report', 'progress.js')).href;
const FRAMES = /[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏]/;

const probe = spawnSync('script', ['--version'], { encoding: 'utf8' });
const NO_PTY = probe.error !== undefined || !/util-linux/.test(`${probe.stdout}${probe.stderr}`) ? 'util-linux `script` is not installed: no pseudo-terminal to run in' : undefined;

const cleanup: string[] = [];
afterAll(() => cleanup.forEach(removeDir));

/** What a terminal `width` columns wide shows after `raw`: one string per row, trailing blanks cut. */
export function screen(raw: string, width: number): string[] {
  const rows: string[][] = [[]];
  let r = 0;
  let c = 0;
  // After the last column the cursor stays there until the next character wraps it (as xterm).
  let pending = false;
  const chars = [...raw];
  for (let i = 0; i < chars.length; i++) {
    const ch = chars[i] as string;
    if (ch === '\x1b') {
      const rest = chars.slice(i, i + 32).join('');
      const csi = /^\x1b\[([0-9;?]*)([@-~])/.exec(rest);
      if (csi) {
        i += [...csi[0]].length - 1;
        if (csi[2] === 'K' && (csi[1] === '' || csi[1] === '0')) (rows[r] as string[]).length = Math.min((rows[r] as string[]).length, c);
        pending = false;
        continue;
      }
      continue;
    }
    if (ch === '\r') {
      c = 0;
      pending = false;
      continue;
    }
    if (ch === '\n') {
      r++;
      rows[r] ??= [];
      pending = false;
      continue;
    }
    if (ch === '\b') {
      c = Math.max(0, c - 1);
      continue;
    }
    if (ch < ' ') continue;
    if (pending) {
      r++;
      rows[r] ??= [];
      c = 0;
      pending = false;
    }
    (rows[r] as string[])[c] = ch;
    if (c === width - 1) pending = true;
    else c++;
  }
  return rows.map((row) => Array.from(row, (x) => x ?? ' ').join('').trimEnd());
}

interface PtyRun {
  code: number | null;
  raw: string;
}

/**
 * `command` (a shell command line) on a pty `width` columns wide, through `script`. `interrupt`:
 * once the output matches it, a ^C is typed.
 */
function onPty(command: string, width: number, env: Record<string, string | undefined>, interrupt?: RegExp): Promise<PtyRun> {
  return new Promise((resolve) => {
    const full: NodeJS.ProcessEnv = { ...process.env, ...env };
    // CI logs get no spinner (progress.ts): this test is about a terminal.
    delete full.CI;
    for (const [k, v] of Object.entries(env)) if (v === undefined) delete full[k];
    const child = spawn('script', ['-qefc', `stty cols ${width} rows 200; exec ${command}`, '/dev/null'], { env: full, stdio: ['pipe', 'pipe', 'pipe'] });
    let raw = '';
    let typed = false;
    child.stdout.on('data', (d: Buffer) => {
      raw += d.toString('utf8');
      if (interrupt && !typed && interrupt.test(raw)) {
        typed = true;
        child.stdin.write('\x03');
      }
    });
    child.stderr.resume();
    const killer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('close', (code) => {
      clearTimeout(killer);
      resolve({ code, raw });
    });
  });
}

const quote = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

describe.skipIf(NO_PTY !== undefined)(`the spinner in a pseudo-terminal${NO_PTY ? ` (skipped: ${NO_PTY})` : ''}`, () => {
  it('the terminal model sees what a terminal shows (wrap, erase)', () => {
    expect(screen('abcdef\r\x1b[Kxy', 10)).toEqual(['xy']);
    expect(screen('abcdefghijkl', 5)).toEqual(['abcde', 'fghij', 'kl']);
    // A wrapped line: erasing "the line" erases only its last row.
    expect(screen('0123456789AB\r\x1b[K', 10)).toEqual(['0123456789', '']);
    expect(screen('\x1b[1mbold\x1b[0m\r\nnext', 10)).toEqual(['bold', 'next']);
  });

  it('a run of the CLI: files read, then each rule, drawn on one line cut to the width; the final screen is the report alone', async () => {
    const repo = repoFrom(path.join(ROOT, 'fixtures', 'demo'));
    cleanup.push(repo);
    const width = 44;
    const cli = `${quote(process.execPath)} ${quote(BIN)} ${quote(repo)} --dry-run`;
    const spun = await onPty(cli, width, { AUTOPACK_FIX_TEST_PROGRESS_DELAY_MS: '0', NO_COLOR: '1' });
    // The same run with a spinner that never shows: the screen a clean erase must leave.
    const plain = await onPty(cli, width, { AUTOPACK_FIX_TEST_PROGRESS_DELAY_MS: '600000', NO_COLOR: '1' });
    expect(spun.code).toBe(1);
    expect(spun.raw).toMatch(/⠋ files read +\d+\/\d+/);
    expect(spun.raw).toMatch(/files read +\d+\/\d+ · checking 1\//);
    expect(plain.raw).not.toMatch(FRAMES);
    const final = screen(spun.raw, width);
    expect(final.filter((l) => FRAMES.test(l) || /files read|proving fixes/.test(l))).toEqual([]);
    expect(final).toEqual(screen(plain.raw, width));
    // Every frame fits in the width (a wrapped frame would leave its first row behind).
    for (const frame of spun.raw.split('\r\x1b[K').filter((f) => FRAMES.test(f[0] ?? ''))) expect([...frame].length, frame).toBeLessThan(width);
  });

  /** A process that shows the spinner until it is interrupted; `erase: false` leaves its signals alone. */
  function spinner(erase: boolean): string {
    const dir = tempDir('apf-pty-');
    cleanup.push(dir);
    const file = path.join(dir, 'spin.mjs');
    writeFileSync(
      file,
      `import { startProgress } from ${JSON.stringify(PROGRESS)};\nstartProgress('working on it', { stream: process.stderr, env: process.env, delayMs: 0, intervalMs: 40, handleSignals: ${erase} });\nsetInterval(() => {}, 1000);\n`,
    );
    return `${quote(process.execPath)} ${quote(file)}`;
  }

  it('Ctrl-C erases the spinner, then the signal ends the process as it would have', async () => {
    const run = await onPty(spinner(true), 60, {}, /⠹ working on it/);
    expect(run.code).toBe(130);
    expect(screen(run.raw, 60).filter((l) => l !== '')).toEqual([]);
  });

  it('control: without the erase, the model shows the spinner left on the screen', async () => {
    const run = await onPty(spinner(false), 60, {}, /⠹ working on it/);
    expect(run.code).toBe(130);
    expect(screen(run.raw, 60).join('\n')).toMatch(/[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏] working on it/);
  });
});
