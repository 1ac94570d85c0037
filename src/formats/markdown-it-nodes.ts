/**
 * The nodes the docs rules read (code spans, code blocks, links, images, definitions, headings),
 * from markdown-it: a CommonMark parser about 20 times faster here than micromark/mdast
 * (105 ms against 2.3 s on 2.4 MB of docs).
 *
 * markdown-it gives block tokens a line map but no offsets, and inline tokens nothing. So the
 * rules that make the tokens of interest are wrapped, through markdown-it's own rule chain
 * (`ruler.at`), to note where each token starts and ends:
 * - block rules note their first line's offset and their last line's end, from the parser state
 *   they run in (container prefixes are already skipped there);
 * - paragraphs and headings note, for each character of the inline text they hand on, its
 *   offset in the source. That mapping is rebuilt the way markdown-it builds the text
 *   (`StateBlock.getLines`) and is checked against it: when the two differ, nothing is
 *   guessed, and the caller reads the file with mdast instead;
 * - inline rules note the span of inline text they consumed.
 * markdown-it reads a normalised copy of the text (`\r\n` and `\r` become `\n`); offsets are
 * mapped back to the original text at the end, and code keeps the file's own line endings, as
 * mdast gives them.
 */
import markdownIt from 'markdown-it';
import type { default as MarkdownIt, Options } from 'markdown-it';
import type StateBlock from 'markdown-it/lib/rules_block/state_block.mjs';
import type StateInline from 'markdown-it/lib/rules_inline/state_inline.mjs';
import type Token from 'markdown-it/lib/token.mjs';
import type { MdNodeOfInterest } from './markdown-nodes.js';
import { lineStarts, positionAt } from '../util/text.js';

/** Offsets a wrapped rule noted on a token, in the normalised text. */
interface Noted {
  apfStart?: number;
  apfEnd?: number;
  /** Inline tokens: the normalised offset of each character of `content` (-1: a tab's padding). */
  apfAt?: Int32Array;
  /** Inline tokens whose mapping could not be rebuilt. */
  apfUnmapped?: boolean;
  /** Definitions: the decoded destination. */
  apfUrl?: string;
  /** A paragraph's inline token whose text can hold no node (no inline parse). */
  apfPlain?: boolean;
}
type NotedToken = Token & Noted;

type BlockRule = (state: StateBlock, startLine: number, endLine: number, silent: boolean) => boolean;
type InlineRule = (state: StateInline, silent: boolean) => boolean;

const isAsciiTrimmable = (c: number): boolean => c === 32 || c === 9 || c === 10 || c === 13;

/**
 * Where `line`'s indentation ends after up to `columns` columns, as `StateBlock.getLines` skips
 * it (tabs to the next multiple of 4; a container's marker, masked by `tShift`, counts as one),
 * and how many columns that was (more than `columns` when a tab is only partly used).
 */
function indentEnd(state: StateBlock, line: number, columns: number, limit: number): { pos: number; width: number } {
  const lineStart = state.bMarks[line] as number;
  let pos = lineStart;
  let width = 0;
  while (pos < limit && width < columns) {
    const ch = state.src.charCodeAt(pos);
    if (ch === 0x09) width += 4 - ((width + (state.bsCount[line] as number)) % 4);
    else if (ch === 0x20 || pos - lineStart < (state.tShift[line] as number)) width++;
    else break;
    pos++;
  }
  return { pos, width };
}

/**
 * The inline text of a paragraph or setext heading, `asciiTrim(state.getLines(begin, end,
 * indent, false))` as markdown-it builds it (lib/rules_block/state_block.mjs), with the source
 * offset of every character (-1 for the padding of a partly used tab).
 */
