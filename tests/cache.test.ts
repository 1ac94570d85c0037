/**
 * The persistent cache (src/cache/pass-cache.ts) changes no finding: every golden input with a
 * Python module or a Markdown doc, and the demo, is run with every rule without a cache, then cold and warm with
 * one; the findings (fixes included) and diagnostics must be byte-identical, and the warm run
 * must parse nothing. Then the CLI: the cache folder, git ignoring it, a changed file read
 * again, a corrupt or foreign cache ignored with a note, and --no-cache.
 */
import { describe, it, expect, afterAll } from 'vitest';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { removeDir, gitIn } from './helpers/repo.js';
import { FIXTURES, caseRepository, goldenCases } from './helpers/golden-cases.js';
import { runCli } from './helpers/cli.js';
import { Workspace } from '../src/workspace/workspace.js';
import { detect } from '../src/engine/run.js';
import { RULES } from '../src/rules/registry.js';
import { setParseStore } from '../src/formats/store.js';
import { CACHE_FILE, PassCache } from '../src/cache/pass-cache.js';
import type { Diagnostic } from '../src/model/types.js';
import { SourceFile } from '../src/workspace/source-file.js';

const cleanup: string[] = [];
afterAll(() => cleanup.forEach(removeDir));

function tempDir(prefix: string): string {
  const d = mkdtempSync(path.join(os.tmpdir(), prefix));
  cleanup.push(d);
  return d;
}

async function detectAll(repo: string, ruleOptions: Record<string, Record<string, unknown>>, cache?: PassCache): Promise<string> {
  const ws = await Workspace.open(repo);
  const diagnostics: Diagnostic[] = [];
  setParseStore(cache);
  try {
    const findings = await detect(ws, RULES, ruleOptions, diagnostics);
    return JSON.stringify({ findings, diagnostics }, null, 1);
  } finally {
    setParseStore(undefined);
  }
}

function hasCachedKinds(dir: string): boolean {
  return (readdirSync(dir, { recursive: true }) as string[]).some((p) => /\.(py|md|mdx|markdown)$/i.test(p));
}

describe('the cache changes no finding', () => {
  const cases = goldenCases(hasCachedKinds);

  it('every golden input with Python or Markdown and the demo: identical without a cache, cold and warm; the warm run parses nothing', async () => {
    expect(cases.length).toBeGreaterThan(100);
    const differ: string[] = [];
    let hits = 0;
    for (const { rule, dir } of cases) {
      const { repo, ruleOptions } = caseRepository({ rule, dir });
      cleanup.push(repo);
      const location = tempDir('apf-cache-');
      const none = await detectAll(repo, ruleOptions);
      const cold = PassCache.open(location, 'test stamp').cache;
      const coldOut = await detectAll(repo, ruleOptions, cold);
      expect(cold.save()).toBeUndefined();
      const warm = PassCache.open(location, 'test stamp');
      expect(warm.note).toBeUndefined();
      const warmOut = await detectAll(repo, ruleOptions, warm.cache);
      if (none !== coldOut || none !== warmOut) differ.push(path.relative(FIXTURES, dir));
      if (warm.cache.misses !== 0) differ.push(`${path.relative(FIXTURES, dir)}: ${warm.cache.misses} misses on the warm run`);
      hits += warm.cache.hits;
    }
    expect(differ).toEqual([]);
    expect(hits).toBeGreaterThan(cases.length);
  }, 1_200_000);
});

