/**
 * What one Python module says about its version, read in the module's one tree-sitter pass
 * (formats/python.ts): the module-level names bound to the package version, the web apps built
 * with `version=`, and the route handlers that return a `"version"` string literal.
 *
 * Only module-level statements count as bindings: a name bound inside a function is not in
 * scope in a handler, so suggesting it would break the handler.
 */
import type { Node as TSNode } from 'web-tree-sitter';
import { definePythonAnalysis, pythonAnalysis } from '../../src/formats/python.js';
import { prefiltersEnabled } from '../../src/util/prefilter.js';
import { readString, type PyString } from '../../src/formats/python-tree.js';
import type { SourceFile } from '../../src/workspace/source-file.js';

/** Where a module-level name's version comes from. */
export type VersionSource =
  /** `__version__ = "1.2.3"` */
  | { kind: 'literal'; value: string }
  /** `from .version import __version__ [as v]`: the name `attr` of module `module` (dots kept). */
  | { kind: 'import'; module: string; attr: string }
  /** `version("pkg")`, `importlib.metadata.version("pkg")`, `get_distribution("pkg").version`. */
  | { kind: 'distribution'; name: string }
  /** Anything else (computed, read from a file): the name exists, its value is not known here. */
  | { kind: 'opaque' };

export interface VersionBinding {
  name: string;
  source: VersionSource;
}

export interface WebApp {
  /** The module-level name the app is bound to (`app`). */
  name: string;
  /** The callee as written (`FastAPI`, `fastapi.FastAPI`). */
  callee: string;
  /** `version=` as written: a literal, a module-level name, or absent. */
  version: { kind: 'literal'; value: string } | { kind: 'name'; name: string } | undefined;
}

export interface VersionLiteral {
  /** The handler function's name and its route, for the message. */
  handler: string;
  route: string | undefined;
  /** The name the route decorator hangs on (`app` in `@app.get("/")`). */
  decoratedBy: string;
  literal: PyString & { value: string };
  /** Names the handler binds itself (parameters, assignments): a module name they shadow is not in reach. */
  locals: string[];
}

export interface VersionSurface {
  bindings: VersionBinding[];
  apps: WebApp[];
  literals: VersionLiteral[];
}

/** The module-level names that hold "the package version" by convention. */
const VERSION_NAMES = /^(__version__|VERSION|APP_VERSION|PACKAGE_VERSION)$/;
const ROUTE_METHODS = new Set(['get', 'post', 'put', 'patch', 'delete', 'head', 'options', 'api_route', 'route']);
/** The app constructor that takes `version=` (FastAPI publishes it in OpenAPI and as `app.version`). */
const APP_CALLEES = /(^|\.)FastAPI$/;

