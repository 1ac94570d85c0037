/**
 * Prefilters (src/util/prefilter.ts) decide from a cheap look at a file's text whether it is
 * worth a parse or an analysis. They must change no finding: every golden input is run with
 * every rule, with and without them (AUTOPACK_FIX_NO_PREFILTER=1), and the findings (fixes
 * included) and diagnostics must be byte-identical. The corpus check does the same on the
 * ecosystem snapshots (bench/README.md, "Prefilters").
 */
import { describe, it, expect, afterAll, afterEach } from 'vitest';
import path from 'node:path';
import { removeDir } from './helpers/repo.js';
import { FIXTURES, caseRepository, goldenCases } from './helpers/golden-cases.js';
import { Workspace } from '../src/workspace/workspace.js';
import { detect } from '../src/engine/run.js';
import { RULES } from '../src/rules/registry.js';
import { SourceFile } from '../src/workspace/source-file.js';
import { definePythonAnalysis, pythonAnalysis } from '../src/formats/python.js';
import { expectPrefilterTakesEvery } from './helpers/prefilter-shapes.js';
import { mayBindGuardList, guardsPaths, pathEntries } from '../codemods/protected-path-missing/detect.js';
import type { PythonTreeAnalysis } from '../src/formats/python-tree.js';
import { mayBePythonChecker } from '../codemods/drift-guard-coverage/python-checker.js';
import { mayReturnVersion, versionSurface } from '../codemods/api-version-drift/surface.js';
import type { Diagnostic } from '../src/model/types.js';

const cleanup: string[] = [];
afterAll(() => cleanup.forEach(removeDir));
afterEach(() => {
  delete process.env.AUTOPACK_FIX_NO_PREFILTER;
});

async function detectAll(repo: string, ruleOptions: Record<string, Record<string, unknown>>, prefilters: boolean): Promise<string> {
  if (prefilters) delete process.env.AUTOPACK_FIX_NO_PREFILTER;
  else process.env.AUTOPACK_FIX_NO_PREFILTER = '1';
  const ws = await Workspace.open(repo);
  const diagnostics: Diagnostic[] = [];
  const findings = await detect(ws, RULES, ruleOptions, diagnostics);
  return JSON.stringify({ findings, diagnostics }, null, 1);
}

describe('prefilters change no finding', () => {
  const cases = goldenCases();

  it('every golden input and the demo, with every rule: identical findings and diagnostics with and without prefilters', async () => {
    expect(cases.length).toBeGreaterThan(100);
    const differ: string[] = [];
    for (const { rule, dir } of cases) {
      const { repo, ruleOptions } = caseRepository({ rule, dir });
      cleanup.push(repo);
      const without = await detectAll(repo, ruleOptions, false);
      const withPrefilters = await detectAll(repo, ruleOptions, true);
      if (without !== withPrefilters) differ.push(path.relative(FIXTURES, dir));
    }
    expect(differ).toEqual([]);
  }, 1_200_000);
});

describe('the Python pass prefilter', () => {
  it('an analysis left out of the shared pass and asked all the same gets the same result from a pass of its own', async () => {
    const runs: string[] = [];
    const lengths = definePythonAnalysis<number>({
      name: 'test: statement count',
      run: (root, file) => (runs.push(file.path), root.namedChildren.length),
      noTree: () => -1,
      inPass: (file) => file.text.includes('wanted'),
    });
    const skipped = new SourceFile('a.py', 'x = 1\ny = 2\n', false);
    const wanted = new SourceFile('b.py', 'wanted = 1\n', false);
    const { summarizePython } = await import('../src/formats/python.js');
    await summarizePython(skipped);
    await summarizePython(wanted);
    expect(runs).toEqual(['b.py']);
    expect(await pythonAnalysis(skipped, lengths)).toBe(2);
    expect(await pythonAnalysis(wanted, lengths)).toBe(1);
    expect(runs).toEqual(['b.py', 'a.py']);
    // Asked again: kept with the text, not run a third time.
    expect(await pythonAnalysis(skipped, lengths)).toBe(2);
    expect(runs).toEqual(['b.py', 'a.py']);
    // Asked first for a file its prefilter leaves out: it joins the pass that ask makes.
    const first = new SourceFile('c.py', 'z = 3\n', false);
    expect(await pythonAnalysis(first, lengths)).toBe(1);
    await summarizePython(first);
    expect(runs).toEqual(['b.py', 'a.py', 'c.py']);
  });
});

