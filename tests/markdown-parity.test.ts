/**
 * markdown-it (the reader in use) against mdast (the reference it replaced, still the fallback):
 * the same model, offsets included, for each shape the docs rules read. The corpus check is
 * `node bench/markdown-parity.mjs <folders>` (see bench/README.md).
 */
import { describe, expect, it } from 'vitest';
import { readMarkdown, type MarkdownModel } from '../src/formats/markdown.js';
import { offsetAt } from '../src/formats/mapped-text.js';

const SAMPLES: Record<string, string> = {
  'fences, info strings and meta': '# Setup\n\n```bash\nnpm ci\n```\n\n~~~py title="a.py" \nprint(1)\n~~~\n\n```\nplain\n```\n\n```js icon="x"   \nlet a\n```\n',
  'unclosed fence at the end': 'Intro.\n\n```sh\nmake build\n\n',
  'unclosed fence without a final line ending': 'Intro.\n\n```sh\nmake build',
  'indented code, interior and trailing blank lines': 'Para.\n\n    line one\n\n    line two\n         \n  \n      \n\nAfter.\n',
  'indented code whose last line of the text is blank': 'Para.\n\n    code\n         \n            ',
  'code spans: ticks, padding, line endings': 'Use `npm ci`, `` a`b ``, ` x `, `  ` and `a\n   b` or `\nc\n`.\n\nUnmatched ``` here.\n',
  'links, images, references, definitions, autolinks': '[a](docs/a.md) ![i](img/x.png "t") [ref][r] [r] <https://example.com/x> <me@example.com>\n[nested [b](b.md)](c.md) ![alt [l](l.md)](p.png) [esc](a\\_b.md) [ent](a&amp;b.md) [angle](<with space.md>)\n\n[r]: ./ref.md "Title"\n[dup]: one.md\n[dup]: two.md\n',
  'javascript and data destinations are kept as written': '[x](javascript:alert(1)) [y](data:text/plain,hi) [z](file:///etc/passwd)\n',
  'headings: ATX, closed, setext, inline content': '# One `code` *em* <b>html</b> [link](a.md) ![img](i.png)\n\n## Two ##\n\nSetext *one*\nline two\n===\n\nSub\n---\n\n#\tTabbed\n',
  'block quotes and lists': '> quoted `span`\n> ```sh\n> echo hi\n> ```\n\n- item with [link](x.md)\n\n      indented code in item\n\n  ```py\n  print(2)\n  ```\n1. Installed:\n```bash\npip install x\n```\n',
  'tabs in indentation': 'Para.\n\n\tcode with tab\n\t\tdeeper\n\n- item\n\n\t```sh\n\techo\n\t```\n',
  'html blocks hide their content': '<div>\n`not a span` [not](a.md)\n</div>\n\n<!--\n[hidden](h.md)\n-->\n\nAfter `span`.\n',
  'MDX component tags around fences': '<Tabs>\n  <Tab title="Docker">\n    ```bash\n    docker compose up\n    ```\n  </Tab>\n</Tabs>\n\n<Card title="x" href="/a">\n  Text [l](b.md)\n</Card>\n',
  'CRLF line endings': '# Title\r\n\r\nRun `a\r\nb` then:\r\n\r\n```sh\r\nmake\r\ntest\r\n```\r\n\r\n    indented\r\n    two\r\n\r\n[d]: ./d.md\r\n[l](./l.md)\r\n',
  'prose without a code span, link or autolink (no inline parse) beside look-alikes': 'Plain *emphasis* and __strong__ text,\nsoft break, hard break  \nand a backslash\\\nbreak, &amp; entities, \\* escapes, ! bangs and ] brackets.\n\nA lone [ bracket then `code` later.\n\nAn <b>inline</b> tag.\n\n- item *one*\n- item [two](two.md)\n\n> quoted prose\n> and `quoted code`\n\nLast line *without* anything.',
  'entities and escapes in headings and code': '# A &amp; B \\* `x &amp; y`\n\n```sh\necho &amp; \\*\n```\n',
};

const plain = (m: MarkdownModel): unknown => JSON.parse(JSON.stringify(m, (_k, v: unknown) => (v instanceof Int32Array ? Array.from(v) : v)));

describe('markdown-it reads what mdast reads', () => {
  for (const [name, text] of Object.entries(SAMPLES)) {
    it(name, async () => {
      const fast = await readMarkdown(text, 'a.md', 'markdown-it');
      const reference = await readMarkdown(text, 'a.md', 'mdast');
      if (!fast.ok || !reference.ok) throw new Error('not read');
      expect(plain(fast.model)).toEqual(plain(reference.model));
    });
  }

  it('the samples reach every kind of node, so the comparison is not vacuous', async () => {
    const all = await Promise.all(Object.values(SAMPLES).map((t) => readMarkdown(t, 'a.md', 'markdown-it')));
    const count = (k: keyof MarkdownModel): number => all.reduce((n, r) => n + (r.ok ? r.model[k].length : 0), 0);
    expect(count('spans')).toBeGreaterThan(8);
    expect(count('blocks')).toBeGreaterThan(10);
    expect(count('links')).toBeGreaterThan(10);
    expect(count('headings')).toBeGreaterThan(5);
    const kinds = new Set(all.flatMap((r) => (r.ok ? r.model.links.map((l) => l.kind) : [])));
    expect([...kinds].sort()).toEqual(['autolink', 'definition', 'image', 'link']);
  });

  it('keeps destinations as written and gives each code span its own offsets', async () => {
    const text = '[x](javascript:alert(1)) and `make test` and [s](<a b.md>)\n';
    const r = await readMarkdown(text, 'a.md', 'markdown-it');
    if (!r.ok) throw new Error(r.reason);
    expect(r.model.links.map((l) => l.url)).toEqual(['javascript:alert(1)', 'a b.md']);
    const span = r.model.spans[0]!;
    expect(text.slice(span.start, span.end)).toBe('`make test`');
    expect(text.slice(offsetAt(span, 0), (offsetAt(span, span.value.length - 1) as number) + 1)).toBe('make test');
  });
});
