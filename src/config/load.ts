/**
 * Finding, parsing and validating the configuration file (see README.md in this folder).
 * Errors are ConfigErrors carrying the file, the JSON Pointer of the bad key and, where the file
 * has one, its line:column; the CLI prints them and exits 2.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { parseTree, findNodeAtLocation, printParseErrorCode, type Node as JsonNode, type ParseError } from 'jsonc-parser';
import { LineCounter, parseDocument, isMap, isScalar, type Document, type Node as YamlNode } from 'yaml';
import { packageRoot } from '../util/package-root.js';
import { didYouMean } from '../util/suggest.js';

import { CONFIG_FILE_NAMES, PACKAGE_JSON_KEY, searchTop } from './locate.js';

export { CONFIG_FILE_NAMES, PACKAGE_JSON_KEY, searchTop };

export class ConfigError extends Error {
  constructor(
    /** What is wrong, without the location. */
    readonly problem: string,
    readonly file: string | undefined,
    /** JSON Pointer of the bad key or value ('' for the document). */
    readonly pointer: string | undefined,
    readonly line?: number,
    readonly column?: number,
  ) {
    const where = file ? `${file}${line ? `:${line}:${column ?? 1}` : ''}: ` : '';
    super(`${where}${pointer !== undefined && pointer !== '' ? `${pointer}: ` : ''}${problem}`);
    this.name = 'ConfigError';
  }
}

/** A raw configuration document and where it came from. */
export interface ConfigSource {
  /** Absolute path of the file read. */
  file: string;
  kind: 'json' | 'yaml' | 'package.json';
  value: unknown;
  /** line:column of a JSON Pointer (into `value`), when it can be found. */
  locate(pointer: string[], keyOf?: string): { line: number; column: number } | undefined;
}

/**
 * The configuration file for `root`: `explicit` (--config PATH, relative to the cwd) when
 * given, else the first folder from `root` up to the git top-level holding one of
 * autopack-fix.config.{json,yaml,yml} or a package.json with an "autopack-fix" key. Two in the
 * same folder is an error (which one wins would be a guess). Undefined: none (defaults apply).
 */
export function findConfigFile(root: string, explicit?: string): { file: string; kind: ConfigSource['kind'] } | undefined {
  if (explicit !== undefined) {
    const abs = path.resolve(explicit);
    if (!existsSync(abs) || !statSync(abs).isFile()) throw new ConfigError('no such file', explicit, undefined);
    return { file: abs, kind: kindOf(abs) };
  }
  const top = searchTop(root);
  for (let dir = path.resolve(root); ; dir = path.dirname(dir)) {
    const found: Array<{ file: string; kind: ConfigSource['kind'] }> = [];
    for (const name of CONFIG_FILE_NAMES) {
      const p = path.join(dir, name);
      if (existsSync(p)) found.push({ file: p, kind: kindOf(p) });
    }
    const pkg = path.join(dir, 'package.json');
    if (existsSync(pkg) && packageJsonHasKey(pkg)) found.push({ file: pkg, kind: 'package.json' });
    if (found.length > 1) {
      throw new ConfigError(`more than one configuration here: ${found.map((f) => path.basename(f.file) + (f.kind === 'package.json' ? ` ("${PACKAGE_JSON_KEY}" key)` : '')).join(', ')}; keep one`, dir, undefined);
    }
    if (found[0]) return found[0];
    if (dir === top || path.dirname(dir) === dir) return undefined;
  }
}

function kindOf(file: string): ConfigSource['kind'] {
  if (path.basename(file) === 'package.json') return 'package.json';
  return /\.ya?ml$/i.test(file) ? 'yaml' : 'json';
}

function packageJsonHasKey(file: string): boolean {
  try {
    const v = JSON.parse(readFileSync(file, 'utf8')) as unknown;
    return !!v && typeof v === 'object' && PACKAGE_JSON_KEY in (v as object);
  } catch {
    return false; // a broken package.json is not ours to report
  }
}

function lineCol(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let start = 0;
  for (let i = text.indexOf('\n'); i !== -1 && i < offset; i = text.indexOf('\n', i + 1)) {
    line++;
    start = i + 1;
  }
  return { line, column: offset - start + 1 };
}

/** Read and parse a configuration file (no validation yet). */
export function readConfigSource(file: string, kind: ConfigSource['kind'] = kindOf(file), displayName = file): ConfigSource {
  const text = readFileSync(file, 'utf8').replace(/^\uFEFF/, '');
  if (kind === 'yaml') {
    const lc = new LineCounter();
    const doc = parseDocument(text, { lineCounter: lc, prettyErrors: false, uniqueKeys: true });
    const err = doc.errors[0];
    if (err) {
      const pos = lc.linePos(err.pos[0]);
      throw new ConfigError(`not valid YAML: ${err.message.split('\n')[0]}`, displayName, undefined, pos.line, pos.col);
    }
    return {
      file,
      kind,
      value: doc.toJS() ?? {},
      locate(pointer, keyOf) {
        const node = yamlNodeAt(doc, pointer, keyOf);
        if (!node?.range) return undefined;
        const pos = lc.linePos(node.range[0]);
        return { line: pos.line, column: pos.col };
      },
    };
  }
  const errors: ParseError[] = [];
  const tree = parseTree(text, errors, { allowTrailingComma: kind === 'json', disallowComments: kind === 'package.json' });
  const first = errors[0];
  if (first || !tree) {
    const pos = lineCol(text, first?.offset ?? 0);
    throw new ConfigError(`not valid JSON: ${first ? printParseErrorCode(first.error) : 'empty document'}`, displayName, undefined, pos.line, pos.column);
  }
  const prefix = kind === 'package.json' ? [PACKAGE_JSON_KEY] : [];
  const root = kind === 'package.json' ? findNodeAtLocation(tree, prefix) : tree;
  return {
    file,
    kind,
    value: jsonValue(root),
    locate(pointer, keyOf) {
      // Array items by index: the segments of a JSON Pointer are strings.
      let node: JsonNode | undefined = root;
      for (const seg of pointer) node = node?.type === 'array' ? node.children?.[Number(seg)] : node ? findNodeAtLocation(node, [seg]) : undefined;
      if (!node) return undefined;
      const target = keyOf !== undefined && node.type === 'object' ? node.children?.find((p) => p.children?.[0]?.value === keyOf)?.children?.[0] : node;
      return target ? lineCol(text, target.offset) : undefined;
    },
  };
}

