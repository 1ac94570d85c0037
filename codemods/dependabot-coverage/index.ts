import path from 'node:path';
import { isAlias, isMap, isScalar, isSeq, type Node, type Pair, type YAMLMap, type YAMLSeq } from 'yaml';
import type { Workspace } from '../../src/workspace/workspace.js';
import type { Fix, RawFinding, SkipReason } from '../../src/model/types.js';
import type { Rule, RuleContext } from '../../src/model/rule.js';
import { SourceFile } from '../../src/workspace/source-file.js';
import type { GitHistory } from '../../src/workspace/history.js';
import { findPair, mapPairs, nodeRange, pairKey, parseYaml, scalarString } from '../../src/formats/yaml.js';
import { appendToBlock, colOf, dashColOf, documentStep, lineStartOf, quoteScalar as quote, quoteTypeOf, type QuoteType, type TextSpanEdit } from '../../src/formats/yaml-edit.js';
import { DEFAULT_MANIFEST_EXCLUDES, dependabotDir, discoverManifests, hasGlobChars, matchesGlob, normalizeRepoDir, type ManifestDir } from '../../src/facts/ecosystems.js';
import { ciDirectories, intentMentions, isGeneratedOrVendored, mentionCovers, parkedConfig, renovateConfig, retiredReasons, sampleReasons, scaffoldReason, type Mention } from './policy.js';

