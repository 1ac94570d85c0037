/**
 * `campaign report`, the pure part: checks what a result file holds and merges the
 * per-repository results of one or more waves into the counts the renderers show. No file
 * access and no network here: the command (report.ts) reads the files and the PR states.
 *
 * Two kinds of count, kept apart on purpose:
 * - what the campaign found and did **now** comes from each repository's latest result (by
 *   `startedAt`): repositories affected, findings, fixes proposed, PRs opened or updated,
 *   errors. A repository given twice (two waves) counts once.
 * - what became of the PRs comes from every distinct PR (repository and number) any result
 *   names, with its last known state (`report --refresh` reads it back from the API): merged,
 *   closed without merge, still open. A PR counts for every rule that had fixes in it.
 */
import { CAMPAIGN_FORMAT_VERSION, type PrOutcome, type RepoResult } from './result.js';

export const PR_OUTCOMES: readonly PrOutcome[] = ['opened', 'updated', 'unchanged', 'none', 'dry-run', 'capped', 'skipped', 'error'];

export type PrState = 'open' | 'closed' | 'merged';

/** One PR, however many results name it. */
export interface PrRecord {
  repo: string;
  number: number;
  url?: string;
  /** The last known state; undefined when no result said and no refresh read it. */
  state?: PrState;
  /** The rules with fixes in the results that name this PR. */
  rules: string[];
  /** `startedAt` of the result that opened it (outcome `opened`), when one is given. */
  openedAt?: string;
  /**
   * Closed by autopack-fix itself because its fixes were no longer needed (a run with nothing
   * to fix closed it: outcome `none`, state `closed`): neither merged nor declined, so it
   * counts in neither, nor in the acceptance.
   */
  obsolete?: boolean;
}

export interface RuleRow {
  rule: string;
  /** Repositories whose latest result has a finding or a fix of this rule. */
  repositories: number;
  findings: number;
  fixes: number;
  /** Latest results with fixes of this rule, by PR outcome. */
  opened: number;
  updated: number;
  dryRun: number;
  /** Distinct PRs carrying fixes of this rule, by last known state. */
  merged: number;
  /** Closed by people without merging (not the ones autopack-fix closed as no longer needed). */
  closedWithoutMerge: number;
  closedAsObsolete: number;
  open: number;
  /** Repositories affected by this rule whose latest run failed. */
  errors: number;
}

export interface RepoRow {
  repo: string;
  shard: number;
  startedAt: string;
  findings: number;
  fixes: number;
  /** Rules with a finding or a fix, sorted. */
  rules: string[];
  outcome: PrOutcome;
  pr?: { number?: number; url?: string; state?: PrState; obsolete?: boolean };
  errors: string[];
  notes: string[];
  totalMs?: number;
}

/** PRs opened in one wave (the UTC day its run started) and what became of them. */
export interface WaveRow {
  wave: string;
  repositories: number;
  opened: number;
  merged: number;
  closedWithoutMerge: number;
  closedAsObsolete: number;
  open: number;
  unknown: number;
}

