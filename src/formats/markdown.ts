/**
 * Markdown / MDX and JSON index files, read for the places where docs name code: inline code
 * spans, fenced and indented code blocks, link / image / definition targets, and JSON string
 * values. Every piece carries offsets into the file's text, so a rule can edit inside it and
 * nowhere else (prose is never touched).
 *
 * markdown-it reads the files (markdown-it-nodes.ts places its tokens); mdast
 * (mdast-util-from-markdown) is the fallback and the reference. Both are imported lazily, only
 * when a Markdown file is first read, and each file is parsed once (cached on its SourceFile).
 * Both parsers are superlinear on some inputs, far under the size cap (mdast took minutes on a
 * 32 KB line of `a*a*…`), so a file is read only within a budget (see `markdownComplexity` and
 * `MARKDOWN_BUDGET`); past it, the caller gets a reason ("skipped: too complex …") and skips
 * the file. Files above a size cap are not parsed at all.
 */
import vm from 'node:vm';
import { parseStore } from './store.js';
import { markVolatile } from '../util/volatile.js';
import type { SourceFile } from '../workspace/source-file.js';
import { jsoncTree } from './json.js';
import type { MdNodeOfInterest } from './markdown-nodes.js';
import { lineStarts, MAX_NESTING, nestingOverflow, positionAt } from '../util/text.js';
import { RunsBuilder, sliceRuns, type MappedText, type Runs } from './mapped-text.js';

/** Default size cap for one Markdown file (characters). */
export const DEFAULT_MAX_MARKDOWN_BYTES = 1_000_000;

export { mappedSpan, offsetAt, firstMappedOffset, type MappedText } from './mapped-text.js';

export interface MdCodeSpan extends MappedText {
  kind: 'inlineCode';
  /** Span of the whole node (backticks included). */
  start: number;
  end: number;
}

export interface MdCodeBlock extends MappedText {
  kind: 'code';
  fenced: boolean;
  /** Info string language, lower-cased (undefined when none). */
  lang: string | undefined;
  meta: string | undefined;
  start: number;
  end: number;
}

export interface MdLink {
  kind: 'link' | 'image' | 'definition' | 'autolink';
  /** The destination as mdast decoded it. */
  url: string;
  /** The destination as written, and its span (undefined when it could not be located). */
  raw: string | undefined;
  urlStart: number | undefined;
  urlEnd: number | undefined;
  /** Span of the whole node. */
  start: number;
  end: number;
}

export interface MdHeading {
  depth: number;
  text: string;
  start: number;
  /** End of the section this heading opens: the next heading of the same or a higher level. */
  sectionEnd: number;
}

export interface MarkdownModel {
  spans: MdCodeSpan[];
  blocks: MdCodeBlock[];
  links: MdLink[];
  headings: MdHeading[];
}

export type MarkdownResult = { ok: true; model: MarkdownModel } | { ok: false; reason: string };

export function isMarkdownPath(p: string): boolean {
  return /\.(md|mdx|markdown)$/i.test(p);
}

/**
 * CommonMark only. GFM (tables, literal autolinks, strikethrough, footnotes) more than doubled
 * mdast's parse time (6.4 s vs 2.8 s on 9 MB of docs) and changes nothing the rules read: code
 * spans and links inside table rows parse the same, and bare URLs are never repo paths.
 *
 * markdown-it reads every file; mdast (mdast-util-from-markdown) reads a file only when
 * markdown-it's tokens could not be given exact offsets (markdown-it-nodes.ts), and is the
 * reference the two are compared against (tests/markdown-parity.test.ts, bench/markdown-parity.mjs).
 */
let markdownItPromise: Promise<import('./markdown-it-nodes.js').MarkdownItReader> | undefined;

function markdownIt(): Promise<import('./markdown-it-nodes.js').MarkdownItReader> {
  markdownItPromise ??= import('./markdown-it-nodes.js').then((m) => m.markdownItReader());
  return markdownItPromise;
}

let mdastPromise: Promise<typeof import('mdast-util-from-markdown').fromMarkdown> | undefined;

function mdastParser(): Promise<typeof import('mdast-util-from-markdown').fromMarkdown> {
  mdastPromise ??= import('mdast-util-from-markdown').then((m) => m.fromMarkdown);
  return mdastPromise;
}

/** Which parser reads a file: markdown-it, falling back to mdast; or mdast only (the reference). */
export type MarkdownParser = 'markdown-it' | 'mdast';

/** The nodes of interest of a text (component tags already blanked), read by `parser`. */
export async function markdownNodes(text: string, noEmphasis: boolean, parser: MarkdownParser): Promise<() => MdNodeOfInterest[]> {
  if (parser === 'markdown-it') {
    const reader = await markdownIt();
    return () => {
      const nodes = reader.nodes(text, noEmphasis);
      if (!nodes) throw new MdastNeeded();
      return nodes;
    };
  }
  const fromMarkdown = await mdastParser();
  const options = noEmphasis ? { extensions: [NO_EMPHASIS] } : undefined;
  return () => mdastNodesOfInterest(fromMarkdown(text, options as never) as unknown as MdNode);
}

