/**
 * What surrounds the membership tests of one Python module, beyond what python-tree records:
 * the other operands of the `or` a test sits in (`name.lower() in S or _is_sensitive_key(name)`),
 * the operand's span (to rewrite a test's normalisation), the operands of each function's final
 * `or` return, the module-level `from … import NAME as X` statements and `X = NAME` aliases.
 *
 * The tree is parsed once per SourceFile, read into plain data and deleted at once, as python-tree
 * does; offsets are indices into `SourceFile.text`.
 */
import type { Node as TSNode } from 'web-tree-sitter';
import type { SourceFile } from '../../src/workspace/source-file.js';
import { definePythonAnalysis, pythonAnalysis, type PassTree } from '../../src/formats/python.js';
import { mayHoldMembershipTest } from '../../src/formats/python-scan.js';
import { prefiltersEnabled } from '../../src/util/prefilter.js';

/** One operand of an `or` chain. */
export type OrOperand =
  /** A membership test (`x in S`), by the span python-tree gives the comparison. */
  | { kind: 'test'; start: number; end: number }
  /** A call of a plain name with one positional argument: `helper(key)`, `helper(str(key))`. */
  | { kind: 'call'; fn: string; arg: string }
  | { kind: 'other' };

export interface TestSite {
  /** The tested value's span (left operand of `in`, argument of `__contains__`). */
  operand: { start: number; end: number; primary: boolean };
  /** The other operands of the `or` chain the test belongs to (none when it is not in one). */
  siblings: OrOperand[];
}

export interface ImportedName {
  /** `.constants`, `acme.constants` (leading dots kept: the relative level). */
  module: string;
  name: string;
  /** The name bound in this module. */
  alias: string;
}

export interface ModuleSurroundings {
  /** By `${start}:${end}` of the test (the comparison, or the `__contains__` call). */
  tests: Map<string, TestSite>;
  /** By the function's start offset: the operands of its final `return`'s `or` chain. */
  returns: Map<number, OrOperand[]>;
  /** Module-level `from M import NAME [as X]`. */
  imports: ImportedName[];
  /** Module-level `import a.b [as c]`: the bound name → the module. */
  moduleImports: Map<string, string>;
  /** Module-level `X = NAME` (a plain name bound to another plain name). */
  aliases: Map<string, string>;
}

