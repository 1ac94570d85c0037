/**
 * Facts shared by the three docs rules (docs-dead-reference, docs-command-drift,
 * docs-port-drift): which files are docs, which places in them quote bad values on purpose,
 * the commands written in them (with offsets, the directory they run from and the files they
 * create), the repo paths they name, and the ports the repository publishes for its API.
 *
 * Everything is derived from the repository; lists of names (ledger globs, quote markers,
 * section words) are options with defaults, read by the rules and passed in here.
 */
import path from 'node:path/posix';
import ignore, { type Ignore } from 'ignore';
import type { Workspace } from '../workspace/workspace.js';
import type { SourceFile } from '../workspace/source-file.js';
import { factSlot, type Facts } from './facts.js';
import { serviceView, type ServiceView } from './compose.js';
import { isComposePath } from '../formats/compose.js';
import { globToRegExp as sharedGlob } from '../formats/glob.js';
import { isSeq } from 'yaml';
import { scalarString } from '../formats/yaml.js';
import { splitShell, simpleCommands, findServerInvocation, serverInvocations as shellServerInvocations, type FoundInvocation, type ServerInvocation, type ShellWord } from '../formats/shell.js';
import { jsonValue } from '../formats/json.js';
import { isMarkdownPath, jsonStringValues, mappedSpan, parseMarkdown, DEFAULT_MAX_MARKDOWN_BYTES, type MappedText, type MarkdownModel, type MdCodeBlock, type MdCodeSpan } from '../formats/markdown.js';
import { moduleNamesFor, parseAppTarget, repoContext, resolveAppTarget, type ExecContext } from './python-app.js';
import { isDockerfilePath } from '../formats/dockerfile.js';
import { historyKey, type HistoryCommit, type HistoryQuery, type PathHistory, type RenameStep } from '../workspace/history.js';

// ---------------------------------------------------------------------------------------------
// Options

export interface DocsOptions {
  /** Documents that quote old values on purpose (changelogs, histories, gap analyses, archives). */
  ledgerGlobs: string[];
  /** Files never read as docs (vendored code, test fixtures). */
  excludeGlobs: string[];
  /** JSON files read as docs ("index" files whose string values are commands or paths). */
  jsonIndexGlobs: string[];
  /** Markdown files larger than this are skipped. */
  maxDocBytes: number;
  /** Words in a heading that make its section a quote of old commands. */
  quoteHeadingWords: string[];
  /** Words or symbols on a line (or right before a code block) that mark it as a bad example. */
  quoteMarkers: string[];
}

/**
 * Documents that record the past (what changed, what was true at a release, what was decided):
 * never rewritten. Names match anywhere in the file name (`BACKEND_CHANGELOG.md`,
 * `2024_GAP_ANALYSIS.md`); release notes and upgrade notes per version live in folders.
 */
export const DEFAULT_LEDGER_GLOBS = [
  '**/*CHANGELOG*',
  '**/CHANGES*',
  '**/*HISTORY*',
  '**/*RELEASE_NOTES*',
  '**/*RELEASE-NOTES*',
  '**/*GAP_ANALYSIS*',
  '**/*LEDGER*',
  '**/archive/**',
  '**/archived/**',
  '**/adr/**',
  '**/releases/**',
  '**/release-notes/**',
  '**/release_notes/**',
  '**/changelogs/**',
];
export const DEFAULT_EXCLUDE_GLOBS = ['**/node_modules/**', '**/vendor/**', '**/third_party/**', '**/fixtures/**', '**/testdata/**', '**/__snapshots__/**'];
export const DEFAULT_JSON_INDEX_GLOBS = ['docs/**/*.json', '**/*INDEX*.json'];
export const DEFAULT_QUOTE_HEADING_WORDS = ['legacy', 'deprecated', 'historical', 'archived', 'obsolete', 'migration', 'migrating', 'changelog'];
export const DEFAULT_QUOTE_MARKERS = ['❌', '✗', '✘', '🚫', 'wrong', 'incorrect', "don't", 'do not', 'deprecated', 'legacy', 'formerly', 'previously', 'old:', 'before:', 'bad:'];

function stringList(value: unknown, fallback: string[]): string[] {
  return Array.isArray(value) && value.every((v) => typeof v === 'string') ? (value as string[]) : fallback;
}

/** The options the three docs rules share, merged over their defaults. */
export function docsOptions(options: Record<string, unknown>): DocsOptions {
  return {
    ledgerGlobs: stringList(options.ledgerGlobs, DEFAULT_LEDGER_GLOBS),
    excludeGlobs: stringList(options.excludeGlobs, DEFAULT_EXCLUDE_GLOBS),
    jsonIndexGlobs: stringList(options.jsonIndexGlobs, DEFAULT_JSON_INDEX_GLOBS),
    maxDocBytes: typeof options.maxDocBytes === 'number' && options.maxDocBytes > 0 ? options.maxDocBytes : DEFAULT_MAX_MARKDOWN_BYTES,
    quoteHeadingWords: stringList(options.quoteHeadingWords, DEFAULT_QUOTE_HEADING_WORDS),
    quoteMarkers: stringList(options.quoteMarkers, DEFAULT_QUOTE_MARKERS),
  };
}

// ---------------------------------------------------------------------------------------------
// Globs

/**
 * Globs of the docs options: case-insensitive (CHANGELOG.md, Changelog.md), and a glob without
 * a slash matches the basename anywhere, as in .gitignore.
 */
export function globToRegExp(glob: string): RegExp {
  let re = docGlobs.get(glob);
  if (!re) {
    re = sharedGlob(glob.includes('/') ? glob : `**/${glob}`, { ignoreCase: true });
    docGlobs.set(glob, re);
  }
  return re;
}

const docGlobs = new Map<string, RegExp>();

export function matchesAny(p: string, globs: readonly string[]): boolean {
  return globs.some((g) => globToRegExp(g).test(p));
}

// ---------------------------------------------------------------------------------------------
// Which files are docs

export interface DocFile {
  path: string;
  kind: 'markdown' | 'json';
}

/** Markdown/MDX files and JSON index files, minus excluded ones. Ledgers are listed separately. */
export function docFiles(ws: Workspace, opts: DocsOptions): { docs: DocFile[]; ledgers: string[] } {
  const docs: DocFile[] = [];
  const ledgers: string[] = [];
  const declared = declaredLedgers(ws);
  for (const p of ws.paths) {
    const kind = isMarkdownPath(p) ? 'markdown' : /\.json$/i.test(p) && matchesAny(p, opts.jsonIndexGlobs) && !/(^|\/)(package(-lock)?|tsconfig[^/]*|composer|.*\.schema)\.json$/i.test(p) ? 'json' : undefined;
    if (!kind || matchesAny(p, opts.excludeGlobs)) continue;
    // A doc that is a symbolic link to another doc (`CLAUDE.md` → `AGENTS.md`) is that doc:
    // judged once, where it lives.
    const target = ws.linkTarget(p);
    if (target !== undefined && target !== p && ws.has(target)) continue;
    if (matchesAny(p, opts.ledgerGlobs) || declared.has(p)) ledgers.push(p);
    else docs.push({ path: p, kind });
  }
  return { docs, ledgers };
}

/**
 * Ledgers named as a history (`BUILD_HISTORY.md`, `docs/history.md`) that still hold
 * instructions: a copy-paste command in a fence or a command span of such a file is run as
 * written, so it is judged (see `QuoteContext.ledger`). Not the ones a drift checker excludes
 * (the repository says it quotes old commands on purpose), and not changelogs, release notes or
 * archive folders.
 */