function linesAt(state: StateBlock, begin: number, end: number, indent: number): { text: string; at: Int32Array } {
  const src = state.src;
  const pieces: Array<{ pad: number; first: number; last: number }> = [];
  let length = 0;
  for (let line = begin; line < end; line++) {
    const last = Math.min(line + 1 < end ? (state.eMarks[line] as number) + 1 : (state.eMarks[line] as number), src.length);
    const { pos: first, width } = indentEnd(state, line, indent, last);
    const pad = Math.max(0, width - indent);
    pieces.push({ pad, first, last: Math.max(first, last) });
    length += pad + Math.max(0, last - first);
  }
  const at = new Int32Array(length);
  const parts: string[] = [];
  let k = 0;
  for (const piece of pieces) {
    if (piece.pad > 0) parts.push(' '.repeat(piece.pad));
    for (let i = 0; i < piece.pad; i++) at[k++] = -1;
    parts.push(src.slice(piece.first, piece.last));
    for (let p = piece.first; p < piece.last; p++) at[k++] = p;
  }
  const text = parts.join('');
  let from = 0;
  let to = text.length;
  while (from < to && isAsciiTrimmable(text.charCodeAt(from))) from++;
  while (to > from && isAsciiTrimmable(text.charCodeAt(to - 1))) to--;
  return { text: text.slice(from, to), at: at.subarray(from, to) };
}

/**
 * Wraps a block rule so that `note` sees the first token it pushed. `tokenless` names the token
 * to push (hidden, with the lines read) when the rule reads its block but pushes none.
 */
function wrapBlock(md: MarkdownIt, name: string, note: (state: StateBlock, startLine: number, token: NotedToken, tokens: NotedToken[], at: number, endLine: number) => void, tokenless?: string): void {
  const rule = (md.block.ruler as unknown as { __rules__: Array<{ name: string; fn: BlockRule; alt: string[] }> }).__rules__.find((r) => r.name === name);
  if (!rule) throw new Error(`markdown-it has no block rule ${name}`);
  const original = rule.fn;
  // `at` resets the chains a rule terminates (`alt`) unless they are given again.
  md.block.ruler.at(name, (state, startLine, endLine, silent) => {
    const at = state.tokens.length;
    const ok = original(state, startLine, endLine, silent);
    if (ok && !silent && state.tokens.length === at && tokenless !== undefined) {
      const token = state.push(tokenless, '', 0);
      token.map = [startLine, state.line];
      token.hidden = true;
    }
    if (ok && !silent && state.tokens.length > at) note(state, startLine, state.tokens[at] as NotedToken, state.tokens as NotedToken[], at, endLine);
    return ok;
  }, { alt: [...rule.alt] });
}

function wrapInline(md: MarkdownIt, name: string, type: string): void {
  const rule = (md.inline.ruler as unknown as { __rules__: Array<{ name: string; fn: InlineRule; alt: string[] }> }).__rules__.find((r) => r.name === name);
  if (!rule) throw new Error(`markdown-it has no inline rule ${name}`);
  const original = rule.fn;
  md.inline.ruler.at(name, (state, silent) => {
    const start = state.pos;
    const at = state.tokens.length;
    const ok = original(state, silent);
    if (ok && !silent) {
      // `push` first flushes the pending text as a token of its own: the rule's token is the
      // first of its type after it.
      for (let i = at; i < state.tokens.length; i++) {
        const token = state.tokens[i] as NotedToken;
        if (token.type !== type) continue;
        token.apfStart = start;
        token.apfEnd = state.pos;
        break;
      }
    }
    return ok;
  }, { alt: [...rule.alt] });
}

/** The inline token a paragraph or heading pushed after its opening token, with its mapping. */
function noteInline(tokens: NotedToken[], openAt: number, mapping: () => { text: string; at: Int32Array }): void {
  const inline = tokens[openAt + 1];
  if (!inline || inline.type !== 'inline') return;
  const m = mapping();
  if (m.text === inline.content) inline.apfAt = m.at;
  else inline.apfUnmapped = true;
}

