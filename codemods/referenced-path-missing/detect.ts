/**
 * Where configuration files name repository paths that do not exist: the files commands read
 * as configuration in the `#` comments of YAML, compose files and Dockerfiles; the files the
 * commands of a workflow's `run:` scripts read (configuration operands and the scripts they
 * run); and the `-f`/`--file`/`--env-file`/`-r`/`-c` operands of Makefile recipes and
 * package.json scripts. Docs are docs-dead-reference's: the two rules read disjoint files, so
 * each reference is reported once.
 */
import path from 'node:path/posix';
import type { Workspace } from '../../src/workspace/workspace.js';
import type { SourceFile } from '../../src/workspace/source-file.js';
import { isDockerfilePath } from '../../src/formats/dockerfile.js';
import { isComposePath } from '../../src/formats/compose.js';
import { hashComments } from '../../src/formats/comments.js';
import { jsonStringValues, type MappedText } from '../../src/formats/markdown.js';
import { linearRuns, RunsBuilder } from '../../src/formats/mapped-text.js';
import { actionName, checkoutDir, isWorkflowPath, readWorkflow, type WorkflowStep } from '../../src/formats/workflow.js';
import { nodeRange, scalarContentSpan } from '../../src/formats/yaml.js';
import { commentCommands, commentCwd, scriptCommands, type DocCommand } from '../../src/facts/docs/commands.js';
import { createdPaths } from '../../src/facts/docs/operands.js';
import { docGlobMatcher } from '../../src/facts/docs/doc-files.js';
import { existsInRepo, isGitIgnored, underSubmodule } from '../../src/facts/docs/paths.js';
import type { DocsOptions } from '../../src/facts/docs/options.js';
import { operandProblems, type Env, type Pending } from '../../src/facts/docs/references.js';

/** Cheap text filter: a comment with a flag that names a configuration file. */
const COMMENT_COMMAND = /^[ \t]*#.*\s(?:-f|--file|--env-file|-r|--requirement|-c|--constraint)[ =]/m;

/** Cheap text filter for Makefiles and package.json: a flag that names a configuration file. */
const CONFIG_FLAG = /\s(?:-f|--file|--env-file|-r|--requirement|-c|--constraint)[ =]/;

function envOf(ws: Workspace, opts: DocsOptions, file: SourceFile, docDir: string): Env {
  return { ws, opts, q: { ws, file, model: undefined, opts }, doc: file.path, docDir, editable: ws.isEditable(file.path), series: new Set() };
}

function dirOf(p: string): string {
  return path.dirname(p) === '.' ? '' : path.dirname(p);
}

/**
 * A path in a folder that does not exist (`-f path/to/compose.gpu.yml`, a folder an earlier
 * step or another tool makes) is a pattern or a run-time path, not a reference, unless git says
 * it moved.
 */
function folderMissing(ws: Workspace, p: Pending): boolean {
  return p.written.includes('/') && !existsInRepo(ws, p.missing.split('/').slice(0, -1).join('/'));
}

