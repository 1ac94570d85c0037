/**
 * Which parser, with which options, judges a file: the dialect its own tool accepts. A
 * `tsconfig.json` with comments and trailing commas is valid for TypeScript, a `---`-separated
 * stream is valid YAML for kubectl, and a Helm chart's `templates/` hold Go template text that
 * only becomes YAML when rendered. Proofs and parse diagnostics both go through this choice, so
 * that a fix is held to what the tool accepts and a valid file is never called broken.
 */
import path from 'node:path/posix';
import { jsonValue, parseJsoncFile } from './json.js';
import type { SourceFile } from '../workspace/source-file.js';
import { isDockerfilePath } from './dockerfile.js';
import { isScriptPath } from './bundler-config.js';
import { nginxPathKind } from './nginx.js';
import { isComposePath } from './compose.js';
import { helmChartOf } from './template.js';

export type Format = 'yaml' | 'json' | 'toml' | 'dockerfile' | 'python' | 'script' | 'nginx';

export interface Dialect {
  format: Format;
  /** JSON: `//` and `/* *\/` comments are accepted (JSONC). */
  comments: boolean;
  /** JSON: a comma after the last member of an object or array is accepted. */
  trailingCommas: boolean;
  /** YAML: the file may be a stream of `---`-separated documents. */
  multiDocument: boolean;
  /**
   * Set when the file is template source (a Helm chart's templates): what it renders is in
   * `format`, the file itself is not, and nothing here can parse it.
   */
  template?: 'helm';
  /** The tool whose rules decided the dialect (for messages and tests). */
  owner: string;
}

/** What the dialect needs to know of the repository: a Workspace, or a view of one. */
export interface RepoView {
  readonly paths: readonly string[];
  has(p: string): boolean;
  probe(p: string): SourceFile | undefined;
  /** Workspace.derived: where an index over the paths is kept for the view (absent: not kept). */
  derived?<T>(key: object, create: () => T): T;
}

/**
 * The file types the tool can re-parse to prove an edit left them valid. `nginx` is decided by
 * the path first (see nginxPathKind): a `*.conf` that is only a candidate is parsed as nginx
 * only when its content looks like nginx, so parseProblem says nothing about a supervisord or
 * Apache `.conf`.
 */
export function formatOf(p: string): Format | undefined {
  if (/\.toml$/i.test(p)) return 'toml';
  if (/\.ya?ml$/i.test(p)) return 'yaml';
  if (/\.jsonc?$/i.test(p)) return 'json';
  if (/\.py$/i.test(p)) return 'python';
  if (isScriptPath(p)) return 'script';
  if (isDockerfilePath(p)) return 'dockerfile';
  if (nginxPathKind(p)) return 'nginx';
  return undefined;
}

/**
 * JSON files whose tool reads them with a JSONC parser, by the tool's own naming. First match
 * wins, so a folder owned by one tool comes before file names another tool also uses.
 */
const JSONC_OWNERS: ReadonlyArray<{ owner: string; test: RegExp; trailingCommas: boolean }> = [
  // TypeScript's config parser takes comments and trailing commas (tsc --showConfig accepts both).
  { owner: 'TypeScript', test: /(^|\/)[jt]sconfig[^/]*\.json$/i, trailingCommas: true },
  // CodeSandbox documents comments in its task file; trailing commas it does not promise.
  { owner: 'CodeSandbox', test: /(^|\/)\.codesandbox\/[^/]+\.json$/, trailingCommas: false },
  { owner: 'Dev Containers', test: /(^|\/)(\.devcontainer\/[^/]+|\.?devcontainer)\.json$/, trailingCommas: true },
  { owner: 'Zed', test: /(^|\/)\.zed\/[^/]+\.json$/, trailingCommas: true },
  // VS Code reads its workspace files as JSONC wherever they are kept (a `.vscode/` folder, or
  // an example folder to copy from).
  { owner: 'VS Code', test: /(^|\/)(\.vscode\/[^/]+|settings|launch|tasks|extensions|keybindings)\.json$/, trailingCommas: true },
  // turbo.json is read as JSON5 (comments and trailing commas) since turbo 1.1.
  { owner: 'Turborepo', test: /(^|\/)turbo\.json$/, trailingCommas: true },
  // ESLint's legacy loader strips comments, then JSON.parse: no trailing commas.
  { owner: 'ESLint', test: /(^|\/)\.eslintrc\.json$/, trailingCommas: false },
  { owner: 'JSONC', test: /\.jsonc$/i, trailingCommas: true },
];

/**
 * YAML files whose tool reads exactly one document: a `---` stream there is an error, and a
 * rule that reads the first document would miss the rest.
 */
function singleDocumentOwner(p: string): string | undefined {
  if (isComposePath(p)) return 'Docker Compose';
  if (/^\.github\/(dependabot\.ya?ml|workflows\/[^/]+\.ya?ml)$/.test(p) || /(^|\/)action\.ya?ml$/.test(p)) return 'GitHub';
  if (/(^|\/)pnpm-workspace\.ya?ml$/.test(p)) return 'pnpm';
  return undefined;
}

