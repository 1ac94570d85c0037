#!/usr/bin/env node
// Writes dist/rule-catalogue.json (src/cli/catalogue.ts): the rule metas `list-rules` and
// `explain` show, so that those commands load no rule and no parser. Run by `npm run build`
// right after tsc; stamped with the newest mtime of the compiled modules it was made from (distStamp).
import { writeFileSync } from 'node:fs';
import { RULES } from '../dist/src/rules/registry.js';
import { CATALOGUE_FILE, catalogueEntry, distStamp } from '../dist/src/cli/catalogue.js';

const rules = RULES.map((r) => catalogueEntry(r.meta));
writeFileSync(CATALOGUE_FILE, `${JSON.stringify({ schemaVersion: 1, stamp: distStamp(rules.map((r) => r.id)), rules }, null, 1)}\n`);
