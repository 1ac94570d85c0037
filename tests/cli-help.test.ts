/**
 * `--help` and `--version` load nothing but the command line (issue 17: they used to load ajv,
 * yaml, dockerfile-ast, the rules and the engine, 0.4–0.7 s of CPU). A real process of the bin
 * shim (a module cache of its own is the point) runs with a loader hook that logs every module
 * it loads; the log must hold no module of the engine, the rules, the parsers or the reports
 * (but the escaping of what is printed), and no package but commander. Also of the bin shim:
 * a pipe closed by its reader ends the run quietly.
 */
import { describe, it, expect, afterAll } from 'vitest';
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { ROOT, removeDir, tempDir } from './helpers/repo.js';
import { HELP_DEFAULTS } from '../src/cli/options.js';
import { DEFAULT_MAX_FILE_BYTES } from '../src/workspace/workspace.js';
import { BASELINE_FILE } from '../src/engine/baseline.js';
import { DEFAULT_BRANCH_NAME, DEFAULT_BRANCH_PREFIX, DEFAULT_MAX_OPEN_PRS } from '../src/bot/pr.js';
import { DEFAULT_SHARD_SIZE } from '../src/campaign/plan.js';
import { DEFAULT_CONCURRENCY } from '../src/campaign/run.js';
import { RULES } from '../src/rules/registry.js';
import { distStamp, ruleCatalogue } from '../src/cli/catalogue.js';

const BIN = path.join(ROOT, 'bin', 'autopack-fix.js');
const CATALOGUE = path.join(ROOT, 'dist', 'rule-catalogue.json');
const BUNDLE_INPUTS = 'dist/bundle/cli/inputs.json';
const cleanup: string[] = [];
afterAll(() => cleanup.forEach(removeDir));

/**
 * The modules `node bin/autopack-fix.js ...args` loads (file URLs, relative to the package root):
 * `files` as loaded, `modules` with each file of the CLI's bundle read as what it holds.
 */
function loadedBy(args: string[]): { status: number | null; stdout: string; modules: string[]; files: string[] } {
  const dir = tempDir('apf-load-');
  cleanup.push(dir);
  const log = path.join(dir, 'loaded.txt');
  writeFileSync(log, '');
  writeFileSync(
    path.join(dir, 'hooks.mjs'),
    `import { appendFileSync } from 'node:fs';\nexport async function load(url, context, next) {\n  if (url.startsWith('file:')) appendFileSync(process.env.APF_LOAD_LOG, url + '\\n');\n  return next(url, context);\n}\n`,
  );
  writeFileSync(path.join(dir, 'register.mjs'), `import { register } from 'node:module';\nregister('./hooks.mjs', import.meta.url);\n`);
  const r = spawnSync(process.execPath, ['--import', pathToFileURL(path.join(dir, 'register.mjs')).href, BIN, ...args], {
    env: { ...process.env, APF_LOAD_LOG: log, NO_COLOR: '1' },
    encoding: 'utf8',
  });
  const root = `${pathToFileURL(ROOT).href}/`;
  const modules = readFileSync(log, 'utf8')
    .split('\n')
    .filter(Boolean)
    // node_modules may be a link to another checkout's: name packages by what follows it.
    .map((u) => (u.includes('/node_modules/') ? `node_modules/${u.split('/node_modules/').pop()}` : u.startsWith(root) ? u.slice(root.length) : u))
  return { status: r.status, stdout: r.stdout, modules: modules.flatMap(unbundled), files: modules };
}

/** A module of the CLI's bundle (scripts/bundle-cli.mjs) as the compiled modules and package files it holds; any other as itself. */
function unbundled(module: string): string[] {
  const m = /^dist\/bundle\/cli\/([^/]+\.js)$/.exec(module);
  if (!m) return [module];
  const held = (JSON.parse(readFileSync(path.join(ROOT, BUNDLE_INPUTS), 'utf8')) as Record<string, string[]>)[m[1] as string];
  if (!held) throw new Error(`${module} is not in ${BUNDLE_INPUTS}`);
  return held.map((p) => (p.includes('node_modules/') ? `node_modules/${p.split('node_modules/').pop()}` : p));
}

const packagesOf = (modules: string[]): string[] => [...new Set(modules.filter((m) => m.startsWith('node_modules/')).map((m) => m.split('/')[1] as string))].sort();

describe('--help and --version load only the command line', () => {
  it.each(['--help', '--version', 'help pr', 'pr --help'])('%s', (command) => {
    const run = loadedBy(command.split(' '));
    expect(run.status).toBe(0);
    expect(run.stdout.length).toBeGreaterThan(0);
    expect(packagesOf(run.modules)).toEqual(['commander']);
    const own = run.modules.filter((m) => m.startsWith('dist/') || m.startsWith('bin/'));
    // util/concurrency.js: the spelling of --concurrency, shared with the bot; it imports nothing.
    expect(own.filter((m) => !/^(bin\/autopack-fix\.js|dist\/src\/cli\/(main|options)\.js|dist\/src\/util\/(package-root|concurrency)\.js|dist\/src\/report\/escape\.js)$/.test(m))).toEqual([]);
  });

  it('a command still loads what it needs (the hook sees the engine when it runs)', () => {
    const dir = tempDir('apf-empty-');
    try {
      const run = loadedBy(['--root', dir, '--format', 'json']);
      expect(run.status).toBe(0);
      expect(run.modules).toContain('dist/src/rules/registry.js');
    } finally {
      removeDir(dir);
    }
  });

  it('the defaults the help names equal the values the run uses', () => {
    expect(HELP_DEFAULTS).toEqual({
      maxFileBytes: DEFAULT_MAX_FILE_BYTES,
      baselineFile: BASELINE_FILE,
      branchPrefix: DEFAULT_BRANCH_PREFIX,
      branchName: DEFAULT_BRANCH_NAME,
      maxOpenPrs: DEFAULT_MAX_OPEN_PRS,
      shardSize: DEFAULT_SHARD_SIZE,
      concurrency: DEFAULT_CONCURRENCY,
    });
  });
});

