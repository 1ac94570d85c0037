/**
 * A reference a doc or a configuration file makes to a repository path that does not exist,
 * before git history is asked about it (docs-dead-reference and referenced-path-missing settle
 * them the same way), and the files a command reads that are missing: the reading both rules
 * share.
 */
import type { Workspace } from '../../workspace/workspace.js';
import { isEnvFileName } from '../../formats/dotenv.js';
import { commandHead, operandValue } from './command-head.js';
import { isCreated, wordTextSpan, type DocCommand } from './commands.js';
import { existsInRepo, isGitIgnored, joinRepo, pathRef } from './paths.js';
import { isQuoted, type QuoteContext } from './quoting.js';
import { readOperands } from './operands.js';
import type { DocsSite } from './sites.js';
import type { DocsOptions } from './options.js';

export interface Env {
  ws: Workspace;
  opts: DocsOptions;
  q: QuoteContext;
  doc: string;
  docDir: string;
  editable: boolean;
  /** Files the other docs of its folder have the reader create. */
  series: ReadonlySet<string>;
}

/**
 * A reference `written` (as it appears in the doc) to the missing repo path `missing`,
 * expressed relative to `base`. What to say and which edit to make waits until git history has
 * been asked about every missing path of the run at once.
 */
export interface Pending {
  env: Env;
  kind: string;
  offset: number;
  written: string;
  missing: string;
  dir: boolean;
  base: string;
  head: string;
  span: [number, number] | undefined;
  suffix: string;
  /** Judged only when the path moved: a file of that name elsewhere, or a rename record. */
  onlyIfMoved: boolean;
  /** Why a fix, however certain its target, is a judgement call here (the doc's own uncertainty). */
  reviewBecause?: string;
  /** A page route of this docs site that names no page: reported, never repointed to a folder. */
  route?: DocsSite;
  /**
   * A file a command reads as its own configuration (`compose -f`, `pip -r`, `--env-file`,
   * `docker build -f`): the project is expected to have it. Other operands (`cat x`, `./x.sh`,
   * `source x`) may be any file of the reader's.
   */
  config?: boolean;
  /** Written from the repository root with a leading `/` (GitHub's reading): the fix keeps it. */
  rootRelative?: boolean;
  /** An extensionless link outside a docs site: GitHub opens a file or a folder of that name. */
  fileOrDir?: boolean;
  /** For `docker build -f X CONTEXT`: the build context (repo path) the Dockerfile's COPYs read. */
  buildContext?: string;
}

/** Options of `docker build` that take a value (the context is the positional word left). */
const BUILD_VALUE_OPTIONS = /^(-f|--file|-t|--tag|--build-arg|--target|--platform|-o|--output|--label|--secret|--ssh|--cache-from|--cache-to|--network|--progress|--iidfile|--add-host|--shm-size|--ulimit|-m|--memory|--build-context|--attest|--provenance|--sbom|--metadata-file|--builder)$/;

/** The build context of `docker build`/`docker buildx build`, resolved from `cwd`; undefined when not a local folder. */
function buildContextOf(argv: string[], cwd: string): string | undefined {
  const h = commandHead(argv)?.index ?? 0;
  if (argv[h] !== 'docker') return undefined;
  let i = h + 1;
  if (argv[i] === 'buildx') i++;
  if (argv[i] !== 'build') return undefined;
  let context: string | undefined;
  for (i++; i < argv.length; i++) {
    const w = argv[i] as string;
    if (BUILD_VALUE_OPTIONS.test(w)) i++;
    else if (!w.startsWith('-')) context = w;
  }
  if (context === undefined || context === '-' || /^[a-z]+:\/\//i.test(context) || context.includes('$')) return undefined;
  return joinRepo(cwd, context);
}

export function problem(env: Env, kind: string, offset: number, written: string, missing: string, dir: boolean, base: string, head: string, span: [number, number] | undefined, suffix = '', onlyIfMoved = false): Pending {
  return { env, kind, offset, written, missing, dir, base, head, span, suffix, onlyIfMoved };
}

/**
 * A real env file (`.env`, `.env.local`, `db.env`; not a template): local to each checkout and
 * kept out of git by convention, so a doc that reads it is not pointing at a missing file.
 */
export function isLocalEnvFile(p: string): boolean {
  return isEnvFileName(p.slice(p.lastIndexOf('/') + 1));
}

// ---------------------------------------------------------------------------------------------
// Files commands read: compose -f, --env-file, pip -r, cp/mv sources, source, bash x.sh, cat

/**
 * The files a command reads that do not exist (from its folder and from the doc's), before git
 * history is asked. Shared with referenced-path-missing, which reads commands in configuration
 * files (comments, workflow `run:` scripts, Makefile recipes, package.json scripts).
 */
export function operandProblems(env: Env, cmd: DocCommand): Pending[] {
  if (cmd.form !== 'shell' || cmd.source === 'dockerfile' || cmd.cwd === undefined) return [];
  const argv = cmd.words.map((w) => w.value);
  const out: Pending[] = [];
  for (const j of readOperands(argv)) {
    const written = operandValue(argv[j] as string);
    const ref = pathRef(written, false);
    if (!ref || ref.dir) continue;
    const missing = joinRepo(cmd.cwd, written);
    if (missing === undefined || missing === '' || existsInRepo(env.ws, missing)) continue;
    const fromDoc = joinRepo(env.docDir, written);
    if (fromDoc !== undefined && existsInRepo(env.ws, fromDoc)) continue;
    if (isGitIgnored(env.ws, missing) || isCreated(cmd, missing, env.series) || isLocalEnvFile(missing)) continue;
    const offset = wordTextSpan(cmd, j)?.[0] ?? cmd.offset;
    if (isQuoted(env.q, offset, cmd.block)) continue;
    const h = commandHead(argv)?.index ?? 0;
    const words = [argv[h], ...(argv[h] === 'docker' ? [argv[h + 1]] : []), ...(j > h && argv[j - 1]?.startsWith('-') ? [argv[j - 1]] : [])];
    const head = `\`${written}\`${missing !== written ? ` (\`${missing}\`)` : ''}, ${j === h ? 'run as a command' : `read by \`${words.join(' ')}\``}, does not exist`;
    const config = j > h && /^(-f|--file|-r|--requirement|-c|--constraint|--env-file)$/.test(argv[j - 1] ?? '');
    const buildContext = argv[j - 1] === '-f' || argv[j - 1] === '--file' ? buildContextOf(argv, cmd.cwd) : undefined;
    out.push({ ...problem(env, 'operand', offset, written, missing, false, cmd.cwd, head, wordTextSpan(cmd, j, written)), config, ...(buildContext !== undefined ? { buildContext } : {}) });
  }
  return out;
}

