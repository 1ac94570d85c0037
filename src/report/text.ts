import { createColors } from 'picocolors';
import type { RunResult, ReportedFinding } from '../engine/run.js';
import type { Diagnostic } from '../model/types.js';
import { skipReasonCounts, summarize } from './json.js';
import { displayPath, escapeControls } from './escape.js';

export type Colors = ReturnType<typeof createColors>;

/** Colour only on a terminal, never with NO_COLOR; FORCE_COLOR forces it (for screenshots). */
export function colorsFor(stream: NodeJS.WriteStream, env: NodeJS.ProcessEnv): Colors {
  const forced = env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '0';
  const enabled = env.NO_COLOR === undefined && (forced || stream.isTTY === true);
  return createColors(enabled);
}

/** The bracketed fix label of a finding (`safe fix`, `would fix (safe)`, `report only`, …). */
export function fixLabel(f: ReportedFinding, c: Colors, mode: 'report' | 'dry-run' | 'write'): string {
  if (!f.fix) return c.dim('report only');
  switch (f.fixStatus) {
    case 'applied':
      // Only --write writes: a dry run shows what it would do.
      return c.green(mode === 'write' ? `fixed (${f.fix.safety})` : `would fix (${f.fix.safety})`);
    case 'held-back':
      return c.yellow('review fix (needs --unsafe-fixes)');
    case 'rejected':
      return c.red('fix dropped (failed its proof)');
    case 'not-written':
      return c.red('fix not written (see the errors)');
    default:
      return c.cyan(`${f.fix.safety} fix`);
  }
}

const SEVERITY_WIDTH = Math.max(...(['error', 'warning', 'info'] as const).map((s) => s.length));

/** How wide a finding line may be. */
export interface TextLayout {
  /** Columns a finding line may take (default 120): a longer message is cut to fit. */
  width?: number;
  /** Whole messages, however long (`--verbose`). */
  verbose?: boolean;
}

export const DEFAULT_TEXT_WIDTH = 120;
/** A message is never cut shorter than this, however long the rest of its line. */
const MIN_MESSAGE_WIDTH = 40;
const PLAIN = createColors(false);

/**
 * Findings grouped by file (`line:column  severity  rule  message  [fix]`), one line each: a
 * message longer than the layout's width allows is cut (see `fitMessage`) unless `verbose`.
 * Returns the lines (a blank one after each file) and how many messages were cut.
 */
export function findingLines(result: RunResult, c: Colors, mode: 'report' | 'dry-run' | 'write', layout: TextLayout = {}): { lines: string[]; cut: number } {
  const width = layout.width ?? DEFAULT_TEXT_WIDTH;
  let cut = 0;
  const lines: string[] = [];
  const byFile = new Map<string, ReportedFinding[]>();
  for (const f of result.findings) {
    const list = byFile.get(f.file);
    if (list) list.push(f);
    else byFile.set(f.file, [f]);
  }
  for (const [file, findings] of [...byFile].sort(([a], [b]) => a.localeCompare(b))) {
    // A file name or message with a newline, an ESC or another control character would start a
    // line of its own or act on the terminal: names are C-quoted, messages escaped (escape.ts).
    lines.push(c.underline(displayPath(file)));
    const sorted = findings.sort((a, b) => a.line - b.line || a.column - b.column);
    // Widths from the plain text, so that long positions and colour codes do not shift columns.
    const posWidth = Math.max(...sorted.map((f) => `${f.line}:${f.column}`.length));
    for (const f of sorted) {
      const pad = ' '.repeat(SEVERITY_WIDTH - f.severity.length);
      const sev = (f.severity === 'error' ? c.red(f.severity) : f.severity === 'warning' ? c.yellow(f.severity) : c.blue(f.severity)) + pad;
      // Everything but the message, as the terminal shows it (no escape codes).
      const rest = 2 + posWidth + 2 + SEVERITY_WIDTH + 2 + f.ruleId.length + 2 + 2 + fixLabel(f, PLAIN, mode).length + 2;
      const shown = escapeControls(f.message);
      const message = layout.verbose ? shown : fitMessage(shown, Math.max(MIN_MESSAGE_WIDTH, width - rest));
      if (message !== shown) cut++;
      lines.push(`  ${`${f.line}:${f.column}`.padEnd(posWidth)}  ${sev}  ${c.bold(f.ruleId)}  ${message}  [${fixLabel(f, c, mode)}]`);
    }
    lines.push('');
  }
  return { lines, cut };
}

/**
 * A message cut to `width` characters, keeping the claim and dropping the evidence. It is kept
 * whole when it fits. Otherwise, in this order, until it fits: parenthesised asides (outside
 * backquotes) are left out; trailing `; ` clauses are left out (marked `; …`); the text is cut
 * after the last whole word that fits (marked `…`).
 */
export function fitMessage(message: string, width: number): string {
  const one = message.replace(/\s*\n\s*/g, ' ');
  if (one.length <= width) return one;
  const plain = withoutAsides(one);
  if (plain.length <= width) return plain;
  let best: string | undefined;
  for (const i of clauseEnds(plain)) {
    const candidate = `${plain.slice(0, i + 1)} …`;
    if (candidate.length > width) break;
    best = candidate;
  }
  if (best !== undefined) return best;
  const room = plain.slice(0, Math.max(1, width - 1));
  const space = room.lastIndexOf(' ');
  return `${(space > width / 2 ? room.slice(0, space) : room).replace(/[\s,;:(]+$/, '')}…`;
}

