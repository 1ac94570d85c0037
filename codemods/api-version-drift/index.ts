import type { RawFinding } from '../../src/model/types.js';
import type { Rule } from '../../src/model/rule.js';
import { detectVersionDrift } from './detect.js';
import { mayReturnVersion } from './surface.js';

/**
 * Seed 2.5: a route returns a release number written as a literal (`"version": "0.1.0"`) in a
 * module that has the package version at hand (`__version__`, `importlib.metadata.version`, the
 * FastAPI app's `version=`), and the two disagree. The fix returns the name instead, so the two
 * cannot part again.
 */
export const rule: Rule = {
  meta: {
    id: 'api-version-drift',
    seedIds: ['2.5'],
    summary: 'A route returns a version literal that disagrees with the package version the module has at hand; return the name instead.',
    defaultSeverity: 'warning',
    fixable: 'safe',
    messages: {
      drift: '`{{handler}}`{{route}} returns version `{{literal}}`, but this module\'s {{source}} is `{{version}}` (from {{from}}){{tail}}',
    },
  },
  async check(ctx) {
    const findings: RawFinding[] = [];
    for (const p of ctx.workspace.paths) {
      if (!p.endsWith('.py')) continue;
      const file = ctx.workspace.probe(p);
      // Cheap before the parse: a route handler that returns a "version" key spells it as a string.
      if (!file || !mayReturnVersion(file.text)) continue;
      findings.push(...(await detectVersionDrift(ctx, p)));
    }
    return findings;
  },
};
