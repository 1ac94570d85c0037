import { describe, it, expect } from 'vitest';
import { Workspace } from '../src/workspace/workspace.js';
import { run } from '../src/engine/run.js';
import { commentStyleFor, createSuppressions, parseDirectives, unusedSuppressionRule, UNUSED_SUPPRESSION_ID } from '../src/engine/suppressions.js';
import type { RawFinding } from '../src/model/types.js';
import type { Rule } from '../src/model/rule.js';

/** Reports every `BAD` (rule bad-word) or `UGLY` (rule ugly-word), report-only. */
function wordRule(id: string, word: string): Rule {
  return {
    meta: { id, seedIds: [], summary: `${word} found`, defaultSeverity: 'error', fixable: 'none' },
    async check({ workspace }) {
      const out: RawFinding[] = [];
      for (const p of workspace.paths) {
        const text = workspace.read(p)?.text ?? '';
        for (let i = text.indexOf(word); i !== -1; i = text.indexOf(word, i + 1)) out.push({ file: p, offset: i, message: `${word} here`, key: `${p}@${i}` });
      }
      return out;
    },
  };
}
const bad = wordRule('bad-word', 'BAD');
const ugly = wordRule('ugly-word', 'UGLY');
const known = ['bad-word', 'ugly-word', 'other-rule'];

describe('comment styles', () => {
  it('maps file types to their comment syntax', () => {
    expect(['a.yml', 'b.yaml', 'x.sh', 'm.py', 'p.toml', 'nginx.conf', 'Dockerfile', 'Dockerfile.frontend', 'README.md', 'docs/a.mdx', 'vite.config.ts', 'x.mjs', 'package.json', 'Makefile', 'requirements-dev.txt', 'notes.txt'].map(commentStyleFor)).toEqual([
      'hash', 'hash', 'hash', 'hash', 'hash', 'hash', 'dockerfile', 'dockerfile', 'markdown', 'mdx', 'slash', 'slash', undefined, 'hash', 'hash', undefined,
    ]);
  });

  it('parses scope, ids, reason, targets and spans', () => {
    const text = 'a: 1\n# autopack-fix-ignore bad-word, ugly-word -- kept on purpose\n\n# autopack-fix-ignore other-rule -- stacked\nb: BAD # autopack-fix-ignore bad-word -- trailing\n#autopack-fix-ignored nope\n# autopack-fix-ignore-file ugly-word -- whole file\n# autopack-fix-ignore bad-word\n';
    const ds = parseDirectives('c.yml', text, 'hash');
    expect(ds.map((d) => [d.scope, d.ruleIds, d.reason, d.line, d.column, d.target, d.ownLine, d.problem ?? null, text.slice(d.start, d.end), text.slice(d.idsStart, d.idsEnd)])).toEqual([
      ['next-line', ['bad-word', 'ugly-word'], 'kept on purpose', 2, 1, 5, true, null, '# autopack-fix-ignore bad-word, ugly-word -- kept on purpose', 'bad-word, ugly-word'],
      ['next-line', ['other-rule'], 'stacked', 4, 1, 5, true, null, '# autopack-fix-ignore other-rule -- stacked', 'other-rule'],
      ['same-line', ['bad-word'], 'trailing', 5, 8, 5, false, null, '# autopack-fix-ignore bad-word -- trailing', 'bad-word'],
      ['file', ['ugly-word'], 'whole file', 7, 1, undefined, true, null, '# autopack-fix-ignore-file ugly-word -- whole file', 'ugly-word'],
      ['next-line', ['bad-word'], '', 8, 1, undefined, true, 'has no reason (add `-- why this is kept`)', '# autopack-fix-ignore bad-word', 'bad-word'],
    ]);
  });

  it('Dockerfile comments only on their own line; Markdown skips fenced code; MDX takes {/* */}', () => {
    expect(parseDirectives('Dockerfile', 'RUN x # autopack-fix-ignore bad-word -- no\n  # autopack-fix-ignore bad-word -- yes\nRUN BAD\n', 'dockerfile').map((d) => [d.line, d.target])).toEqual([[2, 3]]);
    const md = '<!-- autopack-fix-ignore bad-word -- a -- b -->\nBAD\n```\n<!-- autopack-fix-ignore bad-word -- in code -->\n```\ntext <!-- autopack-fix-ignore ugly-word -- same line --> more\n';
    expect(parseDirectives('a.md', md, 'markdown').map((d) => [d.line, d.scope, d.reason, d.target, md.slice(d.start, d.end)])).toEqual([
      [1, 'next-line', 'a -- b', 2, '<!-- autopack-fix-ignore bad-word -- a -- b -->'],
      [6, 'same-line', 'same line', 6, '<!-- autopack-fix-ignore ugly-word -- same line -->'],
    ]);
    expect(parseDirectives('a.mdx', '{/* autopack-fix-ignore bad-word -- mdx */}\nBAD\n', 'mdx').map((d) => [d.reason, d.target])).toEqual([['mdx', 2]]);
    expect(parseDirectives('a.ts', 'const a = 1; // autopack-fix-ignore bad-word -- ts\n', 'slash').map((d) => [d.scope, d.reason])).toEqual([['same-line', 'ts']]);
  });
});

