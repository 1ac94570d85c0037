import { describe, it, expect, afterAll } from 'vitest';
import { mkdirSync, writeFileSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Ajv } from 'ajv';
import { ROOT, tempDir, removeDir } from './helpers/repo.js';
import { RULES } from '../src/rules/registry.js';
import { UNUSED_SUPPRESSION_ID } from '../src/engine/suppressions.js';
import { ConfigError, acceptedSafety, allOf, loadConfig, pathMatcher, resolveConfig, searchTop } from '../src/config/index.js';
import type { Finding } from '../src/model/types.js';

const registry = RULES;
const cleanup: string[] = [];
afterAll(() => cleanup.forEach(removeDir));

function tree(files: Record<string, string>): string {
  const dir = tempDir('apf-config-');
  cleanup.push(dir);
  for (const [p, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, p)), { recursive: true });
    writeFileSync(path.join(dir, p), text);
  }
  return dir;
}

function errorOf(fn: () => unknown): { message: string; pointer?: string; line?: number; column?: number } {
  try {
    fn();
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    return { message: e.message, pointer: e.pointer, line: e.line, column: e.column };
  }
  throw new Error('no ConfigError');
}

describe('the shipped schema', () => {
  const schema = JSON.parse(readFileSync(path.join(ROOT, 'schemas', 'config.schema.json'), 'utf8')) as { properties: { rules: { properties: Record<string, unknown> } } };
  it('is valid draft-07 under Ajv strict mode', () => {
    expect(() => new Ajv({ strict: true }).compile(schema)).not.toThrow();
  });
  it('declares exactly the registered rules (unused-suppression included)', () => {
    expect(RULES.map((r) => r.meta.id)).toContain(UNUSED_SUPPRESSION_ID);
    expect(Object.keys(schema.properties.rules.properties).sort()).toEqual(RULES.map((r) => r.meta.id).sort());
  });
});

describe('finding the config', () => {
  it('searches from the root up to the git top-level, not beyond', () => {
    const dir = tree({ 'autopack-fix.config.json': '{"preset":"strict"}', 'repo/.git/HEAD': 'ref: x\n', 'repo/sub/pkg/x.txt': '', 'repo/autopack-fix.config.yml': 'safety: review\n' });
    expect(searchTop(path.join(dir, 'repo', 'sub', 'pkg'))).toBe(path.join(dir, 'repo'));
    const c = loadConfig({ root: path.join(dir, 'repo', 'sub', 'pkg'), registry });
    expect([c.source, c.safety, c.preset]).toEqual([path.join(dir, 'repo', 'autopack-fix.config.yml'), 'review', 'recommended']);
    // No config inside the repository: the one above it is not used.
    const bare = tree({ 'autopack-fix.config.json': '{"preset":"strict"}', 'repo/.git': 'gitdir: /elsewhere\n', 'repo/a.txt': '' });
    expect(loadConfig({ root: path.join(bare, 'repo'), registry }).source).toBeUndefined();
  });

  it('reads the "autopack-fix" key of package.json, and refuses two configs in one folder', () => {
    const dir = tree({ '.git/HEAD': '', 'package.json': '{"name":"x","autopack-fix":{"exclude":["vendor"]}}' });
    expect(loadConfig({ root: dir, registry }).exclude).toEqual(['vendor']);
    const two = tree({ '.git/HEAD': '', 'package.json': '{"autopack-fix":{}}', 'autopack-fix.config.yaml': 'preset: strict\n' });
    expect(errorOf(() => loadConfig({ root: two, registry })).message).toBe(`${two}: more than one configuration here: autopack-fix.config.yaml, package.json ("autopack-fix" key); keep one`);
    const plain = tree({ '.git/HEAD': '', 'package.json': '{"name":"x"}' });
    expect(loadConfig({ root: plain, registry }).source).toBeUndefined();
  });

  it('--config PATH is used as given, and a missing one is an error', () => {
    const dir = tree({ '.git/HEAD': '', 'ci/apf.yml': 'preset: strict\n' });
    expect(loadConfig({ root: dir, registry, configPath: path.join(dir, 'ci/apf.yml') }).preset).toBe('strict');
    expect(errorOf(() => loadConfig({ root: dir, registry, configPath: path.join(dir, 'nope.json') })).message).toBe(`${path.join(dir, 'nope.json')}: no such file`);
  });
});