/** The text without its ` (…)` groups outside backquotes (unchanged when the parentheses do not balance). */
function withoutAsides(text: string): string {
  let out = '';
  let depth = 0;
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i] as string;
    if (ch === '`' && depth === 0) quoted = !quoted;
    if (!quoted && ch === '(') {
      if (depth === 0) out = out.replace(/ $/, '');
      depth++;
      continue;
    }
    if (!quoted && ch === ')' && depth > 0) {
      depth--;
      continue;
    }
    if (depth === 0) out += ch;
  }
  return depth === 0 && !quoted ? out : text;
}

/** Offsets of the `;` of each `; ` outside backquotes. */
function clauseEnds(text: string): number[] {
  const ends: number[] = [];
  let quoted = false;
  for (let i = 0; i < text.length - 1; i++) {
    if (text[i] === '`') quoted = !quoted;
    else if (!quoted && text[i] === ';' && text[i + 1] === ' ') ends.push(i);
  }
  return ends;
}

/**
 * Findings grouped by file (`line:column  severity  rule  message  [fix]`, see `findingLines`),
 * a one-line "why" for each rule that fired, then the summary. `why` gives a rule's one-line
 * summary.
 */
export function textReport(result: RunResult, c: Colors, mode: 'report' | 'dry-run' | 'write', why: (ruleId: string) => string | undefined = () => undefined, layout: TextLayout = {}): string {
  const { lines, cut } = findingLines(result, c, mode, layout);
  if (cut > 0) {
    lines.push(c.dim(`${cut} message${cut === 1 ? '' : 's'} cut to fit ${layout.width ?? DEFAULT_TEXT_WIDTH} columns (…): --verbose shows them whole, \`autopack-fix explain <rule>\` explains a rule.`));
    lines.push('');
  }
  const fired = [...new Set(result.findings.map((f) => f.ruleId))].filter((id) => why(id) !== undefined);
  if (fired.length > 0) {
    lines.push(c.bold('Why:'));
    for (const id of fired) lines.push(`  ${c.bold(id)}: ${why(id)}`);
    lines.push('');
  }
  lines.push(...summaryLines(result, c, mode));
  return `${lines.join('\n')}\n`;
}

/** The summary: `No findings.`, or the counts (and, in a plain report, what to run next). */
export function summaryLines(result: RunResult, c: Colors, mode: 'report' | 'dry-run' | 'write'): string[] {
  const lines: string[] = [];
  const s = summarize(result);
  if (s.findings === 0) {
    lines.push(c.green('No findings.'));
  } else {
    const parts = [`${s.findings} finding${s.findings === 1 ? '' : 's'}`];
    if (mode === 'write') parts.push(`${s.applied} fixed`);
    else parts.push(`${s.fixable} fixable`);
    if (s.heldBack) parts.push(`${s.heldBack} review-only (hidden; use --unsafe-fixes)`);
    parts.push(`${s.reportOnly} report-only`);
    if (s.rejected) parts.push(`${s.rejected} fix${s.rejected === 1 ? '' : 'es'} dropped`);
    lines.push(parts.join(', '));
    // Why the report-only findings are not fixed, counted by reason (the rules that say).
    const reasons = Object.entries(skipReasonCounts(result));
    if (reasons.length > 0) lines.push(`Fixes withheld: ${reasons.map(([id, n]) => `${n} ${id}`).join(', ')}`);
    if (mode === 'report' && s.fixable > 0) lines.push(c.dim('Run with --dry-run to see the diff, --write to apply.'));
  }
  return lines;
}

export function diagnosticLines(diagnostics: readonly Diagnostic[], c: Colors): string {
  return diagnostics
    .map((d) => {
      const where = d.file ? `${displayPath(d.file)}${d.line ? `:${d.line}${d.column ? `:${d.column}` : ''}` : ''}: ` : '';
      const label = d.kind === 'note' || d.kind === 'skipped' ? c.dim('note') : d.kind === 'write-error' ? c.red('error') : c.yellow('warning');
      // Messages that already name their file (write errors, parse errors) need no prefix.
      const named = d.file !== '' && d.message.includes(d.file);
      return `${label}: ${named ? '' : where}${d.ruleId ? `[${d.ruleId}] ` : ''}${escapeControls(d.message)}\n`;
    })
    .join('');
}

/**
 * Colour a unified diff for a terminal. The lines of the files are shown with their control
 * characters escaped (an ESC in a file must not act on the terminal), except tabs and the `\r`
 * of CRLF line endings; `--format diff` prints the patch byte for byte.
 */
export function colorDiff(diff: string, c: Colors): string {
  return diff
    .split('\n')
    .map((l) => (l.endsWith('\r') ? `${escapeControls(l.slice(0, -1), { keepTabs: true })}\r` : escapeControls(l, { keepTabs: true })))
    .map((l) => (l.startsWith('+++') || l.startsWith('---') || l.startsWith('diff --git') ? c.bold(l) : l.startsWith('+') ? c.green(l) : l.startsWith('-') ? c.red(l) : l.startsWith('@@') ? c.cyan(l) : l))
    .join('\n');
}