/** A `"version"` key or value: what a handler returning a version literal writes. */
export const HANDLER_VERSION_KEY = /["']version["']/;

/**
 * A route decorator, `@app.get(` (readHandler takes a handler only under `@NAME.METHOD(…)`), with
 * the spaces and line continuations Python allows around its parts; in a string or a comment too.
 */
const ROUTE_DECORATOR = /@[ \t\f]*(?:\\\r?\n[ \t\f]*)*[\p{XID_Start}_][\p{XID_Continue}]*[ \t\f]*(?:\\\r?\n[ \t\f]*)*\.[ \t\f]*(?:\\\r?\n[ \t\f]*)*(?:get|post|put|patch|delete|head|options|api_route|route)(?![\p{XID_Continue}])/u;

/**
 * Whether a module may hold a route handler that returns a version literal: a `"version"` string,
 * and (a prefilter, src/util/prefilter.ts) a route decorator.
 */
export function mayReturnVersion(text: string): boolean {
  return HANDLER_VERSION_KEY.test(text) && (!prefiltersEnabled() || ROUTE_DECORATOR.test(text));
}

const SURFACE = definePythonAnalysis<VersionSurface>({
  name: 'api-version surface',
  owner: 'api-version-drift',
  run: (root) => readSurface(root),
  noTree: () => ({ bindings: [], apps: [], literals: [] }),
  // Wider than the modules the rule asks about at once: a module a handler's version is resolved
  // in (resolve.ts) is asked later, and would be parsed twice had it left its pass. (On the
  // corpus, with no such handler, this joined 75 passes and was asked in 10.)
  inPass: (file) => file.text.includes('version'),
  // The modules the rule asks about at once (index.ts): a route, and a `"version"` string, as a
  // route returning one spells it.
  ahead: (file) => mayReturnVersion(file.text),
});

export function versionSurface(file: SourceFile): Promise<VersionSurface> {
  return pythonAnalysis(file, SURFACE);
}

function readSurface(root: TSNode): VersionSurface {
  const out: VersionSurface = { bindings: [], apps: [], literals: [] };
  // Only the cheap check runs on modules that cannot hold what the rule reads.
  if (!root.text.includes('version')) return out;
  for (const stmt of root.namedChildren) {
    if (!stmt) continue;
    if (stmt.type === 'import_from_statement') readImport(stmt, out);
    else if (stmt.type === 'expression_statement') readAssignment(stmt.namedChildren[0] ?? null, out);
    else if (stmt.type === 'decorated_definition') readHandler(stmt, out);
  }
  return out;
}

function readImport(stmt: TSNode, out: VersionSurface): void {
  const module = stmt.childForFieldName('module_name')?.text;
  if (!module) return;
  for (const n of stmt.childrenForFieldName('name')) {
    if (!n) continue;
    const [attr, alias] = n.type === 'aliased_import' ? [n.childForFieldName('name')?.text, n.childForFieldName('alias')?.text] : [n.text, n.text];
    if (attr && alias && VERSION_NAMES.test(attr)) out.bindings.push({ name: alias, source: { kind: 'import', module, attr } });
  }
}

function readAssignment(node: TSNode | null, out: VersionSurface): void {
  if (node?.type !== 'assignment') return;
  const left = node.childForFieldName('left');
  const right = node.childForFieldName('right');
  if (left?.type !== 'identifier' || !right) return;
  const app = right.type === 'call' ? readApp(left.text, right) : undefined;
  if (app) {
    out.apps.push(app);
    return;
  }
  if (!VERSION_NAMES.test(left.text)) return;
  out.bindings.push({ name: left.text, source: versionSource(right) });
}

function versionSource(expr: TSNode): VersionSource {
  const s = readString(expr);
  if (s?.value !== undefined) return { kind: 'literal', value: s.value };
  if (expr.type === 'call') {
    const fn = expr.childForFieldName('function')?.text ?? '';
    const arg = firstStringArgument(expr);
    if (arg && /(^|\.)version$/.test(fn) && !fn.includes('__')) return { kind: 'distribution', name: arg };
  }
  // get_distribution("pkg").version
  if (expr.type === 'attribute' && expr.childForFieldName('attribute')?.text === 'version') {
    const obj = expr.childForFieldName('object');
    if (obj?.type === 'call' && /(^|\.)(get_distribution|distribution)$/.test(obj.childForFieldName('function')?.text ?? '')) {
      const arg = firstStringArgument(obj);
      if (arg) return { kind: 'distribution', name: arg };
    }
  }
  return { kind: 'opaque' };
}

function firstStringArgument(call: TSNode): string | undefined {
  const first = call.childForFieldName('arguments')?.namedChildren[0];
  return first ? readString(first)?.value : undefined;
}

function readApp(name: string, call: TSNode): WebApp | undefined {
  const callee = call.childForFieldName('function')?.text ?? '';
  if (!APP_CALLEES.test(callee)) return undefined;
  let version: WebApp['version'];
  for (const arg of call.childForFieldName('arguments')?.namedChildren ?? []) {
    if (arg?.type !== 'keyword_argument' || arg.childForFieldName('name')?.text !== 'version') continue;
    const value = arg.childForFieldName('value');
    const s = value ? readString(value) : undefined;
    if (s?.value !== undefined) version = { kind: 'literal', value: s.value };
    else if (value?.type === 'identifier') version = { kind: 'name', name: value.text };
  }
  return { name, callee, version };
}

/** `@app.get("/")` / `@router.api_route(...)` / `@bp.route(...)` over a function. */
function readHandler(stmt: TSNode, out: VersionSurface): void {
  const def = stmt.childForFieldName('definition');
  if (def?.type !== 'function_definition') return;
  let route: { by: string; path: string | undefined } | undefined;
  for (const d of stmt.namedChildren) {
    if (d?.type !== 'decorator') continue;
    const call = d.namedChildren[0];
    if (call?.type !== 'call') continue;
    const fn = call.childForFieldName('function');
    if (fn?.type !== 'attribute') continue;
    const obj = fn.childForFieldName('object');
    if (obj?.type !== 'identifier' || !ROUTE_METHODS.has(fn.childForFieldName('attribute')?.text ?? '')) continue;
    route = { by: obj.text, path: firstStringArgument(call) };
  }
  const body = def.childForFieldName('body');
  if (!route || !body) return;
  const handler = def.childForFieldName('name')?.text ?? '?';
  const locals = localNames(def);
  for (const ret of returnsOf(body)) {
    for (const dict of returnedDicts(ret)) {
      for (const pair of dict.namedChildren) {
        if (pair?.type !== 'pair') continue;
        const key = pair.childForFieldName('key');
        const value = pair.childForFieldName('value');
        if (!key || !value || readString(key)?.value !== 'version') continue;
        const s = readString(value);
        if (s?.value !== undefined && VERSION_LIKE.test(s.value)) out.literals.push({ handler, route: route.path, decoratedBy: route.by, literal: s as PyString & { value: string }, locals });
      }
    }
  }
}

/** A release number (`0.1.0`, `v2.3`, `1.0.0rc1`), not an API generation (`v1`) or a word. */
const VERSION_LIKE = /^v?\d+\.\d+(?:\.\d+){0,2}(?:[-.+]?[A-Za-z0-9]+)*$/;

/** The return statements of a function body, not of nested functions or classes. */
function returnsOf(node: TSNode): TSNode[] {
  const out: TSNode[] = [];
  const walk = (n: TSNode): void => {
    for (const c of n.namedChildren) {
      if (!c || c.type === 'function_definition' || c.type === 'class_definition' || c.type === 'lambda') continue;
      if (c.type === 'return_statement') out.push(c);
      else walk(c);
    }
  };
  walk(node);
  return out;
}

/** `return {...}`, `return JSONResponse({...})`, `return jsonify({...})`, `return dict(...)` is not read. */
function returnedDicts(ret: TSNode): TSNode[] {
  const value = ret.namedChildren[0];
  if (!value) return [];
  if (value.type === 'dictionary') return [value];
  if (value.type === 'call') {
    const first = value.childForFieldName('arguments')?.namedChildren[0];
    if (first?.type === 'dictionary') return [first];
    for (const a of value.childForFieldName('arguments')?.namedChildren ?? []) {
      if (a?.type === 'keyword_argument' && a.childForFieldName('name')?.text === 'content' && a.childForFieldName('value')?.type === 'dictionary') return [a.childForFieldName('value') as TSNode];
    }
  }
  return [];
}

/** Every identifier a function binds: parameters, assignment and loop targets, `as` names, imports (a `global` name is the module's, so it is not one). */
function localNames(def: TSNode): string[] {
  const names = new Set<string>();
  const targets = (n: TSNode | null): void => {
    if (!n) return;
    if (n.type === 'identifier') names.add(n.text);
    else for (const c of n.namedChildren) targets(c);
  };
  targets(def.childForFieldName('parameters'));
  const walk = (n: TSNode): void => {
    for (const c of n.namedChildren) {
      if (!c) continue;
      if (c.type === 'assignment' || c.type === 'augmented_assignment') targets(c.childForFieldName('left'));
      else if (c.type === 'for_statement' || c.type === 'for_in_clause') targets(c.childForFieldName('left'));
      else if (c.type === 'as_pattern_target') targets(c);
      else if (c.type === 'named_expression') targets(c.childForFieldName('name'));
      else if (c.type === 'import_statement' || c.type === 'import_from_statement') {
        for (const n2 of c.childrenForFieldName('name')) if (n2) targets(n2.type === 'aliased_import' ? n2.childForFieldName('alias') : n2);
      }
      if (c.type !== 'function_definition' && c.type !== 'class_definition') walk(c);
    }
  };
  const body = def.childForFieldName('body');
  if (body) walk(body);
  return [...names];
}
