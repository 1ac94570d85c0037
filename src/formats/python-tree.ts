/**
 * A closer look at one Python module than the summary in python.ts gives: string-collection
 * constants (module level and class attributes), functions, membership tests (`x in NAME`,
 * `x not in NAME`, `NAME.__contains__(x)`) with what the tested value is derived from, and the
 * places that read each constant. The tree is parsed once per SourceFile, read into plain data
 * and deleted at once (web-tree-sitter's wasm memory is not garbage-collected); the analysis is
 * cached on the SourceFile.
 *
 * Offsets are JS string indices into `SourceFile.text`, so they can be used as edit offsets.
 */
import type { Node as TSNode } from 'web-tree-sitter';
import type { SourceFile } from '../workspace/source-file.js';
import { declarePassInterest, definePythonAnalysis, encloses, firstError, pythonAnalysis, type NodeSpan, type PassTree, type PythonAnalysis } from './python.js';

export interface PyString {
  /** The whole literal, prefix and quotes included. */
  start: number;
  end: number;
  /** Between the quotes. */
  contentStart: number;
  contentEnd: number;
  /** `r`, `u`, `R`, `rb` … as written ('' when none). */
  prefix: string;
  /** `"`, `'`, `"""` or `'''`. */
  quote: string;
  /**
   * The value, when the source text between the quotes *is* the value: no escape sequences,
   * no interpolation, not bytes. Undefined otherwise (such entries are not judged).
   */
  value: string | undefined;
}

export interface PyCollectionElement {
  start: number;
  end: number;
  /** Offset of the comma that follows the element, when one does. */
  commaAfter: number | undefined;
  /** Set when the element is a single string literal; undefined for anything else (names, splats, concatenations). */
  string: PyString | undefined;
}

export type PyCollectionKind = 'set' | 'frozenset' | 'list' | 'tuple';

/** `NAME = {...}`, `NAME: set[str] = {...}`, `NAME = frozenset({...})`, `set([...])`, `(...)`, `[...]`, `"a", "b"`. */
export interface PyStringCollection {
  name: string;
  /** The class whose body binds it (a class attribute), or undefined at module level. */
  className: string | undefined;
  /** Offset of the bound name in its assignment. */
  nameOffset: number;
  /** What the value is at run time. */
  kind: PyCollectionKind;
  /** The bracketed literal holding the elements (`{`…`}`, `[`…`]`, `(`…`)`, or a bare `a, b`). */
  literal: { start: number; end: number; form: 'set' | 'list' | 'tuple' | 'bare-tuple' };
  elements: PyCollectionElement[];
  /** Every element is a string literal (plain or not). */
  allStrings: boolean;
}

export interface PyParam {
  name: string;
  kind: 'positional' | 'keyword-only' | 'args' | 'kwargs';
  hasDefault: boolean;
}

export interface PyFunction {
  name: string;
  /** Module-level class whose body defines it (a method). */
  className: string | undefined;
  /** Defined inside another function (or a lambda). */
  nested: boolean;
  lambda: boolean;
  start: number;
  params: PyParam[];
  /**
   * When the body is straight-line code (docstring, expression statements, assignments) ending
   * in its only `return`, the operands of that return's top-level `or` chain: the index of a
   * membership test in `membershipTests`, or null for any other operand. Undefined otherwise.
   */
  returnOrLeaves: Array<number | null> | undefined;
}

export interface PyKeyStep {
  /** Method name: `lower`, `replace` … */
  method: string;
  /** Positional arguments: the value of each plain string literal, else null. */
  args: Array<string | null>;
  /** Keyword arguments were passed. */
  keywords: boolean;
  /** The call as written after its object, whitespace collapsed: `.replace("-", "_")`. */
  text: string;
}

export type PyKeyBase = { kind: 'param'; name: string; index: number } | { kind: 'other'; text: string };

/** What a tested value is: a chain of method calls on a base, after following local assignments and one-line helpers. */
export interface PyKeyExpr {
  /** Innermost call first. */
  steps: PyKeyStep[];
  base: PyKeyBase;
  /** The operand as written at the test. */
  text: string;
}

export interface PyMembershipTest {
  start: number;
  end: number;
  negated: boolean;
  form: 'in' | '__contains__';
  /** `NAME` (object undefined) or `obj.NAME`. */
  container: { name: string; object: string | undefined; offset: number };
  key: PyKeyExpr;
  /** Index into `functions` of the innermost enclosing function, or -1 at module or class level. */
  functionIndex: number;
}

/** A read of a name that some collection binds: a bare `NAME` or an attribute `obj.NAME`. */
export interface PyReference {
  name: string;
  object: string | undefined;
  offset: number;
  /** `NAME.method(...)`: the method called on it. */
  method: string | undefined;
  /** The class whose body (not a method of it) holds the read. */
  classBody: string | undefined;
}