/** markdown-it's tokens could not be placed exactly: the file is read with mdast. */
export class MdastNeeded extends Error {}

/**
 * Parse a Markdown/MDX file once (cached per text and cap). MDX is read as Markdown: JSX and
 * ESM lines become paragraphs or HTML, which is harmless for what is extracted here.
 */
export function parseMarkdown(file: SourceFile, maxBytes: number = DEFAULT_MAX_MARKDOWN_BYTES): Promise<MarkdownResult> {
  // The default cap's key is one string, kept by every doc's parses (not one built per ask).
  return file.parse(maxBytes === DEFAULT_MAX_MARKDOWN_BYTES ? DEFAULT_MARKDOWN_PARSE : `${MARKDOWN_PARSE}${maxBytes}`, async (f): Promise<MarkdownResult> => {
    if (f.text.length > maxBytes) return { ok: false, reason: `larger than the Markdown size cap (${f.text.length} > ${maxBytes} characters); not read` };
    // A model read in an earlier run of the same text (formats/store.ts). Only models are kept:
    // a file skipped for its budget may be read on a less loaded machine.
    await parseStore()?.settle?.(f);
    const stored = parseStore()?.get(f, MARKDOWN_MODEL_KEY);
    if (stored) return { ok: true, model: onDocText(f.text, stored.value as LeanMarkdownModel) };
    const result = await readMarkdown(f.text, f.path, markdownParserInUse());
    if (result.ok) parseStore()?.put(f, MARKDOWN_MODEL_KEY, result.model);
    return result;
  });
}

const MARKDOWN_PARSE = 'markdown:';
const DEFAULT_MARKDOWN_PARSE = `${MARKDOWN_PARSE}${DEFAULT_MAX_MARKDOWN_BYTES}`;

/** Whether a SourceFile parse key is a Markdown parse (`parseMarkdown`'s, under any size cap). */
export function isMarkdownParse(parser: string): boolean {
  return parser.startsWith(MARKDOWN_PARSE);
}

/** The Markdown model's key in the parse store (formats/store.ts). */
export const MARKDOWN_MODEL_KEY = 'markdown model';

/** AUTOPACK_FIX_MARKDOWN_PARSER=mdast reads every file with mdast (to compare the two). */
function markdownParserInUse(): MarkdownParser {
  return process.env.AUTOPACK_FIX_MARKDOWN_PARSER === 'mdast' ? 'mdast' : 'markdown-it';
}

/** Read a text into its model with `parser`, within the complexity limits and the time budget. */
/**
 * What reading `text` takes: its complexity (past a limit it is not read), its time budget, and
 * the text the parser reads. Emphasis is resolved in time quadratic in the emphasis markers of a
 * paragraph (in mdast); it changes no code span, code block, link or definition (they bind
 * tighter), so a file with too many is read without it: only its headings keep their `*`/`_`.
 */
function readingOf(text: string): { complexity: MarkdownComplexity; budget: number; input: string } {
  const complexity = markdownComplexity(text);
  return { complexity, budget: markdownBudgetMs(text.length), input: complexity.tooComplex ? text : blankComponentTags(text) };
}

/** The vm watchdog interrupted the call (runWithin). */
function timedOut(error: unknown): boolean {
  return (error as { code?: string }).code === 'ERR_SCRIPT_EXECUTION_TIMEOUT';
}

export async function readMarkdown(text: string, path: string, parser: MarkdownParser): Promise<MarkdownResult> {
  const { complexity, budget, input } = readingOf(text);
  if (complexity.tooComplex) {
    const { line } = positionAt(lineStarts(text), complexity.tooComplex.offset);
    return { ok: false, reason: `skipped: too complex (${complexity.tooComplex.what} at line ${line}); not read` };
  }
  const read = async (p: MarkdownParser): Promise<MarkdownResult> => {
    const nodes = await markdownNodes(input, complexity.noEmphasis, p);
    try {
      // The parse and the walk over its tree run under a timeout that interrupts them (the vm
      // module's watchdog), so a shape no limit above foresaw still ends.
      return { ok: true, model: runWithin(budget, () => buildModel(text, nodes())) };
    } catch (error) {
      if (error instanceof MdastNeeded) throw error;
      if (!timedOut(error)) throw error;
      // Wall-clock: another run, on a less loaded machine, may read it.
      markVolatile(`${path}: Markdown budget`);
      return { ok: false, reason: `skipped: too complex (not read within its budget of ${(budget / 1000).toFixed(1)} s for ${Math.ceil(text.length / 1024)} KB); not read` };
    }
  };
  try {
    return await read(parser);
  } catch (error) {
    if (!(error instanceof MdastNeeded)) throw error;
    return read('mdast');
  }
}

