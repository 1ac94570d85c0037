/**
 * The engine's proofs, on in-memory workspaces with small rules written to misbehave: a fix
 * that breaks the file, one that does not stop its finding, overlapping fixes, an oscillating
 * pair, a rule that throws, a multi-file fix with one bad file, and a fix loop that never ends.
 */
import { describe, it, expect } from 'vitest';
import { Workspace } from '../src/workspace/workspace.js';
import { run } from '../src/engine/run.js';
import { applyEdits, changedOutsideSpans, checkEdits } from '../src/engine/edits.js';
import type { RawFinding, Safety } from '../src/model/types.js';
import type { Rule } from '../src/model/rule.js';
import { defineReleasable, type Releasable } from '../src/facts/fact.js';
import { DOC_COMMANDS, docCommands } from '../src/facts/docs/commands.js';
import { docFiles, type DocFile } from '../src/facts/docs/doc-files.js';
import { docsOptions } from '../src/facts/docs/options.js';

const SAFE = new Set<Safety>(['safe']);

/** A rule that replaces every occurrence of `from` in `file` with `to`. */
function replaceRule(id: string, file: string, from: string, to: string, options: { key?: (i: number) => string } = {}): Rule {
  return {
    meta: { id, seedIds: [], summary: id, defaultSeverity: 'warning', fixable: 'safe' },
    async check({ workspace }) {
      const text = workspace.read(file)?.text ?? '';
      const out: RawFinding[] = [];
      for (let i = text.indexOf(from); i !== -1; i = text.indexOf(from, i + 1)) {
        out.push({ file, offset: i, message: `${from} → ${to}`, key: options.key ? options.key(i) : `${from}@${i}`, fix: { safety: 'safe', description: 'replace', edits: [{ file, start: i, end: i + from.length, text: to }] } });
      }
      return out;
    },
  };
}

describe('fix proofs', () => {
  it('drops a fix whose output does not parse, names the file and position, and applies the others', async () => {
    const ws = Workspace.fromFiles('/r', { 'a.yml': 'key: value\n', 'b.yml': 'name: old\n' });
    const breaker = replaceRule('breaker', 'a.yml', 'value', '[unclosed');
    const good = replaceRule('good', 'b.yml', 'old', 'new');
    const result = await run(ws, { rules: [breaker, good], apply: SAFE });
    expect(result.changes.map((c) => [c.path, c.after])).toEqual([['b.yml', 'name: new\n']]);
    const rejected = result.diagnostics.filter((d) => d.kind === 'fix-rejected');
    expect(rejected).toHaveLength(1);
    expect(rejected[0]?.ruleId).toBe('breaker');
    expect(rejected[0]?.message).toMatch(/^fix dropped: a\.yml would not parse at \d+:\d+: Flow sequence/);
    expect(result.findings.find((f) => f.ruleId === 'breaker')?.fixStatus).toBe('rejected');
    expect(result.findings.find((f) => f.ruleId === 'good')?.fixStatus).toBe('applied');
  });

  it('drops a fix after which the rule still reports the same problem', async () => {
    const stubborn: Rule = {
      meta: { id: 'stubborn', seedIds: [], summary: '', defaultSeverity: 'error', fixable: 'safe' },
      async check({ workspace }) {
        const text = workspace.read('x.txt')?.text ?? '';
        return [{ file: 'x.txt', offset: 0, message: 'always', key: 'same', fix: { safety: 'safe', description: 'touch', edits: [{ file: 'x.txt', start: text.length, end: text.length, text: '!' }] } }];
      },
    };
    const result = await run(Workspace.fromFiles('/r', { 'x.txt': 'hi' }), { rules: [stubborn], apply: SAFE });
    expect(result.changes).toEqual([]);
    expect(result.diagnostics.map((d) => d.message)).toEqual(['fix dropped: the rule still reports the problem after the fix (always)']);
  });

  it('drops edits that fall outside the file', async () => {
    const wild: Rule = {
      meta: { id: 'wild', seedIds: [], summary: '', defaultSeverity: 'error', fixable: 'safe' },
      async check() {
        return [{ file: 'x.txt', offset: 0, message: 'm', key: 'k', fix: { safety: 'safe', description: 'd', edits: [{ file: 'x.txt', start: 5, end: 99, text: '' }] } }];
      },
    };
    const result = await run(Workspace.fromFiles('/r', { 'x.txt': 'short' }), { rules: [wild], apply: SAFE });
    expect(result.changes).toEqual([]);
    expect(result.diagnostics[0]?.message).toBe('fix dropped: x.txt: edit [5, 99) is outside the file (length 5)');
  });

  it('applies a multi-file fix all together or not at all', async () => {
    const pair: Rule = {
      meta: { id: 'pair', seedIds: [], summary: '', defaultSeverity: 'error', fixable: 'safe' },
      async check({ workspace }) {
        if (workspace.read('a.yml')?.text.includes('renamed')) return [];
        return [{ file: 'a.yml', offset: 0, message: 'm', key: 'k', fix: { safety: 'safe', description: 'd', edits: [
          { file: 'a.yml', start: 0, end: 3, text: 'renamed' },
          { file: 'b.json', start: 0, end: 1, text: '{{' },
        ] } }];
      },
    };
    const result = await run(Workspace.fromFiles('/r', { 'a.yml': 'old: 1\n', 'b.json': '{"a": 1}\n' }), { rules: [pair], apply: SAFE });
    expect(result.changes).toEqual([]);
    expect(result.diagnostics[0]?.message).toMatch(/^fix dropped: b\.json would not parse/);
  });

  it('applies only the classes asked for, and counts review fixes as held back', async () => {
    const review: Rule = {
      ...replaceRule('review', 'x.txt', 'a', 'b'),
      async check(ctx) {
        const found = await replaceRule('review', 'x.txt', 'a', 'b').check(ctx);
        return found.map((f) => ({ ...f, fix: f.fix ? { ...f.fix, safety: 'review' as const } : null }));
      },
    };
    const ws = Workspace.fromFiles('/r', { 'x.txt': 'a' });
    const held = await run(ws, { rules: [review], apply: SAFE });
    expect(held.changes).toEqual([]);
    expect(held.findings[0]?.fixStatus).toBe('held-back');
    const applied = await run(ws, { rules: [review], apply: new Set<Safety>(['safe', 'review']) });
    expect(applied.changes.map((c) => c.after)).toEqual(['b']);
  });
});

