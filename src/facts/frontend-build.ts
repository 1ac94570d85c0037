/**
 * Where a repository's Vite frontends are built inside Docker images.
 *
 * For every Dockerfile stage, every `RUN` is read as shell: `cd`, `npm/pnpm/yarn/bun run
 * <script>` (with --prefix / --cwd / -C / -w / --filter), the package.json script it runs
 * (followed through `npm run x`, `run-s`, `run-p`, `npm-run-all`), and finally `vite build` with
 * its `--outDir`, `--config` and root arguments. The container directories involved are mapped
 * back to repository files through the stage's `COPY`/`ADD` lines (globs included), in the
 * build context the Dockerfile is built with (compose `build.context`, else the nearest folder
 * at or above the Dockerfile where its COPY sources exist). A build site is kept only when the
 * Vite config it uses is a file of this repository.
 */
import path from 'node:path/posix';
import type { Workspace } from '../workspace/workspace.js';
import type { SourceFile } from '../workspace/source-file.js';
import { factSlot, type Facts } from './facts.js';
import { isRemoteContext, mergedBuild, repoPath } from './compose.js';
import { jsonValue } from '../formats/json.js';
import { baseChain, dockerfileAst, findStage, isDockerfilePath, type CopyInstruction, type DockerfileModel, type Stage } from '../formats/dockerfile.js';
import { jsPackages } from './ecosystems.js';
import { simpleCommands, splitShell } from '../formats/shell.js';
import { VITE_CONFIG_NAMES } from '../formats/bundler-config.js';
import { parsedWorkflows } from './files.js';

/** Arguments of one `vite build` invocation that change where it writes. */
export interface ViteBuildArgs {
  /** `--outDir`, relative to the root. */
  outDir: string | undefined;
  /** `-c` / `--config`, relative to the working directory. */
  config: string | undefined;
  /** The positional root argument, relative to the working directory. */
  root: string | undefined;
}

export interface ViteInvocation {
  /** Container directory `vite build` runs in. */
  cwd: string;
  args: ViteBuildArgs;
  /** The command as written in the RUN line (`npm run build`), for messages. */
  command: string;
  /** The package.json scripts followed to reach `vite build` (`build` → `build-only`). */
  via: string[];
}

export interface BuildSite {
  dockerfile: string;
  model: DockerfileModel;
  stage: Stage;
  /** Repo-relative build context ('' = root). */
  context: string;
  run: { text: string; start: number; end: number };
  invocation: ViteInvocation;
  /** Container folder of the config file. */
  configDir: string;
  /** Repo path of the Vite config the build uses. */
  config: string;
  /** The stage's view of the container file system at the end of the stage. */
  fs: ContainerFs;
}

/** A container → repository mapping made by one COPY/ADD source. */
interface Mapping {
  container: string;
  /** Repo path; undefined for content that does not come from the repository (COPY --from). */
  repo: string | undefined;
  dir: boolean;
}

/**
 * The container paths a stage's COPY/ADD lines fill from the repository, up to a point. The
 * mappings may be given as a function, called on first use: most RUN lines never look.
 */
export class ContainerFs {
  private list: Mapping[] | undefined;

  constructor(
    readonly ws: Workspace,
    private readonly source: Mapping[] | (() => Mapping[]),
  ) {}

  private get mappings(): Mapping[] {
    this.list ??= typeof this.source === 'function' ? this.source() : this.source;
    return this.list;
  }

  /** The repository path a container path comes from (the last COPY that covers it wins). */
  repoPathOf(container: string): { repo: string; exists: 'file' | 'dir' | 'none' } | undefined {
    const c = path.normalize(container);
    for (let i = this.mappings.length - 1; i >= 0; i--) {
      const m = this.mappings[i] as Mapping;
      let repo: string | undefined;
      if (m.dir && (c === m.container || c.startsWith(m.container === '/' ? '/' : `${m.container}/`))) {
        if (m.repo === undefined) return undefined;
        const rel = path.relative(m.container, c);
        // A directory COPY only brings what exists below it.
        const candidate = rel === '' ? m.repo : m.repo === '' ? rel : `${m.repo}/${rel}`;
        const exists = this.exists(candidate);
        if (exists === 'none' && rel !== '') continue;
        repo = candidate;
        return { repo, exists };
      }
      if (!m.dir && c === m.container) {
        if (m.repo === undefined) return undefined;
        return { repo: m.repo, exists: this.exists(m.repo) };
      }
    }
    return undefined;
  }

  /** The container path a repository path is copied to, when a directory or file COPY brings it. */
  containerPathOf(repo: string): string | undefined {
    for (let i = this.mappings.length - 1; i >= 0; i--) {
      const m = this.mappings[i] as Mapping;
      if (m.repo === undefined) continue;
      if (m.dir && (m.repo === '' || repo === m.repo || repo.startsWith(`${m.repo}/`))) {
        const rel = m.repo === '' ? repo : path.relative(m.repo, repo);
        return rel === '' ? m.container : path.join(m.container, rel);
      }
      if (!m.dir && repo === m.repo) return m.container;
    }
    return undefined;
  }

  /** The text of the repository file found at a container path. */
  read(container: string): SourceFile | undefined {
    const r = this.repoPathOf(container);
    return r && r.exists === 'file' ? this.ws.read(r.repo) : undefined;
  }

  private exists(repo: string): 'file' | 'dir' | 'none' {
    if (this.ws.has(repo)) return 'file';
    return this.ws.hasDir(repo) ? 'dir' : 'none';
  }
}

export interface FrontendBuildOptions {
  /** Package-manager binaries whose `run <script>` runs a package.json script. */
  packageManagers?: readonly string[];
}

