/**
 * Readers for text that names repository paths outside docs: the `#` comments of YAML, compose
 * files and Dockerfiles (`# Usage: docker compose -f docker-compose.prod.yml up`), and the
 * patterns of a CODEOWNERS file. Each piece carries its offsets, so a rule edits only inside it.
 */

/** One `#` comment line: its text after the marker, and where that text starts. */
export interface HashComment {
  value: string;
  /** Offset of `value[0]` in the file. */
  start: number;
  /** Offset of the line's start, and of the end of the line (before its line break). */
  lineStart: number;
  lineEnd: number;
}

/**
 * Whole-line `#` comments (the line holds nothing else), in order. A `#` after code is left out:
 * in YAML it may sit inside a value, in a Dockerfile it is no comment at all.
 */
export function hashComments(text: string): HashComment[] {
  const out: HashComment[] = [];
  const line = /^[ \t]*#+[ \t]?([^\r\n]*)/gm;
  for (let m = line.exec(text); m; m = line.exec(text)) {
    const value = m[1] as string;
    const lineEnd = m.index + m[0].length;
    out.push({ value, start: lineEnd - value.length, lineStart: m.index, lineEnd });
    if (m[0].length === 0) line.lastIndex++;
  }
  return out;
}

/** Where GitHub and GitLab read code owners from. */
export function isCodeownersPath(p: string): boolean {
  return /^(?:\.github\/|docs\/|\.gitlab\/)?CODEOWNERS$/.test(p);
}

/** One rule of a CODEOWNERS file: a path pattern and the owners it names. */
export interface OwnerRule {
  pattern: string;
  /** Span of the pattern as written. */
  start: number;
  end: number;
  owners: string[];
  /** The whole line, with its line break (what removing the rule removes). */
  lineStart: number;
  lineEnd: number;
}

/**
 * The rules of a CODEOWNERS file. Comments, blank lines and GitLab `[Section]` headers are not
 * rules; a pattern written with escaped spaces (`\ `) is kept whole.
 */
export function parseCodeowners(text: string): OwnerRule[] {
  const out: OwnerRule[] = [];
  let at = 0;
  while (at < text.length) {
    let nl = text.indexOf('\n', at);
    if (nl === -1) nl = text.length;
    const lineText = text.slice(at, nl).replace(/\r$/, '');
    const m = /^([ \t]*)((?:\\.|[^\s#\\])+)(.*)$/.exec(lineText);
    if (m && !/^\^?\[/.test(m[2] as string)) {
      const owners = (m[3] as string).replace(/(^|\s)#.*$/, '').trim().split(/\s+/).filter(Boolean);
      const start = at + (m[1] as string).length;
      out.push({ pattern: m[2] as string, start, end: start + (m[2] as string).length, owners, lineStart: at, lineEnd: Math.min(nl + 1, text.length) });
    }
    at = nl + 1;
  }
  return out;
}
