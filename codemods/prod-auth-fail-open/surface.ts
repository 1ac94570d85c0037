/**
 * What one Python module says about auth and about the environment, read in the module's one
 * tree-sitter pass (formats/python.ts): the auth gates that let a request through when their key
 * is unset, the comparisons of an environment value with "production", and the `if` statements
 * that raise when something is unset (startup checks, settings validators).
 *
 * Plain data only: offsets index `SourceFile.text`.
 */
import type { Node as TSNode } from 'web-tree-sitter';
import type { SourceFile } from '../../src/workspace/source-file.js';
import { definePythonAnalysis, encloses, pythonAnalysis, spanOf, type NodeSpan, type PassTree } from '../../src/formats/python.js';

/** What the unset value is: a module name, an environment variable, an attribute of a module object, or `self.x`. */
export type KeyRef =
  | { kind: 'name'; name: string; env?: string }
  | { kind: 'env'; env: string }
  | { kind: 'attr'; object: string; attr: string };

export type GateKind = 'dependency' | 'before-request' | 'django' | 'starlette';

export interface UnsetBranch {
  /** The `if` statement. */
  start: number;
  end: number;
  key: KeyRef;
  /** How it tests "unset": `not K`, `K is None`, `K == ""`. */
  form: 'not' | 'none' | 'empty';
  /** What the branch does: the statement that lets the request through, as written. */
  allow: string;
  /** Start of the line of the block's first statement; undefined when the block sits on the `if` line. */
  insertAt: number | undefined;
  /** The block's indentation and the `if`'s. */
  blockIndent: string;
  ifIndent: string;
}

export interface AuthGate {
  kind: GateKind;
  name: string;
  className: string | undefined;
  /** Module-level def (or a method of a module-level class): a test can import it. */
  topLevel: boolean;
  async: boolean;
  params: string[];
  decorators: string[];
  /** The function's span. */
  start: number;
  end: number;
  branch: UnsetBranch;
  /** The text before the branch in the body mentions no parameter (a direct call with `None`s reaches the branch). */
  plainPrefix: boolean;
  /** The class's own `__init__`: absent, one parameter besides self, or another shape. */
  classInit: 'none' | 'one' | 'other' | undefined;
  /** Local names bound in the body before the branch to a key read: name → what it reads. */
  locals: Record<string, KeyRef>;
}

export interface ProdComparison {
  /** What is compared: an environment variable, a module name (of this module), or `obj.attr`. */
  env?: string;
  name?: string;
  object?: string;
  attr?: string;
  values: string[];
  start: number;
  end: number;
}

export interface EnvRead {
  env: string;
  /** The default as written (`"production"`), or undefined when there is none. */
  default: string | undefined;
  /** The module-level name it is bound to, if any. */
  bound: string | undefined;
}

export interface RaisingIf {
  /** The condition's text. */
  condition: string;
  start: number;
  /** The name of the enclosing function, undefined at module level. */
  inFunction: string | undefined;
}

export interface AuthSurface {
  gates: AuthGate[];
  comparisons: ProdComparison[];
  envReads: EnvRead[];
  raisingIfs: RaisingIf[];
  /** Fields of settings classes (pydantic `BaseSettings`): each reads the environment variable of its name. */
  settingsFields: Array<{ name: string; default: string | undefined }>;
  /** Names bound by `import os` / `from os import getenv` at module level. */
  importsOs: boolean;
  /** Where `import os` would go: the start of the first module-level import (after `from __future__`), or undefined. */
  afterImports: number | undefined;
}

const EMPTY: AuthSurface = { gates: [], comparisons: [], envReads: [], raisingIfs: [], settingsFields: [], importsOs: false, afterImports: undefined };

/** Values of an environment switch that mean production. */
export const PROD_VALUES = new Set(['production', 'prod', 'live']);

/** Words of a name that make it a credential the gate compares with. */
const KEY_WORDS = new Set(['secret', 'password', 'passwd', 'token', 'apikey']);
const KEY_QUALIFIERS = new Set(['api', 'auth', 'access', 'admin', 'secret', 'master', 'service', 'internal', 'shared', 'bearer', 'client']);
/** A last word that makes the name about a credential, not the credential (its header, its length, its lifetime). */
const NOT_KEY_TAIL = new Set(['header', 'headers', 'name', 'url', 'uri', 'path', 'file', 'prefix', 'length', 'len', 'ttl', 'expire', 'expiry', 'expires', 'expiration', 'minutes', 'seconds', 'days', 'hours', 'limit', 'count', 'type', 'algorithm', 'field', 'param', 'scheme', 'location', 'endpoint', 'id']);
const NOT_KEY_WORD = new Set(['max', 'num', 'min', 'total', 'tokens', 'tokenizer', 'csrf']);

