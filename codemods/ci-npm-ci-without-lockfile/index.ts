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

function messageOf(site: InstallSite, others: string[]): string {
  const lockfiles = site.kind === 'setup-node-cache' ? SETUP_NODE_LOCKFILES[site.manager] ?? [] : ACCEPTED_LOCKFILES[site.manager];
  const names = lockfiles.join(', ');
  const there = others.length > 0 ? `; there is ${others.join(', ')}` : '';
  switch (site.kind) {
    case 'setup-node-cache':
      return site.dependencyPath !== undefined
        ? `actions/setup-node (${site.where}) caches by \`cache-dependency-path: ${site.dependencyPath}\`, which matches no file: the step fails`
        : `actions/setup-node (${site.where}) has \`${site.command}\`, which needs a lockfile in the repository root (${names}), and there is none: the step fails`;
    case 'workflow-run':
      return `\`${site.command}\` (${site.where}) runs in ${dirName(site.dir)}, where no ${site.manager} lockfile (${names}) exists: it fails without one${there}`;
    case 'dockerfile-run':
      return `\`${site.command}\` (${site.where}) installs the package copied from ${dirName(site.dir)}, but no ${site.manager} lockfile (${names}) is copied in with it${there === '' ? '' : `${there} in the repository`}: the build fails`;
    case 'package-script':
      return `\`${site.command}\` (${site.where}) runs in ${dirName(site.dir)}, where no ${site.manager} lockfile (${names}) exists: it fails without one${there}`;
  }
}

export const rule: Rule = {
  meta: {
    id: 'ci-npm-ci-without-lockfile',
    seedIds: ['1.9'],
    summary: 'npm ci / frozen-lockfile installs and setup-node caches where no lockfile covers the directory; report (option: review fix).',
    defaultSeverity: 'error',
    fixable: 'review',
  },
  async check({ workspace, facts, options }) {
    const mode = (FIX_MODES as readonly unknown[]).includes(options.fix) ? (options.fix as FixMode) : 'none';
    const findings: RawFinding[] = [];
    for (const site of installSites(workspace, facts)) {
      const others = site.kind === 'setup-node-cache' ? [] : otherLockfiles(workspace, site.dir, site.manager).map((o) => `\`${o.file}\``);
      const outcome = fixFor(workspace, site, mode);
      let message = messageOf(site, others);
      if (!outcome.fix && outcome.reason) message += ` (no fix: ${outcome.reason})`;
      findings.push({ file: site.file, offset: site.offset, key: site.key, message, fix: outcome.fix });
    }
    return findings;
  },
};
