/**
 * The fix config-unreferenced offers: `review`, move the unread files into the archive folder
 * (their repository-relative path kept, so `config/tools.yaml` lands at
 * `archive/unused-config/config/tools.yaml`) with a note saying where they were and why. Review
 * class: whether a file is dead, future-only or read by something outside the repository (a
 * deploy system, another repository) is the maintainers' call (seed 2.11); the move is the
 * "archive it" branch of the analysis, never a deletion. The note carries the consumer index, the
 * "config index" the analysis asks for.
 */
import type { Fix } from '../../src/model/types.js';
import type { Workspace } from '../../src/workspace/workspace.js';
import { archiveMoveFix } from '../../src/fixes/archive.js';

export interface Unread {
  file: string;
  folder: string;
  readCount: number;
  siblings: number;
  /** `models.yaml ← src/app/llm.py` for the siblings that are read. */
  index: string;
}

export function archiveFix(ws: Workspace, unread: readonly Unread[], dir: string): Fix {
  return archiveMoveFix(ws, {
    dir,
    files: unread.map((u) => u.file),
    eolFrom: unread.map((u) => u.file),
    title: 'Archived configuration',
    why: [
      'Nothing in the repository read these configuration files when they were moved here: no code,',
      'test, script, workflow, Dockerfile, compose file or doc named them, by path, name, stem or glob,',
      'while other files of their folders were read (seed 2.11 of the gap analysis). They were moved,',
      'not deleted, so that one folder holds only the configuration that is consumed:',
    ],
    listed: [
      ...unread.map((u) => `- \`${u.file}\``),
      '',
      'What reads the files that stayed (the config index):',
      '',
      ...[...new Map(unread.map((u) => [u.folder, u.index])).entries()].map(([folder, index]) => `- \`${folder}/\`: ${index}`),
    ],
    after: 'Wire a file back where it belongs if something outside the repository reads it, or delete it once nobody needs it.',
  });
}
