/**
 * The CLI, run in this test process: `main(argv, io)` from src/cli/main.ts with string sinks for
 * stdout and stderr. Spawning `node bin/autopack-fix.js` reloads every module (0.4–1.3 s of CPU a
 * run); here the modules load once per test file and a run costs only its own work.
 *
 * What a child process would have of its own is set for the duration of one call and put back
 * in a `finally`:
 *   - the working directory (`cwd`, default the package root, as the spawning helpers had):
 *     the root argument, config display paths and `--branch NAME` resolve against
 *     `process.cwd()`;
 *   - the environment: `io.env` is `process.env` plus the overrides, and the same overrides are
 *     applied to `process.env` itself, because src/util/git.ts runs git with `process.env`.
 *     Like the old helpers: NO_COLOR=1 and no FORCE_COLOR unless the test says otherwise; a
 *     value of `undefined` removes a variable.
 *
 * Changing the process's cwd and env is safe only because nothing else runs in this process at
 * the same time: vitest's `forks` pool gives every test file its own process, and the tests of
 * one file run one after another (vitest.config.ts keeps `pool: 'forks'`; no test is
 * `concurrent`). `runCli` refuses to start while another call is still running, so an
 * overlapping use fails loudly instead of mixing directories or environments.
 *
 * The CLI never reads standard input, so there is no `input` option. What needs a real process
 * (signals, a SIGKILL, the exit of the process, dropped capabilities, the bin shim itself) stays
 * a spawn of bin/autopack-fix.js in its test, with a comment saying why.
 */
import { main } from '../../src/cli/main.js';
import { ROOT } from './repo.js';

export interface CliOptions {
  /** Working directory for the run (default: the package root). */
  cwd?: string;
  /** Environment overrides on top of `process.env`; `undefined` removes a variable. */
  env?: Record<string, string | undefined>;
  /** Make stdout and stderr claim to be a terminal (default: pipes, as under a spawn). */
  tty?: boolean;
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** A write stream that keeps what is written. */
function sink(isTTY: boolean): { stream: NodeJS.WriteStream; text: () => string } {
  const chunks: string[] = [];
  const stream = {
    isTTY,
    write(chunk: string | Uint8Array): boolean {
      chunks.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
      return true;
    },
  };
  return { stream: stream as unknown as NodeJS.WriteStream, text: () => chunks.join('') };
}

let running = false;

/** Runs `autopack-fix ...args` in process; resolves with the exit code `main` returns and the output. */
export async function runCli(args: string[], options: CliOptions = {}): Promise<CliResult> {
  if (running) throw new Error('runCli: a call is already running in this process (it changes cwd and process.env; do not overlap calls)');
  running = true;
  const overrides: Record<string, string | undefined> = { NO_COLOR: '1', FORCE_COLOR: undefined, ...options.env };
  const saved = new Map<string, string | undefined>();
  const cwd = process.cwd();
  const out = sink(options.tty === true);
  const err = sink(options.tty === true);
  try {
    for (const [key, value] of Object.entries(overrides)) {
      saved.set(key, process.env[key]);
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
    process.chdir(options.cwd ?? ROOT);
    const code = await main(args, { stdout: out.stream, stderr: err.stream, env: { ...process.env } });
    return { code, stdout: out.text(), stderr: err.text() };
  } finally {
    process.chdir(cwd);
    for (const [key, value] of saved) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
    running = false;
  }
}
