import type { SourceFile } from '../workspace/source-file.js';
import { pythonGrammarPath } from '../util/python-grammar.js';
import { prefiltersEnabled } from '../util/prefilter.js';
import { parseStore } from './store.js';
import type { Node as TSNode, Parser as TSParser } from 'web-tree-sitter';

/** What the module resolver and app discovery need from one Python module. */
export interface PythonModuleSummary {
  /** Names bound at module level (assignments, defs, classes, imports). */
  bindings: Set<string>;
  /** `from x import *` or a module `__getattr__`: any name might exist. */
  open: boolean;
  /** Module-level `NAME = Callee(...)` assignments, for finding the application object. */
  calls: Array<{ name: string; callee: string; offset: number }>;
  error: { message: string; offset: number } | null;
}

let parserPromise: Promise<TSParser> | undefined;

/** Load web-tree-sitter and the Python grammar once, only when a Python file is first needed. */
export function pythonParser(): Promise<TSParser> {
  parserPromise ??= (async () => {
    const { Parser, Language } = await import('web-tree-sitter');
    await Parser.init();
    const language = await Language.load(pythonGrammarPath());
    const parser = new Parser();
    parser.setLanguage(language);
    return parser;
  })();
  return parserPromise;
}

/**
 * Something read from a Python module's syntax tree. Every analysis declared with
 * `definePythonAnalysis` runs in the one tree-sitter pass over a file: the first ask for any of
 * them parses the file, runs them all over the tree, frees the tree and keeps the results with
 * the file's text. A tree is not kept for later asks: tree-sitter trees of a large repository's
 * modules would hold several times the source's size.
 */
export interface PythonAnalysis<T> {
  readonly name: string;
  /** `tree` gives nodes' children and types once for every analysis of the pass: walk with it. */
  run(root: TSNode, file: SourceFile, tree: PassTree): T;
  /** The result when the parser returns no tree at all. */
  noTree(error: { message: string; offset: number }): T;
  /**
   * Prefilter: whether this analysis joins the shared pass over `file`, from a cheap look at its
   * path and text (the files its rule will ask about). Left out, and asked all the same, it gets
   * a pass of its own for that file: the result is the same either way, so a prefilter that
   * guesses wrong costs a parse, never a finding. Absent: every file (an analysis most asks
   * need). An analysis its rule asks for on few files gives one that says no to most.
   */
  readonly inPass?: (file: SourceFile) => boolean;
  /**
   * The files its rule asks about at once, when fewer than `inPass` takes (a rule that reads
   * more modules only in some repositories): what a parse worker reads ahead (src/parallel/).
   * Absent: `inPass`.
   */
  readonly ahead?: (file: SourceFile) => boolean;
  /**
   * The rule this analysis serves, when only one does (the analyses declared in a rule's
   * folder). It joins the shared pass only while that rule runs (`setPassRules`): a rule that is
   * off or not selected costs nothing. Like `inPass`, a hint: asked all the same, it gets a pass
   * of its own.
   */
  readonly owner?: string;
  /**
   * For an analysis several rules share (declared without an owner): the rules that ask it about
   * some files only, and which files (`declarePassInterest`). With any declared, the analysis
   * joins the pass over a file only when a running rule's interest takes that file. Like
   * `inPass`, a hint: a file asked about that no interest took gets a pass of its own.
   */
  interests?: ReadonlyArray<PassInterest>;
}

export interface PassInterest {
  rule: string;
  wants: (file: SourceFile) => boolean;
  /** The files the rule asks about at once, when fewer than `wants` (PythonAnalysis.ahead). */
  ahead?: (file: SourceFile) => boolean;
}

/**
 * Say, once when a rule's module loads, which files `rule` will ask `analysis` about (the same
 * cheap test the rule makes before it asks). An analysis every asker declares its interest in
 * runs only on the files some running rule wants, not on every file parsed for another reason.
 */
export function declarePassInterest(analysis: PythonAnalysis<unknown>, rule: string, wants: (file: SourceFile) => boolean, ahead?: (file: SourceFile) => boolean): void {
  analysis.interests = [...(analysis.interests ?? []).filter((i) => i.rule !== rule), { rule, wants, ahead }];
}

/**
 * The analyses of the pass, in declaration order. Declared when their module loads (this one,
 * python-tree.ts, codemods/env-example-missing/env-names.ts), before any run: a static list, not per-run state.
 */
