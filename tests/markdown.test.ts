/** The Markdown / JSON index reader: offsets of code spans, code blocks, link targets, JSON strings. */
import { describe, it, expect } from 'vitest';
import { SourceFile } from '../src/workspace/source-file.js';
import { leanModel, parseMarkdown, jsonStringValues, mappedSpan, blankComponentTags, type MarkdownModel, type MappedText } from '../src/formats/markdown.js';
import { offsetAt } from '../src/formats/mapped-text.js';
import { setParseStore } from '../src/formats/store.js';

async function model(text: string): Promise<MarkdownModel> {
  const r = await parseMarkdown(new SourceFile('doc.md', text, false));
  if (!r.ok) throw new Error(r.reason);
  return r.model;
}

/** The source text under every mapped character must be that character. */
function roundTrips(text: string, m: MappedText): boolean {
  for (let i = 0; i < m.value.length; i++) {
    const o = offsetAt(m, i) as number;
    if (o < 0) return false;
    const c = m.value[i] as string;
    if (c !== '\n' && c !== '\r' && text[o] !== c) return false;
  }
  return true;
}

describe('markdown code spans', () => {
  it('maps inline code content, with single-space stripping and double backticks', async () => {
    const text = 'Run `docker compose up -d db` or `` a`b `` now.\n';
    const m = await model(text);
    expect(m.spans.map((s) => s.value)).toEqual(['docker compose up -d db', 'a`b']);
    const [first, second] = m.spans;
    expect(text.slice(offsetAt(first!, 0), offsetAt(first!, 0)! + first!.value.length)).toBe('docker compose up -d db');
    expect(mappedSpan(second!, 0, 3)).toEqual([text.indexOf('a`b'), text.indexOf('a`b') + 3]);
    expect(roundTrips(text, first!)).toBe(true);
  });

  it('maps a code span that wraps onto the next line', async () => {
    const text = 'See `python\nscripts/x.py` here.\n';
    const m = await model(text);
    expect(m.spans[0]!.value).toBe('python\nscripts/x.py');
    expect(roundTrips(text, m.spans[0]!)).toBe(true);
    expect(mappedSpan(m.spans[0]!, 7, 19)).toEqual([text.indexOf('scripts/x.py'), text.indexOf('scripts/x.py') + 12]);
  });
});

describe('markdown code blocks', () => {
  it('maps fenced code inside a list item and a blockquote, with CRLF', async () => {
    const text = '# T\r\n\r\n> ```bash\r\n> docker  up\r\n>   x\r\n> ```\r\n\r\n- item\r\n\r\n  ```sh\r\n  a b\r\n\r\n  c\r\n  ```\r\n';
    const m = await model(text);
    expect(m.blocks.map((b) => [b.lang, b.fenced])).toEqual([
      ['bash', true],
      ['sh', true],
    ]);
    const [quoted, listed] = m.blocks;
    expect(roundTrips(text, quoted!)).toBe(true);
    expect(roundTrips(text, listed!)).toBe(true);
    const c = listed!.value.indexOf('c');
    expect(text[offsetAt(listed!, c)!]).toBe('c');
    expect(text.slice(offsetAt(quoted!, 0)!, offsetAt(quoted!, 0)! + 10)).toBe('docker  up');
  });

  it('maps tilde fences and indented code, and keeps the info string', async () => {
    const text = '~~~Dockerfile title\nCMD ["uvicorn", "a:app"]\n~~~\n\n    indented\n    code\n';
    const m = await model(text);
    expect(m.blocks.map((b) => [b.lang, b.meta, b.fenced, b.value])).toEqual([
      ['dockerfile', 'title', true, 'CMD ["uvicorn", "a:app"]'],
      [undefined, undefined, false, 'indented\ncode'],
    ]);
    expect(m.blocks.every((b) => roundTrips(text, b))).toBe(true);
  });

  it('leaves characters unmapped when a line does not align', async () => {
    const text = '```\n\tx\n```\n';
    const m = await model(text);
    expect(m.blocks[0]!.value).toBe('\tx');
    expect(roundTrips(text, m.blocks[0]!)).toBe(true);
    expect(mappedSpan(m.blocks[0]!, 0, 0)).toBeUndefined();
  });
});

