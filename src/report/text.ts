import { createColors } from 'picocolors';
import type { RunResult, ReportedFinding } from '../engine/run.js';
import type { Diagnostic } from '../model/types.js';
import { summarize } from './json.js';

export type Colors = ReturnType<typeof createColors>;

/** Colour only on a terminal, never with NO_COLOR; FORCE_COLOR forces it (for screenshots). */
export function colorsFor(stream: NodeJS.WriteStream, env: NodeJS.ProcessEnv): Colors {
  const forced = env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '0';
  const enabled = env.NO_COLOR === undefined && (forced || stream.isTTY === true);
  return createColors(enabled);
}

function fixLabel(f: ReportedFinding, c: Colors, mode: 'report' | 'dry-run' | 'write'): string {
  if (!f.fix) return c.dim('report only');
  switch (f.fixStatus) {
    case 'applied':
      // Only --write writes: a dry run shows what it would do.
      return c.green(mode === 'write' ? `fixed (${f.fix.safety})` : `would fix (${f.fix.safety})`);
    case 'held-back':
      return c.yellow('review fix (needs --unsafe-fixes)');
    case 'rejected':
      return c.red('fix dropped (failed its proof)');
    default:
      return c.cyan(`${f.fix.safety} fix`);
  }
}

const SEVERITY_WIDTH = Math.max(...(['error', 'warning', 'info'] as const).map((s) => s.length));

/**
 * Findings grouped by file (`line:column  severity  rule  message  [fix]`), a one-line "why" for
 * each rule that fired, then the summary. `why` gives a rule's one-line summary.
 */
export function textReport(result: RunResult, c: Colors, mode: 'report' | 'dry-run' | 'write', why: (ruleId: string) => string | undefined = () => undefined): string {
  const lines: string[] = [];
  const byFile = new Map<string, ReportedFinding[]>();
  for (const f of result.findings) byFile.set(f.file, [...(byFile.get(f.file) ?? []), f]);
  for (const [file, findings] of [...byFile].sort(([a], [b]) => a.localeCompare(b))) {
    lines.push(c.underline(file));
    const sorted = findings.sort((a, b) => a.line - b.line || a.column - b.column);
    // Widths from the plain text, so that long positions and colour codes do not shift columns.
    const posWidth = Math.max(...sorted.map((f) => `${f.line}:${f.column}`.length));
    for (const f of sorted) {
      const pad = ' '.repeat(SEVERITY_WIDTH - f.severity.length);
      const sev = (f.severity === 'error' ? c.red(f.severity) : f.severity === 'warning' ? c.yellow(f.severity) : c.blue(f.severity)) + pad;
      lines.push(`  ${`${f.line}:${f.column}`.padEnd(posWidth)}  ${sev}  ${c.bold(f.ruleId)}  ${f.message}  [${fixLabel(f, c, mode)}]`);
    }
    lines.push('');
  }
  const fired = [...new Set(result.findings.map((f) => f.ruleId))].filter((id) => why(id) !== undefined);
  if (fired.length > 0) {
    lines.push(c.bold('Why:'));
    for (const id of fired) lines.push(`  ${c.bold(id)}: ${why(id)}`);
    lines.push('');
  }
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
    if (mode === 'report' && s.fixable > 0) lines.push(c.dim('Run with --dry-run to see the diff, --write to apply.'));
  }
  return `${lines.join('\n')}\n`;
}

export function diagnosticLines(diagnostics: readonly Diagnostic[], c: Colors): string {
  return diagnostics
    .map((d) => {
      const where = d.file ? `${d.file}${d.line ? `:${d.line}${d.column ? `:${d.column}` : ''}` : ''}: ` : '';
      const label = d.kind === 'note' || d.kind === 'skipped' ? c.dim('note') : d.kind === 'write-error' ? c.red('error') : c.yellow('warning');
      // Messages that already name their file (write errors, parse errors) need no prefix.
      const named = d.file !== '' && d.message.includes(d.file);
      return `${label}: ${named ? '' : where}${d.ruleId ? `[${d.ruleId}] ` : ''}${d.message}\n`;
    })
    .join('');
}

/** Colour a unified diff for a terminal. */
export function colorDiff(diff: string, c: Colors): string {
  return diff
    .split('\n')
    .map((l) => (l.startsWith('+++') || l.startsWith('---') || l.startsWith('diff --git') ? c.bold(l) : l.startsWith('+') ? c.green(l) : l.startsWith('-') ? c.red(l) : l.startsWith('@@') ? c.cyan(l) : l))
    .join('\n');
}
