/**
 * The review fix: in the gate's unset-key branch, raise when the repository's environment
 * switch says production (development stays open), and a pytest contract test beside the
 * repository's tests that pins both halves.
 */
import path from 'node:path/posix';
import type { FileCreation, Fix, SkipReason, TextEdit } from '../../src/model/types.js';
import type { Workspace } from '../../src/workspace/workspace.js';
import { majorityLineEnding } from '../../src/facts/files.js';
import { findTestsDir, importName, pytestConfig, type PytestConfig } from '../../src/facts/python-tests.js';
import type { AuthGate, KeyRef } from './surface.js';
import { keyLabel, type Module, type Switch } from './detect.js';

export type FixOutcome = { fix: Fix; test: string | undefined; testNote: string | undefined } | { fix: null; reason: SkipReason; why: string };

function pyString(s: string): string {
  return `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

function valuesTest(lhs: string, values: string[]): string {
  return values.length === 1 ? `${lhs} == ${pyString(values[0] as string)}` : `${lhs} in (${values.map(pyString).join(', ')})`;
}

/** The switch as the gate's module reads it. */
export function switchExpr(sw: Switch): string {
  switch (sw.kind) {
    case 'env':
      return `os.getenv(${pyString(sw.env)}${sw.default !== undefined ? `, ${sw.default}` : ''})`;
    case 'attr':
      return `${sw.object}.${sw.attr}`;
    case 'name':
      return sw.name;
  }
}

export function switchLabel(sw: Switch): string {
  return sw.kind === 'env' ? sw.env : switchExpr(sw);
}

function gateLabel(gate: AuthGate): string {
  return gate.className ? `${gate.className}.${gate.name}()` : `${gate.name}()`;
}

export async function buildFix(ws: Workspace, m: Module, gate: AuthGate, sw: Switch): Promise<FixOutcome> {
  const b = gate.branch;
  const text = m.file.text;
  const eol = m.file.eol;
  if (b.insertAt === undefined || !b.blockIndent.startsWith(b.ifIndent) || b.blockIndent.length === b.ifIndent.length) {
    return { fix: null, reason: 'unusual-layout', why: 'the branch sits on the `if` line' };
  }
  const unit = b.blockIndent.slice(b.ifIndent.length);
  const key = keyLabel(b.key);
  const message = `${key} is not set: refusing to serve unauthenticated requests in production (${switchLabel(sw)} is ${sw.values.join(' or ')})`;
  const guard = `${b.blockIndent}if ${valuesTest(switchExpr(sw), sw.values)}:${eol}${b.blockIndent}${unit}raise RuntimeError(${pyString(message)})${eol}`;
  const edits: TextEdit[] = [{ file: m.path, start: b.insertAt, end: b.insertAt, text: guard }];
  if (sw.kind === 'env' && !m.s.importsOs) {
    if (m.s.afterImports === undefined) return { fix: null, reason: 'unusual-layout', why: 'the module imports nothing, so there is no place for `import os`' };
    const at = m.s.afterImports;
    edits.push({ file: m.path, start: at, end: at, text: `import os${text.slice(at - 2, at) === '\r\n' || eol === '\r\n' ? '\r\n' : '\n'}` });
  }
  const t = contractTest(ws, m, gate, sw, await pytestConfig(ws));
  const description = `raise in ${gateLabel(gate)} when ${key} is unset and ${switchLabel(sw)} says production; development stays open${t.creation ? `; add the contract test ${t.creation.file}` : ''}`;
  return { fix: { safety: 'review', description, edits, ...(t.creation ? { creates: [t.creation] } : {}) }, test: t.creation?.file, testNote: t.note };
}

/** The repository runs pytest: it declares it, or has tests written for it. */
function hasPytest(ws: Workspace): boolean {
  for (const p of ws.paths) {
    const base = path.basename(p);
    if (base === 'conftest.py' || base === 'pytest.ini') return true;
    if (/^(pyproject\.toml|setup\.cfg|setup\.py|tox\.ini|Pipfile|requirements[^/]*\.(txt|in)|[^/]*requirements[^/]*\.txt)$/.test(base) && /\bpytest\b/.test(ws.probe(p)?.text ?? '')) return true;
  }
  return false;
}

/** The statements of the test that make the key unset, in the module `mod`. */
function unsetKey(key: KeyRef, gate: AuthGate): string | undefined {
  const value = gate.branch.form === 'empty' ? '""' : 'None';
  switch (key.kind) {
    case 'env':
      return `monkeypatch.delenv(${pyString(key.env)}, raising=False)`;
    case 'name':
      return `monkeypatch.setattr(mod, ${pyString(key.name)}, ${value})`;
    case 'attr':
      return /^[A-Za-z_]\w*$/.test(key.object) && key.object !== 'self' && key.object !== 'cls' ? `monkeypatch.setattr(mod.${key.object}, ${pyString(key.attr)}, ${value})` : undefined;
  }
}

function setSwitch(sw: Switch, value: string): string {
  switch (sw.kind) {
    case 'env':
      return `monkeypatch.setenv(${pyString(sw.env)}, ${pyString(value)})`;
    case 'attr':
      return `monkeypatch.setattr(mod.${sw.object}, ${pyString(sw.attr)}, ${pyString(value)})`;
    case 'name':
      return `monkeypatch.setattr(mod, ${pyString(sw.name)}, ${pyString(value)})`;
  }
}

/** How the test calls the gate so that it reaches the branch, or why it cannot. */
function callOf(gate: AuthGate): { setup: string[]; call: string; allowed: string | undefined } | string {
  if (!gate.topLevel) return 'the gate is defined inside a function, so a test cannot import it';
  if (!gate.plainPrefix) return 'the gate reads the request before the branch';
  const own = gate.params.filter((p) => p !== 'self' && p !== 'cls');
  if (own.some((p) => p.startsWith('*'))) return 'the gate takes *args/**kwargs';
  const run = (c: string): string => (gate.async ? `asyncio.run(${c})` : c);
  switch (gate.kind) {
    case 'dependency':
    case 'before-request':
      if (gate.className) return 'the gate is a method';
      return { setup: [], call: run(`mod.${gate.name}(${own.map((p) => `${p}=None`).join(', ')})`), allowed: undefined };
    case 'django': {
      if (gate.classInit === 'other') return 'the middleware has its own constructor';
      const passed = gate.name === '__call__' ? '"passed"' : 'None';
      return {
        setup: [`middleware = mod.${gate.className}(lambda request: ${passed})`],
        call: run(gate.name === '__call__' ? 'middleware(None)' : 'middleware.process_request(None)'),
        allowed: gate.name === '__call__' ? '"passed"' : undefined,
      };
    }
    case 'starlette': {
      if (gate.classInit === 'other') return 'the middleware has its own constructor';
      return {
        setup: ['async def call_next(request):', '    return "passed"', '', `middleware = mod.${gate.className}(None)`],
        call: run('middleware.dispatch(None, call_next)'),
        allowed: '"passed"',
      };
    }
  }
}

function contractTest(ws: Workspace, m: Module, gate: AuthGate, sw: Switch, cfg: PytestConfig): { creation?: FileCreation; note?: string } {
  if (!hasPytest(ws)) return { note: 'no contract test: the repository does not use pytest' };
  const how = callOf(gate);
  if (typeof how === 'string') return { note: `no contract test: ${how}` };
  const key = gate.branch.key.kind === 'name' && gate.locals[gate.branch.key.name] ? gate.locals[gate.branch.key.name] as KeyRef : gate.branch.key;
  const unset = unsetKey(key, gate);
  if (!unset) return { note: `no contract test: a test cannot unset \`${keyLabel(key)}\`` };
  const testsDir = findTestsDir(ws, m.path, cfg);
  const moduleName = asTestsImport(ws, testsDir, importName(ws, m.path, testsDir, cfg));
  if (!moduleName) return { note: 'no contract test: the module has no import name' };
  const stem = (gate.className ?? gate.name).replace(/^_+/, '').replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase();
  const file = `${testsDir}/test_${stem}_auth_contract.py`;
  if (ws.has(file)) return { note: `no contract test: ${file} exists` };
  const dev = ['development', 'dev', 'local'].find((v) => !sw.values.includes(v)) as string;
  // The tests folder's line endings, else the module's.
  const beside = ws.paths.filter((p) => p.startsWith(`${testsDir}/`) && p.endsWith('.py'));
  const eol = beside.length ? majorityLineEnding(ws, beside) : m.file.eol;
  const label = gate.className ? `${gate.className}.${gate.name}` : gate.name;
  const lines = [
    `"""Auth contract for ${moduleName}.${label}: with ${keyLabel(gate.branch.key)} unset, production refuses and development stays open.`,
    '',
    'Generated by autopack-fix (rule prod-auth-fail-open).',
    '"""',
    '',
    ...(gate.async ? ['import asyncio', ''] : []),
    'import pytest',
    '',
    `import ${moduleName} as mod`,
    '',
    '',
    'def _call():',
    ...how.setup.map((l) => (l ? `    ${l}` : '')),
    `    return ${how.call}`,
    '',
    '',
    `def test_production_without_key_refuses(monkeypatch):`,
    `    ${unset}`,
    `    ${setSwitch(sw, sw.values[0] as string)}`,
    '    with pytest.raises(RuntimeError):',
    '        _call()',
    '',
    '',
    `def test_development_without_key_stays_open(monkeypatch):`,
    `    ${unset}`,
    `    ${setSwitch(sw, dev)}`,
    how.allowed ? `    assert _call() == ${how.allowed}` : '    _call()',
  ];
  return { creation: { file, content: lines.join(eol) + eol } };
}

/**
 * The import name as the repository's tests write it: with a stray `__init__.py` in `src/` the
 * package layout says `src.autopack.main`, while the tests (run with `src` on the path) import
 * `autopack`. The longest tail of the dotted name whose first part the tests import wins.
 */
function asTestsImport(ws: Workspace, testsDir: string, name: string | undefined): string | undefined {
  if (!name || !name.includes('.')) return name;
  const imported = new Set<string>();
  for (const p of ws.paths) {
    if (!p.startsWith(`${testsDir}/`) || !p.endsWith('.py')) continue;
    for (const m of (ws.probe(p)?.text ?? '').matchAll(/^[ \t]*(?:from|import)[ \t]+([A-Za-z_]\w*)/gm)) imported.add(m[1] as string);
  }
  const parts = name.split('.');
  for (let i = 0; i < parts.length - 1; i++) if (imported.has(parts[i] as string)) return parts.slice(i).join('.');
  return name;
}
