/**
 * What a Python module offers as a command line, and what it imports, read in the module's one
 * tree-sitter pass (formats/python.ts). Only module-level statements count: a CLI entry is a
 * module-level callable, and `__main__.py` delegates by a module-level import.
 */
import type { Node as TSNode } from 'web-tree-sitter';
import { definePythonAnalysis, pythonAnalysis } from '../../src/formats/python.js';
import type { SourceFile } from '../../src/workspace/source-file.js';

/** A callable that runs a command line: `main()` around argparse, a click group, a Typer app. */
export interface CliEntry {
  name: string;
  kind: 'argparse' | 'click' | 'typer';
}

export interface EntrySurface {
  /** Module names imported at module level, as written (`autopack.cli.main`, `.cli`, `re`). */
  imports: string[];
  entries: CliEntry[];
  /** The module reads a command line itself (argparse, click, typer, fire, docopt, sys.argv). */
  readsArgv: boolean;
  /** Module-level `def`s and `class`es: code of its own, not a thin delegate. */
  definitions: number;
  /** Where the first of them starts (a finding's position that survives a header comment). */
  firstDefinition: number;
}

const EMPTY: EntrySurface = { imports: [], entries: [], readsArgv: false, definitions: 0, firstDefinition: 0 };

/** Modules that may be a `__main__` or a candidate CLI: no other is read further. */
const CLI_MODULE = /(^|\/)(__main__|cli|cli\/__init__|cli\/main|cli\/app|console|command_line)\.py$/;

const SURFACE = definePythonAnalysis<EntrySurface>({
  name: 'cli entry surface',
  owner: 'python-module-entrypoint',
  run: (root, file) => read(root, file),
  noTree: () => EMPTY,
  inPass: (file) => CLI_MODULE.test(file.path),
});

export function entrySurface(file: SourceFile): Promise<EntrySurface> {
  return pythonAnalysis(file, SURFACE);
}

const ARGV_READERS = /\b(argparse|ArgumentParser|click|typer|fire|docopt|sys\.argv|optparse)\b/;

function read(root: TSNode, file: SourceFile): EntrySurface {
  if (!CLI_MODULE.test(file.path)) return EMPTY;
  const out: EntrySurface = { imports: [], entries: [], readsArgv: ARGV_READERS.test(file.text), definitions: 0, firstDefinition: 0 };
  const argparseModule = /\b(argparse|ArgumentParser)\b/.test(file.text);
  let plainMain = false;
  for (const stmt of root.namedChildren) {
    if (!stmt) continue;
    if (stmt.type === 'import_statement') {
      for (const n of stmt.childrenForFieldName('name')) if (n) out.imports.push((n.type === 'aliased_import' ? n.childForFieldName('name') : n)?.text ?? '');
    } else if (stmt.type === 'import_from_statement') {
      const m = stmt.childForFieldName('module_name')?.text;
      if (m) out.imports.push(m);
    } else if (stmt.type === 'function_definition' || stmt.type === 'class_definition') {
      if (!out.definitions) out.firstDefinition = stmt.startIndex;
      out.definitions++;
      const name = stmt.childForFieldName('name')?.text;
      if (stmt.type === 'function_definition' && name === 'main' && argparseModule) out.entries.push({ name, kind: 'argparse' });
      else if (stmt.type === 'function_definition' && name === 'main') plainMain = true;
    } else if (stmt.type === 'decorated_definition') {
      if (!out.definitions) out.firstDefinition = stmt.startIndex;
      out.definitions++;
      const def = stmt.childForFieldName('definition');
      const name = def?.childForFieldName('name')?.text;
      if (def?.type !== 'function_definition' || !name) continue;
      // The top of a click tree: `@click.group(...)` / `@click.command(...)`, not `@cli.command()`.
      const top = stmt.namedChildren.some((d) => d?.type === 'decorator' && /^@\s*click\.(group|command)\b/.test(d.text));
      if (top) out.entries.push({ name, kind: 'click' });
      else if (name === 'main' && argparseModule) out.entries.push({ name, kind: 'argparse' });
    } else if (stmt.type === 'expression_statement') {
      const a = stmt.namedChildren[0];
      if (a?.type !== 'assignment') continue;
      const left = a.childForFieldName('left');
      const right = a.childForFieldName('right');
      if (left?.type === 'identifier' && right?.type === 'call' && /^(typer\.)?Typer$/.test(right.childForFieldName('function')?.text ?? '')) out.entries.push({ name: left.text, kind: 'typer' });
    }
  }
  // A plain `def main()` beside a Typer app or click group wraps it (sets up logging, maps
  // errors to exit codes): the author's entry is `main`.
  if (plainMain && out.entries.length && out.entries.every((e) => e.kind !== 'argparse')) out.entries = [{ name: 'main', kind: out.entries[0]?.kind ?? 'typer' }];
  return out;
}
