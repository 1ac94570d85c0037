/**
 * A small spinner on stderr for runs longer than a second. Shown only when the stream is a
 * terminal: never on a pipe or a file, never when `CI` is set (CI logs keep every `\r` frame),
 * never with TERM=dumb. It starts after `delayMs` (1 s), so quick runs print nothing, and
 * `stop()` erases its line, so the report that follows starts on a clean line. No dependency.
 * The label may be a function: it is asked again at every frame, so a count that grows while
 * the label stays the same (files read) is shown as it grows.
 *
 *   const progress = startProgress('checking', { stream: process.stderr, env: process.env });
 *   try { result = await run(ws, options); } finally { progress.stop(); }
 */

export interface ProgressStream {
  isTTY?: boolean;
  /** The terminal's width: a frame is cut to fit it (a wrapped line could not be erased). */
  columns?: number;
  write(chunk: string): boolean;
}

export interface ProgressOptions {
  stream: ProgressStream;
  env: NodeJS.ProcessEnv;
  /** Quiet time before the spinner appears (ms). */
  delayMs?: number;
  /** Frame interval (ms). */
  intervalMs?: number;
  /** Erase the line on SIGINT/SIGTERM, then re-raise the signal (default true). */
  handleSignals?: boolean;
}

export interface Progress {
  /** Change the label (e.g. "fixing (pass 2)"). */
  update(label: Label): void;
  /** Stop and erase the spinner line; safe to call more than once. */
  stop(): void;
  /** Whether anything will ever be drawn (false on a pipe or in CI). */
  readonly enabled: boolean;
}

/** A label, or a function giving it at each frame. */
export type Label = string | (() => string);

/** The width of `n` padded to the width of `total` (so that the line does not jitter as n grows). */
export function countOf(n: number, total: number): string {
  return `${String(Math.min(n, total)).padStart(String(total).length)}/${total}`;
}

const FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
const CLEAR_LINE = '\r\x1b[K';

/** Whether a spinner may be drawn on this stream in this environment. */
export function progressEnabled(stream: ProgressStream, env: NodeJS.ProcessEnv): boolean {
  if (stream.isTTY !== true) return false;
  if (env.CI !== undefined && env.CI !== '' && env.CI !== '0' && env.CI.toLowerCase() !== 'false') return false;
  if (env.TERM === 'dumb') return false;
  return true;
}

export function startProgress(label: Label, options: ProgressOptions): Progress {
  const enabled = progressEnabled(options.stream, options.env);
  let text = label;
  let frame = 0;
  let drawn = false;
  let stopped = false;
  let interval: ReturnType<typeof setInterval> | undefined;
  const draw = (): void => {
    const line = `${FRAMES[frame % FRAMES.length]} ${typeof text === 'function' ? text() : text}`;
    // One column short of the width: writing the last column leaves some terminals on the next row.
    const width = options.stream.columns;
    const fitted = typeof width === 'number' && width > 1 ? [...line].slice(0, width - 1).join('') : line;
    options.stream.write(`${CLEAR_LINE}${fitted}`);
    frame++;
    drawn = true;
  };
  // Ctrl-C while the spinner is up: erase its line, then let the signal do what it would have.
  const onSignal = (signal: NodeJS.Signals): void => {
    stop();
    process.kill(process.pid, signal);
  };
  if (enabled && options.handleSignals !== false) {
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
  }
  function stop(): void {
    if (stopped) return;
    stopped = true;
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    if (timeout) clearTimeout(timeout);
    if (interval) clearInterval(interval);
    if (drawn) options.stream.write(CLEAR_LINE);
  }
  const begin = (): void => {
    if (stopped) return;
    draw();
    interval = setInterval(draw, options.intervalMs ?? 80);
    interval.unref?.();
  };
  // No delay: drawn at once (a test in a real terminal must see it however short the run).
  const timeout = enabled && (options.delayMs ?? 1000) > 0 ? setTimeout(begin, options.delayMs ?? 1000) : undefined;
  timeout?.unref?.();
  if (enabled && options.delayMs === 0) begin();
  return {
    enabled,
    update(next) {
      text = next;
      if (drawn && !stopped) draw();
    },
    stop,
  };
}
