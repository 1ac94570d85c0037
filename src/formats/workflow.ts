/**
 * GitHub Actions workflow files read as jobs and steps, with the spans a fix needs. Only what
 * rules ask about is modelled: `uses`, `run` (with its script and the working directory in
 * force: step, then job, then workflow `defaults.run.working-directory`), `with` inputs, and
 * where each node sits in the file. Everything else stays in the YAML document.
 */
import { isMap, isSeq, type Node, type Pair, type YAMLMap } from 'yaml';
import type { SourceFile } from '../workspace/source-file.js';
import { findPair, mapPairs, nodeRange, pairKey, parseYaml, scalarString } from './yaml.js';

export interface WorkflowInput {
  value: string;
  pair: Pair<Node, Node | null>;
}

export interface WorkflowStep {
  index: number;
  map: YAMLMap;
  /** Offset of the step's first key. */
  start: number;
  uses: string | undefined;
  /** The `run` script (after YAML unquoting) and its value node. */
  run: { script: string; node: Node } | undefined;
  /**
   * The working directory the script starts in, repository-relative (`''` = root), or
   * `undefined` when it is not a literal path inside the checkout (an expression, `..`, an
   * absolute path).
   */
  workingDirectory: string | undefined;
  /** `working-directory` of the step itself, when it sets one. */
  workingDirectoryPair: Pair<Node, Node | null> | undefined;
  with: Map<string, WorkflowInput>;
  /** `shell:` of the step, when it sets one. */
  shell: string | undefined;
  /** The step's `with:` mapping, when it has one. */
  withMap: YAMLMap | undefined;
}

export interface WorkflowJob {
  id: string;
  map: YAMLMap;
  start: number;
  /** Whether the job (or the workflow) sets `defaults.run.working-directory`. */
  hasDefaultWorkingDirectory: boolean;
  /** A job that calls a reusable workflow has no steps of its own. */
  reusable: string | undefined;
  steps: WorkflowStep[];
}

export interface WorkflowModel {
  path: string;
  jobs: WorkflowJob[];
  error: { message: string; offset: number } | null;
}

export function isWorkflowPath(p: string): boolean {
  return /^\.github\/workflows\/[^/]+\.ya?ml$/.test(p);
}

/** A repository-relative directory from a working-directory value, or undefined when unknowable. */
export function checkoutDir(value: string | undefined, base = ''): string | undefined {
  if (value === undefined) return base;
  if (value.includes('${{') || value.includes('$') || value.startsWith('/') || value.startsWith('~')) return undefined;
  const parts = base === '' ? [] : base.split('/');
  for (const seg of value.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') {
      if (parts.length === 0) return undefined;
      parts.pop();
    } else parts.push(seg);
  }
  return parts.join('/');
}

function defaultsDir(map: unknown): string | undefined {
  const run = findPair(findPair(map, 'defaults')?.value, 'run')?.value;
  return scalarString(findPair(run, 'working-directory')?.value);
}

function stepOf(node: unknown, index: number, jobDir: string | undefined): WorkflowStep | undefined {
  if (!isMap(node)) return undefined;
  const start = nodeRange(node)?.[0];
  if (start === undefined) return undefined;
  const runNode = findPair(node, 'run')?.value;
  const script = scalarString(runNode);
  const wdPair = findPair(node, 'working-directory');
  const stepDir = scalarString(wdPair?.value);
  const withNode = findPair(node, 'with')?.value;
  const inputs = new Map<string, WorkflowInput>();
  for (const pair of mapPairs(withNode)) {
    const key = pairKey(pair);
    const value = scalarString(pair.value);
    if (key !== undefined && value !== undefined) inputs.set(key, { value, pair });
  }
  let workingDirectory: string | undefined;
  if (wdPair) workingDirectory = stepDir === undefined ? undefined : checkoutDir(stepDir);
  else workingDirectory = jobDir;
  return {
    index,
    map: node,
    start,
    uses: scalarString(findPair(node, 'uses')?.value),
    run: script !== undefined && runNode ? { script, node: runNode as Node } : undefined,
    workingDirectory,
    workingDirectoryPair: wdPair,
    with: inputs,
    shell: scalarString(findPair(node, 'shell')?.value),
    withMap: isMap(withNode) ? withNode : undefined,
  };
}

/** The jobs and steps of a workflow, built once per file text from its one YAML parse. */
export function readWorkflow(file: SourceFile): WorkflowModel {
  return file.parse('workflow', buildWorkflow);
}

function buildWorkflow(file: SourceFile): WorkflowModel {
  const parsed = parseYaml(file);
  const jobs: WorkflowJob[] = [];
  const root = parsed.doc.contents;
  const workflowDefault = defaultsDir(root);
  const workflowDir = workflowDefault === undefined ? '' : checkoutDir(workflowDefault);
  for (const pair of mapPairs(findPair(root, 'jobs')?.value)) {
    const id = pairKey(pair);
    const map = pair.value;
    if (id === undefined || !isMap(map)) continue;
    const start = nodeRange(pair.key)?.[0] ?? 0;
    const jobDefault = defaultsDir(map);
    const jobDir = jobDefault === undefined ? workflowDir : checkoutDir(jobDefault);
    const stepsNode = findPair(map, 'steps')?.value;
    const steps: WorkflowStep[] = [];
    if (isSeq(stepsNode)) {
      stepsNode.items.forEach((item, i) => {
        const step = stepOf(item, i, jobDir);
        if (step) steps.push(step);
      });
    }
    jobs.push({ id, map, start, hasDefaultWorkingDirectory: jobDefault !== undefined || workflowDefault !== undefined, reusable: scalarString(findPair(map, 'uses')?.value), steps });
  }
  return { path: file.path, jobs, error: parsed.error };
}

/**
 * A job's own `defaults.run.working-directory`, as written (not resolved against the workflow's
 * default, nor checked to be a path inside the checkout): for readers that resolve it their way.
 */
export function jobWorkingDirectory(job: YAMLMap): string | undefined {
  return defaultsDir(job);
}

/** The action a `uses:` names, without its ref (`actions/setup-node@v4` → `actions/setup-node`). */
export function actionName(uses: string | undefined): string | undefined {
  if (uses === undefined) return undefined;
  const at = uses.indexOf('@');
  return (at === -1 ? uses : uses.slice(0, at)).toLowerCase();
}

/**
 * The events a workflow runs on (`on: push`, `on: [push, pull_request]`, `on: {push: …}`), or
 * an empty list when `on` is missing or not one of those shapes.
 */
export function workflowEvents(file: SourceFile): string[] {
  const root = parseYaml(file).doc.contents;
  // YAML 1.1 readers take a bare `on` key for `true`; the `yaml` package keeps it a string.
  const on = findPair(root, 'on')?.value ?? findPair(root, 'true')?.value;
  const one = scalarString(on);
  if (one !== undefined) return [one];
  if (isSeq(on)) return on.items.map((i) => scalarString(i)).filter((s): s is string => s !== undefined);
  return mapPairs(on).map((p) => pairKey(p)).filter((s): s is string => s !== undefined);
}

/** A job's `name:`, when it sets one as a plain string. */
export function jobName(job: WorkflowJob): string | undefined {
  return scalarString(findPair(job.map, 'name')?.value);
}

/** A step's `name:` node, when it has one: its text and quoting show the workflow's style. */
export function stepNameNode(step: WorkflowStep): Node | undefined {
  const v = findPair(step.map, 'name')?.value;
  return v ?? undefined;
}
