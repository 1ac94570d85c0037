import type { RawFinding } from '../../src/model/types.js';
import type { Rule } from '../../src/model/rule.js';
import { archiveName, nestedApps, type NestedApp, type Reference } from './detect.js';
import { archiveOutcome } from './fix.js';

const MAX_LISTED = 6;

function appName(dir: string): string {
  return dir === '' ? '`.` (the repository root)' : `\`${dir}\``;
}

function othersText(nested: NestedApp): string {
  return nested.others.map((o) => `${appName(o.app.dir)} (${o.app.bundler}${o.builtInCi ? ', built in CI' : ''})`).join(', ');
}

function referencesText(refs: readonly Reference[]): string {
  const listed = refs.slice(0, MAX_LISTED).map((r) => `${r.kind} \`${r.file}:${r.line}\``);
  if (refs.length > MAX_LISTED) listed.push(`${refs.length - MAX_LISTED} more`);
  return listed.join(', ');
}

/**
 * More than one frontend app, one of them inside a Python package (seed 1.3): two UIs are two
 * truths for CI, images and docs, and the nested one puts node_modules/ and dist/ under a
 * source folder. The fix (review) moves it under archive/experiments/ when nothing references
 * it; otherwise the finding lists what would be left dangling.
 */
export const rule: Rule = {
  meta: {
    id: 'frontend-duplicate-app',
    seedIds: ['1.3'],
    summary: 'A second frontend app (package.json + bundler config) lives inside a Python package; archive it under archive/experiments/ (review: moved when nothing references it; else the finding lists its references).',
    defaultSeverity: 'warning',
    fixable: 'review',
    messages: {
      referenced:
        'frontend app {{app}} ({{bundler}}{{ci}}) lives inside the Python package `{{pythonPackage}}`, beside {{others}}: two UIs for one product, and build output under a source folder; once the canonical app has its features, `git mv` it to `archive/experiments/{{name}}/` with an ARCHIVED.md. It is referenced by {{references}} (no fix: {{reason}})',
      archivable:
        'frontend app {{app}} ({{bundler}}{{ci}}) lives inside the Python package `{{pythonPackage}}`, beside {{others}}: two UIs for one product, and build output under a source folder; nothing in CI, Dockerfiles, compose files, Makefiles, package.json scripts, docs or code references it, so the fix (review) moves it to `archive/experiments/{{name}}/` with an ARCHIVED.md',
      unreferenced:
        'frontend app {{app}} ({{bundler}}{{ci}}) lives inside the Python package `{{pythonPackage}}`, beside {{others}}: two UIs for one product, and build output under a source folder; once the canonical app has its features, `git mv` it to `archive/experiments/{{name}}/` with an ARCHIVED.md. Nothing in CI, Dockerfiles, compose files, Makefiles, package.json scripts or docs references it (no fix: {{reason}})',
    },
  },
  async check({ workspace, facts }) {
    const findings: RawFinding[] = [];
    for (const nested of nestedApps(workspace, facts)) {
      const outcome = archiveOutcome(workspace, nested);
      const data: Record<string, string> = {
        app: appName(nested.app.dir),
        bundler: nested.app.bundler,
        ci: nested.builtInCi ? ', built in CI' : '',
        pythonPackage: nested.pythonPackage,
        others: othersText(nested),
        name: archiveName(nested),
      };
      if (!outcome.fix) data.reason = outcome.reason;
      if (nested.references.length > 0) data.references = referencesText(nested.references);
      findings.push({
        file: nested.app.manifest,
        offset: 0,
        key: `${nested.app.dir}`,
        wholeFile: true,
        messageId: nested.references.length > 0 ? 'referenced' : outcome.fix ? 'archivable' : 'unreferenced',
        data,
        fix: outcome.fix,
        ...(outcome.skipReason ? { skipReason: outcome.skipReason } : {}),
      });
    }
    return findings;
  },
};

export default rule;
