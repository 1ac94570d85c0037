import { git, type GitResult } from '../util/git.js';
import { BOT_GIT_FLAGS } from './worktree.js';
import { identityEnv, type Identity } from './identity.js';
import type { Finding, Safety } from '../model/types.js';

/**
 * Trailers on every bot commit. They let a later run tell the bot's commits from anyone else's
 * (together with the commit ids the PR's state block records) and compare fix sets without
 * the PR body.
 */
export const TRAILER_RULE = 'Autopack-Fix-Rule';
export const TRAILER_SAFETY = 'Autopack-Fix-Safety';
/** Fingerprint of this commit's fixes. */
export const TRAILER_FIXES = 'Autopack-Fix-Fixes';
/** Fingerprint of the whole fix set of the branch, as computed from its base. */
export const TRAILER_SET = 'Autopack-Fix-Set';

export interface CommitMessageInput {
  ruleId: string;
  seedIds: string[];
  ruleSummary: string;
  safety: Safety;
  /** Findings whose fixes this commit holds; `file` relative to the repository top. */
  findings: Array<Pick<Finding, 'file' | 'line' | 'message'> & { fixDescription: string }>;
  files: string[];
  /** A later round of the same rule (a fix another rule's fix made possible). */
  followUp: boolean;
  fixesFingerprint: string;
  /** The fix set of the whole branch as computed from its base (only on rebuilds over others' commits). */
  setFingerprint?: string;
}

const SUBJECT_MAX = 72;
const LISTED_MAX = 40;

/** `fix(<rule-id>): <summary>` — the single fix's description, or a count when there are several. */
export function commitSubject(input: Pick<CommitMessageInput, 'ruleId' | 'safety' | 'findings' | 'files' | 'followUp'>): string {
  const descriptions = [...new Set(input.findings.map((f) => f.fixDescription))];
  const fixes = descriptions.length;
  let summary =
    fixes === 1 && descriptions[0]
      ? descriptions[0]
      : `${fixes} fixes in ${input.files.length === 1 ? input.files[0] : `${input.files.length} files`}`;
  const tags = [input.safety === 'review' ? 'review' : '', input.followUp ? 'follow-up' : ''].filter(Boolean);
  const suffix = tags.length ? ` [${tags.join(', ')}]` : '';
  const head = `fix(${input.ruleId}): `;
  const room = SUBJECT_MAX - head.length - suffix.length;
  if (summary.length > room) summary = shorten(summary, room);
  return `${head}${summary}${suffix}`;
}

