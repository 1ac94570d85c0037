import { describe, it, expect, afterAll } from 'vitest';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ROOT, repoFrom, removeDir, tempDir } from './helpers/repo.js';
import { Workspace } from '../src/workspace/workspace.js';
import { run } from '../src/engine/run.js';
import { RULES } from '../src/rules/registry.js';
import { BASELINE_FILE, BaselineError, baselineFilter, buildBaseline, fingerprintOf, loadBaseline, parseBaseline, serializeBaseline, writeBaseline } from '../src/engine/baseline.js';
import type { RawFinding } from '../src/model/types.js';
import type { Rule } from '../src/model/rule.js';

const cleanup: string[] = [];
afterAll(() => cleanup.forEach(removeDir));

const bad: Rule = {
  meta: { id: 'bad-word', seedIds: [], summary: 'BAD', defaultSeverity: 'error', fixable: 'none' },
  async check({ workspace }) {
    const out: RawFinding[] = [];
    for (const p of workspace.paths) {
      const text = workspace.read(p)?.text ?? '';
      for (const m of text.matchAll(/BAD\((\w+)\)/g)) out.push({ file: p, offset: m.index ?? 0, message: `bad ${m[1]}`, key: `bad:${m[1]}` });
    }
    return out;
  },
};

describe('baseline', () => {
  it('writes a sorted, stable document and hides exactly the listed findings after unrelated shifts', async () => {
    const ws = Workspace.fromFiles('/r', { 'b.yml': 'x: BAD(one)\ny: BAD(two)\n', 'a.md': 'text BAD(three)\n' });
    const first = await run(ws, { rules: [bad], apply: new Set() });
    const baseline = buildBaseline(first.findings, ws);
    expect(serializeBaseline(baseline)).toBe(
      `${JSON.stringify(
        {
          version: 1,
          fingerprint: 'autopackFix/v1',
          findings: [
            { ruleId: 'bad-word', file: 'a.md', fingerprint: fingerprintOf({ ruleId: 'bad-word', file: 'a.md', lineText: 'text BAD(three)', key: 'bad:three' }), message: 'bad three' },
            { ruleId: 'bad-word', file: 'b.yml', fingerprint: fingerprintOf({ ruleId: 'bad-word', file: 'b.yml', lineText: 'x: BAD(one)', key: 'bad:one' }), message: 'bad one' },
            { ruleId: 'bad-word', file: 'b.yml', fingerprint: fingerprintOf({ ruleId: 'bad-word', file: 'b.yml', lineText: 'y: BAD(two)', key: 'bad:two' }), message: 'bad two' },
          ].sort((p, q) => (p.file < q.file ? -1 : p.file > q.file ? 1 : p.fingerprint < q.fingerprint ? -1 : 1)),
        },
        null,
        2,
      )}\n`,
    );
    // Later: lines inserted above, one line re-indented, one line edited, one new finding.
    const later = Workspace.fromFiles('/r', { 'b.yml': '# header\n\nx:   BAD(one)\ny: BAD(two) # changed\nz: BAD(four)\n', 'a.md': '# Title\n\ntext BAD(three)\n' });
    const filter = baselineFilter(parseBaseline(serializeBaseline(baseline)));
    const again = await run(later, { rules: [bad], apply: new Set(), keep: filter.keep });
    expect(again.findings.map((f) => `${f.file}:${f.line} ${f.message}`)).toEqual(['b.yml:4 bad two', 'b.yml:5 bad four']);
    expect(filter.hidden(later)).toBe(2);
  });

  it('loads from the root, is absent without a file, and rejects broken ones', () => {
    const dir = tempDir('apf-baseline-');
    cleanup.push(dir);
    expect(loadBaseline(dir)).toBeUndefined();
    const ws = Workspace.fromFiles(dir, { 'a.md': 'BAD(x)\n' });
    const written = writeBaseline(dir, [{ ruleId: 'bad-word', seedIds: [], severity: 'error', file: 'a.md', line: 1, column: 1, message: 'bad x', key: 'bad:x', fix: null }], ws);
    expect(written).toBe(path.join(dir, BASELINE_FILE));
    expect(loadBaseline(dir)?.findings.map((f) => f.file)).toEqual(['a.md']);
    const broken = (text: string): string => {
      try {
        parseBaseline(text);
      } catch (e) {
        expect(e).toBeInstanceOf(BaselineError);
        return (e as Error).message;
      }
      return 'parsed';
    };
    expect(broken('{')).toMatch(/^autopack-fix-baseline\.json: not valid JSON \(/);
    expect(broken('[]')).toBe('autopack-fix-baseline.json: expected a JSON object');
    expect(broken('{"version":2}')).toBe('autopack-fix-baseline.json: unsupported version 2 (expected 1)');
    expect(broken('{"version":1,"fingerprint":"other/v9","findings":[]}')).toBe('autopack-fix-baseline.json: fingerprints of scheme "other/v9" cannot be matched (this version uses autopackFix/v1); run with --update-baseline');
    expect(broken('{"version":1,"fingerprint":"autopackFix/v1","findings":[{"ruleId":"a","file":"b"}]}')).toBe('autopack-fix-baseline.json: /findings/0/fingerprint must be a string');
    writeFileSync(path.join(dir, BASELINE_FILE), '{');
    expect(() => loadBaseline(dir)).toThrow(BaselineError);
  });

  it('the demo: a baseline of today hides everything, also after lines are inserted at the top of every file with findings', async () => {
    const repo = repoFrom(path.join(ROOT, 'fixtures', 'demo'));
    cleanup.push(repo);
    const ws = await Workspace.open(repo);
    const today = await run(ws, { rules: RULES, apply: new Set() });
    expect(today.findings.length).toBeGreaterThan(3);
    writeBaseline(repo, today.findings, ws);
    const files = [...new Set(today.findings.map((f) => f.file))];
    let shifted = 0;
    for (const f of files) {
      const abs = path.join(repo, f);
      if (!existsSync(abs)) continue; // a finding about a missing file (no dependabot.yml)
      const text = readFileSync(abs, 'utf8');
      const comment = f.endsWith('.md') ? '<!-- moved -->\n\n' : f.endsWith('.json') ? '' : /\.[cm]?[jt]sx?$/.test(f) ? '// moved\n' : '# moved\n';
      writeFileSync(abs, comment + text);
      if (comment) shifted++;
    }
    expect(shifted).toBeGreaterThan(2);
    const later = await Workspace.open(repo);
    const filter = baselineFilter(loadBaseline(repo)!);
    const after = await run(later, { rules: RULES, apply: new Set(), keep: filter.keep });
    expect(after.findings.map((f) => `${f.ruleId} ${f.file}:${f.line}`)).toEqual([]);
    expect(filter.hidden(later)).toBe(new Set(today.findings.map((f) => `${f.ruleId}\0${f.file}\0${f.key}`)).size);
  });
});
