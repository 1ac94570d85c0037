/**
 * The shared Python pass runs the analyses of the rules that run, and only those: an analysis
 * whose owner is off is left out of the pass, and still answers (with a pass of its own) when it
 * is asked all the same.
 */
import { describe, it, expect, afterEach } from 'vitest';
import { declarePassInterest, definePythonAnalysis, declaredPythonAnalyses, prefetchAnalysis, pythonAnalysis, setPassRules, summarizePython } from '../src/formats/python.js';
import { SourceFile } from '../src/workspace/source-file.js';
import { setParseStore } from '../src/formats/store.js';
import { RULES } from '../src/rules/registry.js';
import { Workspace } from '../src/workspace/workspace.js';
import { run } from '../src/engine/run.js';

let calls = 0;
const COUNTED = definePythonAnalysis<number>({
  name: 'counted (test)',
  owner: 'test-owner',
  run: () => ++calls,
  noTree: () => -1,
});

let shared = 0;
/** An analysis several rules share (no owner), asked by two made-up rules about some files each. */
const SHARED = definePythonAnalysis<number>({
  name: 'shared (test)',
  run: () => ++shared,
  noTree: () => -1,
});
declarePassInterest(SHARED, 'wants-a', (f) => f.text.includes('AAA'));
declarePassInterest(SHARED, 'wants-b', (f) => f.path.startsWith('b/'));

/** Joins the pass over every WIDE module; its rule asks at once only about the NARROW ones. */
let wide = 0;
const AHEAD = definePythonAnalysis<number>({
  name: 'ahead (test)',
  owner: 'ahead-owner',
  run: () => ++wide,
  noTree: () => -1,
  inPass: (f) => f.text.includes('WIDE'),
  ahead: (f) => f.text.includes('NARROW'),
});
const AHEAD_SHARED = definePythonAnalysis<number>({ name: 'ahead shared (test)', run: () => 0, noTree: () => -1 });
declarePassInterest(AHEAD_SHARED, 'ahead-rule', (f) => f.text.includes('WIDE'), (f) => f.text.includes('NARROW'));

afterEach(() => setPassRules(undefined));

