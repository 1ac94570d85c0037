/**
 * The run memo (src/cache/run-memo.ts, src/cli/memo.ts): a second run on an unchanged tree
 * replays the first run's output byte for byte, and any change to what a run reads makes it run
 * again: a file's content (even with its mtime put back), a new untracked file, a configuration
 * above the root, an ignored baseline, a file git ignores in the root folder, a new commit, the
 * options, the working directory, the colour environment. Runs that write, ask the network or
 * run without the cache are never memoized, nor is a run whose output depended on a wall-clock
 * budget. A corrupt entry is not replayed. The stat index trusts a stat only when it is
 * unchanged and was settled when recorded.
 */
import { describe, it, expect } from 'vitest';
import { lstatSync, mkdirSync, readFileSync, readdirSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { gitIn, tempDirsRemovedAfterAll } from './helpers/repo.js';
import { runCli } from './helpers/cli.js';
import { lastMemoOutcome } from '../src/cli/memo.js';
import { main } from '../src/cli/main.js';
import { KEEP, RUN_MEMO_DIR, RunMemo, STAT_INDEX_FILE, StatIndex, fingerprintAfter, numberStat, runFingerprint, snapshotTree, type StatFields } from '../src/cache/run-memo.js';
import { contentDigest } from '../src/util/digest.js';

const tempDir = tempDirsRemovedAfterAll();

function write(dir: string, files: Record<string, string>): void {
  for (const [p, text] of Object.entries(files)) {
    const abs = path.join(dir, p);
    mkdirSync(path.dirname(abs), { recursive: true });
    writeFileSync(abs, text);
  }
}

/** A repository whose one compose override names a service the base file does not have. */
const FILES = {
  'docker-compose.yml': 'services:\n  db:\n    image: postgres:16\n',
  'docker-compose.override.yml': 'services:\n  postgres:\n    environment:\n      POSTGRES_PASSWORD: dev\n',
  'README.md': '# demo\n',
};

function repoWith(files: Record<string, string> = FILES): string {
  const dir = tempDir('apf-memo-repo-');
  write(dir, files);
  gitIn(dir, ['init', '-q', '-b', 'main']);
  gitIn(dir, ['add', '-A']);
  gitIn(dir, ['commit', '-q', '-m', 'init']);
  return dir;
}

describe('the run memo', () => {
  it('replays an unchanged run byte for byte (stdout, stderr, exit code), in every report format', async () => {
    const repo = repoWith();
    const env = { AUTOPACK_FIX_CACHE_DIR: tempDir('apf-memo-home-') };
    for (const format of ['text', 'json', 'sarif', 'concise', 'github', 'markdown']) {
      const first = await runCli([repo, '--format', format], { env });
      expect(lastMemoOutcome()).toBe('stored');
      expect(first.stdout).toContain('postgres');
      const second = await runCli([repo, '--format', format], { env });
      expect(lastMemoOutcome()).toBe('hit');
      expect(second).toEqual(first);
    }
    const dry = await runCli([repo, '--dry-run'], { env });
    expect(lastMemoOutcome()).toBe('stored');
    expect(await runCli([repo, '--dry-run'], { env })).toEqual(dry);
    expect(lastMemoOutcome()).toBe('hit');
  });

  it('runs again when a file changes, even with its modification time put back', async () => {
    const repo = repoWith();
    const env = { AUTOPACK_FIX_CACHE_DIR: tempDir('apf-memo-home-') };
    const before = await runCli([repo, '--format', 'json'], { env });
    expect(before.code).toBe(1);
    const file = path.join(repo, 'docker-compose.override.yml');
    const { atime, mtime } = statSync(file);
    // Same length, so only the content (and the ctime) tells.
    writeFileSync(file, 'services:\n  db      :\n    environment:\n      POSTGRES_PASSWORD: dev\n');
    utimesSync(file, atime, mtime);
    const after = await runCli([repo, '--format', 'json'], { env });
    expect(lastMemoOutcome()).toBe('stored');
    expect(after.stdout).not.toBe(before.stdout);
    expect(after.stdout).not.toContain('"postgres"');
  });

  it('through the stat index: settled files are vouched for by their stat, and an edit that keeps size and mtime is still seen', async () => {
    const repo = repoWith();
    const location = tempDir('apf-memo-loc-');
    // A whole second, so that putting it back after the edit restores it exactly.
    const then = new Date('2026-01-01T00:00:00Z');
    for (const p of Object.keys(FILES)) utimesSync(path.join(repo, p), then, then);
    // Older than the settle window (the ctime is now), so that the first run records every file.
    await new Promise((resolve) => setTimeout(resolve, 2_100));
    const before = await runCli([repo, '--format', 'json', '--cache-location', location]);
    expect(readdirSync(path.join(location, RUN_MEMO_DIR))).toContain(STAT_INDEX_FILE);
    expect(await runCli([repo, '--format', 'json', '--cache-location', location])).toEqual(before);
    expect(lastMemoOutcome()).toBe('hit');
    const file = path.join(repo, 'docker-compose.override.yml');
    const was = statSync(file, { bigint: true });
    writeFileSync(file, 'services:\n  db      :\n    environment:\n      POSTGRES_PASSWORD: dev\n');
    utimesSync(file, then, then);
    const now = statSync(file, { bigint: true });
    expect([now.size, now.mtimeNs, now.ino]).toEqual([was.size, was.mtimeNs, was.ino]);
    const after = await runCli([repo, '--format', 'json', '--cache-location', location]);
    expect(lastMemoOutcome()).toBe('stored');
    expect(after.stdout).not.toContain('"postgres"');
  });

  it('runs again for each input the run reads besides the listed files', async () => {
    const env = { AUTOPACK_FIX_CACHE_DIR: tempDir('apf-memo-home-') };
    const repo = repoWith({ ...FILES, '.gitignore': 'local.db\nautopack-fix-baseline.json\n', 'svc/docker-compose.yml': FILES['docker-compose.yml'], 'svc/docker-compose.override.yml': FILES['docker-compose.override.yml'] });
    const svc = path.join(repo, 'svc');
    const steps: Array<{ what: string; change: () => void; args?: string[]; options?: Parameters<typeof runCli>[1] }> = [
      { what: 'a new untracked file', change: () => write(repo, { 'notes.md': '# notes\n' }) },
      { what: 'a file git ignores in the root folder', change: () => write(repo, { 'local.db': 'SQLite format 3\0' }) },
      { what: 'a new commit, the tree unchanged', change: () => gitIn(repo, ['commit', '-q', '--allow-empty', '-m', 'empty']) },
      { what: 'another format', change: () => undefined, args: ['--format', 'concise'] },
      { what: 'another rule selection', change: () => undefined, args: ['--select', 'compose-unknown-service'] },
      { what: 'another working directory', change: () => undefined, options: { cwd: repo } },
      { what: 'colour forced', change: () => undefined, options: { env: { FORCE_COLOR: '1', NO_COLOR: undefined } } },
    ];
    await runCli([repo, '--format', 'json'], { env });
    for (const step of steps) {
      step.change();
      await runCli([repo, '--format', 'json', ...(step.args ?? [])], { ...step.options, env: { ...env, ...step.options?.env } });
      expect(`${step.what}: ${lastMemoOutcome()}`).toBe(`${step.what}: stored`);
      await runCli([repo, '--format', 'json', ...(step.args ?? [])], { ...step.options, env: { ...env, ...step.options?.env } });
      expect(`${step.what}, again: ${lastMemoOutcome()}`).toBe(`${step.what}, again: hit`);
    }
    // A configuration above the root (the root is a subfolder of the repository) turns the rule off.
    const inSvc = await runCli([svc, '--format', 'json'], { env });
    expect(inSvc.code).toBe(1);
    write(repo, { 'autopack-fix.config.json': '{ "rules": { "compose-unknown-service": { "enabled": false } } }\n' });
    const configured = await runCli([svc, '--format', 'json'], { env });
    expect(lastMemoOutcome()).toBe('stored');
    expect(configured.stdout).not.toContain('compose-unknown-service');
    // The baseline, ignored by git, hides what it records.
    const recorded = await runCli([repo, '--update-baseline'], { env });
    expect(recorded.code).toBe(0);
    expect(lastMemoOutcome()).toBe('off');
    const baselined = await runCli([repo, '--format', 'json', '--exit-zero'], { env });
    expect(lastMemoOutcome()).toBe('stored');
    expect((JSON.parse(baselined.stdout) as { findings: unknown[] }).findings).toHaveLength(0);
  });

  it('does not keep a run during which the tree changed (its output would be filed under the old contents)', async () => {
    const repo = repoWith();
    const location = tempDir('apf-memo-loc-');
    let edited = false;
    // The report is written after the engine read the tree and before the memo checks it again.
    const stdout = {
      isTTY: false,
      write: () => {
        if (!edited) writeFileSync(path.join(repo, 'README.md'), '# demo, edited while the run ran\n');
        edited = true;
        return true;
      },
    } as unknown as NodeJS.WriteStream;
    const stderr = { isTTY: false, write: () => true } as unknown as NodeJS.WriteStream;
    await main([repo, '--format', 'json', '--cache-location', location], { stdout, stderr, env: { ...process.env, NO_COLOR: '1' } });
    expect(edited).toBe(true);
    expect(lastMemoOutcome()).toBe('not stored');
    await runCli([repo, '--format', 'json', '--cache-location', location]);
    expect(lastMemoOutcome()).toBe('stored');
  });

  it('a first run stats the tree and takes each digest from its own read of the file; a change while a run runs is not kept, cold or warm', async () => {
    const repo = repoWith();
    const other = repoWith();
    // Older than the settle window, so that the stat vouches for every file.
    await new Promise((resolve) => setTimeout(resolve, 2_100));
    const abs = path.join(repo, 'README.md');
    const { size, mtimeMs, ctimeMs, ino, dev } = lstatSync(abs);
    expect(numberStat(lstatSync(abs, { bigint: true }))).toEqual({ size, mtimeMs, ctimeMs, ino, dev });
    const inputs = { root: repo, invocation: {}, extraFiles: [], maxFileBytes: 1 << 20 };
    const snapshot = await snapshotTree(inputs);
    expect(snapshot.fresh.size).toBe(0);
    const read = await runFingerprint(inputs);
    // A digest recorded as the run's read is taken on trust: a read would have given another key.
    const trusting = StatIndex.open(tempDir('apf-stat-'));
    trusting.recordRead('README.md', lstatSync(abs, { bigint: true }), contentDigest('not what the file says'), Date.now());
    expect(await fingerprintAfter(inputs, snapshot, trusting)).not.toBe(read);
    // Recorded from the file's own bytes, it is the key a later run's fingerprint makes.
    const honest = StatIndex.open(tempDir('apf-stat-'));
    honest.recordRead('README.md', lstatSync(abs, { bigint: true }), contentDigest(readFileSync(abs)), Date.now());
    expect(await fingerprintAfter(inputs, snapshot, honest)).toBe(read);
    writeFileSync(path.join(repo, 'docker-compose.yml'), 'services: {}\n');
    expect(await fingerprintAfter(inputs, snapshot, honest)).toBeUndefined();

    // Through the command: edited while a first run runs, then while a run with a warm index runs.
    const editing = (file: string): NodeJS.WriteStream => {
      let edited = false;
      return {
        isTTY: false,
        write: () => {
          if (!edited) writeFileSync(file, `# edited while the run ran, ${Date.now()}\n`);
          edited = true;
          return true;
        },
      } as unknown as NodeJS.WriteStream;
    };
    const io = (file: string) => ({ stdout: editing(file), stderr: { isTTY: false, write: () => true } as unknown as NodeJS.WriteStream, env: { ...process.env, NO_COLOR: '1' } });
    await main([other, '--format', 'json', '--cache-location', tempDir('apf-memo-loc-')], io(path.join(other, 'docker-compose.yml')));
    expect(lastMemoOutcome()).toBe('not stored');
    const location = tempDir('apf-memo-loc-');
    await runCli([other, '--format', 'json', '--cache-location', location]);
    expect(lastMemoOutcome()).toBe('stored');
    await main([other, '--format', 'concise', '--cache-location', location], io(path.join(other, 'README.md')));
    expect(lastMemoOutcome()).toBe('not stored');
  });

  it('never memoizes a run that writes or runs without the cache', async () => {
    const repo = repoWith();
    const env = { AUTOPACK_FIX_CACHE_DIR: tempDir('apf-memo-home-') };
    for (const args of [['--no-cache'], ['--write', '--allow-dirty']]) {
      await runCli([repo, ...args], { env });
      expect(`${args.join(' ')}: ${lastMemoOutcome()}`).toBe(`${args.join(' ')}: off`);
    }
    await runCli([repo], { env: { ...env, AUTOPACK_FIX_NO_RUN_MEMO: '1' } });
    expect(lastMemoOutcome()).toBe('off');
  });

  it('does not keep a run whose output depended on the Markdown wall-clock budget', async () => {
    const doc = `# big\n\n${'A paragraph with [a link](other.md) and `code` and *emphasis*. '.repeat(20)}\n\n`.repeat(400);
    const repo = repoWith({ ...FILES, 'docs/guide.md': doc, 'docs/other.md': '# other\n' });
    const env = { AUTOPACK_FIX_CACHE_DIR: tempDir('apf-memo-home-'), AUTOPACK_FIX_MARKDOWN_BUDGET_MS: '1' };
    const first = await runCli([repo, '--format', 'json', '--exit-zero', '--verbose'], { env });
    expect(first.stdout + first.stderr).toMatch(/not read within its budget/);
    expect(lastMemoOutcome()).toBe('not stored');
    await runCli([repo, '--format', 'json', '--exit-zero', '--verbose'], { env });
    expect(lastMemoOutcome()).toBe('not stored');
  });

  it('does not replay a corrupt entry: a note, the same output, and the entry is rebuilt', async () => {
    const repo = repoWith();
    const location = tempDir('apf-memo-loc-');
    const first = await runCli([repo, '--format', 'json', '--cache-location', location]);
    const runs = path.join(location, RUN_MEMO_DIR);
    const entries = readdirSync(runs).filter((n) => n.endsWith('.bin'));
    expect(entries).toHaveLength(1);
    writeFileSync(path.join(runs, entries[0] as string), 'not an entry');
    const second = await runCli([repo, '--format', 'json', '--cache-location', location]);
    expect(second.stderr).toMatch(/the run memo .* is corrupt or not this tool's: not used, and rebuilt/);
    expect(second.stdout).toBe(first.stdout);
    expect(lastMemoOutcome()).toBe('stored');
    expect(await runCli([repo, '--format', 'json', '--cache-location', location])).toEqual(first);
    expect(lastMemoOutcome()).toBe('hit');
  });

  it(`keeps the newest ${KEEP} entries`, () => {
    const dir = path.join(tempDir('apf-memo-keep-'), RUN_MEMO_DIR);
    const memo = new RunMemo(dir);
    for (let i = 0; i < KEEP + 3; i++) {
      expect(memo.put(`key${i}`, { writes: [[1, `run ${i}\n`]], exitCode: 0 })).toBeUndefined();
      const when = new Date(Date.now() - (KEEP + 3 - i) * 60_000);
      utimesSync(path.join(dir, `key${i}.bin`), when, when);
    }
    expect(readdirSync(dir).filter((n) => n.endsWith('.bin'))).toHaveLength(KEEP);
    expect(memo.get('key0').entry).toBeUndefined();
    expect(memo.get(`key${KEEP + 2}`).entry).toEqual({ writes: [[1, `run ${KEEP + 2}\n`]], exitCode: 0 });
  });
});

describe('the stat index', () => {
  const stat = (over: Partial<StatFields> = {}): StatFields => ({ size: 10, mtimeMs: 1_000_000, ctimeMs: 1_000_000, ino: 7, dev: 1, ...over });
  const settled = 1_000_000 + 60_000; // ms: a minute after the stat's times

  it('vouches for a file only while every part of its stat is unchanged', () => {
    const dir = tempDir('apf-stat-');
    const index = StatIndex.open(dir);
    expect(index.lookup('a.md', stat())).toBeUndefined();
    index.record('a.md', stat(), 'digest-a', settled);
    index.save();
    const again = StatIndex.open(dir);
    expect(again.lookup('a.md', stat())).toBe('digest-a');
    for (const key of ['size', 'mtimeMs', 'ctimeMs', 'ino', 'dev'] as const) {
      expect(`${key}: ${StatIndex.open(dir).lookup('a.md', stat({ [key]: stat()[key] + (key.endsWith('Ms') ? 0.001 : 1) }))}`).toBe(`${key}: undefined`);
    }
  });

  it('does not record a file changed within the last two seconds (a second write in the same clock tick would not show)', () => {
    const dir = tempDir('apf-stat-');
    const index = StatIndex.open(dir);
    index.lookup('a.md', stat());
    index.record('a.md', stat(), 'digest-a', 1_000_000 + 500);
    index.record('b.md', stat({ ctimeMs: 1_000_000 + 59_000 }), 'digest-b', settled);
    index.save();
    expect(StatIndex.open(dir).lookup('a.md', stat())).toBeUndefined();
    expect(StatIndex.open(dir).lookup('b.md', stat({ ctimeMs: 1_000_000 + 59_000 }))).toBeUndefined();
  });

  it('vouches within one run for what it recorded earlier in that run (the check after a run stats, and does not read again)', () => {
    const index = StatIndex.open(tempDir('apf-stat-'));
    expect(index.lookup('a.md', stat())).toBeUndefined();
    index.record('a.md', stat(), 'digest-a', settled);
    expect(index.lookup('a.md', stat())).toBe('digest-a');
    expect(index.lookup('a.md', stat({ size: 11 }))).toBeUndefined();
    // A file too fresh to be recorded is read again each time.
    index.record('b.md', stat(), 'digest-b', 1_000_000 + 500);
    expect(index.lookup('b.md', stat())).toBeUndefined();
  });

  it('keeps thousands of files apart, within the run and after a save, and carries over those it vouched for from the last run', () => {
    const dir = tempDir('apf-stat-');
    const index = StatIndex.open(dir);
    // Past the first rows' room: the columns grow while the earlier rows keep their numbers.
    const n = 2_500;
    const of = (i: number): StatFields => stat({ size: i, mtimeMs: 1_000_000 + i / 8, ctimeMs: 1_000_000 - i, ino: 2 ** 40 + i, dev: i % 3 });
    for (let i = 0; i < n; i++) index.record(`f${i}.md`, of(i), `digest-${i}`, settled);
    for (const i of [0, 1023, 1024, 2047, 2048, n - 1]) {
      expect(index.lookup(`f${i}.md`, of(i))).toBe(`digest-${i}`);
      expect(index.lookup(`f${i}.md`, of(i + 1))).toBeUndefined();
    }
    index.save();
    const next = StatIndex.open(dir);
    for (let i = 0; i < n; i++) expect(next.lookup(`f${i}.md`, of(i))).toBe(`digest-${i}`);
    next.record('new.md', stat(), 'digest-new', settled);
    next.save();
    // What the second run looked up and found, and what it recorded, are what the third run knows.
    const third = StatIndex.open(dir);
    expect(third.lookup('f7.md', of(7))).toBe('digest-7');
    expect(third.lookup('new.md', stat())).toBe('digest-new');
  });

  it('a corrupt index is read as empty', () => {
    const dir = tempDir('apf-stat-');
    writeFileSync(path.join(dir, STAT_INDEX_FILE), 'garbage');
    expect(StatIndex.open(dir).lookup('a.md', stat())).toBeUndefined();
  });
});
