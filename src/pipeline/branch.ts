/**
 * The `--write --branch` machinery: compute the fixes in a temporary worktree, one commit per
 * rule, and decide what to do with an existing branch of the same name. Nothing here touches the
 * user's checkout, index or current branch, and nothing here talks to a remote: the caller moves
 * the local branch (src/cli) or pushes it (src/bot).
 *
 * The rules, their options, the accepted fix classes and the keep chain (include/exclude,
 * suppressions, --changed-since, the baseline) come from the caller's Pipeline, resolved from
 * the user's root: the worktree is a checkout of the same repository, so the root-relative paths
 * the keep predicates match are the same there.
 *
 * How the commits are made. The engine runs rule by rule on the worktree, cumulatively: open the
 * workspace, run rule k alone to its fixed point, write, commit; re-open; rule k+1; … Each commit
 * is therefore the output of a proven run on exactly the tree it applies to (its own proof), and
 * it holds exactly one rule's fixes. Two alternatives were rejected:
 *  - computing the final tree with all rules and splitting it by rule: a fix of a later rule may
 *    only exist because of an earlier one (fixed-point passes), so the split commits would not
 *    each be a proven state, and edits of two rules in one file cannot be attributed reliably;
 *  - prefix runs (rules[0..k] from the base for commit k): quadratic in the number of rules.
 * Cross-rule dependencies in the "wrong" direction (rule 3's fix makes a fix of rule 1 possible)
 * are caught by a full run over all rules after the sequence: if it still finds something to
 * fix, another round of per-rule commits follows (marked "follow-up"), up to MAX_ROUNDS.
 *
 * Safety classes: safe fixes first, every rule in catalogue order; then, only with
 * --unsafe-fixes, the review-class fixes, again one commit per rule. So the safe part of the
 * branch is a prefix that stands on its own, and reverting a review commit never has to step
 * over a later safe commit.
 */
import path from 'node:path';
import { createHash } from 'node:crypto';
import type { Diagnostic, Finding, Safety } from '../model/types.js';
import type { Rule } from '../model/rule.js';
import { Workspace } from '../workspace/workspace.js';
import { run, type RunOptions, type RunResult } from '../engine/run.js';
import { writeChanges } from '../engine/write.js';
import { UNUSED_SUPPRESSION_ID } from '../engine/suppressions.js';
import { git } from '../util/git.js';
import { withWorktree, BOT_GIT_FLAGS } from '../git/worktree.js';
import { identityEnv, type Identity } from '../git/identity.js';
import { withoutSecrets, type Selection } from './pipeline.js';
import {
  commitMessage,
  commitPaths,
  commitSubject,
  isAncestor,
  listCommits,
  mergeConflicts,
  revParse,
  TRAILER_FIXES,
  TRAILER_RULE,
  TRAILER_SET,
  type CommitInfo,
} from '../git/commits.js';

const MAX_ROUNDS = 3;

/** A finding as the branch reports it: `file` relative to the repository top. */
export interface BranchFinding {
  ruleId: string;
  seedIds: string[];
  severity: Finding['severity'];
  file: string;
  line: number;
  column: number;
  message: string;
  key: string;
  fix: { safety: Safety; description: string } | null;
}

export interface BuiltCommit {
  sha: string;
  ruleId: string;
  safety: Safety;
  subject: string;
  message: string;
  /** Repository-relative paths the commit changes. */
  files: string[];
  findings: BranchFinding[];
  /** Fingerprint of this commit's fixes (content, not line numbers). */
  fingerprint: string;
  followUp: boolean;
}

export interface FixBuild {
  /** The commit the build started from (the base). */
  start: string;
  /** The last commit: `start` itself when nothing was committed. */
  tip: string;
  commits: BuiltCommit[];
  /** Others' commits replayed onto the base first: old id → new id (null: dropped, already in the base). */
  replayed: Array<{ from: CommitInfo; to: string | null }>;
  /** A replayed commit that does not apply to the base; the build stopped there. */
  conflict?: { commit: CommitInfo; paths: string[] };
  /** Findings on the final tree whose fix is review-class and was not applied. */
  heldBack: BranchFinding[];
  /** Findings on the final tree without an automatic fix. */
  reportOnly: BranchFinding[];
  /** Findings on the final tree whose fix failed its proof, or that no round could fix. */
  unfixed: BranchFinding[];
  diagnostics: Diagnostic[];
  /** Fingerprint of the whole fix set (the commits' fingerprints in order). */
  setFingerprint: string;
  /** Fingerprint of the findings the fixes address (rule id + stable key, sorted). */
  findingsFingerprint: string;
}