/** Cheap text filter before parsing: a normalising call somewhere in the file. */
export const NORMALISING_CALL = /\.\s*(lower|casefold|upper|replace)\s*\(/;

/**
 * The modules whose membership tests the rule reads: they normalise something, and hold a test
 * (`in`, `not in`, `__contains__`). A module without a test has no consumer of a set; without
 * prefilters, every module that normalises.
 */
export function mayConsumeSet(text: string): boolean {
  return NORMALISING_CALL.test(text) && (!prefiltersEnabled() || text.includes('__contains__') || mayHoldMembershipTest(text));
}

const PRIMARY = new Set(['identifier', 'call', 'attribute', 'subscript', 'parenthesized_expression', 'string']);

function orChainTop(node: TSNode): TSNode | undefined {
  let top: TSNode | undefined;
  let cur = node;
  for (let p = cur.parent; p; p = cur.parent) {
    if (p.type === 'parenthesized_expression') {
      cur = p;
      continue;
    }
    if (p.type === 'boolean_operator' && p.childForFieldName('operator')?.type === 'or') {
      top = p;
      cur = p;
      continue;
    }
    break;
  }
  return top;
}

function flattenOr(n: TSNode, out: TSNode[]): void {
  if (n.type === 'parenthesized_expression' && n.namedChildren.length === 1 && n.namedChildren[0]) return flattenOr(n.namedChildren[0], out);
  if (n.type === 'boolean_operator' && n.childForFieldName('operator')?.type === 'or') {
    const l = n.childForFieldName('left');
    const r = n.childForFieldName('right');
    if (l && r) {
      flattenOr(l, out);
      flattenOr(r, out);
      return;
    }
  }
  out.push(n);
}

function positional(call: TSNode): TSNode[] | undefined {
  const list = call.childForFieldName('arguments');
  if (!list || list.type !== 'argument_list') return undefined;
  const all = list.namedChildren.filter((c): c is TSNode => c !== null && c.type !== 'comment');
  if (all.some((c) => c.type !== 'identifier' && c.type !== 'call' && c.type !== 'attribute' && c.type !== 'string' && c.type !== 'subscript')) return undefined;
  return all;
}

function operandOf(n: TSNode): OrOperand {
  let cur = n;
  while (cur.type === 'parenthesized_expression' && cur.namedChildren.length === 1 && cur.namedChildren[0]) cur = cur.namedChildren[0];
  if (cur.type === 'comparison_operator') {
    const ops = cur.childrenForFieldName('operators');
    if (ops.length === 1 && (ops[0]?.type === 'in' || ops[0]?.type === 'not in')) return { kind: 'test', start: cur.startIndex, end: cur.endIndex };
  }
  if (cur.type === 'call') {
    const fn = cur.childForFieldName('function');
    if (fn?.type === 'attribute' && fn.childForFieldName('attribute')?.text === '__contains__') return { kind: 'test', start: cur.startIndex, end: cur.endIndex };
    const args = positional(cur);
    if (fn?.type === 'identifier' && args?.length === 1) {
      let arg = args[0] as TSNode;
      // str(key) is the key for string keys.
      if (arg.type === 'call' && arg.childForFieldName('function')?.text === 'str') {
        const inner = positional(arg);
        if (inner?.length === 1) arg = inner[0] as TSNode;
      }
      if (arg.type === 'identifier') return { kind: 'call', fn: fn.text, arg: arg.text };
    }
  }
  return { kind: 'other' };
}

function siblingsOf(test: TSNode): OrOperand[] {
  const top = orChainTop(test);
  if (!top) return [];
  const leaves: TSNode[] = [];
  flattenOr(top, leaves);
  return leaves.filter((l) => !(l.startIndex <= test.startIndex && test.endIndex <= l.endIndex)).map(operandOf);
}

function read(root: TSNode, text: string, tree: PassTree): ModuleSurroundings {
  const out: ModuleSurroundings = { tests: new Map(), returns: new Map(), imports: [], moduleImports: new Map(), aliases: new Map() };
  for (const stmt of root.namedChildren) {
    if (!stmt) continue;
    if (stmt.type === 'import_from_statement') {
      const mod = stmt.childForFieldName('module_name');
      if (!mod) continue;
      for (const n of stmt.childrenForFieldName('name')) {
        if (!n) continue;
        if (n.type === 'dotted_name') out.imports.push({ module: mod.text, name: n.text, alias: n.text });
        else if (n.type === 'aliased_import') {
          const name = n.childForFieldName('name')?.text;
          const alias = n.childForFieldName('alias')?.text;
          if (name && alias) out.imports.push({ module: mod.text, name, alias });
        }
      }
    } else if (stmt.type === 'import_statement') {
      for (const n of stmt.childrenForFieldName('name')) {
        if (n?.type === 'aliased_import') {
          const name = n.childForFieldName('name')?.text;
          const alias = n.childForFieldName('alias')?.text;
          if (name && alias) out.moduleImports.set(alias, name);
        } else if (n?.type === 'dotted_name' && !n.text.includes('.')) out.moduleImports.set(n.text, n.text);
      }
    } else if (stmt.type === 'expression_statement') {
      const a = stmt.namedChildren[0];
      if (a?.type !== 'assignment') continue;
      const left = a.childForFieldName('left');
      const right = a.childForFieldName('right');
      if (left?.type === 'identifier' && right?.type === 'identifier') out.aliases.set(left.text, right.text);
    }
  }
  // A call is a test only as `x.__contains__(key)`: a module that never spells it has none.
  for (const n of tree.descendants(root, text.includes('__contains__') ? SURROUNDING_TYPES : SURROUNDING_TYPES_NO_CALL)) {
    const type = tree.type(n);
    if (type === 'comparison_operator') {
      const ops = n.childrenForFieldName('operators');
      const operands = n.namedChildren.filter((c): c is TSNode => c !== null && c.type !== 'comment');
      if (ops.length === 1 && (ops[0]?.type === 'in' || ops[0]?.type === 'not in') && operands.length === 2) {
        const left = operands[0] as TSNode;
        out.tests.set(`${n.startIndex}:${n.endIndex}`, { operand: { start: left.startIndex, end: left.endIndex, primary: PRIMARY.has(left.type) }, siblings: siblingsOf(n) });
      }
    } else if (type === 'call') {
      const fn = n.childForFieldName('function');
      const args = n.childForFieldName('arguments')?.namedChildren.filter((c): c is TSNode => c !== null && c.type !== 'comment');
      if (fn?.type === 'attribute' && fn.childForFieldName('attribute')?.text === '__contains__' && args?.length === 1) {
        const arg = args[0] as TSNode;
        out.tests.set(`${n.startIndex}:${n.endIndex}`, { operand: { start: arg.startIndex, end: arg.endIndex, primary: PRIMARY.has(arg.type) }, siblings: siblingsOf(n) });
      }
    } else if (type === 'function_definition') {
      const body = n.childForFieldName('body');
      const stmts = body?.namedChildren.filter((c): c is TSNode => c !== null && c.type !== 'comment') ?? [];
      const last = stmts[stmts.length - 1];
      const value = last?.type === 'return_statement' ? last.namedChildren.find((c) => c && c.type !== 'comment') : undefined;
      if (value) {
        const leaves: TSNode[] = [];
        flattenOr(value, leaves);
        out.returns.set(n.startIndex, leaves.map(operandOf));
      }
    }
  }
  return out;
}

/** The nodes `read` looks at below the module level: membership tests and functions' returns. */
const SURROUNDING_TYPES = ['comparison_operator', 'call', 'function_definition'];
const SURROUNDING_TYPES_NO_CALL = ['comparison_operator', 'function_definition'];

/**
 * The surroundings of the module's tests: one of the analyses of the file's one tree-sitter
 * pass (formats/python.ts), so the module is not parsed again for this rule.
 */
const SURROUNDINGS = definePythonAnalysis<ModuleSurroundings>({
  name: 'redaction surroundings',
  owner: 'redaction-key-normalization',
  run: (root, file, tree) => read(root, file.text, tree),
  noTree: () => ({ tests: new Map(), returns: new Map(), imports: [], moduleImports: new Map(), aliases: new Map() }),
  // Asked for the modules whose tests the rule judges, which normalise keys, and for the modules
  // a set is resolved through (aliases, imports); a module it reaches only through an import (a
  // set's home) gets a pass of its own when asked. Not narrowed to the modules that may hold a
  // test (`ahead`): one that normalises may also pass a set on, and would be parsed twice.
  inPass: (file) => NORMALISING_CALL.test(file.text),
  ahead: (file) => mayConsumeSet(file.text),
});

export function moduleSurroundings(file: SourceFile): Promise<ModuleSurroundings> {
  return pythonAnalysis(file, SURROUNDINGS);
}
