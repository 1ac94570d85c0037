/**
 * The `review` fix: one step that runs the checker, in the job that already runs the
 * repository's doc checks (Markdown lint, link checks, a docs build), else in its lint job,
 * written the way that job writes its steps.
 */
import path from 'node:path';
import { isScalar, type Node } from 'yaml';
import type { Fix, SkipReason } from '../../src/model/types.js';
import type { Workspace } from '../../src/workspace/workspace.js';
import { actionName, isWorkflowPath, readWorkflow, stepNameNode, workflowEvents, type WorkflowJob, type WorkflowStep } from '../../src/formats/workflow.js';
import { blockIndent } from '../../src/formats/yaml.js';
import type { Checker } from './detect.js';
import { insertAfterSeqItem } from './yaml-insert.js';

export interface FixOutcome {
  fix: Fix | null;
  /** The job the step goes to (or the candidates, when there is more than one). */
  where: string;
  skipReason?: SkipReason;
  reason?: string;
}

/** Steps that check docs: Markdown linters, link checkers, prose linters, docs builds, the repository's own doc scripts. */
const DOC_RUN = /markdownlint|markdown-link-check|\blychee\b|linkcheck|link-check|linkinator|remark\s|\bvale\b|\bdoc8\b|\bcodespell\b|mkdocs\s+build|sphinx-build|\bcheck[-_]?(docs?|links?|readme|markdown)|\bdocs?[-_]?(check|lint|links?|drift)\b|\btests\/docs\b/i;
const DOC_ACTION = /markdown|lychee|link-?check|linkinator|vale|codespell|mkdocs|sphinx|spellcheck|typos/i;
const LINT_RUN = /\b(ruff|flake8|pylint|black|isort|mypy|eslint|prettier|pre-commit|shellcheck|biome)\b|\blint\b/i;
const LINT_ACTION = /ruff|flake8|pylint|black|eslint|prettier|pre-commit|shellcheck|super-linter|megalinter|biome/i;
const CI_EVENTS = new Set(['push', 'pull_request', 'merge_group']);

/** A script with what it leaves out removed: `pytest tests/ --ignore=tests/docs` checks no docs. */
function withoutExclusions(script: string): string {
  return script.replace(/--(?:ignore|ignore-glob|exclude|deselect|skip|extend-exclude)(?:=|\s+)\S+/g, '');
}

function isDocStep(s: WorkflowStep): boolean {
  return (!!s.run && DOC_RUN.test(withoutExclusions(s.run.script))) || (!!s.uses && DOC_ACTION.test(actionName(s.uses) ?? ''));
}

function isLintStep(s: WorkflowStep): boolean {
  return (!!s.run && LINT_RUN.test(s.run.script)) || (!!s.uses && LINT_ACTION.test(actionName(s.uses) ?? ''));
}

interface Candidate {
  file: string;
  job: WorkflowJob;
  anchor: WorkflowStep;
  hasInterpreter: boolean;
  /** How many of its steps are of the tier (doc checks, linters). */
  weight: number;
}

