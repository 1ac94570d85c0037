/**
 * The check and --dry-run through the run memo (src/cache/run-memo.ts), and `-o FILE` around
 * them. Light on purpose: on a memo hit, the recorded output is written again and neither the
 * engine, nor a rule, nor a parser is loaded.
 *
 * Not memoized: whatever writes (--write, --branch, --update-baseline, --save-pin-map), asks the
 * network (--network: its answers change by the hour), or runs with the cache off (--no-cache,
 * and AUTOPACK_FIX_NO_RUN_MEMO=1, which keeps the per-file cache: the bench's "warm, per-file"
 * variant); nor is a run that ended in an error, or one whose output depended on a wall-clock
 * budget or said something about the cache itself (util/volatile.ts).
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { defaultCacheLocation } from '../cache/pass-cache.js';
import { RUN_MEMO_DIR, RunMemo, StatIndex, fingerprintAfter, fingerprintAndGit, runFingerprint, snapshotTree, type RecordedWrite, type TreeSnapshot } from '../cache/run-memo.js';
import { resetVolatile, volatileReasons } from '../util/volatile.js';
import { relieveHeap } from '../util/heap.js';
import { configCandidates } from '../config/locate.js';
import { BASELINE_FILE } from '../model/own-files.js';
import { displayPath } from '../report/escape.js';
import { git } from '../util/git.js';
import { EXIT_ERROR, HELP_DEFAULTS, type Io, type MainOptions } from './options.js';
import type { Target } from './target.js';

/** What the memo did, for the tests and the bench (`hit`: replayed; `stored`: ran and kept). */
export type MemoOutcome = 'off' | 'hit' | 'stored' | 'not stored';
let lastOutcome: MemoOutcome = 'off';
export function lastMemoOutcome(): MemoOutcome {
  return lastOutcome;
}

/** `-o FILE`: the report goes to a buffer and then to the file (also after an error exit 1). */
export async function runWithOutputFile(target: Target, opts: MainOptions, io: Io): Promise<number> {
  if (!opts.outputFile) return memoized(target, opts, io);
  const chunks: string[] = [];
  const buffer = { isTTY: false, write: (s: string | Uint8Array) => (chunks.push(typeof s === 'string' ? s : Buffer.from(s).toString('utf8')), true) } as unknown as NodeJS.WriteStream;
  const code = await memoized(target, opts, { ...io, stdout: buffer });
  try {
    writeFileSync(opts.outputFile, chunks.join(''));
  } catch (error) {
    io.stderr.write(`autopack-fix: cannot write ${displayPath(opts.outputFile)}: ${(error as NodeJS.ErrnoException).code ?? String(error)}\n`);
    return EXIT_ERROR;
  }
  return code;
}

function memoizable(opts: MainOptions, env: NodeJS.ProcessEnv): boolean {
  if (opts.cache === false || env.AUTOPACK_FIX_NO_RUN_MEMO === '1') return false;
  return !(opts.write || opts.branch !== undefined || opts.updateBaseline || opts.network || opts.savePinMap !== undefined);
}

/** The environment variables that can change what a run prints: the tool's own, colour and terminal, git's. */
function relevantEnv(env: NodeJS.ProcessEnv): Record<string, string> {
  const out: Record<string, string> = {};
  for (const source of [process.env, env]) {
    for (const [k, v] of Object.entries(source)) {
      // Where the cache lives and how many workers read do not change the output.
      if (v === undefined || k === 'AUTOPACK_FIX_CACHE_DIR' || k === 'AUTOPACK_FIX_CONCURRENCY') continue;
      if (k.startsWith('AUTOPACK_FIX_') || k.startsWith('GIT_') || ['NO_COLOR', 'FORCE_COLOR', 'TERM', 'COLUMNS', 'CI', 'HOME', 'XDG_CONFIG_HOME'].includes(k)) out[k] = v;
    }
  }
  return out;
}

/**
 * Whether the tree still has the digest it had before the run. A file saved while the run read
 * the tree would otherwise file this output under the contents it had before. Cheap: through the
 * stat index it is one stat per file (a file changed during the run has a new stat, and is read
 * again), and the run took seconds.
 */
async function unchangedSince(key: string, inputs: Parameters<typeof runFingerprint>[0], index: StatIndex): Promise<boolean> {
  try {
    return (await runFingerprint(inputs, index)) === key;
  } catch {
    return false;
  }
}

