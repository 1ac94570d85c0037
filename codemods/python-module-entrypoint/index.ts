import type { RawFinding } from '../../src/model/types.js';
import type { Rule } from '../../src/model/rule.js';
import { mainModuleFinding, packagesWithCli, scriptsFinding } from './detect.js';

/**
 * Seed 1.13: the package has a command line (`<pkg>.cli`: argparse `main`, a click group, a
 * Typer app), but `python -m <pkg>` runs a `__main__.py` that has nothing to do with it (a demo
 * left behind), and the project installs no command for it.
 */
export const rule: Rule = {
  meta: {
    id: 'python-module-entrypoint',
    seedIds: ['1.13'],
    summary: '`python -m <pkg>` runs a __main__.py unrelated to the package CLI, or pyproject.toml declares no command for it → a delegate (review) and a [project.scripts] entry (safe).',
    defaultSeverity: 'warning',
    fixable: 'safe',
    messages: {
      unrelatedMain: '`python -m {{pkg}}` runs this `__main__.py`, which neither imports the package nor reads a command line, while the package\'s CLI is {{cli}}{{tail}}',
      noScripts: 'The project installs package `{{pkg}}` but declares no command in [{{table}}], while its CLI is {{cli}}{{tail}}',
    },
  },
  async check(ctx) {
    const findings: RawFinding[] = [];
    for (const pkg of await packagesWithCli(ctx)) {
      const main = await mainModuleFinding(ctx, pkg);
      if (main) findings.push(main);
      const scripts = scriptsFinding(ctx, pkg);
      if (scripts) findings.push(scripts);
    }
    return findings;
  },
};
