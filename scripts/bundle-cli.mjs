#!/usr/bin/env node
// The last step of `npm run build`: the compiled CLI (dist/src, dist/codemods) and the packages it
// imports, bundled into a few ES modules in dist/bundle/cli/. Loading those instead of the some 340
// modules of dist/ and node_modules saves about a third of a second at every start (a run on an
// empty repository: 0.73 → 0.44 s on a 2-core machine), which is most of a run on a small
// repository or in a pre-commit hook.
//
//   dist/bundle/cli/main.js          src/cli/main.ts and everything it imports at once
//   dist/bundle/cli/parse-worker.js  src/parallel/parse-worker.ts (prefetch.ts starts it from beside itself)
//   dist/bundle/cli/chunk-*.js, …    what is imported later (a command, the rules, a parser): still
//                                    loaded only when needed
//   dist/bundle/cli/inputs.json      which compiled modules and packages each of those files holds
//                                    (tests/cli-help.test.ts reads it to say what a command loaded)
//
// bin/autopack-fix.js runs the bundle only when it is not older than dist/src/cli/main.js: every run of
// tsc (a build, the first emit of `tsc --watch`) writes that file, so a bundle older than the
// compiled code is never run; the compiled modules are, as before there was a bundle.
//
// The folder is two levels below dist/, as the compiled modules are: what a module finds from its own
// place (the rule catalogue, the code stamp of the cache, package.json) is found from the bundle too.
//
//   node scripts/bundle-cli.mjs
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';
import { MODULE_HEADER, NODE_BUNDLE_OPTIONS, ROOT } from './bundle.mjs';

export const CLI_BUNDLE_DIR = 'dist/bundle/cli';

/** Imported only now and then, and left where they are: web-tree-sitter loads its .wasm from beside its own code, ts-morph brings TypeScript (14 MB), @octokit/rest only the bot needs. */
const EXTERNAL = ['web-tree-sitter', 'ts-morph', '@octokit/rest'];

export async function buildCliBundle() {
  const out = path.join(ROOT, CLI_BUNDLE_DIR);
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  const result = await esbuild.build({
    ...NODE_BUNDLE_OPTIONS,
    entryPoints: { main: 'dist/src/cli/main.js', 'parse-worker': 'dist/src/parallel/parse-worker.js' },
    outdir: out,
    splitting: true,
    chunkNames: 'chunk-[hash]',
    external: EXTERNAL,
    banner: { js: MODULE_HEADER },
    write: true,
  });
  if (result.errors.length) throw new Error(result.errors.map((e) => e.text).join('\n'));
  const inputs = {};
  for (const [file, output] of Object.entries(result.metafile.outputs)) {
    inputs[path.posix.basename(file)] = Object.keys(output.inputs)
      .map((p) => p.split(path.sep).join('/'))
      .sort();
  }
  writeFileSync(path.join(out, 'inputs.json'), `${JSON.stringify(inputs, null, 1)}\n`);
  return Object.keys(inputs);
}

if (fileURLToPath(import.meta.url) === path.resolve(process.argv[1] ?? '')) {
  const files = await buildCliBundle();
  process.stdout.write(`wrote ${CLI_BUNDLE_DIR}/ (${files.length} modules)\n`);
}