export interface PythonTreeAnalysis {
  error: { message: string; offset: number } | null;
  collections: PyStringCollection[];
  /** How many module-level statements bind each name (assignments, defs, imports, loops …). */
  moduleBindings: Map<string, number>;
  /** Per module-level class: how many statements of its body bind each name. */
  classBindings: Map<string, Map<string, number>>;
  /** Names some function declares `global` or `nonlocal`. */
  globals: Set<string>;
  functions: PyFunction[];
  membershipTests: PyMembershipTest[];
  references: PyReference[];
}

const TREE_ANALYSIS = definePythonAnalysis<PythonTreeAnalysis>({
  name: 'collections, functions and references',
  run: (root, file, tree) => new Analyzer(root, file.text, tree).run(),
  noTree: (error) => emptyAnalysis(error),
});

/** The analysis of `file`, from its one tree-sitter pass (formats/python.ts). */
export function analyzePythonTree(file: SourceFile): Promise<PythonTreeAnalysis> {
  return pythonAnalysis(file, TREE_ANALYSIS);
}

/**
 * A rule that asks for this analysis (directly, or through `files.python`) says which files, so
 * that it runs in the pass over those files only (formats/python.ts, `declarePassInterest`).
 * Every asker declares one; a file asked about that no interest took costs a second parse.
 */
export function declareTreeInterest(rule: string, wants: (file: SourceFile) => boolean, ahead?: (file: SourceFile) => boolean): void {
  declarePassInterest(TREE_ANALYSIS as PythonAnalysis<unknown>, rule, wants, ahead);
}

function emptyAnalysis(error: PythonTreeAnalysis['error']): PythonTreeAnalysis {
  return { error, collections: [], moduleBindings: new Map(), classBindings: new Map(), globals: new Set(), functions: [], membershipTests: [], references: [] };
}

// ---------------------------------------------------------------------------------------------
// strings

