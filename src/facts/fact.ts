/**
 * A declared fact: what the repository says about one subject, computed from a workspace view
 * the first time something asks and kept in that view's `Facts` (facts/facts.ts), so it lives
 * exactly as long as the run that made it. Facts are values of modules (`const X = defineFact(…)`);
 * their results never are: nothing per-run is held by a module.
 *
 * Kept apart from facts.ts, which imports the fact modules, so that any of them can declare a
 * fact at load time without an import cycle.
 */
export interface Fact<T> {
  /** What it is, for a reader (and a debugger): not a key, the Fact object itself is. */
  readonly name: string;
  readonly compute: (facts: FactSource) => T;
}

/** What a fact is computed from: the view (and the other facts, through `get`). */
export interface FactSource {
  readonly workspace: import('../workspace/workspace.js').Workspace;
  get<T>(fact: Fact<T>): T;
}

export function defineFact<T>(name: string, compute: (facts: FactSource) => T): Fact<T> {
  return { name, compute };
}