/**
 * The models of several texts, read under one watchdog instead of one each: the vm module's
 * timeout starts and joins a thread per call, which cost 0.25 ms a file (18% of a run over
 * 9,500 docs), more than parsing most of them. What `parseMarkdown` would store for each text,
 * or undefined where this cannot say: a text past the size cap or a complexity limit, one read
 * with mdast after markdown-it, one that failed or went past its own budget, and every text
 * left when the batch went past the largest budget. The caller reads those one by one, the
 * usual way, which gives each its own budget, reason and fallback: so a model comes from here
 * only when the usual way would have given the same one.
 */
export async function readMarkdownModels(texts: readonly string[]): Promise<Array<MarkdownModel | undefined>> {
  const parser = markdownParserInUse();
  const out: Array<MarkdownModel | undefined> = texts.map(() => undefined);
  const todo: Array<{ i: number; text: string; budget: number; nodes: () => MdNodeOfInterest[] }> = [];
  for (const [i, text] of texts.entries()) {
    if (text.length > DEFAULT_MAX_MARKDOWN_BYTES) continue;
    const { complexity, budget, input } = readingOf(text);
    if (complexity.tooComplex) continue;
    todo.push({ i, text, budget, nodes: await markdownNodes(input, complexity.noEmphasis, parser) });
  }
  if (!todo.length) return out;
  try {
    runWithin(Math.max(...todo.map((t) => t.budget)), () => {
      for (const t of todo) {
        const start = performance.now();
        try {
          const model = buildModel(t.text, t.nodes());
          if (performance.now() - start <= t.budget) out[t.i] = model;
        } catch {
          // MdastNeeded, or a failure: read alone, it says so. (The watchdog's interrupt is not
          // an exception a catch sees: it ends the whole call.)
        }
      }
    });
  } catch (error) {
    if (!timedOut(error)) throw error;
  }
  return out;
}

/** A micromark extension that turns emphasis (`*`, `_`) off: the markers stay text. */
const NO_EMPHASIS = { disable: { null: ['attention'] } };

/**
 * How long reading one Markdown file may take: 1 s plus 20 ms per KB (21 s at the 1 MB size
 * cap). Real documents take 1–5 ms per KB here (the largest Node.js changelogs, 0.8–0.96 MB,
 * 2–5 s on a loaded 2-core machine), so only a shape the parser handles super-linearly comes
 * near it. AUTOPACK_FIX_MARKDOWN_BUDGET_MS sets a fixed budget instead (tests, bench).
 */
export function markdownBudgetMs(chars: number): number {
  const fixed = Number(process.env.AUTOPACK_FIX_MARKDOWN_BUDGET_MS);
  if (Number.isFinite(fixed) && fixed > 0) return fixed;
  return 1000 + Math.ceil((chars / 1024) * 20);
}

let timed: { context: vm.Context; script: vm.Script } | undefined;

/**
 * Run `fn` and interrupt it after `ms` (throws ERR_SCRIPT_EXECUTION_TIMEOUT): the vm module's
 * watchdog terminates whatever runs under the script, functions of this realm included. One
 * context for every call (a new one costs about a millisecond).
 */
function runWithin<T>(ms: number, fn: () => T): T {
  timed ??= { context: vm.createContext({ box: undefined }), script: new vm.Script('box.result = box.fn()') };
  const box: { fn: () => T; result?: T } = { fn };
  timed.context.box = box;
  try {
    timed.script.runInContext(timed.context, { timeout: ms });
  } finally {
    timed.context.box = undefined;
  }
  return box.result as T;
}

/**
 * Limits on the shapes the Markdown parser handles super-linearly, checked by one linear scan
 * before it runs (measured with mdast-util-from-markdown 2.1 / micromark 4):
 * - `containerDepth`: block quotes and list items open on one line (`> > >`, `* * *`, `1. 1.`)
 *   or continued from the lines above (a list nested by indentation). Each level costs every
 *   line inside it, and a line that ends nested items inside an open one copies all events so
 *   far: 250 KB of `* * * … a` lines 16 deep took 266 s; 13,000 levels on one line, 34 s.
 * - `bracketWork`: the sum over paragraphs of (`[` and `]` in it)²: 40 KB of `[a][a]…` in one
 *   paragraph (7e8) took 1.6 s, 400 KB would take minutes.
 * - `emphasisWork`: the sum over paragraphs of (runs of `*`/`_` in it)²: 4,000 runs in one
 *   paragraph (1.6e7) took 0.3–1.2 s, 16,000 (2.6e8) 11 s. Past the limit the file is read
 *   without emphasis (see parseMarkdown), which costs nothing but the `*`/`_` of its headings:
 *   40 KB of `a*a*…` then takes 28 ms instead of 4 s.
 * A paragraph here is a run of non-blank lines (code blocks included: an upper bound). Of
 * 14,544 real Markdown files (docs of 40 projects, Node.js and Rust changelogs up to 956 KB),
 * none comes within 5 times of the nesting or bracket limit (nesting at most 6 deep,
 * bracketWork at most 3.8e7); three Node.js changelogs (0.8–0.96 MB, emphasisWork up to 6.0e6)
 * are read without emphasis.
 */
export const MARKDOWN_LIMITS = { containerDepth: 32, bracketWork: 400_000_000, emphasisWork: 4_000_000 } as const;

