/**
 * Package manifests of a repository and the directory each belongs to, in the terms Dependabot
 * uses (`package-ecosystem` + `directory`). Everything is derived from the files: JS packages
 * and their workspaces (npm/yarn/pnpm/bun), Python projects (requirements files, pyproject,
 * Pipfile, setup.py; uv and poetry lockfiles), Dockerfiles, compose files with images, and
 * GitHub Actions (workflows and local composite actions).
 *
 * Also holds the glob matcher used for exclusions, workspace member patterns and dependabot
 * `directories`: `*` matches within one path segment, `**` as a whole segment matches zero or
 * more segments, plus `?`, `[…]` and `{a,b}`.
 */
import { globsMatcher, matchesGlob, normalizeRepoDir } from '../formats/glob.js';
import { parseTomlFile } from '../formats/toml.js';
import { jsonValue } from '../formats/json.js';
import { factSlot } from './facts.js';
import type { Workspace } from '../workspace/workspace.js';
import type { SourceFile } from '../workspace/source-file.js';
import { isAlias, isMap, isScalar, isSeq, type Document } from 'yaml';
import { findPair, mapPairs, parseYaml, resolveAlias, scalarString, yamlValue } from '../formats/yaml.js';
import { parseDockerfile, isDockerfilePath } from '../formats/dockerfile.js';
import { isComposePath } from '../formats/compose.js';
import { isTemplateSource } from '../formats/template.js';

/** Paths never treated as manifests of the repository: dependencies, vendored code, test data, archives. */
export const DEFAULT_MANIFEST_EXCLUDES: readonly string[] = [
  '**/node_modules/**',
  '**/bower_components/**',
  '**/vendor/**',
  '**/.venv/**',
  '**/venv/**',
  '**/site-packages/**',
  '**/fixtures/**',
  '**/__fixtures__/**',
  '**/test-fixtures/**',
  '**/testdata/**',
  '**/archive/**',
];

// Globs live in src/formats/glob.ts (shared with the docs rules); re-exported for callers here.
export { globToRegExp, globsMatcher, hasGlobChars, matchesGlob, normalizeRepoDir } from '../formats/glob.js';

/** Whether `p` matches one of `excludes`, compiled on each call: for a list asked about once. */
export function isExcluded(p: string, excludes: readonly string[]): boolean {
  return excludes.some((g) => matchesGlob(p, g));
}

/**
 * `isExcluded(p, DEFAULT_MANIFEST_EXCLUDES)`, with the globs compiled once: the rules ask it of
 * every Dockerfile, action and reference candidate, and compiling eleven globs for each path was
 * most of the time of such a loop. A constant of the module, as a regular expression would be.
 */
export const isManifestExcluded: (p: string) => boolean = globsMatcher(DEFAULT_MANIFEST_EXCLUDES);

// ---------------------------------------------------------------------------------------------
// JS packages

export type JsManager = 'npm' | 'yarn' | 'pnpm' | 'bun';

export const LOCKFILES: Readonly<Record<string, JsManager>> = {
  'package-lock.json': 'npm',
  'npm-shrinkwrap.json': 'npm',
  'yarn.lock': 'yarn',
  'pnpm-lock.yaml': 'pnpm',
  'bun.lock': 'bun',
  'bun.lockb': 'bun',
};

export interface JsPackage {
  /** Repo-relative directory ('' = root). */
  dir: string;
  manifest: string;
  /** Lockfiles in the package's own directory. */
  lockfiles: string[];
  manager: JsManager;
  /** Whether its package.json declares any dependency (of any kind). */
  hasDependencies: boolean;
  /** Unparsable package.json: nothing known but that it is there. */
  broken: boolean;
  /** For a workspace root: its members' directories. */
  members: string[];
  /** Workspace patterns (package.json `workspaces`, pnpm-workspace.yaml `packages`). */
  workspacePatterns: string[];
  /** For a workspace member: the root's directory. */
  workspaceRoot: string | undefined;
}

function dirOf(p: string): string {
  const i = p.lastIndexOf('/');
  return i === -1 ? '' : p.slice(0, i);
}

function join(dir: string, name: string): string {
  return dir === '' ? name : `${dir}/${name}`;
}