describe('list-rules and explain read the catalogue the build wrote: no rule, no parser', () => {
  it.each(['list-rules', 'list-rules --format json', 'explain protected-path-missing', 'explain no-such-rule'])('%s', (command) => {
    expect(existsSync(CATALOGUE), `${CATALOGUE} is missing: run npm run build`).toBe(true);
    const run = loadedBy(command.split(' '));
    expect(run.status).toBe(command.includes('no-such') ? 2 : 0);
    expect(packagesOf(run.modules)).toEqual(['commander']);
    expect(run.modules.filter((m) => m.startsWith('dist/codemods/') || m === 'dist/src/rules/registry.js')).toEqual([]);
  });

  it('the catalogue holds what the registry says (the build made it from the modules in dist/)', () => {
    const catalogue = JSON.parse(readFileSync(CATALOGUE, 'utf8')) as { rules: unknown[] };
    expect(catalogue.rules).toEqual(RULES.map((r) => ({ id: r.meta.id, summary: r.meta.summary, fixable: r.meta.fixable, defaultSeverity: r.meta.defaultSeverity, seedIds: r.meta.seedIds, enabledByDefault: r.meta.defaultEnabled !== false })));
    expect((catalogue.rules as Array<{ id: string; enabledByDefault: boolean }>).find((r) => r.id === 'todo-inventory')?.enabledByDefault).toBe(false);
  });

  it("the catalogue's stamp moves with the registry and with each rule's index, and never matches without the registry", () => {
    const dist = tempDir('apf-stamp-');
    cleanup.push(dist);
    const at = (rel: string, seconds: number): void => {
      mkdirSync(path.dirname(path.join(dist, rel)), { recursive: true });
      writeFileSync(path.join(dist, rel), '');
      utimesSync(path.join(dist, rel), seconds, seconds);
    };
    at('src/rules/registry.js', 1000);
    at('codemods/a-rule/index.js', 1000);
    at('codemods/a-rule/detect.js', 3000);
    const ids = ['a-rule', 'unused-suppression'];
    expect(distStamp(ids, dist)).toBe(1_000_000);
    at('codemods/a-rule/index.js', 2000);
    expect(distStamp(ids, dist)).toBe(2_000_000);
    at('src/rules/registry.js', 2500);
    expect(distStamp(ids, dist)).toBe(2_500_000);
    expect(distStamp(['../../elsewhere', ...ids], dist)).toBe(2_500_000);
    rmSync(path.join(dist, 'src/rules/registry.js'));
    expect(distStamp(ids, dist)).toBeGreaterThan(Date.now() - 60_000);
  });

  it('from source (no catalogue beside it) the registry is read', async () => {
    expect((await ruleCatalogue()).map((r) => r.id)).toEqual(RULES.map((r) => r.meta.id));
  });
});

describe('the bin shim runs the bundle of the compiled code only when it is not older than that code', () => {
  it('a built bundle is what runs, and no compiled module is loaded beside it', () => {
    const bundle = path.join(ROOT, 'dist', 'bundle', 'cli', 'main.js');
    if (!existsSync(bundle) || statSync(bundle).mtimeMs < statSync(path.join(ROOT, 'dist', 'src', 'cli', 'main.js')).mtimeMs) return; // not built (or tsc ran since): the case below covers the choice
    const run = loadedBy(['--help']);
    expect(run.files).toContain('dist/bundle/cli/main.js');
    expect(run.files.filter((m) => m.startsWith('dist/src/') || m.startsWith('dist/codemods/'))).toEqual([]);
  });

  it.each([
    ['bundle built after the compiled code', 2000, 1000, 'bundle'],
    ['built in the same instant', 1000, 1000, 'bundle'],
    ['tsc ran after the bundle was built', 1000, 2000, 'compiled'],
    ['no bundle', undefined, 1000, 'compiled'],
  ] as const)('%s', (_name, bundleAt, compiledAt, expected) => {
    const dir = tempDir('apf-shim-');
    cleanup.push(dir);
    mkdirSync(path.join(dir, 'bin'));
    copyFileSync(BIN, path.join(dir, 'bin', 'autopack-fix.js'));
    writeFileSync(path.join(dir, 'package.json'), '{"type":"module"}\n');
    const entries = { compiled: ['dist', 'src', 'cli'], bundle: ['dist', 'bundle', 'cli'] };
    for (const [which, at] of [['compiled', compiledAt], ['bundle', bundleAt]] as const) {
      if (at === undefined) continue;
      const file = path.join(dir, ...entries[which], 'main.js');
      mkdirSync(path.dirname(file), { recursive: true });
      writeFileSync(file, `export async function runProgram() { process.stdout.write('${which}'); }\n`);
      utimesSync(file, at, at);
    }
    const r = spawnSync(process.execPath, [path.join(dir, 'bin', 'autopack-fix.js')], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe(expected);
  });
});

describe('a reader that closes the pipe early (`| head`)', () => {
  it('ends the run quietly with 141, as SIGPIPE would, instead of a stack trace', () => {
    // A real pipeline whose reader is gone before the CLI writes (`true` reads nothing and exits).
    const r = spawnSync('bash', ['-c', 'set -o pipefail; "$0" "$1" list-rules | true; echo $?', process.execPath, BIN], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toBe('141');
  });
});
