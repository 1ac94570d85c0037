/**
 * The readers for references outside docs: whole-line `#` comments, CODEOWNERS rules, and the
 * property names of JSON index files, each with the offsets an edit needs.
 */
import { describe, it, expect } from 'vitest';
import { SourceFile } from '../src/workspace/source-file.js';
import { hashComments, isCodeownersPath, parseCodeowners } from '../src/formats/comments.js';
import { jsonObjectKeys } from '../src/formats/json-keys.js';

describe('hashComments', () => {
  it('reads whole-line comments with their text offsets, and not a # after code', () => {
    const text = '# Usage: docker compose up\nservices:\n  web:\n    image: "a#b" # trailing\n    #   indented -f x.yml\n#\n';
    const found = hashComments(text);
    expect(found.map((c) => c.value)).toEqual(['Usage: docker compose up', '  indented -f x.yml', '']);
    for (const c of found) expect(text.slice(c.start, c.start + c.value.length)).toBe(c.value);
  });
  it('keeps CRLF out of the comment text', () => {
    const [c] = hashComments('# run -f a.yml\r\nx: 1\r\n');
    expect(c?.value).toBe('run -f a.yml');
  });
});

describe('parseCodeowners', () => {
  it('reads patterns and owners; skips comments, blank lines and GitLab sections', () => {
    const text = '# owners\n\n*   @org/all\n/docs/a.md @org/docs @jane # the docs\n[Backend]\n/src/app\\ dir/ @org/be\n^[Optional]\n';
    const rules = parseCodeowners(text);
    expect(rules.map((r) => [r.pattern, r.owners])).toEqual([
      ['*', ['@org/all']],
      ['/docs/a.md', ['@org/docs', '@jane']],
      ['/src/app\\ dir/', ['@org/be']],
    ]);
    const docs = rules[1]!;
    expect(text.slice(docs.start, docs.end)).toBe('/docs/a.md');
    expect(text.slice(docs.lineStart, docs.lineEnd)).toBe('/docs/a.md @org/docs @jane # the docs\n');
  });
  it('knows where code owners are read from', () => {
    expect(['CODEOWNERS', '.github/CODEOWNERS', 'docs/CODEOWNERS', '.gitlab/CODEOWNERS'].every(isCodeownersPath)).toBe(true);
    expect(isCodeownersPath('src/CODEOWNERS')).toBe(false);
  });
});

describe('jsonObjectKeys', () => {
  it('gives each property name its offsets and its object; escaped names are not mapped', async () => {
    const text = '{"src/": "app", "a": {"docs\\/x.md": 1, "b/c.md": 2}}';
    const r = await jsonObjectKeys(new SourceFile('docs/INDEX.json', text, false));
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.keys.map((k) => k.value)).toEqual(['src/', 'a', 'docs/x.md', 'b/c.md']);
    const [src, a, escaped, plain] = r.keys;
    expect(src!.objectId).toBe(a!.objectId);
    expect(escaped!.objectId).toBe(plain!.objectId);
    expect(escaped!.objectId).not.toBe(src!.objectId);
    expect(text.slice(plain!.start, plain!.end)).toBe('b/c.md');
    expect(plain!.offsets[0]).toBe(plain!.start);
    expect(escaped!.offsets[0]).toBe(-1);
  });
  it('reports invalid JSON instead of guessing', async () => {
    const r = await jsonObjectKeys(new SourceFile('docs/INDEX.json', '{"a": ', false));
    expect(r.ok).toBe(false);
  });
});
