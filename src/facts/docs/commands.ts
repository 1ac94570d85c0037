/**
 * The commands written in docs: every simple command of a doc's shell blocks, the CMD /
 * ENTRYPOINT of its Dockerfile blocks, command-like code spans and JSON strings, and the
 * commands in `#` comments of YAML files and Dockerfiles, with their offsets. A doc is read as
 * one procedure: the directory a `cd` moved to, the files earlier steps created and the
 * variables they exported carry over to later steps. What one command's words mean (its head,
 * its operands, a compose invocation) is in command-head.ts, operands.ts and compose-command.ts.
 */
import path from 'node:path/posix';
import type { Workspace } from '../../workspace/workspace.js';
import type { SourceFile } from '../../workspace/source-file.js';
import { splitShell, simpleCommands, type ShellWord } from '../../formats/shell.js';
import { linearRuns } from '../../formats/mapped-text.js';
import { firstMappedOffset, jsonStringValues, isMarkdownParse, mappedSpan, offsetAt, parseMarkdown, type MappedText, type MarkdownModel, type MdCodeBlock, type MdCodeSpan } from '../../formats/markdown.js';
import { factSlot } from '../facts.js';
import { defineReleasable } from '../fact.js';
import { baseName, commandHead, isPlainPath } from './command-head.js';
import { docFiles, type DocFile } from './doc-files.js';
import { createdPaths } from './operands.js';
import type { DocsOptions } from './options.js';
import { joinRepo } from './paths.js';
import { lineAround } from './quoting.js';

/** A word of a doc command: its value (quotes removed) and its raw span in `mapped.value`. */
export interface DocWord {
  value: string;
  vStart: number;
  vEnd: number;
}

export interface DocCommand {
  doc: string;
  /** Where it was written: a fenced/indented shell block, a Dockerfile block, a code span, a JSON string. */
  source: 'fence' | 'dockerfile' | 'span' | 'json';
  /** Shell words, or the items of an exec-form JSON array (`CMD ["uvicorn", …]`). */
  form: 'shell' | 'exec';
  words: DocWord[];
  mapped: MappedText;
  /**
   * Repo-relative directory it runs from ('' = root); undefined after a `cd` we cannot follow.
   * A doc is one procedure: a `cd` in an earlier block or step carries over to later ones.
   */
  cwd: string | undefined;
  /**
   * Other directories the reader may be in (never `cwd` itself): where the doc started, when
   * `cwd` was carried over from an earlier block (a new terminal starts there), and the carried
   * directory when prose before the block names another one ("from the `backend` directory,
   * run"). A path is missing only when it is missing from every one of them, and a fix written
   * relative to `cwd` is not certain when this is not empty.
   */
  otherCwds: readonly string[];
  /** What set `cwd` when it came from an earlier step or from prose, for messages. */
  cwdOrigin: string | undefined;
  /**
   * Repo paths earlier commands of the doc create (cp/mv targets, touch, mkdir, redirects,
   * downloads, clones). Read-only: commands between two changes share one (`procedureNow`).
   */
  created: ReadonlySet<string>;
  /** Variables earlier commands of the doc set (`export PYTHONPATH=src`, `A=b`); shared like `created`. */
  env: ReadonlyMap<string, string>;
  /** Commands joined on one line (`a && b`, `a & b`) share a lineId. */
  lineId: string;
  block: MdCodeBlock | undefined;
  /** Text offset of the first word (for findings). */
  offset: number;
}

export interface DocCommands {
  file: SourceFile;
  model: MarkdownModel | undefined;
  commands: DocCommand[];
  /** What the reader has created by the end of the doc (repo paths). */
  createdByEnd: ReadonlySet<string>;
}

const SHELL_LANGS = new Set(['', 'bash', 'sh', 'shell', 'zsh', 'ksh', 'console', 'shell-session', 'shellsession', 'sh-session', 'terminal', 'session']);
const DOCKERFILE_LANGS = new Set(['dockerfile', 'docker', 'containerfile']);
/** First words that make a code span or JSON string a command rather than a name. */
const COMMAND_HEAD = /^(docker|docker-compose|podman|podman-compose|python[\d.]*|pip[\d.]*|uvicorn|gunicorn|hypercorn|cp|mv|source|\.|bash|sh|zsh|cat|cd|pytest|make|npm|npx|node|poetry|uv|pipenv|pdm|hatch)$/;

/** By size cap, then doc path (a key string per doc was 4 MB at 100,000 files). */
const commandCache = factSlot<Map<number, Map<string, Promise<DocCommands | { skipped: string }>>>>('doc commands');

/**
 * The docs' commands and the Markdown models they were read from (each DocCommands holds its
 * model): a rule that reads any doc's commands names this in `Rule.reads`, so that a run can let
 * them go once those rules have run. The short words stay (`commandWords`): other rules read
 * commands of their own with them, and they are a few hundred strings.
 */
