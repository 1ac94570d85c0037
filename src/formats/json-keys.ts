/**
 * Property names of a JSON/JSONC file, with where each character sits. An index file maps
 * paths to descriptions as often as descriptions to paths (`"src/autopack/": "the app"`), so
 * its keys name repository paths as well as its values do.
 */
import type { SourceFile } from '../workspace/source-file.js';
import { jsoncTree } from './json.js';
import { linearRuns, type MappedText } from './mapped-text.js';

export interface JsonKey extends MappedText {
  /** Span of the name's content (quotes excluded). */
  start: number;
  end: number;
  /** Id of the object that holds it: keys of one object are siblings. */
  objectId: number;
}

export type JsonKeysResult = { ok: true; keys: JsonKey[] } | { ok: false; reason: string };

export function jsonObjectKeys(file: SourceFile): Promise<JsonKeysResult> {
  return file.parse('json-keys', async (f): Promise<JsonKeysResult> => {
    const tree = await jsoncTree(f);
    if (!tree.ok) return tree;
    const root = tree.root;
    const out: JsonKey[] = [];
    let objects = 0;
    type JNode = import('jsonc-parser').Node;
    const walk = (node: JNode): void => {
      if (node.type === 'object') {
        const id = ++objects;
        for (const prop of node.children ?? []) {
          const [k, v] = prop.children ?? [];
          if (k && k.type === 'string') {
            const start = k.offset + 1;
            const end = k.offset + k.length - 1;
            const value = String(k.value);
            // A name written with escapes is not mapped back (nothing may be edited in it).
            const plain = f.text.slice(start, end) === value;
            out.push({ value, start, end, objectId: id, runs: plain ? linearRuns(start, value.length) : [] });
          }
          if (v) walk(v);
        }
      } else if (node.type === 'array') {
        for (const c of node.children ?? []) walk(c);
      }
    };
    walk(root);
    return { ok: true, keys: out };
  });
}
