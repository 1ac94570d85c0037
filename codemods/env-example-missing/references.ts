/**
 * Where a repository names an env template (`.env.example`, `.env.sample`, `env.template` …; see
 * `isEnvTemplate` in src/facts/docs/paths.ts): docs (through the docs facts the docs rules use —
 * Markdown links, code spans, JSON index values and the files doc commands read), compose
 * `env_file:` entries, shell in scripts, Makefiles, package.json scripts and workflow `run:`
 * steps (`cp .env.example .env`, `source .env.sample`), and `.gitignore` negations
 * (`!.env.example`, "this file is meant to be committed").
 */
import path from 'node:path/posix';
import { isMap, isScalar, isSeq } from 'yaml';
import type { Workspace } from '../../src/workspace/workspace.js';
import { jsonStringValues, offsetAt } from '../../src/formats/markdown.js';
import { splitShell, simpleCommands, type ShellWord } from '../../src/formats/shell.js';
import { findPair, mapPairs, nodeRange, parseYaml, scalarString } from '../../src/formats/yaml.js';
import { isComposePath } from '../../src/formats/compose.js';
import { composeEnvFiles, isTemplateSpelling } from './env-names.js';
import { readPackageJson } from '../../src/facts/ecosystems.js';
import { factSlot } from '../../src/facts/facts.js';
import { commandHead, operandValue } from '../../src/facts/docs/command-head.js';
import { isCreated, wordTextSpan } from '../../src/facts/docs/commands.js';
import { docFiles } from '../../src/facts/docs/doc-files.js';
import { readDoc } from '../../src/facts/docs/findings.js';
import { createdPaths, readOperands } from '../../src/facts/docs/operands.js';
import type { DocsOptions } from '../../src/facts/docs/options.js';
import { isEnvTemplate, joinRepo, pathRef } from '../../src/facts/docs/paths.js';
import { isQuoted, lineAround, type QuoteContext } from '../../src/facts/docs/quoting.js';
import { pathHistories, relocate } from '../../src/facts/docs/relocation.js';

export interface TemplateRef {
  /** Repo path of the template the reference means. */
  template: string;
  /** Where the reference is written, and the offset of the name there. */
  file: string;
  offset: number;
  /** How it is referenced: `link`, `` `cp` ``, `` `env_file` of service `api` `` … */
  via: string;
}

function dirOf(p: string): string {
  const d = path.dirname(p);
  return d === '.' ? '' : d;
}

/** A written path that names an env template: a plain relative path whose last segment is one. */
function templatePath(written: string): boolean {
  return isEnvTemplate(written) && pathRef(written, false) !== undefined && !written.endsWith('/');
}

function decode(s: string): string | undefined {
  try {
    return decodeURI(s);
  } catch {
    return undefined;
  }
}

// ---------------------------------------------------------------------------------------------
// Docs

/**
 * References in docs. Quoted places (old side of a migration, ❌ examples, legacy sections,
 * ledgers) do not count, and neither does a template that moved: git history records its
 * rename to a path that exists, or (with no rename record) exactly one file of that name
 * exists elsewhere; the doc is what is stale then, and docs-dead-reference reports it. A
 * template git says was deleted is gone, whatever namesake another folder has.
 */
