/**
 * What the command line is made of, without the work behind it: the options, the exit codes, the
 * usage error, and the defaults the help text shows. main.ts parses with it; --help and
 * --version end there, so this module and main.ts import nothing that reads, parses or checks
 * (the engine, the rules, the parsers load only when a command runs; check.ts).
 */
import type { Severity } from '../model/types.js';
import type { FileReadObserver, GitAnswers } from '../workspace/workspace.js';
import { CONCURRENCY_EXPECTED, concurrencyOf, type Concurrency } from '../util/concurrency.js';

export const EXIT_CLEAN = 0;
export const EXIT_FINDINGS = 1;
export const EXIT_ERROR = 2;

export interface Io {
  stdout: NodeJS.WriteStream;
  stderr: NodeJS.WriteStream;
  env: NodeJS.ProcessEnv;
  /** Where the progress spinner draws (default: stderr); the run memo records stderr but not the spinner. */
  progress?: NodeJS.WriteStream;
  /** Told of each file the check's workspace reads from disk: the run memo (cli/memo.ts) hashes them instead of reading them again. */
  onFileRead?: FileReadObserver;
  /** What git said of the root while the run memo took its key: the check's workspace does not ask again. */
  git?: GitAnswers;
}

export type Format = 'text' | 'concise' | 'json' | 'diff' | 'sarif' | 'github' | 'markdown';
export const FORMATS: readonly Format[] = ['text', 'concise', 'json', 'diff', 'sarif', 'github', 'markdown'];
export const SEVERITIES: readonly Severity[] = ['info', 'warning', 'error'];
/** The default of --fail-on: warnings and errors fail, an `info` finding does not. */
export const DEFAULT_FAIL_ON: Severity = 'warning';

export interface MainOptions {
  /** `--max-annotations`: cap of each kind of annotation with --format github. */
  maxAnnotations?: number;
  dryRun?: boolean;
  write?: boolean;
  /** `--fix`: the same as --write. */
  fix?: boolean;
  format: Format;
  config?: string;
  /** `--no-baseline` sets false. */
  baseline: boolean;
  updateBaseline?: boolean;
  changedSince?: string;
  /** `--select a,b` (repeatable) and `--rule a` (one id each time): run exactly these. */
  select?: string[];
  rule?: string[];
  ignore?: string[];
  root?: string;
  statistics?: boolean;
  outputFile?: string;
  quiet?: boolean;
  verbose?: boolean;
  exitZero?: boolean;
  failOn: Severity;
  unsafeFixes?: boolean;
  allowDirty?: boolean;
  maxFileSize?: number;
  /** `--pin-map FILE`: the pins unpinned-action and unpinned-base-image may write. */
  pinMap?: string;
  /** `--network`: look up the pins no map gives (GitHub API, image registries). */
  network?: boolean;
  /** `--save-pin-map FILE` (with --network): write the run's pins as a pin-map file. */
  savePinMap?: string;
  /** `--no-cache`: false; otherwise the persistent cache is used. */
  cache?: boolean;
  /** `--concurrency`: parse workers (src/parallel/); the output does not depend on it. */
  concurrency?: Concurrency;
  /** `--cache-location DIR`: where the cache lives (default: defaultCacheLocation, outside the repository). */
  cacheLocation?: string;
  /** `--branch` alone: true (default name); `--branch NAME`: the name. */
  branch?: string | true;
  branchPrefix: string;
  author?: string;
  committer?: string;
}

export interface PrCliOptions {
  dryRun?: boolean;
  remote: string;
  repo?: string;
  base?: string;
  branch?: string;
  branchPrefix: string;
  tokenEnv: string;
  config?: string;
  select?: string[];
  rule?: string[];
  ignore?: string[];
  unsafeFixes?: boolean;
  draft?: boolean;
  label?: string[];
  reviewer?: string[];
  maxOpenPrs: number;
  author?: string;
  committer?: string;
  maxFileSize?: number;
  docsUrl?: string;
  pinMap?: string;
  network?: boolean;
  verbose?: boolean;
  quiet?: boolean;
}

export class UsageError extends Error {}

/**
 * Defaults the help text names. Each is defined where it is used (named beside it); they are
 * repeated here so that `--help` does not load those modules, and tests/cli-help.test.ts checks
 * that each copy equals its source.
 */
export const HELP_DEFAULTS = {
  /** src/workspace/workspace.ts DEFAULT_MAX_FILE_BYTES */
  maxFileBytes: 4 * 1024 * 1024,
  /** src/engine/baseline.ts BASELINE_FILE */
  baselineFile: 'autopack-fix-baseline.json',
  /** src/bot/pr.ts DEFAULT_BRANCH_PREFIX, DEFAULT_BRANCH_NAME, DEFAULT_MAX_OPEN_PRS */
  branchPrefix: 'autopack-fix/',
  branchName: 'fixes',
  maxOpenPrs: 5,
  /** src/campaign/plan.ts DEFAULT_SHARD_SIZE */
  shardSize: 10,
  /** src/campaign/run.ts DEFAULT_CONCURRENCY */
  concurrency: 2,
} as const;

/** --select and --rule together; undefined when neither was given. */
export function selected(opts: { select?: string[]; rule?: string[] }): string[] | undefined {
  return opts.select || opts.rule ? [...(opts.select ?? []), ...(opts.rule ?? [])] : undefined;
}

/** `--concurrency` or AUTOPACK_FIX_CONCURRENCY (`name` says which): auto, off, or a number of parse workers. */
export function parseConcurrency(v: string, name: string): Concurrency {
  const n = concurrencyOf(v);
  if (n === undefined) throw new UsageError(`${name}: ${CONCURRENCY_EXPECTED}: ${v}`);
  return n;
}