/** Whether `line` is the closing fence of a fence opened with `markup` on `openLine`. */
function closesFence(state: StateBlock, line: number, openLine: number, markup: string): boolean {
  if (line <= openLine) return false;
  const text = state.src.slice((state.bMarks[line] as number) + (state.tShift[line] as number), state.eMarks[line] as number);
  const run = /^(`+|~+)[ \t]*$/.exec(text)?.[1];
  return run !== undefined && run[0] === markup[0] && run.length >= markup.length && (state.sCount[line] as number) - state.blkIndent < 4;
}

/** Code spans, links, images and autolinks all start with one of these characters. */
const OPENS_INLINE_NODE = /[`[<]/;

function makeParser(noEmphasis: boolean): MarkdownIt {
  // CommonMark, HTML on (as mdast reads it), no nesting limit short of the complexity check's
  // own (markdown.ts, MARKDOWN_LIMITS), destinations kept as written (no percent-encoding, no
  // refusal of `javascript:` or `data:`: the rules judge them, nothing is rendered).
  // (@types/markdown-it does not list maxNesting, which markdown-it reads: lib/parser_block.mjs.)
  const md = markdownIt('commonmark', { maxNesting: 1000 } as Options);
  // markdown-it 14 rewrites every line ending (`\n` too), so each doc was copied whole; the
  // strings the models keep, sliced from that copy, then kept the copy alive (350 MB over the
  // docs of a 100,000-file repository). Only `\r\n`, `\r` and NUL change the text.
  md.core.ruler.at('normalize', (state) => {
    let src = state.src;
    if (src.includes('\r')) src = src.replace(/\r\n?/g, '\n');
    if (src.includes('\0')) src = src.replace(/\0/g, '\uFFFD');
    state.src = src;
  });
  md.normalizeLink = (url: string): string => url;
  md.validateLink = (): boolean => true;
  if (noEmphasis) md.disable('emphasis');
  const parseLinkDestination = md.helpers.parseLinkDestination;
  let lastDestination: string | undefined;
  md.helpers.parseLinkDestination = (str: string, start: number, max: number) => {
    const r = parseLinkDestination(str, start, max);
    lastDestination = r.ok ? r.str : undefined;
    return r;
  };

  wrapBlock(md, 'fence', (state, startLine, token) => {
    token.apfStart = (state.bMarks[startLine] as number) + (state.tShift[startLine] as number);
    token.apfEnd = state.eMarks[(state.line as number) - 1] as number;
    // A fence left open to the end of the text ends, for mdast, after the last line ending.
    if (state.line >= state.lineMax && !closesFence(state, state.line - 1, startLine, token.markup)) token.apfEnd = state.src.length;
  });
  wrapBlock(md, 'code', (state, startLine, token, _tokens, _at, endLine) => {
    // micromark (mdast) keeps the blank lines after an indented block up to the last one that is
    // itself indented four columns or more (its spaces are code, by its reading); CommonMark's
    // spec and markdown-it drop them all. The mdast reading is the one the rules were built on:
    // take those lines too, so that both readers give the same block.
    let last = -1;
    let line = state.line;
    for (; line < endLine && state.isEmpty(line); line++) if ((state.sCount[line] as number) - state.blkIndent >= 4) last = line;
    // markdown-it drops a last line of the text that holds only blanks; mdast counts it.
    const tail = line === state.lineMax && line === endLine ? state.src.slice(line > 0 ? (state.eMarks[line - 1] as number) + 1 : 0) : '';
    const tailCode = /^ +$/.test(tail) && tail.length - state.blkIndent >= 4 ? tail.slice(4 + state.blkIndent) : undefined;
    if (tailCode !== undefined) last = line - 1;
    if (last !== -1) {
      state.line = last + 1;
      token.content = state.getLines(startLine, state.line, 4 + state.blkIndent, false) + '\n' + (tailCode !== undefined ? tailCode + '\n' : '');
      token.map = [startLine, state.line];
    }
    // The block starts after the indentation of the list item it sits in (mdast's reading).
    token.apfStart = indentEnd(state, startLine, state.blkIndent, state.eMarks[startLine] as number).pos;
    token.apfEnd = tailCode !== undefined ? state.src.length : (state.eMarks[(state.line as number) - 1] as number);
  });
  wrapBlock(md, 'heading', (state, startLine, token, tokens, at) => {
    token.apfStart = (state.bMarks[startLine] as number) + (state.tShift[startLine] as number);
    noteInline(tokens, at, () => {
      // An ATX heading's text is one trimmed slice of its line.
      const inline = tokens[at + 1] as NotedToken;
      let from = (token.apfStart as number) + (token.markup?.length ?? 0);
      const max = state.eMarks[startLine] as number;
      while (from < max && isAsciiTrimmable(state.src.charCodeAt(from))) from++;
      const text = state.src.slice(from, from + inline.content.length);
      const at2 = new Int32Array(text.length);
      for (let k = 0; k < text.length; k++) at2[k] = from + k;
      return { text, at: at2 };
    });
  });
  wrapBlock(md, 'lheading', (state, startLine, token, tokens, at) => {
    const inline = tokens[at + 1] as NotedToken;
    const lastLine = inline.map ? inline.map[1] : startLine + 1;
    noteInline(tokens, at, () => linesAt(state, startLine, lastLine, state.blkIndent));
    token.apfStart = inline.apfAt?.[0] ?? -1;
  });
  wrapBlock(md, 'paragraph', (state, startLine, _token, tokens, at) => {
    const inline = tokens[at + 1] as NotedToken;
    // A paragraph without any (most prose) needs no mapping, and no inline parse.
    if (!OPENS_INLINE_NODE.test(inline.content)) {
      inline.apfPlain = true;
      return;
    }
    const lastLine = inline.map ? inline.map[1] : startLine + 1;
    noteInline(tokens, at, () => linesAt(state, startLine, lastLine, state.blkIndent));
  });
  // Definitions are nodes the rules read (their destinations are links). markdown-it 14 keeps a
  // definition in `env.references` only (15 pushes a token, then strips it): a token of 15's
  // shape is pushed where the rule read a definition.
  wrapBlock(md, 'reference', (state, startLine, token) => {
    token.apfStart = (state.bMarks[startLine] as number) + (state.tShift[startLine] as number);
    token.apfEnd = state.eMarks[(state.line as number) - 1] as number;
    // The rule read exactly one destination, this definition's, when it succeeds.
    token.apfUrl = lastDestination;
  }, 'reference_definition');
  // Nor an inline parse: it could make none of the tokens the nodes are read from, and it was
  // the larger half of markdown-it's time on prose-heavy docs. Headings keep theirs (their text
  // is read). This is markdown-it's own core rule otherwise (rules_core/inline).
  md.core.ruler.at('inline', (state) => {
    const tokens = state.tokens;
    for (let i = 0; i < tokens.length; i++) {
      const token = tokens[i] as Token;
      if (token.type !== 'inline') continue;
      if ((token as NotedToken).apfPlain) continue;
      state.md.inline.parse(token.content, state.md, state.env, token.children as Token[]);
    }
  });
  wrapInline(md, 'backticks', 'code_inline');
  wrapInline(md, 'link', 'link_open');
  wrapInline(md, 'image', 'image');
  wrapInline(md, 'autolink', 'link_open');
  return md;
}

/** Offsets of a normalised text in the original: identity without `\r`. */
function originalOffsets(text: string): ((n: number) => number) | undefined {
  if (!text.includes('\r')) return undefined;
  // markdown-it turns `\r\n` into `\n` (and a lone `\r` into `\n`, same length).
  const removed: number[] = [];
  for (let i = text.indexOf('\r\n'), dropped = 0; i !== -1; i = text.indexOf('\r\n', i + 2)) removed.push(i - dropped++);
  // removed[k]: the normalised offset at which the k+1-th dropped `\r` stood.
  return (n: number): number => {
    let lo = 0;
    let hi = removed.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((removed[mid] as number) <= n) lo = mid + 1;
      else hi = mid;
    }
    return n + lo;
  };
}

function headingText(children: Token[]): string {
  let out = '';
  for (const c of children) {
    if (c.type === 'text' || c.type === 'text_special' || c.type === 'code_inline' || c.type === 'html_inline') out += c.content;
    else if (c.type === 'softbreak') out += '\n';
  }
  return out;
}

/** First word of a fence's info string, and the rest (decoded, as mdast gives `lang` and `meta`). */
function fenceInfo(md: MarkdownIt, info: string): { lang: string | undefined; meta: string | undefined } {
  // mdast keeps the meta's trailing blanks, and has none when only blanks follow the language.
  const m = /^[ \t]*([^ \t]*)[ \t]*(.*)$/s.exec(info);
  const lang = m?.[1] ? md.utils.unescapeAll(m[1]) : undefined;
  const meta = m?.[2] ? md.utils.unescapeAll(m[2]) : undefined;
  return { lang, meta };
}

export interface MarkdownItReader {
  /** The nodes of interest, or undefined when an offset could not be rebuilt (read it with mdast). */
  nodes(text: string, noEmphasis: boolean): MdNodeOfInterest[] | undefined;
}

export function markdownItReader(): MarkdownItReader {
  const parsers = new Map<boolean, MarkdownIt>();
  return {
    nodes(text, noEmphasis) {
      let md = parsers.get(noEmphasis);
      if (!md) parsers.set(noEmphasis, (md = makeParser(noEmphasis)));
      const tokens = md.parse(text, {}) as NotedToken[];
      const toOriginal = originalOffsets(text);
      const orig = toOriginal ?? ((n: number): number => n);
      // An end is mapped through the last character before it: a `\r\n` line's content ends at its `\r`.
      const origEnd = (n: number): number => (n === 0 ? 0 : orig(n - 1) + 1);
      let starts: number[] | undefined;
      const nodes: MdNodeOfInterest[] = [];
      /** Code as mdast gives it: the file's own line endings, without the last one. */
      const codeValue = (content: string, firstLine: number): string => {
        let value = content.endsWith('\n') ? content.slice(0, -1) : content;
        if (toOriginal) value = withOriginalEndings(text, value, firstLine);
        return value;
      };
      for (let i = 0; i < tokens.length; i++) {
        const t = tokens[i] as NotedToken;
        switch (t.type) {
          case 'fence':
          case 'code_block': {
            if (t.apfStart === undefined || t.apfEnd === undefined || !t.map) return undefined;
            const firstContentLine = t.type === 'fence' ? t.map[0] + 1 : t.map[0];
            const info = t.type === 'fence' ? fenceInfo(md, t.info) : { lang: undefined, meta: undefined };
            nodes.push({ type: 'code', start: orig(t.apfStart), end: origEnd(t.apfEnd), line: t.map[0] + 1, value: codeValue(t.content, firstContentLine), lang: info.lang, meta: info.meta });
            break;
          }
          case 'reference_definition':
            if (t.apfStart === undefined || t.apfEnd === undefined || t.apfUrl === undefined || !t.map) return undefined;
            nodes.push({ type: 'definition', start: orig(t.apfStart), end: origEnd(t.apfEnd), line: t.map[0] + 1, url: t.apfUrl });
            break;
          case 'heading_open': {
            const inline = tokens[i + 1] as NotedToken | undefined;
            if (t.apfStart === undefined || t.apfStart < 0 || !t.map) return undefined;
            nodes.push({ type: 'heading', start: orig(t.apfStart), end: orig(t.apfStart), line: t.map[0] + 1, depth: Number(t.tag.slice(1)), text: headingText(inline?.children ?? []) });
            break;
          }
          case 'inline': {
            if (t.apfUnmapped) return undefined;
            const at = t.apfAt;
            for (const c of (t.children ?? []) as NotedToken[]) {
              if (c.type !== 'code_inline' && c.type !== 'link_open' && c.type !== 'image') continue;
              if (!at || c.apfStart === undefined || c.apfEnd === undefined) return undefined;
              const s = at[c.apfStart];
              const e = at[c.apfEnd - 1];
              if (s === undefined || e === undefined || s < 0 || e < 0) return undefined;
              const start = orig(s);
              const end = orig(e) + 1;
              const line = positionAt((starts ??= lineStarts(text)), start).line;
              if (c.type === 'code_inline') {
                nodes.push({ type: 'inlineCode', start, end, line, value: codeSpanValue(text, t.content, at, c.apfStart, c.apfEnd, c.markup.length, orig) });
                continue;
              }
              // A reference (`[a][b]`, `[a]`) is not a node mdast names `link`: only the inline
              // form ends in `)`; an autolink is `<…>`.
              const auto = c.markup === 'autolink';
              if (!auto && t.content[c.apfEnd - 1] !== ')') continue;
              const url = String(c.attrGet(c.type === 'image' ? 'src' : 'href') ?? '');
              nodes.push({ type: c.type === 'image' ? 'image' : 'link', start, end, line, url });
            }
            break;
          }
          default:
            break;
        }
      }
      return nodes;
    },
  };
}

/**
 * A code span's content as mdast gives it: line endings kept (the file's own), and one space or
 * line ending stripped from each side when both sides have one and it is not all blank.
 * markdown-it's own `content` turns line endings into spaces.
 */
function codeSpanValue(text: string, inline: string, at: Int32Array, from: number, to: number, ticks: number, orig: (n: number) => number): string {
  let s = from + ticks;
  let e = to - ticks;
  const blank = (c: string | undefined): boolean => c === ' ' || c === '\n';
  if (e - s >= 2 && blank(inline[s]) && blank(inline[e - 1]) && /[^ \n]/.test(inline.slice(s, e))) {
    s++;
    e--;
  }
  let value = '';
  let piece = s;
  for (let k = s; k < e; k++) {
    if (inline.charCodeAt(k) !== 10) continue;
    const o = orig(at[k] as number);
    value += inline.slice(piece, k) + (text[o] === '\r' ? (text[o + 1] === '\n' ? '\r\n' : '\r') : text[o - 1] === '\r' ? '\r\n' : '\n');
    piece = k + 1;
  }
  return value + inline.slice(piece, e);
}

/** Put back each line's own ending (`\r\n`, `\r`) into code read from the normalised text. */
function withOriginalEndings(text: string, value: string, firstLine: number): string {
  if (!value.includes('\n')) return value;
  // Start of 0-based line `firstLine` in the original text.
  let pos = 0;
  for (let l = 0; l < firstLine; l++) {
    const nl = nextLineEnd(text, pos);
    if (nl.end === -1) return value;
    pos = nl.end + nl.length;
  }
  let out = '';
  let from = 0;
  for (let i = value.indexOf('\n'); i !== -1; i = value.indexOf('\n', from)) {
    const nl = nextLineEnd(text, pos);
    out += value.slice(from, i) + (nl.end === -1 ? '\n' : text.slice(nl.end, nl.end + nl.length));
    if (nl.end !== -1) pos = nl.end + nl.length;
    from = i + 1;
  }
  return out + value.slice(from);
}

function nextLineEnd(text: string, from: number): { end: number; length: number } {
  for (let i = from; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 10) return { end: i, length: 1 };
    if (c === 13) return { end: i, length: text.charCodeAt(i + 1) === 10 ? 2 : 1 };
  }
  return { end: -1, length: 0 };
}