const declared: Array<PythonAnalysis<unknown>> = [];

/** The declared analyses (tests check their owners). */
export function declaredPythonAnalyses(): ReadonlyArray<PythonAnalysis<unknown>> {
  return declared;
}

/**
 * The analysis's key in the parse store (formats/store.ts), and the key of its stored result
 * among a file's parses. Made once, when the analysis is defined (`definePythonAnalysis`), not at
 * each ask: a string built at each ask was kept by every module's parses (two strings a module
 * and analysis, 5 MB at 20,000 files). An analysis made otherwise (a test's) builds them.
 */
const STORE_KEYS = Symbol('store keys');

interface StoreKeys {
  store: string;
  stored: string;
}

function makeKeys(a: PythonAnalysis<unknown>): StoreKeys {
  const store = `python: ${a.owner === undefined ? a.name : `${a.owner}: ${a.name}`}`;
  return { store, stored: `${store} (stored)` };
}

function keysOf(a: PythonAnalysis<unknown>): StoreKeys {
  return (a as { [STORE_KEYS]?: StoreKeys })[STORE_KEYS] ?? makeKeys(a);
}

export function definePythonAnalysis<T>(analysis: PythonAnalysis<T>): PythonAnalysis<T> {
  Object.defineProperty(analysis, STORE_KEYS, { value: makeKeys(analysis as PythonAnalysis<unknown>) });
  declared.push(analysis as PythonAnalysis<unknown>);
  return analysis;
}

/**
 * The pass's reading of its tree, shared by every analysis in the pass: each node's named
 * children and type are read from web-tree-sitter once. Every such read is a call into its wasm
 * module that builds new objects, and several analyses walk the whole tree (on polar, reading
 * `namedChildren` was 16% of a cold run). Nodes are told apart by `id`, unique within a tree.
 */
export interface PassTree {
  children(node: TSNode): ReadonlyArray<TSNode | null>;
  type(node: TSNode): string;
  /**
   * The named nodes of `types` at and below `node`, in document order (a parent before its
   * descendants): what a walk over every node would meet, found by tree-sitter in one call.
   * A walk in JavaScript builds an object for every node it passes (most of an analysis's
   * time); this builds one only for each node returned. The keyword `lambda` and the
   * expression `lambda` share a type name: only named nodes are returned.
   */
  descendants(node: TSNode, types: readonly string[]): TSNode[];
}

/** A node with its range read once (`endIndex` is a call into tree-sitter each time it is read). */
export interface NodeSpan {
  node: TSNode;
  start: number;
  end: number;
}

export function spanOf(node: TSNode): NodeSpan {
  return { node, start: node.startIndex, end: node.endIndex };
}

/**
 * Whether `outer` holds `node`, which spans `start`..`end`: by range, which costs no call into
 * tree-sitter. An empty node (one tree-sitter made up where a token was missing) may sit at the
 * very end of a node it is not in: its parents say.
 */
export function encloses(outer: NodeSpan, node: TSNode, start: number, end: number): boolean {
  if (start < end) return outer.start <= start && end <= outer.end;
  for (let p = node.parent; p; p = p.parent) if (p.id === outer.node.id) return true;
  return false;
}

function passTree(): PassTree {
  const children = new Map<number, Array<TSNode | null>>();
  const types = new Map<number, string>();
  return {
    children(node) {
      let list = children.get(node.id);
      if (list === undefined) children.set(node.id, (list = node.namedChildren));
      return list;
    },
    type(node) {
      let type = types.get(node.id);
      if (type === undefined) types.set(node.id, (type = node.type));
      return type;
    },
    descendants(node, wanted) {
      return node.descendantsOfType(wanted as string[]).filter((n) => n.isNamed);
    },
  };
}

type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown };
type PassResults = Map<PythonAnalysis<unknown>, Outcome>;

async function pythonPass(file: SourceFile, analyses: ReadonlyArray<PythonAnalysis<unknown>>): Promise<PassResults> {
  const parser = await pythonParser();
  const tree = parser.parse(file.text);
  const out: PassResults = new Map();
  const shared = passTree();
  try {
    for (const a of analyses) {
      // One analysis that throws fails only its own asks, as when each parsed on its own.
      try {
        out.set(a, { ok: true, value: tree ? a.run(tree.rootNode, file, shared) : a.noTree({ message: 'parser returned no tree', offset: 0 }) });
      } catch (error) {
        out.set(a, { ok: false, error });
      }
    }
  } finally {
    tree?.delete();
  }
  return out;
}