/** Every reference to a missing path in configuration files, before history is asked. */
export async function collect(ws: Workspace, opts: DocsOptions): Promise<Pending[]> {
  const pending: Pending[] = [];
  const excluded = docGlobMatcher(ws, opts.excludeGlobs);
  // package.json is never one of docs-dead-reference's JSON docs: one reference, one rule.
  for (const p of ws.paths) {
    if (excluded(p)) continue;
    if (/\.ya?ml$/i.test(p) || isComposePath(p) || isDockerfilePath(p)) pending.push(...commentReferences(ws, opts, p));
    if (isWorkflowPath(p)) pending.push(...workflowReferences(ws, opts, p));
    if (/(^|\/)(GNU)?[Mm]akefile$|\.mk$/.test(p)) pending.push(...makefileReferences(ws, opts, p));
    if (/(^|\/)package\.json$/.test(p) && !p.includes('node_modules/')) pending.push(...(await packageScriptReferences(ws, opts, p)));
  }
  // A `#` line inside a `run:` script is read both as a YAML comment and as the script's own
  // comment: one reference, once.
  const seen = new Set<string>();
  return pending.filter((x) => {
    const k = `${x.env.doc}\0${x.offset}\0${x.written}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

// ---------------------------------------------------------------------------------------------
// `#` comments: `# Production: docker compose -f docker-compose.prod.yml up -d`

function commentReferences(ws: Workspace, opts: DocsOptions, p: string): Pending[] {
  const text = ws.probe(p)?.text;
  if (!text || !COMMENT_COMMAND.test(text)) return [];
  const file = ws.read(p);
  if (!file) return [];
  // The file's folder and the root are both places a reader may run the command from.
  const dir = dirOf(p);
  const env = envOf(ws, opts, file, commentCwd(p) === dir ? '' : dir);
  const out: Pending[] = [];
  for (const cmd of commentCommands(ws, p, file.text, hashComments(file.text))) {
    if (isExample(file.text, cmd.offset)) continue;
    const found = operandProblems(env, cmd).filter((x) => x.config);
    out.push(...found.map((x) => ({ ...x, kind: 'comment', onlyIfMoved: folderMissing(ws, x) })));
  }
  return out;
}

/**
 * A command a comment gives as an example (`# e.g. docker compose -f docker-compose.gpu.yml up`,
 * `# Example: …`, `# for instance …`): it shows the shape of a command, with files the reader
 * brings.
 */
function isExample(text: string, offset: number): boolean {
  const lineStart = text.lastIndexOf('\n', offset - 1) + 1;
  return /\b(?:e\.\s?g\.|eg[.:]|for (?:example|instance)|examples?\s*:|such as)/i.test(text.slice(lineStart, offset));
}

// ---------------------------------------------------------------------------------------------
// Workflow `run:` scripts

/** Shells whose scripts are not POSIX shell. */
const OTHER_SHELL = /pwsh|powershell|python|node|cmd/i;

/**
 * What a scalar's value (YAML unquoted) is at in the file: each line of `value` found in order
 * inside the node's span (a block scalar keeps its lines, less the indentation). Characters of a
 * line not found (a folded or escaped scalar) map to -1: no edit is offered there.
 */
function scalarMapped(text: string, range: [number, number], value: string): MappedText {
  const runs = new RunsBuilder();
  let cursor = range[0];
  let i = 0;
  for (const line of value.split('\n')) {
    if (line.length > 0) {
      const at = text.indexOf(line, cursor);
      if (at !== -1 && at + line.length <= range[1]) {
        runs.add(i, at, line.length);
        cursor = at + line.length;
      }
    }
    i += line.length + 1;
  }
  return { value, runs: runs.done() };
}

/** Repo paths an action step puts in place: its `path:` input (checkout, download-artifact, cache). */
function actionOutputs(withPath: string | undefined): string[] {
  if (withPath === undefined) return [];
  return withPath
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('!') && !l.includes('$'))
    .map((l) => checkoutDir(l.replace(/\/\*\*?.*$/, '')))
    .filter((d): d is string => d !== undefined && d !== '');
}

function workflowReferences(ws: Workspace, opts: DocsOptions, p: string): Pending[] {
  const file = ws.read(p);
  if (!file) return [];
  const model = readWorkflow(file);
  if (model.error) return [];
  const env = envOf(ws, opts, file, '');
  const out: Pending[] = [];
  for (const job of model.jobs) {
    // Paths earlier steps of the job made: they exist when this step runs.
    const created = new Set<string>();
    let checkedOutElsewhere = false;
    job.steps.forEach((step, si) => {
      if (step.uses !== undefined) {
        for (const o of actionOutputs(step.with.get('path')?.value)) created.add(o);
        const action = actionName(step.uses);
        // Another repository checked out over the root: its files are not this one's.
        if (action === 'actions/checkout' && step.with.has('repository') && !step.with.has('path')) checkedOutElsewhere = true;
        return;
      }
      if (!step.run || checkedOutElsewhere) return;
      const dirRef = workingDirectoryReference(ws, env, step, created);
      if (dirRef) {
        out.push(dirRef);
        return;
      }
      if ((step.shell && OTHER_SHELL.test(step.shell)) || step.workingDirectory === undefined) return;
      const range = nodeRange(step.run.node);
      if (!range) return;
      const mapped = scalarMapped(file.text, range, step.run.script);
      const cmds = scriptCommands(ws, p, mapped, step.workingDirectory, created, `${job.id}:${si}`, file.text);
      for (const cmd of cmds) {
        for (const x of operandProblems(env, cmd)) {
          if (!x.config && !isScriptRun(cmd, x)) continue;
          out.push({ ...x, kind: 'run', onlyIfMoved: folderMissing(ws, x) });
        }
      }
      for (const cmd of cmds) for (const c of createdPaths(cmd.words.map((w) => w.value), cmd.cwd)) created.add(c);
    });
  }
  return out;
}

/**
 * A step's own `working-directory` that names a folder the repository does not have and no
 * earlier step of the job made (a checkout `path:`, an artifact, a `mkdir`): the step fails
 * before its script runs.
 */
function workingDirectoryReference(ws: Workspace, env: Env, step: WorkflowStep, created: ReadonlySet<string>): Pending | undefined {
  const dir = step.workingDirectory;
  const node = step.workingDirectoryPair?.value;
  const written = typeof (node as { value?: unknown } | null | undefined)?.value === 'string' ? ((node as { value: string }).value) : undefined;
  if (dir === undefined || dir === '' || written === undefined || ws.hasDir(dir) || ws.has(dir)) return undefined;
  if ([...created].some((c) => dir === c || dir.startsWith(`${c}/`) || c.startsWith(`${dir}/`))) return undefined;
  if (isGitIgnored(ws, dir, true) || underSubmodule(ws, dir)) return undefined;
  const span = scalarContentSpan(env.q.file.text, node);
  if (!span || env.q.file.text.slice(span[0], span[1]) !== written) return undefined;
  const head = `working directory \`${written}\`${dir !== written.replace(/^\.\//, '').replace(/\/$/, '') ? ` (\`${dir}\`)` : ''} does not exist`;
  return { env, kind: 'working-directory', offset: span[0], written, missing: dir, dir: true, base: '', head, span, suffix: '', onlyIfMoved: false, config: true };
}

/** A script the command runs (`bash scripts/x.sh`, `./x.sh`, `source env.sh`), not a file it merely reads (`cat`, `cp`). */
function isScriptRun(cmd: DocCommand, x: Pending): boolean {
  const argv = cmd.words.map((w) => w.value);
  return /\.(sh|bash)$/.test(x.missing) && !argv.some((a) => a === 'cat' || a === 'cp' || a === 'mv');
}

// ---------------------------------------------------------------------------------------------
// Makefile recipes and package.json scripts: `-f <file>` and the like

function makefileReferences(ws: Workspace, opts: DocsOptions, p: string): Pending[] {
  const text = ws.probe(p)?.text;
  if (!text || !CONFIG_FLAG.test(text)) return [];
  const file = ws.read(p);
  if (!file) return [];
  const dir = dirOf(p);
  const env = envOf(ws, opts, file, dir);
  const out: Pending[] = [];
  // Recipe lines start with a tab; each runs in a shell of its own from the Makefile's folder.
  const recipe = /^\t[@+-]*([^\r\n]*)/gm;
  let n = 0;
  for (let m = recipe.exec(text); m; m = recipe.exec(text)) {
    const value = m[1] as string;
    if (!CONFIG_FLAG.test(` ${value}`)) continue;
    const start = m.index + m[0].length - value.length;
    const mapped: MappedText = { value, runs: linearRuns(start, value.length) };
    for (const cmd of scriptCommands(ws, p, mapped, dir, new Set(), `m${n++}`, text)) {
      out.push(...operandProblems(env, cmd).filter((x) => x.config).map((x) => ({ ...x, kind: 'recipe', onlyIfMoved: folderMissing(ws, x) })));
    }
  }
  return out;
}

async function packageScriptReferences(ws: Workspace, opts: DocsOptions, p: string): Promise<Pending[]> {
  const text = ws.probe(p)?.text;
  if (!text || !CONFIG_FLAG.test(text)) return [];
  const file = ws.read(p);
  if (!file) return [];
  const strings = await jsonStringValues(file);
  if (!strings.ok) return [];
  const dir = dirOf(p);
  const env = envOf(ws, opts, file, dir);
  const out: Pending[] = [];
  for (const s of strings.strings) {
    if (s.path.length !== 2 || s.path[0] !== 'scripts' || !CONFIG_FLAG.test(` ${s.value}`)) continue;
    for (const cmd of scriptCommands(ws, p, s, dir, new Set(), `s${String(s.path[1])}`, text)) {
      out.push(...operandProblems(env, cmd).filter((x) => x.config).map((x) => ({ ...x, kind: 'script', onlyIfMoved: folderMissing(ws, x) })));
    }
  }
  return out;
}