export function historyDocs(ws: Workspace, opts: DocsOptions): DocFile[] {
  const declared = declaredLedgers(ws);
  return docFiles(ws, opts)
    .ledgers.filter((p) => isMarkdownPath(p) && /history/i.test(path.basename(p)) && !declared.has(p) && !/(^|\/)(archives?|archived|adr|releases|release[-_]notes|changelogs)\//i.test(p))
    .map((p) => ({ path: p, kind: 'markdown' as const }));
}

// ---------------------------------------------------------------------------------------------
// The repository's own drift checkers

/** A name that holds forbidden patterns in a checker (FORBIDDEN_PATTERNS, banned, deny_list …). */
const FORBIDDEN_LIST = /(forbidden|banned|disallowed|deny|denied|blocked|block|black|legacy|deprecated|stale|obsolete|bad)[_-]?\w*?(patterns?|commands?|strings?|targets?|paths?|files?|names?|list|entries|refs?|regex(es)?|rules)$/i;
/** Cheap text filter: a line that assigns such a list. */
const FORBIDDEN_ASSIGNMENT = /^[ \t]*["']?[\w-]*?(forbidden|banned|disallowed|deny|denied|block|black|legacy|deprecated|stale|obsolete|bad)[\w-]*["']?[ \t]*(:[^=\n]*)?[:=]/im;
/** A name that lists files a checker skips (EXCLUDED, ALLOWLIST, ignore_files …). */
const EXCLUSION_LIST = /^(excluded?|exclusions?|ignored?|allow(ed)?[_-]?list|whitelist|skip(ped)?|ledgers?)([_-]?(files|paths|docs))?$/i;

export interface DriftChecker {
  path: string;
  /** Strings of its forbidden-pattern lists. */
  patterns: string[];
  /** Strings of its exclusion lists (repo paths it deliberately does not check). */
  excluded: string[];
  /** For JSON/YAML checkers: spans of the strings in forbidden lists (never judged). */
  spans: Array<[number, number]>;
}

const checkerCache = factSlot<DriftChecker[]>('drift checkers');

/**
 * The repository's own drift checkers: a Python, JSON or YAML file that has a list of
 * forbidden patterns (a module-level NAME / key matching FORBIDDEN_LIST holding a list, set,
 * tuple or mapping of strings) and is referenced as a checker — its path appears in a CI
 * workflow, pre-commit config, Makefile, package.json, tox/nox file or a doc. Its pattern lists
 * quote bad values on purpose; the files it excludes are ledgers by the repository's own word.
 */
export function driftCheckers(ws: Workspace): DriftChecker[] {
  const cached = checkerCache.get(ws);
  if (cached) return cached;
  const out: DriftChecker[] = [];
  const referrers = ws.paths.filter((p) => /^\.github\/workflows\/|(^|\/)(\.pre-commit-config\.ya?ml|Makefile|package\.json|tox\.ini|noxfile\.py|\.gitlab-ci\.yml|justfile|Taskfile\.ya?ml)$/i.test(p) || isMarkdownPath(p) || /\.json$/i.test(p));
  for (const p of ws.paths) {
    if (!/\.(py|json|ya?ml)$/i.test(p) || isComposePath(p)) continue;
    // A scan: the checker's lists are read with namedStringLists, never with the format's parser.
    const file = ws.probe(p);
    if (!file || !FORBIDDEN_ASSIGNMENT.test(file.text)) continue;
    const lists = namedStringLists(file);
    const forbidden = lists.filter((l) => FORBIDDEN_LIST.test(l.name));
    if (forbidden.length === 0) continue;
    const base = path.basename(p);
    const referenced = referrers.some((r) => r !== p && (ws.probe(r)?.text.includes(p) || (ws.probe(r)?.text.includes(base) ?? false)));
    if (!referenced) continue;
    out.push({
      path: p,
      patterns: forbidden.flatMap((l) => l.strings.map((s) => s.value)),
      excluded: lists.filter((l) => EXCLUSION_LIST.test(l.name)).flatMap((l) => l.strings.map((s) => s.value)),
      spans: forbidden.flatMap((l) => l.strings.map((s): [number, number] => [s.start, s.end])),
    });
  }
  checkerCache.set(ws, out);
  return out;
}

interface NamedList {
  name: string;
  strings: Array<{ value: string; start: number; end: number }>;
}

/**
 * `NAME = [ ... ]` / `NAME: [...]` / `"name": [...]` at the start of a line, with the string
 * literals inside its brackets. A deliberately small reader: it is only used to recognise a
 * checker's lists, never to edit them.
 */
function namedStringLists(file: SourceFile): NamedList[] {
  const text = file.text;
  const out: NamedList[] = [];
  const head = /^[ \t]*["']?([A-Za-z_][\w-]*)["']?[ \t]*(?::[^=\n[{(]*)?[:=][ \t]*(?:frozenset\(|set\(|tuple\(|list\()?[ \t]*([[{(])/gm;
  for (let m = head.exec(text); m; m = head.exec(text)) {
    const open = m.index + m[0].length - 1;
    const close = matchingBracket(text, open);
    if (close === undefined) continue;
    const strings: NamedList['strings'] = [];
    const lit = /(?:^|[^\w])[rbuRBU]{0,2}("(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*')/g;
    const body = text.slice(open, close);
    for (let s = lit.exec(body); s; s = lit.exec(body)) {
      const quoted = s[1] as string;
      const start = open + s.index + s[0].length - quoted.length + 1;
      strings.push({ value: quoted.slice(1, -1), start, end: start + quoted.length - 2 });
    }
    out.push({ name: m[1] as string, strings });
  }
  return out;
}

function matchingBracket(text: string, open: number): number | undefined {
  const pairs: Record<string, string> = { '[': ']', '{': '}', '(': ')' };
  const stack: string[] = [];
  for (let i = open; i < text.length; i++) {
    const c = text[i] as string;
    if (c === '"' || c === "'") {
      const end = text.indexOf(c, i + 1);
      const nl = text.indexOf('\n', i + 1);
      if (end === -1 || (nl !== -1 && nl < end)) return undefined;
      i = end;
      continue;
    }
    if (c === '#' && !text.slice(open, i).includes('"') && text[i - 1] !== '/') {
      const nl = text.indexOf('\n', i);
      i = nl === -1 ? text.length : nl;
      continue;
    }
    if (pairs[c]) stack.push(pairs[c] as string);
    else if (c === stack[stack.length - 1]) {
      stack.pop();
      if (stack.length === 0) return i;
    }
  }
  return undefined;
}

/** Docs a drift checker excludes from its own checks: the repository says they are ledgers. */
function declaredLedgers(ws: Workspace): Set<string> {
  const out = new Set<string>();
  for (const c of driftCheckers(ws)) for (const e of c.excluded) if (ws.has(e.replace(/^\.\//, ''))) out.add(e.replace(/^\.\//, ''));
  return out;
}

/** Whether an offset of a JSON/YAML doc lies in one of its own forbidden-pattern lists. */
export function inCheckerList(ws: Workspace, file: string, offset: number): boolean {
  return driftCheckers(ws).some((c) => c.path === file && c.spans.some(([s, e]) => offset >= s && offset <= e));
}

// ---------------------------------------------------------------------------------------------
// .gitignore: paths a doc may name that are never in the repository (.env, build output)

const ignoreCache = factSlot<Array<{ dir: string; ig: Ignore }>>('gitignore rules');

export function isGitIgnored(ws: Workspace, p: string, dir = false): boolean {
  let rules = ignoreCache.get(ws);
  if (!rules) {
    rules = [];
    for (const g of ws.paths) {
      if (path.basename(g) !== '.gitignore') continue;
      const text = ws.probe(g)?.text;
      if (text !== undefined) rules.push({ dir: path.dirname(g) === '.' ? '' : path.dirname(g), ig: ignore().add(text) });
    }
    ignoreCache.set(ws, rules);
  }
  for (const { dir: base, ig } of rules) {
    if (base && !p.startsWith(`${base}/`)) continue;
    const rel = base ? p.slice(base.length + 1) : p;
    if (!rel || rel.startsWith('..')) continue;
    try {
      if (ig.ignores(rel) || ig.ignores(`${rel}/`) || (dir && ig.ignores(`${rel}/x`))) return true;
    } catch {
      // `ignore` throws on paths it considers invalid; such a path is not ignored.
    }
  }
  return false;
}

// ---------------------------------------------------------------------------------------------
// Quoting contexts

export interface QuoteContext {
  ws: Workspace;
  file: SourceFile;
  model: MarkdownModel | undefined;
  opts: DocsOptions;
  /**
   * A history file read for its instructions (see historyDocs): its sections are dated and
   * headed as past entries by nature, so only an `old → new` note, a quote marker or a drift
   * checker's list makes a command there a quote.
   */
  ledger?: boolean;
}

/** The line holding `offset`: its text and start offset. */
export function lineAround(text: string, offset: number): { text: string; start: number } {
  const start = text.lastIndexOf('\n', offset - 1) + 1;
  let end = text.indexOf('\n', offset);
  if (end === -1) end = text.length;
  return { text: text.slice(start, end).replace(/\r$/, ''), start };
}

const ARROW = /\s(?:→|->|=>|⇒|⟶|➜|➔|-->)\s/;

/**
 * A line that shows a migration: `old → new` (also `->`, `=>`), `replace OLD with NEW`,
 * `rename OLD to NEW`, `use NEW instead of OLD`, with something on the new side. The old side
 * is a quote; the new side is judged like any other text.
 */
export function onOldSideOfMigration(line: string, column: number): boolean {
  const arrow = ARROW.exec(line);
  if (arrow && column < arrow.index && /[\w`]/.test(line.slice(arrow.index + arrow[0].length))) return true;
  const replace = /\b(replac\w*|renam\w*|chang\w*|migrat\w*|switch\w*)\b(.+?)\b(?:with|by|to|into)\b(.*)$/i.exec(line);
  if (replace) {
    const oldFrom = replace.index + (replace[1] as string).length;
    const oldTo = oldFrom + (replace[2] as string).length;
    if (column >= oldFrom && column < oldTo && /[\w`]/.test(replace[3] as string)) return true;
  }
  const instead = /\binstead of\b/i.exec(line);
  if (instead && column >= instead.index + instead[0].length && /[\w`]/.test(line.slice(0, instead.index))) return true;
  return false;
}

/**
 * Whether an occurrence at `offset` is a deliberate quote: the old side of a migration line,
 * a line (or the line right before its code block) carrying a quote marker, a section whose
 * heading says legacy/deprecated/migration…, a plan (see textRole), or a forbidden-pattern list
 * of a drift checker.
 */
export function isQuoted(q: QuoteContext, offset: number, block?: MdCodeBlock): boolean {
  const text = q.file.text;
  const line = lineAround(text, offset);
  if (onOldSideOfMigration(line.text, offset - line.start)) return true;
  if (hasMarker(line.text, q.opts.quoteMarkers)) return true;
  if (block) {
    const before = previousNonBlankLine(text, block.start);
    if (before !== undefined && hasMarker(before, q.opts.quoteMarkers)) return true;
  }
  if (q.ledger) return inCheckerList(q.ws, q.file.path, offset);
  if (textRole(q, offset, block)?.role === 'plan') return true;
  if (q.model) {
    const words = q.opts.quoteHeadingWords.map((w) => w.toLowerCase());
    for (const h of q.model.headings) {
      if (offset < h.start || offset >= h.sectionEnd) continue;
      const ht = h.text.toLowerCase();
      if (words.some((w) => new RegExp(`(^|[^a-z])${escapeRegExp(w)}([^a-z]|$)`).test(ht))) return true;
    }
  }
  return inCheckerList(q.ws, q.file.path, offset);
}

/**
 * Text that is not an instruction for today's reader, by the words around it:
 * - `record`: a statement about the past (an incident write-up, a debug log, a dated status
 *   report, "Files modified:", "Root cause", "Fix applied"): true when written, never rewritten;
 * - `plan`: a future state (a "Planned"/"Proposed"/"Roadmap"/"Next steps" section, a line marked
 *   "(NEW)", "⏳", "TODO", an unchecked `[ ]`, or one that tells to create or add the path): the
 *   path does not exist yet on purpose.
 * Sections are judged by their heading (and every heading above it); lines by their own text,
 * the label line of the list they belong to, and the line before their code block.
 */
export function textRole(q: QuoteContext, offset: number, block?: MdCodeBlock): { role: 'record' | 'plan'; why: string } | undefined {
  if (q.ledger) return undefined;
  const text = q.file.text;
  const line = lineAround(text, offset);
  const own = roleOfLine(line.text);
  if (own) return own;
  if (block) {
    const before = previousNonBlankLine(text, block.start);
    const r = before !== undefined ? roleOfLine(before) : undefined;
    if (r) return r;
  }
  const label = listLabelAbove(text, line.start);
  if (label) {
    const r = roleOfLabel(label);
    if (r) return r;
  }
  for (const h of q.model?.headings ?? []) {
    if (offset < h.start || offset >= h.sectionEnd) continue;
    const r = roleOfHeading(h.text);
    if (r) return r;
  }
  return undefined;
}

const MONTH = '(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\\.?';
const DATED = new RegExp(`\\b(?:(?:19|20)\\d{2}[-/.](?:0?[1-9]|1[0-2])(?:[-/.]\\d{1,2})?|${MONTH} \\d{1,2},? (?:19|20)\\d{2}|\\d{1,2} ${MONTH} (?:19|20)\\d{2})\\b`, 'i');
const RECORD_WORDS = /\b(incidents?|post-?mortems?|root[- ]cause|fix(?:es)? applied|resolution|resolved|timeline|retrospective|investigation|debug(?:ging)? (?:log|session|notes)|(?:work|session|progress|change) ?log|status (?:report|update)|what (?:was )?changed|changes made|files? (?:modified|changed|touched|updated|created|deleted|removed)|(?:changed|modified|touched) files|completed work|done so far)\b/i;
const PLAN_WORDS = /\b(planned|proposed|proposals?|roadmap|next steps|future (?:work|plans|improvements)|to-?do|backlog|wish ?list|not yet (?:implemented|built|created)|implementation plan|coming soon)\b/i;

function roleOfHeading(heading: string): { role: 'record' | 'plan'; why: string } | undefined {
  if (DATED.test(heading)) return { role: 'record', why: `a dated section ("${heading.trim()}")` };
  if (RECORD_WORDS.test(heading)) return { role: 'record', why: `a record section ("${heading.trim()}")` };
  if (PLAN_WORDS.test(heading)) return { role: 'plan', why: `a plan ("${heading.trim()}")` };
  return undefined;
}

/** A label such as "Files modified:" or "Planned:" that heads the list a line belongs to. */
function roleOfLabel(label: string): { role: 'record' | 'plan'; why: string } | undefined {
  const bare = label.replace(/[*_`#>]/g, '').trim();
  if (RECORD_WORDS.test(bare)) return { role: 'record', why: `listed under "${bare}"` };
  if (PLAN_WORDS.test(bare)) return { role: 'plan', why: `listed under "${bare}"` };
  return undefined;
}

function roleOfLine(raw: string): { role: 'record' | 'plan'; why: string } | undefined {
  const l = raw.trim();
  if (/\((?:new|planned|proposed|todo|tbd|wip)\)|\bNEW:|⏳|🚧|\bTODO\b|\bTBD\b|^(?:[-*+]|\d+\.)\s+\[ \]/i.test(l)) return { role: 'plan', why: 'a line marked as not done yet' };
  // "Create `x`", "Add `x`", "New file: `x`", "Add CLI:" — the reader is to make the path.
  if (/^(?:[-*+]|\d+\.)?\s*(?:\*\*)?(?:create|add|new file|new module|scaffold)\b[^.:]*?(?:`|:)/i.test(l)) return { role: 'plan', why: 'a line that tells to create it' };
  const label = /^(?:[-*+]\s+)?(?:\*\*)?([A-Za-z][\w /-]{2,40}?)(?:\*\*)?\s*:(?:\*\*)?\s/.exec(l);
  if (label) {
    const r = roleOfLabel(label[1] as string);
    if (r) return r;
  }
  return undefined;
}

/** The non-list line right above the list that holds the line starting at `lineStart`, if it ends with `:`. */
function listLabelAbove(text: string, lineStart: number): string | undefined {
  const first = lineAround(text, lineStart).text;
  if (!/^\s*(?:[-*+]|\d+\.)\s/.test(first)) return undefined;
  let end = lineStart - 1;
  for (let i = 0; i < 200 && end > 0; i++) {
    const start = text.lastIndexOf('\n', end - 1) + 1;
    const l = text.slice(start, end).replace(/\r$/, '');
    if (l.trim() === '') {
      end = start - 1;
      continue;
    }
    if (/^\s*(?:[-*+]|\d+\.)\s/.test(l) || /^\s{2,}\S/.test(l)) {
      end = start - 1;
      continue;
    }
    return /:\s*(?:\*\*)?\s*$/.test(l) ? l : undefined;
  }
  return undefined;
}

function hasMarker(line: string, markers: readonly string[]): boolean {
  const lower = line.toLowerCase();
  return markers.some((m) => {
    const mm = m.toLowerCase();
    if (!/^[a-z]/.test(mm)) return lower.includes(mm);
    return new RegExp(`(^|[^a-z])${escapeRegExp(mm)}([^a-z]|$)`).test(lower);
  });
}

function previousNonBlankLine(text: string, offset: number): string | undefined {
  let end = text.lastIndexOf('\n', offset - 1);
  while (end > 0) {
    const start = text.lastIndexOf('\n', end - 1) + 1;
    const line = text.slice(start, end).replace(/\r$/, '');
    if (line.trim() !== '') return line;
    end = start - 1;
  }
  return undefined;
}

export function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

// ---------------------------------------------------------------------------------------------
// Commands written in docs

/** A word of a doc command: its value (quotes removed) and its raw span in `mapped.value`. */
export interface DocWord {
  value: string;
  vStart: number;
  vEnd: number;
}

export interface DocCommand {
  doc: string;
  /** Where it was written: a fenced/indented shell block, a Dockerfile block, a code span, a JSON string. */
  source: 'fence' | 'dockerfile' | 'span' | 'json';
  /** Shell words, or the items of an exec-form JSON array (`CMD ["uvicorn", …]`). */
  form: 'shell' | 'exec';
  words: DocWord[];
  mapped: MappedText;
  /**
   * Repo-relative directory it runs from ('' = root); undefined after a `cd` we cannot follow.
   * A doc is one procedure: a `cd` in an earlier block or step carries over to later ones.
   */
  cwd: string | undefined;
  /**
   * Other directories the reader may be in (never `cwd` itself): where the doc started, when
   * `cwd` was carried over from an earlier block (a new terminal starts there), and the carried
   * directory when prose before the block names another one ("from the `backend` directory,
   * run"). A path is missing only when it is missing from every one of them, and a fix written
   * relative to `cwd` is not certain when this is not empty.
   */
  otherCwds: string[];
  /** What set `cwd` when it came from an earlier step or from prose, for messages. */
  cwdOrigin: string | undefined;
  /** Repo paths earlier commands of the doc create (cp/mv targets, touch, mkdir, redirects, downloads, clones). */
  created: Set<string>;
  /** Variables earlier commands of the doc set (`export PYTHONPATH=src`, `A=b`). */
  env: Map<string, string>;
  /** Commands joined on one line (`a && b`, `a & b`) share a lineId. */
  lineId: string;
  block: MdCodeBlock | undefined;
  /** Text offset of the first word (for findings). */
  offset: number;
}

export interface DocCommands {
  file: SourceFile;
  model: MarkdownModel | undefined;
  commands: DocCommand[];
  /** What the reader has created by the end of the doc (repo paths). */
  createdByEnd: Set<string>;
}

const SHELL_LANGS = new Set(['', 'bash', 'sh', 'shell', 'zsh', 'ksh', 'console', 'shell-session', 'shellsession', 'sh-session', 'terminal', 'session']);
const DOCKERFILE_LANGS = new Set(['dockerfile', 'docker', 'containerfile']);
/** First words that make a code span or JSON string a command rather than a name. */
const COMMAND_HEAD = /^(docker|docker-compose|podman|podman-compose|python[\d.]*|pip[\d.]*|uvicorn|gunicorn|hypercorn|cp|mv|source|\.|bash|sh|zsh|cat|cd|pytest|make|npm|npx|node|poetry|uv|pipenv|pdm|hatch)$/;

const commandCache = factSlot<Map<string, Promise<DocCommands | { skipped: string }>>>('doc commands');

/**
 * The commands of one doc: every simple command of its shell code blocks, the CMD/ENTRYPOINT
 * of its Dockerfile blocks, and the code spans / JSON string values whose first word is a
 * command. Cached per workspace view.
 */
export function docCommands(ws: Workspace, doc: DocFile, opts: DocsOptions): Promise<DocCommands | { skipped: string }> {
  let perWs = commandCache.get(ws);
  if (!perWs) {
    perWs = new Map();
    commandCache.set(ws, perWs);
  }
  const key = `${doc.path}\0${opts.maxDocBytes}`;
  let found = perWs.get(key);
  if (!found) {
    found = extractCommands(ws, doc, opts.maxDocBytes);
    perWs.set(key, found);
  }
  return found;
}

async function extractCommands(ws: Workspace, doc: DocFile, maxBytes: number): Promise<DocCommands | { skipped: string }> {
  const file = ws.read(doc.path);
  if (!file) return { skipped: 'unreadable' };
  const commands: DocCommand[] = [];
  if (doc.kind === 'json') {
    const r = await jsonStringValues(file);
    if (!r.ok) return { skipped: r.reason };
    // Each JSON string is a command of its own: nothing carries between them.
    r.strings.forEach((s, i) => commands.push(...inlineCommands(ws, doc.path, 'json', s, `j${i}`, file.text, freshProcedure())));
    return { file, model: undefined, commands, createdByEnd: new Set() };
  }
  const r = await parseMarkdown(file, maxBytes);
  if (!r.ok) return { skipped: r.reason };
  // Blocks and command spans in reading order: a doc is one procedure, so the directory a `cd`
  // moved to, the files earlier steps created and the variables they exported carry over.
  const steps = [
    ...r.model.blocks.map((b, i) => ({ start: b.start, block: b as MdCodeBlock | undefined, span: undefined as MdCodeSpan | undefined, id: `b${i}` })),
    ...r.model.spans.map((s, i) => ({ start: s.start, block: undefined, span: s, id: `s${i}` })),
  ].sort((a, b) => a.start - b.start);
  const state = freshProcedure();
  const elsewhere = runsElsewhere(doc.path, file.text);
  if (elsewhere) {
    // Its commands run in another project or deployment, not in this repository.
    state.cwd = undefined;
    state.cwdOrigin = elsewhere;
  }
  for (const step of steps) {
    if (step.block) {
      const b = step.block;
      const lang = (b.lang ?? '').replace(/^\{?\.?/, '').replace(/[\s{}].*$/, '');
      // A block that shows a file's content gives the reader that file (they save it and use
      // it): later steps that read it are not pointing at a missing repository file.
      const shown = shownFile(file.text, b, lang, r.model);
      for (const dir of shown ? [state.cwd, ...state.otherCwds] : []) {
        const p = dir === undefined ? undefined : joinRepo(dir, shown as string);
        if (p) state.created.add(p);
      }
      if (DOCKERFILE_LANGS.has(lang)) {
        // Unnamed, any `docker build -f X` after it builds it; named after a file of the
        // repository ("ships a reference Dockerfile at `docker/x/Dockerfile.y` … as a starting
        // point"), a build of a file of that name builds the reader's copy.
        state.shownDockerfile = shown ? path.posix.basename(shown) : true;
        commands.push(...dockerfileCommands(doc.path, b, step.id, file.text));
      }
      else if (SHELL_LANGS.has(lang)) {
        enterStep(ws, state, file.text, b.start, r.model);
        commands.push(...shellCommands(ws, doc.path, 'fence', b, b, step.id, lang === 'console' || lang.includes('session') || lang === 'terminal', file.text, state));
        // An unlabelled block may hold Dockerfile lines (`CMD ["uvicorn", "x.y:app"]`): no shell
        // runs `CMD`, so its exec-form instructions are read as the image's command.
        if (lang === '') commands.push(...dockerfileCommands(doc.path, b, step.id, file.text).filter((c) => c.form === 'exec' && /^\s*(CMD|ENTRYPOINT)\s/.test(lineAround(file.text, c.offset).text)));
      }
    } else if (step.span) {
      const before = commands.length;
      const saved = { cwd: state.cwd, otherCwds: state.otherCwds, cwdOrigin: state.cwdOrigin, carried: state.carried };
      enterStep(ws, state, file.text, step.span.start, r.model);
      commands.push(...inlineCommands(ws, doc.path, 'span', step.span, step.id, file.text, state));
      // A span that is not a command (a name, a flag) is no step: prose around it moves nobody.
      if (commands.length === before) Object.assign(state, saved);
    }
  }
  return { file, model: r.model, commands, createdByEnd: state.created };
}

/**
 * Where the commands in a file's comments run: a CI configuration's from the repository root
 * (a workflow's steps do), any other file's from its own folder (a compose file's, a
 * Dockerfile's build context).
 */
export function commentCwd(file: string): string {
  if (/^\.(github|gitlab|circleci|buildkite)\//.test(file)) return '';
  return path.dirname(file) === '.' ? '' : path.dirname(file);
}

/**
 * Commands written in the `#` comments of a YAML, compose file or Dockerfile (`# Usage: docker
 * compose -f docker-compose.prod.yml up`), run from that file's folder. A comment line is a
 * command when its first word is one (after a `Usage:`/`Run:`/`e.g.` label); consecutive comment
 * lines are one procedure (a `cd` carries). From a comment line that links another repository
 * on (`# Adapted from https://github.com/acme/other:`), the block quotes that project's commands:
 * those lines are not read.
 */
export function commentCommands(ws: Workspace, file: string, text: string, comments: ReadonlyArray<{ value: string; start: number; lineStart: number }>): DocCommand[] {
  const out: DocCommand[] = [];
  const dir = commentCwd(file);
  const blocks: Array<Array<{ value: string; start: number; lineStart: number }>> = [];
  let prevEnd = -2;
  for (const c of comments) {
    const prevLineEnd = text.lastIndexOf('\n', c.lineStart - 1);
    if (blocks.length === 0 || prevLineEnd !== prevEnd) blocks.push([]);
    (blocks[blocks.length - 1] as Array<{ value: string; start: number; lineStart: number }>).push(c);
    const nl = text.indexOf('\n', c.start);
    prevEnd = nl === -1 ? text.length : nl;
  }
  blocks.forEach((block, bi) => {
    const state = freshProcedure();
    state.cwd = dir;
    let elsewhere = false;
    block.forEach((c, li) => {
      // From a line that links another repository on, the block quotes that project.
      elsewhere ||= [...c.value.matchAll(/\b(?:https?:\/\/|git@)[^\s)'"]+/g)].some((u) => /github|gitlab|bitbucket/i.test(u[0]) && !ws.isThisRepository(u[0]));
      if (elsewhere) return;
      // The command may follow a label (`Usage:`, `Production:`, `e.g.`, a `$ ` prompt).
      const label = /^(?:[A-Za-z][\w .,'()/-]{0,40}?:[ \t]+|e\.g\.,?[ \t]+|\$[ \t]+)/i.exec(c.value);
      for (const skip of label ? [0, label[0].length] : [0]) {
        const value = c.value.slice(skip);
        const offsets = new Int32Array(value.length).map((_, i) => c.start + skip + i);
        const found = inlineCommands(ws, file, 'span', { value, offsets }, `c${bi}:${li}`, text, state);
        out.push(...found);
        if (found.length) break;
      }
    });
  });
  return out;
}

/**
 * An agent skill (`SKILL.md` with `name:` and `description:` front matter) that the repository
 * ships for use in other projects (`skills/x/SKILL.md`, a plugin's `skills/`), unlike the skills
 * a repository keeps for work on itself under its agent's folder (`.claude/skills/`,
 * `.cursor/`, `.github/`). Its steps address the user's project.
 */
export function isDistributedSkill(doc: string, text: string): boolean {
  if (!/(^|\/)skill\.md$/i.test(doc) || /(^|\/)\.[^/]+\//.test(doc)) return false;
  const fm = frontMatter(text);
  return fm !== undefined && /^name:/m.test(fm) && /^description:/m.test(fm);
}

/**
 * Docs of another edition of the product (Pro, Enterprise): a section whose folder is named for
 * it (`docs/pro/`, `enterprise/`, `ee/`) or whose front matter says so (`audience: pro`). Its
 * commands run against that edition's deployment (its own compose file, its own services), which
 * this repository does not hold.
 */
export function isOtherEditionDoc(doc: string, text: string): boolean {
  if (doc.split('/').slice(0, -1).some((seg) => /^(pro|enterprise|ee|commercial)$/i.test(seg))) return true;
  const fm = frontMatter(text);
  return fm !== undefined && /^(audience|edition|tier|plan):[ \t]*["']?(pro|enterprise|commercial|business)["']?[ \t]*$/im.test(fm);
}

/** Why a doc's commands run somewhere other than this repository, if they do. */
function runsElsewhere(doc: string, text: string): string | undefined {
  if (isDistributedSkill(doc, text)) return 'an agent skill shipped for use in other projects';
  if (isOtherEditionDoc(doc, text)) return "a doc of another edition's deployment";
  return undefined;
}

function frontMatter(text: string): string | undefined {
  const fm = /^---\r?\n([\s\S]*?)\r?\n---\r?$/m.exec(text.slice(0, 4000));
  return fm && fm.index === 0 ? (fm[1] as string) : undefined;
}

/**
 * Files the reader creates in the other docs of `doc`'s folder: a folder of docs is a series
 * (`02-build-setup.md` generates `compose.custom.yaml`, `03-start-setup.md` starts it), read in an
 * order the repository does not record, so what one step creates exists for the others.
 */
export async function createdInSeries(ws: Workspace, doc: string, opts: DocsOptions): Promise<Set<string>> {
  const dir = path.dirname(doc);
  const out = new Set<string>();
  for (const other of docFiles(ws, opts).docs) {
    if (other.kind !== 'markdown' || other.path === doc || path.dirname(other.path) !== dir) continue;
    const found = await docCommands(ws, other, opts);
    if ('commands' in found) for (const p of found.createdByEnd) out.add(p);
  }
  return out;
}

/** Where a reader of a doc is: the procedure state that carries from one step to the next. */
interface Procedure {
  cwd: string | undefined;
  /** What set the current directory, when an earlier step or prose did. */
  cwdOrigin: string | undefined;
  /** Other directories the reader may be in at the current step. */
  otherCwds: string[];
  created: Set<string>;
  env: Map<string, string>;
  /** Whether a step was read already (so the current directory may have been carried). */
  carried: boolean;
  /** Folders made by `git clone` of this very repository: a `cd` into one is back at the root. */
  selfClones: Set<string>;
  /**
   * The doc showed a Dockerfile's content: a later `docker build -f X` builds that (`true`: shown
   * without a name, any X; a name: an X of that file name).
   */
  shownDockerfile: boolean | string;
}

function freshProcedure(): Procedure {
  return { cwd: '', cwdOrigin: undefined, otherCwds: [], created: new Set(), env: new Map(), carried: false, selfClones: new Set(), shownDockerfile: false };
}

/**
 * A new block or command span starts. A directory carried over from an earlier step is where
 * the procedure means the reader to be, but a reader may have opened a new terminal, so the
 * doc's starting directory stays possible. Prose right before the step that names an existing
 * directory ("from the `backend` directory, run", "In `frontend/`:") moves the reader there,
 * with the carried directory still possible.
 */
function enterStep(ws: Workspace, state: Procedure, text: string, start: number, model: MarkdownModel): void {
  const others = new Set<string>();
  if (state.carried && state.cwd !== '') others.add('');
  const hinted = proseDirectory(ws, text, start, model);
  if (hinted !== undefined && hinted.dir !== state.cwd) {
    if (state.cwd !== undefined) others.add(state.cwd);
    state.cwd = hinted.dir;
    state.cwdOrigin = hinted.origin;
  }
  if (state.cwd !== undefined) others.delete(state.cwd);
  state.otherCwds = [...others];
  state.carried = true;
}

const SHOWN_LANGS = new Set(['bash', 'sh', 'shell', 'zsh', 'python', 'py', 'js', 'javascript', 'ts', 'typescript', 'tsx', 'jsx', 'yaml', 'yml', 'json', 'toml', 'dockerfile', 'docker', 'ini', 'conf', 'nginx', 'env', 'dotenv', 'sql', 'xml', 'html', 'css']);

/**
 * The file a code block shows, when the doc names it: a `title="…"`/`filename="…"` on the
 * fence (MDX, Docusaurus), a first-line comment naming a script (`# agent_memory.sh -- …`), or
 * the paragraph right before the block naming a file of that kind and ending with `:` or
 * saying to save or create it ("save this as `docker-compose.override.yml`:",
 * "**Location**: `web/src/pages/New/index.tsx`").
 */
function shownFile(text: string, block: MdCodeBlock, lang: string, model: MarkdownModel): string | undefined {
  if (!SHOWN_LANGS.has(lang) && !block.meta) return undefined;
  const named = /\b(?:title|filename|file)=["']?([\w./-]+\.[\w]+|[\w./-]*Dockerfile[\w.-]*)["']?/i.exec(block.meta ?? '');
  if (named?.[1]) return named[1].replace(/^\.\//, '');
  const firstLine = block.value.split('\n', 1)[0] ?? '';
  const header = /^\s*(?:#|\/\/)\s*([\w.-]+\.(?:sh|bash|py|js|ts|mjs|ps1))\b/.exec(firstLine);
  if (header?.[1]) return header[1];
  let end = block.start;
  while (end > 0 && /\s/.test(text[end - 1] as string)) end--;
  let from = text.lastIndexOf('\n\n', end - 1);
  from = from === -1 ? 0 : from + 2;
  for (const b of model.blocks) if (b.end <= end && b.end > from) from = b.end;
  const before = text.slice(Math.max(from, end - 300), end);
  if (!/:\s*(?:\*\*)?$/.test(before.trim()) && !/\b(?:save|saved|create|creating|named|called|put|write)\b/i.test(before)) return undefined;
  const names = [...before.matchAll(/`([\w./-]+)`|\*\*([\w./-]+\.[\w]+)\*\*/g)].map((m) => (m[1] ?? m[2]) as string).filter((n) => /\.[A-Za-z]\w{0,9}$/.test(n) || /dockerfile/i.test(n));
  const last = names[names.length - 1];
  return last ? last.replace(/^\.\//, '') : undefined;
}

/** Prose naming where the next commands run: "from the `backend` directory", "in `web/`". */
const PROSE_DIRECTORY = /\b(?:from|in|inside|within|into|under)\s+(?:the\s+|your\s+|a\s+)?(?:`([^`\n]+)`|\*\*([^*\n]+)\*\*|([\w.-]+(?:\/[\w.-]+)*\/?))(\s+(?:sub)?(?:directory|folder|dir)\b)?/gi;

/**
 * The directory that the prose right before `start` (since the last blank line or code block,
 * at most 300 characters) says the next commands run from, when it names one that exists.
 * Only an existing directory named with a directory word, or quoted with a trailing `/`,
 * counts: "in the background" or "into production" name nothing.
 */
function proseDirectory(ws: Workspace, text: string, start: number, model: MarkdownModel): { dir: string; origin: string } | undefined {
  // The paragraph that ends right before the step (a fence usually follows a blank line).
  let end = start;
  while (end > 0 && /\s/.test(text[end - 1] as string)) end--;
  let from = text.lastIndexOf('\n\n', end - 1);
  from = from === -1 ? 0 : from + 2;
  for (const b of model.blocks) if (b.end <= end && b.end > from) from = b.end;
  let before = text.slice(from, end);
  if (before.length > 300) before = before.slice(-300);
  let found: { dir: string; origin: string } | undefined;
  for (const m of before.matchAll(PROSE_DIRECTORY)) {
    const raw = (m[1] ?? m[2] ?? m[3] ?? '').trim();
    const quoted = m[1] !== undefined || m[2] !== undefined;
    if (m[4] === undefined && !(quoted && raw.endsWith('/'))) continue;
    const dir = raw.replace(/^\.\//, '').replace(/\/$/, '');
    if (!dir || dir === '.' || !isPlainPath(dir) || dir.startsWith('..')) continue;
    if (ws.hasDir(dir)) found = { dir, origin: `the text before it says "${m[0].trim()}"` };
  }
  return found;
}

function inlineCommands(ws: Workspace, doc: string, source: 'span' | 'json', mapped: MappedText, id: string, text: string, state: Procedure): DocCommand[] {
  const value = mapped.value;
  if (value.trimStart().startsWith('[')) {
    const words = execWords(value, 0, value.length);
    if (words && words.length > 0 && COMMAND_HEAD.test(baseName(words[0]?.value ?? ''))) return [{ ...makeCommand(doc, source, 'exec', words, mapped, state.cwd, new Set(state.created), `${id}:0`, undefined), otherCwds: state.otherCwds, cwdOrigin: state.cwdOrigin }];
    return [];
  }
  const first = simpleCommands(splitShell(value))[0];
  // A single word (`scripts/deploy.sh`, `pytest`) is a name, not a command with arguments.
  if (!first || first.length < 2) return [];
  const head = commandHead(first.map((w) => w.value));
  if (head === undefined) return [];
  const headWord = first[head.index]?.value ?? '';
  if (!COMMAND_HEAD.test(baseName(headWord)) && !/^\.{0,2}\/?[\w./-]+\.sh$/.test(headWord)) return [];
  return shellCommands(ws, doc, source, mapped, undefined, id, false, text, state);
}

/**
 * Shell text → simple commands, following `cd` and noting the files each command creates. The
 * procedure state comes in from the doc's earlier steps and goes out updated.
 */
function shellCommands(ws: Workspace, doc: string, source: DocCommand['source'], mapped: MappedText, block: MdCodeBlock | undefined, id: string, consoleSession: boolean, text: string, state: Procedure): DocCommand[] {
  const prepared = prepareShell(mapped.value, consoleSession);
  const words = splitShell(prepared);
  const out: DocCommand[] = [];
  let line = 0;
  let current: ShellWord[] = [];
  const flush = (): void => {
    if (current.length === 0) return;
    const argv: DocWord[] = current.map((w) => ({ value: w.value, vStart: w.start, vEnd: w.end }));
    const values = argv.map((w) => w.value);
    if (state.shownDockerfile && state.cwd !== undefined) {
      // `docker build -f Dockerfile.custom .` after the doc showed a Dockerfile: it builds that one.
      const h = commandHead(values)?.index ?? 0;
      const f = values.findIndex((v, i) => i > h && (v === '-f' || v === '--file'));
      const p = values[h] === 'docker' && /^build(x)?$/.test(values[h + 1] ?? '') && f !== -1 && values[f + 1] ? joinRepo(state.cwd, values[f + 1] as string) : undefined;
      if (p && (state.shownDockerfile === true || path.posix.basename(p) === state.shownDockerfile)) state.created.add(p);
    }
    out.push({ ...makeCommand(doc, source, 'shell', argv, mapped, state.cwd, new Set(state.created), `${id}:${line}`, block), env: new Map(state.env), otherCwds: state.otherCwds, cwdOrigin: state.cwdOrigin });
    trackVariables(state.env, values);
    // Files are created wherever the reader may be.
    for (const dir of [state.cwd, ...state.otherCwds]) for (const p of createdPaths(values, dir)) state.created.add(p);
    const clone = cloneOf(values);
    if (clone && state.cwd !== undefined && ws.isThisRepository(clone.url)) {
      const dir = joinRepo(state.cwd, clone.dir);
      if (dir !== undefined) state.selfClones.add(dir);
    }
    const before = state.cwd;
    state.cwd = nextCwd(ws, state.cwd, values, state.selfClones);
    if (state.cwd !== before) {
      // A `cd` in this step: the reader is where it says for the rest of the step.
      state.otherCwds = [];
      const head = commandHead(values)?.index ?? 0;
      state.cwdOrigin = state.cwd ? `\`${values.slice(head, head + 2).join(' ')}\` earlier in the doc` : undefined;
    }
    current = [];
  };
  for (const w of words) {
    if (w.operator) {
      flush();
      if (w.value === '\n') line++;
      continue;
    }
    current.push(w);
  }
  flush();
  return out;
}

function makeCommand(doc: string, source: DocCommand['source'], form: DocCommand['form'], words: DocWord[], mapped: MappedText, cwd: string | undefined, created: Set<string>, lineId: string, block: MdCodeBlock | undefined): DocCommand {
  const first = words[0];
  let offset = first ? (mapped.offsets[first.vStart] ?? -1) : -1;
  if (offset < 0) offset = block?.start ?? (mapped.offsets.find((o) => o >= 0) ?? 0);
  return { doc, source, form, words, mapped, cwd, otherCwds: [], cwdOrigin: undefined, created, env: new Map(), lineId, block, offset };
}

/** `export A=b`, `A=b` on its own, `unset A`: the variables later commands of the block see. */
function trackVariables(env: Map<string, string>, argv: string[]): void {
  const assign = (w: string): void => {
    const m = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/s.exec(w);
    if (m) env.set(m[1] as string, m[2] as string);
  };
  if (argv[0] === 'export') argv.slice(1).forEach(assign);
  else if (argv[0] === 'unset') argv.slice(1).forEach((n) => env.delete(n));
  else if (argv.length > 0 && argv.every((w) => /^[A-Za-z_][A-Za-z0-9_]*=/.test(w))) argv.forEach(assign);
}

/** The variables a command runs with: the block's, then its own leading assignments. */
export function commandEnv(cmd: DocCommand): Map<string, string> {
  const argv = cmd.words.map((w) => w.value);
  return new Map([...cmd.env, ...(commandHead(argv)?.env ?? new Map<string, string>())]);
}

/** A PYTHONPATH we cannot read (`$PWD/src`): module resolution is not judged. */
export function unreadablePythonPath(env: ReadonlyMap<string, string>): boolean {
  const pp = env.get('PYTHONPATH');
  return pp !== undefined && pp.split(':').some((e) => e.includes('$') && !/^\$\{?PYTHONPATH\}?$/.test(e));
}

/** Whether the first name of a dotted module is the repository's own (a folder or module on one of `roots`). */
export function ownsTopLevel(ws: Workspace, roots: readonly string[], module: string): boolean {
  const top = module.split('.')[0] as string;
  return roots.some((r) => ws.hasDir(r ? `${r}/${top}` : top) || ws.has(r ? `${r}/${top}.py` : `${top}.py`));
}

/**
 * Blank out what is not a command, keeping every index: `$ ` prompts, output lines of a
 * console session, and heredoc bodies.
 */
function prepareShell(value: string, consoleSession: boolean): string {
  const lines = value.split('\n');
  let heredoc: string | undefined;
  let continued = false;
  const out = lines.map((raw) => {
    const blank = raw.replace(/[^\r]/g, ' ');
    if (heredoc !== undefined) {
      if (raw.replace(/\r$/, '').trim() === heredoc) heredoc = undefined;
      return blank;
    }
    let lineText = raw;
    const prompt = /^(\s*)([$%❯]|PS>|>>>)\s/.exec(raw);
    if (prompt) {
      if (prompt[2] === '>>>') return blank;
      lineText = ' '.repeat(prompt[0].length) + raw.slice(prompt[0].length);
    } else if (consoleSession && !continued) {
      return blank;
    }
    continued = /\\\r?$/.test(raw);
    const h = /<<-?\s*(['"]?)([A-Za-z_]\w*)\1/.exec(lineText);
    if (h) heredoc = h[2];
    return lineText;
  });
  // A CRLF continuation (`\\\r\n`) becomes ` \\\n`: same length, and the shell splitter sees a continuation.
  return out.join('\n').replace(/\\\r\n/g, ' \\\n');
}

/** CMD / ENTRYPOINT of a Dockerfile code block, exec or shell form. */
function dockerfileCommands(doc: string, block: MdCodeBlock, id: string, text: string): DocCommand[] {
  const out: DocCommand[] = [];
  const value = block.value;
  const ins = /^[ \t]*(CMD|ENTRYPOINT)[ \t]+/gim;
  for (let m = ins.exec(value); m; m = ins.exec(value)) {
    const start = m.index + m[0].length;
    let end = start;
    // The instruction runs to the first line break not escaped by a backslash.
    for (;;) {
      const nl = value.indexOf('\n', end);
      if (nl === -1) {
        end = value.length;
        break;
      }
      if (/\\\r?$/.test(value.slice(end, nl))) end = nl + 1;
      else {
        end = nl;
        break;
      }
    }
    const body = value.slice(start, end);
    if (body.trimStart().startsWith('[')) {
      const words = execWords(value, start, end);
      if (words) out.push(makeCommand(doc, 'dockerfile', 'exec', words, block, undefined, new Set(), `${id}:${m.index}`, block));
    } else {
      const words = splitShell(value.slice(start, end).replace(/\\\r\n/g, ' \\\n'), start);
      for (const cmd of simpleCommands(words)) {
        out.push(makeCommand(doc, 'dockerfile', 'shell', cmd.map((w) => ({ value: w.value, vStart: w.start, vEnd: w.end })), block, undefined, new Set(), `${id}:${m.index}`, block));
      }
    }
  }
  return out;
}

/** The string items of a JSON array written in value[start, end), with their content spans. */
function execWords(value: string, start: number, end: number): DocWord[] | undefined {
  const body = value.slice(start, end);
  const lead = body.length - body.trimStart().length;
  const arr = body.trim();
  let parsed: unknown;
  try {
    parsed = JSON.parse(arr.replace(/\\\r?\n/g, ' '));
  } catch {
    return undefined;
  }
  if (!Array.isArray(parsed) || !parsed.every((x) => typeof x === 'string')) return undefined;
  // Locate each string literal in order.
  const words: DocWord[] = [];
  const lit = /"((?:[^"\\]|\\.)*)"/g;
  let k = 0;
  for (let m = lit.exec(arr); m && k < parsed.length; m = lit.exec(arr), k++) {
    const s = start + lead + m.index + 1;
    words.push({ value: parsed[k] as string, vStart: s, vEnd: s + (m[1] as string).length });
  }
  return words.length === parsed.length ? words : undefined;
}

function baseName(word: string): string {
  return word.slice(word.lastIndexOf('/') + 1);
}

/** Span in the doc's text of the raw word `i` of a command, or of `sub` inside it. */
export function wordTextSpan(cmd: DocCommand, i: number, sub?: string): [number, number] | undefined {
  const w = cmd.words[i];
  if (!w) return undefined;
  if (sub === undefined) return mappedSpan(cmd.mapped, w.vStart, w.vEnd);
  const raw = cmd.mapped.value.slice(w.vStart, w.vEnd);
  const at = raw.indexOf(sub);
  if (at === -1 || raw.indexOf(sub, at + 1) !== -1) return undefined;
  return mappedSpan(cmd.mapped, w.vStart + at, w.vStart + at + sub.length);
}

export interface CommandHead {
  /** Index of the command word. */
  index: number;
  /** Leading `NAME=value` assignments (and `env NAME=value`). */
  env: Map<string, string>;
}

/** Skip assignments and wrappers (`sudo`, `env`, `exec`, `nohup`, `time`, `poetry run`, `uv run` …). */
export function commandHead(argv: readonly string[]): CommandHead | undefined {
  const env = new Map<string, string>();
  let i = 0;
  const assign = (w: string): boolean => {
    const m = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/s.exec(w);
    if (m) env.set(m[1] as string, m[2] as string);
    return m !== null;
  };
  while (i < argv.length) {
    const w = argv[i] as string;
    if (assign(w)) i++;
    else if (w === 'sudo') {
      i++;
      while (argv[i]?.startsWith('-')) i += argv[i] === '-u' || argv[i] === '-g' ? 2 : 1;
    } else if (w === 'env') {
      i++;
      while (argv[i]?.startsWith('-')) i++;
    } else if (w === 'exec' || w === 'nohup' || w === 'time' || w === 'command') i++;
    else if (['poetry', 'uv', 'pipenv', 'pdm', 'hatch', 'rye'].includes(w) && argv[i + 1] === 'run') {
      i += 2;
      // `uv run --with x` and friends: options of the runner itself.
      while (argv[i]?.startsWith('-')) {
        if (/^--(directory|project|cwd)/.test(argv[i] as string)) return undefined; // changes directory: not followed
        i += /^--(with|python|env-file|group|extra|package|index|frozen)$/.test(argv[i] as string) ? 2 : 1;
      }
    } else break;
  }
  if (i >= argv.length) return undefined;
  return { index: i, env };
}

/** `git clone [options] <url> [dir]`: the URL and the folder it makes. */
function cloneOf(argv: string[]): { url: string; dir: string } | undefined {
  const head = commandHead(argv);
  if (!head || argv[head.index] !== 'git' || argv[head.index + 1] !== 'clone') return undefined;
  const args: string[] = [];
  for (let i = head.index + 2; i < argv.length; i++) {
    const w = argv[i] as string;
    if (/^(-b|--branch|--depth|-o|--origin|-c|--config|--reference|--filter|-j|--jobs)$/.test(w)) i++;
    else if (!w.startsWith('-')) args.push(w);
  }
  const url = args[0];
  if (!url) return undefined;
  const dir = args[1] ?? path.basename(url.replace(/[/]+$/, '')).replace(/\.git$/, '');
  return isPlainPath(dir) ? { url, dir } : undefined;
}

function nextCwd(ws: Workspace, cwd: string | undefined, argv: string[], selfClones: ReadonlySet<string> = new Set()): string | undefined {
  const head = commandHead(argv);
  if (!head) return cwd;
  const w = argv[head.index];
  if (w !== 'cd' && w !== 'pushd') return cwd;
  const target = argv[head.index + 1];
  if (cwd === undefined || target === undefined || !isPlainPath(target)) return undefined;
  const joined = path.normalize(path.join(cwd || '.', target));
  if (joined === '.') return '';
  if (joined.startsWith('..')) return undefined;
  const dir = joined.replace(/\/$/, '');
  // A clone of this repository: its folder is this root (and a path inside it, this path).
  for (const clone of selfClones) {
    if (dir === clone) return '';
    if (dir.startsWith(`${clone}/`)) return ws.hasDir(dir.slice(clone.length + 1)) ? dir.slice(clone.length + 1) : undefined;
  }
  return ws.hasDir(dir) ? dir : undefined;
}

/** A relative path with no variables, globs, placeholders, home or URL. */
function isPlainPath(p: string): boolean {
  return p.length > 0 && !/[$*?<>{}[\]|~`"'\\]|^[-/]|:\/\//.test(p);
}

/** Repo paths a command creates, resolved against its directory (shared with env-example-missing). */
export function createdPaths(argv: string[], cwd: string | undefined): string[] {
  if (cwd === undefined) return [];
  const out: string[] = [];
  const add = (p: string | undefined): void => {
    if (p === undefined || !isPlainPath(p)) return;
    const joined = path.normalize(path.join(cwd || '.', p));
    if (!joined.startsWith('..') && joined !== '.') out.push(joined.replace(/\/$/, ''));
  };
  for (let i = 0; i < argv.length; i++) {
    const w = argv[i] as string;
    if (w === '>' || w === '>>') add(argv[i + 1]);
    else if (/^\d?>>?[^>&]/.test(w)) add(w.replace(/^\d?>>?/, ''));
  }
  const head = commandHead(argv);
  if (!head) return out;
  const cmd = baseName(argv[head.index] as string);
  const args = argv.slice(head.index + 1).filter((a) => !a.startsWith('-') && a !== '>' && a !== '>>');
  if (['cp', 'mv', 'ln', 'install', 'rsync'].includes(cmd) && args.length >= 2) {
    add(args[args.length - 1]);
    for (const src of args.slice(0, -1)) add(path.join(args[args.length - 1] as string, path.basename(src)));
  } else if (['touch', 'mkdir', 'tee'].includes(cmd)) args.forEach(add);
  else if (/^python[\d.]*$/.test(cmd) && argv[head.index + 1] === '-m' && argv[head.index + 2] === 'venv') add(argv[head.index + 3]);
  else if (cmd === 'virtualenv' || (cmd === 'uv' && argv[head.index + 1] === 'venv')) add(args[cmd === 'uv' ? 1 : 0] ?? '.venv');
  else if (cmd === 'git' && argv[head.index + 1] === 'clone') {
    const rest = args.slice(1);
    add(rest[1] ?? (rest[0] ? path.basename(rest[0]).replace(/\.git$/, '') : undefined));
  } else if (cmd === 'curl' || cmd === 'wget') {
    const o = argv.findIndex((a) => a === '-o' || a === '-O' || a === '--output');
    if (o !== -1) add(argv[o + 1]);
  }
  return out;
}

/**
 * Whether `p` (repo-relative) is created by an earlier step of the doc, or by a step of another
 * doc of its series (`series`, see createdInSeries).
 */
export function isCreated(cmd: DocCommand, p: string, series: ReadonlySet<string> = new Set()): boolean {
  for (const created of [cmd.created, series]) for (const c of created) if (p === c || p.startsWith(`${c}/`)) return true;
  return false;
}

// ---------------------------------------------------------------------------------------------
// Command models: python, compose, file operands

export interface PythonRun {
  kind: 'script' | 'module';
  /** Index of the word holding the script path or the module name. */
  index: number;
  value: string;
}

/** `python [opts] path/x.py …` or `python [opts] -m mod …` (after assignments and wrappers). */
export function pythonRun(argv: readonly string[]): PythonRun | undefined {
  const head = commandHead(argv);
  if (!head || !/^python(\d+(\.\d+)?)?$/.test(baseName(argv[head.index] as string))) return undefined;
  for (let j = head.index + 1; j < argv.length; j++) {
    const w = argv[j] as string;
    if (w === '--') {
      const next = argv[j + 1];
      return next === undefined ? undefined : { kind: 'script', index: j + 1, value: next };
    }
    if (w === '-m') return argv[j + 1] === undefined ? undefined : { kind: 'module', index: j + 1, value: argv[j + 1] as string };
    if (w.startsWith('-m') && w.length > 2) return undefined; // -mfoo: rare; not judged
    if (w === '-c' || w.startsWith('-c') || w === '-') return undefined;
    if (w === '-W' || w === '-X' || w === '-Q') {
      j++;
      continue;
    }
    if (w.startsWith('-')) continue;
    return { kind: 'script', index: j, value: w };
  }
  return undefined;
}

interface SubcommandSpec {
  values: string[];
  flags: string[];
  /** Which positional words are services. */
  services: 'all' | 'first' | 'none';
}

const COMPOSE_GLOBAL_VALUES = new Set(['-f', '--file', '-p', '--project-name', '--project-directory', '--env-file', '--profile', '--ansi', '--progress', '--parallel', '-c', '--context', '-H', '--host', '--log-level', '--tlscacert', '--tlscert', '--tlskey']);
const COMPOSE_GLOBAL_FLAGS = new Set(['--compatibility', '--dry-run', '--verbose', '--no-ansi', '--tls', '--tlsverify', '--skip-hostname-check', '--all-resources']);
const T = ['-t', '--timeout'];
const SUBCOMMANDS: Record<string, SubcommandSpec> = {
  up: {
    values: [...T, '--scale', '--exit-code-from', '--attach', '--no-attach', '--pull', '--wait-timeout'],
    flags: ['-d', '--detach', '--build', '--no-build', '--force-recreate', '--no-recreate', '--no-deps', '--remove-orphans', '-V', '--renew-anon-volumes', '--quiet-pull', '--quiet-build', '--no-color', '--no-log-prefix', '--no-start', '--timestamps', '--wait', '-w', '--watch', '--abort-on-container-exit', '--abort-on-container-failure', '--always-recreate-deps', '--attach-dependencies', '--menu', '-y', '--yes'],
    services: 'all',
  },
  down: { values: [...T, '--rmi'], flags: ['-v', '--volumes', '--remove-orphans'], services: 'all' },
  start: { values: [], flags: [], services: 'all' },
  stop: { values: T, flags: [], services: 'all' },
  restart: { values: T, flags: ['--no-deps'], services: 'all' },
  logs: { values: ['--tail', '-n', '--since', '--until', '--index'], flags: ['-f', '--follow', '-t', '--timestamps', '--no-color', '--no-log-prefix'], services: 'all' },
  ps: { values: ['--filter', '--format', '--status'], flags: ['-a', '--all', '-q', '--quiet', '--services', '--orphans', '--no-trunc'], services: 'all' },
  pull: { values: ['--policy'], flags: ['-q', '--quiet', '--ignore-pull-failures', '--include-deps', '--ignore-buildable', '--parallel', '--no-parallel'], services: 'all' },
  push: { values: [], flags: ['--ignore-push-failures', '--include-deps', '-q', '--quiet'], services: 'all' },
  build: { values: ['--build-arg', '--ssh', '--progress', '-m', '--memory', '--builder'], flags: ['--no-cache', '--pull', '--push', '-q', '--quiet', '--with-dependencies', '--parallel', '--no-rm', '--force-rm', '--check', '--print'], services: 'all' },
  create: { values: ['--pull', '--scale'], flags: ['--build', '--no-build', '--force-recreate', '--no-recreate', '--remove-orphans', '-y', '--yes', '--quiet-pull'], services: 'all' },
  rm: { values: [], flags: ['-f', '--force', '-s', '--stop', '-v', '--volumes', '-a', '--all'], services: 'all' },
  kill: { values: ['-s', '--signal'], flags: ['--remove-orphans'], services: 'all' },
  pause: { values: [], flags: [], services: 'all' },
  unpause: { values: [], flags: [], services: 'all' },
  top: { values: [], flags: [], services: 'all' },
  images: { values: ['--format'], flags: ['-q', '--quiet'], services: 'all' },
  events: { values: [], flags: ['--json'], services: 'all' },
  wait: { values: [], flags: ['--down-project'], services: 'all' },
  watch: { values: [], flags: ['--no-up', '--prune', '--quiet'], services: 'all' },
  stats: { values: ['--format'], flags: ['-a', '--all', '--no-stream', '--no-trunc'], services: 'all' },
  exec: { values: ['-u', '--user', '-e', '--env', '-w', '--workdir', '--index'], flags: ['-d', '--detach', '--privileged', '-T', '--no-TTY', '--no-tty', '-i', '--interactive', '-t', '--tty'], services: 'first' },
  run: {
    values: ['--name', '--entrypoint', '-e', '--env', '-l', '--label', '-u', '--user', '-p', '--publish', '-v', '--volume', '-w', '--workdir', '--pull', '--cap-add', '--cap-drop', '--env-from-file'],
    flags: ['-d', '--detach', '--no-deps', '--rm', '--service-ports', '--use-aliases', '-T', '--no-TTY', '--no-tty', '-i', '--interactive', '-t', '--tty', '--build', '--quiet-pull', '--remove-orphans', '-P'],
    services: 'first',
  },
  port: { values: ['--index', '--protocol'], flags: [], services: 'first' },
  attach: { values: ['--detach-keys', '--index'], flags: ['--no-stdin', '--sig-proxy'], services: 'first' },
};

export interface ComposeRun {
  /** Indices of `-f` values. */
  files: number[];
  envFiles: number[];
  projectDirectory: number | undefined;
  subcommand: string | undefined;
  /** Indices of the words that name services (empty when the command cannot be read fully). */
  services: number[];
  /** False when an option we do not know makes the positional words uncertain. */
  judgeable: boolean;
}

/**
 * `docker compose …` / `docker-compose …`: its compose files, its subcommand, and which words
 * are services — only when every option is known (an unknown option may take a value).
 */
export function composeRun(argv: readonly string[]): ComposeRun | undefined {
  const head = commandHead(argv);
  if (!head) return undefined;
  const h = baseName(argv[head.index] as string);
  let i: number;
  if ((h === 'docker' || h === 'podman') && argv[head.index + 1] === 'compose') i = head.index + 2;
  else if (h === 'docker-compose' || h === 'podman-compose') i = head.index + 1;
  else return undefined;
  const run: ComposeRun = { files: [], envFiles: [], projectDirectory: undefined, subcommand: undefined, services: [], judgeable: true };
  for (; i < argv.length; i++) {
    const w = argv[i] as string;
    if (!w.startsWith('-')) break;
    const eq = w.startsWith('--') ? w.indexOf('=') : -1;
    const flag = eq === -1 ? w : w.slice(0, eq);
    if (COMPOSE_GLOBAL_VALUES.has(flag)) {
      const at = eq === -1 ? i + 1 : i;
      if (flag === '-f' || flag === '--file') run.files.push(at);
      if (flag === '--env-file') run.envFiles.push(at);
      if (flag === '--project-directory') run.projectDirectory = at;
      if (eq === -1) i++;
    } else if (/^-f./.test(w)) {
      return { ...run, judgeable: false };
    } else if (!COMPOSE_GLOBAL_FLAGS.has(flag)) return { ...run, judgeable: false };
  }
  run.subcommand = argv[i];
  const spec = run.subcommand ? SUBCOMMANDS[run.subcommand] : undefined;
  if (!spec) return { ...run, judgeable: false };
  const values = new Set(spec.values);
  const flags = new Set(spec.flags);
  let options = true;
  for (let j = i + 1; j < argv.length; j++) {
    const w = argv[j] as string;
    if (options && w === '--') {
      options = false;
      continue;
    }
    if (options && w.startsWith('-') && w.length > 1) {
      const eq = w.startsWith('--') ? w.indexOf('=') : -1;
      const flag = eq === -1 ? w : w.slice(0, eq);
      if (values.has(flag)) {
        if (eq === -1) j++;
        continue;
      }
      if (flags.has(flag)) continue;
      // Bundled short flags: -dV, -ft.
      if (/^-[A-Za-z]{2,}$/.test(w) && [...w.slice(1)].every((c) => flags.has(`-${c}`))) continue;
      return { ...run, services: [], judgeable: false };
    }
    if (spec.services === 'none') break;
    run.services.push(j);
    if (spec.services === 'first') break;
  }
  return run;
}

/** Words of a command that name files it reads (so they must exist), for the dead-reference rule. */
export function readOperands(argv: readonly string[]): number[] {
  const head = commandHead(argv);
  if (!head) return [];
  const cmd = baseName(argv[head.index] as string);
  const out: number[] = [];
  const compose = composeRun(argv);
  if (compose) return [...compose.files, ...compose.envFiles].filter((j) => j < argv.length);
  const positional = (from: number): number[] => {
    const idx: number[] = [];
    for (let j = from; j < argv.length; j++) {
      const w = argv[j] as string;
      if (w === '>' || w === '>>' || w === '<') {
        j++;
        continue;
      }
      if (!w.startsWith('-')) idx.push(j);
    }
    return idx;
  };
  if (cmd === 'docker' && argv[head.index + 1] === 'build') {
    for (let j = head.index + 2; j < argv.length; j++) {
      if (argv[j] === '-f' || argv[j] === '--file') out.push(j + 1);
      else if (argv[j]?.startsWith('--file=')) out.push(j);
    }
  } else if (/^pip[\d.]*$/.test(cmd) || (/^python[\d.]*$/.test(cmd) && argv[head.index + 1] === '-m' && argv[head.index + 2] === 'pip')) {
    for (let j = head.index + 1; j < argv.length; j++) {
      if (['-r', '--requirement', '-c', '--constraint'].includes(argv[j] as string)) out.push(j + 1);
    }
  } else if (cmd === 'cp' || cmd === 'mv') {
    if (argv.some((a) => a === '-t' || a.startsWith('--target-directory'))) return [];
    out.push(...positional(head.index + 1).slice(0, -1));
  } else if (cmd === 'source' || cmd === '.') {
    const first = positional(head.index + 1)[0];
    if (first !== undefined) out.push(first);
  } else if (cmd === 'bash' || cmd === 'sh' || cmd === 'zsh') {
    if (argv.includes('-c')) return [];
    const first = positional(head.index + 1)[0];
    if (first !== undefined) out.push(first);
  } else if (cmd === 'cat') {
    out.push(...positional(head.index + 1));
  } else if (/^\.{0,2}\/?[\w.-]+(\/[\w.-]+)*\.(sh|bash)$/.test(argv[head.index] as string) && (argv[head.index] as string).includes('/')) {
    out.push(head.index);
  }
  return out.filter((j) => j >= 0 && j < argv.length);
}

/** The value of an operand word, without an inline `--flag=` prefix. */
export function operandValue(word: string): string {
  return /^--[\w-]+=/.test(word) ? word.slice(word.indexOf('=') + 1) : word;
}

// ---------------------------------------------------------------------------------------------
// Repo paths named in docs

export interface PathRef {
  /** The path with a leading `./` removed and no trailing slash. */
  path: string;
  dir: boolean;
  /** The first segment, to check that the reference is anchored in the repository. */
  first: string;
}

/**
 * A string that is nothing but a relative path: no spaces, variables, globs, placeholders
 * (`<x>`, `{x}`), URL, absolute or home path, `host:port` or `mod:attr`. With `requireSlash`,
 * bare names (`main.py`) are not paths. A file needs an extension in its last segment; a
 * directory ends with `/`.
 */
export function pathRef(value: string, requireSlash: boolean): PathRef | undefined {
  if (!/^[\w.@+/-]+$/.test(value) || value.startsWith('/') || value.startsWith('-') || value.startsWith('@') || value.includes('//')) return undefined;
  const explicit = value.startsWith('./') || value.startsWith('../');
  if (requireSlash && !explicit && !value.replace(/\/$/, '').includes('/') && !value.endsWith('/')) return undefined;
  const dir = value.endsWith('/');
  const clean = value.replace(/^(\.\/)+/, '').replace(/\/$/, '');
  if (!clean || clean === '.' || clean === '..') return undefined;
  const segments = clean.split('/');
  if (segments.some((s) => s === '' || s === '.')) return undefined;
  // An elided (`packages/shared/.../x.ts`) or placeholder path (`XXXXX.key`, `YYYYMMDD.sql`,
  // `your-app/config.yml`) stands for a path the reader fills in.
  if (segments.some((s) => s === '...' || isPlaceholderSegment(s))) return undefined;
  const last = segments[segments.length - 1] as string;
  if (!dir && !/^[\w.@+-]*\.[A-Za-z][A-Za-z0-9]{0,9}$/.test(last)) return undefined;
  // Version numbers and similar (`1.2.3/`, `v2/x`) are not paths worth judging.
  if (segments.every((s) => /^v?\d+([.-]\d+)*$/.test(s) || s === '..')) return undefined;
  return { path: clean, dir, first: segments[0] as string };
}

/** A path segment that is a placeholder: runs of X, date patterns, `your-`/`my-` names, `example`/`sample` stems. */
export function isPlaceholderSegment(segment: string): boolean {
  const stem = segment.replace(/\.[A-Za-z0-9]{1,10}$/, '');
  return /XXX|YYYY|(^|[^a-z])MM(DD|-DD)|HHMM|^(your|my)[-_]|^(your|my)[A-Z]|^<|>$/.test(stem) || /^(your|my)(app|project|repo|service|site|domain|file|folder|dir|module|package)s?$/i.test(stem);
}

/** Normalise a path relative to a repo directory; undefined when it leaves the repository. */
export function joinRepo(base: string, rel: string): string | undefined {
  const joined = path.normalize(path.join(base || '.', rel));
  if (joined === '.') return '';
  if (joined.startsWith('..') || path.isAbsolute(joined)) return undefined;
  return joined.replace(/\/$/, '');
}

export function existsInRepo(ws: Workspace, p: string): boolean {
  return p === '' || ws.has(p) || ws.hasDir(p) || underSubmodule(ws, p);
}

const submoduleCache = factSlot<string[]>('submodules');

/**
 * Whether `p` lies in a git submodule (listed in .gitmodules, or below a path git lists as a
 * single entry): its files are not enumerated, so nothing there can be judged missing.
 */
export function underSubmodule(ws: Workspace, p: string): boolean {
  let subs = submoduleCache.get(ws);
  if (!subs) {
    subs = [...(ws.probe('.gitmodules')?.text ?? '').matchAll(/^\s*path\s*=\s*(.+?)\s*$/gm)].map((m) => (m[1] as string).replace(/\/$/, ''));
    submoduleCache.set(ws, subs);
  }
  if (subs.some((s) => p === s || p.startsWith(`${s}/`))) return true;
  for (let i = p.indexOf('/'); i !== -1; i = p.indexOf('/', i + 1)) if (ws.has(p.slice(0, i))) return true;
  return false;
}

const nameIndexCache = factSlot<{ files: Map<string, string[]>; dirs: Map<string, string[]> }>('paths by name');

function nameIndex(ws: Workspace): { files: Map<string, string[]>; dirs: Map<string, string[]> } {
  let idx = nameIndexCache.get(ws);
  if (idx) return idx;
  idx = { files: new Map(), dirs: new Map() };
  const seenDirs = new Set<string>();
  for (const p of ws.paths) {
    const b = path.basename(p);
    const files = idx.files.get(b);
    if (files) files.push(p);
    else idx.files.set(b, [p]);
    for (let d = path.dirname(p); d !== '.' && !seenDirs.has(d); d = path.dirname(d)) {
      seenDirs.add(d);
      const db = path.basename(d);
      const dirs = idx.dirs.get(db);
      if (dirs) dirs.push(d);
      else idx.dirs.set(db, [d]);
    }
  }
  nameIndexCache.set(ws, idx);
  return idx;
}

export interface Relocation {
  /** The one path the reference must mean now, when there is one. */
  target: string | undefined;
  /**
   * How sure `target` is: `safe` when git recorded the rename (followed to a path that exists
   * today) or when only the letter case differs; `review` when it is guessed from the name.
   */
  safety: 'safe' | 'review' | undefined;
  /** Every path with the same name (after narrowing by shared parent directories). */
  candidates: string[];
  /** The only candidate, or the rename's destination, sits in an archive / ledger location: retired, not relocated. */
  archived: boolean;
  /** The evidence for `target`, or what history says became of the path (a message clause). */
  because: string;
  /** Git history says the path is gone with no successor (deleted, or renamed and then deleted). */
  gone: boolean;
}

/**
 * A reference written from the wrong folder: the path as written (at least two segments, so
 * one file name alone is no evidence) names an existing path from exactly one other base — an
 * ancestor of the folder it was resolved from, or the repository root with its leading `../`
 * dropped (`./skill-b/SKILL.md` in `skills/skill-a/` meaning `skills/skill-b/SKILL.md`;
 * `server/app/x.py` in `handbook/design/` meaning the root's `server/app/x.py`). The whole
 * path matches, not a guess from a name: the one file meant.
 */
export function writtenFromAnotherBase(ws: Workspace, base: string, written: string, dir: boolean): Relocation | undefined {
  const bare = written.replace(/^(\.\.?\/)+/, '').replace(/\/$/, '');
  if (bare.split('/').length < 2) return undefined;
  const found = new Map<string, string>();
  const consider = (from: string, rel: string): void => {
    const p = joinRepo(from, rel);
    if (p !== undefined && p !== '' && (dir ? ws.hasDir(p) : ws.has(p)) && !found.has(p)) found.set(p, from);
  };
  for (let a = base; a !== ''; ) {
    a = path.dirname(a) === '.' ? '' : path.dirname(a);
    consider(a, written);
  }
  consider('', bare);
  if (found.size !== 1) return undefined;
  const [target, from] = [...found][0] as [string, string];
  return { target, safety: 'safe', candidates: [target], archived: false, because: `the path as written exists from ${from ? `\`${from}/\`` : 'the repository root'}: it was written from the wrong folder`, gone: false };
}

/** What git history says about each path, asked in one batch (the workspace runs git, not the rule). */
export type Histories = (p: string, dir: boolean) => PathHistory;

export async function pathHistories(ws: Workspace, queries: Iterable<HistoryQuery>): Promise<Histories> {
  const unique = new Map<string, HistoryQuery>();
  for (const q of queries) unique.set(historyKey(q), q);
  const answers = unique.size ? await (await ws.gitHistory()).lookup([...unique.values()]) : new Map<string, PathHistory>();
  return (p, dir) => answers.get(historyKey({ path: p, dir })) ?? { status: 'unknown', reason: 'not looked up' };
}

/** `abc1234 (2024-05-01)`, or `abc1234, 2024-05-01` inside parentheses. */
function when(c: HistoryCommit, inParens = false): string {
  return inParens ? `${c.short}, ${c.date}` : `${c.short} (${c.date})`;
}

/** `renamed in abc1234, 2024-05-01` or `renamed to `b` in …, then to `c` in …`. */
function renameChain(steps: readonly RenameStep[], withLast: boolean, inParens: boolean): string {
  if (steps.length === 1 && !withLast) return `renamed in ${when((steps[0] as RenameStep).commit, inParens)}`;
  return `renamed ${steps.map((s, i) => `${i ? 'then ' : ''}to \`${s.to}\` in ${when(s.commit, inParens)}`).join(', ')}`;
}

/**
 * Where a missing file or directory went. Evidence, strongest first:
 *
 * 1. the same path in another letter case (`docs/readme.md` for `docs/README.md`): exactly one
 *    file is meant, whatever history says;
 * 2. git history: a rename (followed through later renames) to a path that exists today is the
 *    successor; a deletion, or a rename whose chain ends in one, means there is none, even when
 *    a file of the same name exists elsewhere (it is another file);
 * 3. with no rename record (the path never existed in history, or history cannot tell: not a
 *    repository, a shallow clone), the paths with the same basename, narrowed to those sharing
 *    the most trailing segments with the reference (`integrations/supervisor.py` prefers
 *    `scripts/integrations/supervisor.py` over `tools/supervisor.py`). A guess: `review`.
 *
 * Excluded and ledger locations never count as a namesake new home, and a rename into a ledger
 * location retires the file.
 */
export function relocate(ws: Workspace, missing: string, dir: boolean, opts: DocsOptions, history: PathHistory): Relocation {
  const kind = dir ? 'directory' : 'file';
  // The same path in another letter case: broken on case-sensitive hosts, and exactly one file
  // is meant.
  const sameLetters = dir ? [] : ws.paths.filter((p) => p !== missing && p.toLowerCase() === missing.toLowerCase());
  if (sameLetters.length === 1) return { target: sameLetters[0], safety: 'safe', candidates: sameLetters, archived: false, because: 'the same path in other letter case', gone: false };
  // Several files differing only in letter case (possible on Linux, a clash on macOS/Windows
  // checkouts): the reference cannot say which one is meant.
  if (sameLetters.length > 1) return { target: undefined, safety: undefined, candidates: sameLetters.sort(), archived: false, because: '', gone: false };
  let candidates = namesakes(ws, missing, dir, opts);
  // No file of that name: one of that name with the other spelling of its extension is as good a
  // guess (`docker-compose.yaml` for the only `docker-compose.yml`, in another folder).
  if (candidates.length === 0 && !dir) candidates = otherSpellings(missing).flatMap((p) => namesakes(ws, p, false, opts));
  if (history.status === 'renamed' && history.successor !== undefined) {
    const chain = renameChain(history.steps, false, true);
    if (matchesAny(history.successor, opts.ledgerGlobs)) {
      return { target: undefined, safety: undefined, candidates: [history.successor], archived: true, because: `it was ${renameChain(history.steps, true, false)}, an archive location`, gone: true };
    }
    return { target: history.successor, safety: 'safe', candidates, archived: false, because: chain, gone: false };
  }
  // The same file with the other spelling of its extension, next to where it was meant
  // (`docker-compose.yaml` for `docker-compose.yml`): one file, which tools read either way. A
  // deletion in history then names the move to the other spelling.
  const alias = dir || history.status === 'renamed' ? undefined : extensionAlias(ws, missing);
  if (alias) return { target: alias, safety: 'safe', candidates: [alias], archived: false, because: `the same file with its extension spelled \`${path.extname(alias)}\``, gone: false };
  if (history.status === 'deleted') return { target: undefined, safety: undefined, candidates, archived: false, because: `it was deleted in ${when(history.commit)}`, gone: true };
  if (history.status === 'renamed' && history.deleted) {
    const last = history.steps[history.steps.length - 1] as RenameStep;
    return { target: undefined, safety: undefined, candidates, archived: false, because: `it was ${renameChain(history.steps, true, false)}, and \`${last.to}\` was deleted in ${when(history.deleted)}`, gone: true };
  }
  // No rename record: the name is all there is to go on.
  const why =
    history.status === 'never'
      ? 'no rename record in git history'
      : history.status === 'unknown'
        ? `no usable git history: ${history.reason}`
        : `git history loses track of it after it was ${renameChain(history.steps, true, true)}: ${history.lost ?? 'no successor'}`;
  const live = candidates.filter((c) => !matchesAny(c, opts.ledgerGlobs));
  const spelled = live.length === 1 && path.posix.basename(live[0] as string) !== path.posix.basename(missing) ? ` (its extension spelled \`${path.posix.extname(live[0] as string)}\`)` : '';
  if (live.length === 1) return { target: live[0], safety: 'review', candidates, archived: false, because: `the only ${kind} of that name${spelled}; ${why}; guessed from the file name`, gone: false };
  return { target: undefined, safety: undefined, candidates, archived: live.length === 0 && candidates.length > 0, because: why, gone: false };
}

/** Extensions that name one format in two spellings. */
const EXTENSION_SPELLINGS = [['.yml', '.yaml'], ['.jpg', '.jpeg'], ['.htm', '.html'], ['.tif', '.tiff']];

/** `p` with the other spellings of its extension (`a.yaml` → `a.yml`, `a.YML`). */
function otherSpellings(p: string): string[] {
  const ext = path.posix.extname(p).toLowerCase();
  const pair = EXTENSION_SPELLINGS.find((x) => x.includes(ext));
  if (!pair) return [];
  const stem = p.slice(0, p.length - ext.length);
  return pair.filter((e) => e !== ext).flatMap((e) => [`${stem}${e}`, `${stem}${e.toUpperCase()}`]);
}

/** The one existing file that is `missing` with the other spelling of its extension, if any. */
function extensionAlias(ws: Workspace, missing: string): string | undefined {
  const found = otherSpellings(missing).filter((p) => ws.has(p));
  return found.length === 1 ? found[0] : undefined;
}

/**
 * The paths with the same basename as `missing` (files for a file, directories for a
 * directory), narrowed to those sharing the most trailing segments with it. Excluded and
 * gitignored paths are never a namesake new home.
 */
export function namesakes(ws: Workspace, missing: string, dir: boolean, opts: DocsOptions): string[] {
  const base = path.basename(missing);
  const all = ((dir ? nameIndex(ws).dirs : nameIndex(ws).files).get(base) ?? []).filter((c) => c !== missing && !matchesAny(c, opts.excludeGlobs) && !isGitIgnored(ws, c, dir));
  const want = missing.split('/').reverse();
  const shared = (c: string): number => {
    const parts = c.split('/').reverse();
    let n = 0;
    while (n < want.length && parts[n] === want[n]) n++;
    return n;
  };
  const best = Math.max(0, ...all.map(shared));
  return all.filter((c) => shared(c) === best).sort();
}

/** Whether a reference that is only judged once its path moved did move (a namesake, or a rename record). */
export function seemsMoved(moved: Relocation): boolean {
  return moved.candidates.length > 0 || moved.target !== undefined;
}

const quoteList = (paths: readonly string[]): string => paths.map((c) => `\`${c}\``).join(', ');

/**
 * The end of a docs finding's message: where the path went and on what evidence, or why the
 * reference is not changed. `editable` says whether the text can be rewritten in place.
 */
export function relocationText(moved: Relocation, dir: boolean, editable: boolean): string {
  const kind = dir ? 'directory' : 'file';
  if (moved.target) {
    if (!editable) return `it must be \`${moved.target}\` (${moved.because}), but the text cannot be edited in place (not changed)`;
    return moved.safety === 'safe' ? `it is now \`${moved.target}\` (${moved.because})` : `it is probably \`${moved.target}\` (${moved.because})`;
  }
  if (moved.gone) {
    const others = moved.archived ? [] : moved.candidates;
    const namesakes = others.length === 0 ? '' : `; ${quoteList(others)} ${others.length === 1 ? 'has' : 'have'} the same name, but git records no rename to ${others.length === 1 ? 'it' : 'them'}`;
    return `${moved.because}${namesakes} (not changed)`;
  }
  if (moved.archived) return `the only ${kind} of that name is archived (${quoteList(moved.candidates)}); not changed`;
  if (moved.candidates.length > 1) return `candidates ${quoteList(moved.candidates)} (not changed)`;
  return `no ${kind} of that name in the repository (not changed)`;
}

/** `target` written relative to `fromDir`, keeping the reference's `./` and trailing-slash style. */
export function relativeRef(fromDir: string, target: string, like: string, dir: boolean): string {
  let rel = path.relative(fromDir || '.', target || '.');
  if (like.startsWith('./') && !rel.startsWith('.')) rel = `./${rel}`;
  if (dir && like.endsWith('/')) rel = `${rel}/`;
  return rel;
}

/** `.env.example`, `.env.sample`, `env.template` …: generated by another rule when missing. */
export function isEnvTemplate(p: string): boolean {
  return /(^|\/)\.?env(\.[\w-]+)?\.(example|sample|template|dist|tmpl)$/i.test(p);
}

// ---------------------------------------------------------------------------------------------
// Python: where a doc command finds modules

/** Directories an installed copy of the project puts on sys.path (src layout, `where = […]`, package-dir). */
const rootsCache = factSlot<string[]>('installable roots');

export function installableRoots(ws: Workspace): string[] {
  const cached = rootsCache.get(ws);
  if (cached) return cached;
  const found = findInstallableRoots(ws);
  rootsCache.set(ws, found);
  return found;
}

function findInstallableRoots(ws: Workspace): string[] {
  const manifests = ['pyproject.toml', 'setup.cfg', 'setup.py'].filter((p) => ws.has(p));
  if (manifests.length === 0) return [];
  const roots = new Set<string>();
  for (const m of manifests) {
    const text = ws.probe(m)?.text ?? '';
    for (const w of text.matchAll(/\bwhere\s*=\s*\[([^\]]*)\]/g)) for (const d of (w[1] as string).matchAll(/["']([^"']+)["']/g)) roots.add(d[1] as string);
    for (const w of text.matchAll(/package[-_]dir\s*=\s*\{\s*["']{2}\s*[:=]\s*["']([^"']+)["']/g)) roots.add(w[1] as string);
    for (const w of text.matchAll(/^\s*=\s*([\w./-]+)\s*$/gm)) if (m === 'setup.cfg') roots.add(w[1] as string);
    for (const w of text.matchAll(/\bfrom\s*=\s*["']([^"']+)["']/g)) roots.add(w[1] as string);
  }
  if (ws.paths.some((p) => /^src\/[A-Za-z_]\w*\/__init__\.py$/.test(p))) roots.add('src');
  return [...roots].map((r) => r.replace(/^\.\//, '').replace(/\/$/, '')).filter((r) => r === '.' || ws.hasDir(r)).map((r) => (r === '.' ? '' : r));
}

/** The module search path of a doc command: its directory, PYTHONPATH, --app-dir / --pythonpath / --chdir. */
export function docExecContext(cwd: string, env: ReadonlyMap<string, string>, inv: ServerInvocation | undefined, extraRoots: readonly string[] = []): ExecContext {
  let dir = cwd;
  if (inv?.chdir && isPlainPath(inv.chdir)) dir = joinRepo(cwd, inv.chdir) ?? cwd;
  const dirs = [dir];
  for (const entry of (env.get('PYTHONPATH') ?? inv?.env.get('PYTHONPATH') ?? '').split(':')) {
    if (entry && isPlainPath(entry) && entry !== '.') {
      const j = joinRepo(dir, entry);
      if (j !== undefined) dirs.push(j);
    }
  }
  for (const d of inv?.importDirs ?? []) {
    const j = isPlainPath(d) || d === '.' ? joinRepo(dir, d) : undefined;
    if (j !== undefined) dirs.push(j);
  }
  dirs.push(...extraRoots);
  return repoContext([...new Set(dirs)]);
}

/** Module name and import root of a repo file: by its packages (`__init__.py` chain) when it is in one. */
export function canonicalModule(ws: Workspace, file: string): { module: string; root: string } | undefined {
  const noExt = file.replace(/\.py$/, '');
  const parts = noExt.split('/');
  if (parts[parts.length - 1] === '__init__') parts.pop();
  let dirParts = file.split('/').slice(0, -1);
  if (!ws.has([...dirParts, '__init__.py'].join('/'))) {
    // Not in a package: importable by path from the repo root (namespace packages).
    return parts.every((p) => /^[A-Za-z_]\w*$/.test(p)) ? { module: parts.join('.'), root: '' } : undefined;
  }
  while (dirParts.length > 0 && ws.has([...dirParts, '__init__.py'].join('/'))) dirParts = dirParts.slice(0, -1);
  const root = dirParts.join('/');
  const rel = parts.slice(dirParts.length);
  if (!rel.every((p) => /^[A-Za-z_]\w*$/.test(p))) return undefined;
  return { module: rel.join('.'), root };
}

/** The repo directory a module name resolves from, given the file it names (`src` for autopack.main). */
export function moduleRoot(module: string, file: string): string | undefined {
  const rel = module.split('.').join('/');
  for (const tail of [`${rel}.py`, `${rel}/__init__.py`]) {
    if (file === tail) return '';
    if (file.endsWith(`/${tail}`)) return file.slice(0, file.length - tail.length - 1);
  }
  return undefined;
}

/**
 * A target that resolves only through a namespace prefix (`src.autopack.main` for
 * `src/autopack/main.py`) while the module imports its own package by its real name
 * (`from autopack import …`): the import fails unless the real root is on the path too.
 */
export function importsItselfElsewhere(ws: Workspace, module: string, file: string): { module: string; root: string } | undefined {
  const canon = canonicalModule(ws, file);
  if (!canon || canon.module === module || !module.endsWith(`.${canon.module}`)) return undefined;
  const top = canon.module.split('.')[0] as string;
  if (module.split('.')[0] === top) return undefined;
  const text = ws.probe(file)?.text ?? '';
  const selfImport = new RegExp(`^[ \\t]*(from[ \\t]+${escapeRegExp(top)}(\\.[\\w.]+)?[ \\t]+import\\b|import[ \\t]+${escapeRegExp(top)}\\b)`, 'm');
  return selfImport.test(text) ? canon : undefined;
}

export { moduleNamesFor, parseAppTarget, resolveAppTarget };

// ---------------------------------------------------------------------------------------------
// The app the repository deploys, and the ports it publishes for it

export interface AppDeployment {
  file: string;
  attr: string;
  /** The module name the deployment uses, and the repo directory it resolves from. */
  module: string;
  root: string | undefined;
  /** Human-readable: "service `backend` (CMD of Dockerfile)". */
  via: string;
  /** The compose service that runs it (undefined for a Dockerfile run on its own). */
  service: string | undefined;
  /** The port the server listens on in the container (its --port/--bind, else EXPOSE, else 8000). */
  containerPort: string | undefined;
  /** Host ports compose publishes for that container port. */
  hostPorts: string[];
}

const SERVER_DEFAULT_PORT = '8000';
const deploymentCache = factSlot<Promise<AppDeployment[]>>('app deployments');

/**
 * Every way the repository runs a Python web app: compose services (their `command` /
 * `entrypoint`, else their image's CMD / ENTRYPOINT) and Dockerfiles no compose service builds.
 * Only targets that resolve in their own container context count.
 */
export function appDeployments(facts: Facts): Promise<AppDeployment[]> {
  let found = deploymentCache.get(facts);
  if (!found) {
    found = collectDeployments(facts);
    deploymentCache.set(facts, found);
  }
  return found;
}

async function collectDeployments(facts: Facts): Promise<AppDeployment[]> {
  const out: AppDeployment[] = [];
  const built = new Set<string>();
  for (const set of facts.compose.sets) {
    for (const service of set.services.values()) {
      // Overrides are alternatives (dev, prod): judge the base alone and the base with each override.
      const files = [...new Set(service.fragments.map((f) => f.file))];
      const base = files.find((f) => f.isBase) ?? set.files.find((f) => f.isBase);
      const views = [...new Set([base, ...files.filter((f) => !f.isBase)])].filter((f): f is NonNullable<typeof f> => f !== undefined).map((f) => serviceView(set, service, f));
      for (const view of views) {
        if (view.fragments.length === 0) continue;
        const image = facts.serviceImage(view);
        if (image) built.add(image.dockerfile);
        const argvs: Array<{ argv: string[]; via: string }> = [];
        let commanded = false;
        for (const f of view.fragments) {
          for (const spec of [f.command, f.entrypoint]) {
            if (!spec) continue;
            if (spec.key === 'command') commanded = true;
            const via = `service \`${service.name}\` (${spec.key} in ${f.file.path})`;
            if (spec.form === 'list' && isSeq(spec.node)) argvs.push({ argv: spec.node.items.map((i) => scalarString(i) ?? ''), via });
            else {
              const value = scalarString(spec.node);
              if (value !== undefined) for (const cmd of simpleCommands(splitShell(value))) argvs.push({ argv: cmd.map((w) => w.value), via });
            }
          }
        }
        if (!commanded) for (const cmd of image?.stage?.commands ?? []) argvs.push({ argv: cmd.words.map((w) => w.value), via: `service \`${service.name}\` (${cmd.keyword} of ${image?.dockerfile})` });
        for (const { argv, via } of argvs) {
          for (const inv of serverInvocations(argv)) {
            const d = await deployment(facts, view, inv.argv, inv.inv, via, image?.stage?.exposes.map((e) => e.value) ?? []);
            if (d) out.push(d);
          }
        }
      }
    }
  }
  for (const p of facts.workspace.paths) {
    if (!isDockerfilePath(p) || built.has(p)) continue;
    const model = facts.dockerfile(p);
    if (!model || model.error) continue;
    for (const stage of model.stages) {
      for (const cmd of stage.commands) {
        for (const inv of serverInvocations(cmd.words.map((w) => w.value))) {
          const d = await deployment(facts, standaloneService(p, stage.rawName), inv.argv, inv.inv, `the ${cmd.keyword} of ${p}`, stage.exposes.map((e) => e.value));
          if (d) out.push(d);
        }
      }
    }
  }
  return out;
}

/** A Dockerfile built on its own (context: its folder), seen as a one-fragment service so facts can map its paths. */
function standaloneService(dockerfile: string, target: string | undefined): ServiceView {
  const dir = path.dirname(dockerfile) === '.' ? '' : path.dirname(dockerfile);
  const fragment = {
    name: '(image)',
    file: { path: dockerfile, dir, isBase: true },
    build: { context: '.', dockerfile: path.basename(dockerfile), target, inline: false },
    volumes: [],
    environment: new Map(),
    ports: [],
    workingDir: undefined,
  };
  return { name: '(image)', fragments: [fragment], incomplete: false } as unknown as ServiceView;
}

async function deployment(facts: Facts, service: ServiceView, argv: string[], inv: ServerInvocation, via: string, exposes: string[]): Promise<AppDeployment | undefined> {
  if (inv.targetIndex === undefined || inv.config !== undefined) return undefined;
  const target = parseAppTarget(argv[inv.targetIndex] as string);
  if (!target) return undefined;
  const ctx = facts.serviceExecContext(service, inv);
  if (!ctx) return undefined;
  const r = await resolveAppTarget(facts.workspace, ctx, target);
  if (r.status !== 'ok') return undefined;
  const listen = serverPort(argv, inv);
  const exposed = exposes.map((e) => e.replace(/\/(tcp|udp)$/i, '')).filter((e) => /^\d+$/.test(e));
  const containerPort = listen?.value !== undefined && /^\d+$/.test(listen.value) ? listen.value : exposed.length === 1 ? exposed[0] : listen === undefined ? SERVER_DEFAULT_PORT : undefined;
  const hostPorts = new Set<string>();
  for (const f of service.fragments) for (const p of f.ports ?? []) if (p.container === containerPort && p.published && /^\d+$/.test(p.published)) hostPorts.add(p.published);
  const serviceName = service.name === '(image)' ? undefined : service.name;
  return { file: r.file, attr: target.attr, module: target.module, root: moduleRoot(target.module, r.file), via, service: serviceName, containerPort, hostPorts: [...hostPorts] };
}

/** Server invocations of an argv (through `sh -c`, with its `cd`s); argv is the one the invocation indexes. */
export function serverInvocations(argv: string[]): FoundInvocation[] {
  return shellServerInvocations(argv, serverAtHead);
}

export function serverAtHead(argv: readonly string[]): ServerInvocation | undefined {
  const head = commandHead(argv);
  if (!head) return undefined;
  const w = baseName(argv[head.index] as string);
  const isServer = ['uvicorn', 'gunicorn', 'hypercorn'].includes(w) || (/^python(\d+(\.\d+)?)?$/.test(w) && argv[head.index + 1] === '-m' && ['uvicorn', 'gunicorn', 'hypercorn'].includes(argv[head.index + 2] ?? ''));
  if (!isServer) return undefined;
  const rest = argv.slice(head.index);
  const inv = findServerInvocation(rest);
  if (!inv) return undefined;
  for (const [k, v] of head.env) if (!inv.env.has(k)) inv.env.set(k, v);
  const shift = head.index;
  return {
    ...inv,
    targetIndex: inv.targetIndex === undefined ? undefined : inv.targetIndex + shift,
    port: inv.port ? { value: inv.port.value, index: inv.port.index + shift } : undefined,
  };
}

/** The port a server listens on: `--port N`, `--port=N`, `-b/--bind host:N`; the word that holds it. */
export function serverPort(argv: readonly string[], inv: ServerInvocation): { value: string; index: number } | undefined {
  if (inv.port) {
    const w = argv[inv.port.index] as string;
    return { value: operandValue(w), index: inv.port.index };
  }
  for (let j = 0; j < argv.length; j++) {
    const w = argv[j] as string;
    let value: string | undefined;
    let index = j;
    if (w === '-b' || w === '--bind') {
      value = argv[j + 1];
      index = j + 1;
    } else if (w.startsWith('--bind=')) value = w.slice(7);
    else if (/^-b\S/.test(w)) value = w.slice(2);
    if (value === undefined) continue;
    if (value.startsWith('unix:') || value.startsWith('fd://')) return undefined;
    const m = /:([^:]+)$/.exec(value);
    return m ? { value: m[1] as string, index } : undefined;
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// From problems to findings

export interface DocProblem {
  doc: string;
  /** Text offset the finding points at. */
  offset: number;
  /** What kind of reference (`compose-service`, `app-target`, `script`, `link` …). */
  kind: string;
  /** The stale value as written (`postgres`, `autopack.api.server:app`). */
  subject: string;
  message: string;
  /** The edits that fix this occurrence, when exactly one replacement is meant and editable. */
  fix: { edits: Array<{ start: number; end: number; text: string }>; replacement: string; description: string; safety: 'safe' | 'review' } | undefined;
  /** The gap-analysis items this is an instance of (default: the rule's). */
  seedIds?: string[];
  /** The same problem as another rule reports it (RawFinding.reportedBy). */
  reportedBy?: { ruleId: string; key: string };
}

/**
 * A rule's raw finding for a doc problem. The shape of model's RawFinding, spelled out here
 * because facts/ sits below model/ (the docs rules check it with `satisfies RawFinding[]`).
 */
export interface DocFinding {
  file: string;
  offset: number;
  key: string;
  message: string;
  fix: { safety: 'safe' | 'review'; description: string; edits: Array<{ file: string; start: number; end: number; text: string }> } | null;
  seedIds?: string[];
}

/**
 * One finding per occurrence. Occurrences of the same stale value with the same replacement in
 * one doc share one fix (so proving it removes them all); keys number the occurrences within
 * their group, never by line, so they survive edits elsewhere in the file.
 */
export function problemsToFindings(problems: DocProblem[]): DocFinding[] {
  const groups = new Map<string, DocProblem[]>();
  for (const p of problems) {
    const g = `${p.doc}\0${p.kind}\0${p.subject}\0${p.fix ? `fix:${p.fix.replacement}\0${p.fix.safety}` : 'report'}`;
    const list = groups.get(g);
    if (list) list.push(p);
    else groups.set(g, [p]);
  }
  const out: DocFinding[] = [];
  for (const list of groups.values()) {
    list.sort((a, b) => a.offset - b.offset);
    const first = list[0] as DocProblem;
    const shared = first.fix
      ? { safety: first.fix.safety, description: first.fix.description, edits: dedupeEdits(list.flatMap((p) => (p.fix?.edits ?? []).map((e) => ({ file: p.doc, ...e })))) }
      : null;
    list.forEach((p, i) => {
      out.push({
        file: p.doc,
        offset: p.offset,
        // A review group keeps a key of its own: applying the safe group with the same
        // replacement must not look like it left the problem in place.
        key: `${p.doc}:${p.kind}:${p.subject}${p.fix ? `=>${p.fix.replacement}${p.fix.safety === 'review' ? ' (review)' : ''}` : ''}#${i}`,
        message: p.message,
        fix: shared,
        ...(p.seedIds ? { seedIds: p.seedIds } : {}),
        ...(p.reportedBy ? { reportedBy: p.reportedBy } : {}),
      });
    });
  }
  return out.sort((a, b) => a.file.localeCompare(b.file) || a.offset - b.offset);
}

function dedupeEdits<T extends { file: string; start: number; end: number; text: string }>(edits: T[]): T[] {
  const seen = new Set<string>();
  return edits.filter((e) => {
    const k = `${e.file}\0${e.start}\0${e.end}\0${e.text}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

/** Read a doc's commands, recording a skipped (too large or too complex) doc once as a diagnostic. */
export async function readDoc(ws: Workspace, doc: DocFile, opts: DocsOptions): Promise<DocCommands | undefined> {
  const r = await docCommands(ws, doc, opts);
  if ('skipped' in r) {
    // One note per file, whichever docs rule meets it first (the run dedupes identical notes).
    if (r.skipped.includes('size cap') || r.skipped.startsWith('skipped: too complex')) ws.addDiagnostic({ file: doc.path, kind: 'skipped', message: `docs rules: ${r.skipped}` });
    return undefined;
  }
  return r;
}

/**
 * A command's problems as judged from every directory its reader may be in (`cmd.cwd` and
 * `cmd.otherCwds`): a problem stands only when the command is wrong from each of them, and its
 * fix, written relative to `cmd.cwd`, is then a judgement call (`review`), because the doc does
 * not say for certain where the command runs. `judge` sees a copy of the command with one
 * directory and no alternatives. For problems other than DocProblems, `id` names a problem
 * across the runs and `doubt` marks one as uncertain.
 */
export async function judgedFromEveryCwd<T = DocProblem>(
  cmd: DocCommand,
  judge: (c: DocCommand) => T[] | Promise<T[]>,
  id: (p: T) => string = (p) => {
    const d = p as unknown as DocProblem;
    return `${d.kind}\0${d.offset}\0${d.subject}`;
  },
  doubt: (p: T, why: string) => T = (p, why) => {
    const d = p as unknown as DocProblem;
    return (d.fix ? { ...d, message: `${d.message}; ${why}, so the fix is for review`, fix: { ...d.fix, safety: 'review' as const } } : d) as unknown as T;
  },
): Promise<T[]> {
  const primary = await judge(cmd.otherCwds.length ? { ...cmd, otherCwds: [] } : cmd);
  if (cmd.otherCwds.length === 0 || primary.length === 0) return primary;
  let kept = primary;
  for (const other of cmd.otherCwds) {
    const also = new Set((await judge({ ...cmd, cwd: other, otherCwds: [] })).map(id));
    kept = kept.filter((p) => also.has(id(p)));
  }
  const where = cmd.otherCwds.map((d) => (d ? `\`${d}/\`` : 'the repository root')).join(' or ');
  const why = `the doc does not say for certain where this runs (${cmd.cwdOrigin ?? 'an earlier step'}; it may run from ${where})`;
  return kept.map((p) => doubt(p, why));
}

// ---------------------------------------------------------------------------------------------
// Docs sites: generators that resolve a page's links their own way

export interface DocsSite {
  /** The site's folder ('' = the repository root). */
  root: string;
  generator: 'hugo' | 'docusaurus' | 'vitepress' | 'astro' | 'mintlify' | 'jekyll' | 'mkdocs' | 'fern' | 'web app';
  /**
   * For a web app (Next.js, Nuxt, Gatsby, SvelteKit, Remix with MDX pages): which of the docs
   * under its folder it renders. Its README is read on GitHub, its MDX pages on the site.
   */
  rendersDoc?: (doc: string) => boolean;
  /**
   * Folders the site serves files from by their path inside the folder (`static/`, `public/`)
   * or resolves a page's relative image against (Hugo's `assets/`, through render hooks): a
   * link that misses on disk but names a file there is resolved by the site.
   */
  assetRoots: string[];
  /**
   * Whether a relative link is resolved against the page's URL rather than its file (Hugo,
   * Jekyll): a file path rewritten to reach the target on disk need not reach it on the site.
   */
  urlRelative: boolean;
}

const SITE_CONFIGS: Array<{ test: RegExp; generator: DocsSite['generator']; up: number; assets: string[]; urlRelative: boolean }> = [
  // Hugo's config folder (`config/_default/hugo.toml`) first: its file is also a `hugo.toml`.
  { test: /(^|\/)config\/_default\/(hugo|config)\.(toml|ya?ml|json)$/, generator: 'hugo', up: 2, assets: ['static', 'assets'], urlRelative: true },
  { test: /(^|\/)hugo\.(toml|ya?ml|json)$/, generator: 'hugo', up: 0, assets: ['static', 'assets'], urlRelative: true },
  { test: /(^|\/)docusaurus\.config\.[cm]?[jt]s$/, generator: 'docusaurus', up: 0, assets: ['static'], urlRelative: false },
  { test: /(^|\/)\.vitepress\/config\.[cm]?[jt]s$/, generator: 'vitepress', up: 1, assets: ['public'], urlRelative: false },
  { test: /(^|\/)astro\.config\.[cm]?[jt]s$/, generator: 'astro', up: 0, assets: ['public'], urlRelative: false },
  { test: /(^|\/)(mint\.json|docs\.json)$/, generator: 'mintlify', up: 0, assets: [''], urlRelative: false },
  { test: /(^|\/)_config\.ya?ml$/, generator: 'jekyll', up: 0, assets: [''], urlRelative: true },
  { test: /(^|\/)mkdocs\.ya?ml$/, generator: 'mkdocs', up: 0, assets: [], urlRelative: false },
  // Fern: `fern/fern.config.json` beside `docs.yml`; pages link each other by their routes.
  { test: /(^|\/)fern\.config\.json$/, generator: 'fern', up: 0, assets: [''], urlRelative: false },
];

const siteCache = factSlot<DocsSite[]>('docs sites');

/**
 * The docs sites of the repository, found by their generator's config file. A `docs.json`
 * counts only with Mintlify's `navigation`, a `_config.yml` only next to Jekyll's folders
 * (`_layouts`, `_posts`, `_includes`), since both names are common elsewhere.
 */
export function docsSites(ws: Workspace): DocsSite[] {
  const cached = siteCache.get(ws);
  if (cached) return cached;
  const sites: DocsSite[] = [];
  for (const p of ws.paths) {
    const spec = SITE_CONFIGS.find((s) => s.test.test(p));
    if (!spec) continue;
    let root = path.dirname(p) === '.' ? '' : path.dirname(p);
    for (let i = 0; i < spec.up; i++) root = path.dirname(root) === '.' ? '' : path.dirname(root);
    if (spec.generator === 'mintlify' && !/"navigation"\s*:/.test(ws.read(p)?.text ?? '')) continue;
    if (spec.generator === 'jekyll' && !['_layouts', '_posts', '_includes'].some((d) => ws.hasDir(root ? `${root}/${d}` : d))) continue;
    if (sites.some((s) => s.root === root && s.generator === spec.generator)) continue;
    sites.push({ root, generator: spec.generator, assetRoots: spec.assets.map((a) => (root && a ? `${root}/${a}` : root || a)), urlRelative: spec.urlRelative });
  }
  sites.push(...webAppSites(ws, sites));
  // The innermost site owns a doc.
  sites.sort((a, b) => b.root.length - a.root.length);
  siteCache.set(ws, sites);
  return sites;
}

/** The site that renders a doc, if any. */
export function siteOf(ws: Workspace, doc: string): DocsSite | undefined {
  return docsSites(ws).find((s) => (s.root === '' || doc.startsWith(`${s.root}/`)) && (s.rendersDoc?.(doc) ?? true));
}

/**
 * Frameworks that render Markdown/MDX pages of a package and serve its static folder at `/`:
 * a page's `![x](/images/a.png)` is `public/images/a.png`, and `/docs/b` is a route of the app
 * (file-based routing, rewrites, a CMS) that the repository's files cannot settle.
 */
const WEB_APP_FRAMEWORKS: Array<{ dependency: RegExp; assets: string[] }> = [
  { dependency: /^(next|nextra|@next\/mdx|fumadocs-(core|mdx|ui)|@remix-run\/(react|dev)|@react-router\/dev|nuxt|@nuxt\/content)$/, assets: ['public'] },
  { dependency: /^(gatsby|@sveltejs\/kit)$/, assets: ['static'] },
];

/** Folders of a web app whose Markdown it renders; any `.mdx` under the app is a page too. */
const WEB_APP_PAGE_DIRS = /^(content|src|app|pages|posts|blog|_posts)\//;

/** The web apps among the repository's packages, unless a docs generator already owns the folder. */
function webAppSites(ws: Workspace, generators: DocsSite[]): DocsSite[] {
  const out: DocsSite[] = [];
  for (const p of ws.paths) {
    if (!/(^|\/)package\.json$/.test(p) || /(^|\/)node_modules\//.test(p)) continue;
    const root = path.dirname(p) === '.' ? '' : path.dirname(p);
    if (generators.some((g) => g.root === root)) continue;
    let deps: string[];
    try {
      const pkg = jsonValue(ws.read(p)) as Record<string, unknown>;
      deps = ['dependencies', 'devDependencies'].flatMap((k) => (pkg[k] && typeof pkg[k] === 'object' ? Object.keys(pkg[k] as object) : []));
    } catch {
      continue;
    }
    const framework = WEB_APP_FRAMEWORKS.find((f) => deps.some((d) => f.dependency.test(d)));
    if (!framework) continue;
    const inside = (doc: string): string | undefined => (root === '' ? doc : doc.startsWith(`${root}/`) ? doc.slice(root.length + 1) : undefined);
    out.push({
      root,
      generator: 'web app',
      assetRoots: framework.assets.map((a) => (root ? `${root}/${a}` : a)),
      urlRelative: false,
      rendersDoc: (doc) => {
        const rel = inside(doc);
        return rel !== undefined && (/\.mdx$/i.test(rel) || WEB_APP_PAGE_DIRS.test(rel));
      },
    });
  }
  return out;
}

/**
 * Whether a site resolves a relative link of `doc` that misses on disk: the path (without its
 * leading `./` and `../`) names a file in one of the site's asset folders.
 */
export function siteResolves(ws: Workspace, doc: string, written: string): DocsSite | undefined {
  const site = siteOf(ws, doc);
  if (!site) return undefined;
  const bare = written.replace(/^(\.\.?\/)+/, '').replace(/\/$/, '');
  if (!bare) return undefined;
  return site.assetRoots.some((r) => existsInRepo(ws, r ? `${r}/${bare}` : bare)) ? site : undefined;
}

const lowerPathCache = factSlot<Set<string>>('lower-case paths');

function hasIgnoringCase(ws: Workspace, p: string): boolean {
  let lower = lowerPathCache.get(ws);
  if (!lower) {
    lower = new Set(ws.paths.map((x) => x.toLowerCase()));
    lowerPathCache.set(ws, lower);
  }
  return lower.has(p.toLowerCase());
}

/**
 * Whether a page route (`../about_notifications/`, a link ending in `/`) of a site page names a
 * page: resolved from the page's folder, and, on sites that resolve links against the page's
 * URL (Hugo, Jekyll: `a/b.md` is served at `a/b/`), from the page itself as a folder. Site URLs
 * are lower-cased (Hugo's default), so letter case is not compared.
 */
export function siteRouteResolves(ws: Workspace, site: DocsSite, doc: string, route: string): boolean {
  const docDir = path.dirname(doc) === '.' ? '' : path.dirname(doc);
  const stem = doc.replace(/\.(md|mdx|markdown)$/i, '');
  const isIndex = /(^|\/)(_?index|readme)$/i.test(stem);
  const bases = [docDir, ...(site.urlRelative && !isIndex ? [stem] : [])];
  const bare = route.replace(/\/$/, '');
  return bases.some((base) => {
    const target = joinRepo(base, bare);
    if (target === undefined) return false;
    if (target === '' || ws.hasDir(target)) return true;
    if (siteRoutes(ws, site).has(target.toLowerCase())) return true;
    return ['.md', '.mdx', '/_index.md', '/index.md', '/index.mdx', '/README.md'].some((ext) => hasIgnoringCase(ws, `${target}${ext}`));
  });
}

const routeCache = factSlot<Map<string, Set<string>>>('site routes');

/**
 * Routes that a site's pages declare in their front matter, as lower-case repo paths: `slug:`
 * (the page's folder + the slug), `url:` and `aliases:` (from the content folder, `content/`
 * for Hugo, the site folder otherwise).
 */
function siteRoutes(ws: Workspace, site: DocsSite): Set<string> {
  let perWs = routeCache.get(ws);
  if (!perWs) {
    perWs = new Map();
    routeCache.set(ws, perWs);
  }
  const key = `${site.generator}\0${site.root}`;
  const cached = perWs.get(key);
  if (cached) return cached;
  const routes = new Set<string>();
  const content = site.generator === 'hugo' ? (site.root ? `${site.root}/content` : 'content') : site.root;
  const fromContent = (u: string): string => [content, u.replace(/^\/+|\/+$/g, '')].filter(Boolean).join('/').toLowerCase();
  for (const p of ws.paths) {
    if (!isMarkdownPath(p) || (site.root && !p.startsWith(`${site.root}/`))) continue;
    const text = ws.read(p)?.text;
    const fm = text && /^---\r?\n([\s\S]*?)\r?\n---\r?$/m.exec(text.slice(0, 4000));
    if (!fm || fm.index !== 0) continue;
    const body = fm[1] as string;
    const scalar = (name: string): string | undefined => new RegExp(`^${name}:[ \\t]*["']?([^"'\\r\\n#]+?)["']?[ \\t]*$`, 'm').exec(body)?.[1];
    const slug = scalar('slug');
    if (slug) routes.add([path.dirname(p) === '.' ? '' : path.dirname(p), slug.replace(/^\/+|\/+$/g, '')].filter(Boolean).join('/').toLowerCase());
    const url = scalar('url');
    if (url && url.startsWith('/')) routes.add(fromContent(url));
    const aliases = /^aliases:[ \t]*\r?\n((?:[ \t]+-[^\n]*\n?)+)/m.exec(body)?.[1];
    for (const m of aliases?.matchAll(/-[ \t]*["']?([^"'\r\n]+?)["']?[ \t]*$/gm) ?? []) if (m[1]?.startsWith('/')) routes.add(fromContent(m[1]));
  }
  perWs.set(key, routes);
  return routes;
}

const PROJECT_MANIFESTS = ['package.json', 'pyproject.toml', 'setup.py', 'setup.cfg', 'Cargo.toml', 'go.mod', 'composer.json', 'pom.xml', 'build.gradle', 'build.gradle.kts', 'Gemfile', 'mix.exs'];

/**
 * The folders between a doc's folder and the repository root (nearest first) that hold a
 * project manifest, and the folder a `docs/` folder sits in: a doc inside a project
 * (`ui/docs/STYLE_GUIDE.md`) names the project's files from the project's folder
 * (`./index.html` for `ui/index.html`).
 */
export function projectRootsAbove(ws: Workspace, docDir: string): string[] {
  const out: string[] = [];
  for (let d = docDir; d !== ''; d = path.dirname(d) === '.' ? '' : path.dirname(d)) {
    if (PROJECT_MANIFESTS.some((m) => ws.has(`${d}/${m}`))) out.push(d);
  }
  // A `docs/` folder documents the folder it sits in (`ui/docs/` → `ui/`).
  const docsFolder = /^(.*)\/(docs?|documentation)$/i.exec(docDir);
  if (docsFolder?.[1] && !out.includes(docsFolder[1])) out.push(docsFolder[1]);
  return out;
}

/**
 * Problems inside a record of the past (see textRole) are statements that were true when
 * written: a link there is still reported (a reader clicking it gets nothing) but never
 * rewritten; a path or command there is not an instruction, so it is not reported.
 */
export function outsideRecords(q: QuoteContext, problems: DocProblem[]): DocProblem[] {
  const out: DocProblem[] = [];
  for (const p of problems) {
    const role = textRole(q, p.offset);
    if (role?.role !== 'record') out.push(p);
    else if (p.kind === 'link') out.push({ ...p, message: p.fix ? `${p.message}; not rewritten: it sits in ${role.why}, a record of the past` : p.message, fix: undefined });
  }
  return out;
}