function jsonValue(node: JsonNode | undefined): unknown {
  if (!node) return undefined;
  switch (node.type) {
    case 'object':
      return Object.fromEntries((node.children ?? []).map((p) => [p.children?.[0]?.value as string, jsonValue(p.children?.[1])]));
    case 'array':
      return (node.children ?? []).map(jsonValue);
    default:
      return node.value;
  }
}

function yamlNodeAt(doc: Document, pointer: string[], keyOf?: string): YamlNode | undefined {
  let node: unknown = doc.contents;
  for (const seg of pointer) {
    if (isMap(node)) node = node.items.find((p) => isScalar(p.key) && String(p.key.value) === seg)?.value;
    else if (node && typeof node === 'object' && 'items' in node) node = (node as { items: unknown[] }).items[Number(seg)];
    else return undefined;
  }
  if (keyOf !== undefined && isMap(node)) {
    const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === keyOf);
    return (pair?.key as YamlNode | undefined) ?? (node as YamlNode);
  }
  return node as YamlNode | undefined;
}

let validator: ValidateFunction | undefined;
export const CONFIG_SCHEMA_PATH = 'schemas/config.schema.json';

/** The shipped JSON Schema (schemas/config.schema.json in the package). */
export function configSchema(): Record<string, unknown> {
  return JSON.parse(readFileSync(path.join(packageRoot(), CONFIG_SCHEMA_PATH), 'utf8')) as Record<string, unknown>;
}

function compiled(): ValidateFunction {
  validator ??= new Ajv({ allErrors: true, strict: true }).compile(configSchema());
  return validator;
}

function unescapePointer(p: string): string[] {
  return p === '' ? [] : p.slice(1).split('/').map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function escapeSeg(s: string): string {
  return s.replace(/~/g, '~0').replace(/\//g, '~1');
}

/** Validate a parsed source against the schema; throws the first problem as a ConfigError. */
export function validateConfig(source: ConfigSource, displayName: string): void {
  const value = source.value;
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new ConfigError('the configuration must be an object (key: value pairs)', displayName, '', ...pos(source.locate([])));
  }
  const validate = compiled();
  if (validate(value)) return;
  const errors = prioritised(validate.errors ?? []);
  const e = errors[0] as ErrorObject;
  const segs = unescapePointer(e.instancePath);
  let pointer = e.instancePath;
  let problem = e.message ?? 'is invalid';
  let at = source.locate(segs);
  if (e.keyword === 'additionalProperties') {
    const key = (e.params as { additionalProperty: string }).additionalProperty;
    pointer = `${e.instancePath}/${escapeSeg(key)}`;
    at = source.locate(segs, key) ?? at;
    const allowed = Object.keys(propertiesAt(segs) ?? {});
    const guess = didYouMean(key, allowed);
    problem =
      segs.length === 1 && segs[0] === 'rules'
        ? `unknown rule "${key}"${guess} (see \`autopack-fix list-rules\`)`
        : `unknown key "${key}"${guess}${allowed.length ? ` (expected one of: ${allowed.join(', ')})` : ' (this takes no keys)'}`;
  } else if (e.keyword === 'enum') {
    problem = `must be one of ${(e.params as { allowedValues: unknown[] }).allowedValues.map((v) => JSON.stringify(v)).join(', ')}, not ${JSON.stringify(valueAt(value, segs))}`;
  } else if (e.keyword === 'type') {
    problem = `must be ${(e.params as { type: string }).type}, not ${describe(valueAt(value, segs))}`;
  }
  throw new ConfigError(problem, displayName, pointer, ...pos(at));
}

function pos(at: { line: number; column: number } | undefined): [number?, number?] {
  return at ? [at.line, at.column] : [];
}

/** Unknown keys first (the likeliest typo), then by document order of the path. */
function prioritised(errors: ErrorObject[]): ErrorObject[] {
  const rank = (e: ErrorObject): number => (e.keyword === 'additionalProperties' ? 0 : 1);
  return [...errors].sort((a, b) => rank(a) - rank(b));
}

function valueAt(value: unknown, segs: string[]): unknown {
  let v = value;
  for (const s of segs) v = v && typeof v === 'object' ? (v as Record<string, unknown>)[s] : undefined;
  return v;
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'object') return 'an object';
  return `${typeof v} ${JSON.stringify(v)}`;
}

/** The schema's `properties` for an instance path (to list the allowed keys). */
function propertiesAt(segs: string[]): Record<string, unknown> | undefined {
  let node = configSchema() as Record<string, unknown>;
  for (const s of segs) {
    const props = node.properties as Record<string, Record<string, unknown>> | undefined;
    const next = props?.[s];
    if (!next) return undefined;
    node = next;
  }
  return node.properties as Record<string, unknown> | undefined;
}
