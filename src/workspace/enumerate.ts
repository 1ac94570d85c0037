import { readdirSync, readFileSync, lstatSync } from 'node:fs';
import path from 'node:path';
import ignore, { type Ignore } from 'ignore';
import { git } from '../util/git.js';

export interface Enumeration {
  paths: string[];
  /** True when the list came from git (tracked + untracked-not-ignored). */
  fromGit: boolean;
  /**
   * The paths that were no regular file when listed: symbolic links, and what git lists but is
   * something else now (a FIFO where a committed file was). Every other path was a regular
   * file, and is read without an lstat first (Workspace.load).
   */
  irregular: Set<string>;
  /**
   * Temp files a killed `--write` left (`.<name>.autopack-fix-<pid>-<hex>.tmp`), as the listing
   * met them: never part of the run, and removed by the next `--write` (write.ts,
   * `removeKilledRunTemps`) once their writer is gone. One that git ignores is not listed, and
   * stays until a write of its file (it cannot reach a commit either).
   */
  ownTemps: string[];
}

/**
 * The files a run looks at. In a git work tree that is what git knows: tracked files (even when
 * a .gitignore pattern matches them) plus untracked files that are not ignored. Elsewhere it is
 * a walk that honours every .gitignore on the way down. `.git` is never part of the set.
 * `listing` is `gitListing(root)` when the caller asked git already (while it asked whether
 * `root` is in a work tree).
 */
export async function enumerateFiles(root: string, inGitRepo: boolean, listing?: Promise<string[] | undefined>): Promise<Enumeration> {
  if (inGitRepo) {
    const listed = await (listing ?? gitListing(root));
    if (listed) {
      const seen = new Set<string>();
      const irregular = new Set<string>();
      const ownTemps: string[] = [];
      for (const p of listed) {
        if (seen.has(p)) continue;
        if (isOwnTemp(p)) {
          ownTemps.push(p);
          continue;
        }
        // The index can list files deleted from the work tree, and submodules as directories.
        let st;
        try {
          st = lstatSync(path.join(root, p), { throwIfNoEntry: false });
        } catch {
          continue;
        }
        if (st === undefined || st.isDirectory()) continue;
        seen.add(p);
        if (!st.isFile()) irregular.add(p);
      }
      return { paths: [...seen].sort(), fromGit: true, irregular, ownTemps: [...new Set(ownTemps)] };
    }
  }
  const irregular = new Set<string>();
  const walked = walk(root, irregular);
  return { paths: walked.filter((p) => !isOwnFile(p)).sort(), fromGit: false, irregular, ownTemps: walked.filter(isOwnTemp) };
}

/**
 * What git lists under `root` (tracked, and untracked but not ignored), without the undo
 * journal; undefined when git cannot list (not a work tree). Entries may repeat (an unmerged
 * path), name a file deleted from the work tree or a submodule, or be a killed run's temp file:
 * enumerateFiles sets those apart.
 */
export async function gitListing(root: string): Promise<string[] | undefined> {
  const r = await git(root, ['ls-files', '-z', '--cached', '--others', '--exclude-standard']);
  if (r.code !== 0) return undefined;
  return r.stdout.split('\0').filter((p) => p !== '' && !isJournal(p));
}

/**
 * autopack-fix's own transient files: the temp file of a write a kill interrupted
 * (`.<name>.autopack-fix-<pid>-<hex>.tmp`), and the undo journal kept in the root outside git.
 * Never part of a run (a temp file is removed by the next --write, see `ownTemps`).
 */
export function isOwnFile(p: string): boolean {
  return isOwnTemp(p) || isJournal(p);
}

const OWN_TEMP = /(^|\/)\.([^/]+)\.autopack-fix-\d+-[0-9a-f]+\.tmp$/;

function isOwnTemp(p: string): boolean {
  return OWN_TEMP.test(p);
}

function isJournal(p: string): boolean {
  return /^\.autopack-fix-journal\//.test(p);
}

/** The file a temp file named by `isOwnFile` was written for (same folder), or undefined. */
export function tempTarget(p: string): string | undefined {
  const m = OWN_TEMP.exec(p);
  return m ? `${p.slice(0, m.index + (m[1] as string).length)}${m[2] as string}` : undefined;
}

function walk(root: string, irregular: Set<string>): string[] {
  const out: string[] = [];
  const visit = (relDir: string, rules: Array<{ base: string; ig: Ignore }>): void => {
    const abs = path.join(root, relDir);
    let gitignore: string | undefined;
    try {
      gitignore = readFileSync(path.join(abs, '.gitignore'), 'utf8');
    } catch {
      gitignore = undefined;
    }
    const scoped = gitignore === undefined ? rules : [...rules, { base: relDir, ig: ignore().add(gitignore) }];
    let entries;
    try {
      entries = readdirSync(abs, { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) {
      if (entry.name === '.git') continue;
      const rel = relDir ? `${relDir}/${entry.name}` : entry.name;
      const isDir = entry.isDirectory();
      if (isIgnored(scoped, rel, isDir)) continue;
      // Symlinked directories are not descended into: they may leave the root or loop.
      if (isDir) visit(rel, scoped);
      else if (entry.isFile()) out.push(rel);
      else if (entry.isSymbolicLink()) {
        out.push(rel);
        irregular.add(rel);
      }
    }
  };
  visit('', []);
  return out;
}

function isIgnored(rules: Array<{ base: string; ig: Ignore }>, rel: string, isDir: boolean): boolean {
  let ignored = false;
  for (const { base, ig } of rules) {
    const local = base ? rel.slice(base.length + 1) : rel;
    const r = ig.test(isDir ? `${local}/` : local);
    if (r.ignored) ignored = true;
    else if (r.unignored) ignored = false;
  }
  return ignored;
}
