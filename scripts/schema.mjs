#!/usr/bin/env node
// `npm run schema`: writes schemas/config.schema.json from the rules' metas (the options of
// each rule are its `meta.options`; see src/config/schema.ts). The file is generated: edit the
// metas, then run this. tests/config-schema.test.ts fails when the committed file is stale.
//
//   node scripts/schema.mjs           write schemas/config.schema.json
//   node scripts/schema.mjs --check   exit 1 if the committed file differs
//
// The TypeScript sources are bundled in memory with esbuild (dependencies stay external), so
// no build is needed first.
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import * as esbuild from 'esbuild';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const OUT = path.join(ROOT, 'schemas', 'config.schema.json');

const built = await esbuild.build({
  stdin: {
    contents: "export { RULES } from './src/rules/registry.ts'; export { configSchemaText } from './src/config/schema.ts';",
    resolveDir: ROOT,
    loader: 'ts',
  },
  bundle: true,
  platform: 'node',
  format: 'esm',
  packages: 'external',
  write: false,
  logLevel: 'error',
});
// Written beside the sources so that the external packages resolve from node_modules.
const tmp = path.join(ROOT, `.schema-gen-${process.pid}.mjs`);
let text;
try {
  writeFileSync(tmp, built.outputFiles[0].text);
  const { RULES, configSchemaText } = await import(pathToFileURL(tmp).href);
  text = configSchemaText(RULES);
} finally {
  rmSync(tmp, { force: true });
}

if (process.argv.includes('--check')) {
  const current = readFileSync(OUT, 'utf8');
  if (current !== text) {
    console.error(`${path.relative(ROOT, OUT)} is stale: run npm run schema`);
    process.exit(1);
  }
  console.log(`${path.relative(ROOT, OUT)} is up to date`);
} else {
  writeFileSync(OUT, text);
  console.log(`wrote ${path.relative(ROOT, OUT)}`);
}
