/**
 * The optional pytest contract test: where the repo keeps its tests, how the module is imported,
 * and a test that asserts the normalising predicate treats the contract keys as sensitive —
 * only those keys the fixed sets really catch, so that the generated test passes.
 */
import path from 'node:path/posix';
import type { Workspace } from '../../src/workspace/workspace.js';
import { parseTomlFile } from '../../src/formats/toml.js';

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

/** `x_api_key` → `X_Api_Key`: each part between separators capitalised. */
function titleCase(key: string): string {
  return key.toLowerCase().replace(/(^|[-_. ])([a-z])/g, (_m, sep: string, c: string) => sep + c.toUpperCase());
}

/**
 * Each key as written, lower- and upper-cased, and in mixed case when it is written in one case
 * (`x_api_key` → `X_Api_Key`), each with `-` and `_` as separator; no repeats.
 */
export function keyVariants(keys: readonly string[]): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  const push = (k: string): void => {
    if (!seen.has(k)) {
      seen.add(k);
      out.push(k);
    }
  };
  for (const key of keys) {
    const cases = [key, key.toLowerCase(), key.toUpperCase()];
    if ((key === key.toLowerCase() || key === key.toUpperCase()) && /[a-z]/i.test(key)) cases.push(titleCase(key));
    for (const c of cases) push(c);
    if (/[-_]/.test(key)) for (const c of cases) push(c.replace(/[-_]/g, (m) => (m === '-' ? '_' : '-')));
  }
  return out;
}

export interface ContractFunction {
  name: string;
  /** Keys the fixed module treats as sensitive (asserted). */
  caught: string[];
  /** Contract keys it would not catch (left out, named in a comment). */
  missed: string[];
}

function pyString(s: string): string {
  return `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

/** The test file's text, black-formatted, with the file's line ending. */
export function contractTestSource(moduleName: string, functions: ContractFunction[], eol: string): string {
  const names = functions.map((f) => f.name).sort();
  const lines: string[] = [
    `"""Redaction contract for ${moduleName}: keys that must be treated as sensitive.`,
    '',
    'Generated by autopack-fix (rule redaction-key-normalization): header and field names in mixed case',
    'and with either separator must all be recognised, whatever spelling reaches the function.',
    '"""',
    '',
    'import pytest',
    '',
    `from ${moduleName} import ${names.join(', ')}`,
  ];
  for (const fn of functions) {
    const base = fn.name.replace(/^_+/, '') || 'key';
    lines.push('', '');
    if (fn.missed.length) {
      lines.push(`# Not asserted: ${fn.name}() does not treat these as sensitive even after the fix (no entry of the`);
      lines.push('# sets it tests matches them); add them to a set if they must be redacted:');
      lines.push(...wrapList(fn.missed.map(pyString), '#   '));
    }
    lines.push('@pytest.mark.parametrize(', '    "key",', '    [');
    for (const k of fn.caught) lines.push(`        ${pyString(k)},`);
    lines.push('    ],', ')');
    lines.push(`def test_${base}_treats_key_as_sensitive(key):`);
    lines.push(`    assert ${fn.name}(key), f"{key!r} must be treated as sensitive"`);
  }
  return lines.join(eol) + eol;
}

function wrapList(items: string[], prefix: string, width = 100): string[] {
  const out: string[] = [];
  let line = prefix;
  for (const [i, item] of items.entries()) {
    const piece = item + (i < items.length - 1 ? ',' : '');
    if (line !== prefix && line.length + 1 + piece.length > width) {
      out.push(line);
      line = prefix;
    }
    line += (line === prefix ? '' : ' ') + piece;
  }
  if (line !== prefix) out.push(line);
  return out;
}

export function contractFileName(file: string): string {
  const parts = file.replace(/\.py$/, '').split('/');
  let stem = parts[parts.length - 1] as string;
  if (stem === '__init__') stem = parts[parts.length - 2] ?? 'package';
  return `test_${stem.replace(/^_+/, '')}_redaction_contract.py`;
}
