import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

/**
 * The Python grammar for web-tree-sitter: beside the running module in the single-file bundle of
 * the GitHub Action (action-dist/, where scripts/bundle.mjs copies it), else from the
 * tree-sitter-python package. Only this .wasm file of tree-sitter-python is read; its native
 * binding (what the package's install script builds) is never loaded.
 */
export function pythonGrammarPath(): string {
  const beside = fileURLToPath(new URL('tree-sitter-python.wasm', import.meta.url));
  if (existsSync(beside)) return beside;
  return createRequire(import.meta.url).resolve('tree-sitter-python/tree-sitter-python.wasm');
}