export interface CampaignSummary {
  version: typeof CAMPAIGN_FORMAT_VERSION;
  generatedAt: string;
  /** Result files read (a repository may have several, one per wave). */
  results: number;
  repositories: number;
  totals: {
    repositoriesAffected: number;
    findings: number;
    fixes: number;
    /** Latest result per repository, by PR outcome (every outcome present, zeros included). */
    outcomes: Record<PrOutcome, number>;
    /** Repositories whose latest run failed (outcome `error` or an error recorded). */
    errors: number;
    prs: number;
    merged: number;
    closedWithoutMerge: number;
    closedAsObsolete: number;
    open: number;
    /** merged / (merged + closed without merge), when any PR was decided. */
    acceptance?: number;
  };
  rules: RuleRow[];
  repos: RepoRow[];
  prs: PrRecord[];
  waves: WaveRow[];
  /** Files that were not read, PR states that could not be refreshed: one line each. */
  notes: string[];
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0;

function counts(v: unknown, field: string): Record<string, number> | string {
  if (!isRecord(v)) return `${field} is not an object`;
  const out: Record<string, number> = {};
  for (const [k, n] of Object.entries(v)) {
    if (!isCount(n)) return `${field}.${k} is not a count`;
    out[k] = n;
  }
  return out;
}

const strings = (v: unknown): string[] | undefined => (Array.isArray(v) && v.every((s) => typeof s === 'string') ? [...(v as string[])] : undefined);

/** A Plan (plan.json may sit in the same artifact folder): not a result, and not a mistake either. */
export function isPlan(value: unknown): boolean {
  return isRecord(value) && Array.isArray(value.shards) && isRecord(value.matrix);
}

/**
 * The RepoResult a parsed file holds, or why it is not one (one line). A `version` this
 * reader does not know is refused: its fields may mean something else.
 */
export function parseRepoResult(value: unknown): RepoResult | string {
  if (!isRecord(value)) return 'not a JSON object';
  if (value.version !== CAMPAIGN_FORMAT_VERSION) return `unknown version ${JSON.stringify(value.version ?? null)} (this autopack-fix reads version ${CAMPAIGN_FORMAT_VERSION})`;
  if (typeof value.repo !== 'string' || value.repo === '') return 'no repo';
  const findings = counts(value.findings ?? {}, 'findings');
  if (typeof findings === 'string') return findings;
  const fixes = counts(value.fixes ?? {}, 'fixes');
  if (typeof fixes === 'string') return fixes;
  const pr = value.pr;
  if (!isRecord(pr) || !PR_OUTCOMES.includes(pr.outcome as PrOutcome)) return `pr.outcome is not one of ${PR_OUTCOMES.join(', ')}`;
  if (pr.number !== undefined && !(isCount(pr.number) && pr.number > 0)) return 'pr.number is not a PR number';
  if (pr.state !== undefined && !['open', 'closed', 'merged'].includes(pr.state as string)) return 'pr.state is not open, closed or merged';
  if (pr.url !== undefined && typeof pr.url !== 'string') return 'pr.url is not a string';
  const notes = strings(value.notes ?? []);
  const errors = strings(value.errors ?? []);
  if (!notes || !errors) return 'notes and errors must be lists of strings';
  const timings = counts(value.timings ?? {}, 'timings');
  if (typeof timings === 'string') return timings;
  return {
    version: CAMPAIGN_FORMAT_VERSION,
    repo: value.repo,
    shard: typeof value.shard === 'number' ? value.shard : -1,
    startedAt: typeof value.startedAt === 'string' ? value.startedAt : '',
    ...(typeof value.baseSha === 'string' ? { baseSha: value.baseSha } : {}),
    findings,
    fixes,
    pr: {
      outcome: pr.outcome as PrOutcome,
      ...(pr.url !== undefined ? { url: pr.url as string } : {}),
      ...(pr.number !== undefined ? { number: pr.number as number } : {}),
      ...(pr.state !== undefined ? { state: pr.state as PrState } : {}),
    },
    notes,
    errors,
    timings,
  };
}

const time = (r: RepoResult): number => {
  const t = Date.parse(r.startedAt);
  return Number.isNaN(t) ? -Infinity : t;
};

const sum = (c: Record<string, number>): number => Object.values(c).reduce((a, b) => a + b, 0);
export const failed = (r: RepoResult): boolean => r.pr.outcome === 'error' || r.errors.length > 0;
const touched = (r: RepoResult, rule: string): boolean => (r.findings[rule] ?? 0) > 0 || (r.fixes[rule] ?? 0) > 0;
export const prKey = (repo: string, number: number): string => `${repo}#${number}`;

/**
 * The state a result implies for its PR: what it says, else `open` when it just opened,
 * updated or found unchanged a PR (the run saw it open).
 */
function impliedState(r: RepoResult): PrState | undefined {
  if (r.pr.state) return r.pr.state;
  return r.pr.outcome === 'opened' || r.pr.outcome === 'updated' || r.pr.outcome === 'unchanged' ? 'open' : undefined;
}

/** The distinct PRs the results name (repository and number), with their last known state. */
export function collectPrs(results: RepoResult[]): PrRecord[] {
  const prs = new Map<string, PrRecord & { seen: number }>();
  // Oldest first (stable for equal times: input order), so a later result's state wins.
  const ordered = results.map((r, i) => ({ r, i })).sort((a, b) => time(a.r) - time(b.r) || a.i - b.i);
  for (const { r } of ordered) {
    if (r.pr.number === undefined) continue;
    const key = prKey(r.repo, r.pr.number);
    const record = prs.get(key) ?? { repo: r.repo, number: r.pr.number, rules: [], seen: 0 };
    record.seen++;
    if (r.pr.url) record.url = r.pr.url;
    const state = impliedState(r);
    // Merged is final: a later run that found nothing to fix may still name the PR.
    if (state && record.state !== 'merged') {
      record.state = state;
      record.obsolete = state === 'closed' && r.pr.outcome === 'none';
    }
    if (r.pr.outcome === 'opened' && record.openedAt === undefined) record.openedAt = r.startedAt;
    for (const [rule, n] of Object.entries(r.fixes)) if (n > 0 && !record.rules.includes(rule)) record.rules.push(rule);
    prs.set(key, record);
  }
  return [...prs.values()].map(({ seen: _seen, obsolete, ...p }) => ({ ...p, ...(obsolete ? { obsolete } : {}), rules: p.rules.sort() })).sort((a, b) => a.repo.localeCompare(b.repo) || a.number - b.number);
}

/**
 * Merges the results (of one wave or several) into the summary. `states` holds PR states
 * read back from the API (`repo#number` → state); they win over what the results say.
 */
export function aggregate(results: RepoResult[], options: { states?: Map<string, PrState>; notes?: string[]; generatedAt?: string } = {}): CampaignSummary {
  const latest = new Map<string, RepoResult>();
  results.forEach((r) => {
    const seen = latest.get(r.repo);
    if (!seen || time(r) >= time(seen)) latest.set(r.repo, r);
  });
  const current = [...latest.values()].sort((a, b) => a.repo.localeCompare(b.repo));

  const prs = collectPrs(results);
  for (const p of prs) {
    const refreshed = options.states?.get(prKey(p.repo, p.number));
    if (refreshed) p.state = refreshed;
    if (p.state !== 'closed') delete p.obsolete;
  }
  const declined = (p: PrRecord): boolean => p.state === 'closed' && !p.obsolete;
  const obsolete = (p: PrRecord): boolean => p.state === 'closed' && !!p.obsolete;
  const prOf = new Map(prs.map((p) => [prKey(p.repo, p.number), p]));

  const ruleIds = new Set<string>();
  for (const r of current) for (const rule of [...Object.keys(r.findings), ...Object.keys(r.fixes)]) if (touched(r, rule)) ruleIds.add(rule);
  for (const p of prs) for (const rule of p.rules) ruleIds.add(rule);

  const rules: RuleRow[] = [...ruleIds].sort().map((rule) => {
    const affected = current.filter((r) => touched(r, rule));
    const withFixes = current.filter((r) => (r.fixes[rule] ?? 0) > 0);
    const carrying = prs.filter((p) => p.rules.includes(rule));
    return {
      rule,
      repositories: affected.length,
      findings: affected.reduce((a, r) => a + (r.findings[rule] ?? 0), 0),
      fixes: withFixes.reduce((a, r) => a + (r.fixes[rule] ?? 0), 0),
      opened: withFixes.filter((r) => r.pr.outcome === 'opened').length,
      updated: withFixes.filter((r) => r.pr.outcome === 'updated').length,
      dryRun: withFixes.filter((r) => r.pr.outcome === 'dry-run').length,
      merged: carrying.filter((p) => p.state === 'merged').length,
      closedWithoutMerge: carrying.filter(declined).length,
      closedAsObsolete: carrying.filter(obsolete).length,
      open: carrying.filter((p) => p.state === 'open').length,
      errors: affected.filter(failed).length,
    };
  });

  const repos: RepoRow[] = current.map((r) => {
    const record = r.pr.number !== undefined ? prOf.get(prKey(r.repo, r.pr.number)) : undefined;
    const state = record ? record.state : r.pr.state;
    const pr =
      r.pr.number !== undefined || r.pr.url !== undefined
        ? { ...(r.pr.number !== undefined ? { number: r.pr.number } : {}), ...(r.pr.url ? { url: r.pr.url } : {}), ...(state ? { state } : {}), ...(record?.obsolete ? { obsolete: true } : {}) }
        : undefined;
    return {
      repo: r.repo,
      shard: r.shard,
      startedAt: r.startedAt,
      findings: sum(r.findings),
      fixes: sum(r.fixes),
      rules: [...new Set([...Object.keys(r.findings), ...Object.keys(r.fixes)].filter((rule) => touched(r, rule)))].sort(),
      outcome: r.pr.outcome,
      ...(pr ? { pr } : {}),
      errors: r.errors,
      notes: r.notes,
      ...(r.timings.total !== undefined ? { totalMs: r.timings.total } : {}),
    };
  });

  // A wave is the UTC day a run started: the shards of one wave run within minutes.
  const waveOf = (startedAt: string): string => (Number.isNaN(Date.parse(startedAt)) ? 'unknown' : new Date(startedAt).toISOString().slice(0, 10));
  const waves = new Map<string, { repos: Set<string>; row: WaveRow }>();
  const wave = (startedAt: string) => {
    const key = waveOf(startedAt);
    let w = waves.get(key);
    if (!w) waves.set(key, (w = { repos: new Set(), row: { wave: key, repositories: 0, opened: 0, merged: 0, closedWithoutMerge: 0, closedAsObsolete: 0, open: 0, unknown: 0 } }));
    return w;
  };
  for (const r of results) wave(r.startedAt).repos.add(r.repo);
  for (const p of prs) {
    if (p.openedAt === undefined) continue;
    const { row } = wave(p.openedAt);
    row.opened++;
    if (p.state === 'merged') row.merged++;
    else if (obsolete(p)) row.closedAsObsolete++;
    else if (p.state === 'closed') row.closedWithoutMerge++;
    else if (p.state === 'open') row.open++;
    else row.unknown++;
  }
  const waveRows = [...waves.values()].map((w) => ({ ...w.row, repositories: w.repos.size })).sort((a, b) => a.wave.localeCompare(b.wave));

  const outcomes = Object.fromEntries(PR_OUTCOMES.map((o) => [o, 0])) as Record<PrOutcome, number>;
  for (const r of current) outcomes[r.pr.outcome]++;
  const merged = prs.filter((p) => p.state === 'merged').length;
  const closed = prs.filter(declined).length;
  return {
    version: CAMPAIGN_FORMAT_VERSION,
    generatedAt: options.generatedAt ?? new Date().toISOString(),
    results: results.length,
    repositories: current.length,
    totals: {
      repositoriesAffected: current.filter((r) => sum(r.findings) + sum(r.fixes) > 0).length,
      findings: current.reduce((a, r) => a + sum(r.findings), 0),
      fixes: current.reduce((a, r) => a + sum(r.fixes), 0),
      outcomes,
      errors: current.filter(failed).length,
      prs: prs.length,
      merged,
      closedWithoutMerge: closed,
      closedAsObsolete: prs.filter(obsolete).length,
      open: prs.filter((p) => p.state === 'open').length,
      ...(merged + closed > 0 ? { acceptance: merged / (merged + closed) } : {}),
    },
    rules,
    repos,
    prs,
    waves: waveRows,
    notes: [...(options.notes ?? [])],
  };
}

