import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Ajv } from 'ajv';
import { parse } from 'yaml';
import { ROOT } from './repo.js';

const SCHEMAS = path.resolve(ROOT, '..', 'shared', 'schemas');

let composeValidator: ReturnType<Ajv['compile']> | undefined;

/** Validation errors of a compose file against ../shared/schemas/compose-spec.json. */
export function composeSchemaErrors(text: string): string[] {
  if (!composeValidator) {
    const schema = JSON.parse(readFileSync(path.join(SCHEMAS, 'compose-spec.json'), 'utf8')) as Record<string, unknown>;
    delete schema.$schema;
    const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false });
    composeValidator = ajv.compile(schema);
  }
  const ok = composeValidator(parse(text, { merge: true }));
  return ok ? [] : (composeValidator.errors ?? []).map((e) => `${e.instancePath} ${e.message}`);
}

let dependabotValidator: ReturnType<Ajv['compile']> | undefined;

/** Validation errors of a dependabot config against ../shared/schemas/dependabot-2.0.json. */
export function dependabotSchemaErrors(text: string): string[] {
  if (!dependabotValidator) {
    const schema = JSON.parse(readFileSync(path.join(SCHEMAS, 'dependabot-2.0.json'), 'utf8')) as Record<string, unknown>;
    delete schema.$schema;
    const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false });
    dependabotValidator = ajv.compile(schema);
  }
  const ok = dependabotValidator(parse(text));
  return ok ? [] : (dependabotValidator.errors ?? []).map((e) => `${e.instancePath} ${e.message}`);
}

export function isDependabotConfig(p: string): boolean {
  return /^\.github\/dependabot\.ya?ml$/.test(p);
}
