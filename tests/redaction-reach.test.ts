/**
 * redaction-key-normalization's prefilter (codemods/redaction-key-normalization/reach.ts) and the
 * token scan under it (codeTokens, src/formats/python-scan.ts). The scan must read every
 * container, string collection, alias and import the tree analyses find, on shapes × places
 * (the corpus-wide check is bench/python-prefilter-check.mjs); the rule's findings with
 * and without prefilters are compared on every golden by tests/prefilter.test.ts.
 */
import { describe, it, expect } from 'vitest';
import { codeTokens, TOKEN, tokenText, type TokenRun } from '../src/formats/python-scan.js';
import { analyzePythonTree } from '../src/formats/python-tree.js';
import { SourceFile } from '../src/workspace/source-file.js';
import { moduleSurroundings } from '../codemods/redaction-key-normalization/consumers.js';
import { consumerNames, moduleBindings, reachingNames, readModule } from '../codemods/redaction-key-normalization/reach.js';
import { expectPrefilterTakesEvery } from './helpers/prefilter-shapes.js';

const tree = (text: string) => analyzePythonTree(new SourceFile('m.py', text, false));

describe('codeTokens', () => {
  const texts = (t: NonNullable<ReturnType<typeof codeTokens>>, run: TokenRun = t): string[] => Array.from(run.kinds, (_, i) => tokenText(t, run, i));

  it('reads names, strings, operators and the ends of logical lines, without comments and continuations', () => {
    const t = codeTokens('x = {"a",  # c\n  \'b\'}\ny \\\n  == 2 # z\nz **= 1\n') as NonNullable<ReturnType<typeof codeTokens>>;
    expect(texts(t)).toEqual(['x', '=', '{', '"a"', ',', "'b'", '}', '', 'y', '==', '2', '', 'z', '**=', '1', '']);
    expect([...t.kinds].filter((k) => k === TOKEN.end)).toHaveLength(3);
    expect([...t.columns.slice(0, 3)]).toEqual([0, -1, -1]);
    expect([...t.depths.slice(0, 7)]).toEqual([0, 0, 0, 1, 1, 1, 0]);
  });

  it('reads f-string fields as code, Python 3.12 quotes included', () => {
    const t = codeTokens('s = f"{d["k"] in KEYS!r:>{width}} {{x in Y}}"\n') as NonNullable<ReturnType<typeof codeTokens>>;
    expect(texts(t, t.fields)).toEqual(['d', '[', '"k"', ']', 'in', 'KEYS', '', 'width', '']);
    expect([...t.kinds]).toEqual([TOKEN.name, TOKEN.op, TOKEN.string, TOKEN.end]);
  });

  it('is unsure of an unclosed string, a stray brace in an f-string and a name outside the BMP', () => {
    expect(codeTokens('s = "abc\n')).toBeUndefined();
    expect(codeTokens('s = f"{x"\n')).toBeUndefined();
    expect(codeTokens('s = f"a } b"\n')).toBeUndefined();
    expect(codeTokens('𝐱 = 1\n')).toBeUndefined();
    expect(codeTokens('s = "𝐱"  # 𝐱\n')).toBeDefined();
  });
});

const TESTS = ['k.lower() in KEYS', 'k not in KEYS', '(k in KEYS)', 'k in KEYS if z else w', 'KEYS.__contains__(k)', 'k in self.KEYS', 'k in C.KEYS', 'k in mod.KEYS', 'any(k.lower() in KEYS for k in ks)', '[x for x in xs if x.lower() in KEYS]', 'f"{k in KEYS}"', 'f"{d["k"] in KEYS}"', 'k in \\\n    KEYS', 'k in KEYS  # for each key', 'a in KEYS in b'];
const PLACES = (e: string): string[] => [`def f(k):\n    return ${e}\n`, `x = [\n    ${e},\n]\n`, `for item in items:\n    ok = ${e}\n`, `class C:\n    def m(self, k):\n        return ${e}\n`, `lambda_ = lambda k: ${e}\n`, `if True: y = ${e}\n`];

describe('the containers of membership tests', () => {
  it('every container the tree analysis finds is read (shapes × places)', async () => {
    let held = 0;
    for (const text of TESTS.flatMap(PLACES)) {
      const a = await tree(text);
      if (a.error) continue;
      const read = readModule(text)?.containers ?? [];
      for (const t of a.membershipTests) {
        held++;
        expect(read, `${text}: ${t.container.object ?? ''}.${t.container.name}`).toContainEqual({ name: t.container.name, object: t.container.object });
      }
    }
    expect(held).toBeGreaterThan(70);
  });

  it('leaves out the `in` of a `for`, and operands that are no container', () => {
    const names = (text: string) => readModule(text)?.containers.map((c) => c.name);
    expect(names('for k, (a, b) in KEYS:\n    pass\nys = [y for y in YS]\n')).toEqual([]);
    expect(names('ok = k in keys() or k in d[0] or k in a.b.c or k in a.b(1)\n')).toEqual([]);
    // A `for` whose target holds a test: the test's `in` is at another depth (the `for`'s own `in`
    // is then read as a test too, which only costs a parse).
    expect(names('for x[k in S] in y:\n    pass\n')).toContain('S');
  });
});

