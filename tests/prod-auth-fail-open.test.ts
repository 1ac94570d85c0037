/**
 * The contract tests prod-auth-fail-open writes must run: for every golden case that creates one,
 * pytest passes on the fixed tree (input/ overlaid with expected/) and fails on the unfixed tree
 * with only the test added. Web frameworks are not installed here: a stub package stands in for
 * each third-party module the fixtures import (classes, exceptions and decorators that accept
 * anything), which is enough because the gate's unset-key branch comes before any framework call.
 * Skipped where no Python with pytest is available.
 */
import { describe, it, expect, afterAll } from 'vitest';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ROOT, removeDir, tempDir } from './helpers/repo.js';

const CASES = path.join(ROOT, 'fixtures', 'prod-auth-fail-open');
const python = spawnSync('python3', ['-c', 'import pytest'], { encoding: 'utf8' });
const hasPytest = python.status === 0;
const cleanup: string[] = [];
afterAll(() => cleanup.forEach(removeDir));

const STUB = `"""Stand-in for a web framework in the contract-test harness."""


class _Any:
    def __init__(self, *args, **kwargs):
        pass

    def __call__(self, *args, **kwargs):
        if len(args) == 1 and callable(args[0]) and not kwargs:
            return args[0]
        return _Any()

    def __getattr__(self, name):
        return _Any()


def __getattr__(name):
    if name.endswith(("Exception", "Error", "Denied", "Failed")):
        return type(name, (Exception,), {})
    if name[:1].isupper():
        return type(name, (_Any,), {})
    return _Any()
`;
const STUBBED = ['fastapi', 'fastapi/security', 'starlette', 'starlette/middleware', 'starlette/middleware/base', 'starlette/requests', 'starlette/responses', 'flask', 'pydantic', 'pydantic_settings', 'django', 'django/http', 'django/conf', 'django/utils', 'django/utils/deprecation'];

function files(dir: string, base = ''): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(path.join(dir, e.name), path.join(base, e.name)) : [path.join(base, e.name)]));
}

function pytest(tree: string, test: string): { status: number | null; out: string } {
  const stubs = path.join(tree, '.stubs');
  for (const m of STUBBED) {
    mkdirSync(path.join(stubs, m), { recursive: true });
    writeFileSync(path.join(stubs, m, '__init__.py'), STUB);
  }
  const r = spawnSync('python3', ['-m', 'pytest', '-q', '-p', 'no:cacheprovider', test], {
    cwd: tree,
    encoding: 'utf8',
    env: { ...process.env, PYTHONPATH: [stubs, path.join(tree, 'src'), tree].join(path.delimiter), PYTHONDONTWRITEBYTECODE: '1' },
  });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

const cases = existsSync(CASES) ? readdirSync(CASES).filter((c) => files(path.join(CASES, c, 'expected')).some((f) => /_auth_contract\.py$/.test(f))) : [];

describe.skipIf(!hasPytest)('prod-auth-fail-open: the generated contract tests run with pytest', () => {
  it('has cases that create a contract test', () => {
    expect(cases.length).toBeGreaterThan(0);
  });
  for (const c of cases) {
    it(`${c}: passes on the fixed tree, fails on the unfixed one`, () => {
      const created = files(path.join(CASES, c, 'expected')).filter((f) => /_auth_contract\.py$/.test(f));
      const fixed = tempDir('auth-fixed-');
      const unfixed = tempDir('auth-unfixed-');
      cleanup.push(fixed, unfixed);
      cpSync(path.join(CASES, c, 'input'), fixed, { recursive: true });
      cpSync(path.join(CASES, c, 'expected'), fixed, { recursive: true });
      cpSync(path.join(CASES, c, 'input'), unfixed, { recursive: true });
      for (const t of created) {
        mkdirSync(path.dirname(path.join(unfixed, t)), { recursive: true });
        cpSync(path.join(CASES, c, 'expected', t), path.join(unfixed, t));
        const good = pytest(fixed, t);
        expect(good.status, good.out).toBe(0);
        const bad = pytest(unfixed, t);
        expect(bad.status, bad.out).toBe(1);
        expect(bad.out).toMatch(/1 failed, 1 passed/);
      }
    });
  }
});
