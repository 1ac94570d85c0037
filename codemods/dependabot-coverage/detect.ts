/**
 * What the Dependabot config covers: its entries, the manifest directories each one watches,
 * the kinds of project they update, what git history says the maintainers took out, and how a
 * manifest directory is described. The rule's options are read here too.
 */
import { isMap, isScalar, isSeq, type YAMLMap } from 'yaml';
import type { Workspace } from '../../src/workspace/workspace.js';
import { SourceFile } from '../../src/workspace/source-file.js';
import type { GitHistory } from '../../src/workspace/history.js';
import { findPair, parseYaml, scalarString } from '../../src/formats/yaml.js';
import { DEFAULT_MANIFEST_EXCLUDES, hasGlobChars, matchesGlob, normalizeRepoDir, type ManifestDir } from '../../src/facts/ecosystems.js';

export async function deletedConfig(ws: Workspace): Promise<string | undefined> {
  const history = await ws.gitHistory();
  const answers = await history.lookup(CONFIG_PATHS.map((p) => ({ path: p, dir: false })));
  for (const a of answers.values()) {
    if (a.status === 'deleted') return a.commit.short;
    if (a.status === 'renamed' && a.successor === undefined && a.deleted) return a.deleted.short;
  }
  return undefined;
}

/**
 * The entries of every past version of the config that git records (a deleted config's
 * included), newest first. Empty without history.
 */
async function pastEntries(ws: Workspace): Promise<Entry[]> {
  const history = await ws.gitHistory();
  // One provider per run, shared by the views the engine proves fixes on: parse once.
  let entries = history.derived.get(PAST_ENTRIES) as Promise<Entry[]> | undefined;
  if (!entries) history.derived.set(PAST_ENTRIES, (entries = readPastEntries(history)));
  return entries;
}

const PAST_ENTRIES = { name: 'dependabot entries of past versions' };

async function readPastEntries(history: GitHistory): Promise<Entry[]> {
  const answer = await history.versions(CONFIG_PATHS);
  if (answer.status !== 'known') return [];
  const out: Entry[] = [];
  for (const v of answer.versions) {
    if (v.text === undefined) continue;
    const bom = v.text.charCodeAt(0) === 0xfeff;
    const parsed = parseYaml(new SourceFile(v.path, bom ? v.text.slice(1) : v.text, bom));
    const root = parsed.doc.contents;
    if (parsed.error || !isMap(root)) continue;
    const updates = findPair(root, 'updates')?.value;
    if (!isSeq(updates)) continue;
    for (const item of updates.items) if (isMap(item)) out.push(readEntry(item));
  }
  return out;
}

/**
 * Labels that name one ecosystem (or its language): not carried over to another ecosystem's
 * entry when the new entry copies an existing entry's conventions. An option, not logic.
 */
export const DEFAULT_ECOSYSTEM_LABELS: Readonly<Record<string, readonly string[]>> = {
  'github-actions': ['github-actions', 'github_actions', 'actions', 'gha', 'ci', 'workflows'],
  npm: ['npm', 'javascript', 'js', 'node', 'nodejs', 'typescript', 'ts', 'yarn', 'pnpm'],
  bun: ['bun', 'javascript', 'js', 'typescript', 'ts'],
  pip: ['pip', 'python', 'py', 'poetry', 'pipenv'],
  uv: ['uv', 'python', 'py'],
  docker: ['docker', 'dockerfile', 'container', 'containers'],
  'docker-compose': ['docker-compose', 'docker_compose', 'compose', 'docker'],
};

export const CONFIG_PATHS = ['.github/dependabot.yml', '.github/dependabot.yaml'];
export const GENERATED_PATH = '.github/dependabot.yml';

export interface Options {
  excludes: string[];
  interval: string;
  createConfig: boolean;
  ecosystemLabels: Record<string, readonly string[]>;
}

export function readOptions(options: Record<string, unknown>): Options {
  return {
    excludes: Array.isArray(options.exclude) ? (options.exclude as string[]) : [...DEFAULT_MANIFEST_EXCLUDES],
    interval: typeof options.interval === 'string' ? options.interval : 'weekly',
    createConfig: options.createConfig !== false,
    ecosystemLabels: options.ecosystemLabels && typeof options.ecosystemLabels === 'object' ? (options.ecosystemLabels as Record<string, readonly string[]>) : DEFAULT_ECOSYSTEM_LABELS,
  };
}

// ---------------------------------------------------------------------------------------------
// What an entry covers

export interface Entry {
  node: YAMLMap;
  ecosystem: string | undefined;
  /** `directory` (literal: Dependabot does not expand wildcards there). */
  directory: string | undefined;
  /** `directories` items (globs allowed). */
  directories: string[];
}

export function readEntry(node: YAMLMap): Entry {
  const dirsNode = findPair(node, 'directories')?.value;
  return {
    node,
    ecosystem: scalarString(findPair(node, 'package-ecosystem')?.value),
    directory: scalarString(findPair(node, 'directory')?.value),
    directories: isSeq(dirsNode) ? dirsNode.items.map((i) => scalarString(i)).filter((s): s is string => s !== undefined) : [],
  };
}

/** Whether one configured directory (or pattern) names a manifest directory. */
function dirMatches(configured: string, dir: string, ecosystem: string, glob: boolean): boolean {
  const norm = normalizeRepoDir(configured);
  const hit = glob && hasGlobChars(norm) ? matchesGlob(dir, norm) : norm === dir;
  if (hit) return true;
  // github-actions: `/.github/workflows` is accepted for the workflows of the root.
  return ecosystem === 'github-actions' && dir === '' && norm === '.github/workflows';
}

