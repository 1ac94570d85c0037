/**
 * The repository's own drift checkers (a script with forbidden-pattern lists that walks files
 * and fails on a match), and whether anything runs them: a CI step, a commit hook, a test, a
 * task runner target that CI calls, or any other file that names them. Only a mention in the
 * docs (a README telling people to run it) runs nothing.
 */
import path from 'node:path';
import type { Workspace } from '../../src/workspace/workspace.js';
import type { SourceFile } from '../../src/workspace/source-file.js';
import type { Files } from '../../src/facts/files.js';
import { isWorkflowPath } from '../../src/formats/workflow.js';
import { findPair, nodeRange } from '../../src/formats/yaml.js';
import { mayBeGuard, shellCheckerShape } from './shape.js';
import { mayBePythonChecker, pythonCheckerShape } from './python-checker.js';
import { declareTreeInterest } from '../../src/formats/python-tree.js';

// `checkers` asks `files.python` about the modules that may be checkers.
declareTreeInterest('drift-guard-coverage', (file) => mayBePythonChecker(file.path, file.text));

export interface Checker {
  path: string;
  language: 'python' | 'shell';
  /** Offset of its first forbidden-pattern list (where the finding points). */
  offset: number;
  lists: string[];
  needsArguments: boolean;
}

export type Coverage =
  | { kind: 'run'; by: string }
  | { kind: 'local-only'; targets: string[] }
  | { kind: 'never'; docs: string[] };

/** Other CI systems: a checker they name is run by CI as surely as by a workflow. */
const OTHER_CI = /(^|\/)(\.gitlab-ci\.ya?ml|\.circleci\/config\.ya?ml|azure-pipelines\.ya?ml|Jenkinsfile|\.travis\.ya?ml|bitbucket-pipelines\.ya?ml|\.drone\.ya?ml|\.woodpecker\.ya?ml|\.buildkite\/[^/]+\.ya?ml|cloudbuild\.ya?ml)$/;
const HOOKS = /(^|\/)(\.pre-commit-config\.ya?ml|\.pre-commit-hooks\.ya?ml|lefthook\.ya?ml|\.lefthook\.ya?ml|\.husky\/[^/]+|\.githooks\/[^/]+|\.lintstagedrc[^/]*|lint-staged\.config\.[cm]?js)$/;
const MAKEFILE = /(^|\/)(Makefile|GNUmakefile|makefile|[^/]+\.mk)$/;
/** autopack-fix's baseline (engine/baseline.ts BASELINE_FILE) and SARIF reports: they quote findings, run nothing. */
const TOOL_OUTPUT = /(^|\/)autopack-fix-baseline\.json$|\.sarif(\.json)?$/;
const DOC = /\.(md|mdx|markdown|rst|txt|adoc|asciidoc|org|html?)$/i;

export function hasCi(ws: Workspace): boolean {
  return ws.paths.some((p) => isWorkflowPath(p) || OTHER_CI.test(p));
}

