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

/** How a language writes comments, for `sourceComments`. */
export type CommentSyntax =
  /** `//` and `/* *\/`, with '…' "…" and `…` strings (JS/TS, Go, Java, C, C#, Rust, Kotlin, Swift, PHP, SCSS…). */
  | 'c'
  /** `/* *\/` only (CSS: `//` is part of URLs). */
  | 'css'
  /** `#` at a line's start or after a blank, with '…' "…" strings (shell, YAML, TOML, Ruby, R, HCL, PowerShell, Dockerfile, Makefile). */
  | 'hash'
  /** `;` or `#` at a line's start (INI). */
  | 'ini'
  /** `--` and `/* *\/` (SQL; Lua's `--` comments too). */
  | 'sql'
  /** `REM` and `::` lines (batch files). */
  | 'batch'
  /** `<!-- -->` (HTML, XML, Markdown). */
  | 'html';

/** One comment: its text (without the markers) and where that text starts. */
export interface SourceComment {
  value: string;
  /** Offset of `value[0]` in the file. */
  start: number;
}

/**
 * The comment syntax of a file, by its name and extension; undefined for files this reader does
 * not know (and for Python, which is read with tree-sitter).
 */
export function commentSyntaxFor(p: string): CommentSyntax | undefined {
  const name = p.slice(p.lastIndexOf('/') + 1);
  if (/^(Dockerfile|Containerfile)([.-].*)?$|\.(dockerfile|containerfile)$/i.test(name) || /^(GNU)?[Mm]akefile$|\.mk$/.test(name)) return 'hash';
  const ext = name.includes('.') ? name.slice(name.lastIndexOf('.') + 1).toLowerCase() : '';
  switch (ext) {
    case 'js': case 'jsx': case 'mjs': case 'cjs': case 'ts': case 'tsx': case 'mts': case 'cts':
    case 'go': case 'java': case 'c': case 'h': case 'cc': case 'cpp': case 'cxx': case 'hpp': case 'hh':
    case 'cs': case 'rs': case 'kt': case 'kts': case 'swift': case 'scala': case 'dart': case 'php':
    case 'groovy': case 'gradle': case 'proto': case 'scss': case 'less': case 'zig':
      return 'c';
    case 'css':
      return 'css';
    case 'sh': case 'bash': case 'zsh': case 'fish': case 'yml': case 'yaml': case 'toml': case 'rb':
    case 'pl': case 'pm': case 'r': case 'tf': case 'hcl': case 'ps1': case 'psm1': case 'conf': case 'nginx':
      return 'hash';
    case 'ini': case 'cfg':
      return 'ini';
    case 'sql': case 'lua':
      return 'sql';
    case 'bat': case 'cmd':
      return 'batch';
    case 'html': case 'htm': case 'xml': case 'md': case 'mdx':
      return 'html';
    default:
      return undefined;
  }
}

/** The comment syntax a script without an extension declares on its `#!` line (`#!/bin/sh`, `#!/usr/bin/env node`). */
export function commentSyntaxOfShebang(text: string): CommentSyntax | 'python' | undefined {
  const m = /^#![^\r\n]*/.exec(text);
  if (!m) return undefined;
  if (/python/.test(m[0])) return 'python';
  if (/\b(node|deno|bun)\b/.test(m[0])) return 'c';
  return 'hash';
}

/**
 * The comments of a source file, read with a scanner that knows the language's strings, so a
 * `//` or `#` inside a string literal (`"http://x"`, `"# not a comment"`) starts nothing. A
 * `'` or `"` with no closing quote on its line is not a string (a Rust lifetime `'a`, an
 * apostrophe in a shell word); backquoted strings may span lines (JS templates, Go raw strings).
 * A JS regular-expression literal is skipped where a regex may start (after `(`, `=`, `,` …).
 * Block comments are returned one piece per line, so a marker's line is its comment's line.
 */
