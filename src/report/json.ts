import type { RunResult } from '../engine/run.js';
import type { Diagnostic, SkipReason } from '../model/types.js';

export const JSON_SCHEMA_VERSION = 1;

export interface Summary {
  findings: number;
  /** Findings whose fix this run may apply (safe, or review with --unsafe-fixes). */
  fixable: number;
  applied: number;
  /** Review-class fixes not applied because --unsafe-fixes was not given. */
  heldBack: number;
  reportOnly: number;
  rejected: number;
  /** Findings left once the fixes (if any) are in. */
  remaining: number;
  filesChanged: number;
  passes: number;
  /** Findings whose rule withheld a fix, by reason (SKIP_REASONS), most frequent first. */
  skipReasons: Partial<Record<SkipReason, number>>;
}

/** How many findings withhold their fix for each reason, most frequent first (then by id). */
export function skipReasonCounts(result: RunResult): Partial<Record<SkipReason, number>> {
  const counts = new Map<SkipReason, number>();
  for (const f of result.findings) if (f.skipReason) counts.set(f.skipReason, (counts.get(f.skipReason) ?? 0) + 1);
  return Object.fromEntries([...counts].sort(([a, x], [b, y]) => y - x || (a < b ? -1 : 1)));
}

export function summarize(result: RunResult): Summary {
  const f = result.findings;
  return {
    findings: f.length,
    fixable: f.filter((x) => x.fixStatus === 'applied' || x.fixStatus === 'not-applied' || x.fixStatus === 'rejected').length,
    applied: f.filter((x) => x.fixStatus === 'applied').length,
    heldBack: f.filter((x) => x.fixStatus === 'held-back').length,
    reportOnly: f.filter((x) => x.fixStatus === null).length,
    rejected: f.filter((x) => x.fixStatus === 'rejected').length,
    remaining: result.remaining.length,
    filesChanged: result.changes.length,
    passes: result.passes,
    skipReasons: skipReasonCounts(result),
  };
}

export function jsonReport(result: RunResult, extra: { written?: string[]; diagnostics?: Diagnostic[]; interrupted?: { signal: string; notWritten: string[] } } = {}): string {
  const doc = {
    schemaVersion: JSON_SCHEMA_VERSION,
    findings: result.findings.map((f) => ({
      ruleId: f.ruleId,
      seedIds: f.seedIds,
      severity: f.severity,
      file: f.file,
      line: f.line,
      column: f.column,
      message: f.message,
      // The template and its values, for a rule that reports by message id.
      ...(f.messageId !== undefined ? { messageId: f.messageId, data: f.data ?? {} } : {}),
      skipReason: f.skipReason ?? null,
      fix: f.fix
        ? {
            safety: f.fix.safety,
            description: f.fix.description,
            files: [...new Set([...f.fix.edits.map((e) => e.file), ...(f.fix.creates ?? []).map((c) => c.file)])].sort(),
            ...(f.fix.moves?.length ? { moves: f.fix.moves.map((m) => ({ from: m.from, to: m.to })) } : {}),
            status: f.fixStatus,
          }
        : null,
    })),
    diagnostics: [...result.diagnostics, ...(extra.diagnostics ?? [])].map((d) => ({ kind: d.kind, file: d.file, line: d.line ?? null, column: d.column ?? null, ruleId: d.ruleId ?? null, message: d.message })),
    written: extra.written ?? [],
    // Only when --write was stopped by a signal: which one, and the files it did not write.
    ...(extra.interrupted ? { interrupted: extra.interrupted.signal, notWritten: extra.interrupted.notWritten } : {}),
    summary: summarize(result),
  };
  return `${JSON.stringify(doc, null, 2)}\n`;
}
