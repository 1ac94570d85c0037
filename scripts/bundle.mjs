#!/usr/bin/env node
// `npm run bundle`: the single-file build the GitHub Action runs (action.yml), committed in
// action-dist/ so that a job with only actions/checkout and the Action needs no npm install:
//
//   action-dist/autopack-fix.mjs      the CLI and every dependency, one ES module (esbuild)
//   action-dist/web-tree-sitter.wasm  the parser runtime web-tree-sitter loads from beside its code
//   action-dist/tree-sitter-python.wasm  the Python grammar (src/util/python-grammar.ts looks beside
//                                       the bundle first)
//   action-dist/THIRD-PARTY-LICENSES.txt  the licences of the bundled packages
//   action-dist/manifest.json         sha256 of every input and output, so that a test
//                                       (tests/action-bundle.test.ts) fails when the committed
//                                       bundle is stale
//
// The files read at run time through packageRoot() (package.json, codemods/*/README.md,
// schemas/) are not copied: the bundle lives inside the repository checkout, and packageRoot()
// walks up from it to the package.json named autopack-fix, as it does from dist/.
//
// The output is not minified: a change to one source file is a small diff of the committed file.
//
//   node scripts/bundle.mjs           write action-dist/
//   node scripts/bundle.mjs --check   rebuild in memory and exit 1 if action-dist/ differs
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const OUT_DIR = 'action-dist';
export const BUNDLE = `${OUT_DIR}/autopack-fix.mjs`;
export const MANIFEST = `${OUT_DIR}/manifest.json`;
const LICENSES = `${OUT_DIR}/THIRD-PARTY-LICENSES.txt`;

/** Files copied beside the bundle (name in action-dist/ → file in the repository). */
export const ASSETS = {
  'web-tree-sitter.wasm': 'node_modules/web-tree-sitter/web-tree-sitter.wasm',
  'tree-sitter-python.wasm': 'node_modules/tree-sitter-python/tree-sitter-python.wasm',
};

// The entry is what the bin runs (src/cli/main.ts's runProgram), from the TypeScript sources: the
// bundle needs no build first.
const ENTRY = `import { runProgram } from './src/cli/main.ts';\nawait runProgram(process.argv.slice(2));\n`;

/**
 * The header of every bundled module. CommonJS dependencies bundled into an ES module still call
 * require() for Node's built-ins and read __filename/__dirname: give them the real ones, for the
 * module's own path.
 */
export const MODULE_HEADER = `import { createRequire as __apfCreateRequire } from 'node:module';
import { fileURLToPath as __apfFileURLToPath } from 'node:url';
import { dirname as __apfDirname } from 'node:path';
const require = __apfCreateRequire(import.meta.url);
const __filename = __apfFileURLToPath(import.meta.url);
const __dirname = __apfDirname(__filename);`;

const BANNER = `// autopack-fix, bundled by scripts/bundle.mjs (npm run bundle) for the GitHub Action. Do not edit:
// change the sources and run \`npm run bundle\`. Licences of the bundled packages:
// THIRD-PARTY-LICENSES.txt beside this file.
${MODULE_HEADER}`;

const sha256 = (bytes) => createHash('sha256').update(bytes).digest('hex');

/** What every bundle of autopack-fix is built with: this one and the CLI's (scripts/bundle-cli.mjs). */
export const NODE_BUNDLE_OPTIONS = {
  absWorkingDir: ROOT,
  bundle: true,
  platform: 'node',
  // jsonc-parser's "main" is a UMD build whose require() calls esbuild cannot follow; its
  // "module" build is plain ESM.
  mainFields: ['module', 'main'],
  format: 'esm',
  target: 'node20.19',
  metafile: true,
  minify: false,
  sourcemap: false,
  // Licence headers (TypeScript's, inside ts-morph) stay where they are.
  legalComments: 'inline',
  charset: 'utf8',
  // Paths in the output's comments (and so its bytes) do not depend on a symlinked node_modules.
  preserveSymlinks: true,
  logLevel: 'silent',
};

