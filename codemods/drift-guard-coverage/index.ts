import type { RawFinding } from '../../src/model/types.js';
import type { Rule } from '../../src/model/rule.js';
import { checkers, coverage, hasCi, mayHoldPythonChecker } from './detect.js';
import { stepFix } from './fix.js';
import { patternGaps, staleTargets } from './patterns.js';
import { rule as docsCommandDrift } from '../docs-command-drift/index.js';

/**
 * The repository's own drift checker (a script holding forbidden-pattern lists that scans files
 * and fails on a match) that nothing runs: no workflow step, commit hook, test, or task-runner
 * target that CI calls (seed 2.12: `scripts/check_docs_drift.py` exists but `ci.yml` never
 * invokes it, so the drift it was written to block comes back). The fix adds the step, `review`.
 */
function listed(items: readonly string[], max = 3): string {
  const shown = items.slice(0, max).map((i) => (i.startsWith('`') || i.startsWith('the ') ? i : `\`${i}\``));
  return items.length > max ? `${shown.join(', ')} and ${items.length - max} more` : shown.join(', ');
}

export const rule: Rule = {
  meta: {
    id: 'drift-guard-coverage',
    seedIds: ['2.9', '2.12'],
    summary: 'A drift checker of the repository (forbidden-pattern lists, scans files, fails on a match) that no CI step, hook, test or CI-run target runs; review fix: add the step.',
    defaultSeverity: 'warning',
    fixable: 'review',
    messages: {
      neverRun: '`{{checker}}` is a drift checker ({{lists}}), but no CI step, commit hook, test or task runs it{{docs}}: the drift it forbids can come back unnoticed{{noFix}}',
      missingPattern: '`{{checker}}` forbids app targets ({{list}}), but not `{{target}}`, which {{docs}} still use(s) and docs-command-drift rewrites to `{{replacement}}`: once the docs are fixed, nothing stops it coming back{{noFix}}',
      localOnly: '`{{checker}}` is a drift checker ({{lists}}), but only {{targets}} runs it, and CI does not run that: the drift it forbids can come back unnoticed{{noFix}}',
    },
  },
  // It runs docs-command-drift for the app targets that rule rewrites (patterns.ts): what that rule reads, it reads,
  // but only for a Python drift checker (patternGaps), which few repositories hold.
  reads: docsCommandDrift.reads,
  readsIf: ({ workspace }) => mayHoldPythonChecker(workspace),
  async check(ctx) {
    const { workspace, files } = ctx;
    const found = await checkers(workspace, files);
    // Seed 2.9 holds for a checker whether or not CI runs it.
    const findings: RawFinding[] = await patternGaps(ctx, found, () => staleTargets(ctx));
    if (!hasCi(workspace)) return findings;
    for (const checker of found) {
      const cov = coverage(workspace, files, checker);
      if (cov.kind === 'run') continue;
      const outcome = stepFix(workspace, checker);
      const noFix = outcome.fix ? '' : ` (no fix: ${outcome.reason}${outcome.where && outcome.skipReason === 'ambiguous-target' ? `: ${outcome.where}` : ''})`;
      const lists = listed(checker.lists);
      const base = { file: checker.path, offset: checker.offset, key: checker.path, seedIds: ['2.12'], fix: outcome.fix, ...(outcome.fix ? {} : { skipReason: outcome.skipReason ?? 'no-candidate' }) };
      if (cov.kind === 'local-only') {
        findings.push({ ...base, messageId: 'localOnly', data: { checker: checker.path, lists, targets: listed(cov.targets), noFix } });
      } else {
        findings.push({ ...base, messageId: 'neverRun', data: { checker: checker.path, lists, docs: cov.docs.length > 0 ? ` (only ${listed(cov.docs)} tells people to run it)` : '', noFix } });
      }
    }
    return findings;
  },
};