describe('protected-path-missing prefilter (mayBindGuardList)', () => {
  it('takes every binding of a guard-named identifier to two path-like strings', () => {
    expect(mayBindGuardList('PROTECTED_PATHS = ["a/x", "b/y"]\n')).toBe(true);
    expect(mayBindGuardList('class C:\n    allowed_files: list[str] = ["x/", "y/"]\n')).toBe(true);
    expect(mayBindGuardList('if True: REQUIRED_CONFIG_FILES = ("a/b", "c/d")\n')).toBe(true);
    expect(mayBindGuardList('x = 1; LOCKED_DIRS = {"a/", "b/"}\n')).toBe(true);
    expect(mayBindGuardList('ALLOWED_PATHS \\\n  = ["a/", "b/"]\n')).toBe(true);
    expect(mayBindGuardList('def f():\n    pass\nPROTECTED_PATHS = ["a/", "b/"]\n')).toBe(true);
    expect(mayBindGuardList('Ä_PROTECTED = ["a/", "b/"]\n')).toBe(guardsPaths('Ä_PROTECTED'));
  });

  it('takes every value form python-tree reads as a collection: brackets, constructors, bare tuples', () => {
    expect(mayBindGuardList('PROTECTED_PATHS = "a/", "b/"\n')).toBe(true);
    expect(mayBindGuardList('ALLOWED_PATHS = BASE, "x/", "y/"\n')).toBe(true);
    expect(mayBindGuardList('PROTECTED_PATHS = foo(\n    a), "b/", "c/"\n')).toBe(true);
    expect(mayBindGuardList('REQUIRED_FILES: tuple[str, ...] = ("a/b", "c/d",)\n')).toBe(true);
    expect(mayBindGuardList('PROTECTED_PATHS: Final = [\n    "a/",\n    "b/",\n]\n')).toBe(true);
    expect(mayBindGuardList('PROTECTED_PATHS = set (["a/", "b/"])\n')).toBe(true);
    expect(mayBindGuardList('PROTECTED_PATHS = frozenset({"a/", "b/"})\n')).toBe(true);
    expect(mayBindGuardList('ALLOWED_PATHS = \\\n    ["a/", "b/"]\n')).toBe(true);
    // What only a parse can tell (an unclosed string) is taken.
    expect(mayBindGuardList('PROTECTED_PATHS = f"{x["k"]}", "y/", "z/"\n')).toBe(true);
    expect(mayBindGuardList('PROTECTED_PATHS = "a/\n')).toBe(true);
  });

  it('leaves out a guard name assigned a value that cannot be a collection', () => {
    expect(mayBindGuardList('config = load_config("a/b", "c/d")\n')).toBe(false);
    expect(mayBindGuardList('config = Config(a, b)  # "a/", "b/"\n')).toBe(false);
    expect(mayBindGuardList('CONFIG_PATH = "a/b.yaml"  # "x/", "y/"\n')).toBe(false);
    expect(mayBindGuardList('config: Settings = get_settings("a/", "b/")\n')).toBe(false);
    expect(mayBindGuardList('class C:\n    config: Settings\n    other = "a/", "b/"\n')).toBe(false);
    expect(mayBindGuardList('allowed = a == b\nlocked = """x/, y/"""\n')).toBe(false);
    expect(mayBindGuardList('d = {\n    CONFIG: ["a/", "b/"],\n}\n')).toBe(false);
    expect(mayBindGuardList('model_config = {"paths": "a/b", "root": "c/d"}\n')).toBe(false);
    expect(mayBindGuardList('config = {}\nx = "a/", "b/"\n')).toBe(false);
  });

  it('leaves out lists the rule cannot judge: fewer than two path-like strings, or bound in a function', () => {
    expect(mayBindGuardList('PROTECTED_PATHS = ["a", "b"]\n')).toBe(false);
    expect(mayBindGuardList('PROTECTED_PATHS = ["a/b", "c"]\n')).toBe(false);
    expect(mayBindGuardList('PROTECTED_PATHS = ["a/b"]  # "c/d"\n')).toBe(false);
    expect(mayBindGuardList('def f():\n    PROTECTED_PATHS = ["a/", "b/"]\n')).toBe(false);
    expect(mayBindGuardList('class C:\n    def f(self):\n        ALLOWED_PATHS = ["a/", "b/"]\n')).toBe(false);
    expect(mayBindGuardList('async def f():\n    ALLOWED_PATHS = ["a/", "b/"]\n')).toBe(false);
  });

  it('leaves out a keyword argument of a call spread over lines', () => {
    expect(mayBindGuardList('client = Client(\n    config = None,\n    paths = ["a/", "b/"],\n)\n')).toBe(false);
    expect(mayBindGuardList('f(\n    config = ["a/", "b/"],\n)\n')).toBe(false);
  });

  it('takes every file in which the tree analysis finds a guard-named list of two path entries (shapes × spellings)', async () => {
    const names = ['PROTECTED_PATHS', 'allowed_files', 'REQUIRED_CONFIG_FILES'];
    const targets = (n: string): string[] => [`${n} = `, `${n}: list[str] = `, `${n}: "tuple[str, ...]" = `, `${n} \\\n  = `, `${n}=`];
    const values = ['["a/", "b.txt", "c/d"]', '{"a/", "./b/c"}', '("a/", "b/",)', '"a/", "b/"', 'BASE, "a/", "b/"', 'frozenset({"a/", "b/"})', 'set(["a/", "b/"])', 'tuple(\n    ["a/", "b/"]\n)', '(\n    "a/",  # x, y\n    "b/",\n)', 'f"{x}", "a/", "b/"', '"""a,\nb""", "c/", "d/"', "r'a\\', 'b/', 'c/'", '["a/", f"b/", "c/d"]', '["a/", "b"]', '["a", "b"]'];
    const indent = (stmt: string): string => stmt.replace(/\n/g, '\n    ');
    const places = (stmt: string): string[] => [`${stmt}\n`, `import os\nif os.name:\n    ${indent(stmt)}\n`, `class K:\n    ${indent(stmt)}\n`, `x = 1; ${stmt}\n`, `def f():\n    pass\n${stmt}\n`, `try:\n    import x\nexcept ImportError:\n    ${indent(stmt)}\n`];
    const texts = names.flatMap((n) => targets(n).flatMap((t) => values.flatMap((v) => places(t + v))));
    const judged = (tree: PythonTreeAnalysis): boolean => tree.collections.some((c) => guardsPaths(c.name) && pathEntries(c).length >= 2);
    const collections = await expectPrefilterTakesEvery(texts, judged, mayBindGuardList);
    // Not vacuous: most shapes are such lists.
    expect(collections).toBeGreaterThan(600);
  });

  it('leaves out guard words that bind nothing, or name lists of other things', () => {
    expect(mayBindGuardList('def f(required=True):\n    return configuration\n')).toBe(false);
    expect(mayBindGuardList('parser.add_argument("--config", required=True)\n')).toBe(false);
    expect(mayBindGuardList('if config == 1:\n    pass\n')).toBe(false);
    expect(mayBindGuardList('ALLOWED_HOSTS = ["example.com/", "a/b"]\n')).toBe(false);
    expect(mayBindGuardList('clock = block = 1\n')).toBe(false);
  });
});

