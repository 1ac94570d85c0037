/** The style-preserving YAML block appender (src/formats/yaml-edit.ts). */
import { describe, it, expect } from 'vitest';
import { isMap, isSeq } from 'yaml';
import { SourceFile } from '../src/workspace/source-file.js';
import { parseYaml } from '../src/formats/yaml.js';
import { appendToBlock, endOfLastItem, quoteScalar, type AppendOptions, type BlockSite } from '../src/formats/yaml-edit.js';

/** The file after the append, the site the renderer was asked for, and whether the result parses. */
function append(text: string, key: string, options: AppendOptions, render: (site: BlockSite) => string[]): { out: string | undefined; refused?: string; sites: string[] } {
  const bom = text.startsWith('\uFEFF');
  const file = new SourceFile('x.yml', bom ? text.slice(1) : text, bom);
  const parsed = parseYaml(file);
  expect(parsed.error).toBeNull();
  const sites: string[] = [];
  const edit = appendToBlock(file, parsed.doc.contents, key, options, (site) => {
    sites.push(site.kind === 'after-items' ? `after-items:${isSeq(site.collection) ? 'seq' : isMap(site.collection) ? 'map' : '?'}` : `empty${site.added ? ':added' : ''}`);
    return render(site);
  });
  if (typeof edit === 'string') return { out: undefined, refused: edit, sites };
  const out = file.text.slice(0, edit.start) + edit.text + file.text.slice(edit.end);
  expect(parseYaml(new SourceFile('x.yml', out, false)).error, out).toBeNull();
  return { out: (bom ? '\uFEFF' : '') + out, sites };
}

const SEQ: AppendOptions = { kind: 'seq', replaceEmptyFlow: true };
const MAP: AppendOptions = { kind: 'map', blankLineBeforeNewKey: true };

describe('appending to a block sequence', () => {
  it('goes after the last item, in the indentation the caller reads from the items', () => {
    for (const dash of [0, 2, 4]) {
      const pad = ' '.repeat(dash);
      const text = `list:\n${pad}- a: 1\n${pad}  b: 2\n${pad}- a: 3\nother: x\n`;
      const { out, sites } = append(text, 'list', SEQ, () => [`${pad}- a: 4`]);
      expect(out).toBe(`list:\n${pad}- a: 1\n${pad}  b: 2\n${pad}- a: 3\n${pad}- a: 4\nother: x\n`);
      expect(sites).toEqual(['after-items:seq']);
    }
  });

  it('keeps the comment lines indented under the last item with it, and a shallower comment after the new one', () => {
    const text = 'list:\n  - a: 1\n    # b: 2\n\n    #   more\n  # about the next section\nother: x\n';
    expect(append(text, 'list', SEQ, () => ['  - a: 4']).out).toBe('list:\n  - a: 1\n    # b: 2\n\n    #   more\n  - a: 4\n  # about the next section\nother: x\n');
  });

  it('writes CRLF in a CRLF file', () => {
    const text = 'list:\r\n  - a\r\n  - b\r\nnext: 1\r\n';
    expect(append(text, 'list', SEQ, () => ['  - c', '  - d']).out).toBe('list:\r\n  - a\r\n  - b\r\n  - c\r\n  - d\r\nnext: 1\r\n');
  });

  it('keeps a byte order mark (offsets are in the text after it)', () => {
    const text = '\uFEFFlist:\n  - a\n';
    expect(append(text, 'list', SEQ, () => ['  - b']).out).toBe('\uFEFFlist:\n  - a\n  - b\n');
  });

  it('after the last line of a file without a final line break: the file still ends without one', () => {
    expect(append('list:\n  - a\n    # old', 'list', SEQ, () => ['  - b']).out).toBe('list:\n  - a\n    # old\n  - b');
    expect(append('list:\n  - a', 'list', SEQ, () => ['  - b']).out).toBe('list:\n  - a\n  - b');
  });

  it('replaces an empty flow list when asked, keeping the comment after it; refuses a flow list with items', () => {
    expect(append('list: [] # none yet\nnext: 1\n', 'list', SEQ, () => ['  - a']).out).toBe('list: # none yet\n  - a\nnext: 1\n');
    expect(append('list: []\nnext: 1\n', 'list', { kind: 'seq' }, () => ['  - a']).refused).toBe('flow');
    expect(append('list: [a, b]\n', 'list', SEQ, () => ['  - c'])).toMatchObject({ refused: 'flow', sites: [] });
  });

  it('refuses a key that holds a scalar or the other kind of collection', () => {
    expect(append('list: text\n', 'list', SEQ, () => ['  - c']).refused).toBe('not-a-collection');
    expect(append('list:\n  a: 1\n', 'list', SEQ, () => ['  - c']).refused).toBe('not-a-collection');
  });
});

