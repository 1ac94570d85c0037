/**
 * What the repository says about its linters: which are configured at its root, which its CI
 * runs (workflow `run:` steps, and the package.json scripts and Makefile targets they call),
 * which versions it pins, and whether it already runs git hooks some other way.
 */
import type { Workspace } from '../../src/workspace/workspace.js';
import type { Files } from '../../src/facts/files.js';
import { jsPackages, readPackageJson, type JsManager } from '../../src/facts/ecosystems.js';
import { simpleCommands, splitShell } from '../../src/formats/shell.js';
import { actionName } from '../../src/formats/workflow.js';
import { findPair, scalarString } from '../../src/formats/yaml.js';
import { isSeq, type YAMLMap } from 'yaml';
import type { LinterId } from './tools.js';
import { parsedWorkflows } from '../../src/facts/files.js';

export interface Evidence {
  linter: LinterId;
  file: string;
  offset: number;
  /** In words: "`[tool.ruff]`", "`ruff check .` (job `lint`)". */
  what: string;
}

export interface CiRun extends Evidence {
  /** For ruff: which of its hooks the command is (`ruff` checks, `ruff-format` formats). */
  hook?: string;
}

export interface Pin {
  version: string;
  /** Where the version comes from, for the comment beside `rev:`. */
  source: string;
}

// ---------------------------------------------------------------------------------------------
// Hooks run another way

const LEFTHOOK = /^\.?lefthook(-local)?\.(ya?ml|toml|json)$/;
const SIMPLE_GIT_HOOKS = /^\.?simple-git-hooks\.(json|js|cjs|mjs)$/;
const HOOK_RUNNER_KEYS = ['simple-git-hooks', 'husky', 'gitHooks', 'pre-commit', 'git-hooks', 'lefthook'];
const HOOK_RUNNER_PACKAGES = ['husky', 'simple-git-hooks', 'lefthook', '@arkweid/lefthook', 'yorkie', 'pre-commit', 'git-hooks', 'ghooks', '@evilmartians/lefthook'];
const GIT_HOOK_NAMES = new Set(['pre-commit', 'pre-push', 'commit-msg', 'prepare-commit-msg']);

/**
 * How the repository already runs git hooks, in words, or undefined. pre-commit is one hook
 * runner among several; a repository that chose husky, lefthook, simple-git-hooks or a hooks
 * folder wired with `core.hooksPath` has made the choice this rule would make for it.
 */
