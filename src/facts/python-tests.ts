/**
 * Where a repository keeps its pytest tests and how a test imports one of its modules: the
 * `testpaths`/`pythonpath` of its pytest configuration, the tests folder closest to a module,
 * and the module's dotted import name. For the rules that add a contract test beside a fix
 * (redaction-key-normalization, prod-auth-fail-open).
 */
import path from 'node:path/posix';
import type { Workspace } from '../workspace/workspace.js';
import { parseTomlFile } from '../formats/toml.js';

const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;
const TEST_FILE = /(^|\/)(test_[^/]*|[^/]*_test)\.py$/;

export interface PytestConfig {
  testpaths: string[];
  pythonpath: string[];
}

/** `testpaths` / `pythonpath` from pyproject.toml, pytest.ini, setup.cfg or tox.ini at the root; package roots from setuptools. */
export async function pytestConfig(ws: Workspace): Promise<PytestConfig> {
  const cfg: PytestConfig = { testpaths: [], pythonpath: [] };
  const pyproject = ws.read('pyproject.toml');
  if (pyproject) {
    try {
      const doc = parseTomlFile(pyproject).value as Record<string, any> | undefined;
      const ini = doc?.tool?.pytest?.ini_options ?? {};
      cfg.testpaths.push(...words(ini.testpaths));
      cfg.pythonpath.push(...words(ini.pythonpath));
      const find = doc?.tool?.setuptools?.packages?.find;
      if (find && typeof find === 'object' && !Array.isArray(find)) cfg.pythonpath.push(...words(find.where));
      const pkgDir = doc?.tool?.setuptools?.['package-dir'];
      if (pkgDir && typeof pkgDir === 'object' && typeof pkgDir[''] === 'string') cfg.pythonpath.push(pkgDir['']);
    } catch {
      // An unparsable pyproject says nothing about tests.
    }
  }
  for (const name of ['pytest.ini', 'setup.cfg', 'tox.ini']) {
    const text = ws.probe(name)?.text;
    if (!text) continue;
    const section = name === 'pytest.ini' ? /^\[pytest\][^\[]*/m.exec(text) : /^\[tool:pytest\][^\[]*/m.exec(text) ?? /^\[pytest\][^\[]*/m.exec(text);
    if (!section) continue;
    for (const key of ['testpaths', 'pythonpath'] as const) {
      const m = new RegExp(`^${key}\\s*[=:]\\s*((?:.*)(?:\\n[ \\t]+.*)*)`, 'm').exec(section[0]);
      if (m?.[1]) cfg[key].push(...m[1].split(/\s+/).filter(Boolean));
    }
  }
  const norm = (p: string): string => path.normalize(p).replace(/^\.\/?/, '').replace(/\/$/, '');
  cfg.testpaths = cfg.testpaths.map(norm);
  cfg.pythonpath = cfg.pythonpath.map(norm);
  return cfg;
}

function words(v: unknown): string[] {
  if (typeof v === 'string') return v.split(/\s+/).filter(Boolean);
  if (Array.isArray(v)) return v.filter((x): x is string => typeof x === 'string');
  return [];
}

function commonSegments(a: string, b: string): number {
  const x = a ? a.split('/') : [];
  const y = b ? b.split('/') : [];
  let n = 0;
  while (n < x.length && n < y.length && x[n] === y[n]) n++;
  return n;
}

/**
 * The directory the repo keeps its tests in, closest to `modulePath`: configured `testpaths`,
 * else `tests/`-style folders holding test files, else the folders of `test_*.py` files, else `tests`.
 */
export function findTestsDir(ws: Workspace, modulePath: string, cfg: PytestConfig): string {
  const moduleDir = path.dirname(modulePath) === '.' ? '' : path.dirname(modulePath);
  let candidates = cfg.testpaths.filter((p) => p !== '' && !p.endsWith('.py') && !/[*?[]/.test(p) && ws.hasDir(p));
  if (candidates.length === 0) {
    const named = new Set<string>();
    const plain = new Set<string>();
    for (const p of ws.paths) {
      if (!TEST_FILE.test(p)) continue;
      const parts = p.split('/');
      const k = parts.findIndex((s, i) => i < parts.length - 1 && (s === 'tests' || s === 'test'));
      if (k !== -1) named.add(parts.slice(0, k + 1).join('/'));
      else plain.add(parts.slice(0, -1).join('/'));
    }
    for (const d of ['tests', 'test']) if (ws.hasDir(d)) named.add(d);
    candidates = [...(named.size ? named : plain)].filter((d) => d !== '');
  }
  if (candidates.length === 0) return 'tests';
  const score = (d: string): number => commonSegments(path.dirname(d) === '.' ? '' : path.dirname(d), moduleDir);
  return candidates.sort((a, b) => score(b) - score(a) || a.split('/').length - b.split('/').length || a.localeCompare(b))[0] as string;
}

/**
 * The dotted import name of a repo file: packages are the folders with `__init__.py` above it;
 * the first folder without one is the import root when it is the repo root, a `src`-style or
 * configured root, or an ancestor of the tests; otherwise the name is taken from the repo root
 * (implicit namespace packages).
 */
export function importName(ws: Workspace, file: string, testsDir: string, cfg: PytestConfig): string | undefined {
  const parts = file.replace(/\.py$/, '').split('/');
  if (parts[parts.length - 1] === '__init__') parts.pop();
  if (parts.length === 0) return undefined;
  // parts[0..k) are folders; find the first one (walking up) without __init__.py.
  let rootLen = parts.length - 1;
  while (rootLen > 0 && ws.has(`${parts.slice(0, rootLen).join('/')}/__init__.py`)) rootLen--;
  const root = parts.slice(0, rootLen).join('/');
  const isRoot = root === '' || cfg.pythonpath.includes(root) || path.basename(root) === 'src' || testsDir === root || testsDir.startsWith(`${root}/`);
  const name = isRoot ? parts.slice(rootLen) : parts;
  if (name.length === 0 || !name.every((p) => IDENT.test(p))) return undefined;
  return name.join('.');
}