/** Cut at a word boundary and never inside a code span, then add an ellipsis. */
function shorten(text: string, room: number): string {
  let cut = text.slice(0, Math.max(10, room - 1));
  const space = cut.lastIndexOf(' ');
  if (space > room / 2) cut = cut.slice(0, space);
  if ((cut.match(/`/g)?.length ?? 0) % 2 === 1) cut = cut.slice(0, cut.lastIndexOf('`'));
  return `${cut.trimEnd()} …`;
}

/**
 * The full message: subject; the rule and why it matters; what was wrong and where (file:line, as
 * before this commit); the safety class and what was proven; how to revert; then the trailers.
 */
export function commitMessage(input: CommitMessageInput): string {
  const lines: string[] = [commitSubject(input), ''];
  // The why in prose; seed ids are catalogue bookkeeping, kept in the JSON output.
  lines.push(`Rule ${input.ruleId}: ${input.ruleSummary}`);
  if (input.followUp) lines.push('', 'A follow-up: these fixes became possible only after fixes of other rules on this branch.');
  lines.push('', 'What was wrong, and where:');
  for (const f of input.findings.slice(0, LISTED_MAX)) {
    lines.push(`- ${f.file}:${f.line}: ${f.message}`);
    lines.push(`  fix: ${f.fixDescription}`);
  }
  if (input.findings.length > LISTED_MAX) lines.push(`- … and ${input.findings.length - LISTED_MAX} more`);
  lines.push('');
  if (input.safety === 'review') {
    lines.push('Safety: review. A judgment call, applied because --unsafe-fixes was given; check it before merging.');
  } else {
    lines.push('Safety: safe.');
  }
  lines.push('Each fix was proven before it was kept: the files it touches still parse, the rule no');
  lines.push('longer reports the problem, and no byte outside the fix\'s declared spans changed.');
  lines.push('');
  lines.push(`To undo only these fixes, revert this commit (\`git revert\` with this commit's id);`);
  lines.push(`it changes ${input.files.length === 1 ? input.files[0] : `${input.files.length} files: ${input.files.join(', ')}`}.`);
  lines.push('Later commits of the branch were made on top of it: if one of them touches the same');
  lines.push('lines, revert that one first.');
  lines.push('');
  lines.push(`${TRAILER_RULE}: ${input.ruleId}`);
  lines.push(`${TRAILER_SAFETY}: ${input.safety}`);
  lines.push(`${TRAILER_FIXES}: ${input.fixesFingerprint}`);
  if (input.setFingerprint) lines.push(`${TRAILER_SET}: ${input.setFingerprint}`);
  return `${lines.join('\n')}\n`;
}

/** Stage exactly `paths` (repository-relative, taken literally) and commit them; returns the new id. */
export async function commitPaths(dir: string, paths: string[], message: string, ids: { author: Identity; committer: Identity }): Promise<string> {
  // -f: a file a fix creates is meant to be part of the branch even if a .gitignore pattern matches it.
  const add = await git(dir, ['add', '-A', '-f', '--', ...paths], { env: { GIT_LITERAL_PATHSPECS: '1' } });
  check(add, 'git add');
  const commit = await git(dir, [...BOT_GIT_FLAGS, 'commit', '--quiet', '--no-verify', '--cleanup=whitespace', '-F', '-'], { env: identityEnv(ids), input: message });
  check(commit, 'git commit');
  return revParse(dir, 'HEAD');
}

export interface CommitInfo {
  sha: string;
  parents: string[];
  authorName: string;
  authorEmail: string;
  subject: string;
  body: string;
  trailers: Record<string, string>;
}

/** Commits reachable from `tip` but not from `exclude`, oldest first (topological). */
export async function listCommits(repo: string, tip: string, exclude?: string): Promise<CommitInfo[]> {
  const args = ['log', '--reverse', '--topo-order', '--format=%H%x00%P%x00%an%x00%ae%x00%B%x1e', tip];
  if (exclude) args.push(`^${exclude}`);
  const r = await git(repo, [...args, '--']);
  check(r, 'git log');
  return r.stdout
    .split('\x1e')
    .map((s) => s.replace(/^\n/, ''))
    .filter((s) => s.length > 0)
    .map((record) => {
      const [sha = '', parents = '', authorName = '', authorEmail = '', body = ''] = record.split('\0');
      return { sha, parents: parents.split(' ').filter(Boolean), authorName, authorEmail, subject: body.split('\n')[0] ?? '', body, trailers: parseTrailers(body) };
    });
}

/** The trailers of the last paragraph (`Key: value` lines), for the Autopack-Fix-* keys. */
export function parseTrailers(body: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of body.matchAll(/^(Autopack-Fix-[A-Za-z]+): (.+)$/gm)) if (m[1] && m[2]) out[m[1]] = m[2].trim();
  return out;
}

export async function revParse(dir: string, rev: string): Promise<string> {
  const r = await git(dir, ['rev-parse', '--verify', '--quiet', `${rev}^{commit}`]);
  if (r.code !== 0) throw new Error(`cannot resolve ${rev}`);
  return r.stdout.trim();
}

/** The commit id `rev` names, or undefined. */
export async function tryRevParse(dir: string, rev: string): Promise<string | undefined> {
  const r = await git(dir, ['rev-parse', '--verify', '--quiet', `${rev}^{commit}`]);
  return r.code === 0 ? r.stdout.trim() : undefined;
}

export async function isAncestor(repo: string, ancestor: string, descendant: string): Promise<boolean> {
  const r = await git(repo, ['merge-base', '--is-ancestor', ancestor, descendant]);
  return r.code === 0;
}

/**
 * Whether merging `head` into `base` would conflict. Uses `git merge-tree --write-tree` (git
 * 2.38+), which needs no worktree; on an older git the answer is "no conflict" (we then never
 * rebuild a branch only because it went stale).
 */
export async function mergeConflicts(repo: string, base: string, head: string): Promise<boolean> {
  if (await isAncestor(repo, base, head)) return false;
  const r = await git(repo, ['merge-tree', '--write-tree', '--no-messages', base, head]);
  return r.code === 1;
}

export function check(r: GitResult, what: string): void {
  if (r.code !== 0) throw new Error(`${what} failed: ${r.stderr.trim() || r.stdout.trim() || `exit ${r.code}`}`);
}