export const DOC_COMMANDS = defineReleasable("the docs' commands and their Markdown models", (ws) => {
  commandCache.clear(ws);
  docsByFolder.clear(ws);
  ws.forgetParses(isMarkdownParse);
});

/**
 * One string per distinct short word of the docs' commands (`docker`, `compose`, `-f`, `8000`):
 * a doc's words are built character by character, and the same few hundred words were each a
 * string of their own, 13 MB at 100,000 files. Words longer than this are mostly paths, seldom
 * repeated, and kept as they are.
 */
const commandWords = factSlot<Map<string, string>>('doc command words');
const SHARED_WORD_MAX = 24;

function wordsOf(ws: Workspace): Map<string, string> {
  let words = commandWords.get(ws);
  if (!words) commandWords.set(ws, (words = new Map()));
  return words;
}

function sharedWord(words: Map<string, string>, value: string): string {
  if (value.length > SHARED_WORD_MAX) return value;
  const known = words.get(value);
  if (known !== undefined) return known;
  words.set(value, value);
  return value;
}

/**
 * The commands of one doc: every simple command of its shell code blocks, the CMD/ENTRYPOINT
 * of its Dockerfile blocks, and the code spans / JSON string values whose first word is a
 * command. Cached per workspace view.
 */
export function docCommands(ws: Workspace, doc: DocFile, opts: DocsOptions): Promise<DocCommands | { skipped: string }> {
  let perWs = commandCache.get(ws);
  if (!perWs) {
    perWs = new Map();
    commandCache.set(ws, perWs);
  }
  let perCap = perWs.get(opts.maxDocBytes);
  if (!perCap) {
    perCap = new Map();
    perWs.set(opts.maxDocBytes, perCap);
  }
  let found = perCap.get(doc.path);
  if (!found) {
    found = extractCommands(ws, doc, opts.maxDocBytes);
    perCap.set(doc.path, found);
  }
  return found;
}