/**
 * The declared analyses that join the shared pass over `file` (all of them without prefilters),
 * and the one asked for, which made the pass. With `onlyAhead`, an analysis with a prefilter
 * joins only where it says the file is asked about at once (`takenAhead`): see ParseStore.leanPasses.
 */
function passAnalyses(file: SourceFile, asked: PythonAnalysis<unknown> | undefined, onlyAhead = false): Array<PythonAnalysis<unknown>> {
  if (!prefiltersEnabled()) return [...declared];
  return declared.filter((a) => a === asked || ((a.owner === undefined || running(a.owner)) && (!a.inPass || a.inPass(file)) && wanted(a, file) && (!onlyAhead || !hasPrefilter(a) || takenAhead(a, file))));
}

function hasPrefilter(a: PythonAnalysis<unknown>): boolean {
  return a.inPass !== undefined || (a.interests?.length ?? 0) > 0;
}

/** Whether a rule asks `a` about `file` at once, by its prefilter (`ahead`, else `inPass`; a running rule's interest). */
function takenAhead(a: PythonAnalysis<unknown>, file: SourceFile): boolean {
  if (a.inPass !== undefined) return (a.ahead ?? a.inPass)(file);
  return (a.interests ?? []).some((i) => running(i.rule) && (i.ahead ?? i.wants)(file));
}

function running(rule: string): boolean {
  return runningRules === undefined || runningRules.has(rule);
}

/** Without declared interests, every file; with some, the files a running rule wants. */
function wanted(a: PythonAnalysis<unknown>, file: SourceFile): boolean {
  const interests = a.interests;
  return interests === undefined || interests.length === 0 || interests.some((i) => running(i.rule) && i.wants(file));
}

/**
 * The rules of the run under way (engine/run.ts sets them), so that the analyses of rules that
 * do not run stay out of the shared pass. Process-wide, and only a hint: runs that overlap (a
 * campaign's repositories) at worst give an analysis its own pass; no result depends on it.
 */
let runningRules: ReadonlySet<string> | undefined;

export function setPassRules(ids: Iterable<string> | undefined): void {
  runningRules = ids === undefined ? undefined : new Set(ids);
}

/**
 * An analysis whose prefilter (its `inPass`, or a running rule's declared interest) takes `file`:
 * a sign that a rule will ask about it, so that a parse worker (src/parallel/) may read the file
 * ahead of the ask. Undefined when only analyses without a prefilter (the module summary) would
 * run over it: those are asked about few of the files they would take, and the main thread
 * reads such a file itself when asked.
 */
export function prefetchAnalysis(file: SourceFile): PythonAnalysis<unknown> | undefined {
  return passAnalyses(file, undefined).find((a) => !prefiltersEnabled() || takenAhead(a, file));
}

function storeKey(a: PythonAnalysis<unknown>): string {
  return keysOf(a).store;
}

function remember(file: SourceFile, results: PassResults): PassResults {
  const store = parseStore();
  if (store) for (const [a, o] of results) if (o.ok) store.put(file, storeKey(a), o.value);
  return results;
}

/** The result of one analysis of `file`, from the file's one tree-sitter pass (or the store). */
export async function pythonAnalysis<T>(file: SourceFile, analysis: PythonAnalysis<T>): Promise<T> {
  const asked = analysis as PythonAnalysis<unknown>;
  const store = parseStore();
  if (store) {
    // A stored result is kept with the file, as a parse is: every later ask gets the same value
    // (the store gives a fresh copy each time, formats/store.ts).
    const { store: key, stored: storedKey } = keysOf(asked);
    const stored = await file.parse(storedKey, async (f) => {
      // A parse worker reading this file now: its results land in the store (src/parallel/).
      await store.settle?.(f);
      return store.get(f, key);
    });
    if (stored) return stored.value as T;
  }
  const results = await file.parse('python', async (f) => remember(f, await pythonPass(f, passAnalyses(f, asked, store?.leanPasses === true))));
  let outcome = results.get(asked);
  if (!outcome) {
    // Left out of this text's pass by its prefilter, or declared after it (a module loaded
    // mid-run): a pass of its own.
    outcome = remember(file, await pythonPass(file, [asked])).get(asked) as Outcome;
    results.set(asked, outcome);
  }
  if (!outcome.ok) throw outcome.error;
  return outcome.value as T;
}