describe('batched proofs', () => {
  /** One rule, one finding per `from` key, each renaming it to `to`. */
  const renames = (pairs: Array<[string, string]>): Rule => ({
    meta: { id: 'renames', seedIds: [], summary: '', defaultSeverity: 'warning', fixable: 'safe' },
    async check({ workspace }) {
      const text = workspace.read('x.yml')?.text ?? '';
      return pairs.flatMap(([from, to]) => {
        const at = text.indexOf(`${from}:`);
        return at === -1 ? [] : [{ file: 'x.yml', offset: at, message: `${from} → ${to}`, key: from, fix: { safety: 'safe' as const, description: 'rename', edits: [{ file: 'x.yml', start: at, end: at + from.length, text: to }] } }];
      });
    },
  });

  it("proves a rule's fixes together and applies them in one pass", async () => {
    const result = await run(Workspace.fromFiles('/r', { 'x.yml': 'a: 1\nb: 2\nc: 3\n' }), { rules: [renames([['a', 'x'], ['b', 'y'], ['c', 'z']])], apply: SAFE });
    expect(result.changes.map((c) => c.after)).toEqual(['x: 1\ny: 2\nz: 3\n']);
    expect(result.passes).toBe(1);
    expect(result.diagnostics).toEqual([]);
  });

  it('drops fixes that are fine alone but break the file together', async () => {
    // Each rename alone is valid YAML; both together make a duplicate key.
    const result = await run(Workspace.fromFiles('/r', { 'x.yml': 'a: 1\nb: 2\n' }), { rules: [renames([['a', 'c'], ['b', 'c']])], apply: SAFE });
    expect(result.changes).toEqual([]);
    expect(result.diagnostics.map((d) => d.message)).toEqual([
      'fix dropped: fixes of pass 1 together leave x.yml unparsable (at 2:1: Map keys must be unique)',
      'fix dropped: fixes of pass 1 together leave x.yml unparsable (at 2:1: Map keys must be unique)',
    ]);
  });
});