export interface MarkdownComplexity {
  /** What goes past a limit, and where. */
  tooComplex: { what: string; offset: number } | undefined;
  /** Emphasis markers past `emphasisWork`: read the file without emphasis. */
  noEmphasis: boolean;
}

/**
 * One linear pass over the text against MARKDOWN_LIMITS. It reads every character of every doc
 * a run parses (on both threads), so it compares character codes: indexing the string made a
 * one-character string a character, and a blank line was sliced and trimmed to be seen.
 */
export function markdownComplexity(text: string, limits: { containerDepth: number; bracketWork: number; emphasisWork: number } = MARKDOWN_LIMITS): MarkdownComplexity {
  /** Content columns of the list items open at the end of the previous line. */
  const items: number[] = [];
  let brackets = 0;
  let emphasis = 0;
  let bracketWork = 0;
  let emphasisWork = 0;
  let paragraphStart = 0;
  let worstBrackets = { count: 0, offset: 0 };
  const endParagraph = (): void => {
    bracketWork += brackets * brackets;
    emphasisWork += emphasis * emphasis;
    if (brackets > worstBrackets.count) worstBrackets = { count: brackets, offset: paragraphStart };
    brackets = 0;
    emphasis = 0;
  };
  const n = text.length;
  const fresh: number[] = [];
  // The characters counted are rare in most lines: the next one is found by a search, and kept
  // until the scan passes it (so the search covers the text once).
  const counted = /[[\]*_]/g;
  let nextAt = -2;
  const nextCounted = (from: number): number => {
    if (nextAt !== -1 && nextAt < from) {
      counted.lastIndex = from;
      nextAt = counted.exec(text)?.index ?? -1;
    }
    return nextAt;
  };
  let pos = 0;
  while (pos < n) {
    let end = text.indexOf('\n', pos);
    if (end === -1) end = n;
    // Container markers at the start of the line: `>`, list bullets, ordered markers, with the
    // blanks between them; `col` counts columns (a tab to the next multiple of 4).
    let i = pos;
    let col = 0;
    let markers = 0;
    let indent = -1;
    fresh.length = 0;
    for (;;) {
      while (i < end) {
        const c = text.charCodeAt(i);
        if (c !== SPACE && c !== TAB) break;
        col = c === TAB ? col + 4 - (col % 4) : col + 1;
        i++;
      }
      if (indent === -1) indent = col;
      const c = i < end ? text.charCodeAt(i) : -1;
      if (c === GREATER) {
        if (markers > limits.containerDepth) break;
        markers++;
        i++;
        col++;
        continue;
      }
      let k = i;
      if (c === DASH || c === PLUS || c === STAR) k = i + 1;
      else {
        while (k < end && k - i < 9 && isDigit(text.charCodeAt(k))) k++;
        const after = k < end ? text.charCodeAt(k) : -1;
        k = k > i && (after === DOT || after === CLOSE_PAREN) ? k + 1 : i;
      }
      const next = k < end ? text.charCodeAt(k) : -1;
      if (k > i && (k === end || next === SPACE || next === TAB || next === CR)) {
        if (markers > limits.containerDepth) break; // deep enough to refuse; the rest of the prefix does not matter
        markers++;
        col += k - i;
        i = k;
        // The item's content starts after the marker and one blank (the usual case).
        fresh.push(col + 1);
        continue;
      }
      break;
    }
    if (isBlank(text, i, end)) endParagraph();
    else {
      if (brackets === 0 && emphasis === 0) paragraphStart = pos;
      // Items of earlier lines this line is not indented into are closed (lazy continuation
      // lines are not told apart: the depth is an estimate).
      let kept = 0;
      while (kept < items.length && (items[kept] as number) <= indent) kept++;
      items.length = kept;
      const depth = kept + markers;
      if (depth > limits.containerDepth) return { tooComplex: { what: `block quotes and list items nested ${depth} deep; the limit is ${limits.containerDepth}`, offset: pos }, noEmphasis: false };
      for (const f of fresh) items.push(f);
      for (let k = nextCounted(i); k !== -1 && k < end; k = nextCounted(k + 1)) {
        const c = text.charCodeAt(k);
        if (c === OPEN_BRACKET || c === CLOSE_BRACKET) brackets++;
        else if (text.charCodeAt(k - 1) !== c) emphasis++; // NaN before the first character
      }
    }
    pos = end + 1;
  }
  endParagraph();
  if (bracketWork > limits.bracketWork) {
    return { tooComplex: { what: `${worstBrackets.count} brackets in one paragraph (the sum over paragraphs of brackets² is ${bracketWork.toExponential(1)}; the limit is ${limits.bracketWork.toExponential(1)})`, offset: worstBrackets.offset }, noEmphasis: false };
  }
  return { tooComplex: undefined, noEmphasis: emphasisWork > limits.emphasisWork };
}

const TAB = 9;
const CR = 13;
const SPACE = 32;
const CLOSE_PAREN = 41;
const STAR = 42;
const PLUS = 43;
const DASH = 45;
const DOT = 46;
const GREATER = 62;
const OPEN_BRACKET = 91;
const CLOSE_BRACKET = 93;
const UNDERSCORE = 95;

