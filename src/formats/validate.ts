import { parse as parseToml, TomlError } from 'smol-toml';
import { parse as parseJsonc, type ParseError, printParseErrorCode } from 'jsonc-parser';
import type { SourceFile } from '../workspace/source-file.js';
import { parseYaml } from './yaml.js';
import { MAX_NESTING, nestingOverflow } from './text.js';
import { parseDockerfile, isDockerfilePath } from './dockerfile.js';
import { summarizePython } from './python.js';
import { isScriptPath, scriptSyntaxProblem } from './bundler-config.js';
import { isNginxFile, nginxPathKind, parseNginx } from './nginx.js';

export interface ParseProblem {
  message: string;
  offset: number;
}

/**
 * The file types the tool can re-parse to prove an edit left them valid. `nginx` is decided by
 * the path first (see nginxPathKind): a `*.conf` that is only a candidate is parsed as nginx
 * only when its content looks like nginx, so parseProblem says nothing about a supervisord or
 * Apache `.conf`.
 */
export function formatOf(p: string): 'yaml' | 'json' | 'toml' | 'dockerfile' | 'python' | 'script' | 'nginx' | undefined {
  if (/\.toml$/i.test(p)) return 'toml';
  if (/\.ya?ml$/i.test(p)) return 'yaml';
  if (/\.json$/i.test(p)) return 'json';
  if (/\.py$/i.test(p)) return 'python';
  if (isScriptPath(p)) return 'script';
  if (isDockerfilePath(p)) return 'dockerfile';
  if (nginxPathKind(p)) return 'nginx';
  return undefined;
}

/** Parse a file with its format's parser; undefined when it parses (or has no known format). */
export async function parseProblem(file: SourceFile): Promise<ParseProblem | undefined> {
  switch (formatOf(file.path)) {
    case 'yaml':
      return parseYaml(file).error ?? undefined;
    case 'dockerfile':
      return parseDockerfile(file).error ?? undefined;
    case 'python':
      return (await summarizePython(file)).error ?? undefined;
    case 'script':
      // TypeScript/JavaScript syntax only (ts-morph, imported on first use); no type checking.
      return scriptSyntaxProblem(file);
    case 'toml':
      return file.parse('toml-problem', tomlProblem) ?? undefined;
    case 'json': {
      const deep = nestingOverflow(file.text);
      if (deep !== -1) return { message: `nested deeper than ${MAX_NESTING} levels; not parsed`, offset: deep };
      const errors: ParseError[] = [];
      parseJsonc(file.text, errors, { allowTrailingComma: false, disallowComments: !/tsconfig|jsconfig|\.vscode\//.test(file.path) });
      const e = errors[0];
      return e ? { message: printParseErrorCode(e.error), offset: e.offset } : undefined;
    }
    case 'nginx':
      return isNginxFile(file) ? (parseNginx(file).error ?? undefined) : undefined;
    default:
      return undefined;
  }
}

function tomlProblem(file: SourceFile): ParseProblem | null {
  try {
    parseToml(file.text);
    return null;
  } catch (e) {
    // smol-toml throws on the first error with a 1-based line and column.
    if (e instanceof TomlError) return { message: e.message.split('\n')[0] ?? e.message, offset: file.offsetAt(e.line - 1, e.column - 1) };
    return { message: e instanceof Error ? e.message : String(e), offset: 0 };
  }
}