describe('the fix loop', () => {
  it('defers overlapping fixes to the next pass, where they are re-derived', async () => {
    // Both rules want the same span; the second sees the first's result in pass 2.
    const first = replaceRule('first', 'x.txt', 'abc', 'xyz');
    const second = replaceRule('second', 'x.txt', 'abc', 'ABC');
    const upper = replaceRule('upper', 'x.txt', 'xyz', 'XYZ');
    const result = await run(Workspace.fromFiles('/r', { 'x.txt': 'abc abc' }), { rules: [first, second, upper], apply: SAFE });
    expect(result.changes[0]?.after).toBe('XYZ XYZ');
    expect(result.passes).toBe(2);
    expect(result.remaining).toEqual([]);
  });

  it('stops and reports when fixes oscillate', async () => {
    const toY = replaceRule('to-y', 'x.txt', 'x', 'y');
    const toX = replaceRule('to-x', 'x.txt', 'y', 'x');
    const keep = replaceRule('keep', 'k.txt', 'a', 'b');
    const result = await run(Workspace.fromFiles('/r', { 'x.txt': 'x', 'k.txt': 'a' }), { rules: [toY, toX, keep], apply: SAFE });
    // Both rules of the loop lose their fixes (a second run would flip x.txt again); the
    // unrelated fix goes ahead.
    expect(result.diagnostics.filter((d) => d.kind === 'fix-rejected').map((d) => [d.ruleId, d.message])).toEqual([
      ['to-x', 'fixes dropped: pass 3 returned the files to their state after pass 1 (the fixes oscillate); a second run would change the files again'],
      ['to-y', 'fixes dropped: pass 3 returned the files to their state after pass 1 (the fixes oscillate); a second run would change the files again'],
    ]);
    expect(result.changes.map((c) => [c.path, c.after])).toEqual([['k.txt', 'b']]);
    expect(result.findings.map((f) => [f.ruleId, f.fixStatus])).toEqual([
      ['to-y', 'rejected'],
      ['keep', 'applied'],
    ]);
    // A second run on the written state changes nothing.
    const again = await run(result.final, { rules: [toY, toX, keep], apply: SAFE });
    expect(again.changes.filter((c) => c.before !== c.after)).toEqual([]);
  });

  it('gives up after the pass cap when fixes never converge', async () => {
    const grow: Rule = {
      meta: { id: 'grow', seedIds: [], summary: '', defaultSeverity: 'info', fixable: 'safe' },
      async check({ workspace }) {
        const text = workspace.read('x.txt')?.text ?? '';
        return [{ file: 'x.txt', offset: 0, message: 'longer', key: `len${text.length}`, fix: { safety: 'safe', description: 'grow', edits: [{ file: 'x.txt', start: text.length, end: text.length, text: '+' }] } }];
      },
    };
    const result = await run(Workspace.fromFiles('/r', { 'x.txt': '' }), { rules: [grow], apply: SAFE, maxPasses: 3 });
    expect(result.changes).toEqual([]);
    expect(result.findings.map((f) => f.fixStatus)).toEqual(['rejected']);
    expect(result.diagnostics.map((d) => [d.kind, d.ruleId, d.message])).toEqual([['fix-rejected', 'grow', 'fixes dropped: no fixed point after 3 passes; a second run would change the files again']]);
  });

  it('reports a finding that only exists after the fixes', async () => {
    // Rule a turns "a" into "b"; rule b reports (without a fix) every "b" it sees.
    const aToB = replaceRule('a-to-b', 'x.txt', 'a', 'b');
    const seesB: Rule = {
      meta: { id: 'sees-b', seedIds: [], summary: '', defaultSeverity: 'warning', fixable: 'none' },
      async check({ workspace }) {
        const text = workspace.read('x.txt')?.text ?? '';
        return text.includes('b') ? [{ file: 'x.txt', offset: text.indexOf('b'), message: 'a b appeared', key: 'b' }] : [];
      },
    };
    const result = await run(Workspace.fromFiles('/r', { 'x.txt': 'a' }), { rules: [aToB, seesB], apply: SAFE });
    expect(result.diagnostics.map((d) => `${d.ruleId}: ${d.message}`)).toEqual(['sees-b: the fixes of this run introduced a new finding: a b appeared']);
  });

  it('reports a rule that throws and runs the others', async () => {
    const broken: Rule = {
      meta: { id: 'broken', seedIds: [], summary: '', defaultSeverity: 'error', fixable: 'none' },
      async check() {
        throw new Error('boom');
      },
    };
    const good = replaceRule('good', 'x.txt', 'a', 'b');
    const result = await run(Workspace.fromFiles('/r', { 'x.txt': 'a' }), { rules: [broken, good], apply: SAFE });
    expect(result.changes.map((c) => c.after)).toEqual(['b']);
    expect(result.diagnostics.map((d) => d.message)).toContain('rule broken failed: boom');
  });
});