describe('validation errors carry the pointer and line:column', () => {
  const load = (name: string, text: string): ReturnType<typeof errorOf> => {
    const dir = tree({ '.git/HEAD': '', [name]: text });
    return errorOf(() => loadConfig({ root: dir, registry, configPath: path.join(dir, name) }));
  };
  it('an unknown rule in YAML', () => {
    const e = load('c.yml', 'preset: strict\nrules:\n  compose-unknown-service:\n    severity: warning\n  no-such-rule:\n    enabled: false\n');
    expect([e.pointer, e.line, e.column]).toEqual(['/rules/no-such-rule', 5, 3]);
    expect(e.message.endsWith('c.yml:5:3: /rules/no-such-rule: unknown rule "no-such-rule" (see `autopack-fix list-rules`)')).toBe(true);
  });
  it('an unknown option of a rule in JSON (with comments)', () => {
    const e = load('c.json', '{\n  // options\n  "rules": {\n    "dockerfile-copy-outdir": { "options": { "prefer": "auto", "preferr": 1 } }\n  }\n}\n');
    expect([e.pointer, e.line, e.column]).toEqual(['/rules/dockerfile-copy-outdir/options/preferr', 4, 64]);
    expect(e.message.endsWith('unknown key "preferr" (did you mean prefer?) (expected one of: prefer, outputDirNames, ignoredSegments, ignoreUsesIn, packageManagers)')).toBe(true);
  });
  it('a mistyped rule id: the message names the rule it most likely means', () => {
    const e = load('c.yml', 'rules:\n  compose-unknwon-service:\n    enabled: false\n');
    expect([e.pointer, e.line, e.column]).toEqual(['/rules/compose-unknwon-service', 2, 3]);
    expect(e.message.endsWith('/rules/compose-unknwon-service: unknown rule "compose-unknwon-service" (did you mean compose-unknown-service?) (see `autopack-fix list-rules`)')).toBe(true);
  });
  it('a bad enum value, a wrong type, options for a rule without options', () => {
    const e1 = load('c.yaml', 'rules:\n  dockerfile-copy-outdir:\n    options:\n      prefer: docker\n');
    expect([e1.pointer, e1.line, e1.column]).toEqual(['/rules/dockerfile-copy-outdir/options/prefer', 4, 15]);
    expect(e1.message.endsWith('must be one of "auto", "bundler", "dockerfile", not "docker"')).toBe(true);
    const e2 = load('c.yaml', 'exclude: vendor\n');
    expect([e2.pointer, e2.line, e2.column]).toEqual(['/exclude', 1, 10]);
    expect(e2.message.endsWith('/exclude: must be array, not string "vendor"')).toBe(true);
    const e3 = load('c.yaml', 'rules:\n  compose-unknown-service:\n    options: { x: 1 }\n');
    expect(e3.message.endsWith('/rules/compose-unknown-service/options/x: unknown key "x" (this takes no keys)')).toBe(true);
    expect([e3.line, e3.column]).toEqual([3, 16]);
  });
  it('options are checked against the schemas in the rules\' metas', () => {
    const e1 = load('c.yml', 'rules:\n  nginx-body-size-limit:\n    options:\n      size: 10 MB\n');
    expect([e1.pointer, e1.line, e1.column]).toEqual(['/rules/nginx-body-size-limit/options/size', 4, 13]);
    expect(e1.message.endsWith('c.yml:4:13: /rules/nginx-body-size-limit/options/size: must match pattern "^[0-9]+[kKmMgG]?$"')).toBe(true);
    const e2 = load('c.yml', 'rules:\n  env-example-missing:\n    options:\n      toolingGlob: [".github/**"]\n');
    expect(e2.message).toContain('unknown key "toolingGlob" (did you mean toolingGlobs?)');
    const dir = tree({ '.git/HEAD': '', 'c.yml': 'rules:\n  env-example-missing:\n    options:\n      toolingGlobs: [".github/**"]\n' });
    expect(loadConfig({ root: dir, registry, configPath: path.join(dir, 'c.yml') }).ruleOptions['env-example-missing']).toEqual({ toolingGlobs: ['.github/**'] });
  });
  it('a syntax error, and a document that is not an object', () => {
    const e1 = load('c.yml', 'rules:\n  a: [\n');
    expect([e1.pointer, e1.line]).toEqual([undefined, 3]);
    const e2 = load('c.json', '{"rules": }');
    expect([e2.line, e2.column]).toEqual([1, 11]);
    expect(e2.message.endsWith('c.json:1:11: not valid JSON: ValueExpected')).toBe(true);
    const e3 = load('c.yml', '- a\n');
    expect(e3.message.endsWith('the configuration must be an object (key: value pairs)')).toBe(true);
  });
});

