/**
 * Hostile shapes far under the size caps (issue 18: defect 5 and the smaller parsing ones):
 * nesting that overflows a recursive parser's stack, shapes on which a parser or a lookup is
 * super-linear, and configuration that silently matches nothing. Each must end quickly with a
 * clear message naming the file (and line), and the rest of the run must go on. Nothing here
 * asserts a time: sizes are chosen so that the head before the fix took seconds (or crashed)
 * and the fixed code takes milliseconds; timings are measured by `npm run fuzz` (bench/).
 */
import { describe, it, expect, afterAll } from 'vitest';
import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ROOT, gitIn, removeDir, tempDir } from './helpers/repo.js';
import { runCli } from './helpers/cli.js';
import { loadConfig } from '../src/config/index.js';
import { diagnosticLines } from '../src/report/text.js';
import { RULES } from '../src/rules/registry.js';
import { createColors } from 'picocolors';

const DEMO = path.join(ROOT, 'fixtures', 'demo');
const cleanup: string[] = [];
afterAll(() => cleanup.forEach(removeDir));

function write(dir: string, rel: string, content: string): void {
  mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
  writeFileSync(path.join(dir, rel), content);
}

function repo(files: Record<string, string>, base?: string): string {
  const dir = tempDir();
  cleanup.push(dir);
  if (base) cpSync(base, dir, { recursive: true });
  for (const [p, text] of Object.entries(files)) write(dir, p, text);
  gitIn(dir, ['init', '-q', '-b', 'main']);
  gitIn(dir, ['config', 'core.autocrlf', 'false']);
  gitIn(dir, ['add', '-A']);
  gitIn(dir, ['commit', '-q', '-m', 'fixture']);
  return dir;
}

describe('deep block YAML', () => {
  // 1,400 levels of block nesting: the parser overflowed its stack at a line that varied from
  // run to run (about 900 levels, depending on what else was on the stack).
  const maps = (n: number): string => Array.from({ length: n }, (_, i) => `${' '.repeat(i)}a:\n`).join('') + `${' '.repeat(n)}b: 1\n`;
  const seqOfMaps = (n: number): string => 'x:\n' + Array.from({ length: n }, (_, i) => `${' '.repeat(i * 2)}- k:\n`).join('');
  const dashes = (n: number): string => `${'- '.repeat(n)}a\n`;

  it('is refused before the parser sees it, at the same place every time', async () => {
    const dir = repo({ 'docker-compose.yml': maps(1400), 'svc/compose.yaml': seqOfMaps(1400), 'one/compose.yml': dashes(1400) });
    const first = await runCli([dir]);
    const second = await runCli([dir]);
    const lines = (s: string): string[] => s.split('\n').filter((l) => l.includes('could not parse')).sort();
    // Level 257 of the maps is line 257 (one level per line); the sequence of maps opens two
    // levels per line (line 129, the `k:` of its 128th item); the dashes, all on line 1.
    expect(lines(first.stderr)).toEqual([
      'warning: could not parse docker-compose.yml at 257:257: nested deeper than 256 levels; not parsed',
      'warning: could not parse one/compose.yml at 1:513: nested deeper than 256 levels; not parsed',
      'warning: could not parse svc/compose.yaml at 129:257: nested deeper than 256 levels; not parsed',
    ]);
    expect(lines(second.stderr)).toEqual(lines(first.stderr));
    expect(first.stderr).not.toMatch(/call stack|failed/);
  });
});

describe('deep JavaScript in vite.config.ts', () => {
  it('a 5,000-deep array makes that config unreadable, not the rule: the other app is still checked', async () => {
    const deep = readFileSync(path.join(DEMO, 'vite.config.ts'), 'utf8').replace('plugins: [react()],', `plugins: [react()], x: ${'['.repeat(5000)}${']'.repeat(5000)},`);
    const web = (p: string): string => readFileSync(path.join(DEMO, p), 'utf8');
    const dir = repo(
      {
        'vite.config.ts': deep,
        // A second frontend, whose outDir the Dockerfile does not copy: the rule must still report it.
        'web/Dockerfile': web('Dockerfile.frontend'),
        'web/package.json': web('package.json'),
        'web/index.html': web('index.html'),
        'web/nginx.conf': web('nginx.conf'),
        'web/src/frontend/main.tsx': 'export {};\n',
        'web/vite.config.ts': web('vite.config.ts').replace('dist/frontend', 'dist/web'),
      },
      DEMO,
    );
    const r = await runCli([dir, '--rule', 'dockerfile-copy-outdir', '--verbose']);
    expect(r.stderr).not.toMatch(/failed|call stack/);
    expect(r.stderr).toContain('warning: could not parse vite.config.ts at 6:280: nested deeper than 256 levels; not parsed');
    expect(r.stdout).toMatch(/web\/Dockerfile\n\s+12:19\s+error\s+dockerfile-copy-outdir .*into `\/app\/dist\/web`/);
  });
});

describe('include patterns that can match nothing', () => {
  it('are named, with their line in the config file', () => {
    const dir = repo({
      'autopack-fix.config.json': '{\n  "include": [\n    "services/**",\n    "../other/**"\n  ],\n  "exclude": ["/abs/vendor", "a/../b"]\n}\n',
    });
    const cfg = loadConfig({ root: dir, registry: RULES, configPath: path.join(dir, 'autopack-fix.config.json') });
    const shown = diagnosticLines(cfg.notes, createColors(false)).split('\n').filter(Boolean);
    const file = path.join(dir, 'autopack-fix.config.json');
    expect(shown).toEqual([
      `note: ${file}:4:5: include pattern \`../other/**\` points outside the root (a leading \`..\`); files outside the root are not part of the run, so it matches nothing`,
      `note: ${file}:6:15: exclude pattern \`/abs/vendor\` is an absolute path; patterns are relative to the root, so it matches nothing`,
      `note: ${file}:6:30: exclude pattern \`a/../b\` has a \`.\` or \`..\` segment; repository paths have none, so it matches nothing`,
    ]);
    // When every include pattern is outside, the note says that nothing is reported at all.
    const only = repo({ 'autopack-fix.config.yaml': 'include:\n  - ../elsewhere/**\n' });
    const c2 = loadConfig({ root: only, registry: RULES });
    expect(c2.notes.map((n) => n.message)).toEqual([
      'autopack-fix.config.yaml:2:5: include pattern `../elsewhere/**` points outside the root (a leading `..`); files outside the root are not part of the run, so it matches nothing; no other include pattern matches either, so no finding is reported',
    ].map((m) => `${path.relative(process.cwd(), path.join(only, 'autopack-fix.config.yaml'))}${m.slice('autopack-fix.config.yaml'.length)}`));
  });

  it('reach the user: the run prints them on stderr', async () => {
    const dir = repo({ 'autopack-fix.config.yaml': 'include:\n  - ../elsewhere/**\n', 'README.md': '# x\n' });
    const r = await runCli([dir]);
    expect(r.stderr).toMatch(/note: .*autopack-fix\.config\.yaml:2:5: include pattern `\.\.\/elsewhere\/\*\*` points outside the root/);
  });
});