export function entryCoversDir(e: Entry, dir: string, m: ManifestDir): boolean {
  if (!e.ecosystem || !m.accepts.includes(e.ecosystem)) return false;
  if (e.directory !== undefined && dirMatches(e.directory, dir, m.ecosystem, false)) return true;
  return e.directories.some((d) => dirMatches(d, dir, m.ecosystem, true));
}

export function covered(entries: Entry[], m: ManifestDir): boolean {
  if (entries.some((e) => entryCoversDir(e, m.dir, m))) return true;
  // A workspace root with no dependencies of its own is covered by entries for all its members.
  return !m.ownDependencies && m.members.length > 0 && m.members.every((d) => entries.some((e) => entryCoversDir(e, d, m)));
}

/** An entry whose `directory` is a glob that would match, if Dependabot expanded it there. */
export function literalGlobHint(entries: Entry[], m: ManifestDir): string {
  const e = entries.find((x) => x.ecosystem && m.accepts.includes(x.ecosystem) && x.directory !== undefined && hasGlobChars(x.directory) && matchesGlob(m.dir, normalizeRepoDir(x.directory)));
  return e ? `; \`directory: ${e.directory}\` is taken literally (wildcards work only in \`directories\`)` : '';
}

// ---------------------------------------------------------------------------------------------
// Describing manifests

export function listed(names: string[], max = 4): string {
  if (names.length <= max) return names.join(', ');
  return `${names.slice(0, max).join(', ')} and ${names.length - max} more`;
}

function relativeTo(dir: string, p: string): string {
  return dir === '' ? p : p.startsWith(`${dir}/`) ? p.slice(dir.length + 1) : p;
}

const TOOL_NAMES: Record<string, string> = {
  'github-actions': 'GitHub Actions',
  docker: 'Docker base images',
  'docker-compose': 'Docker Compose images',
};

/** One line naming what an entry covers, for the comment above it and the finding. */
export function describeManifest(m: ManifestDir): string {
  if (m.ecosystem === 'github-actions') {
    const isWorkflow = (f: string): boolean => /^\.github\/workflows\/[^/]+$/.test(f);
    const workflows = m.files.filter(isWorkflow);
    const actions = m.files.filter((f) => !isWorkflow(f));
    const parts: string[] = [];
    if (workflows.length) parts.push('workflows in .github/workflows');
    if (actions.length) parts.push(m.dir === '' ? listed(actions) : `composite action ${listed(actions)}`);
    return `GitHub Actions: ${parts.join(' and ')}`;
  }
  const names = m.files.map((f) => relativeTo(m.dir, f));
  let text = `${TOOL_NAMES[m.ecosystem] ?? m.tool}: ${listed(names)}`;
  if ((m.ecosystem === 'npm' || m.ecosystem === 'bun') && !m.files.some((f) => /(package-lock\.json|npm-shrinkwrap\.json|yarn\.lock|pnpm-lock\.yaml|bun\.lockb?)$/.test(f))) text += ' (no lockfile)';
  if (m.members.length) text += `; workspace members ${listed(m.members.map((d) => relativeTo(m.dir, d)), 3)}`;
  return text;
}

// ---------------------------------------------------------------------------------------------

/** Ecosystems that watch the same kind of project: a config watching one watches the kind. */
const FAMILIES: readonly (readonly string[])[] = [
  ['npm', 'bun'],
  ['pip', 'uv'],
];

export function kindOf(ecosystem: string): readonly string[] {
  return FAMILIES.find((f) => f.includes(ecosystem)) ?? [ecosystem];
}

export function sameKind(e: Entry, m: ManifestDir): boolean {
  if (!e.ecosystem) return false;
  return m.accepts.includes(e.ecosystem) || kindOf(m.ecosystem).includes(e.ecosystem);
}

/**
 * An entry kept for its settings with version updates switched off: `open-pull-requests-limit: 0`
 * (security updates only) or an `ignore` of every dependency.
 */
export function versionUpdatesOff(e: Entry): boolean {
  const limit = findPair(e.node, 'open-pull-requests-limit')?.value;
  if (isScalar(limit) && limit.value !== null && limit.value !== '' && Number(limit.value) === 0) return true;
  const ignore = findPair(e.node, 'ignore')?.value;
  return isSeq(ignore) && ignore.items.some((i) => isMap(i) && scalarString(findPair(i, 'dependency-name')?.value) === '*' && !findPair(i, 'versions') && !findPair(i, 'update-types'));
}

/**
 * Which manifest directories the maintainers took out of the config, as git history shows it:
 * a past entry (of a live or deleted version of the config) covers the directory and no entry
 * does today; or, when the config has no entry of its kind of project left, a past entry of
 * that kind covered a manifest directory that is still there (npm `/` added, then deleted: npm
 * was switched off, for every npm directory). A past entry that covers nothing of today's says
 * nothing: it was a mistake corrected since (a `docker` entry at a root without a Dockerfile)
 * or watched something gone.
 */
export async function removedFromConfig(ws: Workspace, entries: Entry[], manifests: ManifestDir[]): Promise<(m: ManifestDir) => boolean> {
  const past = await pastEntries(ws);
  if (past.length === 0) return () => false;
  const pastCovers = (e: Entry, m: ManifestDir): boolean => sameKind(e, m) && (entryCoversDir({ ...e, ecosystem: m.ecosystem }, m.dir, m));
  const droppedKinds = new Set<string>();
  for (const m of manifests) {
    const kind = kindOf(m.ecosystem)[0] as string;
    if (!entries.some((e) => sameKind(e, m)) && past.some((e) => pastCovers(e, m))) droppedKinds.add(kind);
  }
  return (m) => droppedKinds.has(kindOf(m.ecosystem)[0] as string) || past.some((e) => pastCovers(e, m));
}