const isDigit = (c: number): boolean => c >= 48 && c <= 57;

/**
 * Whether text[from, end) is all white space as String.prototype.trim sees it: ASCII blanks are
 * told by their codes, and the rest of a line from its first other character is trimmed.
 */
function isBlank(text: string, from: number, end: number): boolean {
  for (let k = from; k < end; k++) {
    const c = text.charCodeAt(k);
    if (c === SPACE || c === TAB || c === CR || c === 11 || c === 12) continue;
    return c < 128 ? false : text.slice(k, end).trim() === '';
  }
  return true;
}

/**
 * Lines that hold nothing but a component tag (`<Tabs>`, `<Tab title="Docker">`, `</Steps>`,
 * `<TabItem value="x" />`), as MDX docs (Mintlify, Docusaurus, Fern) wrap their fences in, are
 * blanked (same length, so every offset stays). CommonMark would read such a line as the start
 * of an HTML block that swallows the fence after it; MDX reads it as JSX around Markdown.
 * Lower-case tags are HTML and stay.
 */
export function blankComponentTags(text: string): string {
  if (!mayHoldComponentTagLine(text)) return text;
  return text.replace(/^[ \t]*<\/?[A-Z][\w.]*(?:\s[^<>\n]*)?\/?>[ \t]*$/gm, (line) => line.replace(/[^\r]/g, ' '));
}

/**
 * Whether some line may start with blanks and then `<X` or `</X` (X a capital letter): a `<`
 * found by indexOf instead of the tag regex tried at every position of every doc. A line starts
 * after any line terminator, as the regex's multiline `^` reads it.
 */
function mayHoldComponentTagLine(text: string): boolean {
  for (let at = text.indexOf('<'); at !== -1; at = text.indexOf('<', at + 1)) {
    const first = text.charCodeAt(at + 1) === 47 /* / */ ? text.charCodeAt(at + 2) : text.charCodeAt(at + 1);
    if (!(first >= 65 && first <= 90)) continue;
    let b = at - 1;
    while (b >= 0 && (text.charCodeAt(b) === 32 || text.charCodeAt(b) === 9)) b--;
    const before = text.charCodeAt(b);
    if (b < 0 || before === 10 || before === 13 || before === 0x2028 || before === 0x2029) return true;
  }
  return false;
}

interface MdNode {
  type: string;
  value?: string;
  url?: string;
  lang?: string | null;
  meta?: string | null;
  depth?: number;
  children?: MdNode[];
  position?: { start: { line: number; offset?: number }; end: { line: number; offset?: number } };
}

/** The nodes of interest of an mdast tree, in document order. */
function mdastNodesOfInterest(root: MdNode): MdNodeOfInterest[] {
  const nodes: MdNodeOfInterest[] = [];
  const stack: MdNode[] = [root];
  while (stack.length > 0) {
    const node = stack.pop() as MdNode;
    const pos = node.position;
    const start = pos?.start.offset;
    const end = pos?.end.offset;
    if (pos && start !== undefined && end !== undefined) {
      const line = pos.start.line;
      switch (node.type) {
        case 'inlineCode':
          nodes.push({ type: 'inlineCode', start, end, line, value: node.value ?? '' });
          break;
        case 'code':
          nodes.push({ type: 'code', start, end, line, value: node.value ?? '', lang: node.lang ?? undefined, meta: node.meta ?? undefined });
          break;
        case 'link':
        case 'image':
        case 'definition':
          nodes.push({ type: node.type, start, end, line, url: node.url ?? '' });
          break;
        case 'heading':
          nodes.push({ type: 'heading', start, end, line, depth: node.depth ?? 1, text: plainText(node) });
          break;
        default:
          break;
      }
    }
    const children = node.children ?? [];
    for (let i = children.length - 1; i >= 0; i--) stack.push(children[i] as MdNode);
  }
  return nodes;
}