describe('resolution', () => {
  const finding = (file: string): Finding => ({ ruleId: 'x', seedIds: [], severity: 'error', file, line: 1, column: 1, message: '', key: '', fix: null });

  it('defaults: every rule but the opt-in ones, own severities, safe fixes, no filters', () => {
    const c = resolveConfig({}, { registry });
    const onByDefault = registry.filter((r) => r.meta.defaultEnabled !== false);
    expect(c.rules.map((r) => r.meta.id)).toEqual(onByDefault.map((r) => r.meta.id));
    expect(c.rules.every((r, i) => r === onByDefault[i])).toBe(true);
    expect([c.preset, c.safety, c.severityOverrides]).toEqual(['recommended', 'safe', {}]);
    expect([...acceptedSafety(c, false)]).toEqual(['safe']);
    expect([...acceptedSafety(c, true)]).toEqual(['safe', 'review']);
  });

  it('an opt-in rule runs only when the configuration enables it or --rule names it', () => {
    const ids = (c: { rules: Array<{ meta: { id: string } }> }): string[] => c.rules.map((r) => r.meta.id);
    expect(registry.find((r) => r.meta.id === 'todo-inventory')?.meta.defaultEnabled).toBe(false);
    expect(ids(resolveConfig({}, { registry }))).not.toContain('todo-inventory');
    expect(ids(resolveConfig({ rules: { 'todo-inventory': { enabled: true } } }, { registry }))).toContain('todo-inventory');
    expect(ids(resolveConfig({}, { registry, only: ['todo-inventory'] }))).toEqual(['todo-inventory']);
    expect(ids(resolveConfig({ rules: { 'todo-inventory': { enabled: true } } }, { registry, ignore: ['todo-inventory'] }))).not.toContain('todo-inventory');
  });

  it('rules off, severity overrides (wrapping the rule), docs options shared, own options win', async () => {
    const c = resolveConfig(
      {
        docs: { ledgerGlobs: ['**/OLD*'], maxDocBytes: 10 },
        rules: { 'compose-unknown-service': { enabled: false }, 'docs-port-drift': { severity: 'error', options: { maxDocBytes: 20 } }, 'dockerfile-copy-outdir': { options: { prefer: 'dockerfile' } } },
      },
      { registry },
    );
    expect(c.rules.map((r) => r.meta.id)).toEqual(registry.filter((r) => r.meta.defaultEnabled !== false).map((r) => r.meta.id).filter((id) => id !== 'compose-unknown-service'));
    expect(c.severityOverrides).toEqual({ 'docs-port-drift': 'error' });
    expect(c.rules.find((r) => r.meta.id === 'docs-port-drift')?.meta.defaultSeverity).toBe('error');
    expect(c.ruleOptions['docs-port-drift']).toEqual({ ledgerGlobs: ['**/OLD*'], maxDocBytes: 20 });
    expect(c.ruleOptions['docs-dead-reference']).toEqual({ ledgerGlobs: ['**/OLD*'], maxDocBytes: 10 });
    expect(c.ruleOptions['dockerfile-copy-outdir']).toEqual({ prefer: 'dockerfile' });
    expect(c.ruleOptions['dependabot-coverage']).toEqual({});
    const wrapped = c.rules.find((r) => r.meta.id === 'docs-port-drift')!;
    const fake = { meta: { ...wrapped.meta }, check: async () => [{ file: 'a', offset: 0, message: 'm', key: 'k', severity: 'info' as const }] };
    const { withSeverity } = await import('../src/config/index.js');
    expect(await withSeverity(fake, 'error').check({} as never)).toEqual([{ file: 'a', offset: 0, message: 'm', key: 'k', severity: 'error' }]);
    // Still the same rule for the parse workers: it reads the same docs.
    const original = RULES.find((r) => r.meta.id === 'docs-port-drift')!;
    expect(original.docsReadAhead).toBeDefined();
    expect(wrapped.docsReadAhead).toBe(original.docsReadAhead);
  });

  it('strict raises every severity to error; --rule picks exactly its rules even when the config turns them off', () => {
    const c = resolveConfig({ preset: 'strict', rules: { 'docs-port-drift': { enabled: false, severity: 'info' } } }, { registry, only: ['docs-port-drift'] });
    expect(c.rules.map((r) => [r.meta.id, r.meta.defaultSeverity])).toEqual([['docs-port-drift', 'info']]);
    const s = resolveConfig({ preset: 'strict' }, { registry });
    expect(Object.keys(s.severityOverrides).sort()).toEqual(registry.filter((r) => r.meta.defaultSeverity !== 'error').map((r) => r.meta.id).sort());
    expect(s.rules.every((r) => r.meta.defaultSeverity === 'error')).toBe(true);
    expect(errorOf(() => resolveConfig({}, { registry, only: ['nope'] })).message).toBe('unknown rule: nope (see `autopack-fix list-rules`)');
  });

  it('--ignore leaves out its rules, also those --select names; a mistyped id in either says what it may mean', () => {
    const ids = (c: { rules: Array<{ meta: { id: string } }> }): string[] => c.rules.map((r) => r.meta.id);
    const all = ids(resolveConfig({}, { registry }));
    expect(ids(resolveConfig({}, { registry, ignore: ['docs-port-drift', 'nginx-body-size-limit'] }))).toEqual(all.filter((id) => id !== 'docs-port-drift' && id !== 'nginx-body-size-limit'));
    expect(ids(resolveConfig({}, { registry, only: ['docs-port-drift', 'docs-dead-reference'], ignore: ['docs-port-drift'] }))).toEqual(['docs-dead-reference']);
    expect(errorOf(() => resolveConfig({}, { registry, only: ['docs-port-drfit'], ignore: ['unknown-service', 'zzz'] })).message).toBe(
      'unknown rules: docs-port-drfit (did you mean docs-port-drift?), unknown-service (did you mean compose-unknown-service?), zzz (see `autopack-fix list-rules`)',
    );
  });

  it('include/exclude: folder names anywhere, globs from the root, folders cover their contents', () => {
    const m = pathMatcher(['services/**', 'README.md'], ['vendor', 'services/legacy/*.yml']);
    expect(['services/a/compose.yml', 'services/legacy/old.yml', 'services/legacy/x/old.yml', 'services/vendor/a.yml', 'README.md', 'docs/README.md', 'other.yml'].map(m)).toEqual([true, false, true, false, true, true, false]);
    const c = resolveConfig({ exclude: ['docs/**'] }, { registry });
    expect([c.keep(finding('docs/a.md'), {} as never), c.keep(finding('README.md'), {} as never)]).toEqual([false, true]);
    const calls: string[] = [];
    const k = allOf((f) => (calls.push(`a:${f.file}`), f.file !== 'x'), undefined, (f) => (calls.push(`b:${f.file}`), true));
    expect([k(finding('x'), {} as never), k(finding('y'), {} as never)]).toEqual([false, true]);
    expect(calls).toEqual(['a:x', 'a:y', 'b:y']);
  });
});
