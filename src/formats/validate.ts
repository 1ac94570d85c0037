import { printParseErrorCode } from 'jsonc-parser';
import type { SourceFile } from '../workspace/source-file.js';
import { parseYaml } from './yaml.js';
import { parseTomlFile } from './toml.js';
import { parseJsonFile, parseJsoncFile } from './json.js';
import { MAX_NESTING, nestingOverflow } from '../util/text.js';
import { parseAllDocuments } from 'yaml';
import { parseDockerfile } from './dockerfile.js';
import { summarizePython } from './python.js';
import { scriptSyntaxProblem } from './bundler-config.js';
import { isNginxFile, parseNginx } from './nginx.js';
import { dialectOf, isBlank, type Dialect, type RepoView } from './dialect.js';
import { isTemplateSource } from './template.js';

export { formatOf } from './dialect.js';

export interface ParseProblem {
  message: string;
  offset: number;
}

/**
 * Parse a file as its tool would; undefined when it parses (or has no known format). The
 * dialect defaults to what the path alone says; pass one chosen with the repository (see
 * dialectOf) where relations between files count. Template source has no parser here: it is
 * reported as a problem, since nothing can show that an edit left it valid.
 */
export async function parseProblem(file: SourceFile, dialect: Dialect | undefined = dialectOf(file.path)): Promise<ParseProblem | undefined> {
  if (!dialect) return undefined;
  if (dialect.template) return { message: `${dialect.owner} template source: what it renders cannot be parsed here`, offset: 0 };
  switch (dialect.format) {
    case 'yaml':
      return dialect.multiDocument ? yamlStreamProblem(file) : (parseYaml(file).error ?? undefined);
    case 'dockerfile':
      return parseDockerfile(file).error ?? undefined;
    case 'python':
      return (await summarizePython(file)).error ?? undefined;
    case 'script':
      // TypeScript/JavaScript syntax only (ts-morph, imported on first use); no type checking.
      return scriptSyntaxProblem(file);
    case 'toml':
      return parseTomlFile(file).error ?? undefined;
    case 'json': {
      const deep = nestingOverflow(file.text);
      if (deep !== -1) return { message: `nested deeper than ${MAX_NESTING} levels; not parsed`, offset: deep };
      // Strict JSON is valid in every dialect: a file that JSON.parse takes needs no second parse.
      if (!dialect.comments && parseJsonFile(file).ok) return undefined;
      const e = parseJsoncFile(file, dialect).errors[0];
      return e ? { message: printParseErrorCode(e.error), offset: e.offset } : undefined;
    }
    case 'nginx':
      return isNginxFile(file) ? (parseNginx(file).error ?? undefined) : undefined;
    default:
      return undefined;
  }
}

/**
 * Why a file is invalid for the tool that owns it, for a run's diagnostics: undefined when it
 * parses in its tool's dialect, has nothing in it, or is template source (a Helm chart's
 * templates, or a file that fails its parser because of template markup of its own).
 */
export async function toolProblem(repo: RepoView, file: SourceFile): Promise<ParseProblem | undefined> {
  const dialect = dialectOf(file.path, repo);
  if (!dialect || dialect.template || isBlank(file.text)) return undefined;
  const problem = await parseProblem(file, dialect);
  if (problem && isTemplateSource(repo, file, true)) return undefined;
  return problem;
}

/** The first error of any document of a `---`-separated YAML stream. */
function yamlStreamProblem(file: SourceFile): ParseProblem | undefined {
  const single = parseYaml(file);
  // One document (the common case) is parsed once, with the result the rules share.
  if (!single.error || !/^Source contains multiple documents/.test(single.error.message)) return single.error ?? undefined;
  return file.parse('yaml-stream-problem', (f) => {
    for (const doc of parseAllDocuments(f.text, { merge: true, uniqueKeys: true, prettyErrors: false, strict: false })) {
      const first = doc.errors[0];
      if (first) return { message: first.message.split('\n')[0] ?? first.message, offset: first.pos[0] };
    }
    return undefined;
  });
}