export interface FixBuildOptions {
  /** The repository's top-level directory. */
  repo: string;
  /** The run's root relative to the top ('' for the top itself), `/`-separated. */
  rootRel: string;
  start: string;
  /** Others' commits to replay onto `start` before fixing (kept, with their authors). */
  replay?: CommitInfo[];
  /** The rules, options, accepted fix classes and keep chain (a Pipeline is one). */
  selection: Selection;
  identities: { author: Identity; committer: Identity };
  maxFileBytes?: number;
  /** Recorded in every commit's Autopack-Fix-Set trailer (the fix set computed from the base). */
  setFingerprint?: string;
}

export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** Build the fix commits in a temporary worktree. Returns them without moving any ref. */
export async function buildFixes(options: FixBuildOptions): Promise<FixBuild> {
  return withWorktree(options.repo, options.start, async (wt) => {
    const root = options.rootRel ? path.join(wt, ...options.rootRel.split('/')) : wt;
    const toRepo = (p: string): string => (options.rootRel ? `${options.rootRel}/${p}` : p);
    const diagnostics: Diagnostic[] = [];
    const replayed: FixBuild['replayed'] = [];
    for (const commit of options.replay ?? []) {
      const outcome = await cherryPick(wt, commit, options.identities.committer);
      if (outcome.kind === 'conflict') {
        return emptyBuild(options.start, await revParse(wt, 'HEAD'), replayed, { commit, paths: outcome.paths });
      }
      replayed.push({ from: commit, to: outcome.kind === 'picked' ? await revParse(wt, 'HEAD') : null });
    }

    const { rules, accepted } = options.selection;
    const engine = (ws: Workspace, overrides: Pick<RunOptions, 'apply'> & Partial<RunOptions>): Promise<RunResult> =>
      run(ws, { rules, accepted, ruleOptions: options.selection.ruleOptions, keep: options.selection.keep, ...overrides }).then((r) => withoutSecrets(r, ws));
    const open = (): Promise<Workspace> => Workspace.open(root, { maxFileBytes: options.maxFileBytes });
    const phases: Safety[] = (['safe', 'review'] as const).filter((s) => accepted.has(s));
    const before = (await engine(await open(), { apply: new Set() })).findings;
    const commits: BuiltCommit[] = [];
    let final: RunResult | undefined;
    for (let round = 0; round < MAX_ROUNDS; round++) {
      for (const phase of phases) {
        for (const rule of rules) {
          const ws = await open();
          if (rule.meta.id === UNUSED_SUPPRESSION_ID) {
            // Alone it over-reports (see ruleStep), so it only says whether the full run is needed.
            const alone = await engine(ws, { rules: [rule], apply: new Set() });
            if (!alone.findings.some((f) => f.fix?.safety === phase)) continue;
          }
          const result = await engine(ws, ruleStep(rule, rules, phase));
          diagnostics.push(...result.diagnostics.filter((d) => d.kind !== 'skipped' && d.kind !== 'parse-error'));
          if (result.changes.length === 0) continue;
          const outcome = writeChanges(ws, result.changes);
          if (outcome.errors.length) throw new Error(`cannot write the fixes of ${rule.meta.id} in the worktree: ${outcome.errors.map((e) => e.message).join('; ')}`);
          // Both names of a moved file: `git add -A` stages the removal with the addition, which git records as a rename.
          const files = result.changes.flatMap((c) => [c.path, ...(c.movedFrom !== undefined ? [c.movedFrom] : [])]).map(toRepo).sort();
          const findings = result.findings.filter((f) => f.fixStatus === 'applied').map((f) => branchFinding(f, toRepo));
          const fingerprint = fixesFingerprint(result, toRepo);
          const input = {
            ruleId: rule.meta.id,
            seedIds: rule.meta.seedIds,
            ruleSummary: rule.meta.summary,
            safety: phase,
            findings: findings.map((f) => ({ file: f.file, line: f.line, message: f.message, fixDescription: f.fix?.description ?? '' })),
            files,
            followUp: round > 0,
            fixesFingerprint: fingerprint,
            // Only a rebuild over others' commits records the set (the fresh build's); a fresh
            // build's set is derived from its commits' own fingerprints.
            setFingerprint: options.setFingerprint,
          };
          const message = commitMessage(input);
          const sha = await commitPaths(wt, files, message, options.identities);
          commits.push({ sha, ruleId: rule.meta.id, safety: phase, subject: commitSubject(input), message, files, findings, fingerprint, followUp: round > 0 });
        }
      }
      final = await engine(await open(), { apply: accepted });
      if (final.changes.length === 0) break;
      if (round === MAX_ROUNDS - 1) {
        diagnostics.push({ file: '', kind: 'note', message: `fixes still pending after ${MAX_ROUNDS} rounds of per-rule commits; left out of the branch` });
      }
    }
    const last = final as RunResult;
    for (const d of last.diagnostics) diagnostics.push(d);
    // A fix of one rule is proven against its own rule; a finding of any rule that exists only
    // on the branch is surfaced, so a chain of fixes never hides the harm it does.
    const beforeKeys = new Set(before.map((f) => `${f.ruleId}\0${f.key}`));
    for (const f of last.findings) {
      if (!beforeKeys.has(`${f.ruleId}\0${f.key}`)) {
        diagnostics.push({ file: toRepo(f.file), line: f.line, column: f.column, kind: 'note', ruleId: f.ruleId, message: `the fixes on the branch introduced a new finding: ${f.message}` });
      }
    }
    const onTip = last.findings.map((f) => ({ ...branchFinding(f, toRepo), status: f.fixStatus }));
    const tip = commits.length ? (commits[commits.length - 1] as BuiltCommit).sha : await revParse(wt, 'HEAD');
    return {
      start: options.start,
      tip,
      commits,
      replayed,
      heldBack: onTip.filter((f) => f.status === 'held-back'),
      reportOnly: onTip.filter((f) => f.status === null),
      unfixed: onTip.filter((f) => f.status === 'rejected' || f.status === 'not-applied' || f.status === 'applied'),
      diagnostics: dedupe(diagnostics),
      setFingerprint: setFingerprintOf(commits.map((c) => c.fingerprint)),
      findingsFingerprint: findingsFingerprintOf(commits.flatMap((c) => c.findings)),
    };
  });
}

