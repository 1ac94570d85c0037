import { lstatSync, realpathSync } from 'node:fs';
import path from 'node:path';

/**
 * Checks the write path makes right before it creates, renames or removes a file (issue 18,
 * defect 4): the root check made when the writes were planned does not hold by itself while
 * they run, because a directory of the tree can be swapped for a symbolic link meanwhile.
 *
 * Node has no `openat`/`renameat`, so a write cannot be pinned to a directory handle. Instead the
 * write path works on real paths (symbolic links resolved once, when planning) and, right before
 * each step, checks each component from the root down with `lstat` (none may be a symbolic link
 * or anything but a directory) and that `realpath` of the directory is still itself.
 */

/** Whether `abs` is `realRoot` or below it (lexically). */
export function insideRoot(realRoot: string, abs: string): boolean {
  const rel = path.relative(realRoot, abs);
  return !(rel.startsWith('..') || path.isAbsolute(rel));
}

/**
 * Why `dir` (a real path under `realRoot`, as planned) is no longer safe to write into, or
 * undefined when it is. A component that does not exist (yet) ends the walk: nothing can be
 * followed there, and the file operation that needs it fails by itself (or, for a new file,
 * mkdir makes it and the check runs again).
 */
export function unsafeDir(realRoot: string, dir: string): string | undefined {
  if (!insideRoot(realRoot, dir)) return `${dir} is outside the root`;
  const rel = path.relative(realRoot, dir);
  const shown = (p: string): string => path.relative(realRoot, p).split(path.sep).join('/') || 'the root';
  let current = realRoot;
  for (const part of ['', ...(rel ? rel.split(path.sep) : [])]) {
    current = part ? path.join(current, part) : current;
    let st;
    try {
      st = lstatSync(current);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
      return `${shown(current)} cannot be checked (${code ?? String(e)})`;
    }
    if (st.isSymbolicLink()) return `${shown(current)} is now a symbolic link`;
    if (!st.isDirectory()) return `${shown(current)} is no longer a directory`;
  }
  try {
    const real = realpathSync(dir);
    if (real !== dir) return `${shown(dir)} now resolves to ${real}`;
  } catch {
    /* gone meanwhile: the file operation fails by itself */
  }
  return undefined;
}

/**
 * Whether `rel` is a plain root-relative path: not absolute, no `..`, `.` or empty segments, no
 * NUL. Paths read back from disk (the undo journal) must be such before they are joined to a root.
 */
export function plainRelative(rel: unknown): rel is string {
  if (typeof rel !== 'string' || rel === '' || rel.includes('\0')) return false;
  if (path.isAbsolute(rel) || path.posix.isAbsolute(rel)) return false;
  return rel.split(path.sep === '\\' ? /[\\/]/ : '/').every((s) => s !== '' && s !== '.' && s !== '..');
}
