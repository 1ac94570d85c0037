/**
 * Style-preserving edits of a TOML document as text: the parse (smol-toml) gives values but no
 * positions, so the table headers are found line by line, and every edit is checked by parsing
 * the result again before it is offered.
 */
import { parse as parseToml } from 'smol-toml';
import type { SourceFile } from '../workspace/source-file.js';

export interface TomlInsertion {
  offset: number;
  text: string;
}

/** `[a.b]` or `[[a.b]]` at the start of a line, with its dotted name (quotes and spaces removed). */
const HEADER = /^[ \t]*\[\[?\s*([^\]\n]+?)\s*\]\]?[ \t]*(?:#.*)?$/;

interface Header {
  name: string;
  lineStart: number;
}

/**
 * The table headers of a document, outside multi-line strings (a `"""` block that holds a line
 * like `[x]` is not a header).
 */
function headersOf(text: string): Header[] {
  const out: Header[] = [];
  let inString: string | undefined;
  let offset = 0;
  for (const line of text.split('\n')) {
    if (inString === undefined) {
      const m = HEADER.exec(line.replace(/\r$/, ''));
      if (m) out.push({ name: (m[1] as string).split('.').map((s) => s.trim().replace(/^["']|["']$/g, '')).join('.'), lineStart: offset });
    }
    // Multi-line strings open and close on `"""` / `'''`; an odd count on a line flips the state.
    for (const q of ['"""', "'''"]) {
      if (inString !== undefined && inString !== q) continue;
      const count = line.split(q).length - 1;
      if (count % 2 === 1) inString = inString === undefined ? q : undefined;
    }
    offset += line.length + 1;
  }
  return out;
}

/**
 * Where a new table `[name]` goes: after the last table of its family (`project`, `project.*`
 * for `project.scripts`), before the next header and the comment lines directly above that
 * header (they describe it); at the end of the document when the family is last. The text uses
 * the file's line endings and keeps one blank line between tables. Undefined when the result
 * would not parse, or would not hold `entries` under `name`.
 */
export function insertTable(file: SourceFile, name: string, entries: ReadonlyArray<readonly [string, string]>, family: string): TomlInsertion | undefined {
  const text = file.text;
  const eol = file.eol;
  const body = [`[${name}]`, ...entries.map(([k, v]) => `${bareOrQuoted(k)} = ${JSON.stringify(v)}`)].join(eol) + eol;
  const headers = headersOf(text);
  const inFamily = (h: Header): boolean => h.name === family || h.name.startsWith(`${family}.`);
  const lastIndex = headers.map(inFamily).lastIndexOf(true);
  const next = lastIndex >= 0 ? headers[lastIndex + 1] : undefined;
  let insertion: TomlInsertion;
  if (next) {
    let at = next.lineStart;
    // Step above the comment lines that belong to the next table.
    for (;;) {
      const prevEnd = at - 1;
      if (prevEnd <= 0) break;
      const prevStart = text.lastIndexOf('\n', prevEnd - 1) + 1;
      const prevLine = text.slice(prevStart, prevEnd).replace(/\r$/, '');
      if (!/^\s*#/.test(prevLine)) break;
      at = prevStart;
    }
    insertion = { offset: at, text: body + eol };
  } else {
    const endsWithNewline = text.length === 0 || text.endsWith('\n');
    const blank = text.length === 0 || /\n\s*\n$/.test(text) ? '' : eol;
    insertion = { offset: text.length, text: (endsWithNewline ? '' : eol) + blank + body };
  }
  const result = text.slice(0, insertion.offset) + insertion.text + text.slice(insertion.offset);
  try {
    let node: unknown = parseToml(result);
    for (const part of name.split('.')) node = (node as Record<string, unknown> | undefined)?.[part];
    const table = node as Record<string, unknown> | undefined;
    if (!table || entries.some(([k, v]) => table[k] !== v)) return undefined;
  } catch {
    return undefined;
  }
  return insertion;
}

function bareOrQuoted(key: string): string {
  return /^[A-Za-z0-9_-]+$/.test(key) ? key : JSON.stringify(key);
}
