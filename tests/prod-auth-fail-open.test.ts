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
import { ruleTester } from './helpers/rule-tester.js';
import { Workspace } from '../src/workspace/workspace.js';
import { productModules } from '../codemods/prod-auth-fail-open/detect.js';
import { mayHoldGateFunction } from '../codemods/prod-auth-fail-open/surface.js';

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

const SWITCH = { 'app/config.py': 'import os\n\nIS_PROD = os.getenv("APP_ENV") == "production"\n' };

ruleTester('prod-auth-fail-open', {
  valid: [
    {
      name: 'the unset value is the request header, not configuration',
      files: { ...SWITCH, 'app/auth.py': 'from fastapi import Header, HTTPException\n\n\ndef verify_token(token: str = Header(None)):\n    if not token:\n        return None\n    raise HTTPException(status_code=401)\n' },
    },
    {
      name: 'a feature that is off without its key refuses nothing',
      files: { ...SWITCH, 'app/llm.py': 'import os\n\nOPENAI_API_KEY = os.getenv("OPENAI_API_KEY")\n\n\ndef check_api_key():\n    if not OPENAI_API_KEY:\n        return None\n    return OPENAI_API_KEY\n' },
    },
    {
      name: 'a deliberate AUTH_DISABLED switch in the gate',
      files: { ...SWITCH, 'app/auth.py': 'import os\n\nfrom fastapi import Header, HTTPException\n\nAPI_KEY = os.getenv("API_KEY")\nAUTH_DISABLED = os.getenv("AUTH_DISABLED") == "1"\n\n\ndef verify_key(x_api_key: str = Header(None)):\n    if AUTH_DISABLED:\n        return None\n    if not API_KEY:\n        return None\n    if x_api_key != API_KEY:\n        raise HTTPException(status_code=401)\n' },
    },
    {
      name: 'a settings validator raises in production when the key is unset',
      files: {
        'app/settings.py': 'from pydantic import model_validator\nfrom pydantic_settings import BaseSettings\n\n\nclass Settings(BaseSettings):\n    environment: str = "development"\n    api_key: str | None = None\n\n    @model_validator(mode="after")\n    def key_in_production(self):\n        if self.environment == "production" and not self.api_key:\n            raise ValueError("api_key is required in production")\n        return self\n\n\nsettings = Settings()\n',
        'app/auth.py': 'from fastapi import Header, HTTPException\n\nfrom app.settings import settings\n\n\ndef verify_key(x_api_key: str = Header(None)):\n    if not settings.api_key:\n        return None\n    if x_api_key != settings.api_key:\n        raise HTTPException(status_code=401)\n',
      },
    },
    {
      name: 'test helpers are not the product',
      files: { ...SWITCH, 'tests/helpers/auth.py': 'import os\n\nfrom fastapi import HTTPException\n\nKEY = os.getenv("TEST_API_KEY")\n\n\ndef verify_api_key(key=None):\n    if not KEY:\n        return None\n    raise HTTPException(status_code=401)\n' },
    },
  ],
  invalid: [
    {
      name: 'an empty-string test, no pytest in the repository: the guard without a contract test',
      files: { ...SWITCH, 'app/auth.py': 'import os\n\nfrom fastapi import Header, HTTPException\n\nADMIN_TOKEN = os.getenv("ADMIN_TOKEN", "")\n\n\ndef require_admin(x_token: str = Header(None)):\n    if ADMIN_TOKEN == "":\n        pass\n    elif x_token != ADMIN_TOKEN:\n        raise HTTPException(status_code=403)\n' },
      errors: [{ messageId: 'failOpen', data: { key: '`ADMIN_TOKEN`', allow: 'pass', test: ' (no contract test: the repository does not use pytest)' }, safety: 'review' }],
      output: { 'app/auth.py': 'import os\n\nfrom fastapi import Header, HTTPException\n\nADMIN_TOKEN = os.getenv("ADMIN_TOKEN", "")\n\n\ndef require_admin(x_token: str = Header(None)):\n    if ADMIN_TOKEN == "":\n        if os.getenv("APP_ENV") == "production":\n            raise RuntimeError("ADMIN_TOKEN is not set: refusing to serve unauthenticated requests in production (APP_ENV is production)")\n        pass\n    elif x_token != ADMIN_TOKEN:\n        raise HTTPException(status_code=403)\n' },
    },
    {
      name: 'a client that raises on its own `api_key` argument is no startup check of `settings.api_key`',
      files: {
        ...SWITCH,
        'app/settings.py': 'import os\n\n\nclass Settings:\n    api_key = os.getenv("SERVICE_API_KEY")\n\n\nsettings = Settings()\n',
        'app/llm.py': 'def make_client(api_key=None):\n    if not api_key:\n        raise ValueError("an api_key is required")\n    return api_key\n',
        'app/auth.py': 'from fastapi import Header, HTTPException\n\nfrom app.settings import settings\n\n\ndef verify_key(x_api_key: str = Header(None)):\n    if not settings.api_key:\n        return None\n    if x_api_key != settings.api_key:\n        raise HTTPException(status_code=401)\n',
      },
      errors: [{ messageId: 'failOpen', data: { key: '`settings.api_key`', switch: '`APP_ENV`' }, safety: 'review' }],
      output: {
        'app/auth.py': 'import os\nfrom fastapi import Header, HTTPException\n\nfrom app.settings import settings\n\n\ndef verify_key(x_api_key: str = Header(None)):\n    if not settings.api_key:\n        if os.getenv("APP_ENV") == "production":\n            raise RuntimeError("settings.api_key is not set: refusing to serve unauthenticated requests in production (APP_ENV is production)")\n        return None\n    if x_api_key != settings.api_key:\n        raise HTTPException(status_code=401)\n',
      },
    },
    {
      name: 'two switches compared elsewhere, none in the gate module: report only',
      files: {
        'app/a.py': 'import os\n\nA = os.getenv("APP_ENV") == "production"\n',
        'app/b.py': 'import os\n\nB = os.getenv("DEPLOY_ENV") == "prod"\n',
        'app/auth.py': 'import os\n\nfrom fastapi import Header, HTTPException\n\nSECRET = os.environ.get("SERVICE_SECRET")\n\n\ndef verify_secret(x_secret: str = Header(None)):\n    if SECRET is None:\n        return True\n    if x_secret != SECRET:\n        raise HTTPException(status_code=401)\n    return True\n',
      },
      errors: [{ messageId: 'failOpenNoFix', skipReason: 'ambiguous-target', safety: null }],
      output: null,
      reason: 'which variable means production is the repository\'s call',
    },
  ],
});