describe('markdown links', () => {
  it('locates inline, angle-bracket, image and definition destinations', async () => {
    const text = 'A [x `a]` y](../a.md#f "t") and ![i](<img x.png>) and [ref][r] and <https://e.x>.\n\n[r]: ./ref.md \'title\'\n';
    const m = await model(text);
    const rows = m.links.map((l) => [l.kind, l.url, l.raw, l.urlStart === undefined ? undefined : text.slice(l.urlStart, l.urlEnd)]);
    expect(rows).toEqual([
      ['link', '../a.md#f', '../a.md#f', '../a.md#f'],
      ['image', 'img x.png', 'img x.png', 'img x.png'],
      ['autolink', 'https://e.x', undefined, undefined],
      ['definition', './ref.md', './ref.md', './ref.md'],
    ]);
  });

  it('parses CommonMark autolinks (not bare GFM URLs), and balances parentheses in destinations', async () => {
    // GFM is not loaded: it doubles the parse cost and nothing the rules edit depends on it.
    const text = 'Go to http://localhost:8100/docs, <http://localhost:8000/> or [w](docs/a_(b).md).\n';
    const m = await model(text);
    expect(m.links.map((l) => [l.kind, l.raw])).toEqual([
      ['autolink', undefined],
      ['link', 'docs/a_(b).md'],
    ]);
  });

  it('gives each heading its section end', async () => {
    const text = '# A\n\n## B\n\nx\n\n## C\n\n# D\n';
    const m = await model(text);
    expect(m.headings.map((h) => [h.text, text.slice(h.start, h.sectionEnd)])).toEqual([
      ['A', '# A\n\n## B\n\nx\n\n## C\n\n'],
      ['B', '## B\n\nx\n\n'],
      ['C', '## C\n\n'],
      ['D', '# D\n'],
    ]);
  });
});

describe('a model made elsewhere', () => {
  it('(a worker, the cache: plain data that came over as a copy) is the one the text parses to', async () => {
    const text = '# Run\n\n```bash\ncd services/api && uvicorn app.main:app --port 8000\n```\n\nSee `docs/deploy/production.md`, [the guide](docs/guides/getting-started.md) and <https://example.com/a/long/path>.\n\n[ref]: <docs/reference/with space.md>\n';
    const parsed = await parseMarkdown(new SourceFile('README.md', text, false));
    expect(parsed.ok).toBe(true);
    const model0 = (parsed as { model: MarkdownModel }).model;
    // As the cache gives it back, and as a worker sends it (the strings the text holds left out).
    const lean = leanModel(text, structuredClone(model0));
    expect(lean.blocks[0]?.value).toBeUndefined();
    expect(lean.links.map((l) => [l.url, l.raw])).toEqual([[undefined, undefined], ['https://example.com/a/long/path', undefined], [undefined, undefined]]);
    for (const copy of [structuredClone(model0), structuredClone(lean)]) {
      setParseStore({ get: () => ({ value: copy }), put: () => undefined });
      try {
        const again = await parseMarkdown(new SourceFile('README.md', text, false));
        expect(again).toEqual(parsed);
        const model = (again as { model: MarkdownModel }).model;
        // Still the text at its runs: a value is exactly what its mapping points at.
        for (const piece of [...model.spans, ...model.blocks]) expect(text.slice(offsetAt(piece, 0), offsetAt(piece, piece.value.length - 1) + 1)).toBe(piece.value);
        for (const link of model.links) if (link.raw !== undefined) expect(text.slice(link.urlStart, link.urlEnd)).toBe(link.raw);
      } finally {
        setParseStore(undefined);
      }
    }
  });
});