/** Build everything in memory: { files: Map<relative path, Buffer> }. */
export async function buildBundle() {
  const result = await esbuild.build({
    ...NODE_BUNDLE_OPTIONS,
    stdin: { contents: ENTRY, resolveDir: ROOT, sourcefile: 'action-entry.mjs', loader: 'js' },
    outfile: path.join(ROOT, BUNDLE),
    write: false,
    banner: { js: BANNER },
  });
  if (result.errors.length) throw new Error(result.errors.map((e) => e.text).join('\n'));
  const bundle = Buffer.from(result.outputFiles[0].contents);

  const files = new Map();
  files.set(BUNDLE, bundle);
  for (const [name, from] of Object.entries(ASSETS)) files.set(`${OUT_DIR}/${name}`, readFileSync(path.join(ROOT, from)));

  const inputs = Object.keys(result.metafile.inputs)
    .filter((p) => p !== 'action-entry.mjs')
    .map((p) => p.split(path.sep).join('/'))
    .sort();
  files.set(LICENSES, Buffer.from(thirdPartyLicenses(inputs)));

  const manifest = {
    note: 'Written by scripts/bundle.mjs (npm run bundle); tests/action-bundle.test.ts checks it. Do not edit.',
    esbuild: esbuild.version,
    script: sha256(readFileSync(fileURLToPath(import.meta.url))),
    inputs: Object.fromEntries(inputs.map((p) => [p, sha256(readFileSync(path.join(ROOT, p)))])),
    assets: Object.fromEntries(Object.entries(ASSETS).map(([name, from]) => [name, { from, sha256: sha256(readFileSync(path.join(ROOT, from))) }])),
    outputs: Object.fromEntries([...files].map(([p, bytes]) => [path.posix.basename(p), sha256(bytes)])),
  };
  files.set(MANIFEST, Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`));
  return { files, manifest };
}

/** The package (name, folder) a node_modules path belongs to, or undefined for our own sources. */
function packageOf(input) {
  const m = /(?:^|\/)node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(input);
  if (!m) return undefined;
  const at = input.lastIndexOf(`node_modules/${m[1]}/`);
  return { name: m[1], dir: input.slice(0, at + `node_modules/${m[1]}`.length) };
}

function thirdPartyLicenses(inputs) {
  const dirs = new Map();
  for (const input of inputs) {
    const pkg = packageOf(input);
    if (pkg) dirs.set(pkg.dir, pkg.name);
  }
  for (const from of Object.values(ASSETS)) {
    const pkg = packageOf(from);
    if (pkg) dirs.set(pkg.dir, pkg.name);
  }
  const parts = [
    'The packages bundled into autopack-fix.mjs and the .wasm files beside it, with their licences.',
    'autopack-fix itself: MIT, see LICENSE at the root of the repository.',
    '',
  ];
  for (const [dir, name] of [...dirs].sort((a, b) => (a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0))) {
    const pkg = JSON.parse(readFileSync(path.join(ROOT, dir, 'package.json'), 'utf8'));
    const licenseFile = ['LICENSE', 'LICENSE.md', 'LICENSE.txt', 'LICENSE-MIT', 'License.txt', 'license', 'LICENCE', 'COPYING']
      .map((f) => path.join(ROOT, dir, f))
      .find((f) => existsSync(f));
    const license = typeof pkg.license === 'string' ? pkg.license : pkg.license?.type ?? 'see the package';
    parts.push('='.repeat(78), `${name}@${pkg.version} (${license})`, '='.repeat(78));
    parts.push(licenseFile ? readFileSync(licenseFile, 'utf8').replace(/\r\n/g, '\n').trimEnd() : `(no licence file in the package; its package.json says ${license})`, '');
  }
  return `${parts.join('\n')}\n`;
}

/** The files of action-dist/ that differ from a fresh build (relative paths), [] when current. */
export async function staleFiles() {
  const { files } = await buildBundle();
  const stale = [];
  for (const [p, bytes] of files) {
    const abs = path.join(ROOT, p);
    if (!existsSync(abs) || !readFileSync(abs).equals(bytes)) stale.push(p);
  }
  return stale;
}

if (import.meta.url === `file://${process.argv[1]}` || fileURLToPath(import.meta.url) === path.resolve(process.argv[1] ?? '')) {
  if (process.argv.includes('--check')) {
    const stale = await staleFiles();
    if (stale.length) {
      process.stderr.write(`stale: ${stale.join(', ')}; run \`npm run bundle\` and commit action-dist/\n`);
      process.exitCode = 1;
    } else {
      process.stdout.write('action-dist/ is up to date\n');
    }
  } else {
    const { files } = await buildBundle();
    mkdirSync(path.join(ROOT, OUT_DIR), { recursive: true });
    for (const [p, bytes] of files) writeFileSync(path.join(ROOT, p), bytes);
    const size = (files.get(BUNDLE).length / 1024 / 1024).toFixed(1);
    process.stdout.write(`wrote ${[...files.keys()].join(', ')} (bundle ${size} MiB)\n`);
  }
}
