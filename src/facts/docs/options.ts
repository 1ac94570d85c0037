/**
 * The options the three docs rules share (docs-dead-reference, docs-command-drift,
 * docs-port-drift; env-example-missing reads the docs with them too): which files are docs,
 * which are ledgers, and the words that mark a quote. Lists of names are options with defaults,
 * never hard-coded in the facts: the rules read them from their config and pass them in.
 * codemods/docs-options.ts turns these defaults into the rules' option schemas.
 */
import { DEFAULT_MAX_MARKDOWN_BYTES } from '../../formats/markdown.js';

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
