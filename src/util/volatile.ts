/**
 * Whether this run's output depends on something besides its inputs: a Markdown doc that ran
 * out of its wall-clock budget (a less loaded machine would have read it), a cache that could
 * not be used or written (a note about the tool, said once). The run memo (run-memo.ts) does not
 * keep such a run's output, so that a replay never repeats an accident of one run.
 *
 * Process-wide on purpose: the places that meet these accidents sit deep in formats/ and
 * cache/, and the CLI asks once, after the run. `resetVolatile` starts each recorded run.
 */
const reasons: string[] = [];

export function markVolatile(reason: string): void {
  reasons.push(reason);
}

export function volatileReasons(): readonly string[] {
  return reasons;
}

export function resetVolatile(): void {
  reasons.length = 0;
}
