/**
 * The environment variable NAMES a repository reads, per source file, for env-example-missing.
 * Only names are collected, never values: a value is returned in exactly one place, a compose
 * `${X:-default}` default, and the caller decides (`placeholderFor`) whether it may be used.
 *
 * - Python (web-tree-sitter, no regex over code): `os.environ["X"]`, `os.environ.get("X")`,
 *   `os.environ.setdefault("X", …)`, `"X" in os.environ`, `os.getenv("X")`, with `os` / `environ`
 *   / `getenv` bound by the module's own imports (aliases followed); pydantic settings classes
 *   (`BaseSettings` from pydantic or pydantic_settings, and classes of the same module derived
 *   from one) with `env_prefix` from `model_config` or `class Config`, field aliases and
 *   `case_sensitive`.
 * - JS/TS (the TypeScript parser that ships with ts-morph, loaded lazily): `import.meta.env.X`,
 *   `process.env.X`, `…env["X"]`, `const { X } = import.meta.env`; Vite's built-ins are skipped.
 * - Compose: `${X}`, `${X:-d}`, `${X-d}`, `${X:?e}`, `${X:+a}` and `$X` in every value, and the
 *   `environment:` keys passed through (`- X`, `X:`) or set from an interpolation.
 * - Real env files (`.env`, `.env.local` …): the upper-case names of their `NAME=` lines; the text
 *   after `=` is never looked at beyond finding where a quoted multi-line value ends.
 */
import type { Node as TSNode } from 'web-tree-sitter';
import { isMap, isPair, isScalar, isSeq, type Node } from 'yaml';
import type { SourceFile } from '../../src/workspace/source-file.js';
import { definePythonAnalysis, pythonAnalysis } from '../../src/formats/python.js';
import { readString } from '../../src/formats/python-tree.js';
import { findPair, mapPairs, nodeRange, pairKey, parseYaml } from '../../src/formats/yaml.js';
import { loadTsMorph } from '../../src/formats/bundler-config.js';
import { lineStarts, nestingOverflow } from '../../src/util/text.js';
import { parseDotenv } from '../../src/formats/dotenv.js';
import { isEnvTemplate } from '../../src/facts/docs/paths.js';

type TsNode = import('ts-morph').ts.Node;

/** A name as a dotenv file can hold it. */
export const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export interface EnvRead {
  name: string;
  /** Offset of the read in its file. */
  offset: number;
  /**
   * Whether the code copes without the variable: `true` when the read has a default or only
   * checks presence (`os.environ.get`, `process.env.X ?? d`, `${X:-d}`, a pydantic field with a
   * default), `false` when it needs a value (`os.environ["X"]`, `${X}`, a field without a
   * default), undefined when the read says neither (a bare `process.env.X`, an env file).
   */
  optional?: boolean;
}

// ---------------------------------------------------------------------------------------------
// Compose interpolation

export interface Interpolation {
  name: string;
  /** Offset of the `$` in the string. */
  start: number;
  /** `:-`, `-`, `:?`, `?`, `:+`, `+`, or '' for `${X}` / `$X`. */
  operator: string;
  /** The text after the operator (may itself hold interpolations). */
  argument: string | undefined;
}

const NAME_AT = /^[A-Za-z_][A-Za-z0-9_]*/;

/** The name that starts at `i` (bounded: a name is never longer than 256 characters here). */
function nameAt(value: string, i: number): string | undefined {
  return NAME_AT.exec(value.slice(i, i + 256))?.[0];
}

/**
 * The interpolations of one compose value, nested ones (`${A:-${B}}`) included; `$$` is an
 * escaped `$`. One pass, no recursion: the argument is kept for outermost interpolations only
 * (a nested default is never used as a placeholder).
 */
