/**
 * `--format concise`: one line per finding, `path:line:column: rule-id message [fix]`, the form
 * compilers use and that terminals and editors turn into links. The path is relative to the
 * current directory when the file is under it, else absolute (so the link resolves wherever
 * the command was run); the message is whole, on one line. The summary follows.
 */
import type { RunResult } from '../engine/run.js';
import { fixLabel, summaryLines, type Colors } from './text.js';
import { displayPath as quoted, escapeControls } from './escape.js';

/**
 * A path with a control character, `"` or `\` is C-quoted and the message's control characters
 * are escaped (escape.ts), as in the text report: no line of the output comes from a file name.
 */
export function conciseLines(result: RunResult, c: Colors, mode: 'report' | 'dry-run' | 'write', displayPath: (file: string) => string): string[] {
  const sorted = [...result.findings].sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line || a.column - b.column || a.ruleId.localeCompare(b.ruleId));
  return sorted.map((f) => `${c.bold(`${quoted(displayPath(f.file))}:${f.line}:${f.column}:`)} ${c.bold(f.ruleId)} ${escapeControls(f.message.replace(/\s*\n\s*/g, ' '))} [${fixLabel(f, c, mode)}]`);
}

/** The concise report: the finding lines, then (unless `quiet`) the summary. */
export function conciseReport(result: RunResult, c: Colors, mode: 'report' | 'dry-run' | 'write', displayPath: (file: string) => string, quiet = false): string {
  const lines = conciseLines(result, c, mode, displayPath);
  if (!quiet) lines.push(...summaryLines(result, c, mode));
  return lines.length ? `${lines.join('\n')}\n` : '';
}
