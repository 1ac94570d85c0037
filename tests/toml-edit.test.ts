import { describe, it, expect } from 'vitest';
import { SourceFile } from '../src/workspace/source-file.js';
import { insertTable } from '../src/formats/toml-edit.js';

const apply = (text: string, name: string, entries: Array<[string, string]>, family: string): string | undefined => {
  const ins = insertTable(new SourceFile('pyproject.toml', text, false), name, entries, family);
  return ins && text.slice(0, ins.offset) + ins.text + text.slice(ins.offset);
};

describe('insertTable (formats/toml-edit.ts)', () => {
  it('goes after the last table of the family, above the comment of the next table', () => {
    const text = '[project]\nname = "a"\n\n[project.urls]\nhome = "x"\n\n# ruff\n[tool.ruff]\nx = 1\n';
    expect(apply(text, 'project.scripts', [['a', 'a.cli:main']], 'project')).toBe('[project]\nname = "a"\n\n[project.urls]\nhome = "x"\n\n[project.scripts]\na = "a.cli:main"\n\n# ruff\n[tool.ruff]\nx = 1\n');
  });

  it('does not take a header-like line inside a multi-line string for a table', () => {
    const text = '[project]\nname = "a"\ndescription = """\n[tool.fake]\n"""\n';
    expect(apply(text, 'project.scripts', [['a', 'a:main']], 'project')).toBe(`${text}\n[project.scripts]\na = "a:main"\n`);
  });

  it('keeps CRLF and adds the missing final newline first', () => {
    expect(apply('[project]\r\nname = "a"', 'project.scripts', [['a', 'a:main']], 'project')).toBe('[project]\r\nname = "a"\r\n\r\n[project.scripts]\r\na = "a:main"\r\n');
  });

  it('offers nothing when the result would not hold the entry (the table exists inline)', () => {
    expect(apply('[project]\nname = "a"\nscripts = { b = "b:main" }\n', 'project.scripts', [['a', 'a:main']], 'project')).toBeUndefined();
  });

  it('quotes a key that is not bare', () => {
    expect(apply('[project]\nname = "a.b"\n', 'project.scripts', [['a.b', 'a:main']], 'project')).toBe('[project]\nname = "a.b"\n\n[project.scripts]\n"a.b" = "a:main"\n');
  });
});
