/**
 * The readers behind todo-inventory (which comment words are markers) and config-unreferenced
 * (which file names a glob or template after a config folder matches).
 */
import { describe, it, expect } from 'vitest';
import { markersIn } from '../codemods/todo-inventory/detect.js';
import { templateRegExp, wordsIn } from '../codemods/config-unreferenced/detect.js';

const WORDS = ['TODO', 'FIXME', 'XXX', 'HACK'];
const markers = (value: string): string[] => markersIn({ value, start: 0 }, WORDS).map((m) => `${m.marker}|${m.text}`);

describe('markersIn', () => {
  it('reads TODO and FIXME anywhere, with the text after the marker', () => {
    expect(markers('TODO(ana): extract the files')).toEqual(['TODO|extract the files']);
    expect(markers('@ts-expect-error - TODO: fix types')).toEqual(['TODO|fix types']);
    expect(markers('FIXME')).toEqual(['FIXME|']);
    expect(markers('@todo move to a module')).toEqual(['TODO|move to a module']);
    expect(markers('todo: lower case before a colon')).toEqual(['TODO|lower case before a colon']);
  });
  it('reads XXX and HACK only where a marker stands', () => {
    expect(markers('XXX(aldy505): refactor?')).toEqual(['XXX|refactor?']);
    expect(markers('HACK one worker')).toEqual(['HACK|one worker']);
    expect(markers('a horrible HACK but works')).toEqual([]);
    expect(markers('using XXX as the placeholder for monday')).toEqual([]);
  });
  it('leaves mentions, names, paths, URLs and prose alone', () => {
    for (const text of ['Replace "XXX" with the day', 'TODO_STATUS is a name', 'see docs/TODO.md', 'https://x.org/TODO', 'nothing to do', 'the todos of a run', 'TODOs remain', '(see module TODO).', 'fix the TODO above', 'XXX-XXXX']) {
      expect(markers(text), text).toEqual([]);
    }
  });
  it('one marker per line: a second is a mention', () => {
    expect(markers('TODO: when ruff BLE001 lands, fix also TODO in tests')).toEqual(['TODO|when ruff BLE001 lands, fix also TODO in tests']);
  });
});

describe('templateRegExp', () => {
  it('globs and templates match the file names they can produce', () => {
    const cases: Array<[string, string, boolean]> = [
      ['*.yaml', 'models.yaml', true],
      ['*.yaml', 'models.json', false],
      ['{name}.yaml', 'tools.yaml', true],
      ['${region}.json', 'eu.json', true],
      ['%s_mapping.json', 'es_mapping.json', true],
      ['%s_mapping.json', 'service.yaml', false],
      ['app-?.toml', 'app-1.toml', true],
    ];
    for (const [glob, name, hit] of cases) expect(templateRegExp(glob).test(name), `${glob} ~ ${name}`).toBe(hit);
  });
});

describe('config-unreferenced: the words of a text', () => {
  // The index once split every text into all its words; it now finds the words it looks for with
  // one regex. Both must agree on every text: words are maximal runs of [\w-].
  const bySplit = (text: string, wanted: readonly string[]): string[] => {
    const words = new Set(text.split(/[^\w-]+/));
    return wanted.filter((w) => words.has(w)).sort();
  };
  const wanted = ['models', 'models-dev', 'mod', 'dev', 'a_b', 'x', ''];
  const alphabet = ['models', 'dev', 'mod', '-', '_', 'a', 'b', 'x', '.', ' ', '/', '"', '\n', 'é', ':'];

  it('finds exactly the words splitting the text would give, the empty one included', () => {
    const find = wordsIn(wanted);
    const fixed = ['', 'models', ' models ', 'models-dev', 'models.dev', 'xmodels', 'models_dev', '-models', 'mod:dev', 'é', 'a_b-x'];
    let seed = 7;
    const random = (): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const generated = Array.from({ length: 400 }, () => Array.from({ length: Math.floor(random() * 12) }, () => alphabet[Math.floor(random() * alphabet.length)]).join(''));
    for (const text of [...fixed, ...generated]) expect([...find(text)].sort(), JSON.stringify(text)).toEqual(bySplit(text, wanted));
  });

  it('with beforeDot, finds exactly the words of the split that a `.` follows, never the empty one', () => {
    const find = wordsIn(wanted, { beforeDot: true });
    const byDots = (text: string): string[] => {
      const found = new Set<string>();
      for (const m of text.matchAll(/[\w-]+/g)) if (text[m.index + m[0].length] === '.') found.add(m[0]);
      return wanted.filter((w) => found.has(w)).sort();
    };
    let seed = 11;
    const random = (): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const generated = Array.from({ length: 400 }, () => Array.from({ length: Math.floor(random() * 12) }, () => alphabet[Math.floor(random() * alphabet.length)]).join(''));
    for (const text of ['models.yaml', 'models', '.models.', 'xmodels.yaml', 'models-dev.json', 'mod.models.dev', '.', ...generated]) expect([...find(text)].sort(), JSON.stringify(text)).toEqual(byDots(text));
  });

  it('with nothing to look for, finds nothing', () => {
    expect([...wordsIn([])('models dev')]).toEqual([]);
  });
});
