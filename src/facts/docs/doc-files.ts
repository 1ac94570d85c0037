/**
 * Which files are docs: Markdown/MDX and JSON index files, minus excluded ones, with the
 * ledgers (changelogs, histories, archives, and the docs a drift checker excludes) listed apart.
 * The docs options' globs are matched here, with their own flavour (case-insensitive, a bare
 * name matches anywhere); a run's compiled globs are kept in its Facts, not in this module.
 */
import path from 'node:path/posix';
import type { Workspace } from '../../workspace/workspace.js';
import { globToRegExp as sharedGlob } from '../../formats/glob.js';
import { isMarkdownPath } from '../../formats/markdown.js';
import { factSlot } from '../facts.js';
import { declaredLedgers } from './drift-checkers.js';
import type { DocsOptions } from './options.js';

/**
 * Globs of the docs options: case-insensitive (CHANGELOG.md, Changelog.md), and a glob without
 * a slash matches the basename anywhere, as in .gitignore.
 */
export function globToRegExp(glob: string): RegExp {
  return sharedGlob(glob.includes('/') ? glob : `**/${glob}`, { ignoreCase: true });
}

/**
 * Whether `p` matches one of the docs globs. It compiles them on every call (a few
 * microseconds each): a loop over the repository's paths takes `docGlobMatcher(ws, globs)`.
 */
export function matchesAny(p: string, globs: readonly string[]): boolean {
  return globs.some((g) => globToRegExp(g).test(p));
}

/** `matchesAny` for one list, compiled now: for a constant list, or one loop over the paths. */
export function docGlobsMatcher(globs: readonly string[]): (p: string) => boolean {
  const compiled = globs.map(globToRegExp);
  return (p) => compiled.some((re) => re.test(p));
}

const matchers = factSlot<Map<string, (p: string) => boolean>>('compiled docs globs');

/**
 * `matchesAny` for one list of globs, compiled once per run: the view's Facts keep it (docFiles
 * runs for every docs rule, over every path of the repository).
 */
export function docGlobMatcher(ws: Workspace, globs: readonly string[]): (p: string) => boolean {
  let perRun = matchers.get(ws);
  if (!perRun) {
    perRun = new Map();
    matchers.set(ws, perRun);
  }
  const key = globs.join('\0');
  let match = perRun.get(key);
  if (!match) {
    match = docGlobsMatcher(globs);
    perRun.set(key, match);
  }
  return match;
}

export interface DocFile {
  path: string;
  kind: 'markdown' | 'json';
}

const listed = factSlot<Map<string, { docs: DocFile[]; ledgers: string[] }>>('doc files');

/**
 * Markdown/MDX files and JSON index files, minus excluded ones. Ledgers are listed separately.
 * Listed once per run and set of globs (every docs rule asks, and createdInSeries asks for each
 * doc); each caller gets arrays of its own.
 */
export function docFiles(ws: Workspace, opts: DocsOptions): { docs: DocFile[]; ledgers: string[] } {
  let perRun = listed.get(ws);
  if (!perRun) {
    perRun = new Map();
    listed.set(ws, perRun);
  }
  const key = [opts.jsonIndexGlobs, opts.excludeGlobs, opts.ledgerGlobs].map((g) => g.join('\0')).join('\u0001');
  let found = perRun.get(key);
  if (!found) {
    found = listDocFiles(ws, opts);
    perRun.set(key, found);
  }
  return { docs: [...found.docs], ledgers: [...found.ledgers] };
}

function listDocFiles(ws: Workspace, opts: DocsOptions): { docs: DocFile[]; ledgers: string[] } {
  const docs: DocFile[] = [];
  const ledgers: string[] = [];
  const declared = declaredLedgers(ws);
  const jsonIndex = docGlobMatcher(ws, opts.jsonIndexGlobs);
  const excluded = docGlobMatcher(ws, opts.excludeGlobs);
  const ledger = docGlobMatcher(ws, opts.ledgerGlobs);
  for (const p of ws.paths) {
    const kind = isMarkdownPath(p) ? 'markdown' : /\.json$/i.test(p) && jsonIndex(p) && !/(^|\/)(package(-lock)?|tsconfig[^/]*|composer|.*\.schema)\.json$/i.test(p) ? 'json' : undefined;
    if (!kind || excluded(p)) continue;
    // A doc that is a symbolic link to another doc (`CLAUDE.md` → `AGENTS.md`) is that doc:
    // judged once, where it lives.
    const target = ws.linkTarget(p);
    if (target !== undefined && target !== p && ws.has(target)) continue;
    if (ledger(p) || declared.has(p)) ledgers.push(p);
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

/**
 * The docs a docs rule reads through, in order: the docs, then the ledgers kept for their
 * instructions (`historyDocs`). One list for the rules that read every doc and for the parse
 * workers that read those docs ahead of them (Rule.docsReadAhead).
 */
export function docsWithHistories(ws: Workspace, opts: DocsOptions): DocFile[] {
  return [...docFiles(ws, opts).docs, ...historyDocs(ws, opts)];
}