function buildModel(text: string, nodes: MdNodeOfInterest[]): MarkdownModel {
  const starts = lineStarts(text);
  const model: MarkdownModel = { spans: [], blocks: [], links: [], headings: [] };
  for (const node of nodes) {
    const { start, end } = node;
    switch (node.type) {
      case 'inlineCode':
        model.spans.push({ kind: 'inlineCode', start, end, ...inlineCodeMapping(text, starts, start, end, node.value ?? '') });
        break;
      case 'code': {
        const value = node.value ?? '';
        // A fence is indented at most three spaces (after any blockquote markers); deeper, it is
        // the text of an indented block.
        const fenced = /^(?:[ \t]*>[ ]?)*[ ]{0,3}(`{3,}|~{3,})/.test(text.slice(starts[node.line - 1] ?? start, end));
        // Fenced content starts on the line after the opening fence; indented code on its first line.
        const firstLine = fenced ? node.line + 1 : node.line;
        const runs = alignLines(text, starts, firstLine, undefined, value);
        const nested = fenced ? undefined : nestedFence(value);
        if (nested) {
          // A fence indented inside JSX (MDX `<Tabs>`, `<Steps>`) or a deep list parses as an
          // indented block that holds the fence lines: read it as the fence it is.
          const inner = sliceRuns(runs, nested.from, nested.to);
          model.blocks.push({ kind: 'code', fenced: true, lang: nested.lang, meta: nested.meta, start, end, value: onText(text, value.slice(nested.from, nested.to), inner), runs: inner });
          break;
        }
        model.blocks.push({ kind: 'code', fenced, lang: node.lang ? node.lang.toLowerCase() : undefined, meta: node.meta, start, end, value: onText(text, value, runs), runs });
        break;
      }
      case 'link':
      case 'image':
      case 'definition':
        model.links.push(linkOf(text, node.type, node.url ?? '', start, end));
        break;
      case 'heading':
        model.headings.push({ depth: node.depth ?? 1, text: node.text ?? '', start, sectionEnd: text.length });
        break;
    }
  }
  model.spans.sort((a, b) => a.start - b.start);
  model.blocks.sort((a, b) => a.start - b.start);
  model.links.sort((a, b) => a.start - b.start);
  model.headings.sort((a, b) => a.start - b.start);
  // Each section ends at the next heading of the same or a higher level: one pass from the end
  // with a stack of the headings still waiting for theirs (a search per heading was quadratic).
  const waiting: MdHeading[] = [];
  for (const h of model.headings) {
    while (waiting.length > 0 && (waiting[waiting.length - 1] as MdHeading).depth >= h.depth) (waiting.pop() as MdHeading).sectionEnd = h.start;
    waiting.push(h);
  }
  for (const h of waiting) h.sectionEnd = text.length;
  // Exact-size copies: an array grown by push keeps room for 17 (a 100,000-file run keeps
  // 190,000 of these lists).
  return { spans: trimmed(model.spans), blocks: trimmed(model.blocks), links: trimmed(model.links), headings: trimmed(model.headings) };
}

/**
 * `value` as a slice of the file's text when it is one stretch of it, character for character:
 * the parsers join a block's lines into a new string, and a slice of the text the workspace
 * keeps anyway is 32 bytes instead of a copy (code blocks were a quarter of the models).
 */
function onText(text: string, value: string, runs: Runs): string {
  // V8 copies a slice shorter than 13 characters: nothing to gain there.
  if (value.length < 13 || runs.length !== 3 || runs[0] !== 0 || runs[2] !== value.length) return value;
  const at = runs[1] as number;
  return text.startsWith(value, at) ? text.slice(at, at + value.length) : value;
}

/** A piece of a model with a field a parse worker may leave out (leanModel): undefined where the text holds it. */
type Lean<T, K extends keyof T> = Omit<T, K> & { [P in K]: T[P] | undefined };

/** A Markdown model as a parse worker sends it (leanModel). A whole model, as the cache keeps it, is one too. */
export interface LeanMarkdownModel {
  spans: Array<Lean<MdCodeSpan, 'value'>>;
  blocks: Array<Lean<MdCodeBlock, 'value'>>;
  links: Array<Lean<MdLink, 'url'>>;
  headings: MdHeading[];
}

/**
 * A model made elsewhere (a parse worker, the persistent cache) for this very text, made to
 * hold what the main thread's own would: its strings come over as copies, each `kind` too, and
 * a link's `url` and `raw` as two, or are left out (leanModel). Its values that are stretches of
 * the text become slices of it (onText), the kinds the constants, and `url` the `raw` it equals.
 * Equal strings, so nothing read from it changes. Completes `model` in place.
 */
function onDocText(text: string, model: LeanMarkdownModel): MarkdownModel {
  for (const span of model.spans) {
    span.kind = 'inlineCode';
    span.value = valueOnText(text, span);
  }
  for (const block of model.blocks) {
    block.kind = 'code';
    block.value = valueOnText(text, block);
  }
  for (const link of model.links) {
    link.kind = linkKind(link.kind);
    const raw = link.raw;
    if (link.urlStart !== undefined && link.urlEnd !== undefined) {
      // A destination as written always has its span; left out, it is that span of the text.
      if (raw === undefined) link.raw = text.slice(link.urlStart, link.urlEnd);
      else if (raw.length >= 13 && text.startsWith(raw, link.urlStart)) link.raw = text.slice(link.urlStart, link.urlStart + raw.length);
    }
    if (link.url === undefined || link.url === link.raw) link.url = link.raw;
  }
  // Every value and url is set now (a url is left out only beside the destination it equals).
  return model as MarkdownModel;
}

/** A piece's value on the text: the one stretch its run names when a worker left it out (leanModel), else onText. */
function valueOnText(text: string, piece: Lean<MappedText, 'value'>): string {
  if (piece.value !== undefined) return onText(text, piece.value, piece.runs);
  const at = piece.runs[1] as number;
  return text.slice(at, at + (piece.runs[2] as number));
}

/**
 * The model as a parse worker sends it: the strings the main thread finds in its own copy of
 * the text left out (undefined), and put back as slices of it there (onDocText). A copy of each
 * came over in every message, and died on arrival: 50 MB of garbage at 100,000 files, spread
 * over pages that then stayed. What is left out: a value that is the one stretch of the text
 * its run names, a destination as written (always its span), and a decoded destination equal to
 * it. Changes `model` in place: the worker sends it and keeps nothing.
 */
export function leanModel(text: string, model: MarkdownModel): LeanMarkdownModel {
  const lean: LeanMarkdownModel = model;
  const leave = (piece: Lean<MappedText, 'value'>): void => {
    const { value, runs } = piece;
    if (value !== undefined && value.length > 0 && runs.length === 3 && runs[0] === 0 && runs[2] === value.length && text.startsWith(value, runs[1] as number)) piece.value = undefined;
  };
  lean.spans.forEach(leave);
  lean.blocks.forEach(leave);
  for (const link of lean.links) {
    if (link.raw === undefined || link.urlStart === undefined || link.urlEnd === undefined || text.slice(link.urlStart, link.urlEnd) !== link.raw) continue;
    if (link.url === link.raw) link.url = undefined;
    link.raw = undefined;
  }
  return lean;
}

function linkKind(kind: MdLink['kind']): MdLink['kind'] {
  switch (kind) {
    case 'link':
      return 'link';
    case 'image':
      return 'image';
    case 'definition':
      return 'definition';
    case 'autolink':
      return 'autolink';
    default:
      return kind;
  }
}

function trimmed<T>(list: T[]): T[] {
  return list.length ? list.slice() : list;
}

/**
 * An indented code block whose first line opens a fence and whose last line closes it: the
 * fence's language and info, and the span of its content in the block's value.
 */
function nestedFence(value: string): { lang: string | undefined; meta: string | undefined; from: number; to: number } | undefined {
  const open = /^(`{3,}|~{3,})[ \t]*([^\s`]*)[ \t]*([^\r\n`]*)\r?\n/.exec(value);
  if (!open) return undefined;
  const fence = open[1] as string;
  const trimmed = value.replace(/\s+$/, '');
  const lastNl = trimmed.lastIndexOf('\n');
  const lastLine = trimmed.slice(lastNl + 1).trim();
  if (lastNl < open[0].length - 1 || !lastLine.startsWith(fence[0] as string) || lastLine.replace(/[`~]/g, '') !== '' || lastLine.length < fence.length) return undefined;
  return { lang: open[2] ? (open[2] as string).toLowerCase() : undefined, meta: open[3]?.trim() || undefined, from: open[0].length, to: lastNl + 1 };
}

function plainText(node: MdNode): string {
  if (node.value !== undefined) return node.value;
  return (node.children ?? []).map(plainText).join('');
}

function inlineCodeMapping(text: string, starts: number[], start: number, end: number, value: string): MappedText {
  let ticks = 0;
  while (text[start + ticks] === '`') ticks++;
  let cs = start + ticks;
  let ce = end - ticks;
  const raw = text.slice(cs, ce);
  // CommonMark strips one space (or line ending) on each side when both are present.
  if (raw.length >= 2 && /^[ \r\n]/.test(raw) && /[ \r\n]$/.test(raw) && /[^ \r\n]/.test(raw)) {
    cs += raw.startsWith('\r\n') ? 2 : 1;
    ce -= raw.endsWith('\r\n') ? 2 : 1;
  }
  return { value, runs: alignLines(text, starts, undefined, cs, value, ce) };
}

/**
 * Map each character of `value` (whose lines are source lines with a prefix removed:
 * indentation, blockquote markers) to its offset in `text`. Lines are aligned by suffix; a
 * line that does not align is left unmapped (-1).
 */
function alignLines(text: string, starts: number[], firstLine: number | undefined, firstOffset: number | undefined, value: string, regionEnd?: number): Runs {
  const runs = new RunsBuilder();
  if (value.length === 0) return runs.done();
  let line = firstLine ?? lineOf(starts, firstOffset ?? 0);
  let vi = 0;
  let first = true;
  while (vi <= value.length) {
    const nl = value.indexOf('\n', vi);
    const vEnd = nl === -1 ? value.length : nl;
    const vLine = value.slice(vi, vEnd).replace(/\r$/, '');
    const lineStart = first && firstOffset !== undefined ? firstOffset : starts[line - 1];
    if (lineStart === undefined) break;
    const nextStart = starts[line];
    let sEnd = nextStart === undefined ? text.length : nextStart - 1;
    if (text[sEnd - 1] === '\r' && sEnd > lineStart) sEnd--;
    if (regionEnd !== undefined && sEnd > regionEnd) sEnd = regionEnd;
    const sLine = text.slice(lineStart, sEnd);
    if (sLine.endsWith(vLine)) {
      runs.add(vi, lineStart + sLine.length - vLine.length, vLine.length);
      // The line break itself maps to the source line end.
      if (nl !== -1) {
        const crAt = vi + vLine.length;
        if (value[crAt] === '\r') runs.add(crAt, sEnd, 1);
        runs.add(nl, sEnd + (text[sEnd] === '\r' ? 1 : 0), 1);
      }
    }
    if (nl === -1) break;
    vi = nl + 1;
    line++;
    first = false;
  }
  return runs.done();
}

function lineOf(starts: number[], offset: number): number {
  return positionAt(starts, offset).line;
}


function linkOf(text: string, type: 'link' | 'image' | 'definition', url: string, start: number, end: number): MdLink {
  const kind: MdLink['kind'] = type === 'image' ? 'image' : type === 'definition' ? 'definition' : text[start] === '[' ? 'link' : 'autolink';
  const located = kind === 'autolink' ? undefined : locateDestination(text, start, end, kind === 'definition');
  const raw = located?.raw;
  // Most destinations are written as they decode: one string serves both.
  return { kind, url: raw === url ? raw : url, raw, urlStart: located?.start, urlEnd: located?.end, start, end };
}

/** Find the destination of `[text](dest "title")`, `![alt](dest)` or `[label]: dest`. */
function locateDestination(text: string, start: number, end: number, definition: boolean): { raw: string; start: number; end: number } | undefined {
  let i = text[start] === '!' ? start + 1 : start;
  if (text[i] !== '[') return undefined;
  let depth = 0;
  for (; i < end; i++) {
    const c = text[i];
    if (c === '\\') {
      i++;
      continue;
    }
    if (c === '`') {
      let n = 0;
      while (text[i + n] === '`') n++;
      const close = text.indexOf('`'.repeat(n), i + n);
      if (close !== -1 && close < end) i = close + n - 1;
      else i += n - 1;
      continue;
    }
    if (c === '[') depth++;
    else if (c === ']') {
      depth--;
      if (depth === 0) break;
    }
  }
  if (depth !== 0) return undefined;
  i++;
  if (definition) {
    if (text[i] !== ':') return undefined;
    i++;
  } else {
    if (text[i] !== '(') return undefined; // a reference link: its definition carries the target
    i++;
  }
  while (i < end && /[ \t\r\n>]/.test(text[i] as string)) i++;
  if (text[i] === '<') {
    const close = text.indexOf('>', i + 1);
    if (close === -1 || close > end || text.slice(i + 1, close).includes('\n')) return undefined;
    return { raw: text.slice(i + 1, close), start: i + 1, end: close };
  }
  const s = i;
  let parens = 0;
  for (; i < end; i++) {
    const c = text[i] as string;
    if (c === '\\') {
      i++;
      continue;
    }
    if (/\s/.test(c)) break;
    if (c === '(') parens++;
    else if (c === ')') {
      if (parens === 0) break;
      parens--;
    }
  }
  if (i === s) return undefined;
  return { raw: text.slice(s, i), start: s, end: i };
}

// ---------------------------------------------------------------------------------------------
// JSON index files

export interface JsonStringValue extends MappedText {
  /** Span of the string's content (quotes excluded). */
  start: number;
  end: number;
  /** Property names and array indices from the root. */
  path: Array<string | number>;
  /** Id of the array that holds it directly (undefined for property values). */
  arrayId: number | undefined;
}

export type JsonStringsResult = { ok: true; strings: JsonStringValue[] } | { ok: false; reason: string };

/** Every string value (not property names) of a JSON/JSONC file, with content offsets. */
export function jsonStringValues(file: SourceFile): Promise<JsonStringsResult> {
  return file.parse('json-strings', async (f): Promise<JsonStringsResult> => {
    const tree = await jsoncTree(f);
    if (!tree.ok) return tree;
    const root = tree.root;
    const out: JsonStringValue[] = [];
    let arrays = 0;
    type JNode = import('jsonc-parser').Node;
    const walk = (node: JNode, path: Array<string | number>, arrayId: number | undefined): void => {
      if (node.type === 'string') {
        const start = node.offset + 1;
        const end = node.offset + node.length - 1;
        out.push({ value: String(node.value), start, end, path, arrayId, runs: jsonRuns(f.text, start, end, String(node.value)) });
        return;
      }
      if (node.type === 'object') {
        for (const prop of node.children ?? []) {
          const [k, v] = prop.children ?? [];
          if (k && v) walk(v, [...path, String(k.value)], undefined);
        }
      } else if (node.type === 'array') {
        const id = ++arrays;
        (node.children ?? []).forEach((c, i) => walk(c, [...path, i], id));
      }
    };
    walk(root, [], undefined);
    return { ok: true, strings: out };
  });
}

/** Where a JSON string's decoded characters are; characters written as escapes are unmapped. */
function jsonRuns(text: string, start: number, end: number, value: string): Runs {
  const runs = new RunsBuilder();
  let vi = 0;
  for (let i = start; i < end && vi < value.length; ) {
    if (text[i] === '\\') {
      // Every escape (`\n`, `\"`, `\uXXXX`) decodes to one UTF-16 code unit.
      i += text[i + 1] === 'u' ? 6 : 2;
      vi += 1;
      continue;
    }
    runs.add(vi, i, 1);
    vi++;
    i++;
  }
  return runs.done();
}