/**
 * The engine options of one rule's commit. A rule runs alone, except unused-suppression: alone
 * it would see no other rule's findings, call every suppression unused and remove them all; it
 * runs after every rule so it sees which suppressions they use, and only its fixes apply.
 */
function ruleStep(rule: Rule, rules: readonly Rule[], phase: Safety): Pick<RunOptions, 'apply'> & Partial<RunOptions> {
  if (rule.meta.id === UNUSED_SUPPRESSION_ID) return { rules, apply: new Set([phase]), fixRules: new Set([rule.meta.id]) };
  return { rules: [rule], apply: new Set([phase]) };
}

function emptyBuild(start: string, tip: string, replayed: FixBuild['replayed'], conflict: FixBuild['conflict']): FixBuild {
  return { start, tip, commits: [], replayed, conflict, heldBack: [], reportOnly: [], unfixed: [], diagnostics: [], setFingerprint: setFingerprintOf([]), findingsFingerprint: findingsFingerprintOf([]) };
}

function branchFinding(f: Finding, toRepo: (p: string) => string): BranchFinding {
  return {
    ruleId: f.ruleId,
    seedIds: f.seedIds,
    severity: f.severity,
    file: toRepo(f.file),
    line: f.line,
    column: f.column,
    message: f.message,
    key: f.key,
    fix: f.fix ? { safety: f.fix.safety, description: f.fix.description } : null,
  };
}

