import { parse as parseJsonc, parseTree, type ParseError, type Node as JsonNode } from 'jsonc-parser';
import type { SourceFile } from '../workspace/source-file.js';
import { MAX_NESTING, nestingOverflow } from '../util/text.js';

export type ParsedJson = { ok: true; value: unknown } | { ok: false; error: unknown };

/**
 * The one strict parse of a JSON file (JSON.parse): package.json and the other manifests the
 * facts read. The engine's validation takes a file that parses here as valid in any JSON dialect.
 */
export function parseJsonFile(file: SourceFile): ParsedJson {
  return file.parse('json', (f): ParsedJson => {
    try {
      return { ok: true, value: JSON.parse(f.text) as unknown };
    } catch (error) {
      return { ok: false, error };
    }
  });
}

/** The file's JSON value; throws, as JSON.parse does, when it is absent or not JSON. */
export function jsonValue(file: SourceFile | undefined): unknown {
  if (!file) throw new SyntaxError('Unexpected end of JSON input');
  const parsed = parseJsonFile(file);
  if (!parsed.ok) throw parsed.error;
  return parsed.value;
}

export interface ParsedJsonc {
  value: unknown;
  errors: ParseError[];
}

/**
 * The one JSONC parse of a file in a dialect (comments, trailing commas), for files whose tool
 * reads JSONC (tsconfig.json, VS Code settings): what a tsconfig `extends` and whether it is
 * valid come from one parse.
 */
export function parseJsoncFile(file: SourceFile, dialect: { comments: boolean; trailingCommas: boolean }): ParsedJsonc {
  return file.parse(`jsonc:${dialect.comments}:${dialect.trailingCommas}`, (f): ParsedJsonc => {
    const errors: ParseError[] = [];
    const value = parseJsonc(f.text, errors, { allowTrailingComma: dialect.trailingCommas, disallowComments: !dialect.comments }) as unknown;
    return { value, errors };
  });
}

export type JsoncTree = { ok: true; root: JsonNode } | { ok: false; reason: string };

/**
 * The one offset-keeping tree of a JSON/JSONC file (comments and trailing commas allowed), for
 * readers that need where each string sits: the docs rules' string values and property names.
 */
export function jsoncTree(file: SourceFile): Promise<JsoncTree> {
  return file.parse('jsonc-tree', async (f): Promise<JsoncTree> => {
    const deep = nestingOverflow(f.text);
    if (deep !== -1) return { ok: false, reason: `nested deeper than ${MAX_NESTING} levels at offset ${deep}; not read` };
    const errors: ParseError[] = [];
    const root = parseTree(f.text, errors, { allowTrailingComma: true, disallowComments: false });
    if (!root || errors.length > 0) return { ok: false, reason: `not valid JSON at offset ${errors[0]?.offset ?? 0}` };
    return { ok: true, root };
  });
}