describe('drift-guard-coverage prefilter (mayBePythonChecker)', () => {
  it('is the look the rule takes before reading a file', () => {
    expect(mayBePythonChecker('scripts/check_drift.py', 'FORBIDDEN = ["a"]\n')).toBe(true);
    expect(mayBePythonChecker('scripts/check_drift.py', 'names = ["a"]\n')).toBe(false);
  });
});

describe('api-version-drift prefilter (mayReturnVersion)', () => {
  it('takes every module in which the surface finds a handler returning a version literal (decorator spellings × returns)', async () => {
    const decorators = ['@app.get("/version")', '@router.post("/v")', '@ app . route("/")', '@api.api_route("/x", methods=["GET"])', '@app\\\n.get("/v")', '@bp.delete(\n    "/v",\n)', '@app.get("/a")\n@auth.required'];
    const returns = ['return {"version": "1.2.0"}', 'return {"status": "ok", \'version\': "v2.0.1"}', 'if x:\n        return {"version": "0.1.0"}\n    return {}'];
    let held = 0;
    for (const d of decorators) {
      for (const r of returns) {
        const text = `from fastapi import FastAPI\n__version__ = "1.0.0"\napp = FastAPI()\n\n${d}\ndef version():\n    ${r}\n`;
        const surface = await versionSurface(new SourceFile('m.py', text, false));
        if (surface.literals.length === 0) continue;
        held++;
        expect(mayReturnVersion(text), text).toBe(true);
      }
    }
    expect(held).toBeGreaterThan(15);
  });

  it('leaves out a "version" string with no route: settings, tests, a plain function', () => {
    expect(mayReturnVersion('def info():\n    return {"version": "1.0.0"}\n')).toBe(false);
    expect(mayReturnVersion('def test_api(client):\n    assert client.get("/v").json()["version"] == "1.0"\n')).toBe(false);
    process.env.AUTOPACK_FIX_NO_PREFILTER = '1';
    expect(mayReturnVersion('def info():\n    return {"version": "1.0.0"}\n')).toBe(true);
  });
});
