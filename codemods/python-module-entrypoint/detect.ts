import path from 'node:path/posix';
import type { RawFinding, Fix } from '../../src/model/types.js';
import type { RuleContext } from '../../src/model/rule.js';
import { insertTable } from '../../src/formats/toml-edit.js';
import { entrySurface } from './surface.js';

/** Modules of a package that hold its command line by convention, in the order they are preferred. */
const CLI_MODULES = ['cli/__init__.py', 'cli/main.py', 'cli/app.py', 'cli.py', 'console.py', 'command_line.py'];
/** Folders whose packages are not the repository's own product (samples, tests, vendored code). */
const NOT_PRODUCT = /(^|\/)(node_modules|site-packages|vendor|vendored|third_party|examples?|samples?|tests?|testing|docs|fixtures|templates?|archive|legacy|\.[^/]+)\//;

export interface PackageCli {
  /** The top-level package: its folder and import name. */
  dir: string;
  name: string;
  /** `autopack.cli.main:main`, when exactly one entry is found. */
  target: string | undefined;
  /** Every entry found, as `module:callable`, for the message when there are several. */
  entries: string[];
}

/** Top-level packages (a folder with `__init__.py` whose parent has none, or under a src layout's `src/`) that have a CLI entry. */
export async function packagesWithCli(ctx: RuleContext): Promise<PackageCli[]> {
  const out: PackageCli[] = [];
  for (const p of ctx.workspace.paths) {
    if (path.basename(p) !== '__init__.py' || NOT_PRODUCT.test(p)) continue;
    const dir = path.dirname(p);
    // Top level: the parent is no package, or is the `src/` of a src layout (a stray
    // `src/__init__.py` does not make `src` the import name: the installed name is below it).
    const parent = path.dirname(dir);
    if (dir === '.' || (ctx.workspace.has(path.join(parent, '__init__.py')) && path.basename(parent) !== 'src')) continue;
    const name = path.basename(dir);
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) continue;
    const entries: string[] = [];
    for (const rel of CLI_MODULES) {
      const file = ctx.workspace.read(path.join(dir, rel));
      if (!file) continue;
      const module = [name, ...rel.replace(/(\/__init__)?\.py$/, '').split('/')].join('.');
      for (const e of (await entrySurface(file)).entries) entries.push(`${module}:${e.name}`);
    }
    const unique = [...new Set(entries)];
    if (unique.length) out.push({ dir, name, target: unique.length === 1 ? unique[0] : undefined, entries: unique });
  }
  return out;
}

/** `python -m <pkg>` runs `__main__.py`: one that imports nothing of its package and reads no command line is something else (a demo). */
export async function mainModuleFinding(ctx: RuleContext, pkg: PackageCli): Promise<RawFinding | undefined> {
  const mainPath = path.join(pkg.dir, '__main__.py');
  const file = ctx.workspace.read(mainPath);
  if (!file) return undefined;
  const s = await entrySurface(file);
  const ownImport = s.imports.some((m) => m.startsWith('.') || m === pkg.name || m.startsWith(`${pkg.name}.`));
  // A delegate, its own command line, or an empty file (nothing to run): not this finding.
  if (ownImport || s.readsArgv || s.definitions === 0) return undefined;
  const base = { file: mainPath, offset: s.firstDefinition, key: `${mainPath}:unrelated-main`, messageId: 'unrelatedMain' as const };
  if (!pkg.target) {
    return { ...base, data: { pkg: pkg.name, cli: pkg.entries.map((e) => `\`${e}\``).join(', '), tail: '; there is more than one entry, so no delegate is written' }, fix: null, skipReason: 'ambiguous-target' };
  }
  const [module, callable] = pkg.target.split(':') as [string, string];
  const eol = file.eol;
  const body = [`"""\`python -m ${pkg.name}\`: the ${pkg.name} command line (${pkg.target})."""`, `from ${module} import ${callable}`, '', `if __name__ == "__main__":`, `    raise SystemExit(${callable}())`, ''].join(eol);
  const fix: Fix = {
    // The module's own code is replaced: the author should see what goes (git keeps it).
    safety: 'review',
    description: `make \`python -m ${pkg.name}\` run ${pkg.target}`,
    edits: [{ file: mainPath, start: 0, end: file.text.length, text: body }],
  };
  return { ...base, data: { pkg: pkg.name, cli: `\`${pkg.target}\``, tail: `; replace it with a delegate to \`${pkg.target}\`` }, fix };
}