const DEFAULT_PACKAGE_MANAGERS = ['npm', 'pnpm', 'yarn', 'bun'];

/** Every `vite build` in every Dockerfile stage whose config is a file of the repository. */
export function frontendBuildSites(facts: Facts, options: FrontendBuildOptions = {}): BuildSite[] {
  const ws = facts.workspace;
  const managers = options.packageManagers ?? DEFAULT_PACKAGE_MANAGERS;
  const sites: BuildSite[] = [];
  for (const p of ws.paths) {
    if (!isDockerfilePath(p) || p.split('/').includes('node_modules')) continue;
    const model = facts.dockerfile(p);
    const file = ws.read(p);
    if (!model || model.error || !file) continue;
    const workdirs = instructionWorkdirs(file, model);
    for (const context of buildContexts(facts, p, model)) {
      for (const stage of model.stages) {
        if (stage.runs.length === 0) continue;
        for (const run of stage.runs) {
          const workdir = workdirs.get(run.start);
          if (workdir === undefined) continue;
          const fsAtRun = new ContainerFs(ws, () => stageMappings(ws, model, stage, context, run.start, workdirs));
          for (const inv of viteInvocations(run.text, workdir, fsAtRun, managers)) {
            const configDir = path.resolve(inv.cwd, inv.args.root ?? '.');
            const config = configFileOf(fsAtRun, inv, configDir);
            if (!config) continue;
            sites.push({
              dockerfile: p,
              model,
              stage,
              context,
              run,
              invocation: inv,
              configDir: path.dirname(config.container),
              config: config.repo,
              fs: new ContainerFs(ws, () => stageMappings(ws, model, stage, context, Infinity, workdirs)),
            });
          }
        }
      }
    }
  }
  return sites;
}

function configFileOf(fs: ContainerFs, inv: ViteInvocation, configDir: string): { container: string; repo: string } | undefined {
  const candidates = inv.args.config !== undefined ? [path.resolve(inv.cwd, inv.args.config)] : VITE_CONFIG_NAMES.map((n) => path.join(configDir, n));
  for (const container of candidates) {
    const r = fs.repoPathOf(container);
    if (r && r.exists === 'file') return { container, repo: r.repo };
  }
  return undefined;
}

const composeContextsCache = factSlot<Map<string, Set<string>>>('compose build contexts');

/** Dockerfile → the build contexts compose services build it with, read once per run (not once per Dockerfile). */
function composeBuildContexts(facts: Facts): Map<string, Set<string>> {
  let byDockerfile = composeContextsCache.get(facts);
  if (byDockerfile) return byDockerfile;
  byDockerfile = new Map();
  for (const set of facts.compose.sets) {
    for (const service of set.services.values()) {
      const build = mergedBuild(service);
      if (!build || isRemoteContext(build.context)) continue;
      const context = repoPath(build.dir, build.context);
      if (context === undefined) continue;
      const df = repoPath(context, build.dockerfile ?? 'Dockerfile');
      if (df === undefined) continue;
      const contexts = byDockerfile.get(df) ?? new Set<string>();
      contexts.add(context);
      byDockerfile.set(df, contexts);
    }
  }
  composeContextsCache.set(facts, byDockerfile);
  return byDockerfile;
}

/**
 * The contexts a Dockerfile is built with: those compose services give, else the nearest folder
 * at or above the Dockerfile from which its plain COPY sources exist (`docker build -f x/Dockerfile .`).
 */
