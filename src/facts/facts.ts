import path from 'node:path/posix';
import type { Workspace } from '../workspace/workspace.js';
import { buildComposeModel, mergedBuild, mergedEnvironment, mergedValue, isRemoteContext, repoPath, type ComposeModel, type ServiceView } from './compose.js';
import { findStage, baseChain, MAX_STAGE_CHAIN, type DockerfileModel, type Stage } from '../formats/dockerfile.js';
import { discoverApps, toRepoPath, type DiscoveredApp, type ExecContext, type PathMapping } from './python-app.js';
import type { ServerInvocation } from '../formats/shell.js';
import { defineFact, type Fact, type FactSource } from './fact.js';
import { Files } from './files.js';

export { defineFact, defineReleasable, type Fact, type Releasable } from './fact.js';

export interface ServiceImage {
  /** Repo path of the Dockerfile. */
  dockerfile: string;
  model: DockerfileModel;
  /** The stage the service runs: its build target, else the last stage. */
  stage: Stage | undefined;
  /** Repo-relative build context ('' = root). */
  context: string;
  target: string | undefined;
}

const COMPOSE = defineFact('compose model', (f) => buildComposeModel(f.workspace));
const APPS = defineFact('application objects, by factory list', () => new Map<string, Promise<DiscoveredApp[]>>());
/** copyMappings, per Dockerfile model, build context and stage (see stageCopyMappings). */
const COPY_MAPPINGS = defineFact('COPY mappings', () => new WeakMap<DockerfileModel, Map<string, Map<Stage, PathMapping[] | undefined>>>());

/**
 * Facts derived from the whole repository, computed once per workspace view and only when a
 * rule asks for them. Rules compare these facts with each other; none of them is hard-coded.
 *
 * Each fact is declared with `defineFact` (facts/fact.ts) and cached here by `get`: a view's
 * Facts (`Facts.of(ws)`) holds every fact of that view, and goes with it.
 */
export class Facts implements FactSource {
  private readonly values = new Map<Fact<unknown>, unknown>();
  /** Typed accessors for the one parse of each file (see files.ts). */
  readonly files: Files;

  constructor(readonly workspace: Workspace) {
    this.files = new Files(workspace);
  }

  /** The Facts of a view: made on first ask, kept by the view. */
  static of(workspace: Workspace): Facts {
    return workspace.derived(Facts, () => new Facts(workspace));
  }

  /** A declared fact of this view, computed on first ask. */
  get<T>(fact: Fact<T>): T {
    if (this.values.has(fact)) return this.values.get(fact) as T;
    const value = fact.compute(this);
    this.values.set(fact, value);
    return value;
  }

  /** A fact if something asked for it on this view, without computing it otherwise. */
  peek<T>(fact: Fact<T>): T | undefined {
    return this.values.get(fact) as T | undefined;
  }

  get compose(): ComposeModel {
    return this.get(COMPOSE);
  }

  /** The compose model if a rule asked for it in this run, without building it otherwise. */
  get composeIfBuilt(): ComposeModel | undefined {
    return this.peek(COMPOSE);
  }

  dockerfile(p: string): DockerfileModel | undefined {
    return this.files.dockerfile(p);
  }

  /**
   * The image a compose service builds, when it builds one from a Dockerfile in this repo.
   * Pass a `serviceView` so that only the files used together are merged.
   */
  serviceImage(service: ServiceView): ServiceImage | undefined {
    const build = mergedBuild(service);
    if (!build || build.inline || service.incomplete || isRemoteContext(build.context)) return undefined;
    const context = repoPath(build.dir, build.context);
    if (context === undefined) return undefined;
    const dockerfile = repoPath(context, build.dockerfile ?? 'Dockerfile');
    if (dockerfile === undefined || !this.workspace.has(dockerfile)) return undefined;
    const model = this.dockerfile(dockerfile);
    if (!model || model.error) return undefined;
    // A target the Dockerfile lacks cannot be built; judge the image the service builds once
    // that target is dropped (an earlier fragment's target, else the last stage).
    const targets = service.fragments.map((f) => f.build?.target).filter((t): t is string => t !== undefined && !t.includes('$'));
    let stage: Stage | undefined;
    let target: string | undefined;
    for (const t of targets.reverse()) {
      stage = findStage(model, t);
      if (stage) {
        target = t;
        break;
      }
    }
    stage ??= model.stages[model.stages.length - 1];
    return { dockerfile, model, stage, context, target };
  }

