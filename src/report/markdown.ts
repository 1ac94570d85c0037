/**
 * `--format markdown`: a summary for people who read it on a web page — a job summary
 * (`$GITHUB_STEP_SUMMARY`), a PR comment. A table of the rules that fired, with what can be done,
 * then the findings themselves, capped, each as `file:line` and its message.
 */
import type { RunResult } from '../engine/run.js';
import { ruleStatistics } from './statistics.js';
import { displayPath, escapeControls } from './escape.js';

/** Findings listed under the table; the rest are counted. */
export const MARKDOWN_MAX_FINDINGS = 100;

/**
 * Text inside a table cell or a list item: no line breaks, no table delimiters, no HTML, and no
 * other control character (escaped visibly: a bidi override would reorder what the page shows).
 */
function cell(s: string): string {
  return escapeControls(s.replace(/[\r\n]+/g, ' ')).replace(/\|/g, '\\|').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** `text` as a code span: fenced by one more backtick than its longest run (a name may hold backticks). */
function codeSpan(text: string): string {
  const longest = Math.max(0, ...[...text.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = '`'.repeat(longest + 1);
  return longest ? `${fence} ${text} ${fence}` : `${fence}${text}${fence}`;
}

export function markdownReport(result: RunResult, options: { title?: string; max?: number; why?: (ruleId: string) => string | undefined } = {}): string {
  const max = options.max ?? MARKDOWN_MAX_FINDINGS;
  const lines = [`## ${options.title ?? 'autopack-fix'}`, ''];
  if (result.findings.length === 0) return `${[...lines, 'No findings.'].join('\n')}\n`;
  lines.push('| rule | findings | fixable | review fixes | report only | why it matters |', '|---|---:|---:|---:|---:|---|');
  for (const s of ruleStatistics(result)) {
    lines.push(`| \`${s.ruleId}\` | ${s.count} | ${s.fixable} | ${s.heldBack} | ${s.reportOnly} | ${cell(options.why?.(s.ruleId) ?? '')} |`);
  }
  lines.push('');
  const sorted = [...result.findings].sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line || a.column - b.column);
  for (const f of sorted.slice(0, max)) {
    const fix = f.fix ? ` _(${f.fix.safety} fix)_` : '';
    lines.push(`- ${codeSpan(`${cell(displayPath(f.file))}:${f.line}`)} **${f.ruleId}**: ${cell(f.message)}${fix}`);
  }
  if (sorted.length > max) lines.push('', `… and ${sorted.length - max} more (see the SARIF upload, or run \`autopack-fix\` locally).`);
  return `${lines.join('\n')}\n`;
}
