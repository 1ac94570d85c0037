import type { Fix, SkipReason } from '../../src/model/types.js';
import type { Workspace } from '../../src/workspace/workspace.js';
import { majorityLineEnding } from '../../src/facts/files.js';
import type { StrayDatabase } from './detect.js';

/** The note written into the archive folder when it has none. */
export const NOTE = 'ARCHIVED.md';

/** The archive folder as a plain root-relative path, or undefined when the option is not one. */
export function archiveDir(option: unknown): string | undefined {
  if (typeof option !== 'string') return undefined;
  const dir = option.replace(/^\.\/+/, '').replace(/\/+$/, '');
  return dir !== '' && !dir.startsWith('/') && dir.split('/').every((s) => s !== '' && s !== '.' && s !== '..') && !dir.includes('\\') ? dir : undefined;
}

/** Why a stray cannot be moved into `dir`, if so. */
export function blocked(ws: Workspace, stray: StrayDatabase, dir: string | undefined): { skipReason: SkipReason; reason: string } | undefined {
  if (dir === undefined) return { skipReason: 'disabled-by-option', reason: 'the `archivePath` option is not a plain folder inside the repository' };
  const taken = [stray.file, ...stray.companions].map((f) => f.path).find((p) => ws.occupied(`${dir}/${p}`));
  if (taken !== undefined) return { skipReason: 'ambiguous-target', reason: `\`${dir}/${taken}\` already exists` };
  return undefined;
}

/**
 * One `review` fix for every stray that can move (their findings share it): each database with
 * its companions moves into the archive folder byte for byte (the engine's moves never overwrite
 * and never delete), and a note there says where they came from, when the folder has none.
 */
export function archiveFix(ws: Workspace, strays: readonly StrayDatabase[], dir: string, configured: ReadonlyArray<{ name: string; at: { file: string } }>): Fix {
  const moves = strays.flatMap((s) => [s.file, ...s.companions]).map((f) => ({ from: f.path, to: `${dir}/${f.path}` }));
  const creates = [];
  if (!ws.occupied(`${dir}/${NOTE}`)) {
    // The line ending of the files that configure the database (never the databases themselves: they are not text).
    const eol = majorityLineEnding(ws, configured.map((c) => c.at.file));
    const listed = strays.map((s) => `- \`${s.file.path}\`${s.companions.length ? ` (with ${s.companions.map((c) => `\`${c.path}\``).join(', ')})` : ''}`);
    creates.push({
      file: `${dir}/${NOTE}`,
      content: [
        '# Archived databases',
        '',
        `These database files sat at the repository root beside ${configured.map((c) => `\`${c.name}\``).join(', ')}, which the`,
        'configuration names, and nothing in the repository named them (seed 2.4 of the gap analysis).',
        'They were moved here, not deleted:',
        '',
        ...listed,
        '',
        'Delete them once nobody needs their data.',
        '',
      ].join(eol),
    });
  }
  return {
    safety: 'review',
    description: `move ${strays.map((s) => `\`${s.file.path}\``).join(', ')} to \`${dir}/\``,
    edits: [],
    moves,
    ...(creates.length ? { creates } : {}),
  };
}