export function interpolations(value: string, base = 0): Interpolation[] {
  const out: Interpolation[] = [];
  const open: Array<{ item: Interpolation; argStart: number }> = [];
  for (let i = 0; i < value.length; i++) {
    const c = value[i];
    if (c === '$') {
      const next = value[i + 1];
      if (next === '$') {
        i++;
        continue;
      }
      if (next === '{') {
        const name = nameAt(value, i + 2);
        if (name === undefined) continue;
        let j = i + 2 + name.length;
        const operator = /^(:-|:\?|:\+|-|\?|\+)/.exec(value.slice(j, j + 2))?.[0] ?? '';
        j += operator.length;
        if (operator === '' && value[j] !== '}') continue; // `${X junk}`: not an interpolation
        const item: Interpolation = { name, start: base + i, operator, argument: undefined };
        out.push(item);
        open.push({ item, argStart: j });
        i = j - 1;
        continue;
      }
      const name = nameAt(value, i + 1);
      if (name !== undefined) {
        out.push({ name, start: base + i, operator: '', argument: undefined });
        i += name.length;
      }
      continue;
    }
    if (c === '}' && open.length > 0) {
      const top = open.pop() as { item: Interpolation; argStart: number };
      if (open.length === 0 && top.item.operator) top.item.argument = value.slice(top.argStart, i);
    }
  }
  return out;
}

export interface ComposeEnvRead extends EnvRead {
  /** The default of `${X:-d}` / `${X-d}` as written (undefined for any other form). */
  default: string | undefined;
}

/** Names a compose file reads from the environment (its `.env` or the shell). */
export function composeEnvReads(file: SourceFile): ComposeEnvRead[] {
  const parsed = parseYaml(file);
  if (parsed.error) return [];
  const out: ComposeEnvRead[] = [];
  const stack: unknown[] = [parsed.doc.contents];
  const scalars: Array<{ value: string; offset: number }> = [];
  // Every value (not keys: compose does not interpolate them), iteratively.
  while (stack.length) {
    const node = stack.pop();
    if (isMap(node)) for (let i = node.items.length - 1; i >= 0; i--) stack.push((node.items[i] as { value: unknown }).value);
    else if (isSeq(node)) for (let i = node.items.length - 1; i >= 0; i--) stack.push(node.items[i]);
    else if (isPair(node)) stack.push(node.value);
    else if (isScalar(node) && typeof node.value === 'string') scalars.push({ value: node.value, offset: nodeRange(node)?.[0] ?? 0 });
  }
  scalars.sort((a, b) => a.offset - b.offset);
  const environmentKeys = environmentPassThrough(parsed.doc.contents);
  const events: ComposeEnvRead[] = [];
  for (const s of scalars) {
    for (const i of interpolations(s.value)) {
      const hasDefault = i.operator === ':-' || i.operator === '-';
      // `${X:+alt}` reads only whether X is set: optional too. `${X}`, `$X`, `${X:?err}` need it.
      const optional = hasDefault || i.operator === ':+' || i.operator === '+';
      events.push({ name: i.name, offset: s.offset, default: hasDefault ? i.argument : undefined, optional });
    }
  }
  for (const k of environmentKeys) events.push({ name: k.name, offset: k.offset, default: undefined });
  events.sort((a, b) => a.offset - b.offset);
  for (const e of events) if (ENV_NAME.test(e.name)) out.push(e);
  return out;
}

/** `environment:` keys whose value comes from outside: `- X`, `X:` (pass-through) or `X: ${Y}`. */
function environmentPassThrough(root: unknown): EnvRead[] {
  const out: EnvRead[] = [];
  for (const service of mapPairs(findPair(root, 'services')?.value)) {
    const env = findPair(service.value, 'environment')?.value;
    if (isMap(env)) {
      for (const pair of mapPairs(env)) {
        const key = pairKey(pair);
        if (key === undefined) continue;
        const v = pair.value;
        const passThrough = v === null || v === undefined || (isScalar(v) && v.value === null);
        const interpolated = isScalar(v) && typeof v.value === 'string' && interpolations(v.value).length > 0;
        if (passThrough || interpolated) out.push({ name: key, offset: nodeRange(pair.key)?.[0] ?? 0 });
      }
    } else if (isSeq(env)) {
      for (const item of env.items) {
        if (!isScalar(item) || typeof item.value !== 'string') continue;
        const eq = item.value.indexOf('=');
        const name = eq === -1 ? item.value : item.value.slice(0, eq);
        if (eq === -1 || interpolations(item.value.slice(eq + 1)).length > 0) out.push({ name, offset: nodeRange(item)?.[0] ?? 0 });
      }
    }
  }
  return out;
}

