/**
 * A small spinner on stderr for runs longer than a second. Shown only when the stream is a
 * terminal: never on a pipe or a file, never when `CI` is set (CI logs keep every `\r` frame),
 * never with TERM=dumb. It starts after `delayMs` (1 s), so quick runs print nothing, and
 * `stop()` erases its line, so the report that follows starts on a clean line. No dependency.
 *
 *   const progress = startProgress('checking', { stream: process.stderr, env: process.env });
 *   try { result = await run(ws, options); } finally { progress.stop(); }
 */

export interface ProgressStream {
  isTTY?: boolean;
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
  update(label: string): void;
  /** Stop and erase the spinner line; safe to call more than once. */
  stop(): void;
  /** Whether anything will ever be drawn (false on a pipe or in CI). */
  readonly enabled: boolean;
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

export function startProgress(label: string, options: ProgressOptions): Progress {
  const enabled = progressEnabled(options.stream, options.env);
  let text = label;
  let frame = 0;
  let drawn = false;
  let stopped = false;
  let interval: ReturnType<typeof setInterval> | undefined;
  const draw = (): void => {
    options.stream.write(`${CLEAR_LINE}${FRAMES[frame % FRAMES.length]} ${text}`);
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
  const timeout = enabled
    ? setTimeout(() => {
        if (stopped) return;
        draw();
        interval = setInterval(draw, options.intervalMs ?? 80);
        interval.unref?.();
      }, options.delayMs ?? 1000)
    : undefined;
  timeout?.unref?.();
  return {
    enabled,
    update(next) {
      text = next;
      if (drawn && !stopped) draw();
    },
    stop,
  };
}