async function memoized(target: Target, opts: MainOptions, io: Io): Promise<number> {
  const run = async (into: Io): Promise<number> => (await import('./check.js')).runCommand(target, opts, into);
  lastOutcome = 'off';
  if (!memoizable(opts, io.env)) return run(io);
  // Neither the cache nor the workers change the output: a memo made with them serves without.
  const { cache: _cache, cacheLocation, concurrency: _concurrency, ...asked } = opts;
  // --changed-since: which commit the ref names now (the merge-base follows from it and HEAD).
  let changedSinceCommit: string | undefined;
  if (opts.changedSince !== undefined) {
    const r = await git(target.root, ['rev-parse', '--verify', '-q', `${opts.changedSince}^{commit}`]);
    if (r.code !== 0) return run(io); // the run says what is wrong with the ref
    changedSinceCommit = r.stdout.trim();
  }
  const invocation = {
    options: asked,
    changedSinceCommit,
    paths: target.paths ?? null,
    cwd: process.cwd(),
    stdout: { tty: io.stdout.isTTY === true, columns: io.stdout.isTTY ? io.stdout.columns : undefined },
    stderr: { tty: io.stderr.isTTY === true },
    env: relevantEnv(io.env),
    platform: process.platform,
    node: process.version,
  };
  const root = path.resolve(target.root);
  const extraFiles = [...configCandidates(root), path.join(root, BASELINE_FILE), ...[opts.config, opts.pinMap].filter((f): f is string => f !== undefined).map((f) => path.resolve(f))];
  const dir = path.join(path.resolve(cacheLocation ?? defaultCacheLocation(root, io.env)), RUN_MEMO_DIR);
  const index = StatIndex.open(dir);
  const inputs = { root, invocation, extraFiles, maxFileBytes: opts.maxFileSize ?? HELP_DEFAULTS.maxFileBytes };
  const memo = new RunMemo(dir);
  // A first run (no entry to find, and an index that knows no file, as in CI's fresh cache
  // folder) does not read the tree for a fingerprint: it stats it, and learns each file's digest
  // from the run's own read (run-memo.ts, TreeSnapshot).
  let key: string | undefined;
  let snapshot: TreeSnapshot | undefined;
  let gitSaid: Io['git'];
  try {
    if (index.cold && memo.empty()) {
      snapshot = await snapshotTree(inputs);
      gitSaid = snapshot.git;
      snapshot.git = undefined;
    } else ({ key, git: gitSaid } = await fingerprintAndGit(inputs, index));
  } catch {
    // Whatever stops the fingerprint (an unreadable root) the run reports in its own words.
    return run(io);
  }
  if (key !== undefined) {
    index.save();
    const { entry, note } = memo.get(key);
    if (entry) {
      for (const [stream, text] of entry.writes) (stream === 1 ? io.stdout : io.stderr).write(text);
      lastOutcome = 'hit';
      return entry.exitCode;
    }
    if (note && !opts.quiet) io.stderr.write(`note: ${note}\n`);
  }
  resetVolatile();
  const writes: RecordedWrite[] = [];
  const recorder = (stream: NodeJS.WriteStream, id: 1 | 2): NodeJS.WriteStream =>
    new Proxy(stream, {
      get(target, prop, receiver) {
        if (prop === 'write') {
          return (chunk: string | Uint8Array, ...rest: unknown[]) => {
            writes.push([id, typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8')]);
            return (target.write as (...a: unknown[]) => boolean).call(target, chunk, ...rest);
          };
        }
        const value = Reflect.get(target, prop, receiver) as unknown;
        return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
      },
    });
  const onFileRead: Io['onFileRead'] = snapshot ? (p, st, digest) => index.recordRead(p, st, digest, Date.now()) : undefined;
  // The spinner draws on the real stderr: frames are not output to replay.
  const code = await run({ ...io, stdout: recorder(io.stdout, 1), stderr: recorder(io.stderr, 2), progress: io.progress ?? io.stderr, onFileRead, git: gitSaid });
  gitSaid = undefined;
  // What the run held (the texts, its facts) is garbage now: collected before the fingerprint
  // and the index add theirs, which a heap grown to the run's size would otherwise get on top.
  relieveHeap(true);
  const storable = code !== EXIT_ERROR && volatileReasons().length === 0;
  if (snapshot) {
    // The digests learned are the files' whatever the run's outcome: the next run stats instead of reading.
    key = storable ? await fingerprintAfter(inputs, snapshot, index).catch(() => undefined) : undefined;
    index.save();
  }
  if (!storable) {
    lastOutcome = 'not stored';
    return code;
  }
  if (!snapshot && key !== undefined && !(await unchangedSince(key, inputs, index))) {
    key = undefined;
  }
  if (key === undefined) {
    lastOutcome = 'not stored';
    return code;
  }
  const failed = memo.put(key, { writes, exitCode: code });
  if (failed && !opts.quiet) io.stderr.write(`note: ${failed}\n`);
  lastOutcome = failed ? 'not stored' : 'stored';
  return code;
}