/** The commit that deleted the repository's Dependabot config, when git records one. */
async function deletedConfig(ws: Workspace): Promise<string | undefined> {
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

const CONFIG_PATHS = ['.github/dependabot.yml', '.github/dependabot.yaml'];
const GENERATED_PATH = '.github/dependabot.yml';

/** Entry keys copied from an existing entry whatever its ecosystem: team conventions. */
const CONVENTION_KEYS = new Set(['schedule', 'open-pull-requests-limit', 'rebase-strategy', 'pull-request-branch-name', 'assignees', 'milestone', 'target-branch', 'cooldown', 'multi-ecosystem-group', 'patterns', '<<']);
/** Copied only from an entry of the same ecosystem (they mean nothing to another one). */
const SAME_ECOSYSTEM_KEYS = new Set(['registries', 'versioning-strategy', 'vendor', 'insecure-external-code-execution']);
/* Never copied: allow, ignore, exclude-paths (they name dependencies and paths of that entry),
   name (unique per entry), reviewers (removed from the config format). */

interface Options {
  excludes: string[];
  interval: string;
  createConfig: boolean;
  ecosystemLabels: Record<string, readonly string[]>;
}

function readOptions(options: Record<string, unknown>): Options {
  return {
    excludes: Array.isArray(options.exclude) ? (options.exclude as string[]) : [...DEFAULT_MANIFEST_EXCLUDES],
    interval: typeof options.interval === 'string' ? options.interval : 'weekly',
    createConfig: options.createConfig !== false,
    ecosystemLabels: options.ecosystemLabels && typeof options.ecosystemLabels === 'object' ? (options.ecosystemLabels as Record<string, readonly string[]>) : DEFAULT_ECOSYSTEM_LABELS,
  };
}

// ---------------------------------------------------------------------------------------------
// What an entry covers

interface Entry {
  node: YAMLMap;
  ecosystem: string | undefined;
  /** `directory` (literal: Dependabot does not expand wildcards there). */
  directory: string | undefined;
  /** `directories` items (globs allowed). */
  directories: string[];
}

function readEntry(node: YAMLMap): Entry {
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

function entryCoversDir(e: Entry, dir: string, m: ManifestDir): boolean {
  if (!e.ecosystem || !m.accepts.includes(e.ecosystem)) return false;
  if (e.directory !== undefined && dirMatches(e.directory, dir, m.ecosystem, false)) return true;
  return e.directories.some((d) => dirMatches(d, dir, m.ecosystem, true));
}

function covered(entries: Entry[], m: ManifestDir): boolean {
  if (entries.some((e) => entryCoversDir(e, m.dir, m))) return true;
  // A workspace root with no dependencies of its own is covered by entries for all its members.
  return !m.ownDependencies && m.members.length > 0 && m.members.every((d) => entries.some((e) => entryCoversDir(e, d, m)));
}

/** An entry whose `directory` is a glob that would match, if Dependabot expanded it there. */
function literalGlobHint(entries: Entry[], m: ManifestDir): string {
  const e = entries.find((x) => x.ecosystem && m.accepts.includes(x.ecosystem) && x.directory !== undefined && hasGlobChars(x.directory) && matchesGlob(m.dir, normalizeRepoDir(x.directory)));
  return e ? `; \`directory: ${e.directory}\` is taken literally (wildcards work only in \`directories\`)` : '';
}

// ---------------------------------------------------------------------------------------------
// Describing manifests

function listed(names: string[], max = 4): string {
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
// Writing YAML in a given style

interface Line {
  col: number;
  text: string;
}

function rawOf(text: string, node: unknown): string | undefined {
  const r = nodeRange(node);
  return r ? text.slice(r[0], r[1]) : undefined;
}

interface RenderHooks {
  /** Children of a mapping value to drop. */
  keepChild?: (pair: Pair<Node, Node | null>) => boolean;
  /** New text for a child key (unquoted). */
  renameChild?: (key: string) => string;
  /** New value for a scalar child of a mapping. */
  rewriteChild?: (key: string, value: string) => string;
  /** Items of a sequence value to keep. */
  keepItem?: (item: Node) => boolean;
}

/** Render one scalar (or alias / anchored node) inline, as written; undefined when not inline. */
function inlineValue(text: string, node: Node): string | undefined {
  if ('anchor' in node && typeof node.anchor === 'string' && node.anchor) return `*${node.anchor}`;
  if (isAlias(node)) return rawOf(text, node);
  if (isScalar(node)) {
    if (node.type === 'BLOCK_FOLDED' || node.type === 'BLOCK_LITERAL') return undefined;
    const raw = rawOf(text, node);
    if (raw === undefined) return undefined;
    return raw.includes('\n') ? JSON.stringify(String(node.value)) : raw;
  }
  if ((isSeq(node) || isMap(node)) && node.flow) {
    const raw = rawOf(text, node);
    if (raw !== undefined && !raw.includes('\n')) return raw;
    if (isSeq(node) && node.items.every((i) => isScalar(i))) return `[${node.items.map((i) => inlineValue(text, i as Node)).join(', ')}]`;
  }
  return undefined;
}

function renderKey(text: string, key: Node, renamed?: string): string {
  const raw = rawOf(text, key) ?? '';
  if (renamed === undefined) return raw;
  return quote(renamed, quoteTypeOf(key));
}

/**
 * The lines of one `key: value` pair copied from an existing entry, with its first line at
 * `col`; nested lines keep their offsets relative to the key, as written. Undefined when the
 * pair cannot be copied faithfully (block scalars, complex keys) or nothing is left of it.
 */
function renderPair(text: string, pair: Pair<Node, Node | null>, col: number, hooks: RenderHooks = {}, keyText?: string): Line[] | undefined {
  const keyNode = pair.key;
  if (!isScalar(keyNode)) return undefined;
  const key = keyText ?? renderKey(text, keyNode);
  const value = pair.value;
  const keyCol = colOf(text, (nodeRange(keyNode) as [number, number])[0]);
  if (value === null || value === undefined) return [{ col, text: `${key}:` }];
  const anchored = 'anchor' in value && typeof value.anchor === 'string' && value.anchor;
  if (!anchored && isSeq(value) && hooks.keepItem) {
    const kept = value.items.filter((i) => hooks.keepItem?.(i as Node));
    if (kept.length === 0) return undefined;
    if (kept.length < value.items.length) {
      if (value.flow) {
        const raw = rawOf(text, value) ?? '[]';
        const pad = /^\[\s/.test(raw) ? ' ' : '';
        return [{ col, text: `${key}: [${pad}${kept.map((i) => inlineValue(text, i as Node)).join(', ')}${pad}]` }];
      }
      const first = value.items[0] as Node;
      const dash = (dashColOf(text, first) ?? keyCol + 2) - keyCol;
      return [{ col, text: `${key}:` }, ...kept.map((i) => ({ col: col + dash, text: `- ${inlineValue(text, i as Node) ?? ''}` }))];
    }
  }
  const inline = inlineValue(text, value);
  if (inline !== undefined) return [{ col, text: `${key}: ${inline}` }];
  if (isMap(value)) {
    const lines: Line[] = [{ col, text: `${key}:` }];
    for (const child of mapPairs(value)) {
      if (hooks.keepChild && !hooks.keepChild(child)) continue;
      const childKey = pairKey(child);
      const childCol = col + colOf(text, (nodeRange(child.key) as [number, number])[0]) - keyCol;
      let rendered: Line[] | undefined;
      const newKey = hooks.renameChild && childKey !== undefined ? hooks.renameChild(childKey) : undefined;
      const keyOut = newKey !== undefined && newKey !== childKey ? renderKey(text, child.key, newKey) : undefined;
      if (hooks.rewriteChild && childKey !== undefined && isScalar(child.value) && typeof child.value.value === 'string') {
        const next = hooks.rewriteChild(childKey, child.value.value);
        if (next !== child.value.value) rendered = [{ col: childCol, text: `${keyOut ?? renderKey(text, child.key)}: ${quote(next, quoteTypeOf(child.value))}` }];
      }
      rendered ??= renderPair(text, child, childCol, {}, keyOut);
      if (rendered) lines.push(...rendered);
    }
    return lines.length > 1 ? lines : undefined;
  }
  if (isSeq(value)) {
    const lines: Line[] = [{ col, text: `${key}:` }];
    for (const item of value.items as Node[]) {
      const dash = dashColOf(text, item);
      if (dash === undefined) return undefined;
      const itemCol = col + dash - keyCol;
      const inlineItem = inlineValue(text, item);
      if (inlineItem !== undefined) {
        lines.push({ col: itemCol, text: `- ${inlineItem}` });
        continue;
      }
      if (!isMap(item)) return undefined;
      const itemLines = renderMapItem(text, item, itemCol);
      if (!itemLines) return undefined;
      lines.push(...itemLines);
    }
    return lines;
  }
  return undefined;
}

/** A block mapping that is a sequence item, rendered with its dash at `dashCol`. */
function renderMapItem(text: string, item: YAMLMap, dashCol: number): Line[] | undefined {
  const dash = dashColOf(text, item);
  const first = item.items[0] as Pair<Node, Node | null> | undefined;
  if (dash === undefined || !first) return undefined;
  const keyCol = colOf(text, (nodeRange(first.key) as [number, number])[0]);
  const lines: Line[] = [];
  for (const pair of mapPairs(item)) {
    const rendered = renderPair(text, pair, dashCol + (colOf(text, (nodeRange(pair.key) as [number, number])[0]) - dash));
    if (!rendered) return undefined;
    lines.push(...rendered);
  }
  return withDash(lines, dashCol, keyCol - dash);
}

/** Put the sequence dash in front of the first line (which sits at dashCol + gap). */
function withDash(lines: Line[], dashCol: number, gap: number): Line[] {
  const [first, ...rest] = lines;
  if (!first) return lines;
  return [{ col: dashCol, text: `-${' '.repeat(Math.max(1, gap - 1))}${first.text}` }, ...rest];
}

function printLines(lines: Line[]): string[] {
  return lines.map((l) => `${' '.repeat(l.col)}${l.text}`);
}

// ---------------------------------------------------------------------------------------------
// Building a new entry from an existing one

interface Style {
  dashCol: number;
  /** Columns from the dash to the entry's keys. */
  gap: number;
  /** Indentation step of nested mappings. */
  step: number;
  /** Indentation of a nested block sequence relative to its key. */
  seqIndent: number;
  quote: QuoteType;
  blankBetween: boolean;
}

const DEFAULT_STYLE: Style = { dashCol: 2, gap: 2, step: 2, seqIndent: 2, quote: 'QUOTE_DOUBLE', blankBetween: true };

/** The layout conventions of the existing entries (first one that shows each). */
function detectStyle(text: string, items: Node[], fallbackStep: number): Style {
  const style: Style = { ...DEFAULT_STYLE, step: fallbackStep, seqIndent: fallbackStep, blankBetween: false };
  const maps = items.filter((i): i is YAMLMap => isMap(i) && !i.flow);
  const first = maps[0];
  const firstFlow = items.find((i): i is YAMLMap => isMap(i) && i.flow === true);
  if (!first && firstFlow) {
    // Only `- { … }` entries: the new block entries start at the same dash.
    style.dashCol = dashColOf(text, firstFlow) ?? style.dashCol;
  }
  if (first) {
    const dash = dashColOf(text, first);
    const kr = nodeRange((first.items[0] as Pair).key);
    if (dash !== undefined && kr) {
      style.dashCol = dash;
      style.gap = colOf(text, kr[0]) - dash;
    }
  }
  let stepFound = false;
  let seqFound = false;
  const quotes = new Map<QuoteType, number>();
  for (const m of maps) {
    for (const pair of mapPairs(m)) {
      const kr = nodeRange(pair.key);
      if (!kr) continue;
      const v = pair.value;
      if (isScalar(v) && typeof v.value === 'string') quotes.set(quoteTypeOf(v), (quotes.get(quoteTypeOf(v)) ?? 0) + 1);
      if (!stepFound && isMap(v) && !v.flow && v.items[0]) {
        const cr = nodeRange((v.items[0] as Pair).key);
        if (cr) {
          style.step = colOf(text, cr[0]) - colOf(text, kr[0]);
          stepFound = true;
        }
      }
      if (!seqFound && isSeq(v) && !v.flow && v.items[0]) {
        const d = dashColOf(text, v.items[0] as Node);
        if (d !== undefined) {
          style.seqIndent = d - colOf(text, kr[0]);
          seqFound = true;
        }
      }
    }
  }
  const best = [...quotes].sort((a, b) => b[1] - a[1])[0];
  if (best) style.quote = best[0];
  // Entries separated by blank lines (in most gaps) get a blank line before the new ones.
  let blank = 0;
  for (let i = 1; i < items.length; i++) {
    const prev = nodeRange(items[i - 1]);
    const cur = nodeRange(items[i]);
    if (!prev || !cur) continue;
    const between = text.slice(prev[1], lineStartOf(text, cur[0]));
    if (/\n[ \t]*\r?\n/.test(between) || /^[ \t]*\r?\n/.test(between)) blank++;
  }
  style.blankBetween = items.length > 1 && blank * 2 >= items.length - 1;
  return style;
}

function aliasesOf(ecosystem: string, labels: Record<string, readonly string[]>): string[] {
  return [ecosystem, ...(labels[ecosystem] ?? [])].map((a) => a.toLowerCase());
}

function isEcosystemLabel(label: string, labels: Record<string, readonly string[]>): boolean {
  const l = label.toLowerCase();
  const tokens = l.split(/[^a-z0-9]+/).filter(Boolean);
  for (const [eco, list] of Object.entries(labels)) {
    for (const a of aliasesOf(eco, { [eco]: list })) {
      if (l === a || tokens.includes(a)) return true;
    }
  }
  return false;
}

/** Replace whole-word mentions of one ecosystem (or its aliases) by another ecosystem's name. */
function swapEcosystem(value: string, from: string, to: string, labels: Record<string, readonly string[]>): string {
  if (!from) return value;
  const aliases = aliasesOf(from, labels).sort((a, b) => b.length - a.length);
  const escaped = aliases.map((a) => a.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  return value.replace(new RegExp(`(?<![A-Za-z0-9])(?:${escaped.join('|')})(?![A-Za-z0-9])`, 'gi'), to);
}

function isCatchAllGroup(pair: Pair<Node, Node | null>): boolean {
  const v = pair.value;
  if (!isMap(v)) return false;
  const patterns = findPair(v, 'patterns')?.value;
  const list = isSeq(patterns) ? patterns.items.map((i) => scalarString(i)) : [];
  return list.length === 1 && list[0] === '*' && !findPair(v, 'exclude-patterns') && !findPair(v, 'dependency-type');
}

function labelValues(e: Entry): string[] | undefined {
  const v = findPair(e.node, 'labels')?.value;
  return isSeq(v) ? v.items.map((i) => scalarString(i) ?? '') : undefined;
}

/** The lines of a new entry for `m`, copying the conventions of `template` (an existing entry). */
function entryFromTemplate(text: string, template: Entry, all: Entry[], m: ManifestDir, style: Style, opts: Options): Line[] {
  const sameEcosystem = template.ecosystem !== undefined && m.accepts.includes(template.ecosystem);
  const from = template.ecosystem ?? '';
  const keyCol = style.dashCol + style.gap;
  const lines: Line[] = [];
  let hasSchedule = false;
  let hasMultiGroup = false;
  const labelSets = all.map(labelValues).filter((l): l is string[] => l !== undefined);
  for (const pair of mapPairs(template.node)) {
    const key = pairKey(pair) ?? (isScalar(pair.key) && rawOf(text, pair.key) === '<<' ? '<<' : undefined);
    if (key === undefined || !isScalar(pair.key)) continue;
    const value = pair.value;
    if (key === 'package-ecosystem') {
      lines.push({ col: keyCol, text: `${renderKey(text, pair.key)}: ${quote(m.ecosystem, quoteTypeOf(value))}` });
    } else if (key === 'directory') {
      lines.push({ col: keyCol, text: `${renderKey(text, pair.key)}: ${quote(dependabotDir(m.dir), quoteTypeOf(value))}` });
    } else if (key === 'directories') {
      const firstItem = isSeq(value) ? (value.items[0] as Node | undefined) : undefined;
      const q = quote(dependabotDir(m.dir), quoteTypeOf(firstItem));
      if (isSeq(value) && !value.flow && firstItem) {
        const dash = (dashColOf(text, firstItem) ?? keyCol + style.seqIndent) - colOf(text, (nodeRange(pair.key) as [number, number])[0]);
        lines.push({ col: keyCol, text: `${renderKey(text, pair.key)}:` }, { col: keyCol + dash, text: `- ${q}` });
      } else {
        const raw = rawOf(text, value) ?? '[]';
        const pad = /^\[\s/.test(raw) ? ' ' : '';
        lines.push({ col: keyCol, text: `${renderKey(text, pair.key)}: [${pad}${q}${pad}]` });
      }
    } else if (key === 'labels') {
      const keep = (item: Node): boolean => {
        const label = scalarString(item);
        if (label === undefined) return false;
        if (sameEcosystem) return true;
        if (isEcosystemLabel(label, opts.ecosystemLabels)) return false;
        // With several entries, a convention is what they all share.
        return labelSets.length < 2 || labelSets.every((set) => set.includes(label));
      };
      const rendered = renderPair(text, pair, keyCol, { keepItem: keep });
      if (rendered) lines.push(...rendered);
    } else if (key === 'commit-message') {
      // A prefix naming the template's ecosystem (`deps(npm)`) is adapted; one naming its
      // language or tool in other words (`python`, `ci`) is specific to it and not copied.
      const otherAliases = aliasesOf(from, opts.ecosystemLabels).filter((a) => a !== from.toLowerCase());
      const hooks: RenderHooks = sameEcosystem
        ? {}
        : {
            keepChild: (c) => {
              const v = scalarString(c.value);
              return v === undefined || swapEcosystem(v, from, m.ecosystem, { [from]: otherAliases }) === swapEcosystem(v, from, m.ecosystem, {});
            },
            rewriteChild: (_k, v) => swapEcosystem(v, from, m.ecosystem, {}),
          };
      const rendered = renderPair(text, pair, keyCol, hooks);
      if (rendered) lines.push(...rendered);
    } else if (key === 'groups') {
      const hooks: RenderHooks = sameEcosystem ? {} : { keepChild: isCatchAllGroup, renameChild: (k) => swapEcosystem(k, from, m.ecosystem, opts.ecosystemLabels) };
      const rendered = renderPair(text, pair, keyCol, hooks);
      if (rendered) lines.push(...rendered);
    } else if (key === 'cooldown') {
      const rendered = renderPair(text, pair, keyCol, { keepChild: (c) => !['include', 'exclude'].includes(pairKey(c) ?? '') });
      if (rendered) lines.push(...rendered);
    } else if (CONVENTION_KEYS.has(key) || (sameEcosystem && SAME_ECOSYSTEM_KEYS.has(key))) {
      const rendered = renderPair(text, pair, keyCol);
      if (!rendered) continue;
      if (key === 'schedule' || key === '<<') hasSchedule = true;
      if (key === 'multi-ecosystem-group') hasMultiGroup = true;
      lines.push(...rendered);
    }
  }
  if (!lines.some((l) => /^["']?package-ecosystem/.test(l.text))) lines.unshift({ col: keyCol, text: `package-ecosystem: ${quote(m.ecosystem, style.quote)}` });
  if (!lines.some((l) => /^["']?director(y|ies)["']?:/.test(l.text) && l.col === keyCol)) lines.splice(1, 0, { col: keyCol, text: `directory: ${quote(dependabotDir(m.dir), style.quote)}` });
  if (!hasSchedule && !hasMultiGroup) lines.push({ col: keyCol, text: 'schedule:' }, { col: keyCol + style.step, text: `interval: ${quote(opts.interval, style.quote)}` });
  return withDash(lines, style.dashCol, style.gap);
}

/** A new entry in the generator's own layout (weekly, all updates grouped). */
function defaultEntry(m: ManifestDir, style: Style, opts: Options): Line[] {
  const k = style.dashCol + style.gap;
  const q = (v: string): string => quote(v, style.quote);
  const lines: Line[] = [
    { col: k, text: `package-ecosystem: ${q(m.ecosystem)}` },
    { col: k, text: `directory: ${q(dependabotDir(m.dir))}` },
    { col: k, text: 'schedule:' },
    { col: k + style.step, text: `interval: ${q(opts.interval)}` },
    { col: k, text: 'groups:' },
    { col: k + style.step, text: `${m.ecosystem}:` },
    { col: k + 2 * style.step, text: 'patterns:' },
    { col: k + 2 * style.step + style.seqIndent, text: `- ${q('*')}` },
  ];
  return withDash(lines, style.dashCol, style.gap);
}

/** The whole config for a repository that has none. */
export function generateConfig(manifests: ManifestDir[], opts: Options): string {
  const out = [
    '# Dependabot version updates for the package manifests of this repository:',
    `# one entry per ecosystem and directory, checked ${opts.interval}, with each entry's updates`,
    '# grouped into one pull request.',
    '# Options: https://docs.github.com/code-security/dependabot/working-with-dependabot/dependabot-options-reference',
    'version: 2',
    'updates:',
  ];
  manifests.forEach((m, i) => {
    if (i > 0) out.push('');
    out.push(`  # ${describeManifest(m)}`, ...printLines(defaultEntry(m, DEFAULT_STYLE, opts)));
  });
  return `${out.join('\n')}\n`;
}

// ---------------------------------------------------------------------------------------------
// Appending entries

/** The edit that appends the entries for `missing` to an existing config, or why it cannot. */
function appendEntries(file: SourceFile, root: YAMLMap, missing: ManifestDir[], opts: Options): TextSpanEdit | string {
  const text = file.text;
  const step = documentStep(text, root);
  const edit = appendToBlock(file, root, 'updates', { kind: 'seq', replaceEmptyFlow: true }, (site) => {
    const items = site.kind === 'after-items' ? (site.collection.items as Node[]) : [];
    const entries = items.filter((i): i is YAMLMap => isMap(i) && !i.flow).map(readEntry);
    const style: Style = site.kind === 'after-items' ? detectStyle(text, items, step) : { ...DEFAULT_STYLE, step, seqIndent: step, dashCol: step, gap: 2, blankBetween: true };
    const out: string[] = [];
    missing.forEach((m, i) => {
      if (i > 0 || items.length > 0) if (style.blankBetween) out.push('');
      // A switched-off entry would hand its `open-pull-requests-limit: 0` to the new one.
      const live = entries.filter((e) => !versionUpdatesOff(e));
      const pool = live.length > 0 ? live : entries;
      const sameEco = pool.find((e) => e.ecosystem !== undefined && m.accepts.includes(e.ecosystem));
      const template = sameEco ?? pool[0];
      const lines = template ? entryFromTemplate(text, template, entries, m, style, opts) : defaultEntry(m, style, opts);
      out.push(`${' '.repeat(style.dashCol)}# ${describeManifest(m)}`, ...printLines(lines));
    });
    return out;
  });
  if (edit === 'flow') return 'its `updates` list is written in flow style';
  if (edit === 'not-a-collection') return 'its `updates` is not a list';
  return edit;
}

// ---------------------------------------------------------------------------------------------

/** Ecosystems that watch the same kind of project: a config watching one watches the kind. */
const FAMILIES: readonly (readonly string[])[] = [
  ['npm', 'bun'],
  ['pip', 'uv'],
];

function kindOf(ecosystem: string): readonly string[] {
  return FAMILIES.find((f) => f.includes(ecosystem)) ?? [ecosystem];
}

function sameKind(e: Entry, m: ManifestDir): boolean {
  if (!e.ecosystem) return false;
  return m.accepts.includes(e.ecosystem) || kindOf(m.ecosystem).includes(e.ecosystem);
}

/**
 * An entry kept for its settings with version updates switched off: `open-pull-requests-limit: 0`
 * (security updates only) or an `ignore` of every dependency.
 */
function versionUpdatesOff(e: Entry): boolean {
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
async function removedFromConfig(ws: Workspace, entries: Entry[], manifests: ManifestDir[]): Promise<(m: ManifestDir) => boolean> {
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

interface Judged {
  m: ManifestDir;
  safety: 'safe' | 'review';
  /** Why the fix is held for review, or what makes it safe beyond the config itself. */
  note: string;
  /**
   * The findings that share one fix: those that stand or fall with one decision. `safe` (no
   * decision left), `kind:<ecosystem>` (whether Dependabot should watch that kind of project at
   * all), `workspaces` (whether to widen a chosen workspace scope), `samples` (whether to watch
   * examples, tests and templates).
   */
  group: string;
}

function quoted(mention: Mention): string {
  return `${mention.file}:${mention.line} asks for Dependabot ("${mention.text}")`;
}

const MISSING = 'no `updates` entry covers {{ecosystem}} `{{directory}}` ({{manifest}}){{hint}}';
const REVIEW = '; held for review: {{note}}';
const NOT_FIXED = '; not fixed: {{why}}';
const NO_CONFIG = 'no Dependabot config: {{count}} manifest {{directories}} no version updates ({{summary}})';
const NO_CORE = 'no Dependabot config, and no manifest of the root or of the CI to start one with (each directory has its own finding)';
const ASKED = '; {{evidence}}';
const UNASKED = "; held for review: nothing in the repository asks for Dependabot version updates, and adopting it is the maintainers' decision";
const NOT_GENERATED = ' (not generated: createConfig is off)';
const WITHOUT_CONFIG = "; held for review: it needs the config, and adopting Dependabot is the maintainers' decision";

/**
 * The message templates. `evidence` is the statement of intent that makes a fix safe beyond the
 * config itself, `note` why a fix is held for review, `hint` an optional clause (with its `; `)
 * about an entry that almost covers the directory.
 */
const MESSAGES = {
  missing: MISSING,
  missingAsked: `${MISSING}${ASKED}`,
  missingReview: `${MISSING}${REVIEW}`,
  missingNotFixed: `${MISSING}${NOT_FIXED}`,
  missingAskedNotFixed: `${MISSING}${ASKED}${NOT_FIXED}`,
  missingReviewNotFixed: `${MISSING}${REVIEW}${NOT_FIXED}`,
  missingWithoutConfig: `${MISSING}${WITHOUT_CONFIG}`,
  missingAskedWithoutConfig: `${MISSING}${ASKED}${WITHOUT_CONFIG}`,
  noConfigAsked: `${NO_CONFIG}${ASKED}`,
  noConfigUnasked: `${NO_CONFIG}${UNASKED}`,
  noConfigAskedNotGenerated: `${NO_CONFIG}${ASKED}${NOT_GENERATED}`,
  noConfigUnaskedNotGenerated: `${NO_CONFIG}${UNASKED}${NOT_GENERATED}`,
  noCoreAsked: `${NO_CORE}${ASKED}`,
  noCoreUnasked: `${NO_CORE}${UNASKED}`,
  unparsable: '{{config}} cannot be read as a Dependabot config ({{error}}); coverage not judged',
  notAMap: '{{config}} cannot be read as a Dependabot config; coverage not judged',
  misnamedEcosystem: 'the `updates` entry for `{{directory}}` names package-ecosystem `{{written}}`, which updates nothing there: {{why}}',
};

/**
 * Manifests of an ecosystem (npm/yarn/pnpm/bun, pip/uv/poetry, docker, docker-compose,
 * github-actions) in a directory that no Dependabot `updates` entry watches (seeds 0.1, 1.6),
 * judged against what the maintainers chose. Silent when Renovate is configured, the config is
 * parked, or every entry has version updates switched off; a directory (or a whole kind) whose
 * entry git history shows was removed is not reported, and generated or vendored code is not
 * counted. One finding per directory, each with its own fix; `safe` (warning) when the config
 * already watches that kind of project elsewhere or the repository says Dependabot should,
 * `review` (info) when the ecosystem is left out of the config or the directory is an example,
 * test, template, retired folder or scaffold. Without a config: an info finding whose fix
 * creates the core (workflows, the root's manifests, what the CI builds), `safe` only when the
 * repository asks for Dependabot, and every other directory judged as against that config.
 */
export const rule: Rule = {
  meta: {
    id: 'dependabot-coverage',
    seedIds: ['0.1', '1.6'],
    summary: 'Ecosystems with manifests but no dependabot updates entry (or no config at all); add them.',
    defaultSeverity: 'warning',
    fixable: 'safe',
    messages: MESSAGES,
    options: {
      exclude: { type: 'array', items: { type: 'string', minLength: 1 }, description: 'Globs of manifest paths that are never counted.', default: DEFAULT_MANIFEST_EXCLUDES },
      interval: { enum: ['daily', 'weekly', 'monthly', 'quarterly', 'semiannually', 'yearly'], description: 'Schedule of generated entries.', default: 'weekly' },
      createConfig: { type: 'boolean', description: 'Create .github/dependabot.yml when there is none.', default: true },
      ecosystemLabels: { type: 'object', additionalProperties: { type: 'array', items: { type: 'string', minLength: 1 } }, description: 'Labels that belong to one ecosystem, by ecosystem.', default: DEFAULT_ECOSYSTEM_LABELS },
    },
  },
  async check(ctx: RuleContext) {
    // No config at all is the seed's 0.1 and 1.6; a missing entry in an existing config is 1.6.
    return (await checkCoverage(ctx)).map((f) => (f.key === 'no-config' ? f : { ...f, seedIds: ['1.6'] }));
  },
};

/** The text with one fix's edits applied (they never overlap: one insertion). */
function withEdits(text: string, edits: readonly { start: number; end: number; text: string }[]): string {
  let out = text;
  for (const e of [...edits].sort((a, b) => b.start - a.start)) out = out.slice(0, e.start) + e.text + out.slice(e.end);
  return out;
}

/** At most this many fixes, one per directory; more share one fix per decision (the engine applies one insertion per pass, ten passes at most). */
const MAX_OWN_FIXES = 8;

interface Context {
  workspace: Workspace;
  opts: Options;
  manifests: ManifestDir[];
  /** Directories held for review whatever the config watches: examples, retired folders, scaffolds. */
  setApart: Map<ManifestDir, string>;
  mentions: () => Mention[];
}

function summaryOf(list: ManifestDir[]): string {
  return listed(list.map((m) => `${m.ecosystem} \`${dependabotDir(m.dir)}\``), 8);
}

/**
 * The aliases a statement of intent may use for an ecosystem: its name and labels, minus the
 * names of other ecosystems ("Dependabot monitors Docker images" speaks for `docker`, not for
 * `docker-compose`).
 */
function intentAliases(ecosystem: string, labels: Record<string, readonly string[]>): string[] {
  return [ecosystem, ...(labels[ecosystem] ?? [])].filter((a) => a === ecosystem || !(a in labels));
}

async function checkCoverage({ workspace, options }: RuleContext): Promise<RawFinding[]> {
  const opts = readOptions(options);
  // Generated and vendored code is not the project's to update: not counted at all.
  const manifests = discoverManifests(workspace, opts.excludes).filter((m) => !isGeneratedOrVendored(workspace, m));
  if (manifests.length === 0) return [];
  if (renovateConfig(workspace)) return [];
  const configPath = CONFIG_PATHS.find((p) => workspace.has(p));
  if (!configPath && parkedConfig(workspace, CONFIG_PATHS)) return [];
  // A config the maintainers deleted (git records the removal, no rename) is a decision:
  // Dependabot was tried and turned off.
  if (!configPath && (await deletedConfig(workspace))) return [];
  const setApart = sampleReasons(workspace, manifests);
  for (const [m, why] of retiredReasons(workspace, manifests, opts.excludes)) if (!setApart.has(m)) setApart.set(m, why);
  for (const m of manifests) {
    const why = setApart.has(m) ? undefined : scaffoldReason(workspace, m, opts.excludes);
    if (why !== undefined) setApart.set(m, why);
  }
  let found: Mention[] | undefined;
  const ctx: Context = { workspace, opts, manifests, setApart, mentions: () => (found ??= intentMentions(workspace, manifests, opts.excludes)) };
  if (configPath) {
    const file = workspace.read(configPath);
    return file ? judgeConfig(ctx, file) : [];
  }
  return noConfig(ctx);
}

/**
 * No config at all. The created config holds what maintainers mostly accept: GitHub Actions,
 * the root's manifests and the directories the CI already builds (compose files, examples,
 * retired folders and scaffolds never). Every other directory is a finding of its own, judged as
 * it will be once that config exists, whose fix creates the config with its entry added.
 */
async function noConfig(ctx: Context): Promise<RawFinding[]> {
  const { workspace, opts, manifests, setApart } = ctx;
  const ci = ciDirectories(workspace);
  const products = manifests.filter((m) => !setApart.has(m));
  let core = products.filter((m) => m.ecosystem !== 'docker-compose' && (m.ecosystem === 'github-actions' || m.dir === '' || ci.has(m.dir)));
  // Nothing at the root or in the CI but workflows (a collection of projects side by side):
  // there is no core to start from, and every project is one of the products.
  if (!core.some((m) => m.ecosystem !== 'github-actions')) core = products;
  const evidence = ctx.mentions()[0];
  const safety: 'safe' | 'review' = evidence ? 'safe' : 'review';
  const base = generateConfig(core, opts);
  const fix: Fix | null =
    opts.createConfig && core.length > 0 ? { safety, description: `create ${GENERATED_PATH} with ${core.length} ${opts.interval}, grouped update entries`, edits: [], creates: [{ file: GENERATED_PATH, content: base }] } : null;
  const rest = core.length < manifests.length ? await judgeConfig(ctx, new SourceFile(GENERATED_PATH, base, false)) : [];
  const out: RawFinding[] = [
    {
      file: GENERATED_PATH,
      offset: 0,
      severity: 'info',
      key: 'no-config',
      ...(core.length === 0
        ? { messageId: evidence ? 'noCoreAsked' : 'noCoreUnasked', data: evidence ? { evidence: quoted(evidence) } : {} }
        : {
            messageId: `noConfig${evidence ? 'Asked' : 'Unasked'}${opts.createConfig ? '' : 'NotGenerated'}`,
            data: { count: core.length, directories: core.length === 1 ? 'directory gets' : 'directories get', summary: summaryOf(core), ...(evidence ? { evidence: quoted(evidence) } : {}) },
          }),
      fix,
      ...(fix ? {} : { skipReason: core.length === 0 ? 'no-candidate' : 'disabled-by-option' }),
    },
  ];
  for (const f of rest) {
    // The entry appended to the config-to-be, written as that config created with it: the
    // finding's own fix, never safer than creating the config at all.
    const own = f.fix && opts.createConfig ? f.fix : null;
    const created: Fix | null = own
      ? {
          safety: own.safety === 'safe' && safety === 'safe' ? 'safe' : 'review',
          description: `create ${GENERATED_PATH} with ${core.length} ${opts.interval}, grouped update entr${core.length === 1 ? 'y' : 'ies'} and ${own.description.replace(/^append (\d+) `updates` entr(y|ies) to \S+ /, (_m, n: string) => (n === '1' ? 'this one ' : `these ${n} `))}`,
          edits: [],
          creates: [{ file: GENERATED_PATH, content: withEdits(base, own.edits) }],
        }
      : null;
    // Its own entry is safe, but only once the config exists, which is the maintainers' call.
    const held = own !== null && own.safety === 'safe' && safety === 'review';
    // A safe fix has no note of review: the hold is said in that finding's own words.
    const said = held && (f.messageId === 'missing' || f.messageId === 'missingAsked') ? { messageId: `${f.messageId}WithoutConfig` } : {};
    const skipReason: SkipReason | undefined = created ? undefined : f.fix ? 'disabled-by-option' : f.skipReason;
    const { skipReason: _own, ...rest } = f;
    out.push({ ...rest, ...said, file: GENERATED_PATH, offset: 0, severity: 'info', fix: created, ...(skipReason ? { skipReason } : {}) });
  }
  return out;
}

/** Findings for the directories an existing config (or the one about to be created) does not watch. */
async function judgeConfig(ctx: Context, file: SourceFile): Promise<RawFinding[]> {
  const { workspace, opts, manifests, setApart } = ctx;
  const configPath = file.path;
  const parsed = parseYaml(file);
  const root = parsed.doc.contents;
  if (parsed.error || !isMap(root)) {
    const said: Pick<RawFinding, 'messageId' | 'data'> = parsed.error ? { messageId: 'unparsable', data: { config: configPath, error: parsed.error.message } } : { messageId: 'notAMap', data: { config: configPath } };
    return [{ file: configPath, offset: parsed.error?.offset ?? 0, key: 'unparsable', ...said, fix: null, skipReason: 'unparseable' }];
  }
  const updatesPair = findPair(root, 'updates');
  const items = isSeq(updatesPair?.value) ? ((updatesPair?.value as YAMLSeq).items as Node[]) : [];
  const entries = items.filter((i): i is YAMLMap => isMap(i)).map(readEntry);
  const live = entries.filter((e) => !versionUpdatesOff(e));
  // Every entry switched off: the config only tunes security updates, by choice.
  if (entries.length > 0 && live.length === 0) return [];
  const renamed = misnamedEcosystems(file, configPath, entries, live, manifests);
  const unwatchedDirs = manifests
    .filter((m) => !covered(entries, m) && !renamed.fixes.has(m))
    .filter((m) => live.some((e) => sameKind(e, m)) || !entries.some((e) => sameKind(e, m)));
  if (unwatchedDirs.length === 0) return renamed.findings;
  // What the maintainers took out of the config is a decision, whatever it looks like today.
  const removed = await removedFromConfig(workspace, entries, manifests);
  const missing = unwatchedDirs.filter((m) => !removed(m));
  if (missing.length === 0) return renamed.findings;

  // A statement of intent speaks for a kind of project as a whole: were it to make one
  // directory safe and leave its siblings for review, the entry it adds would turn them safe
  // on the next pass, and a review fix would land without --unsafe-fixes.
  const asked = new Map<string, Mention>();
  const unwatched = missing.filter((m) => !live.some((e) => sameKind(e, m)));
  if (unwatched.some((m) => !setApart.has(m))) {
    for (const m of unwatched) {
      const kind = kindOf(m.ecosystem)[0] as string;
      const mention = asked.has(kind) ? undefined : ctx.mentions().find((x) => mentionCovers(x, m, intentAliases(m.ecosystem, opts.ecosystemLabels)));
      if (mention) asked.set(kind, mention);
    }
  }
  const judged = missing.map((m): Judged => {
    const apart = setApart.get(m);
    if (apart !== undefined) return { m, safety: 'review', note: apart, group: 'samples' };
    // Entries for some members of a workspace are a chosen scope: a root entry widens it to all.
    const chosen = m.members.filter((d) => entries.some((e) => entryCoversDir(e, d, m)));
    if (chosen.length > 0) return { m, safety: 'review', note: `the config watches workspace member${chosen.length === 1 ? '' : 's'} ${listed(chosen.map((d) => `\`${dependabotDir(d)}\``), 3)} only; an entry for the root would update every member`, group: 'workspaces' };
    if (live.some((e) => sameKind(e, m))) return { m, safety: 'safe', note: '', group: 'safe' };
    const kind = kindOf(m.ecosystem)[0] as string;
    const mention = asked.get(kind);
    if (mention) return { m, safety: 'safe', note: quoted(mention), group: 'safe' };
    return { m, safety: 'review', note: `the config has no ${m.ecosystem} entry at all, which may be deliberate`, group: `kind:${kind}` };
  });
  // Safe first, then each kind of project the config leaves out, the workspace scopes, and the
  // directories set apart last: with --unsafe-fixes the engine applies one insertion per pass
  // in this order, so an entry added for an example never turns a kind's other directories
  // safe before their own decision is applied.
  const ranks = new Map<string, number>([['safe', 0], ['workspaces', 1000], ['samples', 1001]]);
  judged.forEach((j, i) => ranks.set(j.group, ranks.get(j.group) ?? 1 + i));
  judged.sort((a, b) => (ranks.get(a.group) as number) - (ranks.get(b.group) as number));
  // One fix per directory, so that a finding's fix adds its own entry and nothing else. Past
  // what the engine can apply one per pass, the directories of one decision share a fix.
  const own = judged.length <= MAX_OWN_FIXES;
  const fixFor = (list: ManifestDir[], safety: 'safe' | 'review'): { fix: Fix | null; why: string } => {
    const edit = appendEntries(file, root, list, opts);
    if (typeof edit === 'string') return { fix: null, why: edit };
    return {
      fix: { safety, description: `append ${list.length} \`updates\` entr${list.length === 1 ? 'y' : 'ies'} to ${configPath} (${summaryOf(list)})`, edits: [{ file: configPath, start: edit.start, end: edit.end, text: edit.text }] },
      why: '',
    };
  };
  const fixes = new Map<string, { fix: Fix | null; why: string }>();
  const groupOf = (j: Judged): string => (own ? `dir:${j.m.ecosystem}:${j.m.dir}` : j.group);
  for (const j of judged) {
    const g = groupOf(j);
    if (!fixes.has(g)) fixes.set(g, fixFor(judged.filter((x) => groupOf(x) === g).map((x) => x.m), j.safety));
  }
  const offset = updatesPair ? (nodeRange(updatesPair.key)?.[0] ?? 0) : 0;
  return [
    ...renamed.findings,
    ...judged.map(({ m, safety, note, group }): RawFinding => {
      const { fix, why } = fixes.get(own ? `dir:${m.ecosystem}:${m.dir}` : group) as { fix: Fix | null; why: string };
      const hint = literalGlobHint(entries, m);
      const data: Record<string, string> = { ecosystem: m.ecosystem, directory: dependabotDir(m.dir), manifest: describeManifest(m), hint };
      let messageId = 'missing';
      if (safety === 'review') [messageId, data.note] = ['missingReview', note];
      else if (note) [messageId, data.evidence] = ['missingAsked', note];
      if (!fix) [messageId, data.why] = [`${messageId}NotFixed`, why];
      return {
        file: configPath,
        offset,
        ...(safety === 'review' ? { severity: 'info' as const } : {}),
        key: `missing:${m.ecosystem}:${m.dir}`,
        messageId,
        data,
        fix,
        // The one reason a fix is withheld here: an `updates` the rule does not rewrite.
        ...(fix ? {} : { skipReason: 'unusual-layout' as const }),
      };
    }),
  ];
}

/**
 * `package-ecosystem` values people write for a package manager that Dependabot files under
 * another name: Dependabot rejects the whole config on an unknown value.
 */
const ECOSYSTEM_MISNOMERS: Readonly<Record<string, string>> = {
  pnpm: 'npm',
  yarn: 'npm',
  poetry: 'pip',
  pipenv: 'pip',
  'pip-compile': 'pip',
  actions: 'github-actions',
  github_actions: 'github-actions',
  'docker_compose': 'docker-compose',
  compose: 'docker-compose',
};

/** Ecosystems that read neighbouring files of one kind of project, and are easily swapped. */
const CONFUSABLE: ReadonlyArray<readonly [string, string]> = [
  ['docker', 'docker-compose'],
  ['docker-compose', 'docker'],
];

/**
 * Entries whose `package-ecosystem` names the wrong updater for the directory they watch (seed
 * 1.6: the directory gets no updates although the maintainers asked for them):
 * - a value Dependabot does not know but that names a package manager (`pnpm`, `yarn`,
 *   `poetry`) → its ecosystem (`npm`, `pip`). Safe when the directory holds that kind of
 *   project: the config is rejected as written, and the intent is plain.
 * - `docker` at a directory with compose files and no Dockerfile (or the reverse) → the other
 *   one. Safe when no directory below it holds what the written ecosystem reads (else the entry
 *   may have been meant for those: Dependabot does not search below its directory), review
 *   otherwise.
 * The value is replaced in place, in its own quoting. The manifests such an entry will cover are
 * not reported again as missing.
 */
function misnamedEcosystems(file: SourceFile, configPath: string, entries: Entry[], live: Entry[], manifests: ManifestDir[]): { findings: RawFinding[]; fixes: Set<ManifestDir> } {
  const findings: RawFinding[] = [];
  const fixes = new Set<ManifestDir>();
  for (const e of live) {
    const written = e.ecosystem;
    const valueNode = findPair(e.node, 'package-ecosystem')?.value;
    const range = nodeRange(valueNode);
    if (!written || !range || e.directories.length > 0 || e.directory === undefined || hasGlobChars(e.directory)) continue;
    const dir = normalizeRepoDir(e.directory);
    const here = manifests.filter((m) => m.dir === dir && !covered(entries, m));
    const watchesSomething = manifests.some((m) => m.dir === dir && m.accepts.includes(written));
    let target: string | undefined;
    let safety: 'safe' | 'review' = 'safe';
    let why = '';
    const misnomer = ECOSYSTEM_MISNOMERS[written.toLowerCase()];
    if (misnomer) {
      target = misnomer;
      why = `Dependabot has no \`${written}\` ecosystem (its projects are updated by \`${misnomer}\`) and rejects the config`;
      if (!manifests.some((m) => m.dir === dir && m.accepts.includes(misnomer))) {
        safety = 'review';
        why += `; \`${dependabotDir(dir)}\` holds no ${misnomer} project, so the directory may be wrong too`;
      }
    } else if (!watchesSomething) {
      const swap = CONFUSABLE.find(([from, to]) => from === written && here.some((m) => m.accepts.includes(to)));
      if (!swap) continue;
      target = swap[1];
      // Covered or not: the judgement must not change once another fix adds their entries.
      const sameElsewhere = manifests.filter((m) => m.dir !== dir && m.accepts.includes(written) && (dir === '' || m.dir.startsWith(`${dir}/`)));
      why = `\`${dependabotDir(dir)}\` has no file ${written} reads, and ${listed(here.filter((m) => m.accepts.includes(swap[1])).flatMap((m) => m.files.map((f) => `\`${path.posix.basename(f)}\``)), 3)} that ${swap[1]} reads`;
      if (sameElsewhere.length > 0) {
        safety = 'review';
        why += `; held for review: the entry may have been meant for the ${written} director${sameElsewhere.length === 1 ? 'y' : 'ies'} below it, ${listed(sameElsewhere.map((m) => `\`${dependabotDir(m.dir)}\``), 3)} (Dependabot does not look below an entry's directory)`;
      }
    }
    if (!target) continue;
    for (const m of here) if (m.accepts.includes(target)) fixes.add(m);
    const text = quote(target, quoteTypeOf(valueNode));
    findings.push({
      file: configPath,
      offset: range[0],
      ...(safety === 'review' ? { severity: 'info' as const } : {}),
      key: `ecosystem:${written}:${dir}`,
      messageId: 'misnamedEcosystem',
      data: { directory: e.directory, written, why },
      fix: { safety, description: `set package-ecosystem \`${written}\` to \`${target}\``, edits: [{ file: configPath, start: range[0], end: range[1], text }] },
    });
  }
  return { findings, fixes };
}

export default rule;

// Exported for the unit tests.
export const internals = { generateConfig, readOptions, appendEntries, swapEcosystem, isEcosystemLabel, quote };
export type { Options as DependabotCoverageOptions };
