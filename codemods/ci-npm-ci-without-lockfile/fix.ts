/**
 * The fixes this rule can offer when the user asks for them (option `fix`); both are `review`,
 * since each changes what CI installs or builds. A lockfile is never generated: resolving a
 * dependency tree is the maintainers' decision, made with their registry and their versions.
 *
 * - `switch-manager`: the directory is installed with another manager, whose lockfile is there
 *   (a `yarn.lock` next to a `npm ci`): run that manager's locked install. Only yarn is offered,
 *   because GitHub's runners and the Node images carry it; pnpm and bun need a setup step.
 * - `working-directory`: exactly one package of the repository has the lockfile the step needs:
 *   run the job's steps for that manager there (and point setup-node's cache at its lockfile).
 */
import type { Fix, SkipReason, TextEdit } from '../../src/model/types.js';
import type { Workspace } from '../../src/workspace/workspace.js';
import { jsPackages } from '../../src/facts/ecosystems.js';
import { blockIndent, nodeRange, pairValueEnd } from '../../src/formats/yaml.js';
import type { WorkflowStep } from '../../src/formats/workflow.js';
import { ACCEPTED_LOCKFILES } from './install.js';
import { otherLockfiles, type InstallSite } from './detect.js';

export type FixMode = 'none' | 'switch-manager' | 'working-directory';

export interface FixOutcome {
  fix: Fix | null;
  /** Why no fix is offered, when a mode was asked for. */
  reason?: string;
  skipReason?: SkipReason;
}

const YARN_LOCKED = 'yarn install --frozen-lockfile';

function eolOf(text: string): string {
  return text.includes('\r\n') ? '\r\n' : '\n';
}

function yamlPlain(value: string): string {
  return /^[\w./-]+$/.test(value) && !/^[-.]/.test(value) ? value : JSON.stringify(value);
}

/** Insert a `key: value` line into a block step, after the line where `afterPair`'s value ends. */
function insertKey(text: string, step: WorkflowStep, afterEnd: number, key: string, value: string): TextEdit | undefined {
  if (step.map.flow) return undefined;
  const indent = blockIndent(text, step.map);
  if (indent === undefined) return undefined;
  const eol = eolOf(text);
  const nl = text.indexOf('\n', Math.max(afterEnd - 1, 0));
  const at = nl === -1 ? text.length : nl + 1;
  const lead = nl === -1 ? eol : '';
  return { file: '', start: at, end: at, text: `${lead}${' '.repeat(indent)}${key}: ${yamlPlain(value)}${eol}` };
}

function switchManager(ws: Workspace, site: InstallSite): FixOutcome {
  if (site.kind === 'dockerfile-run') return { fix: null, reason: 'in a Dockerfile the other lockfile must also be copied in: change the COPY and the RUN together', skipReason: 'changes-behaviour' };
  if (site.kind === 'setup-node-cache') return { fix: null, reason: 'switch the install steps; the cache follows them', skipReason: 'no-candidate' };
  const others = otherLockfiles(ws, site.dir, site.manager);
  const managers = new Set(others.map((o) => o.manager));
  if (managers.size !== 1 || !managers.has('yarn')) {
    return { fix: null, reason: managers.size === 0 ? 'no lockfile of another manager is there either' : `the lockfiles there (${others.map((o) => o.file).join(', ')}) need a manager the runner may not have`, skipReason: managers.size === 0 ? 'no-candidate' : 'ambiguous-target' };
  }
  if (!site.headSpan) return { fix: null, reason: 'the command could not be located exactly in the file', skipReason: 'not-editable' };
  if (site.rest && site.rest.length > 0) return { fix: null, reason: `its options (${site.rest.join(' ')}) would have to be translated for yarn`, skipReason: 'changes-behaviour' };
  const edits: TextEdit[] = [{ file: site.file, start: site.headSpan[0], end: site.headSpan[1], text: YARN_LOCKED }];
  return { fix: { safety: 'review', description: `install with \`${YARN_LOCKED}\` (the directory's lockfile is yarn.lock)`, edits } };
}

function lockfilePackages(ws: Workspace, site: InstallSite): string[] {
  const accepted = ACCEPTED_LOCKFILES[site.manager];
  return jsPackages(ws)
    .filter((p) => p.dir !== site.dir && p.lockfiles.some((l) => accepted.includes(l.slice(l.lastIndexOf('/') + 1))))
    .map((p) => p.dir);
}

