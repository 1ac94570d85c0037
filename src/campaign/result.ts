/**
 * The contract between the three campaign steps (issue 16): `campaign plan` writes a Plan,
 * each `campaign run --shard K` writes one RepoResult per repository (one JSON file each, in
 * its output folder; the Actions artifact of the shard), and `campaign report` reads every
 * RepoResult it is given and writes the summaries. The shapes are versioned: a reader refuses a
 * file whose `version` it does not know, with a note naming the file, and goes on.
 *
 * Nothing here may ever hold a token: results and plans end up as public artifacts.
 */

export const CAMPAIGN_FORMAT_VERSION = 1;

/** One target repository as `plan` resolved it. */
export interface PlannedRepo {
  /** "owner/name". */
  repo: string;
  /** The default branch at plan time (run re-reads it; a move during the run is a skip). */
  defaultBranch: string;
  /** Clone URL without credentials (run adds the token through git's environment, never the URL). */
  cloneUrl: string;
}

export interface Plan {
  version: typeof CAMPAIGN_FORMAT_VERSION;
  /** ISO time the plan was made. */
  createdAt: string;
  /** Where the targets came from, for the report header: "org:acme topic=python", "list:repos.txt". */
  source: string;
  /** Repositories that were listed but left out, and why (unreachable with the token, archived, fork, filtered). */
  excluded: Array<{ repo: string; reason: string }>;
  /** The shards, in order; `matrix.include[k].shard === k`. */
  shards: PlannedRepo[][];
  /** What goes into `strategy.matrix` (at most 256 entries: GitHub's limit). */
  matrix: { include: Array<{ shard: number }> };
}

/** What happened to one repository's PR in this wave. */
export type PrOutcome =
  | 'opened'
  | 'updated'
  | 'unchanged' // a PR exists and the fixes are the same: nothing pushed
  | 'none' // no fix to propose
  | 'dry-run' // would have opened or updated
  | 'capped' // --max-prs / --max-open-prs reached
  | 'skipped' // kill switch, default branch moved, closed-without-merge for the same findings…
  | 'error';

export interface RepoResult {
  version: typeof CAMPAIGN_FORMAT_VERSION;
  repo: string;
  /** The shard that ran it (-1 for a local run over clones). */
  shard: number;
  /** ISO start time. */
  startedAt: string;
  /** The commit the run looked at (absent when the clone failed). */
  baseSha?: string;
  /** Findings by rule id: how many were reported. */
  findings: Record<string, number>;
  /** Fixes by rule id: how many were proposed (committed to the bot branch, or would be in a dry run). */
  fixes: Record<string, number>;
  pr: {
    outcome: PrOutcome;
    /** The PR's web URL when one exists. */
    url?: string;
    number?: number;
    /** The PR's state as last read: merged or closed-without-merge come from `report --refresh`. */
    state?: 'open' | 'closed' | 'merged';
  };
  /** Why the repository was skipped or failed, in one line each (already token-free). */
  notes: string[];
  errors: string[];
  /** Milliseconds by step: clone, check, push, api, total. */
  timings: Record<string, number>;
}
