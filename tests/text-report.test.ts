import { describe, expect, it } from 'vitest';
import { createColors } from 'picocolors';
import { textReport } from '../src/report/text.js';
import type { ReportedFinding, RunResult } from '../src/engine/run.js';

function finding(line: number, column: number, severity: ReportedFinding['severity'], fixStatus: ReportedFinding['fixStatus']): ReportedFinding {
  return {
    ruleId: 'docs-dead-reference',
    seedIds: [],
    severity,
    file: 'README.md',
    line,
    column,
    message: 'a message',
    key: `k${line}`,
    fix: fixStatus ? { safety: 'safe', description: 'd', edits: [] } : undefined,
    fixStatus,
  } as unknown as ReportedFinding;
}

const result = (findings: ReportedFinding[]): RunResult => ({ findings, remaining: [], changes: [], diagnostics: [], passes: 1, applied: [], final: undefined as never });
// A column starts where the text of the row above has the same number of characters before it.
const strip = (s: string): string => s.replace(/\x1b\[[0-9;]*m/g, '');

describe('text report', () => {
  it('says "would fix" in a dry run and "fixed" only when written', () => {
    const plain = createColors(false);
    const r = result([finding(3, 1, 'warning', 'applied')]);
    expect(textReport(r, plain, 'dry-run')).toContain('[would fix (safe)]');
    expect(textReport(r, plain, 'dry-run')).not.toContain('[fixed');
    expect(textReport(r, plain, 'write')).toContain('[fixed (safe)]');
  });

  it('keeps columns aligned for long positions and coloured severities', () => {
    for (const colors of [createColors(false), createColors(true)]) {
      const out = strip(textReport(result([finding(1352, 377, 'warning', null), finding(2, 1, 'info', null), finding(40, 12, 'error', null)]), colors, 'report'));
      const rows = out.split('\n').filter((l) => l.includes('docs-dead-reference  a message'));
      expect(rows).toHaveLength(3);
      expect(rows[0]).toMatch(/^ {2}2:1 {7}info {5}docs/);
      // Every rule id starts at the same column, and no position runs into its severity.
      expect(new Set(rows.map((r) => r.indexOf('docs-dead-reference'))).size).toBe(1);
      expect(out).toContain('1352:377  warning');
    }
  });
});
