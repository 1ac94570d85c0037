/**
 * The unified diff's hunk builder (src/report/diff.ts): plain 3-line context when nothing is
 * withheld (the same patch jsdiff's structuredPatch gives), context cut at withheld lines, hunks
 * split at them, and patches that `git apply` (or, for hunks without trailing context,
 * `git apply --unidiff-zero`) applies exactly.
 */
import { describe, it, expect, afterAll } from 'vitest';
import fc from 'fast-check';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { structuredPatch } from 'diff';
import { diffHunks, unifiedDiff, unanchoredNote, UNIDIFF_ZERO_PREAMBLE } from '../src/report/diff.js';
import type { FileChange } from '../src/engine/run.js';
import type { Secrets } from '../src/report/secrets.js';
import { gitIn, removeDir, tempDir } from './helpers/repo.js';

const cleanup: string[] = [];
afterAll(() => cleanup.forEach(removeDir));

const text = (...lines: string[]): string => lines.map((l) => `${l}\n`).join('');
const TEN = text('a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j');
const at = (...lines: number[]) => (line: number): boolean => lines.includes(line);

describe('diffHunks', () => {
  it('without withheld lines: three lines of context', () => {
    expect(diffHunks(TEN, TEN.replace('e\n', 'E\n'))).toEqual({ hunks: text('@@ -2,7 +2,7 @@', ' b', ' c', ' d', '-e', '+E', ' f', ' g', ' h'), unanchored: false });
  });

  it('a withheld line right before the change: no leading context', () => {
    expect(diffHunks(TEN, TEN.replace('e\n', 'E\n'), at(4))).toEqual({ hunks: text('@@ -5,4 +5,4 @@', '-e', '+E', ' f', ' g', ' h'), unanchored: false });
  });

  it('a withheld line two lines up: the context stops below it', () => {
    expect(diffHunks(TEN, TEN.replace('e\n', 'E\n'), at(3))).toEqual({ hunks: text('@@ -4,5 +4,5 @@', ' d', '-e', '+E', ' f', ' g', ' h'), unanchored: false });
  });

  it('a withheld line right after the change: no trailing context, flagged as unanchored', () => {
    expect(diffHunks(TEN, TEN.replace('e\n', 'E\n'), at(6))).toEqual({ hunks: text('@@ -2,4 +2,4 @@', ' b', ' c', ' d', '-e', '+E'), unanchored: true });
  });

  it('a withheld line between two changes splits the hunk', () => {
    const after = TEN.replace('c\n', 'C\n').replace('g\n', 'G\n');
    expect(diffHunks(TEN, after)).toEqual({ hunks: text('@@ -1,10 +1,10 @@', ' a', ' b', '-c', '+C', ' d', ' e', ' f', '-g', '+G', ' h', ' i', ' j'), unanchored: false });
    expect(diffHunks(TEN, after, at(5))).toEqual({
      hunks: text('@@ -1,4 +1,4 @@', ' a', ' b', '-c', '+C', ' d', '@@ -6,5 +6,5 @@', ' f', '-g', '+G', ' h', ' i', ' j'),
      unanchored: false,
    });
  });

  it('a withheld line outside the context changes nothing', () => {
    const after = TEN.replace('e\n', 'E\n');
    expect(diffHunks(TEN, after, at(1, 9, 10))).toEqual(diffHunks(TEN, after));
  });

  it('a pure insertion between two withheld lines has no context at all', () => {
    expect(diffHunks(TEN, TEN.replace('e\n', 'e\nNEW\n'), at(5, 6))).toEqual({ hunks: text('@@ -5,0 +6,1 @@', '+NEW'), unanchored: true });
  });

  it('an insertion right after a withheld first line is flagged (plain git apply anchors `-1,0` at the start)', () => {
    expect(diffHunks(text('S'), text('S', 'new'), at(1))).toEqual({ hunks: text('@@ -1,0 +2,1 @@', '+new'), unanchored: true });
    expect(diffHunks(text('S', 'b'), text('S', 'new', 'b'), at(1, 2))).toEqual({ hunks: text('@@ -1,0 +2,1 @@', '+new'), unanchored: true });
    expect(diffHunks(text('S', 'b'), text('S', 'new', 'b'), at(1))).toEqual({ hunks: text('@@ -2,1 +2,2 @@', '+new', ' b'), unanchored: false });
  });

  it('a change of the last line right under a withheld line is anchored at the end of the file', () => {
    expect(diffHunks(text('a', 'S', 'c'), text('a', 'S', 'C'), at(2))).toEqual({ hunks: text('@@ -3,1 +3,1 @@', '-c', '+C'), unanchored: false });
  });

  it('keeps the no-newline marker of a shown last line, and drops it with a withheld one', () => {
    expect(diffHunks('a\nb\nc\nd', 'a\nB\nc\nd')).toEqual({ hunks: `${text('@@ -1,4 +1,4 @@', ' a', '-b', '+B', ' c', ' d')}\\ No newline at end of file\n`, unanchored: false });
    expect(diffHunks('a\nb\nc\nd', 'a\nB\nc\nd', at(4))).toEqual({ hunks: text('@@ -1,3 +1,3 @@', ' a', '-b', '+B', ' c'), unanchored: false });
    expect(diffHunks('a\nb\nc\nd', 'a\nB\nc\nd', at(3))).toEqual({ hunks: text('@@ -1,2 +1,2 @@', ' a', '-b', '+B'), unanchored: true });
    expect(diffHunks('a\nb\nc\nd', 'a\nb\nc\nD', at(3))).toEqual({ hunks: `@@ -4,1 +4,1 @@\n-d\n\\ No newline at end of file\n+D\n\\ No newline at end of file\n`, unanchored: false });
  });

  it('names the deleted line itself for a context-free deletion of a last line without line break', () => {
    // `@@ -4,1 +3,0 @@` would make `git apply --unidiff-zero` delete the first `y` (see diff.ts).
    expect(diffHunks('a\na\ny\ny', 'a\na\ny\n', at(3))).toEqual({ hunks: '@@ -4,1 +4,0 @@\n-y\n\\ No newline at end of file\n', unanchored: false });
    // With a line break, or with context, the usual `+N,0` (the line before).
    expect(diffHunks('a\na\ny\ny\n', 'a\na\ny\n', at(3))).toEqual({ hunks: '@@ -4,1 +3,0 @@\n-y\n', unanchored: false });
    expect(diffHunks('a\na\ny\ny', 'a\na\ny\n')).toEqual({ hunks: '@@ -1,4 +1,3 @@\n a\n a\n y\n-y\n\\ No newline at end of file\n', unanchored: false });
    expect(diffHunks('a\nb\nc\n', 'a\nc\n', at(1, 3))).toEqual({ hunks: '@@ -2,1 +1,0 @@\n-b\n', unanchored: true });
  });

  it('asks about unchanged lines only, by old line number', () => {
    const asked: Array<[number, string]> = [];
    diffHunks(TEN, TEN.replace('e\n', 'E\nF\n'), (line, t) => {
      asked.push([line, t]);
      return false;
    });
    expect(asked.sort((x, y) => x[0] - y[0])).toEqual([[2, 'b'], [3, 'c'], [4, 'd'], [6, 'f'], [7, 'g'], [8, 'h']]);
  });
});

