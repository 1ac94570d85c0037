/**
 * The string literals of a Python module with what surrounds them, from the module's one
 * tree-sitter pass: whether the literal is a docstring, sits in a dict (a template context keyed
 * by project type), is an argument of a call (and of which), or is a default parameter value,
 * and the name it is assigned to.
 */
import type { Node as TSNode } from 'web-tree-sitter';
import type { SourceFile } from '../../src/workspace/source-file.js';
import { definePythonAnalysis, pythonAnalysis } from '../../src/formats/python.js';
import { readString, type PyString } from '../../src/formats/python-tree.js';
import { NOT_THIS_REPOSITORY } from '../../src/facts/python-paths.js';

export interface PyLiteral {
  string: PyString;
  /** The first statement of a module, class or function body. */
  docstring: boolean;
  /** Inside a dict display (a key or a value). */
  inDict: boolean;
  /** The called names of the calls it is an argument of, innermost first (`os.makedirs`, `Path`, `open`). */
  calls: string[];
  /** The name of the statement's assignment target, when it is `NAME = …` or `self.NAME = …`. */
  assignedTo: string | undefined;
  /**
   * The literal is part of a URL or a storage key: a keyword argument named for one (`url=`,
   * `endpoint=`, `Key=`, `prefix=`), or concatenated with a name that says URL or host
   * (`settings.STATIC_URL + "frontend/…"`).
   */
  urlContext: boolean;
}

const URL_WORD = /url|uri|href|endpoint|route|link|host|http/i;

/** Keyword arguments that name a storage key or a channel, not a file of the repository (`Key=`, `prefix=`, `topic=`). */
const NOT_A_PATH_KEYWORD = /key|prefix|bucket|blob|object|topic|queue|channel|namespace/i;

/** Cheap filter: a module without a quoted path under a layout root has nothing to read. */
const HINT = /["'\s(`](?:\.\/)?(?:src|backend|frontend|apps|packages|services)\//;

/** Test modules hold fixture data: paths of made-up repositories. */
const TEST_MODULE = /(^|\/)(test_[^/]*|[^/]*_test|conftest)\.py$/;

/**
 * The modules the rule reads as Python (index.ts): not another repository's code, not a test,
 * and quoting a path under a layout root.
 */
export function asksAbout(path: string, text: string): boolean {
  return !NOT_THIS_REPOSITORY.test(path) && !TEST_MODULE.test(path) && mayQuoteLayoutPath(text);
}

const LITERALS = definePythonAnalysis<PyLiteral[]>({
  name: 'string literals with their surroundings',
  owner: 'legacy-path-literal',
  run: (root, file) => (HINT.test(file.text) ? readLiterals(root) : []),
  noTree: () => [],
  // Only where the rule asks: the literals of every module parsed for another rule were read for
  // nothing (250 of 269 passes on the corpus).
  inPass: (file) => asksAbout(file.path, file.text),
});

/** Prefilter, before the module is read as Python: whether its text quotes a path under a layout root. */
export function mayQuoteLayoutPath(text: string): boolean {
  return HINT.test(text);
}

/** The literals of a module (its rule asks only about modules that pass `mayQuoteLayoutPath`). */
export function pythonLiterals(file: SourceFile): Promise<PyLiteral[]> {
  return pythonAnalysis(file, LITERALS);
}

function readLiterals(root: TSNode): PyLiteral[] {
  const out: PyLiteral[] = [];
  const stack: TSNode[] = [root];
  while (stack.length) {
    const node = stack.pop() as TSNode;
    if (node.type === 'string') {
      const s = readString(node);
      if (s?.value !== undefined && HINT.test(` ${s.value}`)) out.push(describe(node, s));
      continue;
    }
    for (let i = node.childCount - 1; i >= 0; i--) {
      const c = node.child(i);
      if (c) stack.push(c);
    }
  }
  return out.sort((a, b) => a.string.start - b.string.start);
}

function describe(node: TSNode, string: PyString): PyLiteral {
  let inDict = false;
  const calls: string[] = [];
  let assignedTo: string | undefined;
  let docstring = false;
  let urlContext = false;
  let child: TSNode = node;
  for (let p = node.parent; p; child = p, p = p.parent) {
    if (p.type === 'dictionary' || p.type === 'dictionary_comprehension') inDict = true;
    else if (p.type === 'keyword_argument' && URL_WORD.test(p.childForFieldName('name')?.text ?? '')) urlContext = true;
    else if (p.type === 'keyword_argument' && NOT_A_PATH_KEYWORD.test(p.childForFieldName('name')?.text ?? '')) urlContext = true;
    else if (p.type === 'binary_operator' && URL_WORD.test(p.text.replace(node.text, ''))) urlContext = true;
    else if (p.type === 'call') {
      const fn = p.childForFieldName('function');
      if (fn && fn.id !== child.id) calls.push(fn.text.replace(/\s+/g, ''));
    } else if (p.type === 'assignment') {
      const left = p.childForFieldName('left');
      if (left && (left.type === 'identifier' || left.type === 'attribute')) assignedTo = left.text.replace(/^self\./, '');
    } else if (p.type === 'expression_statement') {
      // A string that is a statement of its own, first in its body: a docstring.
      const body = p.parent;
      if (child.id === node.id && body && (body.type === 'module' || body.type === 'block') && body.namedChild(0)?.id === p.id) docstring = true;
    }
    if (p.type === 'function_definition' || p.type === 'class_definition' || p.type === 'module') break;
  }
  return { string, docstring, inDict, calls, assignedTo, urlContext };
}