describe('prod-auth-fail-open: the modules that may hold a gate are read first', () => {
  function repo(tree: Record<string, string>): string {
    const dir = tempDir();
    cleanup.push(dir);
    for (const [p, text] of Object.entries(tree)) {
      mkdirSync(path.dirname(path.join(dir, p)), { recursive: true });
      writeFileSync(path.join(dir, p), text);
    }
    return dir;
  }

  const TOKENS = 'def count_tokens(text):\n    return len(text.split())\n\nMAX_TOKENS = 4096\nbroken = (\n';
  const ROUTE = 'from fastapi import HTTPException\n\n\ndef get_item(item_id: int):\n    if item_id < 0:\n        raise HTTPException(status_code=404)\n    return {"token": None}\n';

  it('without a gate anywhere, the modules that cannot hold one are neither parsed nor relied on', async () => {
    const ws = await Workspace.open(repo({ 'app/llm.py': TOKENS, 'app/routes.py': ROUTE }));
    expect(await productModules(ws)).toEqual([]);
    // The route module may hold a gate (it refuses requests): read, and found to hold none. The
    // token counter (a syntax error in it, too) is not this rule's business.
    expect(ws.reliedPaths()).toEqual(['app/routes.py']);
  });

  it('with a gate, every module that may guard it is read (a startup check without a refusal in it)', async () => {
    const gate = 'import os\nfrom fastapi import Header, HTTPException\n\nAPI_KEY = os.getenv("API_KEY")\n\n\ndef verify_api_key(x_api_key: str = Header(None)):\n    if not API_KEY:\n        return\n    if x_api_key != API_KEY:\n        raise HTTPException(status_code=401)\n';
    const startup = 'import os\n\n\ndef check_settings():\n    if not os.getenv("API_KEY"):\n        raise RuntimeError("API_KEY (a secret) must be set")\n';
    const ws = await Workspace.open(repo({ 'app/auth.py': gate, 'app/startup.py': startup, 'app/llm.py': TOKENS.replace('broken = (\n', '') }));
    const modules = await productModules(ws);
    expect(modules.map((m) => m.path)).toEqual(['app/auth.py', 'app/startup.py']);
    expect(modules[0]?.s.gates.length).toBe(1);
    expect(modules[1]?.s.raisingIfs.length).toBe(1);
  });

  it('the text test is a superset of the gates read: DENIAL without word boundaries', () => {
    expect(mayHoldGateFunction(ROUTE)).toBe(true);
    expect(mayHoldGateFunction(TOKENS)).toBe(false);
    // A refusal glued to a word in the module still counts (the function's own text may start there).
    expect(mayHoldGateFunction('token = 1\nxHTTPException\n')).toBe(true);
  });
});