export function nameWords(name: string): string[] {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter(Boolean);
}

/** `API_KEY`, `AUTOPACK_API_KEY`, `settings.api_secret`, `ADMIN_TOKEN`: a configured credential. */
export function isKeyName(name: string): boolean {
  const w = nameWords(name);
  if (w.length === 0) return false;
  if (NOT_KEY_TAIL.has(w[w.length - 1] as string) || w.some((x) => NOT_KEY_WORD.has(x))) return false;
  return w.some((x, i) => KEY_WORDS.has(x) || (x === 'key' && i > 0 && KEY_QUALIFIERS.has(w[i - 1] as string)));
}

/** A deliberate "auth is off" switch, named as one: AUTH_DISABLED, ALLOW_ANONYMOUS, settings.auth.enabled. */
export const DELIBERATE_SWITCH = /\b\w*(AUTH|LOGIN|SECURITY)_?(DISABLED|OPTIONAL|ENABLED|OFF)\w*|\bDISABLE_?(AUTH|LOGIN|SECURITY)\w*|\bNO_?AUTH\b|\bALLOW_?ANON\w*|\bANONYMOUS_?(ACCESS|ALLOWED|MODE)\w*|\bREQUIRE_?AUTH\w*|\bENABLE_?AUTH\w*|\bauth\.enabled\b|\bINSECURE\w*|\bDEV_?MODE\b|\bLOCAL_?ONLY\b/i;

/** The body refuses a request somewhere: the gate fails closed when a key is set. */
const DENIAL = /\b(HTTPException|HTTPUnauthorized|HTTPForbidden|Unauthorized|Forbidden|PermissionDenied|AuthenticationFailed|NotAuthenticated|NotAuthorized|WebSocketException)\b|\babort\(\s*(401|403)\b|status(_code)?\s*=\s*(401|403)\b|HTTP_40[13]_|\b(401|403)\s*\)|HttpResponseForbidden|JsonResponse\([^)]*status\s*=\s*40[13]/;

const AUTH_NAME = /^_?(verify|require|check|validate|authenticate|authorize|authorise|get_current|ensure|enforce)_|(^|_)(auth|authenticate|authenticated|api_key|apikey|token)$/i;

const LOGGING_CALL = /^(logger|logging|log|LOGGER|_logger|_log|warnings|print)\b/;

