/**
 * The archive move shared by the rules whose fix is "move it out of the way, never delete it"
 * (stray-database-files, config-unreferenced): files move byte for byte under one archive
 * folder, keeping their repository-relative path, and a note in that folder says where they
 * came from and why. One fix serves every finding of a run, so the note is written once.
 */
import type { Fix, SkipReason } from '../model/types.js';
import type { Workspace } from '../workspace/workspace.js';
import { majorityLineEnding } from '../facts/files.js';

/** The note written into the archive folder when it has none. */
export const ARCHIVE_NOTE = 'ARCHIVED.md';

/** The archive folder as a plain root-relative path, or undefined when the option is not one. */
export function archiveDir(option: unknown): string | undefined {
  if (typeof option !== 'string') return undefined;
  const dir = option.replace(/^\.\/+/, '').replace(/\/+$/, '');
  return dir !== '' && !dir.startsWith('/') && dir.split('/').every((s) => s !== '' && s !== '.' && s !== '..') && !dir.includes('\\') ? dir : undefined;
}

/** Whether `file` already sits inside the archive folder `dir`. */
export function isArchived(file: string, dir: string | undefined): boolean {
  return dir !== undefined && file.startsWith(`${dir}/`);
}

/** Why `files` cannot move into `dir`, if so: a bad option, a taken target, or a file that cannot move. */
export function archiveBlocked(ws: Workspace, files: readonly string[], dir: string | undefined): { skipReason: SkipReason; reason: string } | undefined {
  if (dir === undefined) return { skipReason: 'disabled-by-option', reason: 'the `archivePath` option is not a plain folder inside the repository' };
  const taken = files.find((p) => ws.occupied(`${dir}/${p}`));
  if (taken !== undefined) return { skipReason: 'ambiguous-target', reason: `\`${dir}/${taken}\` already exists` };
  const stuck = files.find((p) => !ws.isMovable(p));
  if (stuck !== undefined) return { skipReason: 'not-editable', reason: `\`${stuck}\` cannot be moved (a symbolic link or a special file)` };
  return undefined;
}

export interface ArchiveRequest {
  /** The archive folder (from archiveDir). */
  dir: string;
  /** The files to move, repository-relative; each lands at `${dir}/${file}`. */
  files: readonly string[];
  /** Text files whose majority line ending the note takes (never the moved files: they may be binary). */
  eolFrom: readonly string[];
  /** The note's title and the paragraph before the list of moved files. */
  title: string;
  why: readonly string[];
  /** One line per moved group, already formatted (`- \`old.db\` (with …)`). */
  listed: readonly string[];
  /** The closing advice. */
  after: string;
}

/** One `review` fix that moves every file into the archive folder, with the note when the folder has none. */
export function archiveMoveFix(ws: Workspace, req: ArchiveRequest): Fix {
  const creates = [];
  if (!ws.occupied(`${req.dir}/${ARCHIVE_NOTE}`)) {
    const eol = majorityLineEnding(ws, [...req.eolFrom]);
    creates.push({
      file: `${req.dir}/${ARCHIVE_NOTE}`,
      content: [`# ${req.title}`, '', ...req.why, '', ...req.listed, '', req.after, ''].join(eol),
    });
  }
  return {
    safety: 'review',
    description: `move ${req.files.map((f) => `\`${f}\``).join(', ')} to \`${req.dir}/\``,
    edits: [],
    moves: req.files.map((f) => ({ from: f, to: `${req.dir}/${f}` })),
    ...(creates.length ? { creates } : {}),
  };
}
