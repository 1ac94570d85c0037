/**
 * Rules run in order, but a rule that waits for something outside the main thread (a git walk
 * of the history, a parse worker's result) would leave the thread idle: 0.3–0.8 s of a
 * 2,000-file run on repositories with a long history. So while the rule in front waits, the
 * next ones start, and their work fills the wait.
 *
 * What the caller sees does not change: it gets each rule's outcome in rule order, and a rule
 * is only ever started, never finished, out of turn. Whatever the caller does with an outcome
 * (stamping findings, keeping or dropping them, releasing data, relieving the heap) it does in
 * rule order. A rule is started ahead only when the rule in front has given the thread up with
 * nothing left to run (no pending microtask: what it waits for is I/O, a timer or a worker),
 * so a run that never waits runs exactly as one rule after another. A rule that must see every
 * earlier rule's findings kept (`Rule.afterEarlierRules`: unused-suppression) starts only once
 * they all were.
 *
 * What overlapping rules share is read through memoised promises (facts, the workspace's
 * files, the parse store), so two rules asking one thing get one answer. What the workspace
 * records as it goes in the order things happen (notes on files it could not read) is sorted
 * by the engine before it is reported.
 */
import type { Rule } from '../model/rule.js';
import type { RawFinding } from '../model/types.js';

/**
 * Rules in flight at once: the one in front and those started while it waited. Each keeps its
 * working data alive until it ends, so the window stays small. A window of 6 or 10 hid a little
 * more of the wait, but let later rules run ahead of the one whose git walk the wait was for,
 * which then started later (bench/README.md, fourteenth session).
 */
export const RULES_IN_FLIGHT = 3;

export type RuleOutcome = { raw: RawFinding[] } | { error: unknown };

export interface RuleResult {
  index: number;
  rule: Rule;
  outcome: RuleOutcome;
}

/**
 * Each rule's outcome, in rule order. `check` is called when a rule starts; `onStart` is told
 * first. The next outcome is not asked for until the caller has handled the last one.
 */
export async function* runOverlapped(rules: readonly Rule[], check: (rule: Rule) => Promise<RawFinding[]>, onStart?: (index: number, rule: Rule) => void, inFlight: number = RULES_IN_FLIGHT): AsyncGenerator<RuleResult> {
  const running: Array<Promise<RuleOutcome> | undefined> = [];
  let next = 0;
  const start = (): void => {
    const index = next++;
    const rule = rules[index] as Rule;
    onStart?.(index, rule);
    running[index] = outcomeOf(() => check(rule));
  };
  for (let index = 0; index < rules.length; index++) {
    if (next === index) start();
    const front = running[index] as Promise<RuleOutcome>;
    while (next < rules.length && next - index < inFlight && !(rules[next] as Rule).afterEarlierRules) {
      if (await settlesBeforeIdle(front)) break;
      start();
    }
    const outcome = await front;
    running[index] = undefined;
    yield { index, rule: rules[index] as Rule, outcome };
  }
}

/** The rule's findings or what it threw, never a rejection. Called at once, as `await check()` would be. */
async function outcomeOf(check: () => Promise<RawFinding[]>): Promise<RuleOutcome> {
  try {
    return { raw: await check() };
  } catch (error) {
    return { error };
  }
}

/**
 * Whether `p` settles before the thread runs out of microtasks: false when what it waits for
 * comes from outside (the event loop's next turn comes first).
 */
function settlesBeforeIdle(p: Promise<unknown>): Promise<boolean> {
  return new Promise((resolve) => {
    let settled = false;
    void p.then(() => {
      settled = true;
      resolve(true);
    });
    setImmediate(() => resolve(settled));
  });
}