describe('unifiedDiff with secrets', () => {
  const change = (p: string, before: string | undefined, after: string): FileChange => ({ path: p, before, after, bom: false });
  const secrets = (values: string[], lines: Record<string, number[]> = {}): Secrets => ({ values, searched: values, lines: new Map(Object.entries(lines).map(([p, l]) => [p, new Set(l)])) });

  it('withholds lines that contain a value of six or more characters; shorter values only by line', () => {
    const before = text('one', 'url=https://u:S3cr3t-value@host', 'two', 'three', 'CHANGE', 'four', 'abc', 'five');
    const c = change('conf/app.txt', before, before.replace('CHANGE', 'CHANGED'));
    expect(unifiedDiff([c], secrets(['S3cr3t-value', 'abc']))).toBe(
      text('diff --git a/conf/app.txt b/conf/app.txt', '--- a/conf/app.txt', '+++ b/conf/app.txt', '@@ -3,6 +3,6 @@', ' two', ' three', '-CHANGE', '+CHANGED', ' four', ' abc', ' five'),
    );
    // Line 7 (`abc`) is marked for this file: now the trailing context stops before it.
    const notes: string[] = [];
    expect(unifiedDiff([c], secrets(['S3cr3t-value', 'abc'], { 'conf/app.txt': [7], 'other.txt': [4] }), (n) => notes.push(n))).toBe(
      text('diff --git a/conf/app.txt b/conf/app.txt', '--- a/conf/app.txt', '+++ b/conf/app.txt', '@@ -3,4 +3,4 @@', ' two', ' three', '-CHANGE', '+CHANGED', ' four'),
    );
    expect(notes).toEqual([]);
  });

  it('searches each line of a multi-line value', () => {
    const before = text('x', 'key: |', '  first-line-of-value', '  second-line-of-value', 'CHANGE', 'y');
    const c = change('a.yml', before, before.replace('CHANGE', 'CHANGED'));
    expect(unifiedDiff([c], secrets(['first-line-of-value\nsecond-line-of-value\n']))).toBe(
      text('diff --git a/a.yml b/a.yml', '--- a/a.yml', '+++ b/a.yml', '@@ -5,2 +5,2 @@', '-CHANGE', '+CHANGED', ' y'),
    );
  });

  it('prints changed lines as they are, and created files whole', () => {
    const c = change('a.env', 'TOKEN=S3cr3t-value\n', 'TOKEN=S3cr3t-value2\n');
    const created = change('new.txt', undefined, 'S3cr3t-value\n');
    expect(unifiedDiff([created, c], secrets(['S3cr3t-value'], { 'a.env': [1] }))).toBe(
      text(
        'diff --git a/a.env b/a.env',
        '--- a/a.env',
        '+++ b/a.env',
        '@@ -1,1 +1,1 @@',
        '-TOKEN=S3cr3t-value',
        '+TOKEN=S3cr3t-value2',
        'diff --git a/new.txt b/new.txt',
        'new file mode 100644',
        '--- /dev/null',
        '+++ b/new.txt',
        '@@ -0,0 +1,1 @@',
        '+S3cr3t-value',
      ),
    );
  });

  it('notes each file with a hunk that lost its trailing context, once', () => {
    const before = text('a', 'b', 'SECRET-1', 'c', 'SECRET-2', 'd', 'e', 'f', 'g', 'h');
    const after = before.replace('b\n', 'B\n').replace('c\n', 'C\n');
    const notes: string[] = [];
    const out = unifiedDiff([change('z.yml', before, after), change('y.yml', TEN, TEN.replace('e\n', 'E\n'))], secrets(['SECRET-1', 'SECRET-2']), (n) => notes.push(n));
    expect(out).toBe(
      UNIDIFF_ZERO_PREAMBLE(['z.yml']) +
      text(
        'diff --git a/y.yml b/y.yml',
        '--- a/y.yml',
        '+++ b/y.yml',
        '@@ -2,7 +2,7 @@',
        ' b',
        ' c',
        ' d',
        '-e',
        '+E',
        ' f',
        ' g',
        ' h',
        'diff --git a/z.yml b/z.yml',
        '--- a/z.yml',
        '+++ b/z.yml',
        '@@ -1,2 +1,2 @@',
        ' a',
        '-b',
        '+B',
        '@@ -4,1 +4,1 @@',
        '-c',
        '+C',
      ),
    );
    expect(notes).toEqual(['autopack-fix: z.yml: the diff leaves out a line that holds an environment value; apply it with `git apply --unidiff-zero` (or use --write)\n']);
    expect(unanchoredNote('z.yml')).toBe(notes[0]);
  });
});