function stringValue(n: TSNode | null | undefined): string | undefined {
  if (!n || n.type !== 'string') return undefined;
  if (n.namedChildren.some((c) => c?.type === 'interpolation')) return undefined;
  const m = /^[rRuU]?("""|'''|"|')([\s\S]*)\1$/.exec(n.text);
  if (!m || (m[2] as string).includes('\\')) return undefined;
  return m[2];
}

function args(call: TSNode): TSNode[] {
  return (call.childForFieldName('arguments')?.namedChildren ?? []).filter((c): c is TSNode => c !== null && c.type !== 'comment');
}

function unwrap(n: TSNode): TSNode {
  let cur = n;
  for (;;) {
    if (cur.type === 'parenthesized_expression' && cur.namedChildren.length === 1 && cur.namedChildren[0]) cur = cur.namedChildren[0];
    else if (cur.type === 'call') {
      // `x.lower()`, `x.strip()`, `str(x)`: the same value for this purpose.
      const fn = cur.childForFieldName('function');
      const a = args(cur);
      if (fn?.type === 'attribute' && a.length === 0 && /^(lower|upper|strip|casefold)$/.test(fn.childForFieldName('attribute')?.text ?? '')) cur = fn.childForFieldName('object') as TSNode;
      else if (fn?.type === 'identifier' && fn.text === 'str' && a.length === 1) cur = a[0] as TSNode;
      else return cur;
    } else return cur;
  }
}

/** `os.getenv("X", d)`, `os.environ.get("X", d)`, `os.environ["X"]`, `getenv("X")`. */
export function envRead(n: TSNode): { env: string; default: string | undefined } | undefined {
  const e = unwrap(n);
  if (e.type === 'call') {
    const fn = e.childForFieldName('function')?.text.replace(/\s+/g, '');
    if (!fn || !/^((os\.)?getenv|(os\.)?environ\.get)$/.test(fn)) return undefined;
    const a = args(e);
    const env = stringValue(a[0]);
    if (!env) return undefined;
    const d = a[1];
    return { env, default: d && d.type !== 'keyword_argument' ? d.text : undefined };
  }
  if (e.type === 'subscript') {
    const v = e.childForFieldName('value')?.text.replace(/\s+/g, '');
    if (v !== 'os.environ' && v !== 'environ') return undefined;
    const env = stringValue(e.childForFieldName('subscript'));
    return env ? { env, default: undefined } : undefined;
  }
  return undefined;
}

/** Where a name in a gate can come from: the gate's key reads, the module's configuration, or the request. */
interface Scope {
  /** Locals bound in the gate, before the branch, to a key read. */
  locals: Record<string, KeyRef>;
  /** Module-level names bound to an environment read: name → variable. */
  moduleEnv: Map<string, string>;
  /** Module-level credential-like names bound to configuration (not a literal). */
  moduleKeys: Set<string>;
  /** Names the gate binds itself (parameters, assignments): request data, not configuration. */
  shadowed: Set<string>;
}

/** What a value that may hold a configured key is: an env read, a configured name, `obj.attr` of configuration. */
function keyRefOf(n: TSNode, scope: Scope): KeyRef | undefined {
  const e = unwrap(n);
  const env = envRead(e);
  if (env) return isKeyName(env.env) ? { kind: 'env', env: env.env } : undefined;
  if (e.type === 'identifier') {
    if (scope.locals[e.text]) return scope.locals[e.text];
    if (scope.shadowed.has(e.text)) return undefined;
    const m = scope.moduleEnv.get(e.text);
    if (m) return isKeyName(m) || isKeyName(e.text) ? { kind: 'name', name: e.text, env: m } : undefined;
    return scope.moduleKeys.has(e.text) && isKeyName(e.text) ? { kind: 'name', name: e.text } : undefined;
  }
  if (e.type === 'attribute') {
    const obj = e.childForFieldName('object');
    const attr = e.childForFieldName('attribute')?.text;
    if (!obj || !attr || !isKeyName(attr)) return undefined;
    // `request.token`, `user.api_key`: what the request carries, not what the service is configured with.
    const root = /^[A-Za-z_]\w*/.exec(obj.text)?.[0];
    if (!root || (root !== 'self' && root !== 'cls' && scope.shadowed.has(root))) return undefined;
    return { kind: 'attr', object: obj.text, attr };
  }
  return undefined;
}

/** Names a function binds: its parameters and every assignment target, loop and `with … as` name in it. */
function boundNames(fn: TSNode, params: string[]): Set<string> {
  const out = new Set(params.map((p) => p.replace(/^\*+/, '')));
  const targets = (t: TSNode | null): void => {
    if (!t) return;
    if (t.type === 'identifier') out.add(t.text);
    else if (['pattern_list', 'tuple_pattern', 'list_pattern', 'tuple', 'list', 'parenthesized_expression'].includes(t.type)) for (const c of t.namedChildren) targets(c);
  };
  const walk = (n: TSNode): void => {
    if (n.type === 'assignment' || n.type === 'augmented_assignment') targets(n.childForFieldName('left'));
    else if (n.type === 'for_statement' || n.type === 'for_in_clause') targets(n.childForFieldName('left'));
    else if (n.type === 'as_pattern') targets(n.childForFieldName('alias') ?? n.namedChildren[n.namedChildren.length - 1] ?? null);
    else if (n.type === 'named_expression') targets(n.childForFieldName('name'));
    if (n.type === 'function_definition' && n !== fn) return;
    for (const c of n.namedChildren) if (c) walk(c);
  };
  const body = fn.childForFieldName('body');
  if (body) walk(body);
  return out;
}

/** `not K`, `K is None`, `K == ""`, `K is None or K == ""` … on one key. */
function unsetTest(cond: TSNode, scope: Scope): { key: KeyRef; form: UnsetBranch['form'] } | undefined {
  const c = cond.type === 'parenthesized_expression' && cond.namedChildren[0] ? cond.namedChildren[0] : cond;
  if (c.type === 'not_operator') {
    const arg = c.childForFieldName('argument');
    const key = arg && keyRefOf(arg, scope);
    return key ? { key, form: 'not' } : undefined;
  }
  if (c.type === 'comparison_operator') {
    const ops = c.childrenForFieldName('operators');
    const operands = c.namedChildren.filter((x): x is TSNode => x !== null && x.type !== 'comment');
    if (ops.length !== 1 || operands.length !== 2) return undefined;
    const op = ops[0]?.type;
    const [l, r] = operands as [TSNode, TSNode];
    if (op === 'is' && r.type === 'none') {
      const key = keyRefOf(l, scope);
      return key ? { key, form: 'none' } : undefined;
    }
    if (op === '==' && stringValue(r) === '') {
      const key = keyRefOf(l, scope);
      return key ? { key, form: 'empty' } : undefined;
    }
  }
  return undefined;
}

function lineStart(text: string, offset: number): number {
  return text.lastIndexOf('\n', offset - 1) + 1;
}

function indentAt(text: string, offset: number): string {
  const s = lineStart(text, offset);
  return /^[ \t]*/.exec(text.slice(s, offset))?.[0] ?? '';
}

/** The statement of an unset branch that lets the request through, or undefined. */
function allowingStatement(block: TSNode, kind: GateKind): string | undefined {
  const stmts = block.namedChildren.filter((c): c is TSNode => c !== null && c.type !== 'comment');
  const rest = stmts.filter((s) => {
    if (s.type !== 'expression_statement') return true;
    const e = s.namedChildren[0];
    return !(e?.type === 'call' && LOGGING_CALL.test(e.childForFieldName('function')?.text ?? ''));
  });
  if (rest.length !== 1) return undefined;
  const s = rest[0] as TSNode;
  if (s.type === 'pass_statement') return kind === 'dependency' || kind === 'before-request' ? 'pass' : undefined;
  if (s.type !== 'return_statement') return undefined;
  const v = s.namedChildren.find((c) => c && c.type !== 'comment');
  if (!v) return 'return';
  if (v.type === 'none') return 'return None';
  if (v.type === 'true') return kind === 'dependency' ? 'return True' : undefined;
  const inner = v.type === 'await' ? v.namedChildren[0] : v;
  if (inner?.type === 'call') {
    const fn = inner.childForFieldName('function')?.text;
    if (kind === 'starlette' && fn === 'call_next') return s.text;
    if (kind === 'django' && fn === 'self.get_response') return s.text;
  }
  return undefined;
}

function paramNames(fn: TSNode): string[] {
  const out: string[] = [];
  for (const p of fn.childForFieldName('parameters')?.namedChildren ?? []) {
    if (!p) continue;
    if (p.type === 'identifier') out.push(p.text);
    else if (p.type === 'typed_parameter') {
      const id = p.namedChildren.find((c) => c?.type === 'identifier');
      if (id) out.push(id.text);
    } else if (p.type === 'default_parameter' || p.type === 'typed_default_parameter') {
      const id = p.childForFieldName('name');
      if (id) out.push(id.text);
    } else out.push(`*${p.text}`);
  }
  return out;
}

function gateKind(name: string, className: string | undefined, decorators: string[], classBases: string, params: string[], fnText: string, dependsNames: Set<string>): GateKind | undefined {
  if (decorators.some((d) => /\.(before_request|before_app_request)\b/.test(d))) return 'before-request';
  if (className) {
    if (name === 'dispatch' && params.includes('call_next')) return 'starlette';
    if ((name === '__call__' && /\bget_response\b/.test(fnText)) || (name === 'process_request' && /Middleware/.test(`${className} ${classBases}`))) return 'django';
    return undefined;
  }
  if (dependsNames.has(name) || AUTH_NAME.test(name) || /=\s*(Depends|Security|Header)\(/.test(fnText.slice(0, fnText.indexOf(':\n') + 1 || 400))) return 'dependency';
  return undefined;
}

function read(root: TSNode, file: SourceFile, tree: PassTree): AuthSurface {
  const text = file.text;
  const out: AuthSurface = { gates: [], comparisons: [], envReads: [], raisingIfs: [], settingsFields: [], importsOs: false, afterImports: undefined };
  const moduleEnv = new Map<string, string>();
  const moduleKeys = new Set<string>();
  let placed = false;
  const dependsNames = new Set<string>();
  for (const m of text.matchAll(/\b(?:Depends|Security)\(\s*(?:[A-Za-z_]\w*\.)*([A-Za-z_]\w*)\s*[,)]/g)) dependsNames.add(m[1] as string);

  for (const stmt of root.namedChildren) {
    if (!stmt) continue;
    if (stmt.type === 'import_statement' || stmt.type === 'import_from_statement' || stmt.type === 'future_import_statement') {
      // `import os` goes first among the module's imports (the standard library's group), after any `from __future__`.
      const future = stmt.type === 'future_import_statement' || (stmt.type === 'import_from_statement' && stmt.childForFieldName('module_name')?.text === '__future__');
      if (future) {
        const nl = text.indexOf('\n', stmt.endIndex);
        out.afterImports = nl === -1 ? text.length : nl + 1;
      } else if (!placed) {
        out.afterImports = lineStart(text, stmt.startIndex);
        placed = true;
      }
      if (stmt.type === 'import_statement' && stmt.childrenForFieldName('name').some((n) => n?.text === 'os')) out.importsOs = true;
    }
    if (stmt.type === 'expression_statement') {
      const a = stmt.namedChildren[0];
      if (a?.type !== 'assignment') continue;
      const left = a.childForFieldName('left');
      const right = a.childForFieldName('right');
      const env = right && envRead(right);
      if (left?.type === 'identifier' && env) moduleEnv.set(left.text, env.env);
      else if (left?.type === 'identifier' && right && isKeyName(left.text) && !['string', 'none', 'integer', 'true', 'false', 'concatenated_string'].includes(right.type)) moduleKeys.add(left.text);
    }
  }

  const gate = (fn: TSNode, outer: TSNode, name: string, decorators: string[], className: string | undefined, classNode: TSNode | undefined, topLevel: boolean): void => {
    const fnText = fn.text;
    if (!DENIAL.test(fnText) && !/call_next|get_response/.test(fnText)) return;
    const params = paramNames(fn);
    const bases = classNode?.childForFieldName('superclasses')?.text ?? '';
    const kind = gateKind(name, className, decorators, bases, params, fnText, dependsNames);
    if (!kind) return;
    // A middleware lets requests through by calling the next handler; it still has to refuse somewhere.
    if (!DENIAL.test(fnText)) return;
    const body = fn.childForFieldName('body');
    if (!body) return;
    const locals: Record<string, KeyRef> = {};
    const scope: Scope = { locals, moduleEnv, moduleKeys, shadowed: boundNames(fn, params) };
    for (const stmt of body.namedChildren) {
      if (!stmt || stmt.type === 'comment') continue;
      if (stmt.type === 'expression_statement') {
        const a = stmt.namedChildren[0];
        if (a?.type === 'assignment') {
          const left = a.childForFieldName('left');
          const right = a.childForFieldName('right');
          const ref = right && keyRefOf(right, { ...scope, shadowed: new Set([...scope.shadowed].filter((x) => x !== left?.text)) });
          if (left?.type === 'identifier' && ref) locals[left.text] = ref;
          else if (left?.type === 'identifier' && right && isKeyName(left.text) && envRead(right)) locals[left.text] = { kind: 'env', env: (envRead(right) as { env: string }).env };
          continue;
        }
      }
      if (stmt.type !== 'if_statement') continue;
      const cond = stmt.childForFieldName('condition');
      const cons = stmt.childForFieldName('consequence');
      if (!cond || !cons) continue;
      const unset = unsetTest(cond, scope);
      if (!unset) continue;
      const allow = allowingStatement(cons, kind);
      if (!allow) continue;
      const ifRow = stmt.startPosition.row;
      const first = cons.namedChildren.find((c) => c !== null && c.startPosition.row > ifRow);
      const insertAt = first ? lineStart(text, first.startIndex) : undefined;
      // What runs before the branch, docstrings and comments aside.
      const prefix = body.namedChildren
        .filter((c): c is TSNode => c !== null && c.startIndex < stmt.startIndex && c.type !== 'comment' && !(c.type === 'expression_statement' && c.namedChildren[0]?.type === 'string'))
        .map((c) => c.text)
        .join('\n');
      const plainPrefix = !params.some((p) => !p.startsWith('*') && p !== 'self' && new RegExp(`(?<![\\w.])${p}(?!\\w)`).test(prefix));
      let classInit: AuthGate['classInit'];
      if (classNode) {
        const init = classNode.childForFieldName('body')?.namedChildren.map((c) => (c?.type === 'decorated_definition' ? c.childForFieldName('definition') : c)).find((c) => c?.type === 'function_definition' && c.childForFieldName('name')?.text === '__init__');
        classInit = !init ? 'none' : paramNames(init).length === 2 ? 'one' : 'other';
      }
      out.gates.push({
        kind,
        name,
        className,
        topLevel,
        async: fn.children.some((c) => c?.type === 'async'),
        params,
        decorators,
        start: outer.startIndex,
        end: outer.endIndex,
        branch: { start: stmt.startIndex, end: stmt.endIndex, key: unset.key, form: unset.form, allow, insertAt, blockIndent: first ? indentAt(text, first.startIndex) : '', ifIndent: indentAt(text, stmt.startIndex) },
        plainPrefix,
        classInit,
        locals: { ...locals },
      });
      return;
    }
  };

  // What a walk down the tree would read, in its order. A class's walk goes on only into its
  // body, and a function's (with its decorators) only into its body: each such node opens a
  // frame, and a node outside the body of the innermost frame around it is not read.
  const frames: Frame[] = [];
  // An environment read names `getenv` or `environ` (envRead): without either, no call or subscript is one.
  for (const n of tree.descendants(root, /getenv|environ/.test(text) ? SURFACE_TYPES : SURFACE_TYPES_NO_ENV)) {
    const start = n.startIndex;
    const end = n.endIndex;
    while (frames.length > 0 && !encloses(frames[frames.length - 1]!, n, start, end)) frames.pop();
    const frame = frames[frames.length - 1];
    if (frame && !(frame.body && encloses(frame.body, n, start, end))) continue;
    const { fnName, className, classNode, depth } = frame?.inner ?? { fnName: undefined, className: undefined, classNode: undefined, depth: 0 };
    switch (tree.type(n)) {
      case 'call':
      case 'subscript': {
        const env = envRead(n);
        if (env && (n.type === 'subscript' || !n.parent || n.parent.type !== 'attribute')) {
          let bound: string | undefined;
          const p = n.parent?.type === 'assignment' ? n.parent : undefined;
          if (p && fnName === undefined && p.childForFieldName('left')?.type === 'identifier') bound = p.childForFieldName('left')?.text;
          out.envReads.push({ env: env.env, default: env.default, bound });
        }
        break;
      }
      case 'comparison_operator': {
        const ops = n.childrenForFieldName('operators');
        const operands = n.namedChildren.filter((x): x is TSNode => x !== null && x.type !== 'comment');
        if (ops.length === 1 && operands.length === 2 && ['==', '!=', 'in', 'not in'].includes(ops[0]?.type ?? '')) {
          const [l, r] = operands as [TSNode, TSNode];
          let values: string[] = [];
          const one = stringValue(r);
          if (one !== undefined) values = [one];
          else if (['tuple', 'list', 'set'].includes(r.type)) values = r.namedChildren.map((c) => stringValue(c)).filter((v): v is string => v !== undefined);
          values = values.filter((v) => PROD_VALUES.has(v.toLowerCase()));
          if (values.length) {
            const e = unwrap(l);
            const env = envRead(e);
            const cmp: ProdComparison = { values, start: n.startIndex, end: n.endIndex };
            if (env) cmp.env = env.env;
            else if (e.type === 'identifier') {
              if (moduleEnv.has(e.text)) cmp.env = moduleEnv.get(e.text);
              else cmp.name = e.text;
            } else if (e.type === 'attribute') {
              const o = e.childForFieldName('object');
              cmp.object = o?.text;
              cmp.attr = e.childForFieldName('attribute')?.text;
            }
            if (cmp.env || cmp.name || cmp.attr) out.comparisons.push(cmp);
          }
        }
        break;
      }
      case 'if_statement': {
        const cons = n.childForFieldName('consequence');
        const cond = n.childForFieldName('condition');
        if (cons && cond && /\braise\b|\bsys\.exit\(|\bexit\(/.test(cons.text)) out.raisingIfs.push({ condition: cond.text, start: n.startIndex, inFunction: fnName });
        break;
      }
      case 'class_definition': {
        const body = n.childForFieldName('body');
        const name = n.childForFieldName('name')?.text;
        if (/\bBaseSettings\b/.test(n.childForFieldName('superclasses')?.text ?? '')) {
          for (const c of body?.namedChildren ?? []) {
            const a = c?.type === 'expression_statement' ? c.namedChildren[0] : undefined;
            const left = a?.type === 'assignment' ? a.childForFieldName('left') : undefined;
            if (!a || left?.type !== 'identifier') continue;
            const right = a.childForFieldName('right');
            out.settingsFields.push({ name: left.text, default: right?.type === 'string' && stringValue(right) !== undefined ? right.text : undefined });
          }
        }
        frames.push({ node: n, start, end, body: body && spanOf(body), inner: { fnName, className: depth === 0 ? name : undefined, classNode: n, depth: depth + 1 } });
        break;
      }
      case 'decorated_definition':
      case 'function_definition': {
        const fn = n.type === 'decorated_definition' ? n.childForFieldName('definition') : n;
        if (fn?.type !== 'function_definition') break;
        const decorators = n.type === 'decorated_definition' ? n.namedChildren.filter((c) => c?.type === 'decorator').map((c) => (c as TSNode).text) : [];
        const name = fn.childForFieldName('name')?.text ?? '';
        gate(fn, n, name, decorators, fnName === undefined && depth <= 1 ? className : undefined, classNode, fnName === undefined && (depth === 0 || (depth === 1 && className !== undefined)));
        const fnBody = fn.childForFieldName('body');
        frames.push({ node: n, start, end, body: fnBody && spanOf(fnBody), inner: { fnName: name, className: undefined, classNode: undefined, depth: depth + 1 } });
        break;
      }
    }
  }

  return out;
}

/** What `read` looks at below the module level. */
const SURFACE_TYPES = ['call', 'subscript', 'comparison_operator', 'if_statement', 'class_definition', 'decorated_definition', 'function_definition'];
const SURFACE_TYPES_NO_ENV = SURFACE_TYPES.filter((t) => t !== 'call' && t !== 'subscript');

/** A class or function `read` met: the walk goes on only into its `body`, with `inner` as what it is in. */
interface Frame extends NodeSpan {
  body: NodeSpan | null;
  inner: { fnName: string | undefined; className: string | undefined; classNode: TSNode | undefined; depth: number };
}

/** Cheap text filter: a module that reads no credential-like name and compares nothing with "production" has nothing to say. */
const RELEVANT = /["'](production|prod|live)["']|secret|password|passwd|token|api_?key|apikey/i;

export function mayHoldGate(text: string): boolean {
  return RELEVANT.test(text);
}

/**
 * DENIAL without its word boundaries: a gate's function text matches DENIAL (`gate` returns
 * early otherwise), and what matches a part of a text without assertions matches the text, so
 * a module this does not take holds no gate.
 */
const DENIAL_ANYWHERE = new RegExp(DENIAL.source.replace(/\\b/g, ''));

/** Whether a module may hold a gate (a function that refuses a request), before a parse. */
export function mayHoldGateFunction(text: string): boolean {
  return mayHoldGate(text) && DENIAL_ANYWHERE.test(text);
}

/** Code that is not the product: tests, samples, docs, vendored packages. */
const NOT_PRODUCT = /(^|\/)(tests?|testing|examples?|samples?|docs?|fixtures|node_modules|site-packages|vendor|vendored|third_party|migrations|\.[^/]+)\//;
const TEST_MODULE = /(^|\/)(conftest\.py|test_[^/]*\.py|[^/]*_test\.py)$/;

export function isProductModule(p: string): boolean {
  return p.endsWith('.py') && !NOT_PRODUCT.test(p) && !TEST_MODULE.test(p);
}

const SURFACE = definePythonAnalysis<AuthSurface>({
  name: 'auth surface',
  owner: 'prod-auth-fail-open',
  // The modules the rule may ask about (detect.ts, productModules): the analysis joins their
  // passes, and a parse worker reads them ahead (src/parallel/). The rule asks about most of
  // them only when some module holds a gate, but a module parsed without it would then be
  // parsed again: the pass over a module read for another rule reads this too.
  inPass: (file) => isProductModule(file.path) && mayHoldGate(file.text),
  ahead: (file) => isProductModule(file.path) && mayHoldGateFunction(file.text),
  run: (root, file, tree) => (mayHoldGate(file.text) ? read(root, file, tree) : EMPTY),
  noTree: () => EMPTY,
});

export function authSurface(file: SourceFile): Promise<AuthSurface> {
  return pythonAnalysis(file, SURFACE);
}
