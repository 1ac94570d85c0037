import { parse as parseToml, TomlError } from 'smol-toml';
import type { SourceFile } from '../workspace/source-file.js';

export interface ParsedToml {
  /** The document's tables, or undefined when it does not parse. */
  value: Record<string, unknown> | undefined;
  /** The first error, with its position, when it does not parse. */
  error: { message: string; offset: number } | null;
}

/**
 * The one parse of a TOML file (pyproject.toml, uv and Cargo manifests): the facts read its
 * tables, the engine's validation its error.
 */
export function parseTomlFile(file: SourceFile): ParsedToml {
  return file.parse('toml', (f): ParsedToml => {
    try {
      return { value: parseToml(f.text) as Record<string, unknown>, error: null };
    } catch (e) {
      // smol-toml throws on the first error with a 1-based line and column.
      if (e instanceof TomlError) return { value: undefined, error: { message: e.message.split('\n')[0] ?? e.message, offset: f.offsetAt(e.line - 1, e.column - 1) } };
      return { value: undefined, error: { message: e instanceof Error ? e.message : String(e), offset: 0 } };
    }
  });
}