/**
 * What a commit's fixes are, independent of line numbers and of unrelated changes elsewhere in
 * the files: the rule, the problem keys, the descriptions and the replacement texts. Two runs
 * that would make the same fixes give the same fingerprint even after the base moved on.
 */
function fixesFingerprint(result: RunResult, toRepo: (p: string) => string): string {
  const parts = result.applied.map(({ ruleId, fix, finding }) => ({
    ruleId,
    key: finding.key,
    safety: fix.safety,
    description: fix.description,
    edits: fix.edits.map((e) => [toRepo(e.file), e.text]),
    creates: (fix.creates ?? []).map((c) => [toRepo(c.file), sha256(c.content)]),
    ...(fix.moves?.length ? { moves: fix.moves.map((m) => [toRepo(m.from), toRepo(m.to)]) } : {}),
  }));
  return sha256(JSON.stringify(parts)).slice(0, 32);
}

export function setFingerprintOf(commitFingerprints: string[]): string {
  return sha256(commitFingerprints.join('\n')).slice(0, 32);
}

export function findingsFingerprintOf(findings: Array<Pick<BranchFinding, 'ruleId' | 'key'>>): string {
  return sha256([...new Set(findings.map((f) => `${f.ruleId}\0${f.key}`))].sort().join('\n')).slice(0, 32);
}

