/**
 * The config schema is generated from the rules' metas (src/config/schema.ts, `npm run schema`):
 * the committed file must be what the generator writes, and each rule's defaults must be
 * values its own schema accepts.
 */
import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Ajv } from 'ajv';
import { ROOT } from './helpers/repo.js';
import { RULES } from '../src/rules/registry.js';
import { configSchemaText, buildConfigSchema } from '../src/config/schema.js';
import { defaultOptions, effectiveOptions, type Rule } from '../src/model/rule.js';
import { run } from '../src/engine/run.js';
import { Workspace } from '../src/workspace/workspace.js';

describe('schemas/config.schema.json', () => {
  it('is what `npm run schema` generates from the metas (run it after changing a rule\'s options)', () => {
    const committed = readFileSync(path.join(ROOT, 'schemas', 'config.schema.json'), 'utf8');
    expect(committed === configSchemaText(RULES), 'schemas/config.schema.json is stale: run `npm run schema`').toBe(true);
  });

  it('a changed meta changes the generated schema (the comparison above can fail)', () => {
    const changed = RULES.map((r) => (r.meta.id === 'nginx-body-size-limit' ? { ...r, meta: { ...r.meta, options: { ...r.meta.options, extra: { type: 'boolean', description: 'x' } } } } : r));
    expect(configSchemaText(changed)).not.toBe(configSchemaText(RULES));
  });

  it('keeps the settings that are not rules, and its $id', () => {
    const schema = buildConfigSchema(RULES) as { $id: string; properties: Record<string, unknown> };
    expect(schema.$id).toBe('https://raw.githubusercontent.com/autopack-fix/autopack-fix/HEAD/schemas/config.schema.json');
    expect(Object.keys(schema.properties)).toEqual(['$schema', 'preset', 'include', 'exclude', 'safety', 'docs', 'rules']);
  });
});

describe('rule options in meta', () => {
  const ajv = new Ajv({ strict: true });
  for (const rule of RULES) {
    it(`${rule.meta.id}: every default is valid for its option`, () => {
      for (const [name, schema] of Object.entries(rule.meta.options ?? {})) {
        expect(schema.description, `${name} has a description`).toBeTruthy();
        if (schema.default === undefined) continue;
        const { default: value, ...rest } = schema;
        const validate = ajv.compile(rest);
        expect(validate(value), `${rule.meta.id}.${name}: default ${JSON.stringify(value)} ${ajv.errorsText(validate.errors)}`).toBe(true);
      }
    });
  }

  it('the configured options win over the defaults; defaults are copies', () => {
    const meta = RULES.find((r) => r.meta.id === 'nginx-body-size-limit')!.meta;
    expect(effectiveOptions(meta, { size: '1g' })).toMatchObject({ size: '1g', ciGlobs: meta.options?.ciGlobs?.default });
    expect(effectiveOptions(meta, undefined).size).toBe('10m');
    const d = defaultOptions(meta).stockIncludes as string[];
    d.push('mutated');
    expect(meta.options?.stockIncludes?.default).not.toContain('mutated');
  });

  it('the engine gives a rule its defaults when no options are configured', async () => {
    const seen: Array<Record<string, unknown>> = [];
    const probe: Rule = {
      meta: { id: 'probe', seedIds: [], summary: 's', defaultSeverity: 'info', fixable: 'none', options: { a: { type: 'integer', description: 'a', default: 1 }, b: { type: 'string', description: 'b' } } },
      async check(ctx) {
        seen.push(ctx.options);
        return [];
      },
    };
    const ws = Workspace.fromFiles('/repo', { 'a.txt': '' });
    await run(ws, { rules: [probe], apply: new Set() });
    await run(ws, { rules: [probe], apply: new Set(), ruleOptions: { probe: { a: 2, b: 'x' } } });
    expect(seen).toEqual([{ a: 1 }, { a: 2, b: 'x' }]);
  });
});