export function readPackageJson(file: SourceFile | undefined): Record<string, unknown> | undefined {
  if (!file) return undefined;
  // Same cache key and value as the frontend-build facts: the parsed object or undefined.
  return file.parse('package-json', (f) => {
    try {
      const v = jsonValue(f);
      return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
    } catch {
      return undefined;
    }
  }) as Record<string, unknown> | undefined;
}

function stringList(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}

function workspacePatternsOf(pkg: Record<string, unknown> | undefined): string[] {
  const ws = pkg?.workspaces;
  if (Array.isArray(ws)) return stringList(ws);
  if (ws && typeof ws === 'object') return stringList((ws as Record<string, unknown>).packages);
  return [];
}

function declaresDependencies(pkg: Record<string, unknown>): boolean {
  for (const key of ['dependencies', 'devDependencies', 'optionalDependencies', 'peerDependencies']) {
    const v = pkg[key];
    if (v && typeof v === 'object' && Object.keys(v).length > 0) return true;
  }
  return false;
}

function managerFromField(pkg: Record<string, unknown> | undefined): JsManager | undefined {
  const pm = pkg?.packageManager;
  if (typeof pm !== 'string') return undefined;
  const name = pm.split('@')[0];
  return name === 'npm' || name === 'yarn' || name === 'pnpm' || name === 'bun' ? name : undefined;
}

/** Whether a member path (relative to the workspace root) is selected by the patterns (`!` negates). */
function selectedBy(rel: string, patterns: readonly string[]): boolean {
  let selected = false;
  for (const raw of patterns) {
    const negative = raw.startsWith('!');
    const pattern = negative ? raw.slice(1) : raw;
    if (!matchesGlob(rel, pattern)) continue;
    selected = !negative;
  }
  return selected;
}

const jsCache = factSlot<Map<string, JsPackage[]>>('JavaScript packages, by excludes');

/**
 * Every package.json outside the excluded paths, with its lockfiles, manager and workspace
 * relations. A member of a workspace (package.json `workspaces`, pnpm-workspace.yaml) is
 * installed from the root's lockfile, so its own lack of one is right.
 */
export function jsPackages(ws: Workspace, excludes: readonly string[] = DEFAULT_MANIFEST_EXCLUDES): JsPackage[] {
  const key = excludes.join('\0');
  let byKey = jsCache.get(ws);
  if (!byKey) jsCache.set(ws, (byKey = new Map()));
  const cached = byKey.get(key);
  if (cached) return cached;
  const packages: JsPackage[] = [];
  const excluded = globsMatcher(excludes);
  for (const p of ws.paths) {
    if (!(p === 'package.json' || p.endsWith('/package.json')) || excluded(p)) continue;
    const dir = dirOf(p);
    const file = ws.read(p);
    const pkg = readPackageJson(file);
    // A generator's template of a package.json is no package: no package manager can read it.
    if (file && isTemplateSource(ws, file, pkg === undefined)) continue;
    const lockfiles = Object.keys(LOCKFILES).map((n) => join(dir, n)).filter((l) => ws.has(l));
    const fromLock = lockfiles.map((l) => LOCKFILES[l.slice(l.lastIndexOf('/') + 1)] as JsManager);
    const patterns = workspacePatternsOf(pkg);
    const pnpmWorkspace = [join(dir, 'pnpm-workspace.yaml'), join(dir, 'pnpm-workspace.yml')].find((x) => ws.has(x));
    if (pnpmWorkspace) {
      const file = ws.read(pnpmWorkspace);
      const value = file ? (yamlValue(parseYaml(file)) as Record<string, unknown> | undefined) : undefined;
      patterns.push(...stringList(value?.packages));
    }
    packages.push({
      dir,
      manifest: p,
      lockfiles,
      manager: fromLock[0] ?? managerFromField(pkg) ?? (pnpmWorkspace ? 'pnpm' : 'npm'),
      hasDependencies: pkg ? declaresDependencies(pkg) : false,
      broken: pkg === undefined,
      members: [],
      workspacePatterns: patterns,
      workspaceRoot: undefined,
    });
  }
  // Nearest enclosing root whose patterns select the package.
  const roots = packages.filter((r) => r.workspacePatterns.length > 0).sort((a, b) => b.dir.length - a.dir.length);
  for (const pkg of packages) {
    for (const root of roots) {
      if (root === pkg) continue;
      const prefix = root.dir === '' ? '' : `${root.dir}/`;
      if (!pkg.dir.startsWith(prefix) || pkg.dir === root.dir) continue;
      if (!selectedBy(pkg.dir.slice(prefix.length), root.workspacePatterns)) continue;
      pkg.workspaceRoot = root.dir;
      root.members.push(pkg.dir);
      break;
    }
  }
  byKey.set(key, packages);
  return packages;
}

