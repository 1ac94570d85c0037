import type { Workspace } from '../workspace/workspace.js';
import type { SourceFile } from '../workspace/source-file.js';
import { parseYaml, type ParsedYaml } from '../formats/yaml.js';
import { dockerfileAst, parseDockerfile, type DockerfileModel } from '../formats/dockerfile.js';
import { summarizePython, type PythonModuleSummary } from '../formats/python.js';
import { analyzePythonTree, type PythonTreeAnalysis } from '../formats/python-tree.js';
import { parseTomlFile, type ParsedToml } from '../formats/toml.js';
import { parseJsonFile, parseJsoncFile, type ParsedJson, type ParsedJsonc } from '../formats/json.js';
import { parseMarkdown, DEFAULT_MAX_MARKDOWN_BYTES, type MarkdownResult } from '../formats/markdown.js';
import { parseNginx, type NginxTree } from '../formats/nginx.js';
import { isWorkflowPath, readWorkflow, type WorkflowModel } from '../formats/workflow.js';
import type { Dockerfile } from 'dockerfile-ast';

/**
 * The one parse of each file, by kind: `ctx.files.yaml(p)`, `ctx.files.dockerfile(p)`,
 * `await ctx.files.python(p)`. A path is read with `Workspace.read` (the rule relies on the
 * file's structure, so the run names it if it does not parse); a SourceFile already in hand
 * (a probe) is parsed as it is. Undefined when the file is absent or unreadable.
 *
 * Every accessor lands on the format's own parse function, which keeps the result with the
 * file's text (SourceFile.parse): a file is parsed once per run, whichever rule, fact or engine
 * check asks first, and a view that does not change it shares the parse.
 */
export class Files {
  constructor(private readonly workspace: Workspace) {}

  private file(p: string | SourceFile): SourceFile | undefined {
    return typeof p === 'string' ? this.workspace.read(p) : p;
  }

  yaml(p: string | SourceFile): ParsedYaml | undefined {
    const f = this.file(p);
    return f && parseYaml(f);
  }

  /** The stage model (stages, FROM chains, COPY lines, ENV) of a Dockerfile. */
  dockerfile(p: string | SourceFile): DockerfileModel | undefined {
    const f = this.file(p);
    return f && parseDockerfile(f);
  }

  /** The dockerfile-ast tree the stage model is built from, for readers of other instructions. */
  dockerfileAst(p: string | SourceFile): Dockerfile | undefined {
    const f = this.file(p);
    return f && dockerfileAst(f);
  }

  /**
   * The shared analyses of a Python module, from its one tree-sitter pass. An analysis that
   * one rule needs is declared in that rule's folder with `definePythonAnalysis` (env-example-
   * missing's env reads, redaction-key-normalization's surroundings) and runs in the same pass.
   * A rule that asks declares which modules it asks about (`declareTreeInterest`), so that the
   * tree analysis runs only in the passes over those.
   */
  async python(p: string | SourceFile): Promise<PythonFile | undefined> {
    const f = this.file(p);
    if (!f) return undefined;
    const [summary, tree] = await Promise.all([summarizePython(f), analyzePythonTree(f)]);
    return { summary, tree };
  }

  toml(p: string | SourceFile): ParsedToml | undefined {
    const f = this.file(p);
    return f && parseTomlFile(f);
  }

  /** Strict JSON (JSON.parse): manifests such as package.json. */
  json(p: string | SourceFile): ParsedJson | undefined {
    const f = this.file(p);
    return f && parseJsonFile(f);
  }

  /** JSON with comments and/or trailing commas, as the file's tool reads it (tsconfig.json, VS Code). */
  jsonc(p: string | SourceFile, dialect: { comments: boolean; trailingCommas: boolean }): ParsedJsonc | undefined {
    const f = this.file(p);
    return f && parseJsoncFile(f, dialect);
  }

  markdown(p: string | SourceFile, maxBytes = DEFAULT_MAX_MARKDOWN_BYTES): Promise<MarkdownResult> | undefined {
    const f = this.file(p);
    return f && parseMarkdown(f, maxBytes);
  }

  nginx(p: string | SourceFile): NginxTree | undefined {
    const f = this.file(p);
    return f && parseNginx(f);
  }
}

/** What the Python pass gives for one module. */
export interface PythonFile {
  /** Module-level bindings and `NAME = Callee(...)` calls (module resolution, app discovery), and the syntax error. */
  summary: PythonModuleSummary;
  /** String collections, functions, membership tests and references (redaction-key-normalization). */
  tree: PythonTreeAnalysis;
}

/** Every GitHub Actions workflow of the repository that parses, in path order (each from its one parse). */
export function parsedWorkflows(ws: Workspace): WorkflowModel[] {
  const out: WorkflowModel[] = [];
  for (const p of ws.paths) {
    if (!isWorkflowPath(p)) continue;
    const file = ws.read(p);
    if (!file) continue;
    const model = readWorkflow(file);
    if (!model.error) out.push(model);
  }
  return out;
}

/**
 * The line ending most of these files use (each judged by its own majority), for a file a fix
 * creates beside them; LF on a tie or when none has a line break. A path is counted once.
 */
export function majorityLineEnding(ws: Workspace, paths: Iterable<string>): '\n' | '\r\n' {
  let crlf = 0;
  let lf = 0;
  for (const p of new Set(paths)) {
    const file = ws.probe(p);
    if (!file || !file.text.includes('\n')) continue;
    if (file.eol === '\r\n') crlf++;
    else lf++;
  }
  return crlf > lf ? '\r\n' : '\n';
}
