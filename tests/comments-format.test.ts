/**
 * The readers for references outside docs: whole-line `#` comments, CODEOWNERS rules, and the
 * property names of JSON index files, each with the offsets an edit needs.
 */
import { describe, it, expect } from 'vitest';
import { SourceFile } from '../src/workspace/source-file.js';
import { commentSyntaxFor, commentSyntaxOfShebang, hashComments, isCodeownersPath, parseCodeowners, sourceComments } from '../src/formats/comments.js';
import { jsonObjectKeys } from '../src/formats/json-keys.js';
import { offsetAt } from '../src/formats/mapped-text.js';

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
    expect(offsetAt(plain!, 0)).toBe(plain!.start);
    expect(offsetAt(escaped!, 0)).toBe(-1);
  });
  it('reports invalid JSON instead of guessing', async () => {
    const r = await jsonObjectKeys(new SourceFile('docs/INDEX.json', '{"a": ', false));
    expect(r.ok).toBe(false);
  });
});

describe('sourceComments', () => {
  const values = (text: string, syntax: Parameters<typeof sourceComments>[1]): string[] => {
    const found = sourceComments(text, syntax);
    // Every comment's text is where it says it is.
    for (const c of found) expect(text.slice(c.start, c.start + c.value.length)).toBe(c.value);
    return found.map((c) => c.value);
  };
  it('C-like: line and block comments, not inside strings, template literals or regex literals', () => {
    const text = 'const a = "// no"; // yes 1\nconst b = `\n// no\n`;\nconst r = /\\/\\/no/g; /* yes 2\n * yes 3 */\nconst url = \'http://x\'; x = y / 2; // yes 4\r\n';
    expect(values(text, 'c')).toEqual(['yes 1', 'yes 2', 'yes 3', 'yes 4']);
  });
  it('an unclosed quote on its line is no string (a Rust lifetime, an apostrophe)', () => {
    expect(values("fn f<'a>(x: &'a str) {} // yes\n", 'c')).toEqual(['yes']);
  });
  it('hash: # at a line start or after a blank, not in quotes, not $# or a#b', () => {
    expect(values('echo "# no" $# a#b # yes 1\n  # yes 2\nx: \'#no\'\n', 'hash')).toEqual(['yes 1', 'yes 2']);
  });
  it('css reads only block comments; sql both kinds; html, ini and batch their own', () => {
    expect(values('a { background: url(http://x//y); /* yes */ }\n', 'css')).toEqual(['yes']);
    expect(values("-- yes 1\nSELECT '--no' /* yes 2 */;\n", 'sql')).toEqual(['yes 1', 'yes 2']);
    expect(values('text TODO\n<!-- yes -->\n', 'html')).toEqual(['yes']);
    expect(values('; yes 1\nkey = a ; no\n# yes 2\n', 'ini')).toEqual(['yes 1', 'yes 2']);
    expect(values('@REM yes 1\r\necho rem no\r\n:: yes 2\r\n', 'batch')).toEqual(['yes 1', 'yes 2']);
  });
  it('reads a script\'s #! line when it has no extension', () => {
    expect(['#!/bin/sh\n', '#!/usr/bin/env python3\n', '#!/usr/bin/env node\n', 'plain\n'].map(commentSyntaxOfShebang)).toEqual(['hash', 'python', 'c', undefined]);
  });
  it('knows the syntax by name and extension', () => {
    expect(['a.ts', 'b.go', 'c.css', 'Dockerfile.dev', 'x/Makefile', 'w.yml', 'd.sql', 'p.lua', 'e.bat', 'f.md', 'g.ini', 'h.py', 'i.bin'].map(commentSyntaxFor)).toEqual(['c', 'c', 'css', 'hash', 'hash', 'hash', 'sql', 'sql', 'batch', 'html', 'ini', undefined, undefined]);
  });
});