describe('one finding per problem', () => {
  /** A rule that reports `subject` in `file`, optionally as the same problem another rule reports. */
  function reporter(id: string, key: string, reportedBy?: RawFinding['reportedBy']): Rule {
    return {
      meta: { id, seedIds: [], summary: id, defaultSeverity: 'warning', fixable: 'none' },
      async check() {
        return [{ file: 'README.md', offset: 0, message: `${id} says so`, key, ...(reportedBy ? { reportedBy } : {}) }];
      },
    };
  }
  const ws = Workspace.fromFiles('/r', { 'README.md': 'see .env.example\n' });

  it('leaves out a finding that the rule owning the problem reports in the same run', async () => {
    const owner = reporter('env-example-missing', 'missing:.env.example');
    const echo = reporter('docs-dead-reference', 'README.md:link:.env.example#0', { ruleId: 'env-example-missing', key: 'missing:.env.example' });
    const both = await run(ws, { rules: [echo, owner], apply: SAFE });
    expect(both.findings.map((f) => f.ruleId)).toEqual(['env-example-missing']);
  });

  it('keeps it when the owning rule is not run or reports another problem', async () => {
    const echo = reporter('docs-dead-reference', 'README.md:link:.env.example#0', { ruleId: 'env-example-missing', key: 'missing:.env.example' });
    expect((await run(ws, { rules: [echo], apply: SAFE })).findings.map((f) => f.ruleId)).toEqual(['docs-dead-reference']);
    const other = reporter('env-example-missing', 'missing:api/.env.example');
    expect((await run(ws, { rules: [echo, other], apply: SAFE })).findings.map((f) => f.ruleId).sort()).toEqual(['docs-dead-reference', 'env-example-missing']);
  });
});

describe('edits', () => {
  it('detects bytes that moved outside the declared spans', () => {
    const original = 'one two three';
    const edits = [{ file: 'f', start: 4, end: 7, text: 'TWO' }];
    expect(changedOutsideSpans(original, applyEdits(original, edits), edits)).toBeUndefined();
    expect(changedOutsideSpans(original, 'one TWO threE', edits)).toBe(7);
    expect(changedOutsideSpans(original, 'One TWO three', edits)).toBe(0);
    expect(changedOutsideSpans(original, 'one TWO three!', edits)).toBe(7);
  });

  it('rejects overlapping edits and two insertions at one offset', () => {
    expect(checkEdits('abcdef', [{ file: 'f', start: 0, end: 3, text: '' }, { file: 'f', start: 2, end: 4, text: '' }])).toMatch(/overlap/);
    expect(checkEdits('abcdef', [{ file: 'f', start: 2, end: 2, text: 'x' }, { file: 'f', start: 2, end: 2, text: 'y' }])).toMatch(/overlap/);
    expect(checkEdits('abcdef', [{ file: 'f', start: 0, end: 2, text: '' }, { file: 'f', start: 2, end: 4, text: '' }])).toBeUndefined();
  });
});

describe('one finding per problem, with the real rules', () => {
  it('reports a missing .env.example once, as env-example-missing; docs-dead-reference alone still reports it', async () => {
    const { findRule } = await import('../src/rules/registry.js');
    const dead = findRule('docs-dead-reference') as Rule;
    const env = findRule('env-example-missing') as Rule;
    const files = { 'app.py': 'import os\nKEY = os.environ["API_KEY"]\n', 'README.md': '# App\n\nRun `cp .env.example .env`, see [the template](.env.example).\n' };
    const both = await run(Workspace.fromFiles('/r', files), { rules: [dead, env], apply: SAFE });
    expect(both.findings.map((f) => f.ruleId)).toEqual(['env-example-missing']);
    const alone = await run(Workspace.fromFiles('/r', files), { rules: [dead], apply: SAFE });
    expect(alone.findings.map((f) => f.ruleId)).toEqual(['docs-dead-reference', 'docs-dead-reference']);
  });
});