export async function docReferences(ws: Workspace, opts: DocsOptions): Promise<TemplateRef[]> {
  const out: TemplateRef[] = [];
  const { docs } = docFiles(ws, opts);
  for (const doc of docs) {
    // Every template name contains `env`: docs without it are not parsed here.
    if (!/env/i.test(ws.probe(doc.path)?.text ?? '')) continue;
    const read = await readDoc(ws, doc, opts);
    if (!read) continue;
    const docDir = dirOf(doc.path);
    const q: QuoteContext = { ws, file: read.file, model: read.model, opts };
    const add = (template: string | undefined, offset: number, via: string): void => {
      if (template === undefined || template === '' || offset < 0) return;
      out.push({ template, file: doc.path, offset, via });
    };
    if (read.model) {
      for (const link of read.model.links) {
        if (link.kind === 'autolink') continue;
        const url = link.url.trim();
        if (!url || /^[a-z][a-z0-9+.-]*:/i.test(url) || /^[#/~\\]/.test(url)) continue;
        const cut = url.search(/[#?]/);
        const decoded = decode(cut === -1 ? url : url.slice(0, cut));
        if (decoded === undefined || !templatePath(decoded)) continue;
        const offset = link.urlStart ?? link.start;
        if (isQuoted(q, offset) || SAYS_GONE.test(lineAround(read.file.text, offset).text)) continue;
        add(joinRepo(docDir, decoded), offset, 'link');
      }
      for (const span of read.model.spans) {
        const value = span.value.trim();
        if (!templatePath(value)) continue;
        const offset = offsetAt(span, 0) ?? span.start;
        // Prose that only names the file (a list of spellings, a description) is no reference;
        // a line that tells the reader to use it is (`Copy \`.env.example\` to \`.env\``).
        if (offset < 0 || isQuoted(q, offset)) continue;
        const line = lineAround(read.file.text, offset).text;
        if (!TELLS_TO_USE.test(line) || SAYS_GONE.test(line)) continue;
        add(joinRepo(spanBase(ws, value, docDir), value), offset, 'code span');
      }
    } else {
      const r = await jsonStringValues(read.file);
      if (r.ok) {
        for (const s of r.strings) {
          const value = s.value.trim();
          if (!templatePath(value) || isQuoted(q, s.start)) continue;
          add(joinRepo(spanBase(ws, value, docDir), value), s.start, 'JSON value');
        }
      }
    }
    for (const cmd of read.commands) {
      if (cmd.form !== 'shell' || cmd.source === 'dockerfile' || cmd.cwd === undefined) continue;
      const argv = cmd.words.map((w) => w.value);
      for (const j of readOperands(argv)) {
        const written = operandValue(argv[j] as string);
        if (!templatePath(written)) continue;
        // A doc in a project folder (or next to a template) is run from there: `backend/README.md`
        // says `cp .env.example .env` for `backend/.env.example`. A `cd` in the block wins.
        const from = (cwd: string): string | undefined => joinRepo(cwd === '' && ownsTemplates(ws, docDir) ? docDir : cwd, written);
        const missing = from(cmd.cwd);
        if (missing === undefined || isCreated(cmd, missing)) continue;
        // The reader may be elsewhere (a `cd` in an earlier block): there it may exist.
        if (cmd.otherCwds.some((c) => { const o = from(c); return o !== undefined && (ws.has(o) || isCreated(cmd, o)); })) continue;
        // Relative to the doc's own folder, it exists: the reader runs it from there.
        const fromDoc = joinRepo(docDir, written);
        if (fromDoc !== undefined && ws.has(fromDoc)) continue;
        const offset = wordTextSpan(cmd, j)?.[0] ?? cmd.offset;
        if (isQuoted(q, offset, cmd.block)) continue;
        // A command written in prose (a code span) on a line that says the template is gone.
        if (cmd.source === 'span' && SAYS_GONE.test(lineAround(read.file.text, offset).text)) continue;
        add(missing, offset, `\`${commandName(argv)}\``);
      }
    }
  }
  const gone = out.filter((r) => !ws.has(r.template));
  const histories = await pathHistories(ws, gone.map((r) => ({ path: r.template, dir: false })));
  return out.filter((r) => ws.has(r.template) || relocate(ws, r.template, false, opts, histories(r.template, false)).target === undefined);
}

/** Words of a line that tells the reader to use a file named in a code span on it (`see` alone is too weak). */
const TELLS_TO_USE = /\b(cop(y|ies|ied|ying)|cp|duplicate|rename|fill(ing)?\s+(in|out)|edit|start(ing)?\s+from|based\s+on)\b/i;

/** Words of a line that says the template is gone or must not be used: no instruction then. */
const SAYS_GONE = /\b(no|dropped|removed|deleted|history|never)\b|\b(don['’]?t|do\s+not)\b/i;

/**
 * A folder below the root whose docs speak for it: it holds an env template already, or it is
 * a project folder (a manifest, a compose file …; see isProjectDir).
 */
function ownsTemplates(ws: Workspace, dir: string): boolean {
  if (dir === '') return false;
  return isProjectDir(ws, dir) || ws.paths.some((p) => dirOf(p) === dir && isTemplateSpelling(p));
}

/**
 * A bare path in prose is read from the doc's folder when that folder owns its templates
 * (ownsTemplates), else from the repository root; `./x` and `../x` from the doc's folder.
 */
function spanBase(ws: Workspace, value: string, docDir: string): string {
  if (value.startsWith('./') || value.startsWith('../')) return docDir;
  if (!value.includes('/') && ownsTemplates(ws, docDir)) return docDir;
  const first = value.split('/')[0] as string;
  if (value.includes('/') && !ws.hasDir(first) && docDir && ws.hasDir(joinRepo(docDir, first) ?? '\0')) return docDir;
  return '';
}

function commandName(argv: readonly string[]): string {
  const h = commandHead(argv)?.index ?? 0;
  const head = argv[h] ?? '';
  const base = head.slice(head.lastIndexOf('/') + 1);
  return base === 'docker' && argv[h + 1] === 'compose' ? 'docker compose' : base;
}

// ---------------------------------------------------------------------------------------------
// Compose env_file

export function composeReferences(ws: Workspace, include: (p: string) => boolean): TemplateRef[] {
  const out: TemplateRef[] = [];
  for (const p of ws.paths) {
    if (!isComposePath(p) || !include(p)) continue;
    const file = ws.read(p);
    if (!file || !/env_file/.test(file.text)) continue;
    for (const e of composeEnvFiles(file)) {
      if (!templatePath(e.path)) continue;
      const template = joinRepo(dirOf(p), e.path);
      if (template) out.push({ template, file: p, offset: e.offset, via: `\`env_file\` of service \`${e.service}\`` });
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Shell: scripts, Makefiles, package.json scripts, workflow steps

/** Files that make a folder a project of its own (its scripts run from there). */
const PROJECT_MARKER = /^((docker-)?compose([.-][\w.-]+)?\.ya?ml|package\.json|pyproject\.toml|setup\.py|setup\.cfg|requirements[\w.-]*\.txt|Pipfile|Dockerfile|Makefile|manage\.py|go\.mod|Cargo\.toml)$/;

const projectDirsCache = factSlot<Set<string>>('project directories');

function isProjectDir(ws: Workspace, dir: string): boolean {
  if (dir === '') return true;
  let dirs = projectDirsCache.get(ws);
  if (!dirs) {
    dirs = new Set();
    for (const p of ws.paths) if (PROJECT_MARKER.test(p.slice(p.lastIndexOf('/') + 1))) dirs.add(dirOf(p));
    projectDirsCache.set(ws, dirs);
  }
  return dirs.has(dir);
}

/** `cd "$(dirname "$0")/.."` and friends: the script's own folder, plus what follows it. */
const SCRIPT_DIR_CD = /^\$\((?:cd\s+)?(?:dirname|realpath)?\s*"?\$\{?(?:0|BASH_SOURCE(?:\[0\])?)\}?"?\s*\)(\/[^\s]*)?$/;

interface ShellContext {
  file: string;
  /** The folder commands start in (undefined: not known). */
  cwd: string | undefined;
  /** The script's own folder, for `cd "$(dirname "$0")"`. */
  scriptDir: string;
  where: string;
}

/** The references of one piece of shell text (offsets from `base`). */
function shellReferences(text: string, base: number, ctx: ShellContext): TemplateRef[] {
  const out: TemplateRef[] = [];
  let cwd = ctx.cwd;
  const created = new Set<string>();
  for (const cmd of simpleCommands(splitShell(text, base))) {
    const argv = cmd.map((w) => w.value);
    const head = commandHead(argv);
    if (!head) continue;
    const name = argv[head.index] as string;
    if (name === 'cd' || name === 'pushd') {
      cwd = nextCwd(cwd, argv.slice(head.index + 1), ctx.scriptDir);
      continue;
    }
    if (cwd !== undefined) {
      for (const j of readOperands(argv)) {
        const written = operandValue(argv[j] as string);
        if (!templatePath(written)) continue;
        const template = joinRepo(cwd, written);
        if (template === undefined || created.has(template)) continue;
        out.push({ template, file: ctx.file, offset: (cmd[j] as ShellWord).start, via: `\`${commandName(argv)}\`${ctx.where}` });
      }
      for (const c of createdPaths(argv, cwd)) created.add(c);
    }
  }
  return out;
}

function nextCwd(cwd: string | undefined, args: string[], scriptDir: string): string | undefined {
  const operand = args.filter((a) => a !== '-P' && a !== '-L').join(' ');
  const m = SCRIPT_DIR_CD.exec(operand);
  if (m) return joinRepo(scriptDir, `.${m[1] ?? ''}`);
  if (cwd === undefined || !operand || /[$`~*?{}\\]/.test(operand) || operand.startsWith('/')) return undefined;
  return joinRepo(cwd, operand);
}


export function scriptReferences(ws: Workspace, include: (p: string) => boolean): TemplateRef[] {
  const out: TemplateRef[] = [];
  for (const p of ws.paths) {
    if (!include(p)) continue;
    const base = p.slice(p.lastIndexOf('/') + 1);
    const isMake = /^(GNUmakefile|makefile|Makefile)$|\.mk$/.test(base);
    const isShell = /\.(sh|bash|zsh)$/.test(base);
    const isWorkflow = /^\.github\/workflows\/[^/]+\.ya?ml$/.test(p);
    const isPackage = base === 'package.json';
    if (!isMake && !isShell && !isWorkflow && !isPackage) continue;
    const file = ws.probe(p);
    if (!file || !/env/i.test(file.text)) continue;
    const dir = dirOf(p);
    if (isShell) {
      const cwd = isProjectDir(ws, dir) ? dir : '';
      out.push(...shellReferences(file.text, 0, { file: p, cwd, scriptDir: dir, where: '' }));
    } else if (isMake) {
      // Each recipe line (tab-indented, with its continuations) runs in its own shell, in the Makefile's folder.
      const text = file.text;
      const re = /^\t[@+-]*([^\n]*(?:\\\r?\n[^\n]*)*)/gm;
      for (let m = re.exec(text); m; m = re.exec(text)) {
        const body = m[1] as string;
        const start = m.index + m[0].length - body.length;
        out.push(...shellReferences(body.replace(/\\\r\n/g, ' \\\n').replace(/\$\$/g, '$ '), start, { file: p, cwd: dir, scriptDir: dir, where: ' in a Makefile recipe' }));
      }
    } else if (isPackage) {
      const json = readPackageJson(ws.read(p));
      const scripts = json?.scripts;
      if (!scripts || typeof scripts !== 'object') continue;
      for (const [name, value] of Object.entries(scripts as Record<string, unknown>)) {
        if (typeof value !== 'string' || !/env/i.test(value)) continue;
        const at = file.text.indexOf(JSON.stringify(value).slice(1, -1));
        for (const r of shellReferences(value, 0, { file: p, cwd: dir, scriptDir: dir, where: ` in script \`${name}\`` })) out.push({ ...r, offset: at === -1 ? 0 : at + r.offset });
      }
    } else {
      out.push(...workflowReferences(ws, p));
    }
  }
  return out;
}

/** `run:` steps of a workflow, from their `working-directory` (step, job defaults, workflow defaults). */
function workflowReferences(ws: Workspace, p: string): TemplateRef[] {
  const file = ws.read(p);
  if (!file) return [];
  const parsed = parseYaml(file);
  if (parsed.error) return [];
  const root = parsed.doc.contents;
  const wd = (node: unknown): string | undefined => scalarString(findPair(findPair(findPair(node, 'defaults')?.value, 'run')?.value, 'working-directory')?.value);
  const top = wd(root);
  const out: TemplateRef[] = [];
  for (const job of mapPairs(findPair(root, 'jobs')?.value)) {
    const jobDir = wd(job.value) ?? top;
    const steps = findPair(job.value, 'steps')?.value;
    if (!isSeq(steps)) continue;
    for (const step of steps.items) {
      if (!isMap(step)) continue;
      const run = findPair(step, 'run')?.value;
      if (!isScalar(run) || typeof run.value !== 'string' || !/env/i.test(run.value)) continue;
      const dirValue = scalarString(findPair(step, 'working-directory')?.value) ?? jobDir;
      const cwd = dirValue === undefined ? '' : /[$]/.test(dirValue) ? undefined : joinRepo('', dirValue);
      const at = nodeRange(run)?.[0] ?? 0;
      // Offsets inside a block scalar do not map to the file: every reference points at the step's `run:` value.
      for (const r of shellReferences(run.value, 0, { file: p, cwd, scriptDir: '', where: ' in a workflow step' })) out.push({ ...r, offset: at });
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// .gitignore negations

export function gitignoreReferences(ws: Workspace, include: (p: string) => boolean): TemplateRef[] {
  const out: TemplateRef[] = [];
  for (const p of ws.paths) {
    if (path.basename(p) !== '.gitignore' || !include(p)) continue;
    const text = ws.probe(p)?.text;
    if (!text) continue;
    const re = /^!(.*?)[ \t]*\r?$/gm;
    for (let m = re.exec(text); m; m = re.exec(text)) {
      const written = m[1] as string;
      let pattern = written.replace(/^\*\*\//, '').replace(/^\//, '');
      if (/[*?[\]\\]/.test(pattern) || pattern.endsWith('/') || !templatePath(pattern)) continue;
      pattern = pattern.replace(/^(\.\/)+/, '');
      // A pattern with no slash but at its end (or a leading `**/`) matches at any depth: one
      // such file anywhere below the .gitignore answers it.
      const anyDepth = !written.replace(/\/$/, '').replace(/^\*\*\//, '').includes('/');
      const base = dirOf(p);
      if (anyDepth && ws.paths.some((q) => path.basename(q) === pattern && (base === '' || q.startsWith(`${base}/`)))) continue;
      const template = joinRepo(base, pattern);
      if (template) out.push({ template, file: p, offset: m.index + 1, via: '`!` pattern' });
    }
  }
  return out;
}