export function buildContexts(facts: Facts, dockerfile: string, model: DockerfileModel): string[] {
  const found = composeBuildContexts(facts).get(dockerfile);
  if (found && found.size > 0) return [...found];
  const sources = model.stages.flatMap((s) => s.copies.filter((c) => c.from === undefined).flatMap((c) => c.sources.map((w) => w.value)));
  const plain = sources.filter((s) => !/[*?[$]/.test(s) && !/^(https?:)?\/\//.test(s) && !s.startsWith('/'));
  const ws = facts.workspace;
  const start = dockerfile.includes('/') ? dockerfile.slice(0, dockerfile.lastIndexOf('/')) : '';
  for (let dir: string | undefined = start; dir !== undefined; dir = dir === '' ? undefined : dir.includes('/') ? dir.slice(0, dir.lastIndexOf('/')) : '') {
    const ok = plain.every((s) => {
      const r = repoPath(dir as string, s);
      return r !== undefined && (r === '' || ws.has(r) || ws.hasDir(r));
    });
    if (ok) return [dir];
  }
  return [start];
}

/**
 * COPY/ADD mappings of a stage (and the stages it is built FROM), for the instructions that come
 * before `before`. `--from` copies are recorded as non-repository content. A FROM chain longer
 * than MAX_STAGE_CHAIN maps nothing (baseChain).
 */
function stageMappings(ws: Workspace, model: DockerfileModel, stage: Stage, context: string, before: number, workdirs: Map<number, string | undefined>): Mapping[] {
  const chain = baseChain(model, stage)?.reverse() ?? [];
  const out: Mapping[] = [];
  for (const s of chain) {
    for (const copy of s.copies) {
      if (s === stage && copy.start >= before) break;
      const workdir = workdirs.has(copy.start) ? workdirs.get(copy.start) : copy.workdir;
      // A COPY under an unknown WORKDIR puts files somewhere unknown; it maps nothing.
      if (workdir !== undefined) out.push(...copyMappings(ws, copy, context, workdir));
    }
  }
  return out;
}

function copyMappings(ws: Workspace, copy: CopyInstruction, context: string, workdir: string): Mapping[] {
  if (!copy.dest || copy.dest.value.includes('$')) return [];
  const destRaw = copy.dest.value;
  const dest = path.resolve(workdir, destRaw);
  const destIsDir = destRaw.endsWith('/') || destRaw.endsWith('/.') || destRaw === '.' || copy.sources.length > 1;
  const out: Mapping[] = [];
  for (const src of copy.sources) {
    const value = src.value;
    if (copy.from !== undefined) {
      // Content from another stage or image: it shadows whatever the repository put there.
      out.push({ container: dest, repo: undefined, dir: true });
      continue;
    }
    if (/^(https?:)?\/\//.test(value) || value.startsWith('git@') || value.includes('$')) continue;
    const matches = /[*?[]/.test(value) ? globMatches(ws, context, value) : [repoPath(context, value.replace(/^\/+/, ''))].filter((r): r is string => r !== undefined);
    const multi = destIsDir || /[*?[]/.test(value);
    for (const repo of matches) {
      if (repo === '' || (!ws.has(repo) && ws.hasDir(repo))) {
        // A directory source copies its contents into the destination.
        out.push({ container: dest, repo, dir: true });
      } else if (ws.has(repo)) {
        out.push({ container: multi ? path.join(dest, path.basename(repo)) : dest, repo, dir: false });
      }
    }
  }
  return out;
}

/** Repository paths (files and folders) a COPY glob matches in a context. */
function globMatches(ws: Workspace, context: string, pattern: string): string[] {
  const rel = path.normalize(pattern.replace(/^\/+/, ''));
  if (rel.startsWith('..')) return [];
  const re = globRegex(rel);
  const found = new Set<string>();
  const depth = rel.split('/').length;
  for (const p of ws.paths) {
    const inContext = context === '' ? p : p.startsWith(`${context}/`) ? p.slice(context.length + 1) : undefined;
    if (inContext === undefined) continue;
    const parts = inContext.split('/');
    if (parts.length < depth) continue;
    const candidate = parts.slice(0, depth).join('/');
    if (re.test(candidate)) found.add(context === '' ? candidate : `${context}/${candidate}`);
  }
  return [...found].sort();
}

/** Go `filepath.Match` syntax (what Docker uses for COPY sources) as a RegExp. */
export function globRegex(glob: string): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i] as string;
    if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '[') {
      const close = glob.indexOf(']', i + 2);
      if (close === -1) {
        re += '\\[';
        continue;
      }
      let body = glob.slice(i + 1, close);
      if (body.startsWith('^') || body.startsWith('!')) body = `^${body.slice(1)}`;
      re += `[${body.replace(/\\/g, '\\\\')}]`;
      i = close;
    } else if (c === '\\' && i + 1 < glob.length) {
      re += escapeRe(glob[i + 1] as string);
      i++;
    } else re += escapeRe(c);
  }
  return new RegExp(`^${re}$`);
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

/**
 * The WORKDIR in effect at each RUN, COPY and ADD instruction (keyed by its start offset), with
 * ENV values and ARG defaults expanded. `undefined` when it depends on a variable with no known
 * value: nothing under such a WORKDIR is judged.
 */
function instructionWorkdirs(file: SourceFile, model: DockerfileModel): Map<number, string | undefined> {
  return file.parse('dockerfile-instruction-workdirs', () => {
    const out = new Map<number, string | undefined>();
    const df = dockerfileAst(file);
    const finalWorkdir = new Map<string, string | undefined>();
    const finalVars = new Map<string, Map<string, string>>();
    const globalArgs = new Map<string, string>();
    let vars = new Map<string, string>();
    let stageIndex = -1;
    let workdir: string | undefined = '/';
    for (const ins of df.getInstructions()) {
      const keyword = ins.getKeyword();
      const r = ins.getRange();
      const start = file.offsetAt(r.start.line, r.start.character);
      if (keyword === 'ARG') {
        const content = (ins.getArgumentsContent() ?? '').trim();
        const m = /^([A-Za-z_][A-Za-z0-9_]*)(?:=(.*))?$/s.exec(content);
        if (!m) continue;
        const [, name, value] = m as unknown as [string, string, string | undefined];
        const unquoted = value?.replace(/^(["'])(.*)\1$/s, '$2');
        if (stageIndex === -1) {
          if (unquoted !== undefined) globalArgs.set(name, unquoted);
        } else if (unquoted !== undefined) vars.set(name, expandVars(unquoted, vars) ?? '');
        else if (globalArgs.has(name)) vars.set(name, globalArgs.get(name) as string);
        continue;
      }
      if (keyword === 'FROM') {
        stageIndex++;
        const image = (ins.getArguments()[0]?.getValue() ?? '').toLowerCase();
        // A stage built FROM an earlier stage starts with its WORKDIR and variables.
        workdir = finalWorkdir.has(image) ? finalWorkdir.get(image) : '/';
        vars = new Map(finalVars.get(image) ?? []);
        const started = model.stages[stageIndex];
        for (const id of [started?.name, started ? String(started.index) : undefined]) {
          if (id === undefined) continue;
          finalWorkdir.set(id, workdir);
          finalVars.set(id, vars);
        }
        continue;
      }
      const stage = model.stages[stageIndex];
      if (!stage) continue;
      if (keyword === 'ENV') {
        const props = (ins as unknown as { getProperties(): Array<{ getName(): string; getValue(): string | null }> }).getProperties();
        for (const p of props) vars.set(p.getName(), expandVars(p.getValue() ?? '', vars) ?? '');
      } else if (keyword === 'WORKDIR') {
        const dir = expandVars(ins.getArgumentsContent() ?? '', vars)?.trim();
        if (dir === undefined) workdir = undefined;
        else if (dir) workdir = dir.startsWith('/') ? path.resolve(dir) : workdir === undefined ? undefined : path.resolve(workdir, dir);
      } else if (keyword === 'RUN' || keyword === 'COPY' || keyword === 'ADD') {
        out.set(start, workdir);
      }
      for (const id of [stage.name, String(stage.index)]) {
        if (id === undefined) continue;
        finalWorkdir.set(id, workdir);
        finalVars.set(id, vars);
      }
    }
    return out;
  });
}

/** Expand `$VAR` / `${VAR}`; undefined when a variable has no known value. */
function expandVars(value: string, vars: Map<string, string>): string | undefined {
  let unknown = false;
  const out = value.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)(?::?[-+][^}]*)?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g, (_m, a: string | undefined, b: string | undefined) => {
    const v = vars.get((a ?? b) as string);
    if (v === undefined) unknown = true;
    return v ?? '';
  });
  return unknown ? undefined : out;
}

/** The argv lists of a RUN instruction (shell form, or exec form `["npm", "run", "build"]`). */
function runCommands(text: string): string[][] {
  const trimmed = text.trim();
  if (trimmed.startsWith('[')) {
    try {
      const argv = JSON.parse(trimmed) as unknown;
      if (Array.isArray(argv) && argv.every((a) => typeof a === 'string')) {
        const words = argv as string[];
        if (words.length >= 3 && /^(\/(usr\/)?bin\/)?(ba|da)?sh$/.test(words[0] as string) && words[1] === '-c') return runCommands(words[2] as string);
        return [words];
      }
    } catch {
      return [];
    }
  }
  // Heredoc bodies and mount options are not commands.
  const body = trimmed.replace(/^(--[\w-]+(=\S*)?\s+)+/, '');
  return simpleCommands(splitShell(body)).map((c) => c.map((w) => w.value));
}

const VITE_VALUE_FLAGS = new Set(['--outDir', '-c', '--config', '--base', '--mode', '-m', '--logLevel', '-l', '--filter', '-f', '--assetsDir', '--assetsInlineLimit', '--target', '--configLoader', '--app']);
const VITE_OPTIONAL_VALUE_FLAGS = new Set(['--ssr', '--manifest', '--ssrManifest', '--sourcemap', '--minify', '--emptyOutDir', '--watch', '-w', '--clearScreen', '--force', '--debug', '-d']);

/** `vite build …` → its arguments; undefined when argv is not a vite build. */
export function parseViteBuild(argv: string[]): ViteBuildArgs | undefined {
  let i = skipPrefixes(argv, 0);
  const head = argv[i];
  if (head === undefined) return undefined;
  const base = head.slice(head.lastIndexOf('/') + 1);
  if (['npx', 'pnpx', 'bunx'].includes(base) || (['npm', 'pnpm', 'yarn'].includes(base) && argv[i + 1] === 'exec')) {
    i += base === 'npx' || base === 'pnpx' || base === 'bunx' ? 1 : 2;
    while (argv[i]?.startsWith('-')) i++;
  } else if (['yarn', 'pnpm', 'bun'].includes(base) && argv[i + 1] === 'vite') {
    i += 1;
  } else if (base === 'bun' && argv[i + 1] === 'x') {
    i += 2;
  } else if (base === 'node' && argv[i + 1] && /(^|\/)vite(\/bin\/vite\.js)?$/.test(argv[i + 1] as string)) {
    i += 1;
  }
  const cmd = argv[i];
  if (cmd === undefined || !/(^|\/)vite(\/bin\/vite\.js|\.js)?$/.test(cmd)) return undefined;
  i++;
  if (argv[i] !== 'build') return undefined;
  const args: ViteBuildArgs = { outDir: undefined, config: undefined, root: undefined };
  for (i++; i < argv.length; i++) {
    const w = argv[i] as string;
    if (w === '--') continue;
    const eq = w.indexOf('=');
    const [flag, inline] = w.startsWith('-') && eq !== -1 ? [w.slice(0, eq), w.slice(eq + 1)] : [w, undefined];
    if (flag.startsWith('-')) {
      let value = inline;
      if (value === undefined && VITE_VALUE_FLAGS.has(flag)) value = argv[++i];
      else if (value === undefined && VITE_OPTIONAL_VALUE_FLAGS.has(flag) && argv[i + 1] !== undefined && !(argv[i + 1] as string).startsWith('-')) {
        // `--ssr src/entry.ts`, `--sourcemap inline`: the value is not the root.
        if (flag === '--ssr' || /^(true|false|inline|hidden|esbuild|terser)$/.test(argv[i + 1] as string)) value = argv[++i];
      }
      if (flag === '--outDir') args.outDir = value;
      else if (flag === '-c' || flag === '--config') args.config = value;
      continue;
    }
    args.root ??= w;
  }
  return args;
}

/** Skip `VAR=value`, `env`, `exec`, `time`, `nice`. */
function skipPrefixes(argv: string[], from: number): number {
  let i = from;
  for (; i < argv.length; i++) {
    const w = argv[i] as string;
    if (/^[A-Za-z_][A-Za-z0-9_]*=/.test(w) || w === 'env' || w === 'exec' || w === 'time' || w === 'nice') continue;
    break;
  }
  return i;
}

interface ScriptRun {
  /** Container directory of the package whose script runs. */
  dir: string;
  script: string;
  extra: string[];
}

/** `npm run build`, `pnpm --filter web build`, `yarn --cwd app build`… → the script it runs. */
function parseScriptRun(argv: string[], cwd: string, fs: ContainerFs, managers: readonly string[]): ScriptRun | undefined {
  let i = skipPrefixes(argv, 0);
  const head = argv[i];
  if (head === undefined) return undefined;
  const pm = head.slice(head.lastIndexOf('/') + 1);
  if (!managers.includes(pm)) return undefined;
  i++;
  let dir = cwd;
  let workspace: string | undefined;
  let script: string | undefined;
  let explicitRun = false;
  const extra: string[] = [];
  for (; i < argv.length; i++) {
    const w = argv[i] as string;
    if (script !== undefined) {
      if (w === '--' && pm === 'npm') continue;
      const m = /^(--prefix|--cwd|--dir|--workspace|--filter)=(.*)$/.exec(w);
      if (pm === 'npm' && (w === '-w' || w === '--workspace' || w === '--prefix')) {
        const v = argv[++i];
        if (w === '--prefix') dir = path.resolve(cwd, v ?? '.');
        else workspace = v;
        continue;
      }
      if (pm === 'npm' && m) {
        if (m[1] === '--prefix') dir = path.resolve(cwd, m[2] as string);
        else workspace = m[2];
        continue;
      }
      extra.push(w);
      continue;
    }
    const m = /^(--prefix|--cwd|--dir|--workspace|--filter)=(.*)$/.exec(w);
    if (m) {
      if (m[1] === '--workspace' || m[1] === '--filter') workspace = m[2];
      else dir = path.resolve(cwd, m[2] as string);
      continue;
    }
    if (w === '--prefix' || w === '--cwd' || w === '--dir' || (pm === 'pnpm' && w === '-C')) {
      dir = path.resolve(cwd, argv[++i] ?? '.');
      continue;
    }
    if (w === '-w' || w === '--workspace' || w === '--filter' || (pm === 'pnpm' && w === '-F')) {
      workspace = argv[++i];
      continue;
    }
    if (pm === 'yarn' && w === 'workspace') {
      workspace = argv[++i];
      continue;
    }
    if (w.startsWith('-')) continue;
    if (!explicitRun && (w === 'run' || w === 'run-script' || w === 'rum' || w === 'urn')) {
      explicitRun = true;
      continue;
    }
    // Without `run`, npm and bun only know their own commands (`bun build` is bun's bundler).
    if (!explicitRun && (pm === 'npm' || pm === 'bun') && w !== 'start' && w !== 'test') return undefined;
    script = w;
  }
  if (script === undefined) return undefined;
  if (workspace !== undefined) {
    const wsDir = workspaceDir(fs, dir, workspace);
    if (!wsDir) return undefined;
    dir = wsDir;
  }
  return { dir, script, extra };
}

/** A workspace given as a path (`./web`, `packages/web`) or a package name. */
function workspaceDir(fs: ContainerFs, cwd: string, value: string): string | undefined {
  const v = value.replace(/^\{(.*)\}$/, '$1');
  if (v.startsWith('.') || v.includes('/') && !v.startsWith('@')) {
    const dir = path.resolve(cwd, v);
    return fs.read(path.join(dir, 'package.json')) ? dir : undefined;
  }
  // A package name: the one package.json under cwd (in the repository) with that name.
  const found: string[] = [];
  const ws = fs.ws;
  for (const p of ws.paths) {
    if (!p.endsWith('package.json') || p.split('/').includes('node_modules')) continue;
    // A lookup by name: the package found is read (fs.read) once it is the one.
    const name = packageJson(ws.probe(p))?.name;
    if (name !== v) continue;
    const container = fs.containerPathOf(p);
    if (container && (container.startsWith(`${cwd}/`) || cwd === '/')) found.push(path.dirname(container));
  }
  if (found.length === 1) return found[0];
  // npm also takes a workspace folder written without `./`.
  const dir = path.resolve(cwd, v);
  return found.length === 0 && fs.read(path.join(dir, 'package.json')) ? dir : undefined;
}

interface PackageJson {
  name?: string;
  scripts?: Record<string, string>;
}

function packageJson(file: SourceFile | undefined): PackageJson | undefined {
  if (!file) return undefined;
  return file.parse('package-json', (f) => {
    try {
      const v = jsonValue(f);
      return v && typeof v === 'object' && !Array.isArray(v) ? (v as PackageJson) : undefined;
    } catch {
      return undefined;
    }
  });
}

/** Every `vite build` a RUN line ends up executing, with the directory it runs in. */
export function viteInvocations(runText: string, workdir: string, fs: ContainerFs, managers: readonly string[] = DEFAULT_PACKAGE_MANAGERS): ViteInvocation[] {
  const out: ViteInvocation[] = [];
  walk(runCommands(runText), workdir, fs, managers, undefined, [], 0, out);
  return out;
}

function walk(commands: string[][], startCwd: string, fs: ContainerFs, managers: readonly string[], command: string | undefined, via: string[], depth: number, out: ViteInvocation[]): void {
  if (depth > 6) return;
  let cwd: string | undefined = startCwd;
  for (const argv of commands) {
    if (cwd === undefined) return;
    const i = skipPrefixes(argv, 0);
    const head = argv[i];
    if (head === 'cd') {
      const target = argv[i + 1];
      cwd = target === undefined || target === '-' || target.includes('$') || target.startsWith('~') ? undefined : path.resolve(cwd, target);
      continue;
    }
    const text = command ?? argv.join(' ');
    const vite = parseViteBuild(argv);
    if (vite) {
      out.push({ cwd, args: vite, command: text, via });
      continue;
    }
    const run = parseScriptRun(argv, cwd, fs, managers);
    if (run) {
      followScript(run.dir, [run.script], run.extra, fs, managers, text, via, depth, out);
      continue;
    }
    // run-s / run-p / npm-run-all name… (inside package.json scripts)
    const base = head?.slice(head.lastIndexOf('/') + 1);
    if (base === 'run-s' || base === 'run-p' || base === 'npm-run-all') {
      const names = argv.slice(i + 1).filter((w) => !w.startsWith('-'));
      followScript(cwd, names, [], fs, managers, text, via, depth, out);
    }
  }
}

function followScript(dir: string, names: string[], extra: string[], fs: ContainerFs, managers: readonly string[], command: string, via: string[], depth: number, out: ViteInvocation[]): void {
  const scripts = packageJson(fs.read(path.join(dir, 'package.json')))?.scripts;
  if (!scripts) return;
  for (const written of names) {
    // `run-p "build-only {@}"`: the script name is the first word.
    const name = written.split(/\s+/)[0] ?? '';
    // npm-run-all globs: `*` stops at `:` as it stops at `/` in a path.
    const re = name.includes('*') ? globRegex(name.replace(/:/g, '/')) : undefined;
    const matched = re ? Object.keys(scripts).filter((k) => re.test(k.replace(/:/g, '/'))) : scripts[name] !== undefined ? [name] : [];
    for (const key of matched) {
      const body = scripts[key];
      if (typeof body !== 'string') continue;
      // npm runs `pre<name>` and `post<name>` around it; arguments go to the script's end.
      const text = extra.length > 0 ? `${body} ${extra.map(shellQuote).join(' ')}` : body;
      walk(runCommands(text), dir, fs, managers, command, [...via, key], depth + 1, out);
    }
  }
}

function shellQuote(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

// ---------------------------------------------------------------------------------------------
// Frontend apps, the packages an image builds, and the packages CI builds

/**
 * Config files that make a package a frontend app, by bundler or framework. The framework ones
 * (Next, Nuxt, Angular, …) only ever configure an app; the bundler ones (Vite, webpack, Rollup,
 * Rsbuild, Rspack, Parcel) also configure libraries and test runners, so they count only with an
 * HTML entry page (see `frontendApps`).
 */
const APP_CONFIGS: ReadonlyArray<{ re: RegExp; bundler: string; needsHtml: boolean }> = [
  { re: /^next\.config\.(js|mjs|cjs|ts|mts)$/, bundler: 'next', needsHtml: false },
  { re: /^nuxt\.config\.(js|mjs|ts)$/, bundler: 'nuxt', needsHtml: false },
  { re: /^angular\.json$/, bundler: 'angular', needsHtml: false },
  { re: /^astro\.config\.(js|mjs|cjs|ts|mts)$/, bundler: 'astro', needsHtml: false },
  { re: /^remix\.config\.(js|mjs|cjs|ts)$/, bundler: 'remix', needsHtml: false },
  { re: /^gatsby-config\.(js|mjs|ts)$/, bundler: 'gatsby', needsHtml: false },
  { re: /^vue\.config\.(js|mjs|cjs|ts)$/, bundler: 'vue-cli', needsHtml: false },
  { re: /^craco\.config\.(js|mjs|cjs|ts)$/, bundler: 'craco', needsHtml: false },
  { re: /^quasar\.config\.(js|mjs|cjs|ts)$/, bundler: 'quasar', needsHtml: false },
  { re: /^svelte\.config\.(js|mjs|cjs|ts)$/, bundler: 'sveltekit', needsHtml: true },
  { re: /^vite\.config\.(js|mjs|cjs|ts|mts|cts)$/, bundler: 'vite', needsHtml: true },
  { re: /^webpack\.config\.(js|mjs|cjs|ts|babel\.js)$/, bundler: 'webpack', needsHtml: true },
  { re: /^rollup\.config\.(js|mjs|cjs|ts)$/, bundler: 'rollup', needsHtml: true },
  { re: /^rsbuild\.config\.(js|mjs|cjs|ts|mts)$/, bundler: 'rsbuild', needsHtml: true },
  { re: /^rspack\.config\.(js|mjs|cjs|ts)$/, bundler: 'rspack', needsHtml: true },
  { re: /^\.parcelrc$/, bundler: 'parcel', needsHtml: true },
];

/** Where a bundler-configured package keeps its HTML entry page (SvelteKit: src/app.html). */
const HTML_ENTRIES = ['index.html', 'public/index.html', 'src/index.html', 'src/app.html'];

export interface FrontendApp {
  /** Repo-relative package directory ('' = root). */
  dir: string;
  manifest: string;
  /** The config files that make it an app, repo paths. */
  configs: string[];
  /** The bundler or framework of the first config (`vite`, `next`, …). */
  bundler: string;
  /** The workspace root that lists it as a member, if any. */
  workspaceRoot: string | undefined;
  /** Member directories, when it is a workspace root itself. */
  members: string[];
}

/**
 * Folder names whose packages are not the product's UI: examples, templates, docs sites,
 * test and end-to-end apps, playgrounds and demos. A package under one of them is a look-alike
 * of an app for the rules that compare the repository's UIs.
 */
const NOT_PRODUCT_SEGMENTS = new Set([
  'example', 'examples', 'sample', 'samples', 'template', 'templates', 'starter', 'starters', 'boilerplate',
  'doc', 'docs', 'documentation', 'website', 'site', 'www', 'blog', 'storybook', 'stories', '.storybook',
  'e2e', 'test', 'tests', '__tests__', 'spec', 'integration-tests', 'cypress', 'playwright',
  'playground', 'playgrounds', 'demo', 'demos', 'sandbox', 'benchmark', 'benchmarks', 'scripts', 'tools',
]);

/** Whether a package directory is an example, template, docs site, test app, … rather than a product UI. */
export function isNotProductDir(dir: string): boolean {
  return dir.split('/').some((seg) => NOT_PRODUCT_SEGMENTS.has(seg.toLowerCase()) || /^(docs?|e2e|examples?|tests?)[-_]|[-_](docs?|e2e|examples?|tests?|demo|playground|storybook)$/i.test(seg));
}

const frontendAppsCache = factSlot<FrontendApp[]>('frontend apps');

/**
 * Every package (package.json outside dependencies, vendored code, fixtures and archives) with
 * a bundler or framework config of its own: a frontend app. A Vite/webpack/Rollup config counts
 * only with an HTML entry page, since those also configure libraries and test runners.
 */
export function frontendApps(ws: Workspace): FrontendApp[] {
  const cached = frontendAppsCache.get(ws);
  if (cached) return cached;
  const apps: FrontendApp[] = [];
  const byDir = new Map<string, string[]>();
  for (const p of ws.paths) {
    const slash = p.lastIndexOf('/');
    const dir = slash === -1 ? '' : p.slice(0, slash);
    const list = byDir.get(dir);
    if (list) list.push(p.slice(slash + 1));
    else byDir.set(dir, [p.slice(slash + 1)]);
  }
  for (const pkg of jsPackages(ws)) {
    if (pkg.broken) continue;
    const names = byDir.get(pkg.dir) ?? [];
    const configs: Array<{ name: string; bundler: string }> = [];
    const hasHtml = HTML_ENTRIES.some((h) => ws.has(pkg.dir === '' ? h : `${pkg.dir}/${h}`));
    for (const name of names) {
      const kind = APP_CONFIGS.find((c) => c.re.test(name));
      if (kind && (!kind.needsHtml || hasHtml)) configs.push({ name, bundler: kind.bundler });
    }
    if (configs.length === 0) continue;
    configs.sort((a, b) => APP_CONFIGS.findIndex((c) => c.bundler === a.bundler) - APP_CONFIGS.findIndex((c) => c.bundler === b.bundler) || a.name.localeCompare(b.name));
    apps.push({
      dir: pkg.dir,
      manifest: pkg.manifest,
      configs: configs.map((c) => (pkg.dir === '' ? c.name : `${pkg.dir}/${c.name}`)),
      bundler: (configs[0] as { bundler: string }).bundler,
      workspaceRoot: pkg.workspaceRoot,
      members: [...pkg.members],
    });
  }
  frontendAppsCache.set(ws, apps);
  return apps;
}

/**
 * The package directories a build of `dir` builds: the package itself and, when it is a
 * workspace root, its members (a root `build` script usually builds them all: turbo, nx,
 * `npm run build --workspaces`).
 */
export function packagesBuiltBy(ws: Workspace, dir: string): string[] {
  const pkg = jsPackages(ws).find((p) => p.dir === dir);
  return pkg ? [dir, ...pkg.members] : [dir];
}

/** One package build (`npm run build`, `pnpm --filter web build`, `vite build`) in a Dockerfile stage. */
export interface StagePackageBuild {
  dockerfile: string;
  context: string;
  stage: Stage;
  /** Repo directory of the package whose script runs ('' = root). */
  packageDir: string;
  /** The command as written in the RUN line. */
  command: string;
}

const stageBuildsCache = factSlot<Map<string, StagePackageBuild[]>>('package builds per Dockerfile and context');

/** `build`, `build:prod`, `build-only`: the scripts that build a package for shipping. */
const BUILD_SCRIPT = /^build([:_-][\w:.-]*)?$/;

/**
 * The packages each stage of a Dockerfile builds in a given build context: a package-manager
 * `run build…` (the package whose package.json the container path maps back to, through the
 * stage's COPY lines) or a direct `vite build` (the package of its config).
 */
export function stagePackageBuilds(facts: Facts, dockerfile: string, context: string, options: FrontendBuildOptions = {}): StagePackageBuild[] {
  let byKey = stageBuildsCache.get(facts);
  if (!byKey) stageBuildsCache.set(facts, (byKey = new Map()));
  const key = `${dockerfile}\0${context}`;
  const cached = byKey.get(key);
  if (cached) return cached;
  const out: StagePackageBuild[] = [];
  byKey.set(key, out);
  const ws = facts.workspace;
  const managers = options.packageManagers ?? DEFAULT_PACKAGE_MANAGERS;
  const model = facts.dockerfile(dockerfile);
  const file = ws.read(dockerfile);
  if (!model || model.error || !file) return out;
  const workdirs = instructionWorkdirs(file, model);
  for (const stage of model.stages) {
    for (const run of stage.runs) {
      const workdir = workdirs.get(run.start);
      if (workdir === undefined) continue;
      const fs = new ContainerFs(ws, () => stageMappings(ws, model, stage, context, run.start, workdirs));
      const seen = new Set<string>();
      const add = (container: string, command: string): void => {
        const r = fs.repoPathOf(path.join(container, 'package.json'));
        if (!r || r.exists !== 'file') return;
        const dir = r.repo === 'package.json' ? '' : r.repo.slice(0, -'/package.json'.length);
        if (seen.has(dir)) return;
        seen.add(dir);
        out.push({ dockerfile, context, stage, packageDir: dir, command });
      };
      let cwd: string | undefined = workdir;
      for (const argv of runCommands(run.text)) {
        if (cwd === undefined) break;
        const i = skipPrefixes(argv, 0);
        if (argv[i] === 'cd') {
          const target = argv[i + 1];
          cwd = target === undefined || target === '-' || target.includes('$') || target.startsWith('~') ? undefined : path.resolve(cwd, target);
          continue;
        }
        const text = argv.join(' ');
        const vite = parseViteBuild(argv);
        if (vite) {
          add(path.resolve(cwd, vite.root ?? '.'), text);
          continue;
        }
        const scriptRun = parseScriptRun(argv, cwd, fs, managers);
        if (scriptRun && BUILD_SCRIPT.test(scriptRun.script)) add(scriptRun.dir, text);
      }
    }
  }
  return out;
}

/**
 * The stages an image built to `stage` is made of: the stage, the stages it is built FROM, and
 * (transitively) the stages their `COPY --from` lines copy from.
 */
export function imageStages(model: DockerfileModel, stage: Stage): Stage[] {
  const seen = new Set<Stage>();
  const todo = [stage];
  while (todo.length > 0 && seen.size < 256) {
    const s = todo.pop() as Stage;
    for (const c of baseChain(model, s) ?? [s]) {
      if (seen.has(c)) continue;
      seen.add(c);
      for (const copy of c.copies) {
        const from = copy.from === undefined ? undefined : findStage(model, copy.from);
        if (from && !seen.has(from)) todo.push(from);
      }
    }
  }
  return model.stages.filter((s) => seen.has(s));
}

/** A package build run by a CI workflow step. */
export interface WorkflowPackageBuild {
  file: string;
  job: string;
  /** Repo directory of the package ('' = root). */
  packageDir: string;
  command: string;
}

const workflowBuildsCache = factSlot<WorkflowPackageBuild[]>('package builds in workflows');

/**
 * The packages GitHub Actions workflows build: `npm run build…` / `yarn build` / `pnpm build` /
 * `bun run build` / `vite build` in a step's working directory (with `cd` and `--prefix`,
 * `--cwd`, `-C`, `--filter`/`--workspace` given as a folder). Only literal directories count.
 */
export function workflowPackageBuilds(ws: Workspace, options: FrontendBuildOptions = {}): WorkflowPackageBuild[] {
  const cached = workflowBuildsCache.get(ws);
  if (cached) return cached;
  const managers = options.packageManagers ?? DEFAULT_PACKAGE_MANAGERS;
  const out: WorkflowPackageBuild[] = [];
  // The checkout is the repository itself: container paths are repo paths under `/`.
  const identity = new ContainerFs(ws, [{ container: '/', repo: '', dir: true }]);
  for (const model of parsedWorkflows(ws)) {
    const p = model.path;
  for (const job of model.jobs) {
    for (const step of job.steps) {
      if (!step.run || step.workingDirectory === undefined) continue;
      if (/python|node|cmd|pwsh|powershell/.test(step.shell ?? '')) continue;
      let cwd: string | undefined = `/${step.workingDirectory}`;
      for (const argv of runCommands(step.run.script)) {
        if (cwd === undefined) break;
        const i = skipPrefixes(argv, 0);
        if (argv[i] === 'cd' || argv[i] === 'pushd') {
          const target = argv[i + 1];
          cwd = target === undefined || target === '-' || target.includes('$') || target.startsWith('~') || target.startsWith('/') ? undefined : path.resolve(cwd, target);
          continue;
        }
        let dir: string | undefined;
        const vite = parseViteBuild(argv);
        if (vite) dir = path.resolve(cwd, vite.root ?? '.');
        else {
          const scriptRun = parseScriptRun(argv, cwd, identity, managers);
          if (scriptRun && BUILD_SCRIPT.test(scriptRun.script)) dir = scriptRun.dir;
        }
        if (dir === undefined) continue;
        const repo = dir === '/' ? '' : dir.slice(1);
        if (!ws.has(repo === '' ? 'package.json' : `${repo}/package.json`)) continue;
        const command = argv.slice(i).join(' ');
        out.push({ file: p, job: job.id, packageDir: repo, command });
        // A root `build` that builds another package (`npm --prefix web run build`, `cd web && vite build`).
        const scriptRun = parseScriptRun(argv, cwd, identity, managers);
        for (const nested of nestedBuilds(identity, dir, scriptRun?.script, managers, 0)) {
          const nestedRepo = nested === '/' ? '' : nested.slice(1);
          if (nestedRepo !== repo && !out.some((b) => b.file === p && b.job === job.id && b.packageDir === nestedRepo)) out.push({ file: p, job: job.id, packageDir: nestedRepo, command });
        }
      }
    }
  }
  }
  workflowBuildsCache.set(ws, out);
  return out;
}

/** The package directories a package's build script builds in turn (followed up to four scripts deep). */
function nestedBuilds(fs: ContainerFs, dir: string, script: string | undefined, managers: readonly string[], depth: number): string[] {
  if (script === undefined || depth > 4) return [];
  const body = packageJson(fs.read(path.join(dir, 'package.json')))?.scripts?.[script];
  if (typeof body !== 'string') return [];
  const out: string[] = [];
  let cwd: string | undefined = dir;
  for (const argv of runCommands(body)) {
    if (cwd === undefined) break;
    const i = skipPrefixes(argv, 0);
    if (argv[i] === 'cd') {
      const target = argv[i + 1];
      cwd = target === undefined || target === '-' || target.includes('$') || target.startsWith('~') || target.startsWith('/') ? undefined : path.resolve(cwd, target);
      continue;
    }
    const vite = parseViteBuild(argv);
    if (vite) {
      const root = path.resolve(cwd, vite.root ?? '.');
      if (root !== dir && fs.read(path.join(root, 'package.json'))) out.push(root);
      continue;
    }
    const run = parseScriptRun(argv, cwd, fs, managers);
    if (!run || !BUILD_SCRIPT.test(run.script)) continue;
    if (run.dir !== dir && fs.read(path.join(run.dir, 'package.json'))) out.push(run.dir);
    out.push(...nestedBuilds(fs, run.dir, run.script, managers, depth + 1));
  }
  return out;
}