describe('progress', () => {
  it('tells which rule runs, then each fix pass', async () => {
    const ws = Workspace.fromFiles('/r', { 'b.yml': 'name: old\n' });
    const steps: string[] = [];
    await run(ws, { rules: [replaceRule('first', 'b.yml', 'old', 'new'), replaceRule('second', 'b.yml', 'zzz', 'y')], apply: SAFE, onProgress: (s) => steps.push(s.phase === 'detect' ? `${s.index + 1}/${s.total} ${s.rule}` : `pass ${s.pass}`) });
    expect(steps).toEqual(['1/2 first', '2/2 second', 'pass 1']);
  });
});

describe('what the rules read is let go after its last reader', () => {
  /** Rules that log when they run; `reads` names the data each declares. */
  function readers(data: Releasable, log: string[], reads: Record<string, boolean>): Rule[] {
    return Object.entries(reads).map(([id, declares]) => ({
      meta: { id, seedIds: [], summary: id, defaultSeverity: 'warning', fixable: 'none' },
      ...(declares ? { reads: [data] } : {}),
      async check() {
        log.push(id);
        return [];
      },
    }));
  }

  it('in a run that fixes nothing: once, right after the last rule that names it', async () => {
    const log: string[] = [];
    const data = defineReleasable('test data', () => log.push('released'));
    await run(Workspace.fromFiles('/r', { 'a.txt': 'x' }), { rules: readers(data, log, { first: true, second: true, third: false }), apply: new Set() });
    expect(log).toEqual(['first', 'second', 'released', 'third']);
  });

  it('a rule that says it will not read it this run (readsIf) does not hold it; one that says it will, does', async () => {
    for (const [will, expected] of [
      [false, ['first', 'released', 'second', 'third']],
      [true, ['first', 'second', 'released', 'third']],
    ] as const) {
      const log: string[] = [];
      const data = defineReleasable('test data', () => log.push('released'));
      const [first, second, third] = readers(data, log, { first: true, second: true, third: false }) as [Rule, Rule, Rule];
      const asked: string[] = [];
      const conditional: Rule = { ...second, readsIf: ({ workspace }) => (asked.push(workspace.paths.join()), will) };
      await run(Workspace.fromFiles('/r', { 'a.txt': 'x' }), { rules: [first, conditional, third], apply: new Set() });
      expect(log).toEqual(expected);
      expect(asked).toEqual(['a.txt']);
    }
  });

  it('never in a run that applies fixes: a fix pass runs the rules again', async () => {
    const log: string[] = [];
    const data = defineReleasable('test data', () => log.push('released'));
    const rules = [...readers(data, log, { reader: true }), replaceRule('fixer', 'b.yml', 'old', 'new')];
    const result = await run(Workspace.fromFiles('/r', { 'b.yml': 'name: old\n' }), { rules, apply: SAFE });
    expect(result.changes.map((c) => c.after)).toEqual(['name: new\n']);
    expect(log).not.toContain('released');
    expect(log.filter((l) => l === 'reader').length).toBeGreaterThan(1);
  });

  it("the docs' commands and Markdown models: made again, the same, when asked after they went", async () => {
    const ws = Workspace.fromFiles('/r', { 'README.md': '# App\n\n```bash\ncd api && uvicorn app.main:app --port 8000\n```\n' });
    const doc = docFiles(ws, docsOptions({})).docs.find((d) => d.path === 'README.md');
    expect(doc).toBeDefined();
    const before = await docCommands(ws, doc as DocFile, docsOptions({}));
    expect(await docCommands(ws, doc as DocFile, docsOptions({}))).toBe(before);
    DOC_COMMANDS.release(ws);
    const after = await docCommands(ws, doc as DocFile, docsOptions({}));
    expect(after).not.toBe(before);
    expect('commands' in after && after.model).not.toBe('commands' in before && before.model);
    const words = (r: typeof before): string[] => ('commands' in r ? r.commands.map((c) => c.words.map((w) => w.value).join(' ')) : []);
    expect(words(after)).toEqual(words(before));
    expect(words(after)).toContain('uvicorn app.main:app --port 8000');
  });
});
