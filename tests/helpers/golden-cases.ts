/**
 * The golden inputs as repositories, for tests that run every rule over every case and compare
 * two ways of running (with and without prefilters, without a cache, cold and warm): the case
 * list (every fixtures/<rule>/<case>/input, then the demo) and one repository per case, built as
 * the golden harness builds it (history.json replayed, `"repository": false` outside git).
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { ROOT, repoFrom, repoWithHistory, plainCopy, type HistoryCommitSpec } from './repo.js';

export const FIXTURES = path.join(ROOT, 'fixtures');

export interface GoldenCase {
  /** The rule the case belongs to; '' for the demo (every rule with its defaults). */
  rule: string;
  dir: string;
}

/** Every golden case whose input passes `keep`, then the demo. */
export function goldenCases(keep: (input: string) => boolean = () => true): GoldenCase[] {
  const cases: GoldenCase[] = [];
  for (const rule of readdirSync(FIXTURES)) {
    if (rule === 'demo' || !statSync(path.join(FIXTURES, rule)).isDirectory()) continue;
    for (const c of readdirSync(path.join(FIXTURES, rule))) {
      const input = path.join(FIXTURES, rule, c, 'input');
      if (existsSync(input) && keep(input)) cases.push({ rule, dir: path.join(FIXTURES, rule, c) });
    }
  }
  cases.push({ rule: '', dir: path.join(FIXTURES, 'demo') });
  return cases;
}

/** The case's input as a repository (remove it when done) and the rule options its options.json gives. */
export function caseRepository(c: GoldenCase): { repo: string; ruleOptions: Record<string, Record<string, unknown>> } {
  const optionsFile = path.join(c.dir, 'options.json');
  const options = existsSync(optionsFile) ? (JSON.parse(readFileSync(optionsFile, 'utf8')) as { ruleOptions?: Record<string, unknown>; repository?: boolean }) : {};
  const historyFile = path.join(c.dir, 'history.json');
  const history = existsSync(historyFile) ? (JSON.parse(readFileSync(historyFile, 'utf8')) as { commits: HistoryCommitSpec[] }).commits : undefined;
  const input = c.rule ? path.join(c.dir, 'input') : c.dir;
  const repo = options.repository === false ? plainCopy(input) : history ? repoWithHistory(input, history) : repoFrom(input);
  return { repo, ruleOptions: c.rule ? { [c.rule]: options.ruleOptions ?? {} } : {} };
}