async function extractCommands(ws: Workspace, doc: DocFile, maxBytes: number): Promise<DocCommands | { skipped: string }> {
  const file = ws.read(doc.path);
  if (!file) return { skipped: 'unreadable' };
  const commands: DocCommand[] = [];
  if (doc.kind === 'json') {
    const r = await jsonStringValues(file);
    if (!r.ok) return { skipped: r.reason };
    // Each JSON string is a command of its own: nothing carries between them.
    r.strings.forEach((s, i) => commands.push(...inlineCommands(ws, doc.path, 'json', s, `j${i}`, file.text, freshProcedure())));
    return { file, model: undefined, commands, createdByEnd: NOTHING_CREATED };
  }
  const r = await parseMarkdown(file, maxBytes);
  if (!r.ok) return { skipped: r.reason };
  // Blocks and command spans in reading order: a doc is one procedure, so the directory a `cd`
  // moved to, the files earlier steps created and the variables they exported carry over.
  const steps = [
    ...r.model.blocks.map((b, i) => ({ start: b.start, block: b as MdCodeBlock | undefined, span: undefined as MdCodeSpan | undefined, id: `b${i}` })),
    ...r.model.spans.map((s, i) => ({ start: s.start, block: undefined, span: s, id: `s${i}` })),
  ].sort((a, b) => a.start - b.start);
  const state = freshProcedure();
  const elsewhere = runsElsewhere(doc.path, file.text);
  if (elsewhere) {
    // Its commands run in another project or deployment, not in this repository.
    state.cwd = undefined;
    state.cwdOrigin = elsewhere;
  }
  for (const step of steps) {
    if (step.block) {
      const b = step.block;
      const lang = (b.lang ?? '').replace(/^\{?\.?/, '').replace(/[\s{}].*$/, '');
      // A block that shows a file's content gives the reader that file (they save it and use
      // it): later steps that read it are not pointing at a missing repository file.
      const shown = shownFile(file.text, b, lang, r.model);
      for (const dir of shown ? [state.cwd, ...state.otherCwds] : []) {
        const p = dir === undefined ? undefined : joinRepo(dir, shown as string);
        if (p) state.created.add(p);
      }
      if (DOCKERFILE_LANGS.has(lang)) {
        // Unnamed, any `docker build -f X` after it builds it; named after a file of the
        // repository ("ships a reference Dockerfile at `docker/x/Dockerfile.y` … as a starting
        // point"), a build of a file of that name builds the reader's copy.
        state.shownDockerfile = shown ? path.posix.basename(shown) : true;
        commands.push(...dockerfileCommands(doc.path, b, step.id, file.text));
      }
      else if (SHELL_LANGS.has(lang)) {
        enterStep(ws, state, file.text, b.start, r.model);
        commands.push(...shellCommands(ws, doc.path, 'fence', b, b, step.id, lang === 'console' || lang.includes('session') || lang === 'terminal', file.text, state));
        // An unlabelled block may hold Dockerfile lines (`CMD ["uvicorn", "x.y:app"]`): no shell
        // runs `CMD`, so its exec-form instructions are read as the image's command.
        if (lang === '') commands.push(...dockerfileCommands(doc.path, b, step.id, file.text).filter((c) => c.form === 'exec' && /^\s*(CMD|ENTRYPOINT)\s/.test(lineAround(file.text, c.offset).text)));
      }
    } else if (step.span) {
      const before = commands.length;
      const saved = { cwd: state.cwd, otherCwds: state.otherCwds, cwdOrigin: state.cwdOrigin, carried: state.carried };
      enterStep(ws, state, file.text, step.span.start, r.model);
      commands.push(...inlineCommands(ws, doc.path, 'span', step.span, step.id, file.text, state));
      // A span that is not a command (a name, a flag) is no step: prose around it moves nobody.
      if (commands.length === before) Object.assign(state, saved);
    }
  }
  return { file, model: r.model, commands, createdByEnd: state.created.size ? state.created : NOTHING_CREATED };
}

/**
 * Where the commands in a file's comments run: a CI configuration's from the repository root
 * (a workflow's steps do), any other file's from its own folder (a compose file's, a
 * Dockerfile's build context).
 */
export function commentCwd(file: string): string {
  if (/^\.(github|gitlab|circleci|buildkite)\//.test(file)) return '';
  return path.dirname(file) === '.' ? '' : path.dirname(file);
}

/**
 * Commands written in the `#` comments of a YAML, compose file or Dockerfile (`# Usage: docker
 * compose -f docker-compose.prod.yml up`), run from that file's folder. A comment line is a
 * command when its first word is one (after a `Usage:`/`Run:`/`e.g.` label); consecutive comment
 * lines are one procedure (a `cd` carries). From a comment line that links another repository
 * on (`# Adapted from https://github.com/acme/other:`), the block quotes that project's commands:
 * those lines are not read.
 */
export function commentCommands(ws: Workspace, file: string, text: string, comments: ReadonlyArray<{ value: string; start: number; lineStart: number }>): DocCommand[] {
  const out: DocCommand[] = [];
  const dir = commentCwd(file);
  const blocks: Array<Array<{ value: string; start: number; lineStart: number }>> = [];
  let prevEnd = -2;
  for (const c of comments) {
    const prevLineEnd = text.lastIndexOf('\n', c.lineStart - 1);
    if (blocks.length === 0 || prevLineEnd !== prevEnd) blocks.push([]);
    (blocks[blocks.length - 1] as Array<{ value: string; start: number; lineStart: number }>).push(c);
    const nl = text.indexOf('\n', c.start);
    prevEnd = nl === -1 ? text.length : nl;
  }
  blocks.forEach((block, bi) => {
    const state = freshProcedure();
    state.cwd = dir;
    let elsewhere = false;
    block.forEach((c, li) => {
      // From a line that links another repository on, the block quotes that project.
      elsewhere ||= [...c.value.matchAll(/\b(?:https?:\/\/|git@)[^\s)'"]+/g)].some((u) => /github|gitlab|bitbucket/i.test(u[0]) && !ws.isThisRepository(u[0]));
      if (elsewhere) return;
      // The command may follow a label (`Usage:`, `Production:`, `e.g.`, a `$ ` prompt).
      const label = /^(?:[A-Za-z][\w .,'()/-]{0,40}?:[ \t]+|e\.g\.,?[ \t]+|\$[ \t]+)/i.exec(c.value);
      for (const skip of label ? [0, label[0].length] : [0]) {
        const value = c.value.slice(skip);
        const found = inlineCommands(ws, file, 'span', { value, runs: linearRuns(c.start + skip, value.length) }, `c${bi}:${li}`, text, state);
        out.push(...found);
        if (found.length) break;
      }
    });
  });
  return out;
}

/**
 * An agent skill (`SKILL.md` with `name:` and `description:` front matter) that the repository
 * ships for use in other projects (`skills/x/SKILL.md`, a plugin's `skills/`), unlike the skills
 * a repository keeps for work on itself under its agent's folder (`.claude/skills/`,
 * `.cursor/`, `.github/`). Its steps address the user's project.
 */
export function isDistributedSkill(doc: string, text: string): boolean {
  if (!/(^|\/)skill\.md$/i.test(doc) || /(^|\/)\.[^/]+\//.test(doc)) return false;
  const fm = frontMatter(text);
  return fm !== undefined && /^name:/m.test(fm) && /^description:/m.test(fm);
}

/**
 * Docs of another edition of the product (Pro, Enterprise): a section whose folder is named for
 * it (`docs/pro/`, `enterprise/`, `ee/`) or whose front matter says so (`audience: pro`). Its
 * commands run against that edition's deployment (its own compose file, its own services), which
 * this repository does not hold.
 */
export function isOtherEditionDoc(doc: string, text: string): boolean {
  if (doc.split('/').slice(0, -1).some((seg) => /^(pro|enterprise|ee|commercial)$/i.test(seg))) return true;
  const fm = frontMatter(text);
  return fm !== undefined && /^(audience|edition|tier|plan):[ \t]*["']?(pro|enterprise|commercial|business)["']?[ \t]*$/im.test(fm);
}

/** Why a doc's commands run somewhere other than this repository, if they do. */
function runsElsewhere(doc: string, text: string): string | undefined {
  if (isDistributedSkill(doc, text)) return 'an agent skill shipped for use in other projects';
  if (isOtherEditionDoc(doc, text)) return "a doc of another edition's deployment";
  return undefined;
}

function frontMatter(text: string): string | undefined {
  const fm = /^---\r?\n([\s\S]*?)\r?\n---\r?$/m.exec(text.slice(0, 4000));
  return fm && fm.index === 0 ? (fm[1] as string) : undefined;
}

/**
 * Files the reader creates in the other docs of `doc`'s folder: a folder of docs is a series
 * (`02-build-setup.md` generates `compose.custom.yaml`, `03-start-setup.md` starts it), read in an
 * order the repository does not record, so what one step creates exists for the others.
 */
/** The Markdown docs of each folder, listed once per view and set of doc options (createdInSeries asks for every doc). */
const docsByFolder = factSlot<Map<string, Map<string, DocFile[]>>>('markdown docs by folder');

function markdownDocsIn(ws: Workspace, opts: DocsOptions, dir: string): readonly DocFile[] {
  let perWs = docsByFolder.get(ws);
  if (!perWs) {
    perWs = new Map();
    docsByFolder.set(ws, perWs);
  }
  const key = [opts.jsonIndexGlobs, opts.excludeGlobs, opts.ledgerGlobs].map((g) => g.join('\0')).join('\u0001');
  let byDir = perWs.get(key);
  if (!byDir) {
    byDir = new Map();
    for (const d of docFiles(ws, opts).docs) {
      if (d.kind !== 'markdown') continue;
      const at = path.dirname(d.path);
      const list = byDir.get(at);
      if (list) list.push(d);
      else byDir.set(at, [d]);
    }
    perWs.set(key, byDir);
  }
  return byDir.get(dir) ?? [];
}

export async function createdInSeries(ws: Workspace, doc: string, opts: DocsOptions): Promise<Set<string>> {
  const dir = path.dirname(doc);
  const out = new Set<string>();
  for (const other of markdownDocsIn(ws, opts, dir)) {
    if (other.path === doc) continue;
    const found = await docCommands(ws, other, opts);
    if ('commands' in found) for (const p of found.createdByEnd) out.add(p);
  }
  return out;
}

/** Where a reader of a doc is: the procedure state that carries from one step to the next. */
interface Procedure {
  cwd: string | undefined;
  /** What set the current directory, when an earlier step or prose did. */
  cwdOrigin: string | undefined;
  /** Other directories the reader may be in at the current step. */
  otherCwds: readonly string[];
  created: Set<string>;
  env: Map<string, string>;
  /**
   * The copies of `created` and `env` the commands so far were given: the next command shares
   * them while nothing changed (a doc's thousand commands held a thousand equal copies).
   */
  createdCopy: ReadonlySet<string> | undefined;
  envCopy: ReadonlyMap<string, string> | undefined;
  /** Whether a step was read already (so the current directory may have been carried). */
  carried: boolean;
  /** Folders made by `git clone` of this very repository: a `cd` into one is back at the root. */
  selfClones: Set<string>;
  /**
   * The doc showed a Dockerfile's content: a later `docker build -f X` builds that (`true`: shown
   * without a name, any X; a name: an X of that file name).
   */
  shownDockerfile: boolean | string;
}

function freshProcedure(): Procedure {
  return { cwd: '', cwdOrigin: undefined, otherCwds: NO_DIRS, created: new Set(), env: new Map(), createdCopy: undefined, envCopy: undefined, carried: false, selfClones: new Set(), shownDockerfile: false };
}

const NO_DIRS: readonly string[] = Object.freeze([]);
const NOTHING_CREATED: ReadonlySet<string> = new Set();
const NO_VARIABLES: ReadonlyMap<string, string> = new Map();

/**
 * What a command of the procedure is given of its state: the copies the last command got while
 * they still equal the state (`created` only grows, so its size tells; `env` is a few entries,
 * compared whole).
 */
function procedureNow(state: Procedure): { created: ReadonlySet<string>; env: ReadonlyMap<string, string>; otherCwds: readonly string[]; cwdOrigin: string | undefined } {
  if (state.createdCopy === undefined || state.createdCopy.size !== state.created.size) state.createdCopy = state.created.size ? new Set(state.created) : NOTHING_CREATED;
  const env = state.envCopy;
  if (env === undefined || env.size !== state.env.size || [...state.env].some(([k, v]) => env.get(k) !== v)) state.envCopy = state.env.size ? new Map(state.env) : NO_VARIABLES;
  return { created: state.createdCopy, env: state.envCopy as ReadonlyMap<string, string>, otherCwds: state.otherCwds, cwdOrigin: state.cwdOrigin };
}

/**
 * A new block or command span starts. A directory carried over from an earlier step is where
 * the procedure means the reader to be, but a reader may have opened a new terminal, so the
 * doc's starting directory stays possible. Prose right before the step that names an existing
 * directory ("from the `backend` directory, run", "In `frontend/`:") moves the reader there,
 * with the carried directory still possible.
 */
function enterStep(ws: Workspace, state: Procedure, text: string, start: number, model: MarkdownModel): void {
  const others = new Set<string>();
  if (state.carried && state.cwd !== '') others.add('');
  const hinted = proseDirectory(ws, text, start, model);
  if (hinted !== undefined && hinted.dir !== state.cwd) {
    if (state.cwd !== undefined) others.add(state.cwd);
    state.cwd = hinted.dir;
    state.cwdOrigin = hinted.origin;
  }
  if (state.cwd !== undefined) others.delete(state.cwd);
  state.otherCwds = others.size ? [...others] : NO_DIRS;
  state.carried = true;
}

const SHOWN_LANGS = new Set(['bash', 'sh', 'shell', 'zsh', 'python', 'py', 'js', 'javascript', 'ts', 'typescript', 'tsx', 'jsx', 'yaml', 'yml', 'json', 'toml', 'dockerfile', 'docker', 'ini', 'conf', 'nginx', 'env', 'dotenv', 'sql', 'xml', 'html', 'css']);

/**
 * The file a code block shows, when the doc names it: a `title="…"`/`filename="…"` on the
 * fence (MDX, Docusaurus), a first-line comment naming a script (`# agent_memory.sh -- …`), or
 * the paragraph right before the block naming a file of that kind and ending with `:` or
 * saying to save or create it ("save this as `docker-compose.override.yml`:",
 * "**Location**: `web/src/pages/New/index.tsx`").
 */
function shownFile(text: string, block: MdCodeBlock, lang: string, model: MarkdownModel): string | undefined {
  if (!SHOWN_LANGS.has(lang) && !block.meta) return undefined;
  const named = /\b(?:title|filename|file)=["']?([\w./-]+\.[\w]+|[\w./-]*Dockerfile[\w.-]*)["']?/i.exec(block.meta ?? '');
  if (named?.[1]) return named[1].replace(/^\.\//, '');
  const firstLine = block.value.split('\n', 1)[0] ?? '';
  const header = /^\s*(?:#|\/\/)\s*([\w.-]+\.(?:sh|bash|py|js|ts|mjs|ps1))\b/.exec(firstLine);
  if (header?.[1]) return header[1];
  let end = block.start;
  while (end > 0 && /\s/.test(text[end - 1] as string)) end--;
  let from = text.lastIndexOf('\n\n', end - 1);
  from = from === -1 ? 0 : from + 2;
  for (const b of model.blocks) if (b.end <= end && b.end > from) from = b.end;
  const before = text.slice(Math.max(from, end - 300), end);
  if (!/:\s*(?:\*\*)?$/.test(before.trim()) && !/\b(?:save|saved|create|creating|named|called|put|write)\b/i.test(before)) return undefined;
  const names = [...before.matchAll(/`([\w./-]+)`|\*\*([\w./-]+\.[\w]+)\*\*/g)].map((m) => (m[1] ?? m[2]) as string).filter((n) => /\.[A-Za-z]\w{0,9}$/.test(n) || /dockerfile/i.test(n));
  const last = names[names.length - 1];
  return last ? last.replace(/^\.\//, '') : undefined;
}

/** Prose naming where the next commands run: "from the `backend` directory", "in `web/`". */
const PROSE_DIRECTORY = /\b(?:from|in|inside|within|into|under)\s+(?:the\s+|your\s+|a\s+)?(?:`([^`\n]+)`|\*\*([^*\n]+)\*\*|([\w.-]+(?:\/[\w.-]+)*\/?))(\s+(?:sub)?(?:directory|folder|dir)\b)?/gi;

/**
 * The directory that the prose right before `start` (since the last blank line or code block,
 * at most 300 characters) says the next commands run from, when it names one that exists.
 * Only an existing directory named with a directory word, or quoted with a trailing `/`,
 * counts: "in the background" or "into production" name nothing.
 */
function proseDirectory(ws: Workspace, text: string, start: number, model: MarkdownModel): { dir: string; origin: string } | undefined {
  // The paragraph that ends right before the step (a fence usually follows a blank line).
  let end = start;
  while (end > 0 && /\s/.test(text[end - 1] as string)) end--;
  let from = text.lastIndexOf('\n\n', end - 1);
  from = from === -1 ? 0 : from + 2;
  for (const b of model.blocks) if (b.end <= end && b.end > from) from = b.end;
  let before = text.slice(from, end);
  if (before.length > 300) before = before.slice(-300);
  let found: { dir: string; origin: string } | undefined;
  for (const m of before.matchAll(PROSE_DIRECTORY)) {
    const raw = (m[1] ?? m[2] ?? m[3] ?? '').trim();
    const quoted = m[1] !== undefined || m[2] !== undefined;
    if (m[4] === undefined && !(quoted && raw.endsWith('/'))) continue;
    const dir = raw.replace(/^\.\//, '').replace(/\/$/, '');
    if (!dir || dir === '.' || !isPlainPath(dir) || dir.startsWith('..')) continue;
    if (ws.hasDir(dir)) found = { dir, origin: `the text before it says "${m[0].trim()}"` };
  }
  return found;
}

function inlineCommands(ws: Workspace, doc: string, source: 'span' | 'json', mapped: MappedText, id: string, text: string, state: Procedure): DocCommand[] {
  const value = mapped.value;
  if (value.trimStart().startsWith('[')) {
    const words = execWords(value, 0, value.length);
    if (words && words.length > 0 && COMMAND_HEAD.test(baseName(words[0]?.value ?? ''))) return [makeCommand(doc, source, 'exec', words, mapped, state.cwd, { ...procedureNow(state), env: NO_VARIABLES }, `${id}:0`, undefined)];
    return [];
  }
  const first = simpleCommands(splitShell(value))[0];
  // A single word (`scripts/deploy.sh`, `pytest`) is a name, not a command with arguments.
  if (!first || first.length < 2) return [];
  const head = commandHead(first.map((w) => w.value));
  if (head === undefined) return [];
  const headWord = first[head.index]?.value ?? '';
  if (!COMMAND_HEAD.test(baseName(headWord)) && !/^\.{0,2}\/?[\w./-]+\.sh$/.test(headWord)) return [];
  return shellCommands(ws, doc, source, mapped, undefined, id, false, text, state);
}

/**
 * The commands of a shell script kept in a configuration file (a workflow step's `run:`, a
 * Makefile recipe, a package.json script), read as a doc's fence is: `cd` is followed and the
 * files each command creates are noted. `cwd` is where it starts; `created`, the repo paths
 * earlier steps of the same job made (a checkout `path:`, a downloaded artifact, a `mkdir`).
 */
export function scriptCommands(ws: Workspace, file: string, mapped: MappedText, cwd: string | undefined, created: ReadonlySet<string>, id: string, text: string): DocCommand[] {
  const state = freshProcedure();
  state.cwd = cwd;
  for (const c of created) state.created.add(c);
  return shellCommands(ws, file, 'fence', mapped, undefined, id, false, text, state);
}

/**
 * Shell text → simple commands, following `cd` and noting the files each command creates. The
 * procedure state comes in from the doc's earlier steps and goes out updated.
 */
function shellCommands(ws: Workspace, doc: string, source: DocCommand['source'], mapped: MappedText, block: MdCodeBlock | undefined, id: string, consoleSession: boolean, text: string, state: Procedure): DocCommand[] {
  const prepared = prepareShell(mapped.value, consoleSession);
  const words = splitShell(prepared);
  const shared = wordsOf(ws);
  const out: DocCommand[] = [];
  let line = 0;
  let current: ShellWord[] = [];
  const flush = (): void => {
    if (current.length === 0) return;
    const argv: DocWord[] = current.map((w) => ({ value: sharedWord(shared, w.value), vStart: w.start, vEnd: w.end }));
    const values = argv.map((w) => w.value);
    if (state.shownDockerfile && state.cwd !== undefined) {
      // `docker build -f Dockerfile.custom .` after the doc showed a Dockerfile: it builds that one.
      const h = commandHead(values)?.index ?? 0;
      const f = values.findIndex((v, i) => i > h && (v === '-f' || v === '--file'));
      const p = values[h] === 'docker' && /^build(x)?$/.test(values[h + 1] ?? '') && f !== -1 && values[f + 1] ? joinRepo(state.cwd, values[f + 1] as string) : undefined;
      if (p && (state.shownDockerfile === true || path.posix.basename(p) === state.shownDockerfile)) state.created.add(p);
    }
    out.push(makeCommand(doc, source, 'shell', argv, mapped, state.cwd, procedureNow(state), `${id}:${line}`, block));
    trackVariables(state.env, values);
    // Files are created wherever the reader may be.
    for (const dir of [state.cwd, ...state.otherCwds]) for (const p of createdPaths(values, dir)) state.created.add(p);
    const clone = cloneOf(values);
    if (clone && state.cwd !== undefined && ws.isThisRepository(clone.url)) {
      const dir = joinRepo(state.cwd, clone.dir);
      if (dir !== undefined) state.selfClones.add(dir);
    }
    const before = state.cwd;
    state.cwd = nextCwd(ws, state.cwd, values, state.selfClones);
    if (state.cwd !== before) {
      // A `cd` in this step: the reader is where it says for the rest of the step.
      state.otherCwds = NO_DIRS;
      const head = commandHead(values)?.index ?? 0;
      state.cwdOrigin = state.cwd ? `\`${values.slice(head, head + 2).join(' ')}\` earlier in the doc` : undefined;
    }
    current = [];
  };
  for (const w of words) {
    if (w.operator) {
      flush();
      if (w.value === '\n') line++;
      continue;
    }
    current.push(w);
  }
  flush();
  return out;
}

/** Where a procedure's command is run from (`procedureNow`); nothing, for a command read on its own. */
type CommandContext = Pick<DocCommand, 'created' | 'env' | 'otherCwds' | 'cwdOrigin'>;
const ON_ITS_OWN: CommandContext = { created: NOTHING_CREATED, env: NO_VARIABLES, otherCwds: NO_DIRS, cwdOrigin: undefined };

function makeCommand(doc: string, source: DocCommand['source'], form: DocCommand['form'], words: DocWord[], mapped: MappedText, cwd: string | undefined, context: CommandContext, lineId: string, block: MdCodeBlock | undefined): DocCommand {
  const first = words[0];
  let offset = first ? (offsetAt(mapped, first.vStart) ?? -1) : -1;
  if (offset < 0) offset = block?.start ?? firstMappedOffset(mapped) ?? 0;
  return { doc, source, form, words, mapped, cwd, otherCwds: context.otherCwds, cwdOrigin: context.cwdOrigin, created: context.created, env: context.env, lineId, block, offset };
}

/** `export A=b`, `A=b` on its own, `unset A`: the variables later commands of the block see. */
function trackVariables(env: Map<string, string>, argv: string[]): void {
  const assign = (w: string): void => {
    const m = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/s.exec(w);
    if (m) env.set(m[1] as string, m[2] as string);
  };
  if (argv[0] === 'export') argv.slice(1).forEach(assign);
  else if (argv[0] === 'unset') argv.slice(1).forEach((n) => env.delete(n));
  else if (argv.length > 0 && argv.every((w) => /^[A-Za-z_][A-Za-z0-9_]*=/.test(w))) argv.forEach(assign);
}

/** The variables a command runs with: the block's, then its own leading assignments. */
export function commandEnv(cmd: DocCommand): Map<string, string> {
  const argv = cmd.words.map((w) => w.value);
  return new Map([...cmd.env, ...(commandHead(argv)?.env ?? new Map<string, string>())]);
}

/**
 * Blank out what is not a command, keeping every index: `$ ` prompts, output lines of a
 * console session, and heredoc bodies.
 */
function prepareShell(value: string, consoleSession: boolean): string {
  const lines = value.split('\n');
  let heredoc: string | undefined;
  let continued = false;
  const out = lines.map((raw) => {
    const blank = raw.replace(/[^\r]/g, ' ');
    if (heredoc !== undefined) {
      if (raw.replace(/\r$/, '').trim() === heredoc) heredoc = undefined;
      return blank;
    }
    let lineText = raw;
    const prompt = /^(\s*)([$%❯]|PS>|>>>)\s/.exec(raw);
    if (prompt) {
      if (prompt[2] === '>>>') return blank;
      lineText = ' '.repeat(prompt[0].length) + raw.slice(prompt[0].length);
    } else if (consoleSession && !continued) {
      return blank;
    }
    continued = /\\\r?$/.test(raw);
    const h = /<<-?\s*(['"]?)([A-Za-z_]\w*)\1/.exec(lineText);
    if (h) heredoc = h[2];
    return lineText;
  });
  // A CRLF continuation (`\\\r\n`) becomes ` \\\n`: same length, and the shell splitter sees a continuation.
  return out.join('\n').replace(/\\\r\n/g, ' \\\n');
}

/** CMD / ENTRYPOINT of a Dockerfile code block, exec or shell form. */
function dockerfileCommands(doc: string, block: MdCodeBlock, id: string, text: string): DocCommand[] {
  const out: DocCommand[] = [];
  const value = block.value;
  const ins = /^[ \t]*(CMD|ENTRYPOINT)[ \t]+/gim;
  for (let m = ins.exec(value); m; m = ins.exec(value)) {
    const start = m.index + m[0].length;
    let end = start;
    // The instruction runs to the first line break not escaped by a backslash.
    for (;;) {
      const nl = value.indexOf('\n', end);
      if (nl === -1) {
        end = value.length;
        break;
      }
      if (/\\\r?$/.test(value.slice(end, nl))) end = nl + 1;
      else {
        end = nl;
        break;
      }
    }
    const body = value.slice(start, end);
    if (body.trimStart().startsWith('[')) {
      const words = execWords(value, start, end);
      if (words) out.push(makeCommand(doc, 'dockerfile', 'exec', words, block, undefined, ON_ITS_OWN, `${id}:${m.index}`, block));
    } else {
      const words = splitShell(value.slice(start, end).replace(/\\\r\n/g, ' \\\n'), start);
      for (const cmd of simpleCommands(words)) {
        out.push(makeCommand(doc, 'dockerfile', 'shell', cmd.map((w) => ({ value: w.value, vStart: w.start, vEnd: w.end })), block, undefined, ON_ITS_OWN, `${id}:${m.index}`, block));
      }
    }
  }
  return out;
}

/** The string items of a JSON array written in value[start, end), with their content spans. */
function execWords(value: string, start: number, end: number): DocWord[] | undefined {
  const body = value.slice(start, end);
  const lead = body.length - body.trimStart().length;
  const arr = body.trim();
  let parsed: unknown;
  try {
    parsed = JSON.parse(arr.replace(/\\\r?\n/g, ' '));
  } catch {
    return undefined;
  }
  if (!Array.isArray(parsed) || !parsed.every((x) => typeof x === 'string')) return undefined;
  // Locate each string literal in order.
  const words: DocWord[] = [];
  const lit = /"((?:[^"\\]|\\.)*)"/g;
  let k = 0;
  for (let m = lit.exec(arr); m && k < parsed.length; m = lit.exec(arr), k++) {
    const s = start + lead + m.index + 1;
    words.push({ value: parsed[k] as string, vStart: s, vEnd: s + (m[1] as string).length });
  }
  return words.length === parsed.length ? words : undefined;
}

/** Span in the doc's text of the raw word `i` of a command, or of `sub` inside it. */
export function wordTextSpan(cmd: DocCommand, i: number, sub?: string): [number, number] | undefined {
  const w = cmd.words[i];
  if (!w) return undefined;
  if (sub === undefined) return mappedSpan(cmd.mapped, w.vStart, w.vEnd);
  const raw = cmd.mapped.value.slice(w.vStart, w.vEnd);
  const at = raw.indexOf(sub);
  if (at === -1 || raw.indexOf(sub, at + 1) !== -1) return undefined;
  return mappedSpan(cmd.mapped, w.vStart + at, w.vStart + at + sub.length);
}

/** `git clone [options] <url> [dir]`: the URL and the folder it makes. */
function cloneOf(argv: string[]): { url: string; dir: string } | undefined {
  const head = commandHead(argv);
  if (!head || argv[head.index] !== 'git' || argv[head.index + 1] !== 'clone') return undefined;
  const args: string[] = [];
  for (let i = head.index + 2; i < argv.length; i++) {
    const w = argv[i] as string;
    if (/^(-b|--branch|--depth|-o|--origin|-c|--config|--reference|--filter|-j|--jobs)$/.test(w)) i++;
    else if (!w.startsWith('-')) args.push(w);
  }
  const url = args[0];
  if (!url) return undefined;
  const dir = args[1] ?? path.basename(url.replace(/[/]+$/, '')).replace(/\.git$/, '');
  return isPlainPath(dir) ? { url, dir } : undefined;
}

function nextCwd(ws: Workspace, cwd: string | undefined, argv: string[], selfClones: ReadonlySet<string> = new Set()): string | undefined {
  const head = commandHead(argv);
  if (!head) return cwd;
  const w = argv[head.index];
  if (w !== 'cd' && w !== 'pushd') return cwd;
  const target = argv[head.index + 1];
  if (cwd === undefined || target === undefined || !isPlainPath(target)) return undefined;
  const joined = path.normalize(path.join(cwd || '.', target));
  if (joined === '.') return '';
  if (joined.startsWith('..')) return undefined;
  const dir = joined.replace(/\/$/, '');
  // A clone of this repository: its folder is this root (and a path inside it, this path).
  for (const clone of selfClones) {
    if (dir === clone) return '';
    if (dir.startsWith(`${clone}/`)) return ws.hasDir(dir.slice(clone.length + 1)) ? dir.slice(clone.length + 1) : undefined;
  }
  return ws.hasDir(dir) ? dir : undefined;
}

/**
 * Whether `p` (repo-relative) is created by an earlier step of the doc, or by a step of another
 * doc of its series (`series`, see createdInSeries).
 */
export function isCreated(cmd: DocCommand, p: string, series: ReadonlySet<string> = new Set()): boolean {
  for (const created of [cmd.created, series]) for (const c of created) if (p === c || p.startsWith(`${c}/`)) return true;
  return false;
}