function dedupe(list: Diagnostic[]): Diagnostic[] {
  const seen = new Set<string>();
  return list.filter((d) => {
    const k = `${d.kind}\0${d.file}\0${d.line ?? ''}\0${d.message}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

type PickOutcome = { kind: 'picked' } | { kind: 'empty' } | { kind: 'conflict'; paths: string[] };

/** Replay one commit in the worktree, keeping its author; the bot is the committer. */
async function cherryPick(wt: string, commit: CommitInfo, committer: Identity): Promise<PickOutcome> {
  const env = identityEnv({ committer });
  const r = await git(wt, [...BOT_GIT_FLAGS, 'cherry-pick', '--no-rerere-autoupdate', commit.sha], { env });
  if (r.code === 0) return { kind: 'picked' };
  const unmerged = await git(wt, ['diff', '--name-only', '--diff-filter=U']);
  const paths = unmerged.stdout.split('\n').filter(Boolean);
  if (paths.length === 0) {
    // Nothing conflicts: the change is already in the base, so the commit became empty.
    const skip = await git(wt, [...BOT_GIT_FLAGS, 'cherry-pick', '--skip'], { env });
    if (skip.code === 0) return { kind: 'empty' };
  }
  await git(wt, [...BOT_GIT_FLAGS, 'cherry-pick', '--abort'], { env });
  return { kind: 'conflict', paths: paths.length ? paths : ['(could not apply)'] };
}

// ---------------------------------------------------------------------------------------------
// An existing branch of the same name
// ---------------------------------------------------------------------------------------------

export interface ExistingBranch {
  tip: string;
  /**
   * Commit ids the last run recorded as the bot's (the PR's state block). Undefined: unknown,
   * a commit is the bot's when it carries the Autopack-Fix-Rule trailer.
   */
  botCommits?: string[];
  /** The fix-set fingerprint the last run recorded; undefined: derive it from the trailers. */
  setFingerprint?: string;
  /** Everything on the branch is already merged (its pull request was merged): nothing to keep. */
  disposable?: boolean;
}

export interface Classified {
  /** The bot's commits on the branch (not in the base), oldest first. */
  bot: CommitInfo[];
  /** Everyone else's, oldest first: kept, replayed before the bot's commits on a rebuild. */
  others: CommitInfo[];
  /** Merges that bring in more than the base ("Update branch" merges are not counted). */
  foreignMerges: CommitInfo[];
}

/** Sort the commits of `tip` that `base` lacks into the bot's and everyone else's. */
export async function classifyBranch(repo: string, base: string, existing: ExistingBranch): Promise<Classified> {
  const out: Classified = { bot: [], others: [], foreignMerges: [] };
  if (existing.disposable) return out;
  const recorded = existing.botCommits ? new Set(existing.botCommits) : undefined;
  for (const c of await listCommits(repo, existing.tip, base)) {
    if (c.parents.length > 1) {
      // A merge of the base into the branch (GitHub's "Update branch") holds no work of its own.
      let onlyBase = true;
      for (const p of c.parents.slice(1)) if (!(await isAncestor(repo, p, base))) onlyBase = false;
      if (!onlyBase) out.foreignMerges.push(c);
      continue;
    }
    // An amended bot commit (trailer kept, new id) is someone else's work now.
    const isBot = c.trailers[TRAILER_RULE] !== undefined && (!recorded || recorded.has(c.sha));
    (isBot ? out.bot : out.others).push(c);
  }
  return out;
}

/** The fix set a branch holds: the recorded one, else the trailers of its bot commits. */
export function recordedSet(existing: ExistingBranch, classified: Classified): string {
  if (existing.setFingerprint) return existing.setFingerprint;
  const last = classified.bot[classified.bot.length - 1];
  if (last?.trailers[TRAILER_SET]) return last.trailers[TRAILER_SET];
  return setFingerprintOf(classified.bot.map((c) => c.trailers[TRAILER_FIXES] ?? ''));
}

export type BranchPlan =
  /** The base needs no fix. */
  | { action: 'nothing-to-fix'; fresh: FixBuild; classified?: Classified }
  /** The branch already holds exactly these fixes (and still merges cleanly): leave it. */
  | { action: 'unchanged'; fresh: FixBuild; classified: Classified }
  /** Others' work on the branch cannot be replayed onto the base: leave the branch alone. */
  | { action: 'blocked'; fresh: FixBuild; classified: Classified; reason: string; conflict?: FixBuild['conflict'] }
  /** Create the branch at build.tip (no branch yet). */
  | { action: 'create'; fresh: FixBuild; build: FixBuild }
  /** Move the existing branch to build.tip (others' commits replayed, if any). */
  | { action: 'rebuild'; fresh: FixBuild; build: FixBuild; classified: Classified; why: string };

export interface PlanOptions extends Omit<FixBuildOptions, 'start' | 'replay' | 'setFingerprint'> {
  base: string;
  existing?: ExistingBranch;
}

/**
 * What to do, given the base and the branch as it is. The fix set is always computed from the
 * base alone (the "fresh" build): that is what "the fixes are unchanged" compares, whoever else
 * committed to the branch.
 */
export async function planBranch(options: PlanOptions): Promise<BranchPlan> {
  const fresh = await buildFixes({ ...options, start: options.base });
  const existing = options.existing;
  if (!existing) return fresh.commits.length === 0 ? { action: 'nothing-to-fix', fresh } : { action: 'create', fresh, build: fresh };
  const classified = await classifyBranch(options.repo, options.base, existing);
  if (fresh.commits.length === 0) return { action: 'nothing-to-fix', fresh, classified };
  const intact = !existing.botCommits || existing.botCommits.every((sha) => classified.bot.some((c) => c.sha === sha));
  const sameFixes = intact && recordedSet(existing, classified) === fresh.setFingerprint;
  if (sameFixes && !(await mergeConflicts(options.repo, options.base, existing.tip))) return { action: 'unchanged', fresh, classified };
  const why = sameFixes ? 'the branch no longer merges cleanly into the base' : 'the fixes changed';
  if (classified.foreignMerges.length > 0) {
    const m = classified.foreignMerges[0] as CommitInfo;
    return { action: 'blocked', fresh, classified, reason: `the branch holds a merge commit (${m.sha.slice(0, 12)} "${m.subject}") that brings in other work; the bot cannot replay it` };
  }
  if (classified.others.length === 0) return { action: 'rebuild', fresh, build: fresh, classified, why };
  const build = await buildFixes({ ...options, start: options.base, replay: classified.others, setFingerprint: fresh.setFingerprint });
  if (build.conflict) {
    const c = build.conflict;
    return {
      action: 'blocked',
      fresh,
      classified,
      conflict: c,
      reason: `commit ${c.commit.sha.slice(0, 12)} ("${c.commit.subject}" by ${c.commit.authorName}) does not apply on top of the base (conflict in ${c.paths.join(', ')})`,
    };
  }
  return { action: 'rebuild', fresh, build, classified, why };
}