describe('appending to a block mapping', () => {
  it('goes after the last entry and its nested lines, in two- or four-space files', () => {
    expect(append('volumes:\n  a:\n    driver: local\n  b: {}\nnetworks: {}\n', 'volumes', MAP, () => ['  c:']).out).toBe('volumes:\n  a:\n    driver: local\n  b: {}\n  c:\nnetworks: {}\n');
    expect(append('volumes:\n    a:\n        driver: local\n', 'volumes', MAP, () => ['    c:']).out).toBe('volumes:\n    a:\n        driver: local\n    c:\n');
  });

  it('keeps a comment on the last entry\'s line with it', () => {
    expect(append('volumes:\n  a: # kept\nx: 1\n', 'volumes', MAP, () => ['  c:']).out).toBe('volumes:\n  a: # kept\n  c:\nx: 1\n');
  });

  it('under a key with nothing, on the lines after it (a line break first at the end of the file)', () => {
    expect(append('volumes:\nservices: {}\n', 'volumes', MAP, () => ['  c:'])).toEqual({ out: 'volumes:\n  c:\nservices: {}\n', sites: ['empty'] });
    expect(append('services: {}\nvolumes:', 'volumes', MAP, () => ['  c:']).out).toBe('services: {}\nvolumes:\n  c:\n');
    expect(append('services: {}\nvolumes: # later\n', 'volumes', MAP, () => ['  c:']).out).toBe('services: {}\nvolumes: # later\n  c:\n');
  });

  it('adds the key at the end of the document when there is none, with or without a blank line before it', () => {
    expect(append('services: {}\n', 'volumes', MAP, () => ['  c:'])).toEqual({ out: 'services: {}\n\nvolumes:\n  c:\n', sites: ['empty:added'] });
    expect(append('services: {}', 'volumes', MAP, () => ['  c:']).out).toBe('services: {}\n\nvolumes:\n  c:\n');
    expect(append('version: 2\r\n', 'updates', SEQ, () => ['  - a']).out).toBe('version: 2\r\nupdates:\r\n  - a\r\n');
  });

  it('refuses flow style rather than rewrite it', () => {
    expect(append('volumes: { a: {} }\n', 'volumes', MAP, () => ['  c:']).refused).toBe('flow');
    expect(append('volumes: {}\n', 'volumes', MAP, () => ['  c:']).refused).toBe('flow');
  });
});

describe('helpers', () => {
  it('endOfLastItem: undefined for an empty collection', () => {
    const parsed = parseYaml(new SourceFile('x.yml', 'a: []\n', false));
    const value = (parsed.doc.contents as { items: Array<{ value: unknown }> }).items[0]?.value;
    expect(isSeq(value) && endOfLastItem('a: []\n', value)).toBeUndefined();
  });

  it('quoteScalar: plain only where it reads back as the same string', () => {
    expect(quoteScalar('weekly', 'PLAIN')).toBe('weekly');
    expect(quoteScalar('yes', 'PLAIN')).toBe('"yes"');
    expect(quoteScalar('1.10', 'PLAIN')).toBe('"1.10"');
    expect(quoteScalar("it's", 'QUOTE_SINGLE')).toBe("'it''s'");
  });
});