/** The implementation before secrets were withheld: jsdiff's hunks with three lines of context. */
function referenceDiff(changes: readonly FileChange[]): string {
  let out = '';
  for (const change of [...changes].sort((a, b) => a.path.localeCompare(b.path))) {
    const bom = change.bom ? '\uFEFF' : '';
    const before = change.before === undefined ? '' : bom + change.before;
    const after = bom + change.after;
    const created = change.before === undefined;
    const patch = structuredPatch(`a/${change.path}`, `b/${change.path}`, before, after, undefined, undefined, { context: 3 });
    out += `diff --git a/${change.path} b/${change.path}\n`;
    if (created) out += 'new file mode 100644\n';
    out += `--- ${created ? '/dev/null' : `a/${change.path}`}\n+++ b/${change.path}\n`;
    for (const hunk of patch.hunks) {
      const oldStart = hunk.oldLines === 0 ? hunk.oldStart - 1 : hunk.oldStart;
      const newStart = hunk.newLines === 0 ? hunk.newStart - 1 : hunk.newStart;
      out += `@@ -${oldStart},${hunk.oldLines} +${newStart},${hunk.newLines} @@\n`;
      for (const line of hunk.lines) out += `${line}\n`;
    }
  }
  return out;
}

const lineText = fc.array(fc.constantFrom('a', 'b', 'c', 'x', 'y', '', 'a\r'), { maxLength: 24 });
const fileText = fc.tuple(lineText, fc.boolean()).map(([lines, eol]) => (lines.length ? lines.join('\n') + (eol ? '\n' : '') : ''));