describe('the cache from the CLI', () => {
  const PY = { 'app/guard.py': 'PROTECTED_PATHS = ["app/guard.py", "config/gone.yaml"]\n', 'app/__init__.py': '' };

  function repoWith(files: Record<string, string>): string {
    const dir = tempDir('apf-cache-repo-');
    for (const [p, text] of Object.entries(files)) {
      const abs = path.join(dir, p);
      mkdirSync(path.dirname(abs), { recursive: true });
      writeFileSync(abs, text);
    }
    gitIn(dir, ['init', '-q', '-b', 'main']);
    gitIn(dir, ['add', '-A']);
    gitIn(dir, ['-c', 'user.email=t@t', '-c', 'user.name=t', 'commit', '-q', '-m', 'init']);
    return dir;
  }

  it('by default writes nothing in the repository: a folder per root under AUTOPACK_FIX_CACHE_DIR; the same report warm; a changed file is read again', async () => {
    const repo = repoWith(PY);
    const home = tempDir('apf-cache-home-');
    const env = { AUTOPACK_FIX_CACHE_DIR: home };
    const first = await runCli([repo, '--format', 'json', '--exit-zero'], { env });
    expect(readdirSync(repo).sort()).toEqual(['.git', 'app']);
    expect(gitIn(repo, ['status', '--porcelain', '--ignored'])).toBe('');
    const folders = readdirSync(home);
    expect(folders).toHaveLength(1);
    expect(existsSync(path.join(home, folders[0] as string, CACHE_FILE))).toBe(true);
    const second = await runCli([repo, '--format', 'json', '--exit-zero'], { env });
    const strip = (s: string): string => JSON.stringify({ ...(JSON.parse(s) as Record<string, unknown>), timing: undefined });
    expect(strip(second.stdout)).toBe(strip(first.stdout));
    expect(second.stderr).toBe(first.stderr);
    expect(first.stdout).toContain('config/gone.yaml');
    writeFileSync(path.join(repo, 'app/guard.py'), 'PROTECTED_PATHS = ["app/guard.py", "config/other.yaml"]\n');
    const third = await runCli([repo, '--format', 'json', '--exit-zero'], { env });
    expect(third.stdout).toContain('config/other.yaml');
    expect(third.stdout).not.toContain('config/gone.yaml');
  });

  it('--cache-location inside the repository: git ignores the folder (its own .gitignore)', async () => {
    const repo = repoWith(PY);
    await runCli([repo, '--format', 'json', '--exit-zero', '--cache-location', path.join(repo, '.autopack-fix-cache')]);
    expect(existsSync(path.join(repo, '.autopack-fix-cache', CACHE_FILE))).toBe(true);
    expect(gitIn(repo, ['status', '--porcelain'])).toBe('');
  });

  it('a corrupt cache is not used: one note, the same report, and it is rebuilt', async () => {
    const repo = repoWith(PY);
    const clean = await runCli([repo, '--format', 'json', '--exit-zero', '--no-cache']);
    expect(existsSync(path.join(repo, '.autopack-fix-cache'))).toBe(false);
    const location = tempDir('apf-cache-loc-');
    writeFileSync(path.join(location, CACHE_FILE), 'not a cache at all');
    const r = await runCli([repo, '--format', 'json', '--exit-zero', '--cache-location', location]);
    expect(r.stderr).toMatch(/the cache .* is corrupt .*: not used, and rebuilt/);
    const strip = (s: string): string => JSON.stringify({ ...(JSON.parse(s) as Record<string, unknown>), timing: undefined });
    expect(strip(r.stdout)).toBe(strip(clean.stdout));
    expect(PassCache.open(location).note).toBeUndefined();
  });

  it('a cache of another build is not used', () => {
    const location = tempDir('apf-cache-foreign-');
    const c = PassCache.open(location, 'build A').cache;
    c.put(new SourceFile('a.py', 'x = 1\n', false), 'test', { n: 1 });
    expect(c.save()).toBeUndefined();
    expect(PassCache.open(location, 'build A').cache.get(new SourceFile('a.py', 'x = 1\n', false), 'test')).toEqual({ value: { n: 1 } });
    const other = PassCache.open(location, 'build B');
    expect(other.note).toMatch(/made by another build of autopack-fix: not used/);
    expect(other.cache.get(new SourceFile('a.py', 'x = 1\n', false), 'test')).toBeUndefined();
    // Not plain data (a class instance would lose its prototype): not stored.
    class Thing {}
    other.cache.put(new SourceFile('b.py', '', false), 'test', new Thing());
    expect(other.cache.get(new SourceFile('b.py', '', false), 'test')).toBeUndefined();
  });

  it('keeps a value as it was put, reads back only what is asked, and leaves no cache of the first format behind', () => {
    const location = tempDir('apf-cache-entries-');
    writeFileSync(path.join(location, 'parse-cache.v1.bin'), 'a cache of the first format');
    const file = new SourceFile('a.md', '# A\n', false);
    const c = PassCache.open(location, 'build A').cache;
    const value = { offsets: new Int32Array([1, 2, 3]), names: new Map([['x', new Set(['y'])]]), list: [1, 'two', null] };
    c.put(file, 'model', value);
    // What the caller does with its value after putting it is not stored.
    value.list.push('later');
    expect(c.get(file, 'model')).toEqual({ value: { offsets: new Int32Array([1, 2, 3]), names: new Map([['x', new Set(['y'])]]), list: [1, 'two', null] } });
    expect(c.save()).toBeUndefined();
    expect(readdirSync(location).filter((f) => f.startsWith('parse-cache'))).toEqual([CACHE_FILE]);
    const warm = PassCache.open(location, 'build A').cache;
    const first = warm.get(file, 'model');
    expect(first).toEqual(c.get(file, 'model'));
    expect(warm.get(new SourceFile('b.md', '# A\n', false), 'model')).toBeUndefined();
    expect([warm.hits, warm.misses]).toEqual([1, 1]);
  });

  it('writes each value to the next cache file as it is put and reads it back from there; a second save keeps the first one\'s; a killed run\'s file is removed', () => {
    const location = tempDir('apf-cache-spill-');
    // Left by runs that ended without saving: one whose pid no process can have (pid_max is at most
    // 2^22), one a day old. A recent one of a live pid (another container's run, sharing the
    // folder) is left alone.
    const put = (name: string, daysOld = 0): string => {
      writeFileSync(path.join(location, name), 'left by a run');
      const when = new Date(Date.now() - daysOld * 86_400_000);
      utimesSync(path.join(location, name), when, when);
      return name;
    };
    put(`${CACHE_FILE}.4194399.0badf00d.tmp`);
    put(`${CACHE_FILE}.${process.pid}.aaaaaaaa.tmp`, 2);
    const live = put(`${CACHE_FILE}.${process.pid}.bbbbbbbb.tmp`);
    const c = PassCache.open(location, 'build A').cache;
    const a = new SourceFile('a.py', 'x = 1\n', false);
    const long = { n: 'x'.repeat(1000) };
    c.put(a, 'test', long);
    const temporaries = readdirSync(location).filter((f) => f.endsWith('.tmp') && f !== live);
    expect(temporaries).toHaveLength(1);
    const temporary = temporaries[0] as string;
    expect(temporary).toMatch(new RegExp(`^parse-cache\\.v2\\.bin\\.${process.pid}\\.[0-9a-f]{8}\\.tmp$`));
    expect(readdirSync(location)).toContain(live);
    expect(c.get(a, 'test')).toEqual({ value: long });
    expect(readFileSync(path.join(location, temporary), 'latin1')).toContain('x'.repeat(1000));
    expect(c.save()).toBeUndefined();
    rmSync(path.join(location, live));
    expect(readdirSync(location).filter((f) => f.startsWith('parse-cache'))).toEqual([CACHE_FILE]);
    const b = new SourceFile('b.py', 'y = 2\n', false);
    c.put(b, 'test', { n: 2 });
    expect(c.get(a, 'test')).toEqual({ value: long });
    expect(c.save()).toBeUndefined();
    const warm = PassCache.open(location, 'build A').cache;
    expect([warm.get(a, 'test'), warm.get(b, 'test')]).toEqual([{ value: long }, { value: { n: 2 } }]);
    // Nothing new to keep (a value put again for what the file holds): no file written, none left
    // behind, and the file's value still answers.
    const again = PassCache.open(location, 'build A').cache;
    again.put(a, 'test', long);
    expect(readdirSync(location).filter((f) => f.endsWith('.tmp'))).toHaveLength(1);
    expect(again.save()).toBeUndefined();
    expect(readdirSync(location).filter((f) => f.startsWith('parse-cache'))).toEqual([CACHE_FILE]);
    expect(again.get(a, 'test')).toEqual({ value: long });
  });

  it('reads back values that cross the 1 MB parts the next file is written in, or are larger than one, in the run and after a save', () => {
    const location = tempDir('apf-cache-chunks-');
    const c = PassCache.open(location, 'build A').cache;
    // Sizes around a part's end (300 KB values end the first part inside the fourth) and one
    // value of 2.5 MB, between small ones, each of its own letters so that a misplaced byte shows.
    const sizes = [10, 300_000, 300_000, 300_000, 300_000, 7, 2_500_000, 3, 1_048_000, 300_000, 5];
    const files = sizes.map((n, i) => ({ file: new SourceFile(`f${i}.md`, `# ${i}\n`, false), value: { i, text: String.fromCharCode(97 + (i % 26)).repeat(n) } }));
    for (const { file, value } of files) c.put(file, 'model', value);
    for (const { file, value } of files) expect(c.get(file, 'model')).toEqual({ value });
    expect(c.save()).toBeUndefined();
    const warm = PassCache.open(location, 'build A').cache;
    for (const { file, value } of files) expect(warm.get(file, 'model')).toEqual({ value });
    expect(warm.misses).toBe(0);
  });

  it("keeps each text of a path (a fix's view) and each analysis apart, in the run and across saves", () => {
    const location = tempDir('apf-cache-texts-');
    const c = PassCache.open(location, 'build A').cache;
    const texts = ['x = 1\n', 'x = 2\n', 'x = 3\n'].map((text) => new SourceFile('a.py', text, false));
    for (const [i, f] of texts.entries()) {
      c.put(f, 'one', { i, analysis: 'one' });
      c.put(f, 'two', { i, analysis: 'two' });
    }
    // A value put again for a text the run holds is not replaced.
    c.put(texts[0] as SourceFile, 'one', { i: 99 });
    const all = (cache: PassCache): unknown[] => texts.flatMap((f) => ['one', 'two'].map((a) => cache.get(f, a)?.value));
    const expected = texts.flatMap((_, i) => ['one', 'two'].map((analysis) => ({ i, analysis })));
    expect(all(c)).toEqual(expected);
    expect(c.get(new SourceFile('b.py', 'x = 1\n', false), 'one')).toBeUndefined();
    expect(c.save()).toBeUndefined();
    expect(all(c)).toEqual(expected);
    const warm = PassCache.open(location, 'build A').cache;
    expect(all(warm)).toEqual(expected);
    expect([warm.hits, warm.misses]).toEqual([6, 0]);
    // Saved again with one more text: the file holds all four texts' values.
    warm.put(new SourceFile('a.py', 'x = 4\n', false), 'one', { i: 3, analysis: 'one' });
    expect(warm.save()).toBeUndefined();
    const later = PassCache.open(location, 'build A').cache;
    expect([...all(later), later.get(new SourceFile('a.py', 'x = 4\n', false), 'one')?.value]).toEqual([...expected, { i: 3, analysis: 'one' }]);
  });

  it('a truncated cache file is not used: one note, and it is rebuilt', () => {
    const location = tempDir('apf-cache-truncated-');
    const c = PassCache.open(location, 'build A').cache;
    c.put(new SourceFile('a.py', 'x = 1\n', false), 'test', { n: 'x'.repeat(100) });
    expect(c.save()).toBeUndefined();
    const bytes = readFileSync(path.join(location, CACHE_FILE));
    writeFileSync(path.join(location, CACHE_FILE), bytes.subarray(0, bytes.length - 10));
    const opened = PassCache.open(location, 'build A');
    expect(opened.note).toMatch(/is corrupt \(truncated at byte \d+\): not used, and rebuilt/);
    expect(opened.cache.cold).toBe(true);
  });
});