const SUMMARY = definePythonAnalysis<PythonModuleSummary>({
  name: 'module summary',
  run(root) {
    const summary: PythonModuleSummary = { bindings: new Set(), open: false, calls: [], error: null };
    if (root.hasError) {
      const bad = firstError(root);
      summary.error = { message: bad?.isMissing ? `missing ${bad.type}` : 'syntax error', offset: bad?.startIndex ?? 0 };
    }
    collect(root, summary);
    return summary;
  },
  noTree: (error) => ({ bindings: new Set(), open: false, calls: [], error }),
});

export function summarizePython(file: SourceFile): Promise<PythonModuleSummary> {
  return pythonAnalysis(file, SUMMARY);
}

/** The first ERROR or MISSING node of a tree, for a parse problem's position. */
export function firstError(node: TSNode): TSNode | null {
  if (node.isError || node.isMissing) return node;
  for (const child of node.children) {
    if (child && (child.hasError || child.isMissing)) {
      const found = firstError(child);
      if (found) return found;
    }
  }
  return null;
}

/** Module-level statements, including those nested in if/try/with blocks at module level. */
function collect(block: TSNode, out: PythonModuleSummary): void {
  for (const stmt of block.namedChildren) {
    if (!stmt) continue;
    switch (stmt.type) {
      case 'expression_statement':
        for (const expr of stmt.namedChildren) if (expr) assignment(expr, out);
        break;
      case 'function_definition':
      case 'class_definition': {
        const name = stmt.childForFieldName('name')?.text;
        if (name) {
          out.bindings.add(name);
          if (name === '__getattr__') out.open = true;
        }
        break;
      }
      case 'decorated_definition': {
        const def = stmt.childForFieldName('definition');
        const name = def?.childForFieldName('name')?.text;
        if (name) out.bindings.add(name);
        break;
      }
      case 'import_statement':
        for (const n of stmt.namedChildren) {
          if (!n) continue;
          if (n.type === 'aliased_import') {
            const alias = n.childForFieldName('alias')?.text;
            if (alias) out.bindings.add(alias);
          } else if (n.type === 'dotted_name') {
            out.bindings.add(n.text.split('.')[0] ?? n.text);
          }
        }
        break;
      case 'import_from_statement':
      case 'future_import_statement': {
        if (stmt.namedChildren.some((n) => n?.type === 'wildcard_import')) out.open = true;
        const moduleName = stmt.childForFieldName('module_name');
        for (const n of stmt.namedChildren) {
          if (!n || n.id === moduleName?.id) continue;
          if (n.type === 'aliased_import') {
            const alias = n.childForFieldName('alias')?.text;
            if (alias) out.bindings.add(alias);
          } else if (n.type === 'dotted_name') {
            out.bindings.add(n.text);
          }
        }
        break;
      }
      case 'if_statement':
      case 'try_statement':
      case 'with_statement':
      case 'else_clause':
      case 'elif_clause':
      case 'except_clause':
      case 'finally_clause':
      case 'block':
        collect(stmt, out);
        break;
      default:
        // Nested blocks inside compound statements hold their bodies in a `block` child.
        if (stmt.type.endsWith('_clause')) collect(stmt, out);
        break;
    }
  }
}

function assignment(expr: TSNode, out: PythonModuleSummary): void {
  if (expr.type !== 'assignment') return;
  const left = expr.childForFieldName('left');
  const right = expr.childForFieldName('right');
  const names: string[] = [];
  if (left?.type === 'identifier') names.push(left.text);
  else if (left && (left.type === 'pattern_list' || left.type === 'tuple_pattern')) {
    for (const n of left.namedChildren) if (n?.type === 'identifier') names.push(n.text);
  }
  for (const n of names) out.bindings.add(n);
  if (right?.type === 'assignment') assignment(right, out); // a = b = App()
  if (names.length === 1 && right?.type === 'call') {
    const fn = right.childForFieldName('function');
    const callee = fn?.type === 'attribute' ? fn.childForFieldName('attribute')?.text : fn?.type === 'identifier' ? fn.text : undefined;
    if (callee && names[0]) out.calls.push({ name: names[0], callee, offset: expr.startIndex });
  }
}
