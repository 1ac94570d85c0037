/**
 * Where the repository runs a locked install (`npm ci` and its kin) or asks `actions/setup-node`
 * to cache by lockfile, in a directory no lockfile of that manager covers. Three kinds of place
 * are read: workflow steps (with `working-directory`, `defaults.run` and `cd`), Dockerfile
 * `RUN` lines (with the files the stage's `COPY`s brought in before them), and package.json
 * scripts. Whatever cannot be known for certain (an expression, a second checkout, a lockfile
 * an earlier step may produce, a bind mount) makes the place silent rather than guessed.
 */
import path from 'node:path/posix';
import { findNodeAtLocation } from 'jsonc-parser';
import { jsoncTree } from '../../src/formats/json.js';
import type { Workspace } from '../../src/workspace/workspace.js';
import type { Facts } from '../../src/facts/facts.js';
import { globsMatcher, isManifestExcluded, jsPackages, readPackageJson, type JsManager } from '../../src/facts/ecosystems.js';
import { mergedBuild, isRemoteContext, repoPath, serviceView } from '../../src/facts/compose.js';
import { baseChain, isDockerfilePath, type CopyInstruction, type DockerfileModel, type RunInstruction, type Stage } from '../../src/formats/dockerfile.js';
import { matchesGlob } from '../../src/formats/glob.js';
import { simpleCommands, splitShell } from '../../src/formats/shell.js';
import { actionName, checkoutDir, isWorkflowPath, readWorkflow, type WorkflowJob, type WorkflowStep } from '../../src/formats/workflow.js';
import { nodeRange } from '../../src/formats/yaml.js';
import { ACCEPTED_LOCKFILES, lockedInstall, writesLockfile, type LockedInstall } from './install.js';

export type SiteKind = 'workflow-run' | 'setup-node-cache' | 'dockerfile-run' | 'package-script';

export interface InstallSite {
  kind: SiteKind;
  file: string;
  offset: number;
  manager: JsManager;
  /** Repository directory the lockfile is looked for in ('' = root). */
  dir: string;
  /** The command as written (`npm ci`), or `cache: npm`. */
  command: string;
  /** Where, in words: "job `build`", "stage `deps`", "script `ci`". */
  where: string;
  /** Stable identity, without line numbers. */
  key: string;
  /** Span of the install's head words (`npm ci`) in the file, when they are found once. */
  headSpan?: [number, number];
  /** The install's words after its head (flags a manager switch would have to translate). */
  rest?: string[];
  job?: WorkflowJob;
  step?: WorkflowStep;
  /** For setup-node: the `cache-dependency-path` value, when set. */
  dependencyPath?: string;
}

/** setup-node's own lookup: the files it accepts in the repository root for each `cache` value. */
export const SETUP_NODE_LOCKFILES: Readonly<Record<string, readonly string[]>> = {
  npm: ['package-lock.json', 'npm-shrinkwrap.json', 'yarn.lock'],
  yarn: ['yarn.lock'],
  pnpm: ['pnpm-lock.yaml'],
};

const LOCKFILE_WORD = /package-lock|npm-shrinkwrap|yarn\.lock|pnpm-lock|bun\.lockb?\b/;
const NAMING_INPUTS = new Set(['key', 'restore-keys', 'cache-dependency-path']);
const GIT_TREE_CHANGERS = new Set(['checkout', 'switch', 'pull', 'clone', 'restore', 'submodule', 'apply', 'am', 'merge', 'rebase', 'stash', 'reset', 'lfs']);

function join(dir: string, name: string): string {
  return dir === '' ? name : `${dir}/${name}`;
}

/** Whether a lockfile the manager accepts covers a package directory (its own, or its workspace root's). */
export function lockCovers(ws: Workspace, dir: string, manager: JsManager): boolean {
  const accepted = ACCEPTED_LOCKFILES[manager];
  if (accepted.some((n) => ws.has(join(dir, n)))) return true;
  const pkg = jsPackages(ws).find((p) => p.dir === dir);
  if (pkg?.workspaceRoot === undefined) return false;
  const root = pkg.workspaceRoot;
  return accepted.some((n) => ws.has(join(root, n)));
}