describe('suppressions in a run', () => {
  const files = {
    'compose.yml': 'services:\n  # autopack-fix-ignore bad-word -- kept: sibling repo\n  web: BAD\n  # autopack-fix-ignore bad-word -- nothing here any more\n  db: ok\n  x: BAD # autopack-fix-ignore bad-word, ugly-word -- trailing, half used\n  y: BAD # autopack-fix-ignore bad-word -- used\n  z: ok # autopack-fix-ignore bad-word -- unused trailing\n',
    'docs/guide.md': '# Guide\n\n<!-- autopack-fix-ignore-file ugly-word -- a migration guide -->\n\nUGLY and UGLY\n\n<!-- autopack-fix-ignore bad-word -->\nBAD\n<!-- autopack-fix-ignore nonexistent-rule -- typo -->\n',
    'Dockerfile': 'FROM x\n# autopack-fix-ignore other-rule -- other-rule does not run\nRUN BAD\n# autopack-fix-ignore bad-word -- last line, unused',
    'package.json': '{"BAD": 1}\n',
  };

  it('drops covered findings, reports invalid and unused ones, and the fixes remove exactly the unused comments', async () => {
    const ws = Workspace.fromFiles('/r', files);
    const session = createSuppressions({ selected: [bad, ugly, unusedSuppressionRule], knownRuleIds: known });
    expect(session.rules.map((r) => r.meta.id)).toEqual(['bad-word', 'ugly-word', UNUSED_SUPPRESSION_ID]);
    const result = await run(ws, { rules: session.rules, apply: new Set(['safe']), keep: session.keep });
    const shown = result.findings.map((f) => `${f.ruleId} ${f.severity} ${f.file}:${f.line}:${f.column} ${f.message} [${f.fix ? `${f.fix.safety} ${f.fixStatus}` : 'no fix'}]`);
    expect(shown).toEqual([
      'bad-word error Dockerfile:3:5 BAD here [no fix]',
      'bad-word error docs/guide.md:8:1 BAD here [no fix]',
      'bad-word error package.json:1:3 BAD here [no fix]',
      'unused-suppression warning Dockerfile:4:1 unused suppression: `bad-word` reports nothing after it (it is the last line) [safe applied]',
      'unused-suppression warning compose.yml:4:3 unused suppression: `bad-word` reports nothing on line 5 [safe applied]',
      'unused-suppression warning compose.yml:6:10 unused suppression: `ugly-word` reports nothing on line 6 [safe applied]',
      'unused-suppression warning compose.yml:8:9 unused suppression: `bad-word` reports nothing on line 8 [safe applied]',
      'unused-suppression error docs/guide.md:7:1 suppression `autopack-fix-ignore bad-word` has no reason (add `-- why this is kept`); it suppresses nothing [no fix]',
      'unused-suppression error docs/guide.md:9:1 suppression `autopack-fix-ignore nonexistent-rule` names unknown rule `nonexistent-rule` (see `autopack-fix list-rules`) [no fix]',
    ]);
    expect(session.used(ws).map((u) => `${u.directive.file}:${u.directive.line} ${u.ruleId}`).sort()).toEqual([
      'compose.yml:2 bad-word',
      'compose.yml:6 bad-word',
      'compose.yml:7 bad-word',
      'docs/guide.md:3 ugly-word',
    ]);
    expect(Object.fromEntries(result.changes.map((c) => [c.path, c.after]))).toEqual({
      'Dockerfile': 'FROM x\n# autopack-fix-ignore other-rule -- other-rule does not run\nRUN BAD',
      'compose.yml': 'services:\n  # autopack-fix-ignore bad-word -- kept: sibling repo\n  web: BAD\n  db: ok\n  x: BAD # autopack-fix-ignore bad-word -- trailing, half used\n  y: BAD # autopack-fix-ignore bad-word -- used\n  z: ok\n',
    });
    // After the fixes nothing is unused; the invalid ones stay.
    expect(result.remaining.map((f) => `${f.ruleId} ${f.file}:${f.line}`)).toEqual([
      'bad-word Dockerfile:3',
      'bad-word docs/guide.md:8',
      'bad-word package.json:1',
      'unused-suppression docs/guide.md:7',
      'unused-suppression docs/guide.md:9',
    ]);
    expect(result.diagnostics).toEqual([]);
  });

  it('reports nothing about suppressions when the pseudo rule is not selected, and judges only rules that ran', async () => {
    const ws = Workspace.fromFiles('/r', files);
    const quiet = createSuppressions({ selected: [bad, ugly], knownRuleIds: known });
    expect(quiet.rules.map((r) => r.meta.id)).toEqual(['bad-word', 'ugly-word']);
    const r1 = await run(ws, { rules: quiet.rules, apply: new Set(), keep: quiet.keep });
    expect(r1.findings.map((f) => `${f.file}:${f.line}`)).toEqual(['Dockerfile:3', 'docs/guide.md:8', 'package.json:1']);
    // Only ugly-word runs: bad-word suppressions are neither used nor unused.
    const onlyUgly = createSuppressions({ selected: [ugly, unusedSuppressionRule], knownRuleIds: known });
    const r2 = await run(ws, { rules: onlyUgly.rules, apply: new Set(), keep: onlyUgly.keep });
    expect(r2.findings.map((f) => `${f.ruleId} ${f.file}:${f.line} ${f.fix ? 'fix' : 'no fix'}`)).toEqual([
      'unused-suppression compose.yml:6 fix',
      'unused-suppression docs/guide.md:7 no fix',
      'unused-suppression docs/guide.md:9 no fix',
    ]);
  });

  it('keeps CRLF line endings when it removes a comment line', async () => {
    const ws = Workspace.fromFiles('/r', { 'a.yml': 'a: 1\r\n# autopack-fix-ignore bad-word -- gone\r\nb: 2\r\n' });
    const s = createSuppressions({ selected: [bad, unusedSuppressionRule], knownRuleIds: known });
    const result = await run(ws, { rules: s.rules, apply: new Set(['safe']), keep: s.keep });
    expect(result.changes.map((c) => c.after)).toEqual(['a: 1\r\nb: 2\r\n']);
  });
});

