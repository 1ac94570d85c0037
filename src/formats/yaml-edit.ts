/**
 * Style-preserving edits of YAML block collections: append new items to the collection under a
 * top-level key (a list of `updates`, a map of `volumes`) as one insertion into the original
 * text. The caller renders the items, in the indentation and quoting the file already uses
 * (`dashColOf`, `documentStep`, `quoteScalar` help it read them); this module decides where they
 * go and how they meet the text around them: after the last item and the comment lines indented
 * under it, in the file's own line endings, with a line break before them when the file has no
 * final one. Comments, blank lines and everything else stay as they are.
 */
import { isMap, isScalar, isSeq, type Node, type Pair, type YAMLMap, type YAMLSeq } from 'yaml';
import { findPair, mapPairs, nodeRange, pairValueEnd } from './yaml.js';

/** One span of the original text and what replaces it (an insertion when start = end). */
export interface TextSpanEdit {
  start: number;
  end: number;
  text: string;
}

export type QuoteType = 'PLAIN' | 'QUOTE_DOUBLE' | 'QUOTE_SINGLE';

/** Whether a string reads back as the same string when written without quotes. */
export function plainSafe(v: string): boolean {
  if (!/^[A-Za-z0-9_./][A-Za-z0-9_./@() -]*$/.test(v) || v.endsWith(' ')) return false;
  return !/^(true|false|yes|no|on|off|null|y|n|~)$/i.test(v) && !/^[-+]?(\d[\d_]*(\.\d*)?|\.\d+)([eE][-+]?\d+)?$/.test(v) && !/^0[xo]/i.test(v);
}

/** A string scalar in the given quoting; plain falls back to double quotes where plain would change its meaning. */
export function quoteScalar(v: string, type: QuoteType): string {
  if (type === 'PLAIN' && plainSafe(v)) return v;
  if (type === 'QUOTE_SINGLE') return `'${v.replace(/'/g, "''")}'`;
  return JSON.stringify(v);
}

export function quoteTypeOf(node: unknown): QuoteType {
  if (isScalar(node) && (node.type === 'QUOTE_DOUBLE' || node.type === 'QUOTE_SINGLE')) return node.type;
  return 'PLAIN';
}

export function lineStartOf(text: string, offset: number): number {
  return text.lastIndexOf('\n', offset - 1) + 1;
}

export function colOf(text: string, offset: number): number {
  return offset - lineStartOf(text, offset);
}

/** Column of the `-` that introduces a block sequence item. */
export function dashColOf(text: string, item: Node): number | undefined {
  const r = nodeRange(item);
  if (!r) return undefined;
  const ls = lineStartOf(text, r[0]);
  const dash = text.lastIndexOf('-', r[0] - 1);
  return dash >= ls ? dash - ls : undefined;
}

/** Indentation step of the document's block mappings (from the first nested one), default 2. */
export function documentStep(text: string, root: unknown): number {
  for (const pair of mapPairs(root)) {
    const v = pair.value;
    const kr = nodeRange(pair.key);
    if (isMap(v) && !v.flow && v.items[0] && kr) {
      const cr = nodeRange((v.items[0] as Pair).key);
      if (cr) return colOf(text, cr[0]) - colOf(text, kr[0]);
    }
  }
  return 2;
}

/**
 * The offset just after the last line of a non-empty block collection's last item, and of the
 * comment lines after it that are indented deeper than the items (they belong to it: a
 * commented-out setting of that item). A comment at the items' own column, or shallower, stays
 * after the new items. Undefined for an empty collection.
 */
export function endOfLastItem(text: string, collection: YAMLMap | YAMLSeq): number | undefined {
  const last = collection.items[collection.items.length - 1] as Node | Pair | undefined;
  if (last === undefined) return undefined;
  let start: number | undefined;
  let end: number | undefined;
  let col: number | undefined;
  if (isSeq(collection)) {
    const r = nodeRange(last);
    [start, end] = r ?? [];
    col = dashColOf(text, last as Node);
  } else {
    const kr = nodeRange((last as Pair).key);
    start = kr?.[0];
    end = pairValueEnd(last as Pair);
    col = start === undefined ? undefined : colOf(text, start);
  }
  if (start === undefined || end === undefined || col === undefined) return undefined;
  return endOfItemAt(text, start, end, col);
}

/**
 * The offset just after the last line of the item spanning `start`..`end` whose key or dash sits
 * at column `col`, with the comment lines after it indented deeper than `col` (they belong to it).
 */
