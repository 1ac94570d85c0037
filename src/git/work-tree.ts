/**
 * Why a directory is not inside a git work tree, when git's answer would mislead. git reports a
 * `.git` it cannot read (permission denied on the directory, its HEAD, its objects or refs) as
 * "not a git repository", the same as no `.git` at all; told so, a user looks for a missing
 * repository instead of a wrong mode. So before a command says "not inside a git work tree",
 * it asks here: the nearest `.git` from the directory up is opened as git would, and the first
 * step that fails is named with its path and errno. Other refusals of git (a repository owned
 * by someone else, `safe.directory`) are quoted from git itself.
 */
import { lstatSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { git } from '../util/git.js';

/** Errno codes with the words the C library uses for them. */
const ERRNO_WORDS: Record<string, string> = {
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EIO: 'input/output error',
  ELOOP: 'too many levels of symbolic links',
  ENOTDIR: 'not a directory',
  ENOENT: 'no such file or directory',
};

function errnoText(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  if (!code) return e instanceof Error ? e.message : String(e);
  const words = ERRNO_WORDS[code];
  return words ? `${code}: ${words}` : code;
}

export interface WorkTreeProblem {
  /** The path that could not be read (absolute); undefined when git names the problem. */
  path?: string;
  /** What is wrong, as a phrase: `/r/.git cannot be read (EACCES: permission denied)`. */
  message: string;
}

/**
 * What keeps `dir` (an existing directory) from being a git work tree, when it is not the plain
 * absence of a repository: undefined when no `.git` is found from `dir` up and git says only
 * "not a git repository". `shown` formats a path for the message (display escaping).
 */
export async function workTreeProblem(dir: string, shown: (p: string) => string = (p) => p): Promise<WorkTreeProblem | undefined> {
  const unreadable = unreadableGitDir(path.resolve(dir));
  if (unreadable) return { path: unreadable.path, message: `${shown(unreadable.path)} cannot be read (${unreadable.errno})` };
  const r = await git(dir, ['rev-parse', '--show-toplevel']);
  if (r.code === 0) return undefined;
  const fatal = /^fatal: (.*)$/m.exec(r.stderr)?.[1]?.trim();
  if (fatal && !/^not a git repository/.test(fatal)) return { message: `git refuses it: ${fatal}` };
  return undefined;
}

/** The first step of opening the nearest `.git` (from `dir` up) that fails, if one does. */
export function unreadableGitDir(dir: string): { path: string; errno: string } | undefined {
  for (let d = dir; ; d = path.dirname(d)) {
    const dotGit = path.join(d, '.git');
    let st;
    try {
      st = lstatSync(dotGit);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT' && code !== 'ENOTDIR') return { path: dotGit, errno: errnoText(e) };
    }
    if (st) return openGitDir(dotGit, st.isSymbolicLink());
    if (path.dirname(d) === d) return undefined;
  }
}

/** What git reads first of a repository: `.git` (a directory, or a `gitdir:` file), its HEAD, objects and refs. */
function openGitDir(dotGit: string, link: boolean): { path: string; errno: string } | undefined {
  const attempt = (p: string, step: () => unknown): { path: string; errno: string } | undefined => {
    try {
      step();
      return undefined;
    } catch (e) {
      return { path: p, errno: errnoText(e) };
    }
  };
  let gitDir = dotGit;
  let isDir = false;
  const kind = attempt(dotGit, () => (isDir = (link ? statSync(dotGit) : lstatSync(dotGit)).isDirectory()));
  if (kind) return kind;
  if (!isDir) {
    // A worktree or a submodule: `.git` is a file naming the git directory.
    let text = '';
    const read = attempt(dotGit, () => (text = readFileSync(dotGit, 'utf8')));
    if (read) return read;
    const named = /^gitdir: (.+)$/m.exec(text)?.[1]?.trim();
    if (!named) return undefined;
    gitDir = path.resolve(path.dirname(dotGit), named);
  }
  let common = gitDir;
  return (
    attempt(gitDir, () => readdirSync(gitDir)) ??
    attempt(path.join(gitDir, 'HEAD'), () => readFileSync(path.join(gitDir, 'HEAD'))) ??
    attempt(path.join(gitDir, 'commondir'), () => {
      try {
        common = path.resolve(gitDir, readFileSync(path.join(gitDir, 'commondir'), 'utf8').trim());
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
      }
    }) ??
    attempt(path.join(common, 'objects'), () => readdirSync(path.join(common, 'objects'))) ??
    attempt(path.join(common, 'refs'), () => readdirSync(path.join(common, 'refs')))
  );
}
