/**
 * The options every docs rule reads (src/facts/docs/options.ts `docsOptions`), as JSON Schema with
 * their defaults. The docs rules spread them into their own `meta.options`; the config schema
 * also offers them as the top-level `docs` block, shared by those rules (a rule's own options
 * win, src/config/index.ts `DOCS_RULES`).
 */
import type { OptionSchema, Rule } from '../src/model/rule.js';
import { docFiles, docsWithHistories, type DocFile } from '../src/facts/docs/doc-files.js';
import { DEFAULT_EXCLUDE_GLOBS, DEFAULT_JSON_INDEX_GLOBS, DEFAULT_LEDGER_GLOBS, DEFAULT_QUOTE_HEADING_WORDS, DEFAULT_QUOTE_MARKERS, docsOptions } from '../src/facts/docs/options.js';
import { DEFAULT_MAX_MARKDOWN_BYTES } from '../src/formats/markdown.js';

const globs = { type: 'array', items: { type: 'string', minLength: 1 } } as const;

export const DOCS_OPTIONS: Readonly<Record<string, OptionSchema>> = {
  ledgerGlobs: { ...globs, description: 'Documents that quote old commands on purpose; never judged (case-insensitive globs; without a slash: a basename anywhere).', default: DEFAULT_LEDGER_GLOBS },
  excludeGlobs: { ...globs, description: 'Files never read as docs.', default: DEFAULT_EXCLUDE_GLOBS },
  jsonIndexGlobs: { ...globs, description: 'JSON files read as docs.', default: DEFAULT_JSON_INDEX_GLOBS },
  maxDocBytes: { type: 'integer', minimum: 1, description: 'Markdown files larger than this are skipped with a diagnostic.', default: DEFAULT_MAX_MARKDOWN_BYTES },
  quoteHeadingWords: { ...globs, description: 'Heading words that make a section a quote.', default: DEFAULT_QUOTE_HEADING_WORDS },
  quoteMarkers: { ...globs, description: 'Words or symbols that mark a line as a bad example.', default: DEFAULT_QUOTE_MARKERS },
};

/**
 * `Rule.docsReadAhead` of a docs rule that reads every doc and history (docsWithHistories): its
 * Markdown files. Changelogs, release notes and excluded folders stay out, so no worker parses
 * what no rule reads (a seventh of a 100,000-file repository's docs).
 */
export const readsDocsAndHistories: NonNullable<Rule['docsReadAhead']> = ({ workspace, options }) => markdownOf(docsWithHistories(workspace, docsOptions(options)));

/** `Rule.docsReadAhead` of a docs rule that reads the docs but not the histories (docFiles). */
export const readsDocs: NonNullable<Rule['docsReadAhead']> = ({ workspace, options }) => markdownOf(docFiles(workspace, docsOptions(options)).docs);

function markdownOf(docs: readonly DocFile[]): string[] {
  return docs.flatMap((d) => (d.kind === 'markdown' ? [d.path] : []));
}