describe('the shared Python pass and the rules that run', () => {
  it('leaves out the analysis of a rule that does not run; asked anyway, it still answers', async () => {
    calls = 0;
    setPassRules(['some-other-rule']);
    const file = new SourceFile('a.py', 'X = 1\n', false);
    await summarizePython(file);
    expect(calls).toBe(0);
    expect(await pythonAnalysis(file, COUNTED)).toBe(1);
    setPassRules(['test-owner']);
    const other = new SourceFile('b.py', 'Y = 2\n', false);
    await summarizePython(other);
    expect(calls).toBe(2);
    // From the shared pass: no second run.
    expect(await pythonAnalysis(other, COUNTED)).toBe(2);
    expect(calls).toBe(2);
  });

  it('a shared analysis with declared interests runs in the passes over the files a running rule wants', async () => {
    shared = 0;
    setPassRules(['wants-a', 'wants-b']);
    await summarizePython(new SourceFile('x.py', 'X = 1\n', false));
    expect(shared).toBe(0);
    const a = new SourceFile('x2.py', 'AAA = 1\n', false);
    await summarizePython(a);
    await summarizePython(new SourceFile('b/y.py', 'Y = 1\n', false));
    expect(shared).toBe(2);
    expect(await pythonAnalysis(a, SHARED)).toBe(1);
    // The interest of a rule that does not run takes nothing.
    setPassRules(['wants-b']);
    await summarizePython(new SourceFile('z.py', 'AAA = 2\n', false));
    expect(shared).toBe(2);
    // Asked about a file no interest took: a pass of its own, the same answer.
    const other = new SourceFile('w.py', 'W = 1\n', false);
    await summarizePython(other);
    expect(await pythonAnalysis(other, SHARED)).toBe(3);
  });

  it('a parse worker reads ahead the modules a rule asks about at once, not every one its pass takes', async () => {
    setPassRules(['ahead-owner']);
    expect(prefetchAnalysis(new SourceFile('w.py', 'WIDE = 1\n', false))).toBeUndefined();
    expect(prefetchAnalysis(new SourceFile('n.py', 'WIDE = NARROW\n', false))).toBe(AHEAD);
    // A WIDE module parsed for another reason still holds the analysis: one parse per file.
    wide = 0;
    const file = new SourceFile('w2.py', 'WIDE = 2\n', false);
    await summarizePython(file);
    expect(wide).toBe(1);
    expect(await pythonAnalysis(file, AHEAD)).toBe(1);
    // The same for a declared interest.
    setPassRules(['ahead-rule']);
    expect(prefetchAnalysis(new SourceFile('w3.py', 'WIDE = 3\n', false))).toBeUndefined();
    expect(prefetchAnalysis(new SourceFile('n3.py', 'WIDE = NARROW\n', false))).toBe(AHEAD_SHARED);
  });

  it('beside parse workers, a pass on the main thread takes only what is asked at once; asked later, an analysis gets a pass of its own', async () => {
    setPassRules(['ahead-owner', 'ahead-rule', 'test-owner']);
    let aheadShared = 0;
    const spy = { ...AHEAD_SHARED, run: () => ++aheadShared };
    const index = (declaredPythonAnalyses() as Array<typeof AHEAD_SHARED>).indexOf(AHEAD_SHARED);
    (declaredPythonAnalyses() as Array<typeof AHEAD_SHARED>)[index] = spy;
    setParseStore({ get: () => undefined, put: () => undefined, leanPasses: true });
    try {
      wide = 0;
      calls = 0;
      // WIDE: the prefilters take it, and no rule asks at once; COUNTED has no prefilter.
      const file = new SourceFile('lean.py', 'WIDE = 1\n', false);
      await summarizePython(file);
      expect([wide, aheadShared, calls]).toEqual([0, 0, 1]);
      expect(await pythonAnalysis(file, AHEAD)).toBe(1);
      expect(wide).toBe(1);
      // NARROW: asked at once, so it joins the pass.
      const narrow = new SourceFile('narrow.py', 'WIDE = NARROW\n', false);
      await summarizePython(narrow);
      expect([wide, aheadShared]).toEqual([2, 1]);
      expect(await pythonAnalysis(narrow, AHEAD)).toBe(2);
      // Without parse workers the WIDE module's pass takes everything its prefilters take.
      setParseStore({ get: () => undefined, put: () => undefined });
      await summarizePython(new SourceFile('full.py', 'WIDE = 2\n', false));
      expect([wide, aheadShared]).toEqual([3, 2]);
    } finally {
      setParseStore(undefined);
      (declaredPythonAnalyses() as Array<typeof AHEAD_SHARED>)[index] = AHEAD_SHARED;
    }
  });

  it('the tree analysis is shared and every rule that asks for it declares its interest', async () => {
    const tree = declaredPythonAnalyses().find((a) => a.name === 'collections, functions and references');
    expect(tree?.owner).toBeUndefined();
    expect(new Set(tree?.interests?.map((i) => i.rule))).toEqual(new Set(['protected-path-missing', 'legacy-path-literal', 'drift-guard-coverage', 'redaction-key-normalization']));
  });

  it('every owner is a registered rule', () => {
    const ids = new Set(RULES.map((r) => r.meta.id));
    const owners = declaredPythonAnalyses().filter((a) => a !== COUNTED && a !== AHEAD).map((a) => a.owner).filter((o): o is string => o !== undefined);
    expect(owners.length).toBeGreaterThan(5);
    for (const o of owners) expect(ids, o).toContain(o);
  });

  it('a run sets the rules of the pass: an opt-in rule that is off costs no analysis', async () => {
    const todo = declaredPythonAnalyses().find((a) => a.owner === 'todo-inventory');
    expect(todo).toBeDefined();
    let ran = 0;
    const spy = { ...todo!, run: (...args: Parameters<NonNullable<typeof todo>["run"]>) => (ran++, todo!.run(...args)) };
    const index = (declaredPythonAnalyses() as Array<typeof todo>).indexOf(todo);
    (declaredPythonAnalyses() as Array<typeof todo>)[index] = spy as typeof todo;
    try {
      const ws = Workspace.fromFiles('/r', { 'app/main.py': '# TODO: later\nPROTECTED_PATHS = ["app/main.py", "config/gone.yaml"]\n' });
      const without = RULES.filter((r) => r.meta.id !== 'todo-inventory');
      const r = await run(ws, { rules: without, apply: new Set() });
      expect(r.findings.map((f) => f.ruleId)).toContain('protected-path-missing');
      expect(ran).toBe(0);
      await run(Workspace.fromFiles('/r', { 'app/main.py': '# TODO: later\nX = 1\n' }), { rules: RULES, apply: new Set() });
      expect(ran).toBeGreaterThan(0);
    } finally {
      (declaredPythonAnalyses() as Array<typeof todo>)[index] = todo;
    }
  });
});
