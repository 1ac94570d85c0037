import { parseDocument, isMap, isSeq, isScalar, isPair, isAlias, type Document, type Node, type Pair, type YAMLMap } from 'yaml';
import type { SourceFile } from '../workspace/source-file.js';
import { MAX_NESTING, nestingOverflow } from '../util/text.js';

export interface ParsedYaml {
  doc: Document.Parsed;
  /** The first error, with its position, when the file is not valid YAML. */
  error: { message: string; offset: number } | null;
}

/** Bounds alias expansion so a "billion laughs" file cannot exhaust memory. */
export const MAX_ALIAS_COUNT = 1000;

export function parseYaml(file: SourceFile): ParsedYaml {
  return file.parse('yaml', (f) => {
    const deep = nestingOverflow(f.text);
    if (deep !== -1) return { doc: parseDocument(''), error: { message: `nested deeper than ${MAX_NESTING} levels; not parsed`, offset: deep } };
    // merge: true resolves `<<: *anchor`, which compose files use for shared service settings.
    const doc = parseDocument(f.text, { merge: true, uniqueKeys: true, prettyErrors: false, strict: false });
    const first = doc.errors[0];
    return {
      doc,
      error: first ? { message: first.message.split('\n')[0] ?? first.message, offset: first.pos[0] } : null,
    };
  });
}

/** A message when expanding the document's aliases would exceed MAX_ALIAS_COUNT (a YAML bomb). */
export function aliasBombProblem(parsed: ParsedYaml): string | undefined {
  if (parsed.error || !parsed.doc.contents) return undefined;
  yamlValue(parsed);
  return aliasBombs.has(parsed) ? `alias expansion exceeds ${MAX_ALIAS_COUNT} nodes (a YAML bomb?); its aliased values are not expanded` : undefined;
}

const aliasBombs = new WeakSet<ParsedYaml>();
const values = new WeakMap<ParsedYaml, unknown>();

/** The plain JS value of a document (computed once), with alias expansion bounded. */
export function yamlValue(parsed: ParsedYaml): unknown {
  if (values.has(parsed)) return values.get(parsed);
  let value: unknown;
  try {
    value = parsed.doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (error) {
    if (error instanceof ReferenceError && /alias/i.test(error.message)) aliasBombs.add(parsed);
    value = undefined;
  }
  values.set(parsed, value);
  return value;
}

export function pairKey(pair: Pair): string | undefined {
  const k = pair.key;
  if (isScalar(k) && (typeof k.value === 'string' || typeof k.value === 'number')) return String(k.value);
  return undefined;
}

export function mapPairs(node: unknown): Pair<Node, Node | null>[] {
  return isMap(node) ? (node.items as Pair<Node, Node | null>[]) : [];
}

export function findPair(map: unknown, key: string): Pair<Node, Node | null> | undefined {
  return mapPairs(map).find((p) => pairKey(p) === key);
}

export function scalarString(node: unknown): string | undefined {
  if (isScalar(node) && (typeof node.value === 'string' || typeof node.value === 'number')) return String(node.value);
  return undefined;
}

export function nodeRange(node: unknown): [number, number] | undefined {
  if ((isScalar(node) || isMap(node) || isSeq(node) || isAlias(node)) && node.range) return [node.range[0], node.range[1]];
  return undefined;
}

/** Whether a mapping is written in flow style (`{ a: 1 }`). */
export function isFlow(node: unknown): boolean {
  return (isMap(node) || isSeq(node)) && node.flow === true;
}

/**
 * The span that removes one pair from a mapping, keeping the rest byte-identical. In block
 * style that is the pair's whole lines (its trailing comment included); in flow style the pair
 * and one separating comma.
 */
export function pairRemovalSpan(text: string, map: YAMLMap, pair: Pair): [number, number] | undefined {
  const keyRange = nodeRange(pair.key);
  if (!keyRange) return undefined;
  const valueEnd = pairValueEnd(pair) ?? keyRange[1];
  if (map.flow) {
    const items = map.items;
    const index = items.indexOf(pair as never);
    let start = keyRange[0];
    let end = valueEnd;
    if (index < items.length - 1) {
      // Remove up to the next item's key: "a: 1, " goes with the pair.
      const next = nodeRange((items[index + 1] as Pair).key);
      if (!next) return undefined;
      end = next[0];
    } else if (index > 0) {
      // Last item: take the comma before it.
      const prevEnd = pairValueEnd(items[index - 1] as Pair);
      if (prevEnd === undefined) return undefined;
      start = prevEnd;
    }
    return [start, end];
  }
  const lineStart = text.lastIndexOf('\n', keyRange[0] - 1) + 1;
  if (!/^[ \t]*(- )?$/.test(text.slice(lineStart, keyRange[0]))) return undefined;
  if (text.slice(lineStart, keyRange[0]).includes('-')) return undefined; // first key of a sequence item
  // The pair's node range stops before a trailing comment; extend through the end of that line.
  const nl = text.indexOf('\n', Math.max(valueEnd - 1, keyRange[1]));
  // (Block collections and block scalars end just past their final newline already.)
  return [lineStart, nl === -1 ? text.length : nl + 1];
}

/** End offset of a pair's value (or key when the value is empty). */
export function pairValueEnd(pair: Pair): number | undefined {
  const v = pair.value as Node | null;
  const vr = v ? nodeRange(v) : undefined;
  if (vr) {
    const withEnd = (v as { range?: [number, number, number] }).range;
    // range[1] is the end of the value itself; range[2] the end of the node including comments.
    return withEnd ? withEnd[1] : vr[1];
  }
  return nodeRange(pair.key)?.[1];
}

/**
 * The indentation (spaces) of a block mapping's entries: the column of its first key.
 */
export function blockIndent(text: string, map: YAMLMap): number | undefined {
  const first = map.items[0] as Pair | undefined;
  const kr = first ? nodeRange(first.key) : undefined;
  if (!kr) return undefined;
  const lineStart = text.lastIndexOf('\n', kr[0] - 1) + 1;
  return kr[0] - lineStart;
}

/** The span of a scalar's content: inside its quotes when it is quoted. */
export function scalarContentSpan(text: string, node: unknown): [number, number] | undefined {
  const r = nodeRange(node);
  if (!r || !isScalar(node)) return undefined;
  const raw = text.slice(r[0], r[1]);
  if ((node.type === 'QUOTE_DOUBLE' || node.type === 'QUOTE_SINGLE') && raw.length >= 2) return [r[0] + 1, r[1] - 1];
  return [r[0], r[1]];
}
