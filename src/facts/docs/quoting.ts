/**
 * Quoting contexts: whether a place in a doc quotes a value on purpose (the old side of a
 * migration, a line marked as a bad example, a legacy section, a plan, a drift checker's list)
 * or records the past (an incident write-up, a dated log). Such text is never rewritten, and
 * mostly not reported: every docs rule asks here before it judges a value.
 */
import type { Workspace } from '../../workspace/workspace.js';
import type { SourceFile } from '../../workspace/source-file.js';
import type { MarkdownModel, MdCodeBlock } from '../../formats/markdown.js';
import { inCheckerList } from './drift-checkers.js';
import type { DocsOptions } from './options.js';

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
