/**
 * The configuration's JSON Schema, generated from the rules' metas: the options of each rule
 * are its `meta.options`, the shared `docs` block is codemods/docs-options.ts. `npm run schema`
 * writes it to schemas/config.schema.json (which the loader validates against and editors
 * read through `$schema`); tests/config-schema.test.ts fails when the committed file is stale.
 */
import type { Rule } from '../model/rule.js';
import { DOCS_OPTIONS } from '../../codemods/docs-options.js';

export const CONFIG_SCHEMA_ID = 'https://raw.githubusercontent.com/autopack-fix/autopack-fix/HEAD/schemas/config.schema.json';

const globList = { type: 'array', items: { type: 'string', minLength: 1 } };

/** The schema for a registry, as the object written to schemas/config.schema.json. */
export function buildConfigSchema(rules: readonly Rule[]): Record<string, unknown> {
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    $id: CONFIG_SCHEMA_ID,
    title: 'autopack-fix configuration',
    description: 'autopack-fix.config.{json,yaml,yml}, or the "autopack-fix" key of package.json.',
    type: 'object',
    additionalProperties: false,
    properties: {
      $schema: { type: 'string', description: 'For editors: the URL or path of this schema.' },
      preset: {
        enum: ['recommended', 'strict'],
        description: 'recommended (default): every rule on, at its own severity. strict: every rule on, every severity raised to error.',
      },
      include: { ...globList, description: 'Report findings only in files matching one of these globs (default: everything).' },
      exclude: { ...globList, description: 'Never report findings in files matching these globs (a glob without a slash matches a file or folder name anywhere).' },
      safety: { enum: ['safe', 'review'], description: 'The riskiest fix class --write applies: safe (default), or review (as --unsafe-fixes).' },
      docs: {
        type: 'object',
        additionalProperties: false,
        description: 'Options shared by the three docs rules (docs-dead-reference, docs-command-drift, docs-port-drift); a rule\'s own options win.',
        properties: { ...DOCS_OPTIONS },
      },
      rules: {
        type: 'object',
        additionalProperties: false,
        description: 'Per-rule settings, by rule id.',
        properties: Object.fromEntries(rules.map((r) => [r.meta.id, ruleEntry(r)])),
      },
    },
    definitions: {
      severity: { enum: ['error', 'warning', 'info'], description: "Severity of this rule's findings (overrides the rule's own)." },
    },
  };
}

function ruleEntry(rule: Rule): Record<string, unknown> {
  const options = rule.meta.options ?? {};
  const none = Object.keys(options).length === 0;
  return {
    type: 'object',
    additionalProperties: false,
    description: rule.meta.summary,
    properties: {
      enabled: { type: 'boolean', description: rule.meta.defaultEnabled === false ? 'Run this rule (default false: an opt-in rule).' : 'Run this rule (default true).' },
      severity: { $ref: '#/definitions/severity' },
      options: {
        type: 'object',
        additionalProperties: false,
        properties: { ...options },
        description: none ? 'This rule has no options.' : 'Options of this rule (see its README, section Options).',
      },
    },
  };
}

/** The file's text: two-space JSON with a final newline. */
export function configSchemaText(rules: readonly Rule[]): string {
  return `${JSON.stringify(buildConfigSchema(rules), null, 2)}\n`;
}