/** How the job starts Python scripts (`python`, `python3`, `uv run python`, `poetry run python` …). */
function pythonLauncher(job: WorkflowJob): string | undefined {
  for (const s of job.steps) {
    const m = s.run && /(?:^|[\s;&|(])((?:(?:uv|poetry|pipenv|pdm|hatch)\s+run\s+)?python3?)\s+(?:-[mu]\s+)?[\w./-]+/m.exec(s.run.script);
    if (m) return (m[1] as string).replace(/\s+/g, ' ');
  }
  return undefined;
}

function candidatesOf(ws: Workspace, checker: Checker, tier: (s: WorkflowStep) => boolean, jobTier: (j: WorkflowJob) => boolean): Candidate[] {
  const out: Candidate[] = [];
  for (const p of ws.paths) {
    if (!isWorkflowPath(p)) continue;
    const file = ws.probe(p);
    if (!file) continue;
    if (!workflowEvents(file).some((e) => CI_EVENTS.has(e))) continue;
    const model = readWorkflow(file);
    if (model.error) continue;
    for (const job of model.jobs) {
      if (job.reusable || !job.steps.some((s) => actionName(s.uses) === 'actions/checkout')) continue;
      const steps = job.steps.filter(tier);
      if (steps.length === 0 && !jobTier(job)) continue;
      const anchor = steps[steps.length - 1] ?? job.steps[job.steps.length - 1];
      if (!anchor) continue;
      const hasInterpreter = checker.language === 'shell' || pythonLauncher(job) !== undefined || job.steps.some((s) => actionName(s.uses) === 'actions/setup-python' || actionName(s.uses) === 'astral-sh/setup-uv');
      out.push({ file: p, job, anchor, hasInterpreter, weight: steps.length });
    }
  }
  return out;
}

function title(checker: Checker): string {
  const stem = path.basename(checker.path).replace(/\.(py|sh|bash)$/, '').replace(/[-_.]+/g, ' ').trim();
  return stem.charAt(0).toUpperCase() + stem.slice(1);
}

/** A scalar in the style of a neighbour: its quotes when it has them, plain when that is safe. */
function scalarLike(value: string, like: Node | undefined): string {
  const type = isScalar(like) ? like.type : undefined;
  if (type === 'QUOTE_SINGLE') return `'${value.replace(/'/g, "''")}'`;
  if (type === 'QUOTE_DOUBLE') return JSON.stringify(value);
  return /^[A-Za-z0-9_./][\w ./()+-]*$/.test(value) && !/ $/.test(value) && !/: /.test(value) ? value : JSON.stringify(value);
}

export function stepFix(ws: Workspace, checker: Checker): FixOutcome {
  if (checker.needsArguments) return { fix: null, where: '', skipReason: 'author-intent', reason: 'it takes arguments, which only its authors can give' };
  let tier = candidatesOf(ws, checker, isDocStep, () => false);
  let kind = 'doc checks';
  if (tier.length === 0) {
    tier = candidatesOf(ws, checker, isLintStep, (j) => /lint/i.test(j.id));
    kind = 'linters';
  }
  if (tier.length === 0) return { fix: null, where: '', skipReason: 'no-candidate', reason: 'no workflow job that runs on push or pull requests runs doc checks or linters' };
  const ready = tier.filter((c) => c.hasInterpreter);
  const able = ready.length > 0 ? ready : tier;
  // The job that does most of that work is the one that runs the doc checks.
  const most = Math.max(...able.map((c) => c.weight));
  const pool = able.filter((c) => c.weight === most);
  if (pool.length > 1) {
    return { fix: null, where: pool.map((c) => `${c.file} job \`${c.job.id}\``).join(', '), skipReason: 'ambiguous-target', reason: `${pool.length} jobs run ${kind}` };
  }
  const { file: wf, job, anchor } = pool[0] as Candidate;
  const where = `${wf} job \`${job.id}\``;
  if (job.hasDefaultWorkingDirectory) return { fix: null, where, skipReason: 'unusual-layout', reason: 'the job runs its steps in another directory (defaults.run.working-directory)' };
  const source = ws.read(wf);
  if (!source) return { fix: null, where, skipReason: 'unparseable', reason: 'the workflow could not be read' };
  const text = source.text;
  if (anchor.map.flow) return { fix: null, where, skipReason: 'unusual-layout', reason: 'its steps are written in flow style' };
  const keyCol = blockIndent(text, anchor.map);
  const lineStart = text.lastIndexOf('\n', anchor.start - 1) + 1;
  const dashCol = text.slice(lineStart, anchor.start).lastIndexOf('-');
  if (keyCol === undefined || dashCol === -1 || !/^[ ]*-[ ]+$/.test(text.slice(lineStart, anchor.start))) return { fix: null, where, skipReason: 'unusual-layout', reason: 'its steps are not block mappings under `- `' };
  const launcher = checker.language === 'python' ? pythonLauncher(job) ?? 'python3' : 'bash';
  const command = `${launcher} ${checker.path}`;
  const named = job.steps.filter((s) => stepNameNode(s) !== undefined);
  const nameLike = stepNameNode(anchor) ?? (named[0] ? stepNameNode(named[0]) : undefined);
  const lines: string[] = [];
  const pad = (col: number): string => ' '.repeat(col);
  const dash = `${pad(dashCol)}-${pad(keyCol - dashCol - 1)}`;
  if (named.length * 2 >= job.steps.length) {
    lines.push(`${dash}name: ${scalarLike(title(checker), nameLike)}`, `${pad(keyCol)}run: ${scalarLike(command, undefined)}`);
  } else {
    lines.push(`${dash}run: ${scalarLike(command, undefined)}`);
  }
  const edit = insertAfterSeqItem(text, source.eol, anchor.map, dashCol, lines);
  return {
    where,
    fix: { safety: 'review', description: `run \`${command}\` in ${where}, next to its ${kind}`, edits: [{ file: wf, ...edit }] },
  };
}