export function otherHookRunner(ws: Workspace): string | undefined {
  if (ws.hasDir('.husky')) return '`.husky/`';
  for (const p of ws.paths) {
    if (p.includes('/')) continue;
    if (LEFTHOOK.test(p) || SIMPLE_GIT_HOOKS.test(p) || p === '.overcommit.yml') return `\`${p}\``;
  }
  const pkg = readPackageJson(ws.read('package.json'));
  if (pkg) {
    const key = HOOK_RUNNER_KEYS.find((k) => k in pkg);
    if (key) return `package.json \`${key}\``;
    for (const field of ['devDependencies', 'dependencies']) {
      const deps = pkg[field];
      const name = deps && typeof deps === 'object' ? HOOK_RUNNER_PACKAGES.find((n) => n in deps) : undefined;
      if (name) return `package.json ${field} \`${name}\``;
    }
  }
  // A folder of hook scripts (`.githooks/pre-commit`, `scripts/git-hooks/pre-push`), installed by
  // `git config core.hooksPath` from a Makefile, a script or the docs.
  for (const p of ws.paths) {
    const slash = p.lastIndexOf('/');
    if (slash === -1 || !GIT_HOOK_NAMES.has(p.slice(slash + 1))) continue;
    if (/(^|\/)(node_modules|vendor)\//.test(p)) continue;
    return `\`${p.slice(0, slash)}/\``;
  }
  for (const p of ['Makefile', 'makefile', 'GNUmakefile', 'package.json', 'justfile', 'Justfile', 'Taskfile.yml']) {
    if (ws.probe(p)?.text.includes('core.hooksPath')) return `\`core.hooksPath\` in ${p}`;
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Linters configured at the root

/** The offset of an INI section header `[name]` (or a TOML table), at the start of a line. */
function headerOffset(text: string, names: readonly string[]): { offset: number; name: string } | undefined {
  for (const name of names) {
    const escaped = name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    const m = new RegExp(`^[ \\t]*\\[${escaped}(\\]|\\.)`, 'm').exec(text);
    if (m) return { offset: m.index + (m[0].length - m[0].trimStart().length), name };
  }
  return undefined;
}

const INI_SECTIONS: ReadonlyArray<[LinterId, readonly string[]]> = [
  ['flake8', ['flake8']],
  ['isort', ['isort', 'tool:isort']],
  ['mypy', ['mypy']],
];

const OWN_FILES: ReadonlyArray<[LinterId, RegExp]> = [
  ['ruff', /^\.?ruff\.toml$/],
  ['flake8', /^\.flake8$/],
  ['isort', /^\.isort\.cfg$/],
  ['mypy', /^\.?mypy\.ini$/],
  ['pylint', /^\.?pylintrc$/],
  ['eslint', /^(eslint\.config\.(js|mjs|cjs|ts|mts|cts)|\.eslintrc(\.(js|cjs|mjs|json|ya?ml))?)$/],
  ['prettier', /^(\.prettierrc(\.(json5?|ya?ml|toml|js|cjs|mjs|ts|mts|cts))?|prettier\.config\.(js|cjs|mjs|ts|mts|cts))$/],
];

/** Linters whose configuration sits at the repository root (where pre-commit runs). */
export function configuredLinters(ws: Workspace, files: Files): Evidence[] {
  const out: Evidence[] = [];
  const seen = new Set<LinterId>();
  const add = (e: Evidence): void => {
    if (seen.has(e.linter)) return;
    seen.add(e.linter);
    out.push(e);
  };
  if (ws.has('pyproject.toml')) {
    const file = ws.read('pyproject.toml');
    const tool = files.toml('pyproject.toml')?.value?.tool;
    if (file && tool && typeof tool === 'object') {
      for (const linter of ['ruff', 'black', 'isort', 'flake8', 'mypy', 'pylint'] as const) {
        if (!(linter in tool)) continue;
        const at = headerOffset(file.text, [`tool.${linter}`]);
        add({ linter, file: 'pyproject.toml', offset: at?.offset ?? 0, what: `\`[tool.${linter}]\`` });
      }
    }
  }
  for (const ini of ['setup.cfg', 'tox.ini']) {
    const file = ws.has(ini) ? ws.read(ini) : undefined;
    if (!file) continue;
    for (const [linter, sections] of INI_SECTIONS) {
      if (ini === 'tox.ini' && linter === 'mypy') continue;
      const at = headerOffset(file.text, sections.map((s) => s));
      // `[mypy-some.module]` sections configure mypy too, but only with `[mypy]` beside them.
      if (at && new RegExp(`^[ \\t]*\\[${at.name.replace(/[.:]/g, '\\$&')}\\]`, 'm').test(file.text)) add({ linter, file: ini, offset: at.offset, what: `\`[${at.name}]\`` });
    }
  }
  for (const p of ws.paths) {
    if (p.includes('/')) continue;
    for (const [linter, re] of OWN_FILES) if (re.test(p)) add({ linter, file: p, offset: 0, what: `\`${p}\`` });
  }
  const pkg = ws.has('package.json') ? readPackageJson(ws.read('package.json')) : undefined;
  if (pkg) {
    const text = ws.read('package.json')?.text ?? '';
    for (const [linter, key] of [['eslint', 'eslintConfig'], ['prettier', 'prettier']] as const) {
      if (!(key in pkg) || typeof pkg[key] !== 'object') continue;
      const at = text.indexOf(`"${key}"`);
      add({ linter, file: 'package.json', offset: Math.max(at, 0), what: `package.json \`${key}\`` });
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// What CI runs

const WRAPPERS: ReadonlyArray<readonly string[]> = [['uv', 'run'], ['poetry', 'run'], ['pipenv', 'run'], ['pdm', 'run'], ['hatch', 'run'], ['rye', 'run'], ['uvx'], ['pipx', 'run'], ['npx'], ['bunx'], ['pnpx'], ['pnpm', 'exec'], ['pnpm', 'dlx'], ['npm', 'exec'], ['yarn', 'exec'], ['bun', 'x'], ['python', '-m'], ['python3', '-m'], ['py', '-m'], ['yarn']];

/** Options of the wrappers that take the next word as their value. */
const VALUED_OPTIONS = new Set(['--with', '--with-editable', '--with-requirements', '--directory', '--project', '--python', '-p', '--package', '--extra', '--group', '--env-file', '--from', '-C', '--cwd', '--prefix', '--filter', '-F', '--dir', '--workspace', '-w', '--spec', '--index-url']);

/** The linter a command runs, after its wrappers (`uv run`, `npx`, `python -m`), and its words from there. */
function linterOf(words: readonly string[]): { linter: LinterId; rest: string[] } | undefined {
  let i = 0;
  while (i < words.length && /^[A-Za-z_][A-Za-z0-9_]*=/.test(words[i] as string)) i++;
  for (let guard = 0; guard < 4; guard++) {
    const wrapper = WRAPPERS.find((w) => w.every((x, k) => words[i + k] === x));
    if (!wrapper) break;
    i += wrapper.length;
    // A wrapper's own options (`uv run --frozen`, `npx --yes`, `uv run --with ruff`) come before the command.
    while (i < words.length && (words[i] as string).startsWith('-')) i += VALUED_OPTIONS.has(words[i] as string) ? 2 : 1;
    if (words[i - 1] === '--') break;
  }
  const head = words[i];
  if (head === undefined) return undefined;
  const name = head.replace(/^.*\//, '').replace(/@[^@]*$/, '');
  const known: readonly LinterId[] = ['ruff', 'black', 'isort', 'flake8', 'mypy', 'eslint', 'prettier', 'pylint'];
  const linter = known.find((k) => k === name);
  return linter ? { linter, rest: words.slice(i + 1) as string[] } : undefined;
}

/** `package.json` script names and Makefile targets a command calls, to follow one level down. */
function calledScript(words: readonly string[]): { kind: 'npm' | 'make'; name: string } | undefined {
  const [a, b, c] = words;
  if ((a === 'npm' || a === 'pnpm' || a === 'bun') && (b === 'run' || b === 'run-script') && c) return { kind: 'npm', name: c };
  if (a === 'yarn' && b === 'run' && c) return { kind: 'npm', name: c };
  if ((a === 'yarn' || a === 'pnpm') && b && !b.startsWith('-') && !['install', 'add', 'exec', 'dlx', 'run'].includes(b)) return { kind: 'npm', name: b };
  if (a === 'npm' && (b === 'test' || b === 't')) return { kind: 'npm', name: 'test' };
  if (a === 'make' || a === 'gmake') {
    const target = words.slice(1).find((w) => !w.startsWith('-') && !w.includes('='));
    if (target) return { kind: 'make', name: target };
  }
  return undefined;
}

/** The recipe lines of a Makefile target (tab-indented lines under `target:`). */
function makeRecipe(text: string, target: string): string[] {
  const lines = text.split(/\r?\n/);
  const escaped = target.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const head = new RegExp(`^(?:[^\\s:#=]+\\s+)*${escaped}(?:\\s+[^\\s:#=]+)*\\s*::?(?!=)`);
  const out: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (!head.test(lines[i] as string)) continue;
    for (let j = i + 1; j < lines.length && (lines[j] as string).startsWith('\t'); j++) out.push((lines[j] as string).slice(1).replace(/^[@-]+/, ''));
  }
  return out;
}

function ruffHook(rest: readonly string[]): string {
  const sub = rest.find((w) => !w.startsWith('-'));
  return sub === 'format' ? 'ruff-format' : 'ruff';
}

/** `pip install`, `python -m pip install`, `uv pip install`, `uv tool install`, `pipx install`. */
function isInstall(words: readonly string[]): boolean {
  const at = words.indexOf('install');
  if (at < 1) return false;
  const before = words.slice(0, at).join(' ');
  return /^((python3?|py) -m )?pip3?$|^uv (pip|tool)$|^pipx$/.test(before);
}

const PIN = /^([A-Za-z0-9][\w.-]*?)(\[[^\]]*\])?={2,3}([\w.+!-]+)$/;

/**
 * The linters CI runs: `run:` scripts of the workflows, and the package.json scripts and
 * Makefile targets those call (one level). Versions CI installs (`pip install ruff==0.4.4`)
 * are collected on the way.
 */
export function ciRuns(ws: Workspace, pins: Map<string, Pin>): CiRun[] {
  const out: CiRun[] = [];
  const pkg = ws.has('package.json') ? readPackageJson(ws.read('package.json')) : undefined;
  const scripts = pkg?.scripts && typeof pkg.scripts === 'object' ? (pkg.scripts as Record<string, unknown>) : {};
  const makefile = ['Makefile', 'makefile', 'GNUmakefile'].find((p) => ws.has(p));
  const visit = (script: string, file: string, offset: number, where: string, depth: number): void => {
    // After a `cd` into a folder the commands lint a subproject, not the root pre-commit runs at.
    let elsewhere = false;
    for (const command of simpleCommands(splitShell(script))) {
      const words = command.map((w) => w.value);
      if (words[0] === 'cd' || words[0] === 'pushd') {
        elsewhere = words[1] !== undefined && !/^(\.\/?|\$\{?GITHUB_WORKSPACE\}?|\$\{\{\s*github\.workspace\s*\}\})$/.test(words[1]);
        continue;
      }
      if (elsewhere) continue;
      if (isInstall(words)) {
        for (const w of words) {
          const m = PIN.exec(w);
          if (m && !pins.has((m[1] as string).toLowerCase())) pins.set((m[1] as string).toLowerCase(), { version: m[3] as string, source: `installed in ${where}` });
        }
        continue;
      }
      const found = linterOf(words);
      if (found) {
        const shown = words.join(' ');
        out.push({ linter: found.linter, file, offset, what: `\`${shown.length > 60 ? `${shown.slice(0, 59)}…` : shown}\` (${where})`, ...(found.linter === 'ruff' ? { hook: ruffHook(found.rest) } : {}) });
        continue;
      }
      if (depth > 0) continue;
      const called = calledScript(words);
      if (called?.kind === 'npm' && typeof scripts[called.name] === 'string') visit(scripts[called.name] as string, file, offset, `${where} via script \`${called.name}\``, depth + 1);
      if (called?.kind === 'make' && makefile) for (const line of makeRecipe(ws.read(makefile)?.text ?? '', called.name)) visit(line, file, offset, `${where} via \`make ${called.name}\``, depth + 1);
    }
  };
  for (const model of parsedWorkflows(ws)) {
    const p = model.path;
  for (const job of model.jobs) {
    for (const step of job.steps) {
      const action = actionName(step.uses);
      if (action === 'astral-sh/ruff-action' || action === 'chartboost/ruff-action') {
        const args = step.with.get('args')?.value ?? 'check';
        out.push({ linter: 'ruff', file: p, offset: step.start, what: `\`${action}\` (job \`${job.id}\` of ${p})`, hook: ruffHook(args.split(/\s+/)) });
        const version = step.with.get('version')?.value;
        if (version && /^\d+\.\d+\.\d+$/.test(version) && !pins.has('ruff')) pins.set('ruff', { version, source: `${action} in ${p}` });
      } else if (action === 'psf/black') {
        out.push({ linter: 'black', file: p, offset: step.start, what: `\`psf/black\` (job \`${job.id}\` of ${p})` });
        const version = step.with.get('version')?.value?.replace(/^[~=]=/, '');
        if (version && /^\d+\.\d+(\.\d+)?$/.test(version) && !pins.has('black')) pins.set('black', { version, source: `psf/black in ${p}` });
      }
      // A step run in a subfolder (`working-directory: dev/cli`, or one that is not a literal
      // path) lints a subproject.
      if (!step.run || step.workingDirectory !== '') continue;
      for (const script of matrixExpanded(step.run.script, job.map)) visit(script, p, step.start, `job \`${job.id}\` of ${p}`, 0);
    }
  }
  }
  return out;
}

/**
 * A script with its `${{ matrix.x }}` expressions replaced by each value of the job's matrix
 * list `x` (`make ${{ matrix.check }}` over `check: [format, lint]`); the script itself when it
 * names no such list. Other expressions stay as they are and match no linter.
 */
function matrixExpanded(script: string, job: YAMLMap): string[] {
  const m = /\$\{\{\s*matrix\.([\w-]+)\s*\}\}/.exec(script);
  if (!m) return [script];
  const list = findPair(findPair(findPair(job, 'strategy')?.value, 'matrix')?.value, m[1] as string)?.value;
  const values = isSeq(list) ? list.items.map((i) => scalarString(i)).filter((v): v is string => v !== undefined && !v.includes('${{')) : [];
  return values.length > 0 ? values.map((v) => script.split(m[0]).join(v)) : [script];
}

// ---------------------------------------------------------------------------------------------
// Versions the repository pins

const REQUIREMENTS = /(^|\/)([^/]*requirements[^/]*\.(txt|in)|requirements\/[^/]+\.(txt|in))$/;
const LOCKS = ['uv.lock', 'poetry.lock', 'pdm.lock'];

function addPin(pins: Map<string, Pin>, name: string, version: string, source: string): void {
  const key = name.toLowerCase().replace(/_/g, '-');
  if (!pins.has(key)) pins.set(key, { version, source });
}

function pep508Pins(list: unknown, source: string, pins: Map<string, Pin>): void {
  if (!Array.isArray(list)) return;
  for (const item of list) {
    if (typeof item !== 'string') continue;
    const m = /^\s*([A-Za-z0-9][\w.-]*)\s*(\[[^\]]*\])?\s*===?\s*([\w.+!-]+)\s*(;.*)?$/.exec(item);
    if (m) addPin(pins, m[1] as string, m[3] as string, source);
  }
}

/**
 * Exact versions of Python distributions the repository names, best first: a lockfile
 * (uv.lock, poetry.lock, pdm.lock at the root), then `==` pins in requirements files and in
 * pyproject.toml. A range (`>=`, poetry's bare `"24.4"`, which means `^24.4`) pins nothing.
 */
export function repositoryPins(ws: Workspace, files: Files): Map<string, Pin> {
  const pins = new Map<string, Pin>();
  for (const lock of LOCKS) {
    if (!ws.has(lock)) continue;
    const packages = files.toml(lock)?.value?.package;
    if (!Array.isArray(packages)) continue;
    for (const p of packages as Array<Record<string, unknown>>) {
      if (typeof p?.name === 'string' && typeof p.version === 'string') addPin(pins, p.name, p.version, lock);
    }
  }
  const reqs = ws.paths.filter((p) => REQUIREMENTS.test(p) && !/(^|\/)(node_modules|vendor|\.venv|venv|site-packages)\//.test(p));
  for (const p of reqs) {
    const text = ws.probe(p)?.text ?? '';
    for (const line of text.split(/\r?\n/)) {
      const m = /^\s*([A-Za-z0-9][\w.-]*)\s*(\[[^\]]*\])?\s*===?\s*([\w.+!-]+)/.exec(line);
      if (m) addPin(pins, m[1] as string, m[3] as string, p);
    }
  }
  const py = ws.has('pyproject.toml') ? files.toml('pyproject.toml')?.value : undefined;
  if (py) {
    const project = py.project as Record<string, unknown> | undefined;
    pep508Pins(project?.dependencies, 'pyproject.toml', pins);
    for (const list of Object.values((project?.['optional-dependencies'] as Record<string, unknown>) ?? {})) pep508Pins(list, 'pyproject.toml', pins);
    for (const list of Object.values((py['dependency-groups'] as Record<string, unknown>) ?? {})) pep508Pins(list, 'pyproject.toml', pins);
    const tool = (py.tool ?? {}) as Record<string, Record<string, unknown> | undefined>;
    pep508Pins(tool.uv?.['dev-dependencies'], 'pyproject.toml', pins);
    for (const list of Object.values((tool.pdm?.['dev-dependencies'] as Record<string, unknown>) ?? {})) pep508Pins(list, 'pyproject.toml', pins);
    const poetry = tool.poetry as Record<string, unknown> | undefined;
    const tables: unknown[] = [poetry?.dependencies, poetry?.['dev-dependencies'], ...Object.values((poetry?.group as Record<string, { dependencies?: unknown }>) ?? {}).map((g) => g?.dependencies)];
    for (const table of tables) {
      if (!table || typeof table !== 'object') continue;
      for (const [name, spec] of Object.entries(table as Record<string, unknown>)) {
        const raw = typeof spec === 'string' ? spec : spec && typeof spec === 'object' ? (spec as Record<string, unknown>).version : undefined;
        const m = typeof raw === 'string' ? /^\s*==\s*([\w.+!-]+)\s*$/.exec(raw) : null;
        if (m) addPin(pins, name, m[1] as string, 'pyproject.toml');
      }
    }
  }
  return pins;
}

/** The package manager of the root package (its lockfile, `packageManager`, else npm). */
export function rootManager(ws: Workspace): JsManager {
  return jsPackages(ws).find((p) => p.dir === '')?.manager ?? 'npm';
}