const STRING_PREFIX = /^([A-Za-z]*)("""|'''|"|')$/;

/** A `string` node as plain data. */
export function readString(node: TSNode): PyString | undefined {
  if (node.type !== 'string') return undefined;
  const startTok = node.children.find((c) => c?.type === 'string_start');
  const endTok = node.children.find((c) => c?.type === 'string_end');
  if (!startTok || !endTok) return undefined;
  const m = STRING_PREFIX.exec(startTok.text);
  if (!m) return undefined;
  const prefix = m[1] ?? '';
  const quote = m[2] ?? '"';
  const contentStart = startTok.endIndex;
  const contentEnd = endTok.startIndex;
  const raw = node.text.slice(contentStart - node.startIndex, contentEnd - node.startIndex);
  const lower = prefix.toLowerCase();
  const interpolated = lower.includes('f') || lower.includes('t') || node.children.some((c) => c?.type === 'interpolation');
  const plain = !interpolated && !lower.includes('b') && (lower.includes('r') || !raw.includes('\\'));
  return { start: node.startIndex, end: node.endIndex, contentStart, contentEnd, prefix, quote, value: plain ? raw : undefined };
}

// ---------------------------------------------------------------------------------------------

interface Scope {
  /** The function_definition or lambda node. */
  node: TSNode;
  index: number;
  params: PyParam[];
  /**
   * Local bindings of the body (not of nested scopes), in source order: `Analyzer.bindings`
   * reads them when first asked. Only a scope with a membership test (or a helper one calls)
   * needs them, and reading every function body again was a quarter of this analysis.
   */
  assignments: Map<string, LocalBinding[]> | undefined;
}

interface LocalBinding {
  start: number;
  /** The statement's enclosing block range: a use inside it, after the statement, is reached by it. */
  blockStart: number;
  blockEnd: number;
  /** The assigned expression, for a plain `name = expr` / `name: T = expr`; undefined for other bindings. */
  value: TSNode | undefined;
}

const SCOPE_TYPES = new Set(['function_definition', 'lambda']);
/** What `Analyzer.walk` reads: the scopes, and the nodes that may be membership tests. */
const WALKED_TYPES = ['function_definition', 'lambda', 'comparison_operator', 'call'];
const WALKED_TYPES_NO_CALL = ['function_definition', 'lambda', 'comparison_operator'];
const COMPREHENSIONS = new Set(['list_comprehension', 'set_comprehension', 'dictionary_comprehension', 'generator_expression']);
const COMPOUND_BLOCKS = new Set(['if_statement', 'try_statement', 'with_statement', 'else_clause', 'elif_clause', 'except_clause', 'except_group_clause', 'finally_clause', 'block', 'for_statement', 'while_statement']);
const CONSTRUCTORS: Record<string, PyCollectionKind> = { set: 'set', frozenset: 'frozenset', list: 'list', tuple: 'tuple' };

class Analyzer {
  private out = emptyAnalysis(null);
  private scopes = new Map<number, Scope>();
  /** Module-level functions by name (the last definition wins), for following one-line helpers. */
  private moduleFunctions = new Map<string, TSNode>();
  private collectionNameOffsets = new Set<number>();

  constructor(
    private readonly root: TSNode,
    private readonly text: string,
    private readonly tree: PassTree,
  ) {}

  run(): PythonTreeAnalysis {
    const root = this.root;
    if (root.hasError) {
      const bad = firstError(root);
      this.out.error = { message: bad?.isMissing ? `missing ${bad.type}` : 'syntax error', offset: bad?.startIndex ?? 0 };
    }
    this.moduleLevel(root);
    this.walk(root);
    this.collectReferences(root);
    return this.out;
  }

  // ---- module and class level -----------------------------------------------------------

  private moduleLevel(block: TSNode): void {
    for (const stmt of block.namedChildren) {
      if (!stmt) continue;
      countBindings(stmt, this.out.moduleBindings);
      if (stmt.type === 'expression_statement') {
        for (const expr of stmt.namedChildren) if (expr) this.collectionAssignment(expr, undefined);
      } else if (stmt.type === 'class_definition' || (stmt.type === 'decorated_definition' && stmt.childForFieldName('definition')?.type === 'class_definition')) {
        const cls = stmt.type === 'class_definition' ? stmt : (stmt.childForFieldName('definition') as TSNode);
        this.classLevel(cls);
      } else if (stmt.type === 'function_definition' || (stmt.type === 'decorated_definition' && stmt.childForFieldName('definition')?.type === 'function_definition')) {
        const fn = stmt.type === 'function_definition' ? stmt : (stmt.childForFieldName('definition') as TSNode);
        const name = fn.childForFieldName('name')?.text;
        if (name) this.moduleFunctions.set(name, fn);
      } else if (COMPOUND_BLOCKS.has(stmt.type) && stmt.type !== 'for_statement' && stmt.type !== 'while_statement') {
        this.moduleLevel(stmt);
      }
    }
  }

  private classLevel(cls: TSNode): void {
    const className = cls.childForFieldName('name')?.text;
    const body = cls.childForFieldName('body');
    if (!className || !body) return;
    const bindings = this.out.classBindings.get(className) ?? new Map<string, number>();
    this.out.classBindings.set(className, bindings);
    for (const stmt of body.namedChildren) {
      if (!stmt) continue;
      countBindings(stmt, bindings);
      if (stmt.type === 'expression_statement') for (const expr of stmt.namedChildren) if (expr) this.collectionAssignment(expr, className);
    }
  }

  private collectionAssignment(expr: TSNode, className: string | undefined): void {
    if (expr.type !== 'assignment') return;
    const left = expr.childForFieldName('left');
    const right = expr.childForFieldName('right');
    if (left?.type !== 'identifier' || !right) return;
    const value = collectionValue(right);
    if (!value) return;
    this.collectionNameOffsets.add(left.startIndex);
    this.out.collections.push({ name: left.text, className, nameOffset: left.startIndex, ...value });
  }

  // ---- scopes, membership tests -----------------------------------------------------------

  private scopeFor(node: TSNode, enclosing: number): Scope {
    const existing = this.scopes.get(node.id);
    if (existing) return existing;
    const isLambda = node.type === 'lambda';
    const params = readParams(node.childForFieldName('parameters'));
    let className: string | undefined;
    const parent = node.parent?.type === 'decorated_definition' ? node.parent.parent : node.parent;
    if (!isLambda && enclosing === -1 && parent?.type === 'block' && parent.parent?.type === 'class_definition' && isModuleLevel(parent.parent)) {
      className = parent.parent.childForFieldName('name')?.text;
    }
    let name = node.childForFieldName('name')?.text ?? '<lambda>';
    if (isLambda && node.parent?.type === 'assignment' && node.parent.childForFieldName('left')?.type === 'identifier') {
      name = node.parent.childForFieldName('left')?.text ?? name;
    }
    const index = this.out.functions.length;
    this.out.functions.push({ name, className, nested: enclosing !== -1, lambda: isLambda, start: node.startIndex, params, returnOrLeaves: undefined });
    const scope: Scope = { node, index, params, assignments: undefined };
    this.scopes.set(node.id, scope);
    return scope;
  }

  private bindings(scope: Scope): Map<string, LocalBinding[]> {
    if (scope.assignments === undefined) {
      scope.assignments = new Map();
      const body = scope.node.childForFieldName('body');
      if (body) collectLocalBindings(body, scope.assignments, scope.node.type === 'lambda' ? undefined : body, this.tree);
    }
    return scope.assignments;
  }

  /**
   * Every scope, comparison and call of the module, in the order a walk of the whole tree meets
   * them, each with the innermost scope around it. Only those nodes are read: the open scopes
   * are a stack of ranges, and a node lies in the innermost one whose range holds it. A
   * function's return is read once its body has been (a walk's way back up).
   */
  private walk(root: TSNode): void {
    const open: Array<NodeSpan & { scope: Scope }> = [];
    const close = (): void => {
      const done = open.pop() as (typeof open)[number];
      if (this.tree.type(done.node) === 'function_definition') this.out.functions[done.scope.index]!.returnOrLeaves = this.returnShape(done.node);
    };
    // A call is a membership test only as `x.__contains__(key)` (containsCall): a module that
    // never spells it has none.
    for (const node of this.tree.descendants(root, this.text.includes('__contains__') ? WALKED_TYPES : WALKED_TYPES_NO_CALL)) {
      const start = node.startIndex;
      const end = node.endIndex;
      while (open.length > 0 && !encloses(open[open.length - 1]!, node, start, end)) close();
      let scope = open[open.length - 1]?.scope;
      let fnIndex = scope?.index ?? -1;
      const type = this.tree.type(node);
      if (SCOPE_TYPES.has(type)) {
        scope = this.scopeFor(node, fnIndex);
        fnIndex = scope.index;
        open.push({ node, start, end, scope });
      }
      if (type === 'comparison_operator') this.comparison(node, fnIndex, scope);
      else if (type === 'call') this.containsCall(node, fnIndex, scope);
    }
    while (open.length > 0) close();
  }

  private comparison(node: TSNode, fnIndex: number, scope: Scope | undefined): void {
    const operators = node.childrenForFieldName('operators');
    const operands = node.namedChildren.filter((c): c is TSNode => c !== null && c.type !== 'comment');
    if (operators.length !== 1 || operands.length !== 2) return;
    const op = operators[0]?.type;
    if (op !== 'in' && op !== 'not in') return;
    const container = containerOf(operands[1] as TSNode);
    if (!container) return;
    const left = operands[0] as TSNode;
    this.out.membershipTests.push({
      start: node.startIndex,
      end: node.endIndex,
      negated: op === 'not in',
      form: 'in',
      container,
      key: { ...this.resolveKey(left, scope, left.startIndex, new Set()), text: collapse(left.text) },
      functionIndex: fnIndex,
    });
  }

  private containsCall(node: TSNode, fnIndex: number, scope: Scope | undefined): void {
    const fn = node.childForFieldName('function');
    if (fn?.type !== 'attribute' || fn.childForFieldName('attribute')?.text !== '__contains__') return;
    const object = fn.childForFieldName('object');
    const container = object ? containerOf(object) : undefined;
    const args = positionalArgs(node);
    if (!container || !args || args.length !== 1) return;
    const arg = args[0] as TSNode;
    this.out.membershipTests.push({
      start: node.startIndex,
      end: node.endIndex,
      negated: false,
      form: '__contains__',
      container,
      key: { ...this.resolveKey(arg, scope, arg.startIndex, new Set()), text: collapse(arg.text) },
      functionIndex: fnIndex,
    });
  }

  /**
   * What `node` (used at `useOffset`) is: peel method calls off it, then follow a local name to
   * the assignment that reaches the use, or a call of a one-line module-level helper to the
   * helper's return expression.
   */
  private resolveKey(node: TSNode, scope: Scope | undefined, useOffset: number, visiting: Set<string>): Omit<PyKeyExpr, 'text'> {
    const outer: PyKeyStep[] = [];
    let cur = node;
    for (;;) {
      if (cur.type === 'parenthesized_expression' && cur.namedChildren.length === 1 && cur.namedChildren[0]) {
        cur = cur.namedChildren[0];
        continue;
      }
      if (cur.type !== 'call') break;
      const fn = cur.childForFieldName('function');
      const args = positionalArgs(cur);
      if (fn?.type === 'attribute') {
        const object = fn.childForFieldName('object');
        const method = fn.childForFieldName('attribute')?.text;
        if (!object || !method) break;
        outer.push({
          method,
          args: (args ?? []).map((a) => readString(a)?.value ?? null),
          keywords: hasKeywordArgs(cur),
          text: collapse(cur.text.slice(object.endIndex - cur.startIndex)),
        });
        cur = object;
        continue;
      }
      if (fn?.type === 'identifier' && fn.text === 'str' && args?.length === 1 && !hasKeywordArgs(cur)) {
        cur = args[0] as TSNode; // str(key) is the key for string keys
        continue;
      }
      if (fn?.type === 'identifier' && args && args.length >= 1 && !hasKeywordArgs(cur) && !this.isLocal(scope, fn.text, useOffset)) {
        const helper = this.helperSteps(fn.text, visiting);
        if (helper) {
          outer.push(...[...helper].reverse());
          cur = args[0] as TSNode;
          continue;
        }
      }
      break;
    }
    const steps = outer.reverse();
    if (cur.type === 'identifier' && scope && !boundByComprehension(cur, scope.node)) {
      const name = cur.text;
      const bindings = (this.bindings(scope).get(name) ?? []).filter((b) => b.start < useOffset);
      const last = bindings[bindings.length - 1];
      if (last) {
        const reaches = last.blockStart <= useOffset && useOffset <= last.blockEnd;
        if (reaches && last.value) {
          const inner = this.resolveKey(last.value, scope, last.start, visiting);
          return { steps: [...inner.steps, ...steps], base: inner.base };
        }
        return { steps, base: { kind: 'other', text: name } };
      }
      const index = scope.params.findIndex((p) => p.name === name);
      if (index !== -1) return { steps, base: { kind: 'param', name, index } };
    }
    return { steps, base: { kind: 'other', text: collapse(cur.text) } };
  }

  private isLocal(scope: Scope | undefined, name: string, useOffset: number): boolean {
    if (!scope) return false;
    return scope.params.some((p) => p.name === name) || (this.bindings(scope).get(name) ?? []).some((b) => b.start < useOffset);
  }

  /** `def norm(k): return k.lower()...` at module level: the steps applied to its first parameter. */
  private helperSteps(name: string, visiting: Set<string>): PyKeyStep[] | undefined {
    const fn = this.moduleFunctions.get(name);
    if (!fn || visiting.has(name)) return undefined;
    const body = fn.childForFieldName('body');
    const ret = body ? straightLineReturn(body) : undefined;
    const value = ret?.namedChildren.find((c) => c && c.type !== 'comment') ?? undefined;
    if (!value) return undefined;
    const scope = this.scopeFor(fn, -1);
    visiting.add(name);
    try {
      const resolved = this.resolveKey(value, scope, value.startIndex, visiting);
      return resolved.base.kind === 'param' && resolved.base.index === 0 && resolved.steps.length > 0 ? resolved.steps : undefined;
    } finally {
      visiting.delete(name);
    }
  }

  private returnShape(fn: TSNode): Array<number | null> | undefined {
    const body = fn.childForFieldName('body');
    const ret = body ? straightLineReturn(body) : undefined;
    if (!ret) return undefined;
    const value = ret.namedChildren.find((c) => c && c.type !== 'comment');
    if (!value) return undefined;
    const leaves: TSNode[] = [];
    const flatten = (n: TSNode): void => {
      if (n.type === 'parenthesized_expression' && n.namedChildren.length === 1 && n.namedChildren[0]) return flatten(n.namedChildren[0]);
      if (n.type === 'boolean_operator' && n.childForFieldName('operator')?.type === 'or') {
        const l = n.childForFieldName('left');
        const r = n.childForFieldName('right');
        if (l && r) {
          flatten(l);
          flatten(r);
          return;
        }
      }
      leaves.push(n);
    };
    flatten(value);
    return leaves.map((leaf) => {
      const i = this.out.membershipTests.findIndex((t) => t.start === leaf.startIndex && t.end === leaf.endIndex);
      return i === -1 ? null : i;
    });
  }

  // ---- references -------------------------------------------------------------------------

  /**
   * Every read of a collection's name, bare or as an attribute, in the order a walk of the
   * tree meets them. The names are found in the text and the tree is asked what each place is:
   * an identifier of exactly that range, or not a name at all (a comment, a string, a longer
   * name). Every identifier spelled as a name is at one of the places the text search finds,
   * so none is missed, and a module's other nodes are never read.
   */
  private collectReferences(root: TSNode): void {
    const text = this.text;
    const names = new Set(this.out.collections.map((c) => c.name));
    if (names.size === 0) return;
    const found: Array<{ start: number; end: number; reference: PyReference }> = [];
    const declared: Array<{ at: number; name: string }> = [];
    const seen = new Set<number>();
    for (const name of names) {
      for (let at = text.indexOf(name); at !== -1; at = text.indexOf(name, at + 1)) {
        const n = root.descendantForIndex(at, at + name.length);
        if (!n || n.type !== 'identifier' || n.startIndex !== at || n.endIndex !== at + name.length || seen.has(n.id)) continue;
        seen.add(n.id);
        const p = n.parent;
        if (p?.type === 'attribute' && p.childForFieldName('attribute')?.id === n.id) {
          const object = p.childForFieldName('object');
          if (object) found.push({ start: p.startIndex, end: p.endIndex, reference: { name, object: collapse(object.text), offset: p.startIndex, method: methodCalledOn(p), classBody: classBodyOf(p) } });
        } else if (p?.type === 'global_statement' || p?.type === 'nonlocal_statement') {
          declared.push({ at, name });
        } else if (this.isRead(n)) {
          found.push({ start: at, end: at + name.length, reference: { name, object: undefined, offset: at, method: methodCalledOn(n), classBody: classBodyOf(n) } });
        }
      }
    }
    // A walk's order: by start, and an attribute before the name it starts with.
    found.sort((a, b) => a.start - b.start || b.end - a.end);
    for (const f of found) this.out.references.push(f.reference);
    for (const d of declared.sort((a, b) => a.at - b.at)) this.out.globals.add(d.name);
  }

  /** A bare identifier that reads a variable (not an attribute name, keyword, parameter or the collection's own binding). */
  private isRead(n: TSNode): boolean {
    if (this.collectionNameOffsets.has(n.startIndex)) return false;
    const p = n.parent;
    if (!p) return true;
    if (p.type === 'attribute' && p.childForFieldName('attribute')?.id === n.id) return false;
    if (p.type === 'keyword_argument' && p.childForFieldName('name')?.id === n.id) return false;
    if ((p.type === 'function_definition' || p.type === 'class_definition') && p.childForFieldName('name')?.id === n.id) return false;
    if (p.type === 'parameters' || p.type === 'lambda_parameters' || p.type === 'typed_parameter') return false;
    if ((p.type === 'default_parameter' || p.type === 'typed_default_parameter') && p.childForFieldName('name')?.id === n.id) return false;
    return p.type !== 'global_statement' && p.type !== 'nonlocal_statement';
  }
}

// ---------------------------------------------------------------------------------------------
// helpers over nodes

/**
 * The module-level class whose body holds `node` with no function or lambda between them: the
 * class body a read is in (`PyReference.classBody`).
 */
function classBodyOf(node: TSNode): string | undefined {
  for (let child = node, p = node.parent; p; child = p, p = p.parent) {
    if (p.type === 'function_definition' || p.type === 'lambda') return undefined;
    if (p.type === 'class_definition' && p.childForFieldName('body')?.id === child.id && isModuleLevel(p)) return p.childForFieldName('name')?.text;
  }
  return undefined;
}

function isModuleLevel(node: TSNode): boolean {
  let p = node.parent;
  if (p?.type === 'decorated_definition') p = p.parent;
  while (p && p.type !== 'module') {
    if (!COMPOUND_BLOCKS.has(p.type) || p.type === 'for_statement' || p.type === 'while_statement') return false;
    p = p.parent;
  }
  return true;
}

function collapse(s: string): string {
  return s.replace(/\s*\n\s*/g, '').replace(/\s+/g, ' ');
}

function positionalArgs(call: TSNode): TSNode[] | undefined {
  const list = call.childForFieldName('arguments');
  if (!list || list.type !== 'argument_list') return undefined;
  return list.namedChildren.filter((c): c is TSNode => c !== null && c.type !== 'comment' && c.type !== 'keyword_argument');
}

function hasKeywordArgs(call: TSNode): boolean {
  const list = call.childForFieldName('arguments');
  return !!list?.namedChildren.some((c) => c?.type === 'keyword_argument' || c?.type === 'dictionary_splat' || c?.type === 'list_splat');
}

function containerOf(node: TSNode): PyMembershipTest['container'] | undefined {
  if (node.type === 'identifier') return { name: node.text, object: undefined, offset: node.startIndex };
  if (node.type === 'attribute') {
    const object = node.childForFieldName('object');
    const attr = node.childForFieldName('attribute');
    if (object?.type === 'identifier' && attr) return { name: attr.text, object: object.text, offset: node.startIndex };
  }
  return undefined;
}

/** `NAME.method(...)`: the method, when `node` is the object of a called attribute. */
function methodCalledOn(node: TSNode): string | undefined {
  const p = node.parent;
  if (p?.type !== 'attribute' || p.childForFieldName('object')?.id !== node.id) return undefined;
  if (p.parent?.type !== 'call' || p.parent.childForFieldName('function')?.id !== p.id) return undefined;
  return p.childForFieldName('attribute')?.text;
}

function collectionValue(right: TSNode): Omit<PyStringCollection, 'name' | 'className' | 'nameOffset'> | undefined {
  let kind: PyCollectionKind;
  let literal: TSNode = right;
  if (right.type === 'call') {
    const fn = right.childForFieldName('function');
    const args = positionalArgs(right);
    const ctor = fn?.type === 'identifier' ? CONSTRUCTORS[fn.text] : undefined;
    if (!ctor || !args || args.length !== 1 || hasKeywordArgs(right)) return undefined;
    literal = args[0] as TSNode;
    if (!['set', 'list', 'tuple'].includes(literal.type)) return undefined;
    kind = ctor;
  } else if (right.type === 'set' || right.type === 'list' || right.type === 'tuple') {
    kind = right.type;
  } else if (right.type === 'expression_list') {
    kind = 'tuple';
  } else {
    return undefined;
  }
  const elements: PyCollectionElement[] = [];
  for (const child of literal.children) {
    if (!child) continue;
    if (child.type === ',') {
      const last = elements[elements.length - 1];
      if (last && last.commaAfter === undefined) last.commaAfter = child.startIndex;
      continue;
    }
    if (!child.isNamed || child.type === 'comment') continue;
    elements.push({ start: child.startIndex, end: child.endIndex, commaAfter: undefined, string: readString(child) });
  }
  if (elements.length === 0) return undefined;
  const form = literal.type === 'expression_list' ? 'bare-tuple' : (literal.type as 'set' | 'list' | 'tuple');
  const allStrings = literal.namedChildren.every((c) => !c || c.type === 'comment' || c.type === 'string' || c.type === 'concatenated_string');
  return { kind, literal: { start: literal.startIndex, end: literal.endIndex, form }, elements, allStrings };
}

function readParams(node: TSNode | null): PyParam[] {
  const out: PyParam[] = [];
  if (!node) return out;
  let keywordOnly = false;
  for (const p of node.namedChildren) {
    if (!p) continue;
    switch (p.type) {
      case 'identifier':
        out.push({ name: p.text, kind: keywordOnly ? 'keyword-only' : 'positional', hasDefault: false });
        break;
      case 'typed_parameter': {
        const inner = p.namedChildren.find((c) => c && c.type !== 'type');
        if (inner?.type === 'identifier') out.push({ name: inner.text, kind: keywordOnly ? 'keyword-only' : 'positional', hasDefault: false });
        else if (inner?.type === 'list_splat_pattern') {
          keywordOnly = true;
          out.push({ name: inner.namedChildren[0]?.text ?? '', kind: 'args', hasDefault: true });
        } else if (inner?.type === 'dictionary_splat_pattern') out.push({ name: inner.namedChildren[0]?.text ?? '', kind: 'kwargs', hasDefault: true });
        break;
      }
      case 'default_parameter':
      case 'typed_default_parameter':
        out.push({ name: p.childForFieldName('name')?.text ?? '', kind: keywordOnly ? 'keyword-only' : 'positional', hasDefault: true });
        break;
      case 'list_splat_pattern':
        keywordOnly = true;
        out.push({ name: p.namedChildren[0]?.text ?? '', kind: 'args', hasDefault: true });
        break;
      case 'dictionary_splat_pattern':
        out.push({ name: p.namedChildren[0]?.text ?? '', kind: 'kwargs', hasDefault: true });
        break;
      case 'keyword_separator':
        keywordOnly = true;
        break;
      default:
        break;
    }
  }
  return out;
}

/** How many statements of one block bind each name (not descending into function bodies). */
function countBindings(stmt: TSNode, counts: Map<string, number>): void {
  const bump = (name: string | undefined): void => {
    if (name) counts.set(name, (counts.get(name) ?? 0) + 1);
  };
  const targets = (n: TSNode | null): void => {
    if (!n) return;
    if (n.type === 'identifier') bump(n.text);
    else if (['pattern_list', 'tuple_pattern', 'list_pattern', 'expression_list', 'tuple', 'list', 'list_splat_pattern', 'parenthesized_expression'].includes(n.type)) {
      for (const c of n.namedChildren) targets(c);
    }
  };
  switch (stmt.type) {
    case 'expression_statement':
      for (const e of stmt.namedChildren) {
        let cur: TSNode | null = e;
        while (cur && (cur.type === 'assignment' || cur.type === 'augmented_assignment')) {
          targets(cur.childForFieldName('left'));
          cur = cur.childForFieldName('right');
        }
      }
      break;
    case 'function_definition':
    case 'class_definition':
      bump(stmt.childForFieldName('name')?.text);
      break;
    case 'decorated_definition':
      bump(stmt.childForFieldName('definition')?.childForFieldName('name')?.text);
      break;
    case 'import_statement':
    case 'import_from_statement':
      for (const n of stmt.namedChildren) {
        if (!n || n.id === stmt.childForFieldName('module_name')?.id) continue;
        if (n.type === 'aliased_import') bump(n.childForFieldName('alias')?.text);
        else if (n.type === 'dotted_name') bump(n.text.split('.')[0]);
      }
      break;
    case 'for_statement':
      targets(stmt.childForFieldName('left'));
      for (const c of stmt.namedChildren) if (c && (c.type === 'block' || c.type === 'else_clause')) blockBindings(c, counts);
      break;
    case 'delete_statement':
      for (const c of stmt.namedChildren) targets(c);
      break;
    default:
      if (COMPOUND_BLOCKS.has(stmt.type)) blockBindings(stmt, counts);
      break;
  }
}

function blockBindings(node: TSNode, counts: Map<string, number>): void {
  for (const c of node.namedChildren) {
    if (!c) continue;
    if (c.type === 'with_clause' || c.type === 'as_pattern') {
      for (const t of c.descendantsOfType('as_pattern_target')) {
        for (const id of t?.descendantsOfType('identifier') ?? []) if (id) counts.set(id.text, (counts.get(id.text) ?? 0) + 1);
      }
      continue;
    }
    countBindings(c, counts);
  }
}

/**
 * Local bindings of a function body: plain assignments keep their value; loop targets,
 * tuple targets, augmented assignments, `with … as`, walrus and imports are bindings without one.
 */
function collectLocalBindings(node: TSNode, out: Map<string, LocalBinding[]>, block: TSNode | undefined, tree: PassTree): void {
  const add = (name: string, start: number, value: TSNode | undefined, where: TSNode | undefined): void => {
    const list = out.get(name) ?? [];
    list.push({ start, blockStart: where?.startIndex ?? start, blockEnd: where?.endIndex ?? start, value });
    out.set(name, list);
  };
  const targets = (n: TSNode | null, start: number, where: TSNode | undefined): void => {
    if (!n) return;
    if (n.type === 'identifier') add(n.text, start, undefined, where);
    else for (const c of n.namedChildren) if (c && c.type !== 'attribute' && c.type !== 'subscript') targets(c, start, where);
  };
  for (const c of tree.children(node)) {
    if (!c) continue;
    const type = tree.type(c);
    if (SCOPE_TYPES.has(type) || type === 'class_definition' || COMPREHENSIONS.has(type)) {
      if (type === 'function_definition' || type === 'class_definition') {
        const name = c.childForFieldName('name')?.text;
        if (name) add(name, c.startIndex, undefined, block);
      }
      continue;
    }
    const where = type === 'block' ? c : block;
    if (type === 'assignment') {
      const left = c.childForFieldName('left');
      const right = c.childForFieldName('right');
      if (left?.type === 'identifier') {
        // The binding takes effect after the statement: key resolution of its own value uses earlier ones.
        add(left.text, c.endIndex, right?.type === 'assignment' ? undefined : right ?? undefined, where);
      } else targets(left, c.endIndex, where);
      if (right?.type === 'assignment') collectLocalBindings(c, out, where, tree);
      continue;
    }
    if (type === 'augmented_assignment') targets(c.childForFieldName('left'), c.endIndex, where);
    else if (type === 'named_expression') targets(c.childForFieldName('name'), c.endIndex, where);
    else if (type === 'for_statement' || type === 'for_in_clause') targets(c.childForFieldName('left'), c.startIndex, c);
    else if (type === 'as_pattern_target') targets(c, c.startIndex, where);
    collectLocalBindings(c, out, where, tree);
  }
}

/** Is `id` (inside scope node `fn`) a comprehension variable of an enclosing comprehension? */
function boundByComprehension(id: TSNode, fn: TSNode): boolean {
  for (let p = id.parent; p && p.id !== fn.id; p = p.parent) {
    if (!COMPREHENSIONS.has(p.type)) continue;
    for (const clause of p.namedChildren) {
      if (clause?.type !== 'for_in_clause') continue;
      const left = clause.childForFieldName('left');
      if (left && (left.type === 'identifier' ? left.text === id.text : left.descendantsOfType('identifier').some((d) => d?.text === id.text))) return true;
    }
  }
  return false;
}

const STRAIGHT = new Set(['expression_statement', 'pass_statement', 'comment']);

/** The body's only return statement, when the body is straight-line code ending in it. */
function straightLineReturn(body: TSNode): TSNode | undefined {
  const stmts = body.namedChildren.filter((c): c is TSNode => c !== null && c.type !== 'comment');
  const last = stmts[stmts.length - 1];
  if (!last || last.type !== 'return_statement') return undefined;
  for (const s of stmts.slice(0, -1)) if (!STRAIGHT.has(s.type)) return undefined;
  return last;
}