/**
 * The lockfile that pins a JS package's dependencies: its own, else its workspace root's.
 * Undefined when neither has one.
 */
export function lockfileFor(ws: Workspace, dir: string, excludes: readonly string[] = DEFAULT_MANIFEST_EXCLUDES): { lockfile: string; root: string } | undefined {
  const all = jsPackages(ws, excludes);
  const pkg = all.find((p) => p.dir === dir);
  if (!pkg) return undefined;
  if (pkg.lockfiles[0]) return { lockfile: pkg.lockfiles[0], root: pkg.dir };
  if (pkg.workspaceRoot === undefined) return undefined;
  const root = all.find((p) => p.dir === pkg.workspaceRoot);
  return root?.lockfiles[0] ? { lockfile: root.lockfiles[0], root: root.dir } : undefined;
}

// ---------------------------------------------------------------------------------------------
// Manifest directories, in Dependabot's terms

export interface ManifestDir {
  /** The `package-ecosystem` value an entry for it would use. */
  ecosystem: string;
  /** Ecosystem values whose entries also cover it (always includes `ecosystem`). */
  accepts: string[];
  /** Repo-relative directory ('' = root). */
  dir: string;
  /** The tool, for people: npm, yarn, pnpm, bun, pip, poetry, pipenv, uv, docker, docker-compose, github-actions. */
  tool: string;
  /** The files that make it a manifest directory (repo paths): a JS manifest before its lockfiles, else path order. */
  files: string[];
  /** Workspace members covered by this root (JS workspaces, uv workspaces). */
  members: string[];
  /**
   * False for a workspace root whose own package.json / pyproject.toml declares no dependency:
   * then entries for all its members cover it as well.
   */
  ownDependencies: boolean;
}

/** Dependabot's directory notation for a repo-relative directory. */
export function dependabotDir(dir: string): string {
  return `/${dir}`;
}

const REQUIREMENTS = /^(?:[^/]*[-_.])?requirements(?:[-_.][^/]*)?\.(?:txt|in)$/i;

function meaningfulLines(text: string): boolean {
  return text.split(/\r?\n/).some((l) => l.trim() !== '' && !l.trim().startsWith('#'));
}

function pyprojectDeclaresDependencies(file: SourceFile): boolean {
  const doc = tomlOf(file);
  // Unparsable: it may well declare dependencies; count it.
  if (!doc) return true;
  const table = (v: unknown): Record<string, unknown> | undefined => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined);
  const nonEmpty = (v: unknown): boolean => (Array.isArray(v) ? v.length > 0 : table(v) !== undefined && Object.keys(table(v) as object).length > 0);
  const project = table(doc.project);
  if (project && (nonEmpty(project.dependencies) || nonEmpty(project['optional-dependencies']))) return true;
  if (nonEmpty(doc['dependency-groups'])) return true;
  const tool = table(doc.tool);
  const poetry = table(tool?.poetry);
  if (poetry && (nonEmpty(poetry.dependencies) || nonEmpty(poetry['dev-dependencies']) || nonEmpty(poetry.group))) return true;
  const pdm = table(tool?.pdm);
  if (pdm && nonEmpty(pdm['dev-dependencies'])) return true;
  return false;
}

function tomlOf(file: SourceFile): Record<string, unknown> | undefined {
  return parseTomlFile(file).value;
}

export interface UvWorkspace {
  /** The root's directory: its pyproject.toml has `[tool.uv.workspace]`, and uv.lock sits next to it. */
  dir: string;
  /** Member directories (those with a pyproject.toml that `members` selects and `exclude` does not). */
  members: string[];
}