/** The lockfiles of other managers in a directory: what the directory is really installed with. */
export function otherLockfiles(ws: Workspace, dir: string, manager: JsManager): Array<{ manager: JsManager; file: string }> {
  const out: Array<{ manager: JsManager; file: string }> = [];
  for (const [m, names] of Object.entries(ACCEPTED_LOCKFILES) as Array<[JsManager, readonly string[]]>) {
    if (m === manager) continue;
    for (const n of names) if (ws.has(join(dir, n))) out.push({ manager: m, file: join(dir, n) });
  }
  return out;
}

/** The words of a simple command, and whether the command changes what is on disk in a way we cannot follow. */
function treeChanger(words: readonly string[]): boolean {
  if (words.some((w) => LOCKFILE_WORD.test(w))) return true;
  return words[0] === 'git' && GIT_TREE_CHANGERS.has(words[1] ?? '');
}

/** The command as shown in messages: the install and its options (not the env prefix). */
function headText(words: readonly string[], install: LockedInstall): string {
  const text = words.slice(install.head[0]).join(' ');
  return text.length > 80 ? `${text.slice(0, 79)}…` : text;
}

/** The span of `needle` (words separated by blanks) in text[from, to), when it occurs exactly once. */
function uniqueSpan(text: string, from: number, to: number, words: readonly string[]): [number, number] | undefined {
  const escaped = words.map((w) => w.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('[ \\t]+');
  const re = new RegExp(`(?<![\\w.-])${escaped}(?![\\w.-])`, 'g');
  const slice = text.slice(from, to);
  const matches = [...slice.matchAll(re)];
  if (matches.length !== 1) return undefined;
  const m = matches[0] as RegExpMatchArray;
  return [from + (m.index ?? 0), from + (m.index ?? 0) + m[0].length];
}

// ---------------------------------------------------------------------------------------------
// Workflows

function workflowSites(ws: Workspace, file: string, out: InstallSite[]): void {
  const source = ws.read(file);
  if (!source) return;
  const model = readWorkflow(source);
  if (model.error) return;
  for (const job of model.jobs) {
    if (job.reusable !== undefined) continue;
    let checkedOut = false;
    let layoutKnown = true;
    let anyProduced = false;
    const produced = new Set<string>();
    let ordinal = 0;
    for (const step of job.steps) {
      const action = actionName(step.uses);
      if (action === 'actions/checkout') {
        const repo = step.with.get('repository')?.value;
        const other = repo !== undefined && !repo.includes('github.repository');
        if (step.with.has('path') || other) layoutKnown = false;
        else checkedOut = true;
        continue;
      }
      if (!checkedOut || !layoutKnown) continue;
      if (step.uses !== undefined) {
        // An artifact, or an action handed a lockfile path, may put a lockfile in place; a cache
        // key or setup-node's own lookup only names one.
        const handed = [...step.with.entries()].some(([k, v]) => !NAMING_INPUTS.has(k) && LOCKFILE_WORD.test(v.value));
        if (action === 'actions/download-artifact' || (action !== 'actions/setup-node' && handed)) anyProduced = true;
        if (action === 'actions/setup-node' && !anyProduced) setupNodeSite(ws, file, job, step, out);
        continue;
      }
      if (!step.run) continue;
      const shell = step.shell ?? '';
      if (/python|node|cmd/.test(shell)) continue;
      let cwd = step.workingDirectory;
      for (const command of simpleCommands(splitShell(step.run.script))) {
        const words = command.map((w) => w.value);
        if (cwd === undefined) break;
        if (words[0] === 'cd' || words[0] === 'pushd') {
          cwd = words[1] === undefined || words[1] === '-' ? undefined : checkoutDir(words[1], cwd);
          continue;
        }
        if (words[0] === 'popd') {
          cwd = undefined;
          continue;
        }
        const install = lockedInstall(words);
        if (!install) {
          if (treeChanger(words)) anyProduced = true;
          if (writesLockfile(words)) produced.add(cwd);
          continue;
        }
        const dir = install.dirArg === undefined ? cwd : checkoutDir(install.dirArg, cwd);
        if (dir === undefined || anyProduced || produced.has(dir)) continue;
        if (!ws.has(join(dir, 'package.json')) || lockCovers(ws, dir, install.manager)) continue;
        const range = nodeRange(step.run.node);
        const head = words.slice(install.head[0], install.head[1]);
        const headSpan = range ? uniqueSpan(source.text, range[0], range[1], head) : undefined;
        out.push({
          kind: 'workflow-run',
          file,
          offset: headSpan?.[0] ?? range?.[0] ?? step.start,
          manager: install.manager,
          dir,
          command: headText(words, install),
          where: `job \`${job.id}\``,
          key: `${file}:${job.id}:${install.manager}:${dir}:${ordinal++}`,
          headSpan,
          rest: words.slice(install.head[1]),
          job,
          step,
        });
      }
    }
  }
}

function setupNodeSite(ws: Workspace, file: string, job: WorkflowJob, step: WorkflowStep, out: InstallSite[]): void {
  const cache = step.with.get('cache');
  if (!cache || !(cache.value in SETUP_NODE_LOCKFILES)) return;
  const manager = cache.value as JsManager;
  const offset = nodeRange(cache.pair.value)?.[0] ?? step.start;
  const depPath = step.with.get('cache-dependency-path')?.value;
  if (depPath !== undefined) {
    if (depPath.includes('${{')) return;
    const globs = depPath.split('\n').map((l) => l.trim().replace(/^\.\//, '')).filter((l) => l !== '' && !l.startsWith('!'));
    if (globs.length === 0) return;
    // The globs compiled once, not once per path of the repository.
    if (ws.paths.some(globsMatcher(globs))) return;
    out.push({ kind: 'setup-node-cache', file, offset, manager, dir: '', command: `cache: ${manager}`, where: `job \`${job.id}\``, key: `${file}:${job.id}:setup-node:${manager}:${depPath}`, job, step, dependencyPath: depPath });
    return;
  }
  if ((SETUP_NODE_LOCKFILES[manager] as readonly string[]).some((n) => ws.has(n))) return;
  out.push({ kind: 'setup-node-cache', file, offset, manager, dir: '', command: `cache: ${manager}`, where: `job \`${job.id}\``, key: `${file}:${job.id}:setup-node:${manager}`, job, step });
}

// ---------------------------------------------------------------------------------------------
// Dockerfiles

/**
 * The build contexts each Dockerfile is built with, by what the compose files say: one pass over
 * every service's build (a pass per Dockerfile was quadratic in large repositories).
 */
function composeContexts(facts: Facts): Map<string, Set<string>> {
  const byDockerfile = new Map<string, Set<string>>();
  for (const set of facts.compose.sets) {
    for (const service of set.services.values()) {
      for (const fragment of service.fragments) {
        if (!fragment.build) continue;
        const build = mergedBuild(serviceView(set, service, fragment.file));
        if (!build || build.inline || isRemoteContext(build.context)) continue;
        const context = repoPath(build.dir, build.context);
        if (context === undefined) continue;
        const dockerfile = repoPath(context, build.dockerfile ?? 'Dockerfile');
        if (dockerfile === undefined) continue;
        const contexts = byDockerfile.get(dockerfile) ?? new Set<string>();
        contexts.add(context);
        byDockerfile.set(dockerfile, contexts);
      }
    }
  }
  return byDockerfile;
}

/**
 * The build contexts a Dockerfile is built with: what the compose files say, else its own
 * directory (`docker build .` next to it). Several different contexts: unknown.
 */
function contextsOf(composed: Map<string, Set<string>>, dockerfile: string): string[] {
  const contexts = composed.get(dockerfile);
  if (contexts) return [...contexts];
  return [path.dirname(dockerfile) === '.' ? '' : path.dirname(dockerfile)];
}

interface Landed {
  /** Names of files copied into the install directory itself. */
  names: Set<string>;
  /** Repository directories whose contents land in the install directory. */
  dirs: string[];
  /** Something of unknown origin lands there (another stage or image, a URL, a variable). */
  unknown: boolean;
  /** A COPY whose sources matched nothing in this context: the context guess is wrong. */
  contextMismatch: boolean;
}

function landedIn(ws: Workspace, copies: readonly CopyInstruction[], context: string, target: string): Landed {
  const landed: Landed = { names: new Set(), dirs: [], unknown: false, contextMismatch: false };
  for (const copy of copies) {
    if (!copy.dest) continue;
    const destRaw = copy.dest.value;
    if (destRaw.includes('$')) {
      landed.unknown = true;
      continue;
    }
    const dest = path.resolve(copy.workdir, destRaw);
    const destIsDir = destRaw.endsWith('/') || destRaw === '.' || copy.sources.length > 1;
    const reaches = dest === target || target.startsWith(`${dest === '/' ? '' : dest}/`);
    if (copy.from !== undefined) {
      if (reaches || path.dirname(dest) === target) landed.unknown = true;
      continue;
    }
    let matchedAny = false;
    for (const src of copy.sources) {
      const value = src.value;
      if (/^(https?:)?\/\//.test(value) || value.includes('$') || value.startsWith('git@')) {
        landed.unknown = true;
        matchedAny = true;
        continue;
      }
      const repo = repoPath(context, value.replace(/\/+$/, '') || '.');
      if (repo === undefined) continue;
      if (repo === '' || ws.hasDir(repo)) {
        matchedAny = true;
        if (!reaches) continue;
        const rest = target === dest ? '' : target.slice(dest.length + (dest === '/' ? 0 : 1));
        landed.dirs.push(rest === '' ? repo : join(repo, rest));
        continue;
      }
      // A file or a glob of files (`package*.json`, `package-lock.json*`).
      const dir = path.dirname(repo) === '.' ? '' : path.dirname(repo);
      const base = path.basename(repo);
      const baseMatches = /[*?[]/.test(base) ? globsMatcher([base]) : undefined;
      const matches = baseMatches ? ws.paths.filter((p) => (path.dirname(p) === '.' ? '' : path.dirname(p)) === dir && baseMatches(path.basename(p))) : ws.has(repo) ? [repo] : [];
      if (matches.length > 0) matchedAny = true;
      for (const m of matches) {
        if (destIsDir && dest === target) landed.names.add(path.basename(m));
        else if (!destIsDir && path.dirname(dest) === target) landed.names.add(path.basename(dest));
      }
      if (!/[*?[]/.test(base) && matches.length === 0) landed.contextMismatch = true;
    }
    if (!matchedAny) landed.contextMismatch = true;
  }
  return landed;
}

function dockerfileSites(ws: Workspace, facts: Facts, composed: () => Map<string, Set<string>>, file: string, out: InstallSite[]): void {
  const model = facts.dockerfile(file);
  if (!model || model.error) return;
  const contexts = contextsOf(composed(), file);
  if (contexts.length !== 1) return;
  const context = contexts[0] as string;
  const source = ws.read(file);
  if (!source) return;
  for (const stage of model.stages) {
    const chain = baseChain(model, stage);
    if (!chain) continue;
    const ancestors = chain.slice(1).reverse();
    let ordinal = 0;
    for (const run of stage.runs) {
      for (const site of runSites(ws, model, context, ancestors, stage, run)) {
        const headSpan = uniqueSpan(source.text, run.start, run.end, site.head);
        out.push({
          kind: 'dockerfile-run',
          file,
          offset: headSpan?.[0] ?? run.start,
          manager: site.manager,
          dir: site.dir,
          command: [...site.head, ...site.rest].join(' '),
          where: stage.rawName ? `stage \`${stage.rawName}\`` : `stage ${stage.index}`,
          key: `${file}:${stage.rawName ?? stage.index}:${site.manager}:${site.dir}:${ordinal++}`,
          headSpan,
          rest: site.rest,
        });
      }
    }
  }
}

function runSites(ws: Workspace, model: DockerfileModel, context: string, ancestors: readonly Stage[], stage: Stage, run: RunInstruction): Array<{ manager: JsManager; dir: string; head: string[]; rest: string[] }> {
  // A bind mount brings files the COPY lines do not show.
  if (run.flags.some((f) => f.name === 'mount' && /(^|,)type=bind\b|^(?!.*type=)/.test(f.value ?? ''))) return [];
  const earlier = [...ancestors.flatMap((s) => s.copies), ...stage.copies.filter((c) => c.start < run.start)];
  const earlierRuns = [...ancestors.flatMap((s) => s.runs), ...stage.runs.filter((r) => r.start < run.start)];
  const sites: Array<{ manager: JsManager; dir: string; head: string[]; rest: string[] }> = [];
  let cwd: string | undefined = run.workdir;
  for (const command of simpleCommands(splitShell(run.text))) {
    const words = command.map((w) => w.value);
    if (cwd === undefined) break;
    if (words[0] === 'cd') {
      cwd = words[1] === undefined || words[1].includes('$') ? undefined : path.resolve(cwd, words[1]);
      continue;
    }
    const install = lockedInstall(words);
    if (!install) {
      if (treeChanger(words) || writesLockfile(words)) return sites;
      continue;
    }
    if (install.dirArg?.includes('$')) continue;
    const target = install.dirArg === undefined ? cwd : path.resolve(cwd, install.dirArg);
    if (earlierRuns.some((r) => LOCKFILE_WORD.test(r.text) || simpleCommands(splitShell(r.text)).some((c) => writesLockfile(c.map((w) => w.value))))) continue;
    const landed = landedIn(ws, earlier, context, target);
    if (landed.unknown || landed.contextMismatch) continue;
    const manifest = landed.names.has('package.json') || landed.dirs.some((d) => ws.has(join(d, 'package.json')));
    if (!manifest) continue;
    const accepted = ACCEPTED_LOCKFILES[install.manager];
    if (accepted.some((n) => landed.names.has(n)) || landed.dirs.some((d) => accepted.some((n) => ws.has(join(d, n))))) continue;
    // The repository directory the manifest came from: where a lockfile would have to be added.
    const fromDir = landed.dirs.find((d) => ws.has(join(d, 'package.json'))) ?? manifestDir(ws, earlier, context, target);
    if (fromDir === undefined) continue;
    sites.push({ manager: install.manager, dir: fromDir, head: words.slice(install.head[0], install.head[1]), rest: words.slice(install.head[1]) });
  }
  return sites;
}

function manifestDir(ws: Workspace, copies: readonly CopyInstruction[], context: string, target: string): string | undefined {
  for (const copy of [...copies].reverse()) {
    if (!copy.dest || copy.from !== undefined) continue;
    const dest = path.resolve(copy.workdir, copy.dest.value);
    for (const src of copy.sources) {
      const repo = repoPath(context, src.value);
      if (repo === undefined) continue;
      const dir = path.dirname(repo) === '.' ? '' : path.dirname(repo);
      const base = path.basename(repo);
      if ((dest === target || path.dirname(dest) === target) && matchesGlob('package.json', base) && ws.has(join(dir, 'package.json'))) return dir;
    }
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// package.json scripts

async function scriptSites(ws: Workspace, out: InstallSite[]): Promise<void> {
  for (const pkg of jsPackages(ws)) {
    const file = ws.read(pkg.manifest);
    const json = readPackageJson(file);
    const scripts = json?.scripts;
    if (!file || !scripts || typeof scripts !== 'object') continue;
    for (const [name, value] of Object.entries(scripts as Record<string, unknown>)) {
      if (typeof value !== 'string') continue;
      let cwd: string | undefined = pkg.dir;
      for (const command of simpleCommands(splitShell(value))) {
        const words = command.map((w) => w.value);
        if (cwd === undefined) break;
        if (words[0] === 'cd') {
          cwd = words[1] === undefined ? undefined : checkoutDir(words[1], cwd);
          continue;
        }
        const install = lockedInstall(words);
        if (!install) {
          if (treeChanger(words) || writesLockfile(words)) break;
          continue;
        }
        const dir = install.dirArg === undefined ? cwd : checkoutDir(install.dirArg, cwd);
        if (dir === undefined || !ws.has(join(dir, 'package.json')) || lockCovers(ws, dir, install.manager)) continue;
        // The one offset-keeping tree of the file, shared with the docs rules' JSON readers.
        const tree = await jsoncTree(file);
        const node = tree.ok ? findNodeAtLocation(tree.root, ['scripts', name]) : undefined;
        if (!node) continue;
        const head = words.slice(install.head[0], install.head[1]);
        out.push({
          kind: 'package-script',
          file: pkg.manifest,
          offset: node.offset + 1,
          manager: install.manager,
          dir,
          command: headText(words, install),
          where: `script \`${name}\``,
          key: `${pkg.manifest}:${name}:${install.manager}:${dir}`,
          rest: words.slice(install.head[1]),
        });
      }
    }
  }
}

export async function installSites(ws: Workspace, facts: Facts): Promise<InstallSite[]> {
  const out: InstallSite[] = [];
  let composed: Map<string, Set<string>> | undefined;
  for (const p of ws.paths) {
    if (isWorkflowPath(p)) workflowSites(ws, p, out);
    else if (isDockerfilePath(p) && !isManifestExcluded(p)) dockerfileSites(ws, facts, () => (composed ??= composeContexts(facts)), p, out);
  }
  await scriptSites(ws, out);
  return out;
}
