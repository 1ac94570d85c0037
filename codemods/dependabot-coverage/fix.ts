/**
 * Writing Dependabot entries: a new entry copies the conventions of an existing one (schedule,
 * labels, groups…, in that entry's own layout and quoting) or is the default one, and goes after
 * the last entry through the shared YAML block appender (formats/yaml-edit.ts); a config that
 * does not exist is generated whole.
 */
import { isAlias, isMap, isScalar, isSeq, type Node, type Pair, type YAMLMap } from 'yaml';
import type { SourceFile } from '../../src/workspace/source-file.js';
import { findPair, mapPairs, nodeRange, pairKey, scalarString } from '../../src/formats/yaml.js';
import { appendToBlock, colOf, dashColOf, documentStep, lineStartOf, quoteScalar as quote, quoteTypeOf, type QuoteType, type TextSpanEdit } from '../../src/formats/yaml-edit.js';
import { dependabotDir, type ManifestDir } from '../../src/facts/ecosystems.js';
import { describeManifest, readEntry, versionUpdatesOff, type Entry, type Options } from './detect.js';

/** Entry keys copied from an existing entry whatever its ecosystem: team conventions. */
const CONVENTION_KEYS = new Set(['schedule', 'open-pull-requests-limit', 'rebase-strategy', 'pull-request-branch-name', 'assignees', 'milestone', 'target-branch', 'cooldown', 'multi-ecosystem-group', 'patterns', '<<']);
/** Copied only from an entry of the same ecosystem (they mean nothing to another one). */
const SAME_ECOSYSTEM_KEYS = new Set(['registries', 'versioning-strategy', 'vendor', 'insecure-external-code-execution']);
/* Never copied: allow, ignore, exclude-paths (they name dependencies and paths of that entry),
   name (unique per entry), reviewers (removed from the config format). */

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

export function isEcosystemLabel(label: string, labels: Record<string, readonly string[]>): boolean {
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
export function swapEcosystem(value: string, from: string, to: string, labels: Record<string, readonly string[]>): string {
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
export function appendEntries(file: SourceFile, root: YAMLMap, missing: ManifestDir[], opts: Options): TextSpanEdit | string {
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

/** The text with one fix's edits applied (they never overlap: one insertion). */
export function withEdits(text: string, edits: readonly { start: number; end: number; text: string }[]): string {
  let out = text;
  for (const e of [...edits].sort((a, b) => b.start - a.start)) out = out.slice(0, e.start) + e.text + out.slice(e.end);
  return out;
}

