import { execFile, spawnSync } from 'node:child_process';

export interface GitResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface GitOptions {
  env?: NodeJS.ProcessEnv;
  input?: string;
  /** Ends the process when aborted; the result is then a failure (code 127 unless git exited first). */
  signal?: AbortSignal;
}

/**
 * Run git directly (no wrapper library: they filter GIT_* variables and are slower). Never
 * throws for a non-zero exit; a missing git binary is reported as code 127.
 */
export function git(cwd: string, args: string[], options: GitOptions = {}): Promise<GitResult> {
  return new Promise((resolve) => {
    const child = execFile(
      'git',
      args,
      { cwd, env: { ...process.env, ...options.env, GIT_TERMINAL_PROMPT: '0' }, maxBuffer: 512 * 1024 * 1024, encoding: 'utf8', signal: options.signal },
      (error, stdout, stderr) => {
        const code = error ? (typeof (error as { code?: unknown }).code === 'number' ? ((error as { code: number }).code) : 127) : 0;
        resolve({ code, stdout, stderr });
      },
    );
    // A git that ended early (or was stopped) must not turn the unread input into an uncaught EPIPE.
    child.stdin?.on('error', () => undefined);
    if (options.input !== undefined) child.stdin?.end(options.input);
  });
}

/**
 * `git`, waited for on this thread: for a short question whose answer decides whether other
 * processes may start at all, where waiting for the event loop to turn could take seconds.
 * Same contract as `git` (no input).
 */
export function gitSync(cwd: string, args: string[], options: Pick<GitOptions, 'env'> = {}): GitResult {
  const r = spawnSync('git', args, { cwd, env: { ...process.env, ...options.env, GIT_TERMINAL_PROMPT: '0' }, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  return { code: r.error ? 127 : (r.status ?? 127), stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}

/**
 * `git` with stdout as bytes, for output that mixes lengths in bytes with content
 * (`cat-file --batch`). Same contract as `git`.
 */
export function gitBytes(cwd: string, args: string[], options: GitOptions = {}): Promise<{ code: number; stdout: Buffer; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile('git', args, { cwd, env: { ...process.env, ...options.env, GIT_TERMINAL_PROMPT: '0' }, maxBuffer: 512 * 1024 * 1024, encoding: 'buffer', signal: options.signal }, (error, stdout, stderr) => {
      const code = error ? (typeof (error as { code?: unknown }).code === 'number' ? ((error as { code: number }).code) : 127) : 0;
      resolve({ code, stdout, stderr: stderr.toString('utf8') });
    });
    // A git that ended early (or was stopped) must not turn the unread input into an uncaught EPIPE.
    child.stdin?.on('error', () => undefined);
    if (options.input !== undefined) child.stdin?.end(options.input);
  });
}

/** The repository's top-level directory, or null when `dir` is not inside a git work tree. */
export async function gitTopLevel(dir: string): Promise<string | null> {
  const r = await git(dir, ['rev-parse', '--show-toplevel']);
  return r.code === 0 ? r.stdout.trim() : null;
}

/** The repository's git directory (absolute), or null outside a work tree. */
export async function gitDir(dir: string): Promise<string | null> {
  const r = await git(dir, ['rev-parse', '--absolute-git-dir']);
  return r.code === 0 ? r.stdout.trim() : null;
}

export type TreeState = { state: 'clean' } | { state: 'dirty'; entries: string[] } | { state: 'error'; message: string };

/** Whether anything under `dir` differs from HEAD (tracked changes or untracked files). */
export async function workingTreeState(dir: string): Promise<TreeState> {
  // A check must not write: without optional locks, `git status` does not refresh the index
  // (which would fail on a full disk or a read-only checkout, and race the user's own git).
  const r = await git(dir, ['status', '--porcelain=v1', '-z', '--untracked-files=normal', '--', '.'], { env: { GIT_OPTIONAL_LOCKS: '0' } });
  if (r.code !== 0) return { state: 'error', message: r.stderr.trim() || `git status exited with ${r.code}` };
  const entries = r.stdout.split('\0').filter((e) => e.length > 0);
  return entries.length === 0 ? { state: 'clean' } : { state: 'dirty', entries };
}