function isDoc(p: string): boolean {
  return DOC.test(p) || (/^docs?\//.test(p) && /\.json$/i.test(p));
}

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

const SH_ARRAY_LINE = /^\s*(?:(?:declare|local|readonly)\s+-a\s+)?[A-Za-z_]\w*=\(/m;

function shellScript(p: string, text: string): boolean {
  return /\.(sh|bash)$/.test(p) || /^#!.*\b(ba|da|z)?sh\b/.test(text);
}

/**
 * Whether the repository may hold a Python drift checker (`checkers` takes none that fails this):
 * a path a guard may have, and a list bound to a forbidden-sounding name. No parse.
 */
export function mayHoldPythonChecker(ws: Workspace): boolean {
  return ws.paths.some((p) => p.endsWith('.py') && pythonCandidate(ws, p) !== undefined);
}

/** A Python file at `p` that may be a drift checker, by the look before any parse (`mayBePythonChecker`). */
function pythonCandidate(ws: Workspace, p: string): SourceFile | undefined {
  if (!mayBeGuard(p)) return undefined;
  const file = ws.probe(p);
  return file && mayBePythonChecker(p, file.text) ? file : undefined;
}

export async function checkers(ws: Workspace, files: Files): Promise<Checker[]> {
  const out: Checker[] = [];
  for (const p of ws.paths) {
    if (!mayBeGuard(p)) continue;
    if (p.endsWith('.py')) {
      const file = pythonCandidate(ws, p);
      if (!file) continue;
      const py = await files.python(file);
      if (!py) continue;
      const shape = await pythonCheckerShape(file);
      const used = shape.lists.filter((l) => shape.readNames.has(l.name));
      if (shape.syntaxError || used.length === 0 || !shape.walksFiles || !shape.readsText || !shape.fails) continue;
      out.push({ path: p, language: 'python', offset: (used[0] as { nameOffset: number }).nameOffset, lists: used.map((l) => l.name), needsArguments: shape.needsArguments });
    } else if (!p.includes('/.') && !/\.\w+$/.test(path.basename(p)) || /\.(sh|bash)$/.test(p)) {
      const file = ws.probe(p);
      if (!file || !shellScript(p, file.text) || !SH_ARRAY_LINE.test(file.text)) continue;
      const shape = shellCheckerShape(file.text);
      const used = shape.lists.filter((l) => shape.readNames.has(l.name));
      if (used.length === 0 || !shape.searchesFiles || !shape.fails) continue;
      out.push({ path: p, language: 'shell', offset: (used[0] as { offset: number }).offset, lists: used.map((l) => l.name), needsArguments: shape.needsArguments });
    }
  }
  return out;
}

/** Whether a text names the checker: its file name, or (Python) an import or `-m` of its module. */
export function namesChecker(text: string, checker: Checker): boolean {
  const base = path.basename(checker.path);
  if (text.includes(base)) return true;
  if (checker.language !== 'python') return false;
  const stem = escape(base.replace(/\.py$/, ''));
  return new RegExp(`(?:^|[\\s;])(?:from|import)\\s+(?:[\\w.]+\\.)?${stem}\\b|-m\\s+(?:[\\w.]+\\.)?${stem}\\b|["'](?:[\\w./-]*[./])?${stem}["']`, 'm').test(text);
}

function lineOf(text: string, offset: number): string {
  const start = text.lastIndexOf('\n', offset - 1) + 1;
  const end = text.indexOf('\n', offset);
  return text.slice(start, end === -1 ? text.length : end);
}

/** Whether a workflow names the checker where it runs: not only in its triggers (`on.paths`) or a comment. */
function workflowRuns(ws: Workspace, files: Files, p: string, checker: Checker): boolean {
  const file = ws.probe(p);
  const parsed = file && files.yaml(file);
  if (!file || !parsed) return false;
  const on = nodeRange(findPair(parsed.doc.contents, 'on')?.value);
  const base = path.basename(checker.path);
  const stem = base.replace(/\.py$/, '');
  for (const needle of checker.language === 'python' ? [base, stem] : [base]) {
    for (let at = file.text.indexOf(needle); at !== -1; at = file.text.indexOf(needle, at + 1)) {
      if (on && at >= on[0] && at < on[1]) continue;
      const line = lineOf(file.text, at);
      if (/^\s*#/.test(line)) continue;
      if (needle === stem && !namesChecker(line, checker)) continue;
      return true;
    }
  }
  return false;
}

interface Target {
  name: string;
  /** Names of targets / scripts it runs. */
  runs: string[];
  body: string;
}

/** Makefile targets with their prerequisites and the targets their recipes run with make. */
function makeTargets(text: string): Target[] {
  const out: Target[] = [];
  let current: Target[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.replace(/\r$/, '');
    if (line.startsWith('\t')) {
      for (const t of current) {
        t.body += `${line}\n`;
        for (const m of line.matchAll(/(?:\$\(MAKE\)|\$\{MAKE\}|\bmake)\b((?:\s+[-\w./=]+)+)/g)) t.runs.push(...(m[1] as string).trim().split(/\s+/).filter((w) => !w.startsWith('-') && !w.includes('=')));
      }
      continue;
    }
    const m = /^([^\s:#=][^:#=]*?)\s*::?(?!=)(.*)$/.exec(line);
    if (m) {
      const prereqs = (m[2] as string).split(';')[0]?.split('#')[0]?.trim().split(/\s+/).filter(Boolean) ?? [];
      current = (m[1] as string).trim().split(/\s+/).map((name) => ({ name, runs: [...prereqs], body: `${(m[2] as string).split(';').slice(1).join(';')}\n` }));
      out.push(...current);
    } else if (line.trim() !== '' && !line.startsWith('#')) current = [];
  }
  return out;
}

function packageScripts(ws: Workspace, files: Files, p: string): Target[] {
  const parsed = files.json(p);
  const json = parsed?.ok ? (parsed.value as { scripts?: unknown } | null) : undefined;
  const scripts = json?.scripts;
  if (!scripts || typeof scripts !== 'object') return [];
  const names = Object.keys(scripts);
  return Object.entries(scripts as Record<string, unknown>).filter(([, v]) => typeof v === 'string').map(([name, v]) => {
    const body = v as string;
    const runs = names.filter((n) => n !== name && new RegExp(`(?:\\brun\\s+|\\b(?:yarn|pnpm|bun)\\s+|run-[sp]\\s+(?:[^&|;]*\\s)?|npm-run-all\\s+(?:[^&|;]*\\s)?)${escape(n)}(?![\\w:-])`).test(body));
    // npm runs pre<name> and post<name> with <name>.
    for (const hook of [`pre${name}`, `post${name}`]) if (names.includes(hook)) runs.push(hook);
    return { name, runs, body };
  });
}

/** The targets that `start` reaches, following what each runs. */
function reached(targets: Target[], start: string[]): Set<string> {
  const seen = new Set<string>();
  const queue = [...start];
  while (queue.length > 0) {
    const n = queue.pop() as string;
    if (seen.has(n)) continue;
    seen.add(n);
    for (const t of targets) if (t.name === n) queue.push(...t.runs);
  }
  return seen;
}

/** The CI's own texts: workflow `run:` scripts (whole files, comments aside), other CI configs and commit hooks. */
function ciTexts(ws: Workspace): string[] {
  return ws.paths.filter((p) => isWorkflowPath(p) || OTHER_CI.test(p) || HOOKS.test(p)).map((p) => (ws.probe(p)?.text ?? '').split('\n').filter((l) => !/^\s*#/.test(l)).join('\n'));
}

const LIFECYCLE = new Set(['prepare', 'preinstall', 'install', 'postinstall', 'test', 'pretest', 'posttest', 'prepublishOnly', 'prepack', 'postpack']);

function ciRunsMake(ci: string[], names: Set<string>): boolean {
  return ci.some((t) => t.split('\n').some((line) => {
    const m = /(?:^|[\s;&|(])(?:\$\(MAKE\)|make)((?:\s+[^\s;&|]+)*)/.exec(line);
    if (!m) return false;
    const words = (m[1] as string).trim().split(/\s+/).filter((w) => w !== '' && !w.startsWith('-') && !w.includes('='));
    // `make` alone runs the default goal; which one that is is not worth guessing.
    return words.length === 0 || words.some((w) => names.has(w));
  }));
}

function ciRunsScript(ci: string[], names: Set<string>): boolean {
  if ([...names].some((n) => LIFECYCLE.has(n))) return true;
  return ci.some((t) => [...names].some((n) => new RegExp(`(?:\\brun\\s+|\\b(?:yarn|pnpm|bun|turbo|nx|lerna)\\s+(?:run\\s+)?(?:[^\\s&|;]+\\s+)*)${escape(n)}(?![\\w:-])`).test(t)));
}

export function coverage(ws: Workspace, files: Files, checker: Checker): Coverage {
  const docs: string[] = [];
  const local: string[] = [];
  let ci: string[] | undefined;
  for (const p of ws.paths) {
    // The checker itself, and this tool's own reports (a baseline's messages name the checker).
    if (p === checker.path || TOOL_OUTPUT.test(p)) continue;
    const text = ws.probe(p)?.text;
    if (text === undefined || !namesChecker(text, checker)) continue;
    if (isDoc(p)) {
      docs.push(p);
      continue;
    }
    if (isWorkflowPath(p)) {
      if (workflowRuns(ws, files, p, checker)) return { kind: 'run', by: p };
      continue;
    }
    if (MAKEFILE.test(p)) {
      const targets = makeTargets(text);
      const direct = targets.filter((t) => namesChecker(t.body, checker)).map((t) => t.name);
      const runners = new Set(targets.filter((t) => [...reached(targets, [t.name])].some((r) => direct.includes(r))).map((t) => t.name));
      ci ??= ciTexts(ws);
      if (direct.length === 0 || ciRunsMake(ci, runners)) return { kind: 'run', by: p };
      local.push(...direct.map((d) => `\`make ${d}\` (${p})`));
      continue;
    }
    if (path.basename(p) === 'package.json') {
      const scripts = packageScripts(ws, files, p);
      const direct = scripts.filter((s) => namesChecker(s.body, checker)).map((s) => s.name);
      const runners = new Set(scripts.filter((s) => [...reached(scripts, [s.name])].some((r) => direct.includes(r))).map((s) => s.name));
      ci ??= ciTexts(ws);
      if (direct.length === 0 || ciRunsScript(ci, runners)) return { kind: 'run', by: p };
      local.push(...direct.map((d) => `the \`${d}\` script (${p})`));
      continue;
    }
    // A hook, a test, another script, a CI config of another system: it may well run it.
    return { kind: 'run', by: p };
  }
  return local.length > 0 ? { kind: 'local-only', targets: local } : { kind: 'never', docs };
}
