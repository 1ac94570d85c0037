import { parseDocument, visit, isMap, isSeq, isScalar, isPair, isAlias, isDocument, type Alias, type Document, type Node, type Pair, type YAMLMap } from 'yaml';
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
    const deep = yamlNestingOverflow(f.text);
    if (deep !== -1) return { doc: parseDocument(''), error: { message: `nested deeper than ${MAX_NESTING} levels; not parsed`, offset: deep } };
    // merge: true resolves `<<: *anchor`, which compose files use for shared service settings.
    // Duplicate keys are found by duplicateKey (linear): the parser's own check compares each
    // key with every earlier key of its map, quadratic in a map of 16,000 services.
    const doc = parseDocument(f.text, { merge: true, uniqueKeys: false, prettyErrors: false, strict: false });
    const first = doc.errors[0];
    const dup = duplicateKey(doc);
    const error = first && (dup === undefined || first.pos[0] <= dup) ? { message: first.message.split('\n')[0] ?? first.message, offset: first.pos[0] } : dup !== undefined ? { message: 'Map keys must be unique', offset: dup } : null;
    return { doc, error };
  });
}

/**
 * Offset of the first key that repeats an earlier key of its mapping (scalars with the same
 * value, as the parser's `uniqueKeys` compares them), or undefined. One pass with a set per
 * mapping; the recursion is bounded by the nesting check that runs before any parse.
 */
export function duplicateKey(doc: Document.Parsed | Document): number | undefined {
  let first: number | undefined;
  const walk = (node: unknown): void => {
    if (isMap(node)) {
      const seen = new Set<unknown>();
      for (const pair of node.items) {
        const k = pair.key;
        if (isScalar(k) && !Number.isNaN(k.value)) {
          if (seen.has(k.value)) {
            const at = k.range?.[0];
            if (at !== undefined && (first === undefined || at < first)) first = at;
          } else seen.add(k.value);
        }
        walk(k);
        walk(pair.value);
      }
    } else if (isSeq(node)) {
      for (const item of node.items) walk(item);
    } else if (isPair(node)) {
      walk(node.key);
      walk(node.value);
    }
  };
  walk(isDocument(doc) ? doc.contents : doc);
  return first;
}

/**
 * Offset where the nesting of a YAML text first goes past `limit` levels, or -1: block
 * collections (by indentation, and `- `/`? ` indicators on one line) and flow collections
 * (`[`/`{` outside quotes and comments) counted together. The parser recurses per level and
 * overflows the stack somewhere past 800 levels, at a depth that depends on what else is on
 * the stack; this linear scan refuses such a file at the same line every time.
 *
 * Block structure is tracked with a stack of (column, kind) entries: an entry opens under the
 * nearest entry to its left, a sequence may open at its parent key's column (`key:\n- a`),
 * and block scalar content (`|`, `>`: the lines indented past the entry holding it) and lines
 * inside an open flow collection open nothing.
 */