export function sourceComments(text: string, syntax: CommentSyntax): SourceComment[] {
  const out: SourceComment[] = [];
  const pushLines = (from: number, to: number): void => {
    let at = from;
    while (at < to) {
      let nl = text.indexOf('\n', at);
      if (nl === -1 || nl > to) nl = to;
      const raw = text.slice(at, nl).replace(/\s+$/, '');
      const lead = /^[ \t]*\**[ \t]?/.exec(raw)?.[0].length ?? 0;
      if (raw.length > lead || at === from) out.push({ value: raw.slice(lead), start: at + lead });
      at = nl + 1;
    }
  };
  if (syntax === 'batch') {
    const re = /^[ \t]*@?(?:rem(?=[\s]|$)|::)[ \t]?([^\r\n]*)/gim;
    for (let m = re.exec(text); m; m = re.exec(text)) out.push({ value: m[1] as string, start: m.index + m[0].length - (m[1] as string).length });
    return out;
  }
  if (syntax === 'ini') {
    const re = /^[ \t]*[;#]+[ \t]?([^\r\n]*)/gm;
    for (let m = re.exec(text); m; m = re.exec(text)) out.push({ value: m[1] as string, start: m.index + m[0].length - (m[1] as string).length });
    return out;
  }
  if (syntax === 'html') {
    const re = /<!--([\s\S]*?)(?:-->|$)/g;
    for (let m = re.exec(text); m; m = re.exec(text)) pushLines(m.index + 4, m.index + 4 + (m[1] as string).length);
    return out;
  }
  const lineComment = syntax === 'c' ? '//' : syntax === 'sql' ? '--' : syntax === 'hash' ? '#' : undefined;
  const blocks = syntax === 'c' || syntax === 'css' || syntax === 'sql';
  const lineEndAt = (i: number): number => {
    const nl = text.indexOf('\n', i);
    return nl === -1 ? text.length : nl;
  };
  let lastSignificant = '';
  let i = 0;
  while (i < text.length) {
    const ch = text[i] as string;
    if (blocks && ch === '/' && text[i + 1] === '*') {
      const close = text.indexOf('*/', i + 2);
      const end = close === -1 ? text.length : close;
      pushLines(i + 2, end);
      i = close === -1 ? text.length : close + 2;
      continue;
    }
    if (lineComment && text.startsWith(lineComment, i) && (syntax !== 'hash' || i === 0 || /[\s;]/.test(text[i - 1] as string))) {
      const end = lineEndAt(i);
      let from = i + lineComment.length;
      while (text[from] === lineComment[0] && from < end) from++;
      if (text[from] === ' ' || text[from] === '\t') from++;
      out.push({ value: text.slice(from, end).replace(/\r$/, ''), start: from });
      i = end;
      continue;
    }
    if (ch === '"' || ch === "'" || (ch === '`' && syntax === 'c')) {
      const end = stringEnd(text, i, ch === '`' ? Infinity : lineEndAt(i));
      if (end !== -1) {
        i = end + 1;
        lastSignificant = ch;
        continue;
      }
    }
    if (syntax === 'c' && ch === '/' && /^$|[(,=:[!&|?{};+\-*%<>~^]$/.test(lastSignificant)) {
      // A regular-expression literal: up to its closing `/` on this line, outside a class.
      const end = regexEnd(text, i, lineEndAt(i));
      if (end !== -1) {
        i = end + 1;
        lastSignificant = '/';
        continue;
      }
    }
    if (!/\s/.test(ch)) lastSignificant = ch;
    i++;
  }
  return out;
}

/** The offset of the quote that closes the string opened at `open`, or -1 before `limit`. */
function stringEnd(text: string, open: number, limit: number): number {
  const quote = text[open];
  for (let j = open + 1; j < text.length && j < limit; j++) {
    const c = text[j];
    if (c === '\\') j++;
    else if (c === quote) return j;
  }
  return -1;
}

function regexEnd(text: string, open: number, limit: number): number {
  let inClass = false;
  for (let j = open + 1; j < limit; j++) {
    const c = text[j];
    if (c === '\\') j++;
    else if (c === '[') inClass = true;
    else if (c === ']') inClass = false;
    else if (c === '/' && !inClass) return j > open + 1 ? j : -1;
  }
  return -1;
}
