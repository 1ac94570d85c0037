/**
 * The shared Python pass runs the analyses of the rules that run, and only those: an analysis
 * whose owner is off is left out of the pass, and still answers (with a pass of its own) when it
 * is asked all the same.
 */
import { describe, it, expect, afterEach } from 'vitest';
import { definePythonAnalysis, declaredPythonAnalyses, pythonAnalysis, setPassRules, summarizePython } from '../src/formats/python.js';
import { SourceFile } from '../src/workspace/source-file.js';
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

  it('every owner is a registered rule', () => {
    const ids = new Set(RULES.map((r) => r.meta.id));
    const owners = declaredPythonAnalyses().filter((a) => a !== COUNTED).map((a) => a.owner).filter((o): o is string => o !== undefined);
    expect(owners.length).toBeGreaterThan(5);
    for (const o of owners) expect(ids, o).toContain(o);
  });

  it('a run sets the rules of the pass: an opt-in rule that is off costs no analysis', async () => {
    const todo = declaredPythonAnalyses().find((a) => a.owner === 'todo-inventory');
    expect(todo).toBeDefined();
    let ran = 0;
    const spy = { ...todo!, run: (...args: Parameters<typeof todo.run>) => (ran++, todo!.run(...args)) };
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