  /**
   * How a Python process of this service finds modules: cwd, PYTHONPATH and command-line import
   * dirs, in container paths, with the mappings from container paths to repo files given by the
   * image's COPY lines (following `COPY --from=<stage>`) and the service's bind mounts.
   * Undefined when nothing ties the container's files to the repository (a prebuilt image, an
   * external stage): then nothing about its modules can be judged.
   */
  serviceExecContext(service: ServiceView, invocation: ServerInvocation | undefined): ExecContext | undefined {
    if (service.incomplete) return undefined;
    const image = this.serviceImage(service);
    const mappings: PathMapping[] = [];
    if (image?.stage) {
      const fromImage = stageCopyMappings(this, image.model, image.stage, image.context);
      if (!fromImage) return undefined;
      mappings.push(...fromImage);
    }
    for (const fragment of service.fragments) {
      for (const v of fragment.volumes) {
        if (v.kind !== 'bind' || !v.source || !v.target) continue;
        const repo = repoPath(fragment.file.dir, v.source);
        if (repo === undefined) continue;
        mappings.push({ container: path.normalize(v.target), repo, dir: this.workspace.hasDir(repo) });
      }
    }
    if (mappings.length === 0) return undefined;
    let cwd = mergedValue(service, (f) => f.workingDir) ?? image?.stage?.workdir ?? '/';
    if (invocation?.chdir) cwd = path.resolve(cwd, invocation.chdir);
    const pythonPath = invocation?.env.get('PYTHONPATH') ?? mergedEnvironment(service).get('PYTHONPATH') ?? image?.stage?.env.get('PYTHONPATH');
    const roots = [cwd];
    for (const entry of splitPythonPath(pythonPath)) roots.push(path.resolve(cwd, entry));
    for (const d of invocation?.importDirs ?? []) roots.push(path.resolve(cwd, d));
    return { roots: [...new Set(roots)], mappings };
  }

  /** Application objects built by one of `factories`, anywhere in the repo (cached per list). */
  apps(factories: readonly string[]): Promise<DiscoveredApp[]> {
    const key = factories.join('\0');
    const cache = this.get(APPS);
    let found = cache.get(key);
    if (!found) {
      found = discoverApps(this.workspace, factories);
      cache.set(key, found);
    }
    return found;
  }
}

/** A value a helper computes for a view and keeps there: `slot.get(ws)`, `slot.set(ws, v)`. */
export interface FactSlot<T> {
  get(owner: Workspace | Facts): T | undefined;
  set(owner: Workspace | Facts, value: T): void;
  /** Forget the value (see Releasable): the next `get` finds none, and the helper makes it again. */
  clear(owner: Workspace | Facts): void;
}

/**
 * A fact whose value a helper computes in its own way (recursively, or with arguments of its
 * own) and keeps with the view: the module declares the slot, the value lives in the view's
 * Facts (a Workspace owner means `Facts.of(ws)`). A function declaration, so that modules which
 * facts.ts itself imports can declare slots while they load.
 */
export function factSlot<T>(name: string): FactSlot<T> {
  const fact = defineFact<{ value?: T }>(name, () => ({}));
  const box = (owner: Workspace | Facts): { value?: T } => (owner instanceof Facts ? owner : Facts.of(owner)).get(fact);
  return {
    get: (owner) => box(owner).value,
    set: (owner, value) => {
      box(owner).value = value;
    },
    clear: (owner) => {
      delete box(owner).value;
    },
  };
}

function splitPythonPath(value: string | undefined): string[] {
  if (!value) return [];
  return value.split(':').filter((e) => e.length > 0 && !e.includes('$'));
}

/**
 * Container → repo mappings made by `COPY`/`ADD` in a stage and the stages it is built FROM. A
 * directory source copies its contents to the destination. `COPY --from=<stage>` carries over
 * the mappings of that stage's source path; a copy from an external image makes the result
 * unknown (undefined), since files of unknown origin may shadow ours.
 */