const COLLECTIONS = ['KEYS = {"a", "B"}', 'KEYS = ["a"]', 'KEYS = ("a",)', 'KEYS = "a", "b"', 'KEYS = frozenset({"a"})', 'KEYS = set(["a", "b"])', 'KEYS = tuple(("a",))', 'KEYS: frozenset[str] = frozenset({"a"})', 'KEYS: Final = ("a" "b", "c")', 'KEYS = {\n    # the headers\n    "a",\n    r"b",\n}', 'KEYS = \\\n    {"a"}', 'KEYS = ["a", x]'];
const COLLECTION_PLACES = (c: string): string[] => [`${c}\n`, `import os\n\n${c}\n`, `class Policy:\n    ${c.replace(/\n/g, '\n    ')}\n`, `try:\n    ${c.replace(/\n/g, '\n    ')}\nexcept ImportError:\n    pass\n`, `class Policy: ${c.split('\n').join(' ')}\n`, `x = 1; ${c.split('\n').join(' ')}\n`];

describe('the string collections a module binds', () => {
  it('every collection of strings the tree analysis finds is read (shapes × places)', async () => {
    let held = 0;
    for (const text of COLLECTIONS.flatMap(COLLECTION_PLACES)) {
      const a = await tree(text);
      if (a.error) continue;
      const read = moduleBindings(text).collections;
      for (const c of a.collections) {
        if (!c.allStrings) continue;
        held++;
        expect(read, text).toContain(c.name);
      }
    }
    expect(held).toBeGreaterThan(50);
  });

  it('leaves out dicts, comprehensions, values that start with no string, and what a function binds', () => {
    const text = 'A = {"k": 1}\nB = [x for x in "ab"]\nC = [name]\nD = "just a string"\ndef f():\n    E = {"a"}\n    class Inner:\n        F = ["a"]\nclass G:\n    def m(self):\n        H = ("a",)\n    I = ["a"]\n';
    expect(moduleBindings(text).collections).toEqual(['I']);
  });

  it('reads the aliases and imports the resolver follows (top-level `X = NAME`, every import)', async () => {
    const text = 'from .constants import KEYS as _K, OTHER\nimport acme.settings as s\nfrom . import (\n    policy,  # comment\n    headers as\n    h,\n)\nALIAS = _K\nNOTE: str = OTHER\ny = 0; SECOND = _K\n';
    const s = await moduleSurroundings(new SourceFile('m.py', text, false));
    const read = readModule(text)?.bindings;
    const renames = moduleBindings(text).renames;
    for (const [left, right] of s.aliases) {
      expect(read?.aliases.has(left)).toBe(true);
      expect(renames).toContainEqual([right, left]);
    }
    for (const i of s.imports) expect(read?.imported.has(i.alias)).toBe(true);
    for (const [alias] of s.moduleImports) expect(read?.imported.has(alias)).toBe(true);
    expect(renames).toEqual(expect.arrayContaining([['KEYS', '_K'], ['headers', 'h'], ['settings', 's']]));
    // A keyword is no name to search back from.
    expect(moduleBindings('X = None\nY = True\n').renames).toEqual([]);
    expect(s.aliases.size + s.imports.length).toBeGreaterThan(4);
  });

  it('offers every word of a module it cannot read', () => {
    expect(moduleBindings('KEYS = {"a"}\nbad = "unclosed\n').collections).toEqual(expect.arrayContaining(['KEYS', 'bad', 'unclosed']));
  });
});

describe('consumerNames', () => {
  it('keeps a module that tests its own collection, or a name it imports or aliases, and only those', () => {
    expect(consumerNames('KEYS = {"A"}\ndef f(k):\n    return k.lower() in KEYS\n')).toEqual({ own: true, imported: [] });
    expect(consumerNames('class C:\n    KEYS = ("A",)\n    def f(self, k):\n        return k.lower() in self.KEYS\n')).toEqual({ own: true, imported: [] });
    expect(consumerNames('from .c import KEYS\nimport acme.const as c2\nSECRET = KEYS\ndef f(k):\n    return k.lower() in SECRET or k in c2.OTHER\n')).toEqual({ own: false, imported: ['SECRET', 'OTHER'] });
    // A parameter, a function's own list, a `for` over a module-level list: nothing leads to a collection.
    expect(consumerNames('COLS = ["A"]\ndef f(k, hidden):\n    seen = ["a"]\n    for c in COLS:\n        pass\n    return k.lower() in hidden or k.lower() in seen\n')).toEqual({ own: false, imported: [] });
    expect(consumerNames('s = "unclosed\n')).toBeUndefined();
  });
});

describe('reachingNames', () => {
  it('follows renames back across modules to a collection, and no further than they go', () => {
    const modules = ['_SENSITIVE = {"Authorization"}\n', 'from .keys import _SENSITIVE as SENSITIVE_KEYS\n', 'from pkg import SENSITIVE_KEYS as HIDDEN\nMASKED = HIDDEN\n', 'def f():\n    data = ["a"]\n', 'LOOKALIKE = {"k": "v"}\nfrom x import data as rows\n'];
    expect(reachingNames(new Set(['MASKED', 'HIDDEN', 'data', 'rows', 'LOOKALIKE', 'missing']), modules)).toEqual(new Set(['MASKED', 'HIDDEN']));
  });

  it('reads a module it cannot scan as binding every word', () => {
    expect(reachingNames(new Set(['KEYS']), ['KEYS = {"a"}\nbad = "unclosed\n'])).toEqual(new Set(['KEYS']));
  });

  it('keeps every module that tests an imported name (shapes)', async () => {
    const held = await expectPrefilterTakesEvery(TESTS.map((t) => `from pkg import KEYS\ndef f(k):\n    return ${t}\n`), (a) => a.membershipTests.some((t) => t.container.name === 'KEYS' && t.container.object === undefined), (text) => {
      const names = consumerNames(text);
      return names === undefined || names.own || names.imported.includes('KEYS');
    });
    expect(held).toBeGreaterThan(8);
  });
});
