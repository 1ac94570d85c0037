/**
 * Rules in the ESLint/ruff shape: `meta` declares the options (tests/config-schema.test.ts) and
 * the message templates, and findings name a template by id (the goldens record the id and the
 * data). Every rule declares its templates.
 */
import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ROOT } from './helpers/repo.js';
import { RULES } from '../src/rules/registry.js';
import { renderMessage, type RuleMeta } from '../src/model/rule.js';
import { SKIP_REASONS } from '../src/model/types.js';
import { run } from '../src/engine/run.js';
import { Workspace } from '../src/workspace/workspace.js';

describe('message ids', () => {
  for (const rule of RULES) {
    const id = rule.meta.id;
    it(`${id} declares its message templates`, () => {
      const messages = rule.meta.messages ?? {};
      expect(Object.keys(messages).length, `${id} has no meta.messages`).toBeGreaterThan(0);
      for (const [messageId, template] of Object.entries(messages)) {
        expect(messageId).toMatch(/^[a-z][A-Za-z]*$/);
        expect(template.trim()).not.toBe('');
        // Every placeholder is a plain name: `{{ name }}` renders, a stray brace is a typo.
        expect(template.replace(/\{\{\s*\w+\s*\}\}/g, ''), `${id}.${messageId}`).not.toMatch(/\{\{|\}\}/);
      }
    });
  }
});

describe('rendering', () => {
  const meta: RuleMeta = { id: 'x', seedIds: [], summary: 's', defaultSeverity: 'info', fixable: 'none', messages: { m: 'service `{{name}}` on {{ port }}' } };
  it('fills the placeholders once (a value with braces is not expanded again)', () => {
    expect(renderMessage(meta, 'm', { name: '{{port}}', port: 80 })).toBe('service `{{port}}` on 80');
  });
  it('an undeclared id or a missing value is the rule\'s bug, reported as its failure', async () => {
    expect(() => renderMessage(meta, 'nope')).toThrow(/messageId "nope"/);
    expect(() => renderMessage(meta, 'm', { name: 'a' })).toThrow(/needs data.port/);
    const broken = { meta, check: async () => [{ file: 'a.txt', offset: 0, key: 'k', messageId: 'nope' }] };
    const result = await run(Workspace.fromFiles('/repo', { 'a.txt': 'x\n' }), { rules: [broken], apply: new Set() });
    expect(result.findings).toEqual([]);
    expect(result.diagnostics.map((d) => d.message)).toEqual(['rule x failed: rule x reported messageId "nope", which its meta.messages does not declare']);
  });
  it('a finding carries the id, the data and the rendered text; a skip reason only without a fix', async () => {
    const rule = {
      meta,
      check: async () => [
        { file: 'a.txt', offset: 0, key: 'k1', messageId: 'm', data: { name: 'db', port: 5432 }, skipReason: 'ambiguous-target' as const },
        { file: 'a.txt', offset: 2, key: 'k2', messageId: 'm', data: { name: 'db', port: 1 }, skipReason: 'ambiguous-target' as const, fix: { safety: 'safe' as const, description: 'd', edits: [{ file: 'a.txt', start: 0, end: 1, text: 'y' }] } },
        { file: 'a.txt', offset: 0, key: 'k3', message: 'plain' },
      ],
    };
    const result = await run(Workspace.fromFiles('/repo', { 'a.txt': 'x\n' }), { rules: [rule], apply: new Set() });
    const [a, b, c] = result.findings;
    expect([a?.message, a?.messageId, a?.data, a?.skipReason]).toEqual(['service `db` on 5432', 'm', { name: 'db', port: 5432 }, 'ambiguous-target']);
    expect(b?.skipReason).toBeUndefined();
    expect([c?.message, c?.messageId]).toEqual(['plain', undefined]);
  });
});

describe('skip reasons', () => {
  it('are a small closed set of kebab-case ids, each explained', () => {
    for (const [id, text] of Object.entries(SKIP_REASONS)) {
      expect(id).toMatch(/^[a-z]+(-[a-z]+)*$/);
      expect(text.length).toBeGreaterThan(10);
    }
    expect(Object.keys(SKIP_REASONS).length).toBeLessThanOrEqual(13);
  });
});

describe('options in meta and in the README', () => {
  const section = (ruleId: string): string => {
    const text = readFileSync(path.join(ROOT, 'codemods', ruleId, 'README.md'), 'utf8').replace(/\r\n/g, '\n');
    const at = text.indexOf('\n## Options\n');
    const rest = at === -1 ? '' : text.slice(at + '\n## Options\n'.length);
    const end = rest.indexOf('\n## ');
    return end === -1 ? rest : rest.slice(0, end);
  };
  for (const rule of RULES) {
    it(`${rule.meta.id}: the README's Options section names exactly the options of its meta`, () => {
      const names = Object.keys(rule.meta.options ?? {});
      const text = section(rule.meta.id);
      for (const name of names) expect(text, `README of ${rule.meta.id} does not name \`${name}\``).toContain(`\`${name}\``);
      // Each bullet names its option first: those must be options the rule declares.
      const bulleted = [...text.matchAll(/^\s*- `([A-Za-z]+)`/gm)].map((m) => m[1] as string);
      expect(bulleted.filter((n) => !names.includes(n)), `README of ${rule.meta.id} documents options its meta does not declare`).toEqual([]);
      if (names.length === 0) expect(text.trim()).toMatch(/^None\./);
    });
  }
});