export function endOfItemAt(text: string, start: number, end: number, col: number): number {
  let c = end - 1;
  while (c > start && /\s/.test(text[c] as string)) c--;
  let nl = text.indexOf('\n', c);
  if (nl === -1) return text.length;
  let at = nl + 1;
  for (;;) {
    let probe = at;
    let next = text.indexOf('\n', probe);
    let line = text.slice(probe, next === -1 ? text.length : next);
    while (/^[ \t]*\r?$/.test(line) && next !== -1) {
      probe = next + 1;
      next = text.indexOf('\n', probe);
      line = text.slice(probe, next === -1 ? text.length : next);
    }
    const m = /^([ \t]*)#/.exec(line);
    if (!m || (m[1] as string).length <= col) break;
    nl = next;
    at = nl === -1 ? text.length : nl + 1;
    if (nl === -1) break;
  }
  return at;
}

/** Where the new items go, for a caller that writes them in the style of the ones there. */
export type BlockSite =
  /** After the items of a non-empty block collection. */
  | { kind: 'after-items'; collection: YAMLMap | YAMLSeq }
  /** Under a key with nothing (`key:`, `key: []` when asked), or a key this edit adds. */
  | { kind: 'empty'; added: boolean };

/** Why no edit: the collection is written in flow style, or the key holds something else. */
export type AppendRefusal = 'flow' | 'not-a-collection';

export interface AppendOptions {
  /** The collection the key holds. */
  kind: 'seq' | 'map';
  /** Rewrite an empty flow collection (`key: []`) as the block, keeping a comment after it. Otherwise it is refused as flow. */
  replaceEmptyFlow?: boolean;
  /** Leave a blank line before the key when this edit adds it at the end of the document. */
  blankLineBeforeNewKey?: boolean;
}

/**
 * The edit that appends items to the block collection under the top-level `key` of `root` (the
 * document's contents): after its last item; under the key when it holds nothing; or, with no
 * such key, the key and the items at the end of the document. `render` returns the lines of the
 * new items, each with its indentation and without a line break; they are joined with the
 * file's line ending (`eol`).
 */
export function appendToBlock(file: { text: string; eol: string }, root: unknown, key: string, options: AppendOptions, render: (site: BlockSite) => string[]): TextSpanEdit | AppendRefusal {
  const { text, eol } = file;
  const pair = findPair(root, key);
  const value = pair?.value;
  const ofKind = options.kind === 'seq' ? isSeq(value) : isMap(value);
  // Under a key on the last line of a file without a final line break, or a key added at its
  // end: the insertion starts with a line break, and ends with one.
  const insertAt = (at: number, body: string): TextSpanEdit => ({ start: at, end: at, text: at === text.length && text !== '' && !text.endsWith('\n') ? `${eol}${body}${eol}` : `${body}${eol}` });
  if (pair && ofKind && (value as YAMLMap | YAMLSeq).items.length > 0) {
    const collection = value as YAMLMap | YAMLSeq;
    if (collection.flow) return 'flow';
    const at = endOfLastItem(text, collection);
    if (at === undefined) return 'not-a-collection';
    const body = render({ kind: 'after-items', collection }).join(eol);
    // After the last line of a file without a final line break, the new items are the last
    // lines, and the file still ends as it did.
    return at === text.length && text !== '' && !text.endsWith('\n') ? { start: at, end: at, text: `${eol}${body}` } : { start: at, end: at, text: `${body}${eol}` };
  }
  if (pair && ofKind) {
    // `key: []`: the block list in its place, keeping what follows on that line (a comment).
    if (!options.replaceEmptyFlow) return 'flow';
    const kr = nodeRange(pair.key) as [number, number];
    const vr = nodeRange(value) as [number, number];
    const colon = text.indexOf(':', kr[1]);
    const lineEnd = text.indexOf('\n', vr[1]);
    const lines = render({ kind: 'empty', added: false });
    if (lineEnd === -1) return { start: colon + 1, end: text.length, text: `${text.slice(vr[1])}${eol}${lines.join(eol)}` };
    return { start: colon + 1, end: lineEnd + 1, text: `${text.slice(vr[1], lineEnd + 1)}${lines.join(eol)}${eol}` };
  }
  if (pair) {
    const empty = value === null || value === undefined || (isScalar(value) && (value.value === null || (value.value === '' && value.type === 'PLAIN')));
    if (!empty) return 'not-a-collection';
    // `key:` with nothing under it: the items go on the lines after it.
    const kr = nodeRange(pair.key);
    if (!kr) return 'not-a-collection';
    const nl = text.indexOf('\n', kr[1]);
    return insertAt(nl === -1 ? text.length : nl + 1, render({ kind: 'empty', added: false }).join(eol));
  }
  const lines = [`${key}:`, ...render({ kind: 'empty', added: true })];
  if (options.blankLineBeforeNewKey) lines.unshift('');
  return insertAt(text.length, lines.join(eol));
}
