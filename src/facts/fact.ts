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

/**
 * Per-run data too large to keep until the run ends once every rule that reads it has run: the
 * docs' commands and their Markdown models were about 180 MB of a 100,000-file run's 830 MB heap,
 * and every rule after the docs rules ran on top of them. A rule names what it reads
 * (`Rule.reads`); a run that detects once and fixes nothing lets each go after the last of the
 * rules that name it (engine/run.ts, `detect`). Whatever asks for it later makes it again: a
 * missing name costs time, never a finding (tests/parse-once.test.ts counts the parses).
 */
export interface Releasable {
  /** What it is, for a reader; not a key, the object itself is. */
  readonly name: string;
  /** Let go of this run's data in `workspace` (every view of its disk: only when no rule runs again). */
  readonly release: (workspace: import('../workspace/workspace.js').Workspace) => void;
}

export function defineReleasable(name: string, release: Releasable['release']): Releasable {
  return { name, release };
}