describe('suppressions with the real rules', () => {
  it('a comment above a real finding on the demo hides it (and its fix); the comment counts as used', async () => {
    const { readFileSync } = await import('node:fs');
    const path = await import('node:path');
    const { ROOT } = await import('./helpers/repo.js');
    const { RULES } = await import('../src/rules/registry.js');
    const demo = path.join(ROOT, 'fixtures', 'demo');
    const read = (p: string): string => readFileSync(path.join(demo, p), 'utf8');
    const names = ['docker-compose.yml', 'docker-compose.dev.yml', 'Dockerfile', 'Dockerfile.frontend', 'README.md', 'vite.config.ts', 'package.json', 'nginx.conf', 'requirements.txt', 'pyproject.toml'];
    const files = Object.fromEntries(names.map((n) => [n, read(n)]));
    const ws = Workspace.fromFiles('/demo', files);
    const plain = await run(ws, { rules: RULES, apply: new Set() });
    const target = plain.findings.find((f) => f.file === 'docker-compose.dev.yml');
    expect(target).toBeDefined();
    const lines = files['docker-compose.dev.yml']!.split('\n');
    const indent = /^\s*/.exec(lines[target!.line - 1]!)![0];
    lines.splice(target!.line - 1, 0, `${indent}# autopack-fix-ignore ${target!.ruleId} -- kept for the demo`);
    const suppressed = Workspace.fromFiles('/demo', { ...files, 'docker-compose.dev.yml': lines.join('\n') });
    const session = createSuppressions({ selected: RULES, knownRuleIds: RULES.map((r) => r.meta.id) });
    const result = await run(suppressed, { rules: session.rules, apply: new Set(['safe']), keep: session.keep });
    const key = (f: { ruleId: string; key: string }): string => `${f.ruleId} ${f.key}`;
    expect(result.findings.map(key).sort()).toEqual(plain.findings.filter((f) => !(f.ruleId === target!.ruleId && f.key === target!.key)).map(key).sort());
    expect(session.used(suppressed).map((u) => `${u.ruleId} line ${u.directive.line}`)).toEqual([`${target!.ruleId} line ${target!.line}`]);
    // The used comment survives --write.
    const after = result.changes.find((c) => c.path === 'docker-compose.dev.yml')?.after ?? lines.join('\n');
    expect(after.split('\n').filter((l) => l.trim().startsWith('# autopack-fix-ignore'))).toEqual([`${indent}# autopack-fix-ignore ${target!.ruleId} -- kept for the demo`]);
  });
});
