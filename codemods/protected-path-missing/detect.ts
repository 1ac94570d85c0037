/**
 * Which Python constants are path lists of this repository: the name says what the list guards
 * (protected, allowed, required, config …), its string entries look like relative paths, and at
 * least one of them exists — the evidence that the list speaks of this repository, relative to
 * its root, and not of another project or a user's machine. The reading lives in
 * src/facts/python-paths.ts, shared with legacy-path-literal (which leaves these entries to
 * this rule).
 */
export { guardsPaths, missingGuardEntries, pathEntries, NOT_THIS_REPOSITORY, type PathEntry } from '../../src/facts/python-paths.js';
