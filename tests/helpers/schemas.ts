import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Ajv } from 'ajv';
import { parse } from 'yaml';
import { ROOT } from './repo.js';

// Upstream schemas ship with the tests (tests/schemas/README.md), so a clone tests on its own.
const SCHEMAS = path.resolve(ROOT, 'tests', 'schemas');
const validators = new Map<string, ReturnType<Ajv['compile']>>();

/** Validation errors of a YAML text against one of tests/schemas/*.json. */
export function schemaErrors(schemaFile: string, text: string): string[] {
  let validate = validators.get(schemaFile);
  if (!validate) {
    const schema = JSON.parse(readFileSync(path.join(SCHEMAS, schemaFile), 'utf8')) as Record<string, unknown>;
    // Ajv 8 does not know the draft URIs these schemas declare; the keywords are what matter.
    delete schema.$schema;
    validate = new Ajv({ strict: false, allErrors: true, validateFormats: false }).compile(schema);
    validators.set(schemaFile, validate);
  }
  return validate(parse(text, { merge: true })) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message}`);
}

export const composeSchemaErrors = (text: string): string[] => schemaErrors('compose-spec.json', text);
export const dependabotSchemaErrors = (text: string): string[] => schemaErrors('dependabot-2.0.json', text);

export function isDependabotConfig(p: string): boolean {
  return /^\.github\/dependabot\.ya?ml$/.test(p);
}
