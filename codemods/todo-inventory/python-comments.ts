/**
 * The `#` comments of a Python module, from its one tree-sitter pass: a marker inside a string
 * (`"TODO"` in a prompt, a docstring that quotes one) or an identifier (`TODO_STATUS`) is not
 * a comment.
 */
import type { Node as TSNode } from 'web-tree-sitter';
import { definePythonAnalysis, pythonAnalysis } from '../../src/formats/python.js';
import type { SourceComment } from '../../src/formats/comments.js';
import type { SourceFile } from '../../src/workspace/source-file.js';
import { MAYBE_ANY_MARKER } from './detect.js';

const ANALYSIS = definePythonAnalysis<SourceComment[]>({
  name: 'comments with markers',
  owner: 'todo-inventory',
  run: (root, file) => (MAYBE_ANY_MARKER.test(file.text) ? comments(root) : []),
  noTree: () => [],
});

export function pythonComments(file: SourceFile): Promise<SourceComment[]> {
  return pythonAnalysis(file, ANALYSIS);
}

function comments(root: TSNode): SourceComment[] {
  const out: SourceComment[] = [];
  const walk = (n: TSNode): void => {
    if (n.type === 'comment') {
      const lead = /^#+[ \t]?/.exec(n.text)?.[0].length ?? 1;
      if (MAYBE_ANY_MARKER.test(n.text)) out.push({ value: n.text.slice(lead), start: n.startIndex + lead });
      return;
    }
    if (n.type === 'string') return;
    for (const c of n.children) if (c) walk(c);
  };
  walk(root);
  return out;
}
