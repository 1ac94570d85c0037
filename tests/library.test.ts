/**
 * The library face: `import … from 'autopack-fix'` as a user gets it, from the built dist/ (as
 * the binary tests use it; `npm run build` first). The package's own name resolves through
 * package.json "exports" from inside the package, so the real entry point and its mapping are
 * what is tested.
 */
import { describe, it, expect, afterAll, beforeAll } from 'vitest';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ROOT, removeDir, repoFrom } from './helpers/repo.js';
import { RULES } from '../src/rules/registry.js';

const SEED = path.join(ROOT, 'fixtures', 'compose-unknown-service', 'seed-postgres-override');
const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { main: string; types: string; exports: Record<string, unknown> };
const cleanup: string[] = [];
afterAll(() => cleanup.forEach(removeDir));

type Api = typeof import('../src/index.js');
let api: Api;
beforeAll(async () => {
  api = (await import(path.join(ROOT, pkg.main))) as Api;
});

describe('package.json', () => {
  it('names entry points that the build produces', () => {
    for (const file of [pkg.main, pkg.types]) expect(existsSync(path.join(ROOT, file)), file).toBe(true);
    expect(pkg.exports['.']).toEqual({ types: `./${pkg.types}`, default: `./${pkg.main}` });
  });

  it("resolves 'autopack-fix' to the API in a plain Node process", () => {
    const script = "const api = await import('autopack-fix'); console.log(JSON.stringify({ rules: api.RULES.map((r) => r.meta.id), fns: ['runPipeline', 'createPipeline', 'writeChanges', 'run'].filter((k) => typeof api[k] === 'function') }));";
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: ROOT, encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout)).toEqual({ rules: RULES.map((r) => r.meta.id), fns: ['runPipeline', 'createPipeline', 'writeChanges', 'run'] });
  });
});

describe('runPipeline', () => {
  it('reports, and with fix: true returns the proven changes without writing them', async () => {
    const dir = repoFrom(path.join(SEED, 'input'));
    cleanup.push(dir);
    const before = readFileSync(path.join(dir, 'docker-compose.dev.yml'), 'utf8');
    const only = ['compose-unknown-service'];
    const report = await api.runPipeline({ root: dir, only });
    expect(report.result.findings.map((f) => [f.ruleId, f.file, f.line, f.fixStatus])).toEqual([['compose-unknown-service', 'docker-compose.dev.yml', 8, 'not-applied']]);
    expect(report.result.changes).toEqual([]);

    const fixed = await api.runPipeline({ root: dir, only, fix: true });
    expect(fixed.result.changes.map((c) => c.path)).toEqual(['docker-compose.dev.yml']);
    expect(readFileSync(path.join(dir, 'docker-compose.dev.yml'), 'utf8')).toBe(before);
    expect(api.writeChanges(fixed.workspace, fixed.result.changes).errors).toEqual([]);
    expect(readFileSync(path.join(dir, 'docker-compose.dev.yml'), 'utf8')).toBe(readFileSync(path.join(SEED, 'expected', 'docker-compose.dev.yml'), 'utf8'));
  });

  it('goes through the configuration like the CLI', async () => {
    const dir = repoFrom(path.join(SEED, 'input'));
    cleanup.push(dir);
    writeFileSync(path.join(dir, 'autopack-fix.config.json'), '{ "rules": { "compose-unknown-service": { "enabled": false } } }\n');
    const { pipeline, result } = await api.runPipeline({ root: dir, fix: true });
    expect(pipeline.config.source).toBe(path.join(dir, 'autopack-fix.config.json'));
    expect(pipeline.rules.map((r) => r.meta.id)).not.toContain('compose-unknown-service');
    expect(result.findings.map((f) => f.ruleId)).toEqual(['dependabot-coverage']);
    // --rule overrides the config, as on the command line.
    const only = await api.runPipeline({ root: dir, only: ['compose-unknown-service'] });
    expect(only.result.findings.map((f) => f.ruleId)).toEqual(['compose-unknown-service']);
    await expect(api.runPipeline({ root: dir, only: ['no-such-rule'] })).rejects.toBeInstanceOf(api.ConfigError);
  });
});
