import type { Fix, SkipReason } from '../../src/model/types.js';
import type { Workspace } from '../../src/workspace/workspace.js';
import { archiveBlocked, archiveMoveFix } from '../../src/fixes/archive.js';
import type { StrayDatabase } from './detect.js';

/** Why a stray cannot be moved into `dir`, if so. */
export function blocked(ws: Workspace, stray: StrayDatabase, dir: string | undefined): { skipReason: SkipReason; reason: string } | undefined {
  return archiveBlocked(ws, [stray.file, ...stray.companions].map((f) => f.path), dir);
}

/**
 * One `review` fix for every stray that can move (their findings share it): each database with
 * its companions moves into the archive folder byte for byte (the engine's moves never overwrite
 * and never delete), and a note there says where they came from, when the folder has none.
 */
export function archiveFix(ws: Workspace, strays: readonly StrayDatabase[], dir: string, configured: ReadonlyArray<{ name: string; at: { file: string } }>): Fix {
  const fix = archiveMoveFix(ws, {
    dir,
    files: strays.flatMap((s) => [s.file, ...s.companions]).map((f) => f.path),
    // The line ending of the files that configure the database (never the databases themselves: they are not text).
    eolFrom: configured.map((c) => c.at.file),
    title: 'Archived databases',
    why: [
      `These database files sat at the repository root beside ${configured.map((c) => `\`${c.name}\``).join(', ')}, which the`,
      'configuration names, and nothing in the repository named them (seed 2.4 of the gap analysis).',
      'They were moved here, not deleted:',
    ],
    listed: strays.map((s) => `- \`${s.file.path}\`${s.companions.length ? ` (with ${s.companions.map((c) => `\`${c.path}\``).join(', ')})` : ''}`),
    after: 'Delete them once nobody needs their data.',
  });
  return { ...fix, description: `move ${strays.map((s) => `\`${s.file.path}\``).join(', ')} to \`${dir}/\`` };
}
