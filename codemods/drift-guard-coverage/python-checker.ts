/**
 * The shape of a drift checker in a Python script, read in the file's one tree-sitter pass
 * (formats/python.ts): module-level pattern lists whose name says they hold what must not
 * appear (FORBIDDEN_PATTERNS, LEGACY_TARGETS, BANNED …), a walk over files, a read of their
 * text, and a way to fail (a non-zero exit, an assert). Plain data only; the rule decides.
 */
import type { Node as TSNode } from 'web-tree-sitter';
import type { SourceFile } from '../../src/workspace/source-file.js';
import { definePythonAnalysis, pythonAnalysis } from '../../src/formats/python.js';
import { readString, type PyString } from '../../src/formats/python-tree.js';
import { FORBIDDEN_NAME, mayBeGuard } from './shape.js';

/** A cheap look before any parse: a line binding a forbidden-named list. */
const PY_LIST_LINE = /^[A-Za-z_]\w*\s*(?::[^=\n]*)?=\s*(?:frozenset|set|tuple|list)?\s*[[({]/m;

/**
 * Whether a Python file may be a drift checker, before any parse: its path may be a guard's and
 * a line binds a list to a forbidden-sounding name. The rule reads only such files, and the
 * checker shape joins the shared Python pass only for them.
 */
export function mayBePythonChecker(p: string, text: string): boolean {
  return mayBeGuard(p) && PY_LIST_LINE.test(text) && text.split('\n').some((l) => FORBIDDEN_NAME.test(/^([A-Za-z_]\w*)\s*[:=]/.exec(l)?.[1] ?? ''));
}

export interface PatternElement {
  start: number;
  end: number;
  /** The pattern string of the element (the string itself, a tuple's or a `re.compile`'s first string, a dict key). */
  pattern: PyString | undefined;
}

export interface PatternList {
  name: string;
  nameOffset: number;
  literal: { start: number; end: number; open: string };
  elements: PatternElement[];
}

export interface PythonCheckerShape {
  lists: PatternList[];
  /** Names read somewhere other than where they are bound. */
  readNames: Set<string>;
  walksFiles: boolean;
  readsText: boolean;
  /** `sys.exit(1)`, `sys.exit(main())`, `raise SystemExit("…")`, `assert …`. */
  fails: boolean;
  /** A positional argparse argument or a bare `sys.argv[1]`: it cannot run without arguments. */
  needsArguments: boolean;
  syntaxError: boolean;
}

const FILE_WALKS = new Set(['rglob', 'glob', 'iglob', 'iterdir', 'walk', 'listdir', 'scandir']);
const TEXT_READS = new Set(['read_text', 'open', 'read', 'readlines', 'readline', 'read_bytes']);
const EXITS = new Set(['exit', '_exit', 'quit', 'SystemExit']);
const COLLECTIONS = new Set(['list', 'tuple', 'set', 'dictionary']);

function calleeName(call: TSNode): string | undefined {
  const fn = call.childForFieldName('function');
  if (!fn) return undefined;
  if (fn.type === 'identifier') return fn.text;
  if (fn.type === 'attribute') return fn.childForFieldName('attribute')?.text;
  return undefined;
}

function args(call: TSNode): TSNode[] {
  const list = call.childForFieldName('arguments');
  return list ? list.namedChildren.filter((c): c is TSNode => c !== null && c.type !== 'comment') : [];
}

/** The pattern string an element of a list stands for. */
function elementPattern(node: TSNode): PyString | undefined {
  if (node.type === 'string') return readString(node);
  if (node.type === 'tuple' || node.type === 'list' || node.type === 'parenthesized_expression') {
    const first = node.namedChildren.find((c) => c !== null && c.type !== 'comment');
    return first ? elementPattern(first) : undefined;
  }
  if (node.type === 'call' && calleeName(node) === 'compile') {
    const first = args(node)[0];
    return first?.type === 'string' ? readString(first) : undefined;
  }
  if (node.type === 'pair') {
    const key = node.childForFieldName('key');
    return key?.type === 'string' ? readString(key) : undefined;
  }
  return undefined;
}

function patternList(name: TSNode, value: TSNode): PatternList | undefined {
  let literal = value;
  // frozenset({...}), tuple([...]), list(...)
  if (literal.type === 'call' && ['frozenset', 'set', 'tuple', 'list'].includes(calleeName(literal) ?? '')) {
    const inner = args(literal)[0];
    if (!inner) return undefined;
    literal = inner;
  }
  if (!COLLECTIONS.has(literal.type)) return undefined;
  const elements = literal.namedChildren
    .filter((c): c is TSNode => c !== null && c.type !== 'comment')
    .map((c) => ({ start: c.startIndex, end: c.endIndex, pattern: elementPattern(c) }));
  if (!elements.some((e) => e.pattern)) return undefined;
  return { name: name.text, nameOffset: name.startIndex, literal: { start: literal.startIndex, end: literal.endIndex, open: literal.text[0] ?? '' }, elements };
}

function read(root: TSNode): PythonCheckerShape {
  const out: PythonCheckerShape = { lists: [], readNames: new Set(), walksFiles: false, readsText: false, fails: false, needsArguments: false, syntaxError: root.hasError };
  const bound = new Set<number>();
  const moduleLevel = (block: TSNode): void => {
    for (const stmt of block.namedChildren) {
      if (!stmt) continue;
      if (stmt.type === 'expression_statement') {
        for (const expr of stmt.namedChildren) {
          if (expr?.type !== 'assignment') continue;
          const left = expr.childForFieldName('left');
          const right = expr.childForFieldName('right');
          if (left?.type !== 'identifier' || !right || !FORBIDDEN_NAME.test(left.text)) continue;
          const list = patternList(left, right);
          if (list) {
            out.lists.push(list);
            bound.add(left.startIndex);
          }
        }
      } else if (stmt.type === 'if_statement' || stmt.type === 'try_statement' || stmt.type === 'block' || stmt.type.endsWith('_clause')) {
        moduleLevel(stmt);
      }
    }
  };
  moduleLevel(root);
  let usesArgvLength = false;
  let readsArgvItem = false;
  const visit = (n: TSNode): void => {
    switch (n.type) {
      case 'identifier':
        if (!bound.has(n.startIndex)) out.readNames.add(n.text);
        break;
      case 'string':
        if (/\bls-files\b/.test(n.text)) out.walksFiles = true;
        break;
      case 'assert_statement':
        out.fails = true;
        break;
      case 'subscript':
        if (n.childForFieldName('value')?.text === 'sys.argv' && /^[1-9]$/.test(n.childForFieldName('subscript')?.text ?? '')) readsArgvItem = true;
        break;
      case 'call': {
        const name = calleeName(n);
        if (name === 'len' && args(n)[0]?.text === 'sys.argv') usesArgvLength = true;
        if (name && FILE_WALKS.has(name)) out.walksFiles = true;
        if (name && TEXT_READS.has(name)) out.readsText = true;
        if (name && EXITS.has(name)) {
          const first = args(n)[0];
          if (first && first.text !== '0' && first.text !== 'None' && first.text !== 'False') out.fails = true;
        }
        if (name === 'add_argument') {
          const first = args(n)[0];
          const optional = args(n).some((a) => a.type === 'keyword_argument' && /^(nargs\s*=\s*["'][?*]["']|default\s*=)/.test(a.text));
          if (first?.type === 'string' && !/^[rbuRBU]*["']-/.test(first.text) && !optional) out.needsArguments = true;
        }
        break;
      }
      default:
        break;
    }
    for (const c of n.namedChildren) if (c) visit(c);
  };
  visit(root);
  if (readsArgvItem && !usesArgvLength) out.needsArguments = true;
  // Files named on its command line (a hook's `pass_filenames`) are its walk.
  if (out.needsArguments && out.readsText) out.walksFiles = true;
  return out;
}

const SHAPE = definePythonAnalysis<PythonCheckerShape>({
  name: 'drift checker shape',
  owner: 'drift-guard-coverage',
  run: (root) => read(root),
  noTree: () => ({ lists: [], readNames: new Set(), walksFiles: false, readsText: false, fails: false, needsArguments: false, syntaxError: true }),
  inPass: (file) => mayBePythonChecker(file.path, file.text),
});

export function pythonCheckerShape(file: SourceFile): Promise<PythonCheckerShape> {
  return pythonAnalysis(file, SHAPE);
}
