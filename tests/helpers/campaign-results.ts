/**
 * A small campaign's per-repository results with known counts, as `campaign run` writes them
 * (one JSON file per repository, one folder per shard), for the report tests. Two waves: the
 * first (a week earlier) opened PRs in acme/beta and acme/zeta; the second is the rest.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { RepoResult } from '../../src/campaign/result.js';

export const WAVE1 = '2026-11-26T09:00:00Z';
export const WAVE2 = '2026-12-03T09:00:00Z';

const base = (repo: string, shard: number, startedAt: string): Omit<RepoResult, 'pr'> => ({
  version: 1,
  repo,
  shard,
  startedAt,
  baseSha: 'a'.repeat(40),
  findings: {},
  fixes: {},
  notes: [],
  errors: [],
  timings: { clone: 100, check: 200, total: 400 },
});

export function campaignResults(): Array<{ file: string; result: RepoResult | unknown }> {
  return [
    // Wave 1.
    { file: 'wave1/shard-0/acme__beta.json', result: { ...base('acme/beta', 0, WAVE1), findings: { 'rule-a': 1 }, fixes: { 'rule-a': 1 }, pr: { outcome: 'opened', number: 4, url: 'https://github.com/acme/beta/pull/4', state: 'open' } } },
    { file: 'wave1/shard-0/acme__zeta.json', result: { ...base('acme/zeta', 0, WAVE1), findings: { 'rule-b': 2 }, fixes: { 'rule-b': 2 }, pr: { outcome: 'opened', number: 7, url: 'https://github.com/acme/zeta/pull/7' } } },
    // Wave 2, shard 0.
    { file: 'wave2/shard-0/acme__alpha.json', result: { ...base('acme/alpha', 0, WAVE2), findings: { 'rule-a': 2, 'rule-b': 1 }, fixes: { 'rule-a': 2, 'rule-b': 1 }, pr: { outcome: 'opened', number: 1, url: 'https://github.com/acme/alpha/pull/1' } } },
    { file: 'wave2/shard-0/acme__beta.json', result: { ...base('acme/beta', 0, WAVE2), findings: { 'rule-a': 1 }, fixes: { 'rule-a': 1 }, pr: { outcome: 'updated', number: 4, url: 'https://github.com/acme/beta/pull/4', state: 'open' } } },
    // The push failed after the check: affected by rule-a, and an error.
    { file: 'wave2/shard-0/acme__gamma.json', result: { ...base('acme/gamma', 0, WAVE2), findings: { 'rule-a': 1 }, fixes: { 'rule-a': 1 }, pr: { outcome: 'error' }, errors: ['git push failed: remote rejected'] } },
    // Wave 2, shard 1.
    { file: 'wave2/shard-1/acme__delta.json', result: { ...base('acme/delta', 1, WAVE2), findings: { 'rule-b': 3 }, fixes: { 'rule-b': 2 }, pr: { outcome: 'capped' }, notes: ['--max-prs 2 reached for this wave'] } },
    { file: 'wave2/shard-1/acme__epsilon.json', result: { ...base('acme/epsilon', 1, WAVE2), findings: { 'rule-c': 1 }, pr: { outcome: 'none' } } },
    // The clone failed: no findings, an error.
    { file: 'wave2/shard-1/acme__eta.json', result: { ...(({ baseSha: _b, ...r }) => r)(base('acme/eta', 1, WAVE2)), pr: { outcome: 'error' }, errors: ['clone failed: repository not found'] } },
    { file: 'wave2/shard-1/acme__zeta.json', result: { ...base('acme/zeta', 1, WAVE2), pr: { outcome: 'none', number: 7, url: 'https://github.com/acme/zeta/pull/7' } } },
    // Not results: a newer format, bad JSON, the plan.
    { file: 'wave2/shard-1/acme__future.json', result: { ...base('acme/future', 1, WAVE2), version: 99, pr: { outcome: 'opened', number: 3 } } },
    { file: 'wave2/shard-1/broken.json', result: '{"version": 1, "repo": ' },
    { file: 'wave2/plan.json', result: { version: 1, createdAt: WAVE2, source: 'org:acme', excluded: [], shards: [[], []], matrix: { include: [{ shard: 0 }, { shard: 1 }] } } },
  ];
}

/** Writes the results under `dir`; a string result is written as it is (bad JSON). */
export function writeCampaignResults(dir: string, entries = campaignResults()): void {
  for (const { file, result } of entries) {
    const p = path.join(dir, file);
    mkdirSync(path.dirname(p), { recursive: true });
    writeFileSync(p, typeof result === 'string' ? result : `${JSON.stringify(result, null, 2)}\n`);
  }
}
