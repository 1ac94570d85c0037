import type { RawFinding } from '../../src/model/types.js';
import type { Rule } from '../../src/model/rule.js';
import { ACCEPTED_LOCKFILES } from './install.js';
import { installSites, otherLockfiles, SETUP_NODE_LOCKFILES, type InstallSite } from './detect.js';
import { fixFor, type FixMode } from './fix.js';

/**
 * A locked install (`npm ci`, `yarn install --frozen-lockfile`, …) or setup-node's lockfile
 * cache, in a directory no lockfile of that manager covers: the step fails on a clean runner
 * (seed 1.9: the root frontend job runs `npm ci`, and the only package-lock.json belongs to
 * another package). Report-only by default; option `fix` offers a `review` fix.
 */
const FIX_MODES: readonly FixMode[] = ['none', 'switch-manager', 'working-directory'];

function dirName(dir: string): string {
  return dir === '' ? 'the repository root' : `\`${dir}\``;
}

function messageOf(site: InstallSite, others: string[], noFix: string): { messageId: string; data: Record<string, string> } {
  const lockfiles = (site.kind === 'setup-node-cache' ? SETUP_NODE_LOCKFILES[site.manager] ?? [] : ACCEPTED_LOCKFILES[site.manager]).join(', ');
  const there = others.length > 0 ? `; there is ${others.join(', ')}${site.kind === 'dockerfile-run' ? ' in the repository' : ''}` : '';
  const base = { where: site.where, command: site.command, manager: site.manager, lockfiles, dir: dirName(site.dir), there, noFix };
  switch (site.kind) {
    case 'setup-node-cache':
      return site.dependencyPath !== undefined ? { messageId: 'setupNodeNoMatch', data: { ...base, dependencyPath: site.dependencyPath } } : { messageId: 'setupNodeNoLockfile', data: base };
    case 'dockerfile-run':
      return { messageId: 'dockerfileRun', data: base };
    default:
      return { messageId: 'installRun', data: base };
  }
}

export const rule: Rule = {
  meta: {
    id: 'ci-npm-ci-without-lockfile',
    seedIds: ['1.9'],
    summary: 'npm ci / frozen-lockfile installs and setup-node caches where no lockfile covers the directory; report (option: review fix).',
    defaultSeverity: 'error',
    fixable: 'review',
    messages: {
      setupNodeNoLockfile: 'actions/setup-node ({{where}}) has `{{command}}`, which needs a lockfile in the repository root ({{lockfiles}}), and there is none: the step fails{{noFix}}',
      setupNodeNoMatch: 'actions/setup-node ({{where}}) caches by `cache-dependency-path: {{dependencyPath}}`, which matches no file: the step fails{{noFix}}',
      installRun: '`{{command}}` ({{where}}) runs in {{dir}}, where no {{manager}} lockfile ({{lockfiles}}) exists: it fails without one{{there}}{{noFix}}',
      dockerfileRun: '`{{command}}` ({{where}}) installs the package copied from {{dir}}, but no {{manager}} lockfile ({{lockfiles}}) is copied in with it{{there}}: the build fails{{noFix}}',
    },
    options: {
      fix: {
        enum: ['none', 'switch-manager', 'working-directory'],
        description: 'The review fix to offer: none (report only), switch-manager (the locked install of the manager whose lockfile is there; yarn only), working-directory (run the job in the one package that has the lockfile).',
        default: 'none',
      },
    },
  },
  async check({ workspace, facts, options }) {
    const mode = (FIX_MODES as readonly unknown[]).includes(options.fix) ? (options.fix as FixMode) : 'none';
    const findings: RawFinding[] = [];
    for (const site of await installSites(workspace, facts)) {
      const others = site.kind === 'setup-node-cache' ? [] : otherLockfiles(workspace, site.dir, site.manager).map((o) => `\`${o.file}\``);
      const outcome = fixFor(workspace, site, mode);
      const noFix = !outcome.fix && outcome.reason ? ` (no fix: ${outcome.reason})` : '';
      const { messageId, data } = messageOf(site, others, noFix);
      findings.push({ file: site.file, offset: site.offset, key: site.key, messageId, data, fix: outcome.fix, ...(outcome.fix ? {} : { skipReason: outcome.skipReason ?? 'disabled-by-option' }) });
    }
    return findings;
  },
};
