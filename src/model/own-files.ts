/**
 * Files this tool writes into a repository as records of its own runs. They name the
 * repository's files (a baseline entry names the file of each finding) without reading them, so
 * the rules that ask "does anything in the repository name this file?" (config-unreferenced,
 * stray-database-files) must not take them for readers: a baseline would otherwise make the
 * very findings it records disappear.
 */
export const BASELINE_FILE = 'autopack-fix-baseline.json';

export function isOwnRecord(p: string): boolean {
  return p === BASELINE_FILE;
}
