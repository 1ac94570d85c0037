/**
 * src/formats/python-scan.ts: the look at Python source before a parse. A prefilter built on it
 * must say yes to every module that holds what the rule reads: checked against the tree
 * analysis on shapes and look-alikes (the corpus check is in bench/README.md, "Prefilters").
 */
import { describe, it, expect } from 'vitest';
import { mayHoldMembershipTest, stringEnd } from '../src/formats/python-scan.js';
import { expectPrefilterTakesEvery } from './helpers/prefilter-shapes.js';
import { mayConsumeSet } from '../codemods/redaction-key-normalization/consumers.js';

describe('mayHoldMembershipTest', () => {
  it('says yes to every module with a membership test (shapes × places)', async () => {
    const tests = ['key.lower() in SENSITIVE', 'k not in KEYS', '(a in b)', 'x in y if z else w', '1in KEYS', 'a in b in c', 'any(k in S for k in keys)', '[k for k in keys if k.lower() in S]', '{k: v for k, v in d.items() if k in S}', 'f"{k in S}"', "f'{x!r}' if k in S else None", 'k in S  # for each key'];
    const places = (e: string): string[] => [`def f(k):\n    return ${e}\n`, `if ${e}:\n    pass\n`, `x = [\n    ${e},\n]\n`, `for item in items:\n    ok = ${e}\n`, `"""for x in docs, in prose"""\nr = ${e}\n`, `async def g(k):\n    async for q in src():\n        y = ${e}\n`];
    const holding = await expectPrefilterTakesEvery(tests.flatMap(places), (tree) => !tree.error && tree.membershipTests.length > 0, mayHoldMembershipTest);
    expect(holding).toBeGreaterThan(60);
  });

  it('says no when every `in` belongs to a `for`, or sits in a string or a comment', () => {
    expect(mayHoldMembershipTest('for k in keys:\n    print(k)\n')).toBe(false);
    expect(mayHoldMembershipTest('xs = [k.lower() for k in keys]\nasync def f():\n    async for m in src():\n        pass\n')).toBe(false);
    expect(mayHoldMembershipTest('"""Keys in the set, in order."""\n# check k in S\nname = \'in\'\nprint(f"{x} in {y}".replace(" in ", ""))\n')).toBe(true);
    expect(mayHoldMembershipTest('"""Keys in the set, in order."""\n# check k in S\nname = \'in\'\nprint("x in y".replace(" in ", ""))\n')).toBe(false);
    expect(mayHoldMembershipTest('inside = index(main)\nfor_each = 1\n')).toBe(false);
  });

  it('says yes to what it cannot place: an unclosed string, an f-string field holding its own quotes', () => {
    expect(mayHoldMembershipTest('s = "in\n')).toBe(true);
    expect(mayHoldMembershipTest('s = f"{d["k"] in S}"\n')).toBe(true);
  });

  it('reads string ends: triple quotes, escapes, an unclosed line', () => {
    expect(stringEnd('"a\\"b" x', 0)).toBe(6);
    expect(stringEnd("'''a\n'b'''", 0)).toBe(10);
    expect(stringEnd('"a\nb"', 0)).toBe(-1);
  });
});

describe('redaction-key-normalization reads the modules that normalise and test membership', () => {
  it('takes a module that normalises and tests, or calls __contains__; leaves one that only normalises', () => {
    expect(mayConsumeSet('def f(k):\n    return k.lower() in SENSITIVE\n')).toBe(true);
    expect(mayConsumeSet('def f(k):\n    return SENSITIVE.__contains__(k.lower())\n')).toBe(true);
    expect(mayConsumeSet('def slug(s):\n    return s.lower().replace(" ", "-")\nfor w in words:\n    print(slug(w))\n')).toBe(false);
  });
});