describe('markdown size cap', () => {
  it('skips a file above the cap with a reason, without parsing it', async () => {
    const r = await parseMarkdown(new SourceFile('big.md', 'x'.repeat(50), false), 10);
    expect(r).toEqual({ ok: false, reason: 'larger than the Markdown size cap (50 > 10 characters); not read' });
  });
});

describe('JSON index string values', () => {
  it('lists string values with paths, array ids and offsets, skipping keys', async () => {
    const text = '{\n  // c\n  "run": ["cp .env.example .env", "a\\"b"],\n  "dirs": {"x": "src/"},\n}\n';
    const r = await jsonStringValues(new SourceFile('docs/I.json', text, false));
    if (!r.ok) throw new Error(r.reason);
    expect(r.strings.map((s) => [s.value, s.path, s.arrayId, text.slice(s.start, s.end)])).toEqual([
      ['cp .env.example .env', ['run', 0], 1, 'cp .env.example .env'],
      ['a"b', ['run', 1], 1, 'a\\"b'],
      ['src/', ['dirs', 'x'], undefined, 'src/'],
    ]);
    const escaped = r.strings[1]!;
    expect(offsetAt(escaped, 1)).toBe(-1);
    expect(text[offsetAt(escaped, 2)!]).toBe('b');
  });

  it('reports invalid JSON instead of guessing', async () => {
    const r = await jsonStringValues(new SourceFile('docs/I.json', '{"a": ', false));
    expect(r.ok).toBe(false);
  });
});

describe('fences nested in MDX components', () => {
  it('reads a fence indented inside JSX as the fence it is', async () => {
    const { parseMarkdown } = await import('../src/formats/markdown.js');
    const { SourceFile } = await import('../src/workspace/source-file.js');
    const text = '<Tabs>\n  <Tab title="Docker">\n    ```bash\n    git clone https://example.com/x.git\n\n    cd x\n    ```\n  </Tab>\n</Tabs>\n';
    const r = await parseMarkdown(new SourceFile('docs/a.mdx', text, false));
    if (!r.ok) throw new Error(r.reason);
    const [block] = r.model.blocks;
    expect(block).toMatchObject({ fenced: true, lang: 'bash', value: 'git clone https://example.com/x.git\n\ncd x\n' });
    // Every character of the content maps back to its place in the file.
    const i = block!.value.indexOf('cd x');
    expect(text.slice(offsetAt(block!, i), offsetAt(block!, i)! + 4)).toBe('cd x');
  });

  it('leaves indented code that only mentions a fence alone', async () => {
    const { parseMarkdown } = await import('../src/formats/markdown.js');
    const { SourceFile } = await import('../src/workspace/source-file.js');
    const r = await parseMarkdown(new SourceFile('a.md', 'Text.\n\n    ```bash\n    echo unclosed\n', false));
    if (!r.ok) throw new Error(r.reason);
    expect(r.model.blocks[0]).toMatchObject({ fenced: false, lang: undefined });
  });
});

describe('component tag lines', () => {
  it('are blanked exactly where the tag regex finds them: the indexOf prefilter misses none', () => {
    const byRegex = (text: string): string => text.replace(/^[ \t]*<\/?[A-Z][\w.]*(?:\s[^<>\n]*)?\/?>[ \t]*$/gm, (line) => line.replace(/[^\r]/g, ' '));
    const pieces = [' ', '\t', '\n', '\r\n', '\r', '\u2028', '<Tabs>', '</Tab>', '<Tab title="x" />', '<b>', '< X>', '<', '/', 'X', 'text', '```'];
    let seed = 3;
    const random = (): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const texts = Array.from({ length: 3000 }, () => Array.from({ length: Math.floor(random() * 10) }, () => pieces[Math.floor(random() * pieces.length)]).join(''));
    for (const text of ['<Tabs>\n```sh\nx\n```\n</Tabs>', 'a\r<Steps>', 'a <Tabs>', ...texts]) expect(blankComponentTags(text), JSON.stringify(text)).toBe(byRegex(text));
  });
});