const normalise = (name: string): string => name.toLowerCase().replace(/[-_.]+/g, '-');

/** The nearest pyproject.toml at or above the package folder. */
function nearestPyproject(ctx: RuleContext, dir: string): string | undefined {
  for (let d = path.dirname(dir); ; d = path.dirname(d)) {
    const p = d === '.' ? 'pyproject.toml' : path.join(d, 'pyproject.toml');
    if (ctx.workspace.has(p)) return p;
    if (d === '.' || d === '/' || d === '') return undefined;
  }
}

/** A project that installs the package but declares no command for its CLI. */
export function scriptsFinding(ctx: RuleContext, pkg: PackageCli): RawFinding | undefined {
  const pyproject = nearestPyproject(ctx, pkg.dir);
  const file = pyproject ? ctx.workspace.read(pyproject) : undefined;
  const doc = file ? ctx.files.toml(file)?.value : undefined;
  if (!pyproject || !file || !doc) return undefined;
  const project = table(doc.project);
  const poetry = table(table(doc.tool)?.poetry);
  const projectName = typeof project?.name === 'string' ? project.name : typeof poetry?.name === 'string' ? poetry.name : undefined;
  // Only the project whose distribution is this package: a repository's helper packages are not its product.
  if (!projectName || normalise(projectName) !== normalise(pkg.name)) return undefined;
  const dynamic = Array.isArray(project?.dynamic) ? project.dynamic : [];
  if (project?.scripts || project?.['gui-scripts'] || dynamic.includes('scripts') || poetry?.scripts) return undefined;
  // setup.py / setup.cfg beside it may declare the command (entry_points console_scripts).
  for (const legacy of ['setup.py', 'setup.cfg']) {
    const f = ctx.workspace.probe(path.join(path.dirname(pyproject), legacy));
    if (f && /console_scripts|entry_points/.test(f.text)) return undefined;
  }
  const tableName = project ? 'project.scripts' : 'tool.poetry.scripts';
  const header = new RegExp(`^\\[${project ? 'project' : 'tool\\.poetry'}\\][ \\t]*(#.*)?\\r?$`, 'm').exec(file.text);
  const base = { file: pyproject, offset: header?.index ?? 0, key: `${pyproject}:scripts:${pkg.name}`, messageId: 'noScripts' as const };
  if (!pkg.target) return { ...base, data: { table: tableName, pkg: pkg.name, cli: pkg.entries.map((e) => `\`${e}\``).join(', '), tail: '; there is more than one entry, so none is chosen' }, fix: null, skipReason: 'ambiguous-target' };
  const insertion = insertTable(file, tableName, [[projectName, pkg.target]], project ? 'project' : 'tool.poetry');
  const data = { table: tableName, pkg: pkg.name, cli: `\`${pkg.target}\``, tail: insertion ? `; add \`${projectName} = "${pkg.target}"\`` : '; the file is laid out in a way the table cannot be added to' };
  if (!insertion) return { ...base, data, fix: null, skipReason: 'unusual-layout' };
  return {
    ...base,
    data,
    fix: {
      // A new table, checked by parsing the result: installing the project now also installs the
      // command its CLI module already implements; nothing that exists changes.
      safety: 'safe',
      description: `declare the \`${projectName}\` command in [${tableName}]`,
      edits: [{ file: pyproject, start: insertion.offset, end: insertion.offset, text: insertion.text }],
    },
  };
}

function table(v: unknown): Record<string, unknown> | undefined {
  return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
}