describe('properties', () => {
  it('without secrets the patch is the one jsdiff gives with three lines of context', () => {
    fc.assert(
      fc.property(fc.option(fileText, { nil: undefined }), fileText, fc.boolean(), (before, after, bom) => {
        const changes = [{ path: 'f.txt', before, after, bom }];
        expect(unifiedDiff(changes)).toBe(referenceDiff(changes));
      }),
      { numRuns: 500 },
    );
  });

  it('with withheld lines: none is printed as context, and git apply (--unidiff-zero when noted) gives the new text', () => {
    const repo = tempDir();
    cleanup.push(repo);
    gitIn(repo, ['init', '-q', '-b', 'main']);
    const patchFile = path.join(tempDir(), 'p.diff');
    cleanup.push(path.dirname(patchFile));
    const apply = (args: string[]): boolean => spawnSync('git', ['apply', ...args, patchFile], { cwd: repo }).status === 0;
    fc.assert(
      fc.property(fileText, fileText, fc.array(fc.integer({ min: 1, max: 25 }), { maxLength: 8 }), (before, after, hiddenLines) => {
        fc.pre(before !== after);
        const withheld = new Set(hiddenLines);
        const notes: string[] = [];
        const diff = unifiedDiff([{ path: 'f.txt', before, after, bom: false }], { values: [], searched: [], lines: new Map([['f.txt', withheld]]) }, (n) => notes.push(n));
        // Context lines (' ') are exactly the old lines that are not withheld.
        const oldLines = before.split('\n');
        for (const hunk of diff.split(/^@@ /m).slice(1)) {
          const m = /^-(\d+),(\d+) /.exec(hunk) as RegExpExecArray;
          let lineNo = Number(m[1]);
          if (Number(m[2]) === 0) continue;
          for (const l of hunk.split('\n').slice(1)) {
            if (l.startsWith(' ')) {
              expect(withheld.has(lineNo), `line ${lineNo} printed`).toBe(false);
              expect(l.slice(1)).toBe(oldLines[lineNo - 1]);
            }
            if (l.startsWith(' ') || l.startsWith('-')) lineNo++;
          }
        }
        writeFileSync(patchFile, diff);
        // A whole diff is applied with one set of flags: --unidiff-zero must suit every file.
        for (const flags of notes.length === 0 ? [[], ['--unidiff-zero']] : [['--unidiff-zero']]) {
          writeFileSync(path.join(repo, 'f.txt'), before);
          expect(apply(flags), `git apply ${flags.join(' ')}\n${diff}`).toBe(true);
          expect(readFileSync(path.join(repo, 'f.txt'), 'utf8'), `git apply ${flags.join(' ')}\n${diff}`).toBe(after);
        }
      }),
      { numRuns: Number(process.env.DIFF_RUNS ?? 150) },
    );
  });
});