/** Whether a step's script runs the manager (or its runner): the steps that belong with the install. */
function usesManager(step: WorkflowStep, manager: string): boolean {
  const runner = manager === 'npm' ? 'npx' : manager === 'pnpm' ? 'pnpx' : manager === 'bun' ? 'bunx' : manager;
  return !!step.run && new RegExp(`(^|[\\s;&|(])(${manager}|${runner})\\s`).test(step.run.script);
}

function workingDirectory(ws: Workspace, site: InstallSite): FixOutcome {
  if (site.kind !== 'workflow-run' && site.kind !== 'setup-node-cache') return { fix: null, reason: 'only workflow steps have a working-directory', skipReason: 'no-candidate' };
  const job = site.job;
  const step = site.step;
  if (!job || !step) return { fix: null, reason: 'the step could not be read', skipReason: 'unparseable' };
  if (job.hasDefaultWorkingDirectory) return { fix: null, reason: 'the job already sets defaults.run.working-directory', skipReason: 'unusual-layout' };
  const candidates = lockfilePackages(ws, site);
  if (candidates.length !== 1) {
    return { fix: null, reason: candidates.length === 0 ? `no package of the repository has a ${site.manager} lockfile` : `${candidates.length} packages have a ${site.manager} lockfile (${candidates.map((c) => c || '.').join(', ')})`, skipReason: candidates.length === 0 ? 'no-candidate' : 'ambiguous-target' };
  }
  const target = candidates[0] as string;
  const source = ws.read(site.file);
  if (!source) return { fix: null, reason: 'the workflow could not be read', skipReason: 'unparseable' };
  const text = source.text;
  if (site.kind === 'setup-node-cache') {
    if (step.with.has('cache-dependency-path')) return { fix: null, reason: 'cache-dependency-path is set; it names other files', skipReason: 'author-intent' };
    const cache = step.with.get('cache');
    const end = cache ? pairValueEnd(cache.pair) : undefined;
    if (!cache || end === undefined || !step.withMap || step.withMap.flow) return { fix: null, reason: 'the step\'s `with:` is not a block mapping', skipReason: 'unusual-layout' };
    const indent = blockIndent(text, step.withMap);
    if (indent === undefined) return { fix: null, reason: 'the step\'s `with:` is not a block mapping', skipReason: 'unusual-layout' };
    const lockfile = ACCEPTED_LOCKFILES[site.manager].map((n) => `${target}/${n}`).find((p) => ws.has(p)) as string;
    const eol = eolOf(text);
    const nl = text.indexOf('\n', end - 1);
    const at = nl === -1 ? text.length : nl + 1;
    const edit: TextEdit = { file: site.file, start: at, end: at, text: `${nl === -1 ? eol : ''}${' '.repeat(indent)}cache-dependency-path: ${yamlPlain(lockfile)}${eol}` };
    return { fix: { safety: 'review', description: `cache by \`${lockfile}\`, the lockfile of the package the job installs`, edits: [edit] } };
  }
  const steps = job.steps.filter((s) => s.run && !s.workingDirectoryPair && s.workingDirectory === site.dir && s.index >= step.index && usesManager(s, site.manager));
  const edits: TextEdit[] = [];
  for (const s of steps) {
    const end = s.run ? nodeRange(s.run.node)?.[1] : undefined;
    const edit = end === undefined ? undefined : insertKey(text, s, end, 'working-directory', target);
    if (!edit) return { fix: null, reason: 'a step is not a block mapping', skipReason: 'unusual-layout' };
    edits.push({ ...edit, file: site.file });
  }
  if (edits.length === 0) return { fix: null, reason: 'the step could not be edited', skipReason: 'not-editable' };
  return {
    fix: {
      safety: 'review',
      description: `run the job's ${site.manager} step${edits.length > 1 ? `s (${edits.length})` : ''} in \`${target}\`, the one package with a ${site.manager} lockfile (this changes which package the job builds)`,
      edits,
    },
  };
}

export function fixFor(ws: Workspace, site: InstallSite, mode: FixMode): FixOutcome {
  if (mode === 'switch-manager') return switchManager(ws, site);
  if (mode === 'working-directory') return workingDirectory(ws, site);
  return { fix: null, skipReason: 'disabled-by-option' };
}
