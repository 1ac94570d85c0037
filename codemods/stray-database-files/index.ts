import type { RawFinding } from '../../src/model/types.js';
import type { Rule } from '../../src/model/rule.js';
import { strayDatabases } from './detect.js';
import { archiveDir } from '../../src/fixes/archive.js';
import { archiveFix, blocked } from './fix.js';

const MAX_LISTED = 3;

/**
 * Database files at the root that nothing names, beside the one the configuration names (seed
 * 2.4): leftovers of tests and experiments that look like the live database. The fix (review)
 * moves them to the archive folder; nothing is ever deleted.
 */
export const rule: Rule = {
  meta: {
    id: 'stray-database-files',
    seedIds: ['2.4'],
    summary: 'Database files (*.db, *.sqlite*) at the root that nothing names, beside the one the configuration names, untracked ones included; review: move them to the archive folder.',
    defaultSeverity: 'warning',
    fixable: 'review',
    options: {
      archivePath: {
        type: 'string',
        description: 'The folder (relative to the root) that stray database files are moved to.',
        default: 'archive/databases',
      },
    },
    messages: {
      stray:
        'database file `{{file}}`{{state}} sits at the repository root beside the databases the configuration names ({{configured}}), and nothing in the repository names it: a leftover that looks like the live database; move it to `{{archive}}/`{{companions}}',
      strayNoFix:
        'database file `{{file}}`{{state}} sits at the repository root beside the databases the configuration names ({{configured}}), and nothing in the repository names it: a leftover that looks like the live database (no fix: {{reason}})',
    },
  },
  async check({ workspace, options }) {
    const { configured, strays } = strayDatabases(workspace);
    if (strays.length === 0) return [];
    const dir = archiveDir(options.archivePath);
    const listed = configured.slice(0, MAX_LISTED).map((c) => `\`${c.name}\` (\`${c.at.file}:${c.at.line}\`)`);
    if (configured.length > MAX_LISTED) listed.push(`${configured.length - MAX_LISTED} more`);
    const findings: RawFinding[] = [];
    const why = new Map(strays.map((s) => [s, blocked(workspace, s, dir)]));
    const movable = strays.filter((s) => !why.get(s));
    const fix = movable.length && dir !== undefined ? archiveFix(workspace, movable, dir, configured) : null;
    for (const stray of strays) {
      const withheld = why.get(stray);
      const data: Record<string, string> = {
        file: stray.file.path,
        state: stray.file.listed ? '' : ' (git ignores it)',
        configured: listed.join(', '),
        archive: dir ?? String(options.archivePath),
        companions: stray.companions.length ? ` with ${stray.companions.map((c) => `\`${c.path}\``).join(', ')}` : '',
      };
      if (withheld) data.reason = withheld.reason;
      findings.push({
        file: stray.file.path,
        offset: 0,
        key: `stray:${stray.file.path}`,
        wholeFile: true,
        messageId: withheld ? 'strayNoFix' : 'stray',
        data,
        fix: withheld ? null : fix,
        ...(withheld ? { skipReason: withheld.skipReason } : {}),
      });
    }
    return findings;
  },
};

export default rule;