/**
 * copyMappings, once per (Dockerfile, context, stage) for a run: a stage reached through
 * several `COPY --from` lines is computed once (recomputing it made 20 cross-copying stages
 * take 20 s, and the time doubled with every stage). A stage whose FROM and `COPY --from`
 * stages number more than MAX_STAGE_CHAIN is not followed (unknown), which also bounds the
 * recursion.
 */
function stageCopyMappings(facts: Facts, model: DockerfileModel, stage: Stage, context: string): PathMapping[] | undefined {
  const perModel = facts.get(COPY_MAPPINGS);
  let perContext = perModel.get(model);
  if (!perContext) {
    perContext = new Map();
    perModel.set(model, perContext);
  }
  let memo = perContext.get(context);
  if (!memo) {
    memo = new Map();
    perContext.set(context, memo);
  }
  if (!memo.has(stage) && reachableStages(model, stage) > MAX_STAGE_CHAIN) return undefined;
  return copyMappings(facts, model, stage, context, new Set(), memo);
}

/** How many stages `stage` is built from (FROM and COPY --from, transitively), counting past the limit at most once. */
function reachableStages(model: DockerfileModel, stage: Stage): number {
  const seen = new Set<Stage>([stage]);
  const todo = [stage];
  while (todo.length > 0 && seen.size <= MAX_STAGE_CHAIN) {
    const s = todo.pop() as Stage;
    const next = [findStage(model, s.image), ...s.copies.map((c) => (c.from === undefined ? undefined : findStage(model, c.from)))];
    for (const n of next) {
      if (n && !seen.has(n)) {
        seen.add(n);
        todo.push(n);
      }
    }
  }
  return seen.size;
}

/**
 * A stage that reaches a cycle (a stage copying from itself through others, which Docker
 * cannot build) is unknown wherever the walk starts, so every result, undefined included, is
 * the stage's own and can be kept in `memo`.
 */
function copyMappings(facts: Facts, model: DockerfileModel, stage: Stage, context: string, visiting: Set<Stage>, memo: Map<Stage, PathMapping[] | undefined>): PathMapping[] | undefined {
  if (memo.has(stage)) return memo.get(stage);
  if (visiting.has(stage)) return undefined;
  visiting.add(stage);
  const result = copyMappingsOf(facts, model, stage, context, visiting, memo);
  visiting.delete(stage);
  memo.set(stage, result);
  return result;
}

function copyMappingsOf(facts: Facts, model: DockerfileModel, stage: Stage, context: string, visiting: Set<Stage>, memo: Map<Stage, PathMapping[] | undefined>): PathMapping[] | undefined {
  const chain = baseChain(model, stage)?.reverse();
  if (!chain) return undefined;
  const out: PathMapping[] = [];
  for (const s of chain) {
    for (const copy of s.copies) {
      if (!copy.dest) continue;
      const destRaw = copy.dest.value;
      const dest = path.resolve(copy.workdir, destRaw);
      const destIsDir = destRaw.endsWith('/') || copy.sources.length > 1;
      if (copy.from !== undefined) {
        const from = findStage(model, copy.from);
        if (!from) return undefined;
        const inner = copyMappings(facts, model, from, context, visiting, memo);
        if (!inner) return undefined;
        const innerCtx = { roots: [], mappings: inner };
        for (const src of copy.sources) {
          // Sources of COPY --from are paths in the other stage's filesystem, from its root.
          const source = path.resolve('/', src.value);
          const repo = toRepoPath(innerCtx, source);
          if (repo === undefined) continue;
          const dir = repo === '' || facts.workspace.hasDir(repo);
          out.push({ container: dir || !destIsDir ? dest : path.join(dest, path.basename(repo)), repo, dir });
        }
        continue;
      }
      for (const src of copy.sources) {
        if (/^(https?:)?\/\//.test(src.value) || src.value.includes('*') || src.value.includes('$')) continue;
        const repo = repoPath(context, src.value);
        if (repo === undefined) continue;
        if (repo === '' || facts.workspace.hasDir(repo)) out.push({ container: dest, repo, dir: true });
        else if (facts.workspace.has(repo)) {
          out.push({ container: destIsDir ? path.join(dest, path.basename(repo)) : dest, repo, dir: false });
        }
      }
    }
  }
  return out;
}
