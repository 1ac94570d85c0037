import type { RawFinding } from '../../src/model/types.js';
import type { Rule } from '../../src/model/rule.js';
import { configFolders, conventionFile, conventionFolder, readsOf, type Read } from './detect.js';
import { archiveBlocked, archiveDir, isArchived } from '../../src/fixes/archive.js';
import { archiveFix, type Unread } from './fix.js';

/**
 * Files in the repository's config folders that nothing reads (seed 2.11): no code, test,
 * script, workflow, Dockerfile, compose file, other config or doc names them by path, name or
 * stem, or matches them with a glob, a template or a read of the whole folder. Such a file
 * goes stale and becomes a second truth ("is this canonical?").
 *
 * Precision first. A folder is judged only when the repository reads it by explicit names (at
 * least one other file of it is named somewhere), so a folder that a framework loads by
 * convention, or that nothing names at all, says nothing; Rails and node-config folders are
 * left out; every doubt (the stem in quotes, the folder beside a glob) counts as a read.
 */
export const rule: Rule = {
  meta: {
    id: 'config-unreferenced',
    seedIds: ['2.11'],
    summary: 'A file in a config folder that no code, test, script, workflow, Dockerfile, compose file or doc reads (by path, name, stem or glob), while its siblings are read: wire, archive or document it.',
    defaultSeverity: 'warning',
    fixable: 'review',
    options: {
      archivePath: {
        type: 'string',
        default: 'archive/unused-config',
        description: 'The folder the review fix moves unread files into (their repository-relative paths kept), with an ARCHIVED.md; files already under it are not judged.',
      },
      folders: {
        type: 'array',
        items: { type: 'string' },
        default: ['config', 'configs', 'conf', 'settings', 'configuration', 'cfg'],
        description: 'Config folders: a name matches a folder of that name at any depth; a path with `/` (`app/conf`) names one folder.',
      },
      extensions: {
        type: 'array',
        items: { type: 'string' },
        default: ['yaml', 'yml', 'json', 'toml', 'ini', 'cfg', 'conf', 'properties'],
        description: 'The extensions of the data files judged (code in a config folder, such as `settings.py`, is imported, not read).',
      },
      ignore: {
        type: 'array',
        items: { type: 'string' },
        default: [],
        description: 'Globs of files never reported (for example files kept for future use on purpose).',
      },
    },
    messages: {
      unreferenced: '`{{file}}` is read by nothing: no code, test, script, workflow, Dockerfile, compose file or doc names it (by path, name or stem) or matches it with a glob, while {{readCount}} of the {{siblings}} other files in `{{folder}}/` are read ({{index}}); wire it, archive it (review: move it to `{{archive}}/`), or document it as future-only',
      unreferencedNoFix: '`{{file}}` is read by nothing: no code, test, script, workflow, Dockerfile, compose file or doc names it (by path, name or stem) or matches it with a glob, while {{readCount}} of the {{siblings}} other files in `{{folder}}/` are read ({{index}}); wire it, archive it, or document it as future-only (no fix: {{reason}})',
    },
  },
  async check({ workspace, options }) {
    const dir = archiveDir(options.archivePath);
    const folders = configFolders(workspace, options.folders as string[], options.extensions as string[], options.ignore as string[])
      .filter((f) => !isArchived(`${f.dir}/`, dir))
      .filter((f) => f.files.length >= 2 && !conventionFolder(workspace, f));
    if (!folders.length) return [];
    const reads = readsOf(workspace, folders);
    const unread: Unread[] = [];
    for (const folder of folders) {
      // Evidence that this folder is read by names: a sibling named by a consumer.
      const outside = (r: Read): boolean => !r.consumer.startsWith(`${folder.dir}/`);
      const named = folder.files.filter((p) => (reads.get(p) ?? []).some((r) => outside(r) && (r.kind === 'path' || r.kind === 'name')));
      if (!named.length) continue;
      for (const file of folder.files) {
        if ((reads.get(file) ?? []).length || conventionFile(file)) continue;
        const read = folder.files.filter((p) => p !== file && (reads.get(p) ?? []).length);
        unread.push({ file, index: consumerIndex(read, reads), folder: folder.dir, readCount: read.length, siblings: folder.files.length - 1 });
      }
    }
    // One review fix moves every unread file that can move (their findings share it, and one note lists them).
    const why = new Map(unread.map((u) => [u.file, archiveBlocked(workspace, [u.file], dir)]));
    const movable = unread.filter((u) => !why.get(u.file));
    const fix = movable.length && dir !== undefined ? archiveFix(workspace, movable, dir) : null;
    const findings: RawFinding[] = unread.map((u) => {
      const withheld = why.get(u.file);
      return {
        file: u.file,
        offset: 0,
        key: u.file,
        wholeFile: true,
        messageId: withheld ? 'unreferencedNoFix' : 'unreferenced',
        data: { file: u.file, folder: u.folder, readCount: u.readCount, siblings: u.siblings, index: u.index, archive: dir ?? String(options.archivePath), ...(withheld ? { reason: withheld.reason } : {}) },
        fix: withheld ? null : fix,
        ...(withheld ? { skipReason: withheld.skipReason } : {}),
      };
    });
    return findings;
  },
};

const MAX_FILES = 4;
const MAX_CONSUMERS = 2;

/** `models.yaml ← src/app/llm.py, tests/test_llm.py (+1)`: which consumer reads which sibling. */
function consumerIndex(files: readonly string[], reads: ReadonlyMap<string, readonly Read[]>): string {
  const parts = files.slice(0, MAX_FILES).map((p) => {
    const list = reads.get(p) ?? [];
    const shown = list.slice(0, MAX_CONSUMERS).map((r) => (r.kind === 'path' || r.kind === 'name' ? r.consumer : `${r.consumer} (${r.kind})`));
    return `${p.slice(p.lastIndexOf('/') + 1)} ← ${shown.join(', ')}${list.length > MAX_CONSUMERS ? ` (+${list.length - MAX_CONSUMERS})` : ''}`;
  });
  return `${parts.join('; ')}${files.length > MAX_FILES ? `; +${files.length - MAX_FILES} more` : ''}`;
}
