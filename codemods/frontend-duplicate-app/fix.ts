import type { Fix, SkipReason } from '../../src/model/types.js';
import type { Workspace } from '../../src/workspace/workspace.js';
import { majorityLineEnding } from '../../src/facts/files.js';
import { archiveName, type NestedApp } from './detect.js';

export interface ArchiveOutcome {
  fix: Fix | null;
  skipReason?: SkipReason;
  /** Why there is no fix, in words, for the message. */
  reason: string;
}

/** Where archived apps go, as the gap analysis names it. */
export const ARCHIVE_ROOT = 'archive/experiments';

/**
 * The fix the seed asks for: `git mv <app> archive/experiments/<name>/` with an ARCHIVED.md,
 * `review` class (which UI is canonical is a product decision). It is withheld whenever the
 * move would leave something dangling: a reference in CI, a Dockerfile, compose, a Makefile, a
 * package.json script or the docs (repointing those would change what is built or shipped, so
 * the tool does not guess), or code and packaging files that name the app's folder (a backend
 * that serves its build, package data). It is also withheld when a file of the app cannot be
 * moved (a symbolic link) or the archive folder is taken. Files git ignores (node_modules/,
 * dist/) are not files of the workspace and stay where they are.
 */
export function archiveOutcome(ws: Workspace, nested: NestedApp): ArchiveOutcome {
  if (nested.references.length > 0) {
    return { fix: null, skipReason: 'other-consumers', reason: 'moving it would leave these references dangling; repoint or remove them in the same change' };
  }
  if (nested.codeReferences.length > 0) {
    const where = nested.codeReferences.slice(0, 3).map((r) => `\`${r.file}:${r.line}\``).join(', ');
    return { fix: null, skipReason: 'other-consumers', reason: `code or packaging names its folder (${where}${nested.codeReferences.length > 3 ? ', …' : ''}); moving it would break them` };
  }
  const name = archiveName(nested);
  const target = `${ARCHIVE_ROOT}/${name}`;
  if (ws.occupied(target)) return { fix: null, skipReason: 'ambiguous-target', reason: `\`${target}\` already exists` };
  const files = ws.paths.filter((p) => p.startsWith(`${nested.app.dir}/`));
  if (files.includes(`${nested.app.dir}/ARCHIVED.md`)) return { fix: null, skipReason: 'ambiguous-target', reason: `the app already has an ARCHIVED.md` };
  const stuck = files.find((p) => !ws.isMovable(p));
  if (stuck !== undefined) return { fix: null, skipReason: 'not-editable', reason: `\`${stuck}\` cannot be moved (a symbolic link or a special file)` };
  const eol = majorityLineEnding(ws, files);
  const others = nested.others.map((o) => `\`${o.app.dir === '' ? '.' : o.app.dir}\``).join(', ');
  const note = [
    `# Archived: ${name}`,
    '',
    `This ${nested.app.bundler} app was \`${nested.app.dir}/\`, inside the Python package \`${nested.pythonPackage}\`,`,
    `beside the product's frontend ${others}. Two UIs for one product are two truths for CI, images`,
    'and docs, so it was moved here (seed 1.3 of the gap analysis). Nothing in CI, Dockerfiles,',
    'compose files, Makefiles, package.json scripts, docs or code referenced it when it was moved.',
    '',
    'Port what is still needed to the canonical app, then delete this folder. Files git ignored',
    `(node_modules/, build output) were left in \`${nested.app.dir}/\`: delete them there.`,
    '',
  ].join(eol);
  return {
    fix: {
      safety: 'review',
      description: `move \`${nested.app.dir}/\` to \`${target}/\` with an ARCHIVED.md`,
      edits: [],
      creates: [{ file: `${target}/ARCHIVED.md`, content: note }],
      moves: files.map((p) => ({ from: p, to: `${target}/${p.slice(nested.app.dir.length + 1)}` })),
    },
    reason: '',
  };
}