export function yamlNestingOverflow(text: string, limit = MAX_NESTING): number {
  const stack: Array<{ col: number; kind: 'seq' | 'map' }> = [];
  let flow = 0;
  let blockScalar = -1; // indentation of the line that opened a block scalar, while in one
  let pos = 0;
  while (pos <= text.length) {
    let end = text.indexOf('\n', pos);
    if (end === -1) end = text.length;
    const line = text.slice(pos, end);
    const lineStart = pos;
    pos = end + 1;
    let i = 0;
    while (i < line.length && line.charCodeAt(i) === 0x20) i++;
    const rest = line.slice(i);
    if (rest.trim() === '' ) {
      if (end === text.length) break;
      continue;
    }
    if (blockScalar !== -1) {
      if (i > blockScalar) continue;
      blockScalar = -1;
    }
    if (flow === 0 && i === 0 && (rest.startsWith('---') || rest.startsWith('...'))) {
      stack.length = 0;
      if (end === text.length) break;
      continue;
    }
    if (flow === 0 && !rest.startsWith('#')) {
      // Block entries on this line: `- ` and `? ` indicators, then a `key:` (any text before a
      // `: ` or a final `:` outside quotes counts as one).
      let col = i;
      let over = -1;
      const open = (at: number, kind: 'seq' | 'map'): void => {
        for (;;) {
          const top = stack[stack.length - 1];
          if (!top || top.col < at) break;
          if (top.col === at && top.kind === kind) return; // a sibling entry
          if (top.col === at && top.kind === 'map' && kind === 'seq') break; // `key:\n- a`
          stack.pop();
        }
        stack.push({ col: at, kind });
        if (stack.length > limit && over === -1) over = lineStart + at;
      };
      for (;;) {
        const c = line[col];
        const next = line[col + 1];
        if ((c === '-' || c === '?') && (next === undefined || next === ' ' || next === '\t')) {
          open(col, c === '-' ? 'seq' : 'map');
          if (over !== -1) return over;
          col += 2;
          while (line[col] === ' ') col++;
          continue;
        }
        break;
      }
      if (startsWithKey(line, col)) open(col, 'map');
      if (over !== -1) return over;
    }
    // Flow brackets (and a block scalar header), outside quotes and comments.
    let quote = '';
    let contentEnd = line.length;
    for (let k = i; k < line.length; k++) {
      const c = line[k];
      if (quote) {
        if (quote === '"' && c === '\\') k++;
        else if (c === quote) {
          if (quote === "'" && line[k + 1] === "'") k++;
          else quote = '';
        }
      } else if (c === '#' && (k === 0 || line[k - 1] === ' ' || line[k - 1] === '\t')) {
        contentEnd = k;
        break;
      }
      else if ((c === '"' || c === "'") && (k === i || /[\s,[{:-]/.test(line[k - 1] ?? ' '))) quote = c;
      else if (c === '[' || c === '{') {
        if (++flow + stack.length > limit) return lineStart + k;
      } else if ((c === ']' || c === '}') && flow > 0) flow--;
    }
    // Its content is what is indented past the entry that holds it (a plain scalar that ends in
    // ` |` continues on such lines too): nothing there opens a collection.
    if (flow === 0 && endsWithBlockScalarHeader(line, i, contentEnd)) blockScalar = stack[stack.length - 1]?.col ?? i;
    if (end === text.length) break;
  }
  return nestingOverflow(text, limit);
}

/** Whether `line` has a mapping key at `col`: a quoted or plain scalar, then `:` and a space or the end. No regex: linear on any line. */
function startsWithKey(line: string, col: number): boolean {
  const c = line[col];
  if (c === undefined || c === ' ' || c === '\t' || c === '#' || c === '[' || c === '{') return false;
  let k = col;
  if (c === '"' || c === "'") {
    for (k = col + 1; k < line.length; k++) {
      if (c === '"' && line[k] === '\\') k++;
      else if (line[k] === c) {
        if (c === "'" && line[k + 1] === "'") k++;
        else break;
      }
    }
    k++;
    while (line[k] === ' ' || line[k] === '\t') k++;
    return line[k] === ':' && (k + 1 === line.length || line[k + 1] === ' ' || line[k + 1] === '\t');
  }
  for (k = col; k < line.length; k++) {
    const ch = line[k];
    if (ch === '#' && (line[k - 1] === ' ' || line[k - 1] === '\t')) return false;
    if (ch === ':' && (k + 1 === line.length || line[k + 1] === ' ' || line[k + 1] === '\t')) return true;
  }
  return false;
}

/** Whether the content of a line (before `contentEnd`, its comment) ends with a block scalar header (`|`, `>-`, `|2+` …). */
function endsWithBlockScalarHeader(line: string, from: number, contentEnd: number): boolean {
  let k = contentEnd - 1;
  while (k >= from && (line[k] === ' ' || line[k] === '\t')) k--;
  while (k >= from && (line[k] === '-' || line[k] === '+' || (line[k] as string) >= '0' && (line[k] as string) <= '9')) k--;
  if (k < from || (line[k] !== '|' && line[k] !== '>')) return false;
  const before = line[k - 1];
  return k === from || before === ' ' || before === '\t' || before === ':' || before === '-';
}

/** A message when expanding the document's aliases would exceed MAX_ALIAS_COUNT (a YAML bomb). */
export function aliasBombProblem(parsed: ParsedYaml): string | undefined {
  if (parsed.error || !parsed.doc.contents) return undefined;
  return jsValue(parsed).bomb ? `alias expansion exceeds ${MAX_ALIAS_COUNT} nodes (a YAML bomb?); its aliased values are not expanded` : undefined;
}

/**
 * What is derived from one parse, kept on the parse itself (under a symbol, not enumerable:
 * invisible to comparisons) and so gone with it: the plain value, the anchor index.
 */
const DERIVED = Symbol('derived from this parse');
type Derived = { value?: { value: unknown; bomb: boolean }; anchors?: Map<string, Array<{ start: number; node: Node }>> };

function derivedOf(owner: object): Derived {
  const held = owner as { [DERIVED]?: Derived };
  if (!held[DERIVED]) Object.defineProperty(owner, DERIVED, { value: {}, enumerable: false });
  return held[DERIVED] as Derived;
}

function jsValue(parsed: ParsedYaml): { value: unknown; bomb: boolean } {
  const derived = derivedOf(parsed);
  if (derived.value) return derived.value;
  let value: unknown;
  let bomb = false;
  try {
    value = parsed.doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (error) {
    if (error instanceof ReferenceError && /alias/i.test(error.message)) bomb = true;
    value = undefined;
  }
  derived.value = { value, bomb };
  return derived.value;
}

/** The plain JS value of a document (computed once), with alias expansion bounded. */
export function yamlValue(parsed: ParsedYaml): unknown {
  return jsValue(parsed).value;
}

/**
 * The node an alias refers to: the last node before it carrying its anchor, as `Alias.resolve`
 * finds it. `Alias.resolve(doc)` walks the whole document on every call (a compose file whose
 * 16,000 services each merge `<<: *base` took quadratic time); here the anchors are indexed once
 * per document and each alias is a binary search.
 */
export function resolveAlias(doc: Document, alias: Alias): Node | undefined {
  const derived = derivedOf(doc);
  let index = derived.anchors;
  if (!index) {
    const built = new Map<string, Array<{ start: number; node: Node }>>();
    visit(doc, {
      Node: (_key, node) => {
        const anchor = (node as { anchor?: string }).anchor;
        const start = (node as { range?: [number, number, number] }).range?.[0];
        if (!isAlias(node) && anchor && start !== undefined) {
          const list = built.get(anchor) ?? [];
          list.push({ start, node });
          built.set(anchor, list);
        }
      },
    });
    index = built;
    derived.anchors = index;
  }
  const list = index.get(alias.source);
  const at = alias.range?.[0];
  if (!list || at === undefined) return undefined;
  let lo = 0;
  let hi = list.length - 1;
  let found: Node | undefined;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const entry = list[mid] as { start: number; node: Node };
    if (entry.start < at) {
      found = entry.node;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return found;
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