/**
 * uv workspaces: a pyproject.toml with `[tool.uv.workspace] members = [...]` (globs relative to
 * it, `exclude` honoured) and one uv.lock at the root, which pins every member. A member
 * belongs to the nearest root that selects it. Roots without uv.lock are left out: nothing
 * then pins the members together, and an entry for the root would not update them.
 */
export function uvWorkspaces(ws: Workspace, excludes: readonly string[] = DEFAULT_MANIFEST_EXCLUDES): UvWorkspace[] {
  const excluded = globsMatcher(excludes);
  const projects = ws.paths.filter((p) => (p === 'pyproject.toml' || p.endsWith('/pyproject.toml')) && !excluded(p)).map(dirOf);
  const roots: Array<UvWorkspace & { include: string[]; exclude: string[] }> = [];
  for (const dir of projects) {
    if (!ws.has(join(dir, 'uv.lock'))) continue;
    const file = ws.read(join(dir, 'pyproject.toml'));
    const doc = file ? tomlOf(file) : undefined;
    const tool = doc?.tool as Record<string, unknown> | undefined;
    const uv = tool && typeof tool === 'object' ? (tool.uv as Record<string, unknown> | undefined) : undefined;
    const workspace = uv && typeof uv === 'object' ? (uv.workspace as Record<string, unknown> | undefined) : undefined;
    if (!workspace || typeof workspace !== 'object') continue;
    const clean = (list: unknown): string[] => stringList(list).map(normalizeRepoDir).filter((g) => g !== '');
    const include = clean(workspace.members);
    if (include.length > 0) roots.push({ dir, members: [], include, exclude: clean(workspace.exclude) });
  }
  roots.sort((a, b) => b.dir.length - a.dir.length);
  for (const dir of projects) {
    for (const root of roots) {
      const prefix = root.dir === '' ? '' : `${root.dir}/`;
      if (dir === root.dir || !dir.startsWith(prefix)) continue;
      const rel = dir.slice(prefix.length);
      if (!root.include.some((g) => matchesGlob(rel, g)) || root.exclude.some((g) => matchesGlob(rel, g))) continue;
      root.members.push(dir);
      break;
    }
  }
  return roots.filter((r) => r.members.length > 0).map((r) => ({ dir: r.dir, members: r.members.sort() }));
}

function isPoetryProject(file: SourceFile | undefined): boolean {
  if (!file) return false;
  const doc = tomlOf(file);
  const tool = doc?.tool as Record<string, unknown> | undefined;
  return Boolean(tool && typeof tool === 'object' && 'poetry' in tool);
}

/** Whether a `uses:` value names an action or reusable workflow Dependabot can update. */
export function isRemoteUses(uses: unknown): boolean {
  return typeof uses === 'string' && !uses.startsWith('./') && !uses.startsWith('docker://') && /^[\w.-]+\/[\w.-]+.*@/.test(uses);
}

