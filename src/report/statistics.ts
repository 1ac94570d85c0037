/**
 * `--statistics`: how many findings each rule reported, and what can be done about them, in
 * place of the list of findings. Rules with the most findings first (ties in catalogue order).
 */
import type { RunResult } from '../engine/run.js';
import { JSON_SCHEMA_VERSION, summarize } from './json.js';
import type { Colors } from './text.js';

export interface RuleStatistics {
  ruleId: string;
  count: number;
  /** Findings whose fix this run may apply (as in the JSON summary: applied, not yet applied, or dropped by its proof). */
  fixable: number;
  applied: number;
  /** Review-class fixes held back (no --unsafe-fixes). */
  heldBack: number;
  reportOnly: number;
  rejected: number;
}

export function ruleStatistics(result: RunResult): RuleStatistics[] {
  const byRule = new Map<string, RuleStatistics>();
  for (const f of result.findings) {
    let s = byRule.get(f.ruleId);
    if (!s) byRule.set(f.ruleId, (s = { ruleId: f.ruleId, count: 0, fixable: 0, applied: 0, heldBack: 0, reportOnly: 0, rejected: 0 }));
    s.count++;
    if (f.fixStatus === 'applied' || f.fixStatus === 'not-applied' || f.fixStatus === 'rejected') s.fixable++;
    if (f.fixStatus === 'applied') s.applied++;
    if (f.fixStatus === 'held-back') s.heldBack++;
    if (f.fixStatus === null) s.reportOnly++;
    if (f.fixStatus === 'rejected') s.rejected++;
  }
  // Map order is first appearance, which follows the catalogue (the engine runs rules in order).
  return [...byRule.values()].sort((a, b) => b.count - a.count);
}

/**
 * One line per rule: `count  rule-id  what can be done` (`5 fixable`, `3 would fix`, `2 need
 * --unsafe-fixes`, `1 report only`, …), in the words of the text report for the mode.
 */
export function statisticsLines(stats: readonly RuleStatistics[], c: Colors, mode: 'report' | 'dry-run' | 'write'): string[] {
  const countWidth = Math.max(0, ...stats.map((s) => String(s.count).length));
  const idWidth = Math.max(0, ...stats.map((s) => s.ruleId.length));
  return stats.map((s) => {
    const parts: string[] = [];
    const pending = s.fixable - s.applied - s.rejected;
    if (s.applied) parts.push(c.green(`${s.applied} ${mode === 'write' ? 'fixed' : 'would fix'}`));
    if (pending) parts.push(c.cyan(`${pending} fixable`));
    if (s.heldBack) parts.push(c.yellow(`${s.heldBack} need${s.heldBack === 1 ? 's' : ''} --unsafe-fixes`));
    if (s.rejected) parts.push(c.red(`${s.rejected} fix${s.rejected === 1 ? '' : 'es'} dropped`));
    if (s.reportOnly) parts.push(c.dim(`${s.reportOnly} report only`));
    return `${String(s.count).padStart(countWidth)}  ${c.bold(s.ruleId)}${' '.repeat(idWidth - s.ruleId.length)}  ${parts.join(', ')}`;
  });
}

/** `--statistics --format json`: `{ schemaVersion, statistics: [...], summary }`. */
export function statisticsJson(result: RunResult): string {
  return `${JSON.stringify({ schemaVersion: JSON_SCHEMA_VERSION, statistics: ruleStatistics(result), summary: summarize(result) }, null, 2)}\n`;
}
