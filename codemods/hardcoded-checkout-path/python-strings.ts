/**
 * The string literals of a Python module that may hold a checkout path, from the module's one
 * tree-sitter pass: comments are not strings, so a note such as "originally run from C:\dev\x"
 * is never read.
 */
import type { Node as TSNode } from 'web-tree-sitter';
import { definePythonAnalysis, pythonAnalysis } from '../../src/formats/python.js';
import { readString, type PyString } from '../../src/formats/python-tree.js';
import type { SourceFile } from '../../src/workspace/source-file.js';

export interface PathStrings {
  strings: PyString[];
  /** How the module can name `pathlib.Path`: `Path`, `pathlib.Path`, or undefined (not imported). */
  pathName: string | undefined;
  /** Where an import can go: the end of the last module-level import, or the docstring's end. */
  importAt: number;
}

const MAYBE_CHECKOUT = /[A-Za-z]:[\\/]|\/[a-z]\/|\/mnt\/|\/home\/|\/Users\//;

const ANALYSIS = definePythonAnalysis<PathStrings>({
  name: 'checkout-path strings',
  owner: 'hardcoded-checkout-path',
  run: (root, file) => (MAYBE_CHECKOUT.test(file.text) ? read(root) : { strings: [], pathName: undefined, importAt: 0 }),
  noTree: () => ({ strings: [], pathName: undefined, importAt: 0 }),
  // Asked only for the modules that hold this repository's checkout path (the rule's pattern
  // names the repository, which a look at one file cannot know): the pass the first ask makes,
  // or one of its own when another analysis parsed the module first. Left out of the pass every
  // Python file of the repository gets.
  inPass: () => false,
});

export function pathStrings(file: SourceFile): Promise<PathStrings> {
  return pythonAnalysis(file, ANALYSIS);
}

function read(root: TSNode): PathStrings {
  const out: PathStrings = { strings: [], pathName: undefined, importAt: 0 };
  for (const stmt of root.namedChildren) {
    if (!stmt) continue;
    if (stmt.type === 'import_from_statement' && stmt.childForFieldName('module_name')?.text === 'pathlib') {
      for (const n of stmt.childrenForFieldName('name')) {
        if (n?.type === 'dotted_name' && n.text === 'Path') out.pathName = 'Path';
      }
    } else if (stmt.type === 'import_statement' && stmt.childrenForFieldName('name').some((n) => n?.type === 'dotted_name' && n.text === 'pathlib')) {
      out.pathName ??= 'pathlib.Path';
    }
    if (stmt.type === 'import_statement' || stmt.type === 'import_from_statement' || stmt.type === 'future_import_statement') out.importAt = stmt.endIndex;
    else if (out.importAt === 0 && stmt.type === 'expression_statement' && stmt.namedChildren[0]?.type === 'string' && stmt === root.namedChildren[0]) out.importAt = stmt.endIndex;
  }
  const walk = (n: TSNode): void => {
    if (n.type === 'string') {
      const s = readString(n) ?? undefined;
      if (s && MAYBE_CHECKOUT.test(n.text)) out.strings.push(s);
      return;
    }
    for (const c of n.namedChildren) if (c) walk(c);
  };
  walk(root);
  return out;
}