function workflowUsesRemote(file: SourceFile): boolean {
  const parsed = parseYaml(file);
  if (parsed.error) return /^\s*(-\s*)?uses:\s*['"]?[\w.-]+\/[\w.-]+[^'"\s]*@/m.test(file.text);
  const value = yamlValue(parsed) as Record<string, unknown> | undefined;
  const jobs = value?.jobs;
  if (!jobs || typeof jobs !== 'object') return false;
  for (const job of Object.values(jobs as Record<string, unknown>)) {
    if (!job || typeof job !== 'object') continue;
    const j = job as Record<string, unknown>;
    if (isRemoteUses(j.uses)) return true;
    if (Array.isArray(j.steps) && j.steps.some((s) => s && typeof s === 'object' && isRemoteUses((s as Record<string, unknown>).uses))) return true;
  }
  return false;
}

function compositeUsesRemote(file: SourceFile): boolean {
  const parsed = parseYaml(file);
  if (parsed.error) return false;
  const value = yamlValue(parsed) as Record<string, unknown> | undefined;
  const runs = value?.runs as Record<string, unknown> | undefined;
  if (!runs || typeof runs !== 'object' || runs.using !== 'composite' || !Array.isArray(runs.steps)) return false;
  return runs.steps.some((s) => s && typeof s === 'object' && isRemoteUses((s as Record<string, unknown>).uses));
}

/*
 * Dependabot's docker and docker-compose updaters bump a tag only when it carries a version:
 * digits, optionally behind a `word-` prefix or before a `-word` suffix (`3.12-slim`,
 * `v3.6`, `22-bookworm-slim`, `2024.5.28`). `latest`, `alpine`, `lts`, `trixie-slim` or a tag
 * built from a variable give it nothing to compare, and an image with neither tag nor digest
 * has no version at all. A digest (`@sha256:…`) is updated in place.
 */
const TAG_VERSION = String.raw`v?\d+(?:\.\d+)*(?:_\d+|\.[a-z0-9]+|(?:(?:-[a-z]+)+-\d+)+|-(?:kb)?\d+)*`;
const VERSIONED_TAG = new RegExp(`^(?:${TAG_VERSION}(?:-[a-z][a-z0-9.-]*)?|(?:[a-z][a-z0-9.-]*-)?${TAG_VERSION}|(?:[a-z-]+-)?${TAG_VERSION}(?:-[a-z-]+)?)$`, 'i');

/** Template placeholders (Jinja, Mustache, Go templates, EJS): the file is an input to a generator, not a manifest. */
const TEMPLATE_SYNTAX = /\{\{|\{%|<%[=-]?\s/;

/** Whether Dependabot can propose a newer version of an image reference (`repo[:tag][@digest]`). */
export function isUpdatableImage(ref: string): boolean {
  const [image = '', digest] = ref.trim().split('@');
  if (image === '' || ref.includes('$')) return false;
  if (digest !== undefined && /^sha256:[0-9a-f]{64}$/i.test(digest)) return true;
  const last = image.slice(image.lastIndexOf('/') + 1);
  const colon = last.indexOf(':');
  return colon !== -1 && VERSIONED_TAG.test(last.slice(colon + 1));
}

/**
 * A compose `image:` as Dependabot reads it: a value that starts with `${VAR:-default}` stands
 * for its default (the whole reference); any other variable leaves nothing it can update. So
 * `${APP_IMAGE:-ghcr.io/acme/app:1.4}` counts, `postgres:${PG_TAG:-16}` does not.
 */
export function isUpdatableComposeImage(image: string): boolean {
  const leading = /^\$\{[^}:]+(?::-([^}]+))?\}/.exec(image);
  if (leading) return leading[1] !== undefined && isUpdatableImage(leading[1]);
  return isUpdatableImage(image);
}

function dockerfileHasBaseImage(file: SourceFile): boolean {
  const model = parseDockerfile(file);
  if (model.error) return !TEMPLATE_SYNTAX.test(file.text);
  const names = new Set<string>();
  for (const stage of model.stages) {
    const image = stage.image.toLowerCase();
    if (image && image !== 'scratch' && !names.has(image) && isUpdatableImage(stage.image)) return true;
    if (stage.name) names.add(stage.name);
  }
  return false;
}

/**
 * One key of a compose service mapping, through `<<` merges, read on the syntax tree: a file
 * whose anchors expand past the alias cap (large compose files reuse anchors in every service)
 * is still read, and nothing is expanded.
 */
function serviceKey(doc: Document.Parsed, node: unknown, key: string, depth = 0): unknown {
  const map = isAlias(node) ? resolveAlias(doc, node) : node;
  if (!isMap(map) || depth > 8) return undefined;
  const own = findPair(map, key);
  if (own) return own.value;
  for (const pair of mapPairs(map)) {
    const k = isScalar(pair.key) ? pair.key.value : undefined;
    // With `merge: true` the parser keys a merge by the symbol `<<`.
    if (!(k === '<<' || (typeof k === 'symbol' && k.description === '<<'))) continue;
    const sources = isSeq(pair.value) ? pair.value.items : [pair.value];
    for (const source of sources) {
      const found = serviceKey(doc, source, key, depth + 1);
      if (found !== undefined) return found;
    }
  }
  return undefined;
}

function composeHasImages(file: SourceFile): boolean {
  const parsed = parseYaml(file);
  if (parsed.error) return !TEMPLATE_SYNTAX.test(file.text);
  const services = serviceKey(parsed.doc, parsed.doc.contents, 'services');
  const resolved = isAlias(services) ? resolveAlias(parsed.doc, services) : services;
  return mapPairs(resolved).some((pair) => {
    const image = serviceKey(parsed.doc, pair.value, 'image');
    const imageText = isAlias(image) ? scalarString(resolveAlias(parsed.doc, image)) : scalarString(image);
    // With `build:` the image names what compose builds, not something to update.
    return imageText !== undefined && serviceKey(parsed.doc, pair.value, 'build') === undefined && isUpdatableComposeImage(imageText);
  });
}

const manifestCache = factSlot<Map<string, ManifestDir[]>>('Dependabot manifests, by excludes');

const ECOSYSTEM_ORDER = ['github-actions', 'pip', 'uv', 'npm', 'bun', 'docker', 'docker-compose'];

/**
 * Every directory Dependabot should watch, with the ecosystem that watches it. Sorted by
 * ecosystem (github-actions, pip, uv, npm, bun, docker, docker-compose), then directory.
 */
export function discoverManifests(ws: Workspace, excludes: readonly string[] = DEFAULT_MANIFEST_EXCLUDES): ManifestDir[] {
  const key = excludes.join('\0');
  let byKey = manifestCache.get(ws);
  if (!byKey) manifestCache.set(ws, (byKey = new Map()));
  const cached = byKey.get(key);
  if (cached) return cached;
  // Every path is tested: the globs are compiled once, not per path.
  const excluded = globsMatcher(excludes);

  const found = new Map<string, ManifestDir>();
  const add = (ecosystem: string, dir: string, tool: string, file: string, accepts: string[] = []): ManifestDir => {
    const k = `${ecosystem}\0${dir}`;
    let m = found.get(k);
    if (!m) {
      m = { ecosystem, accepts: [ecosystem, ...accepts], dir, tool, files: [], members: [], ownDependencies: true };
      found.set(k, m);
    }
    if (!m.files.includes(file)) m.files.push(file);
    return m;
  };

  // JS: every package that is not a workspace member and has something to update.
  for (const pkg of jsPackages(ws, excludes)) {
    if (pkg.workspaceRoot !== undefined) continue;
    const isRoot = pkg.workspacePatterns.length > 0;
    if (!pkg.broken && !pkg.hasDependencies && !(isRoot && pkg.members.length > 0)) continue;
    if (TEMPLATE_SYNTAX.test(ws.read(pkg.manifest)?.text ?? '')) continue;
    const bun = pkg.manager === 'bun';
    const m = add(bun ? 'bun' : 'npm', pkg.dir, pkg.manager, pkg.manifest, bun ? ['npm'] : []);
    for (const l of pkg.lockfiles) m.files.push(l);
    m.members = [...pkg.members].sort();
    m.ownDependencies = pkg.broken || pkg.hasDependencies;
  }

  // Python: collected per directory first, since uv.lock decides the ecosystem of the whole dir.
  const python = new Map<string, string[]>();
  const addPy = (dir: string, file: string): void => {
    const list = python.get(dir);
    if (list) list.push(file);
    else python.set(dir, [file]);
  };
  // uv workspace members are pinned by the root's uv.lock and updated with it: their
  // pyproject.toml needs no entry of its own (their other Python files still do).
  const uvRoots = uvWorkspaces(ws, excludes);
  const uvMembers = new Set(uvRoots.flatMap((r) => r.members));
  const uvRootOf = new Map(uvRoots.map((r) => [r.dir, r]));
  const pyDeclares = new Map<string, boolean>();
  for (const p of ws.paths) {
    if (excluded(p)) continue;
    const base = p.slice(p.lastIndexOf('/') + 1);
    const dir = dirOf(p);
    if (REQUIREMENTS.test(base)) {
      const text = ws.read(p)?.text;
      const inRequirementsDir = dir.slice(dir.lastIndexOf('/') + 1) === 'requirements';
      if (text !== undefined && meaningfulLines(text)) addPy(inRequirementsDir ? dirOf(dir) : dir, p);
    } else if (/\.(txt|in)$/i.test(base) && dir.slice(dir.lastIndexOf('/') + 1) === 'requirements') {
      // requirements/base.txt, requirements/dev.in: Dependabot reads them with the parent directory.
      const text = ws.read(p)?.text;
      if (text !== undefined && meaningfulLines(text)) addPy(dirOf(dir), p);
    } else if (base === 'pyproject.toml') {
      if (uvMembers.has(dir)) continue;
      const file = ws.read(p);
      // An unparsable pyproject with template placeholders is a generator's input.
      if (!file || (tomlOf(file) === undefined && TEMPLATE_SYNTAX.test(file.text))) continue;
      const declares = pyprojectDeclaresDependencies(file);
      pyDeclares.set(dir, declares);
      // A workspace root counts for its members even when it declares nothing itself.
      if (declares || uvRootOf.has(dir)) addPy(dir, p);
    } else if (base === 'Pipfile' || base === 'setup.py' || base === 'setup.cfg') {
      // A text look for `install_requires`: setup.py is never parsed here.
      const text = ws.probe(p)?.text;
      if (text !== undefined && (base === 'Pipfile' || /install_requires/.test(text))) addPy(dir, p);
    }
  }
  for (const [dir, files] of python) {
    const locks = ['uv.lock', 'poetry.lock', 'Pipfile.lock', 'pdm.lock'].map((n) => join(dir, n)).filter((l) => ws.has(l));
    const uv = locks.includes(join(dir, 'uv.lock'));
    // [tool.poetry] is read from the pyprojects parsed above (a uv workspace member's is not).
    const parsedAbove = !uvMembers.has(dir) || ws.has(join(dir, 'uv.lock'));
    const poetry = locks.includes(join(dir, 'poetry.lock')) || (parsedAbove && !isExcluded(join(dir, 'pyproject.toml'), excludes) && isPoetryProject(ws.read(join(dir, 'pyproject.toml'))));
    const pipenv = files.includes(join(dir, 'Pipfile'));
    const tool = uv ? 'uv' : poetry ? 'poetry' : pipenv ? 'pipenv' : 'pip';
    const m = add(uv ? 'uv' : 'pip', dir, tool, files[0] as string, uv ? ['pip'] : []);
    for (const f of [...files.slice(1), ...locks]) if (!m.files.includes(f)) m.files.push(f);
    const root = uvRootOf.get(dir);
    if (root) {
      m.members = [...root.members];
      // Its own dependencies: anything but a pyproject.toml that declares none.
      m.ownDependencies = files.some((f) => !f.endsWith('pyproject.toml')) || pyDeclares.get(dir) === true;
    }
  }

  for (const p of ws.paths) {
    if (excluded(p)) continue;
    const base = p.slice(p.lastIndexOf('/') + 1);
    const dir = dirOf(p);
    if (isDockerfilePath(p)) {
      const file = ws.read(p);
      if (file && dockerfileHasBaseImage(file)) add('docker', dir, 'docker', p);
    } else if (isComposePath(p)) {
      const file = ws.read(p);
      if (file && !isTemplateSource(ws, file, parseYaml(file).error !== null) && composeHasImages(file)) add('docker-compose', dir, 'docker-compose', p);
    } else if (/^\.github\/workflows\/[^/]+\.ya?ml$/.test(p)) {
      const file = ws.read(p);
      if (file && workflowUsesRemote(file)) add('github-actions', '', 'github-actions', p);
    } else if (base === 'action.yml' || base === 'action.yaml') {
      const file = ws.read(p);
      if (file && compositeUsesRemote(file)) add('github-actions', dir, 'github-actions', p);
    }
  }

  // Files stay in discovery order: the manifest before its lockfiles, then path order.
  const result = [...found.values()];
  result.sort((a, b) => ECOSYSTEM_ORDER.indexOf(a.ecosystem) - ECOSYSTEM_ORDER.indexOf(b.ecosystem) || (a.dir === '' ? -1 : b.dir === '' ? 1 : a.dir.localeCompare(b.dir)));
  byKey.set(key, result);
  return result;
}

/** Every place Renovate reads its repository config from (its docs, "Configuration options"). */
export const RENOVATE_CONFIGS = [
  'renovate.json',
  'renovate.json5',
  '.renovaterc',
  '.renovaterc.json',
  '.renovaterc.json5',
  '.github/renovate.json',
  '.github/renovate.json5',
  '.gitlab/renovate.json',
  '.gitlab/renovate.json5',
];
