/**
 * `--changed-since <ref>`: the files a pull request touches. The set is what changed between
 * the merge-base of HEAD and `ref` and the working tree (committed, staged and unstaged
 * changes; renamed files under their new name), plus untracked files that are not ignored.
 * Using the merge-base, not `ref` itself, leaves out what landed on `ref` after the branch
 * was cut (`git diff ref...HEAD` semantics, extended to the working tree).
 */
import type { Finding } from '../model/types.js';
import type { Workspace } from '../workspace/workspace.js';
import { git } from '../util/git.js';

export class ChangedSinceError extends Error {}

/**
 * Repo-relative paths (relative to `root`, `/`-separated: workspace paths) changed since the
 * merge-base of HEAD and `ref`. Throws ChangedSinceError (exit 2) outside git, for an unknown
 * ref, or when HEAD and `ref` share no history.
 */
export async function changedSince(root: string, ref: string): Promise<Set<string>> {
  const verify = await git(root, ['rev-parse', '--verify', '--quiet', `${ref}^{commit}`]);
  if (verify.code !== 0) {
    const inside = await git(root, ['rev-parse', '--is-inside-work-tree']);
    throw new ChangedSinceError(inside.code !== 0 ? `--changed-since needs a git work tree; ${root} is not in one` : `--changed-since: unknown revision ${ref}`);
  }
  const base = await git(root, ['merge-base', 'HEAD', verify.stdout.trim()]);
  if (base.code !== 0) throw new ChangedSinceError(`--changed-since: HEAD and ${ref} have no common ancestor`);
  const diff = await git(root, ['diff', '--name-only', '-z', '--relative', '--diff-filter=d', base.stdout.trim(), '--']);
  if (diff.code !== 0) throw new ChangedSinceError(`git diff failed: ${diff.stderr.trim()}`);
  const untracked = await git(root, ['ls-files', '--others', '--exclude-standard', '-z', '--', '.']);
  if (untracked.code !== 0) throw new ChangedSinceError(`git ls-files failed: ${untracked.stderr.trim()}`);
  return new Set([...diff.stdout.split('\0'), ...untracked.stdout.split('\0')].filter((p) => p.length > 0));
}

/** For RunOptions.keep: only findings in the given files. */
export function changedFilesKeep(files: ReadonlySet<string>): (finding: Finding, ws: Workspace) => boolean {
  return (finding) => files.has(finding.file);
}