/** Repo paths (relative to the compose file's folder, as written) of every service's `env_file:`. */
export function composeEnvFiles(file: SourceFile): Array<{ service: string; path: string; offset: number }> {
  const parsed = parseYaml(file);
  if (parsed.error) return [];
  const out: Array<{ service: string; path: string; offset: number }> = [];
  for (const service of mapPairs(findPair(parsed.doc.contents, 'services')?.value)) {
    const name = pairKey(service);
    if (name === undefined) continue;
    const v = findPair(service.value, 'env_file')?.value;
    const items: unknown[] = isSeq(v) ? v.items : v === undefined || v === null ? [] : [v];
    for (const item of items) {
      const node = isMap(item) ? findPair(item, 'path')?.value : item;
      if (isScalar(node) && typeof node.value === 'string') out.push({ service: name, path: node.value, offset: nodeRange(node)?.[0] ?? 0 });
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Real env files

/**
 * A file that is an env template under any spelling: what `isEnvTemplate` (src/facts/docs/paths.ts)
 * accepts, plus `example.env` and `.env.defaults`. A reference to a missing `.env.example` next
 * to one of these may mean it.
 */
export function isTemplateSpelling(p: string): boolean {
  return isEnvTemplate(p) || /(^|\/)(\.?example\.env|\.env\.defaults|\.?env\.dist|\.?env\.example)$/i.test(p);
}

/**
 * `.env`, `.env.local`, `.env.production` … (templates excluded by the caller). dotenvx's
 * `.env.keys`, `.env.vault` and `.env.me` hold keys and encrypted payloads, not the app's
 * variables: not env files here.
 */
export function isDotenvPath(p: string): boolean {
  return /(^|\/)\.env(\.[\w.-]+)?$/.test(p) && !/(^|\/)\.env\.(keys|vault|me)$/.test(p);
}

/**
 * The names of a dotenv file's `NAME=` lines (parsed by parseDotenv, shared with the secrets
 * collector). Only upper-case names count; the lines of a quoted multi-line value belong to
 * that value, so no part of a value (a PEM block, a base64 line) can ever pass for a name.
 */
export function dotenvNames(file: SourceFile): EnvRead[] {
  const starts = lineStarts(file.text);
  const out: EnvRead[] = [];
  for (const entry of parseDotenv(file.text)) {
    if (!/^[A-Z_][A-Z0-9_]*$/.test(entry.key)) continue;
    const start = starts[entry.from - 1] ?? 0;
    const line = file.text.slice(start, starts[entry.from] ?? file.text.length);
    out.push({ name: entry.key, offset: start + (line.length - line.trimStart().length) });
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Python

export interface PySettingsClass {
  name: string;
  /** env_prefix as written (undefined when none). */
  prefix: string | undefined;
  caseSensitive: boolean;
  reads: EnvRead[];
}

export interface PythonEnvReads {
  /** os.environ / os.getenv reads, in source order. */
  os: EnvRead[];
  settings: PySettingsClass[];
}

/** Cheap text filter: a module that cannot read the environment is not parsed. */
const PY_HINT = /environ|getenv|BaseSettings/;

/** Read in the file's one tree-sitter pass (formats/python.ts), only where the hint matches. */
const PY_ENV_READS = definePythonAnalysis<PythonEnvReads>({
  name: 'environment reads',
  owner: 'env-example-missing',
  run: (root, file) => (PY_HINT.test(file.text) ? readPython(root) : { os: [], settings: [] }),
  noTree: () => ({ os: [], settings: [] }),
  // Joins every pass over a module that may read the environment: the rule asks about some of
  // them (those below a folder with an env example the docs or code refer to, index.ts), which
  // a look at one file cannot tell, and a module asked about after its pass would be parsed
  // twice. On the corpus it joined 57 passes and was asked about none.
  inPass: (file) => PY_HINT.test(file.text),
  // The rule reads modules only below a folder with an env example that the docs or code refer
  // to: in most repositories none, and a parse worker reading every module that mentions the
  // environment cost a 20,000-file run 2,584 parses nobody asked for. The modules it does ask
  // about are parsed when asked (or read in a pass another rule's ask started).
  ahead: () => false,
});

export async function pythonEnvReads(file: SourceFile): Promise<PythonEnvReads> {
  return PY_HINT.test(file.text) ? pythonAnalysis(file, PY_ENV_READS) : { os: [], settings: [] };
}

function stringValue(node: TSNode | null | undefined): string | undefined {
  if (!node) return undefined;
  if (node.type === 'concatenated_string') return undefined;
  return node.type === 'string' ? readString(node)?.value : undefined;
}

function readPython(root: TSNode): PythonEnvReads {
  // What the module's imports bind.
  const osNames = new Set<string>();
  const environNames = new Set<string>();
  const getenvNames = new Set<string>();
  const settingsBases = new Set<string>();
  const settingsModules = new Set<string>();
  for (const stmt of root.descendantsOfType(['import_statement', 'import_from_statement'])) {
    if (!stmt) continue;
    if (stmt.type === 'import_statement') {
      for (const n of stmt.namedChildren) {
        if (!n) continue;
        if (n.type === 'dotted_name' && n.text === 'os') osNames.add('os');
        else if (n.type === 'dotted_name' && /^(pydantic|pydantic_settings)$/.test(n.text)) settingsModules.add(n.text);
        else if (n.type === 'aliased_import') {
          const target = n.childForFieldName('name')?.text;
          const alias = n.childForFieldName('alias')?.text;
          if (!alias) continue;
          if (target === 'os') osNames.add(alias);
          else if (target === 'pydantic' || target === 'pydantic_settings') settingsModules.add(alias);
        }
      }
      continue;
    }
    const module = stmt.childForFieldName('module_name')?.text;
    const imported = (n: TSNode): { name: string; alias: string } | undefined => {
      if (n.type === 'dotted_name') return { name: n.text, alias: n.text };
      if (n.type === 'aliased_import') {
        const name = n.childForFieldName('name')?.text;
        const alias = n.childForFieldName('alias')?.text;
        return name && alias ? { name, alias } : undefined;
      }
      return undefined;
    };
    for (const n of stmt.childrenForFieldName('name')) {
      if (!n) continue;
      const i = imported(n);
      if (!i) continue;
      if (module === 'os' && i.name === 'environ') environNames.add(i.alias);
      if (module === 'os' && i.name === 'getenv') getenvNames.add(i.alias);
      if ((module === 'pydantic' || module === 'pydantic_settings' || module === 'pydantic.env_settings') && i.name === 'BaseSettings') settingsBases.add(i.alias);
    }
  }

  const isEnviron = (n: TSNode | null | undefined): boolean => {
    if (!n) return false;
    if (n.type === 'identifier') return environNames.has(n.text);
    if (n.type !== 'attribute') return false;
    const obj = n.childForFieldName('object');
    return n.childForFieldName('attribute')?.text === 'environ' && obj?.type === 'identifier' && osNames.has(obj.text);
  };

  const reads: EnvRead[] = [];
  for (const node of root.descendantsOfType(['subscript', 'call', 'comparison_operator'])) {
    if (!node) continue;
    if (node.type === 'subscript') {
      if (!isEnviron(node.childForFieldName('value'))) continue;
      const parent = node.parent;
      // `os.environ["X"] = v` and `del os.environ["X"]` set the variable, they do not read it.
      if (parent?.type === 'assignment' && parent.childForFieldName('left')?.id === node.id) continue;
      if (parent?.type === 'augmented_assignment' && parent.childForFieldName('left')?.id === node.id) continue;
      if (parent?.type === 'delete_statement' || parent?.parent?.type === 'delete_statement') continue;
      const subs = node.childrenForFieldName('subscript').filter((s): s is TSNode => s !== null);
      const name = subs.length === 1 ? stringValue(subs[0]) : undefined;
      if (name !== undefined) reads.push({ name, offset: node.startIndex, optional: false });
    } else if (node.type === 'call') {
      const fn = node.childForFieldName('function');
      const args = node.childForFieldName('arguments');
      const first = args?.namedChildren.find((c) => c && c.type !== 'comment');
      if (!fn || !first) continue;
      let reading = false;
      if (fn.type === 'identifier') reading = getenvNames.has(fn.text);
      else if (fn.type === 'attribute') {
        const attr = fn.childForFieldName('attribute')?.text;
        const obj = fn.childForFieldName('object');
        if (attr === 'getenv') reading = obj?.type === 'identifier' && osNames.has(obj.text);
        else if (attr === 'get' || attr === 'setdefault') reading = isEnviron(obj);
      }
      const name = reading ? stringValue(first) : undefined;
      // getenv, .get and .setdefault all have a default (None at least).
      if (name !== undefined) reads.push({ name, offset: node.startIndex, optional: true });
    } else {
      // `"X" in os.environ` / `"X" not in os.environ`
      const operands = node.namedChildren.filter((c): c is TSNode => c !== null && c.type !== 'comment');
      const ops = node.childrenForFieldName('operators').map((o) => o?.type);
      if (operands.length !== 2 || !(ops.includes('in') || ops.includes('not in'))) continue;
      if (!isEnviron(operands[1])) continue;
      const name = stringValue(operands[0]);
      // A presence check: an empty `NAME=` line would turn it on.
      if (name !== undefined) reads.push({ name, offset: node.startIndex, optional: true });
    }
  }
  reads.sort((a, b) => a.offset - b.offset);

  return { os: reads.filter((r) => ENV_NAME.test(r.name)), settings: settingsClasses(root, settingsBases, settingsModules) };
}

/** pydantic settings classes of a module, in source order. */
function settingsClasses(root: TSNode, bases: Set<string>, modules: Set<string>): PySettingsClass[] {
  const classes = root.descendantsOfType('class_definition').filter((c): c is TSNode => c !== null);
  const known = new Map<string, { prefix: string | undefined; caseSensitive: boolean | undefined }>();
  const out: PySettingsClass[] = [];
  const isSettingsBase = (n: TSNode): boolean => {
    if (n.type === 'identifier') return bases.has(n.text) || known.has(n.text);
    if (n.type === 'attribute') {
      const obj = n.childForFieldName('object');
      return n.childForFieldName('attribute')?.text === 'BaseSettings' && obj !== null && modules.has(obj.text);
    }
    return false;
  };
  for (const cls of classes) {
    const name = cls.childForFieldName('name')?.text;
    const supers = cls.childForFieldName('superclasses');
    const body = cls.childForFieldName('body');
    if (!name || !supers || !body) continue;
    const parents = supers.namedChildren.filter((n): n is TSNode => n !== null && n.type !== 'keyword_argument' && n.type !== 'comment');
    const settingsParent = parents.find(isSettingsBase);
    if (!settingsParent) continue;
    const inherited = settingsParent.type === 'identifier' ? known.get(settingsParent.text) : undefined;
    let prefix = inherited?.prefix;
    let caseSensitive = inherited?.caseSensitive;
    const fields: Array<{ field: string; aliases: string[] | undefined; offset: number; optional: boolean }> = [];
    for (const stmt of body.namedChildren) {
      if (!stmt) continue;
      if (stmt.type === 'class_definition' && stmt.childForFieldName('name')?.text === 'Config') {
        // pydantic v1: class Config: env_prefix = "APP_"
        for (const inner of stmt.childForFieldName('body')?.namedChildren ?? []) {
          const a = inner?.type === 'expression_statement' ? inner.namedChildren[0] : undefined;
          if (a?.type !== 'assignment') continue;
          const key = a.childForFieldName('left')?.text;
          const right = a.childForFieldName('right');
          if (key === 'env_prefix') prefix = stringValue(right) ?? prefix;
          if (key === 'case_sensitive') caseSensitive = right?.type === 'true' ? true : right?.type === 'false' ? false : caseSensitive;
        }
        continue;
      }
      if (stmt.type !== 'expression_statement') continue;
      const a = stmt.namedChildren[0];
      if (a?.type !== 'assignment') continue;
      const left = a.childForFieldName('left');
      const right = a.childForFieldName('right');
      const type = a.childForFieldName('type');
      if (left?.type !== 'identifier') continue;
      if (left.text === 'model_config') {
        const config = readConfig(right);
        if (config.prefix !== undefined) prefix = config.prefix;
        if (config.caseSensitive !== undefined) caseSensitive = config.caseSensitive;
        continue;
      }
      // Fields are annotated; `ClassVar` and private names are not fields.
      if (!type || left.text.startsWith('_') || /^(typing\.)?ClassVar\b/.test(type.text)) continue;
      // `x: Annotated[str, Field(alias="X")] = d`: the Field() in the annotation counts as well.
      const annotated = /^(typing\.|typing_extensions\.)?Annotated\[/.test(type.text) ? type.descendantsOfType('call').find((c) => c !== null && isFieldCall(c)) ?? null : null;
      const aliases = fieldAliases(right) ?? fieldAliases(annotated);
      const optional = right !== null ? hasDefault(right) : annotated !== null && hasDefault(annotated);
      fields.push({ field: left.text, aliases, offset: left.startIndex, optional });
    }
    known.set(name, { prefix, caseSensitive });
    const sensitive = caseSensitive === true;
    const reads: EnvRead[] = [];
    for (const f of fields) {
      const names = f.aliases ?? [`${prefix ?? ''}${f.field}`];
      for (const n of names) {
        const envName = sensitive ? n : n.toUpperCase();
        if (ENV_NAME.test(envName)) reads.push({ name: envName, offset: f.offset, optional: f.optional });
      }
    }
    out.push({ name, prefix, caseSensitive: sensitive, reads });
  }
  return out;
}

/**
 * Whether a pydantic field's right-hand side gives it a default: any value but `...`; for
 * `Field(…)`, a `default=` or `default_factory=` keyword or a first positional that is not `...`.
 */
function hasDefault(right: TSNode | null): boolean {
  if (!right || right.type === 'ellipsis') return false;
  if (!isFieldCall(right)) return true;
  const args = (right.childForFieldName('arguments')?.namedChildren ?? []).filter((a): a is TSNode => a !== null && a.type !== 'comment');
  const first = args[0];
  if (first && first.type !== 'keyword_argument') return first.type !== 'ellipsis';
  return args.some((a) => a.type === 'keyword_argument' && /^(default|default_factory)$/.test(a.childForFieldName('name')?.text ?? '') && a.childForFieldName('value')?.type !== 'ellipsis');
}

/** `SettingsConfigDict(env_prefix=…, case_sensitive=…)` or a dict literal. */
function readConfig(node: TSNode | null): { prefix: string | undefined; caseSensitive: boolean | undefined } {
  const out: { prefix: string | undefined; caseSensitive: boolean | undefined } = { prefix: undefined, caseSensitive: undefined };
  if (!node) return out;
  const take = (key: string | undefined, value: TSNode | null): void => {
    if (key === 'env_prefix') out.prefix = stringValue(value);
    if (key === 'case_sensitive') out.caseSensitive = value?.type === 'true' ? true : value?.type === 'false' ? false : undefined;
  };
  if (node.type === 'call') {
    for (const arg of node.childForFieldName('arguments')?.namedChildren ?? []) {
      if (arg?.type === 'keyword_argument') take(arg.childForFieldName('name')?.text, arg.childForFieldName('value'));
    }
  } else if (node.type === 'dictionary') {
    for (const pair of node.namedChildren) {
      if (pair?.type === 'pair') take(stringValue(pair.childForFieldName('key')), pair.childForFieldName('value'));
    }
  }
  return out;
}

/** `Field(…)` or `pydantic.Field(…)`. */
function isFieldCall(node: TSNode): boolean {
  if (node.type !== 'call') return false;
  const fn = node.childForFieldName('function');
  const fnName = fn?.type === 'attribute' ? fn.childForFieldName('attribute')?.text : fn?.text;
  return fnName === 'Field';
}

/** `Field(alias=…, validation_alias=…|AliasChoices(…), env=…)`: the env names it reads instead of the field's. */
function fieldAliases(node: TSNode | null): string[] | undefined {
  if (!node || !isFieldCall(node)) return undefined;
  const found: Record<string, string[]> = {};
  for (const arg of node.childForFieldName('arguments')?.namedChildren ?? []) {
    if (arg?.type !== 'keyword_argument') continue;
    const key = arg.childForFieldName('name')?.text;
    const value = arg.childForFieldName('value');
    if (!key || !value || !['validation_alias', 'alias', 'env'].includes(key)) continue;
    const s = stringValue(value);
    if (s !== undefined) found[key] = [s];
    else if (value.type === 'call' || value.type === 'list' || value.type === 'tuple' || value.type === 'set') {
      // AliasChoices("A", "B"), env=["A", "B"] (pydantic v1)
      const container = value.type === 'call' ? value.childForFieldName('arguments') : value;
      const strings = (container?.namedChildren ?? []).map((c) => stringValue(c)).filter((s): s is string => s !== undefined);
      if (strings.length) found[key] = strings;
    }
  }
  return found.validation_alias ?? found.env ?? found.alias;
}

// ---------------------------------------------------------------------------------------------
// JavaScript / TypeScript

/** Set by Vite itself on `import.meta.env`. */
const VITE_BUILT_INS = new Set(['MODE', 'BASE_URL', 'PROD', 'DEV', 'SSR']);
const JS_CACHE = 'env-names-script';
/** Cheap text filter before parsing. */
const JS_HINT = /import\.meta\.env|process\.env/;

export function scriptEnvReads(file: SourceFile): Promise<EnvRead[]> {
  return file.parse(JS_CACHE, readScriptEnv);
}

async function readScriptEnv(file: SourceFile): Promise<EnvRead[]> {
  let result: EnvRead[] = [];
  // Nesting past the shared limit is refused before the (recursive) parser sees it.
  if (JS_HINT.test(file.text) && nestingOverflow(file.text) === -1) {
    try {
      result = await readScript(file);
    } catch {
      result = []; // a file the parser cannot take: no names from it
    }
  }
  return result;
}

async function readScript(file: SourceFile): Promise<EnvRead[]> {
  const { ts } = await loadTsMorph();
  const ext = file.path.slice(file.path.lastIndexOf('.') + 1).toLowerCase();
  const kind = ext === 'tsx' ? ts.ScriptKind.TSX : ext === 'jsx' ? ts.ScriptKind.JSX : ['js', 'mjs', 'cjs'].includes(ext) ? ts.ScriptKind.JS : ts.ScriptKind.TS;
  const sf = ts.createSourceFile(file.path, file.text, ts.ScriptTarget.Latest, true, kind);
  const isEnvObject = (e: TsNode): 'vite' | 'node' | undefined => {
    if (!ts.isPropertyAccessExpression(e) || e.name.text !== 'env') return undefined;
    const obj = e.expression;
    if (ts.isMetaProperty(obj) && obj.keywordToken === ts.SyntaxKind.ImportKeyword && obj.name.text === 'meta') return 'vite';
    if (ts.isIdentifier(obj) && obj.text === 'process') return 'node';
    return undefined;
  };
  const isWrite = (n: TsNode): boolean => {
    const p = n.parent;
    if (!p) return false;
    if (ts.isBinaryExpression(p) && p.left === n && p.operatorToken.kind >= ts.SyntaxKind.FirstAssignment && p.operatorToken.kind <= ts.SyntaxKind.LastAssignment) return true;
    return ts.isDeleteExpression(p);
  };
  /**
   * `process.env.X ?? d`, `process.env.X || d` (also through parentheses, `as`, `!` and
   * `Number(…)`-style conversions) and `process.env.X ? … : d`: the code has a default.
   */
  const CONVERSIONS = new Set(['Number', 'parseInt', 'parseFloat', 'String', 'Boolean']);
  const hasDefault = (read: TsNode): boolean | undefined => {
    let n = read;
    for (;;) {
      const p = n.parent;
      if (!p) return undefined;
      if (ts.isParenthesizedExpression(p) || ts.isAsExpression(p) || ts.isNonNullExpression(p) || ts.isTypeAssertionExpression(p)) n = p;
      else if (ts.isCallExpression(p) && p.arguments[0] === n && ts.isIdentifier(p.expression) && CONVERSIONS.has(p.expression.text)) n = p;
      else if (ts.isBinaryExpression(p) && p.left === n && (p.operatorToken.kind === ts.SyntaxKind.QuestionQuestionToken || p.operatorToken.kind === ts.SyntaxKind.BarBarToken)) return true;
      else if (ts.isConditionalExpression(p) && p.condition === n) return true;
      else return undefined;
    }
  };
  const out: EnvRead[] = [];
  const push = (name: string, kind: 'vite' | 'node', offset: number, optional: boolean | undefined): void => {
    if (kind === 'vite' && VITE_BUILT_INS.has(name)) return;
    if (ENV_NAME.test(name)) out.push(optional === undefined ? { name, offset } : { name, offset, optional });
  };
  const stack: TsNode[] = [sf];
  while (stack.length) {
    const n = stack.pop() as TsNode;
    if (ts.isPropertyAccessExpression(n)) {
      const kind = isEnvObject(n.expression);
      if (kind && !isWrite(n)) push(n.name.text, kind, n.getStart(sf), hasDefault(n));
    } else if (ts.isElementAccessExpression(n)) {
      const kind = isEnvObject(n.expression);
      const arg = n.argumentExpression;
      if (kind && !isWrite(n) && (ts.isStringLiteral(arg) || ts.isNoSubstitutionTemplateLiteral(arg))) push(arg.text, kind, n.getStart(sf), hasDefault(n));
    } else if (ts.isVariableDeclaration(n) && n.initializer && ts.isObjectBindingPattern(n.name)) {
      const kind = isEnvObject(n.initializer);
      if (kind) {
        for (const el of n.name.elements) {
          if (el.dotDotDotToken) continue;
          const key = el.propertyName ?? el.name;
          // `const { PORT = 3000 } = process.env`: a default.
          if (ts.isIdentifier(key) || ts.isStringLiteral(key)) push(key.text, kind, el.getStart(sf), el.initializer ? true : undefined);
        }
      }
    }
    const children: TsNode[] = [];
    ts.forEachChild(n, (c) => {
      children.push(c);
    });
    for (let i = children.length - 1; i >= 0; i--) stack.push(children[i] as TsNode);
  }
  return out.sort((a, b) => a.offset - b.offset);
}

// ---------------------------------------------------------------------------------------------
// Placeholders

/** Names whose value is a secret by their look: never given a value, whatever the source. */
export const SECRET_NAME = /PASS|PWD|(^|_)PW(_|$)|(^|_)PIN(_|$)|SECRET|TOKEN|KEY|CRED|AUTH|PRIVATE|DSN|SALT|SIGNATURE|COOKIE|SESSION|HOOK/i;

/** Environment and log-level words. */
const ENV_WORDS = /^(development|dev|production|prod|staging|stage|test|testing|local|preview|debug|info|notice|warn|warning|error|critical|fatal|trace|verbose|silent)$/i;

/**
 * The only compose defaults written as values: things that are never a secret and carry no
 * data. Numbers (ports, counts), booleans, `latest`/`stable`, versions (`1.2.3`, `v2`,
 * `3.12-slim`), environment and log-level words, `localhost` and IP addresses, `host:port`, and
 * a single lower-case word without digits (`db`, `redis`). Anything else is left empty.
 */
const ALLOWED_VALUE: readonly RegExp[] = [
  /^-?\d{1,12}(\.\d{1,6})?$/, // numbers
  /^(true|false|yes|no|on|off)$/i, // booleans (0 and 1 are numbers)
  /^(latest|stable)$/,
  /^v?\d{1,6}(\.\d{1,6}){0,3}(-[a-z]{1,20}[0-9.]{0,8}){1,2}$/, // 3.12-slim, 16-alpine3.19
  /^v?\d{1,6}(\.\d{1,6}){1,3}$/, // 1.2.3
  /^v\d{1,6}$/, // v2
  ENV_WORDS,
  /^(localhost|\d{1,3}(\.\d{1,3}){3}|::1?)$/, // localhost, IP addresses
  /^(localhost|[a-z][a-z.-]{0,62}|\d{1,3}(\.\d{1,3}){3}):\d{1,5}$/, // host:port
  /^[a-z]+([_-][a-z]+)*$/, // a lower-case word, no digits (length checked below)
];

/**
 * The value written for a name: a compose default only when the name is not secret-looking and
 * the default is on the allow-list (ALLOWED_VALUE); otherwise empty.
 */
export function placeholderFor(name: string, composeDefault: string | undefined): string {
  if (composeDefault === undefined || composeDefault === '' || SECRET_NAME.test(name)) return '';
  const d = composeDefault;
  if (d.length > 30) return '';
  return ALLOWED_VALUE.some((re) => re.test(d)) ? d : '';
}