/**
 * The dialect `p` is judged in, or undefined when the tool has no parser for its format. With a
 * repository view, relations between files count too: a JSON file a tsconfig `extends` is
 * read by TypeScript, and a chart's templates are Helm's.
 */
export function dialectOf(p: string, repo?: RepoView): Dialect | undefined {
  const format = formatOf(p);
  if (!format) return undefined;
  const plain: Dialect = { format, comments: false, trailingCommas: false, multiDocument: false, owner: format };
  if (repo && helmChartOf(repo, p) !== undefined) return { ...plain, template: 'helm', owner: 'Helm' };
  if (format === 'yaml') {
    const single = singleDocumentOwner(p);
    return single ? { ...plain, owner: single } : { ...plain, multiDocument: true, owner: 'YAML' };
  }
  if (format !== 'json') return plain;
  const owner = JSONC_OWNERS.find((o) => o.test.test(p));
  if (owner) return { ...plain, comments: true, trailingCommas: owner.trailingCommas, owner: owner.owner };
  if (repo && typescriptBases(repo).has(p)) return { ...plain, comments: true, trailingCommas: true, owner: 'TypeScript' };
  return { ...plain, owner: 'JSON' };
}

/** A file with nothing but whitespace: a placeholder, with no structure to be wrong about. */
export function isBlank(text: string): boolean {
  return /^\s*$/.test(text);
}

// ---------------------------------------------------------------------------------------------
// TypeScript: the files tsconfigs extend

const TYPESCRIPT_BASES = { name: 'files tsconfigs extend' };

const TSCONFIG_NAME = /(^|\/)[jt]sconfig[^/]*\.json$/i;

/**
 * Every repository file a tsconfig/jsconfig `extends`, followed through chains (a shared
 * `nextjs.json` that extends `base.json`). Package specifiers resolve to the workspace package
 * of that name, as the package manager links it.
 */
export function typescriptBases(repo: RepoView): Set<string> {
  return repo.derived ? repo.derived(TYPESCRIPT_BASES, () => findTypescriptBases(repo)) : findTypescriptBases(repo);
}

function findTypescriptBases(repo: RepoView): Set<string> {
  const out = new Set<string>();
  let packages: Map<string, string> | undefined;
  const queue = repo.paths.filter((p) => TSCONFIG_NAME.test(p) && !p.split('/').includes('node_modules'));
  for (let i = 0; i < queue.length; i++) {
    const p = queue[i] as string;
    const file = repo.probe(p);
    if (!file) continue;
    for (const spec of extendsOf(file)) {
      const relative = spec.startsWith('./') || spec.startsWith('../');
      let target: string | undefined;
      if (relative) target = existing(repo, path.join(path.dirname(p), spec));
      else if (!spec.startsWith('/')) {
        packages ??= workspacePackages(repo);
        target = fromPackage(repo, packages, spec);
      }
      if (target && !out.has(target) && !TSCONFIG_NAME.test(target)) {
        out.add(target);
        queue.push(target);
      }
    }
  }
  return out;
}

function extendsOf(file: SourceFile): string[] {
  return file.parse('tsconfig-extends', (f) => {
    let value: unknown;
    try {
      value = parseJsoncFile(f, { comments: true, trailingCommas: true }).value;
    } catch {
      return [];
    }
    const ext = value && typeof value === 'object' ? (value as Record<string, unknown>).extends : undefined;
    const list = Array.isArray(ext) ? ext : [ext];
    return list.filter((e): e is string => typeof e === 'string' && e !== '');
  });
}

/** The file TypeScript opens for an extends target: as written, with `.json` added, or the folder's tsconfig.json. */
function existing(repo: RepoView, candidate: string): string | undefined {
  const p = path.normalize(candidate).replace(/^\.\//, '');
  if (p.startsWith('../')) return undefined;
  return [p, `${p}.json`, `${p}/tsconfig.json`].find((c) => repo.has(c));
}

function fromPackage(repo: RepoView, packages: Map<string, string>, spec: string): string | undefined {
  const parts = spec.split('/');
  const nameLength = spec.startsWith('@') ? 2 : 1;
  const dir = packages.get(parts.slice(0, nameLength).join('/'));
  if (dir === undefined) return undefined;
  const rest = parts.slice(nameLength).join('/');
  return existing(repo, rest ? path.join(dir || '.', rest) : path.join(dir || '.', 'tsconfig.json'));
}

/** Package name → directory, for every package.json of the repository outside node_modules. */
function workspacePackages(repo: RepoView): Map<string, string> {
  const out = new Map<string, string>();
  for (const p of repo.paths) {
    if (!(p === 'package.json' || p.endsWith('/package.json')) || p.split('/').includes('node_modules')) continue;
    const file = repo.probe(p);
    if (!file || !file.text.includes('"name"')) continue;
    const name = file.parse('package-name', (f) => {
      try {
        return (jsonValue(f) as { name?: unknown }).name;
      } catch {
        return undefined;
      }
    });
    if (typeof name === 'string' && !out.has(name)) out.set(name, path.dirname(p) === '.' ? '' : path.dirname(p));
  }
  return out;
}
