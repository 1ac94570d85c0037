/**
 * env-example-missing: which files are config modules (their names are grouped there), and the
 * order of the groups and of the names within one.
 */
import { describe, it, expect } from 'vitest';
import { Workspace } from '../src/workspace/workspace.js';
import { Facts } from '../src/facts/facts.js';
import { rule, isConfigModule } from '../codemods/env-example-missing/index.js';

function created(files: Record<string, string>): Promise<string | undefined> {
  const workspace = Workspace.fromFiles('/repo', files);
  return rule.check({ workspace, facts: new Facts(workspace), options: {} }).then((f) => f[0]?.fix?.creates?.[0]?.content);
}

describe('env-example-missing groups', () => {
  it('tells config modules from code and build tool configs', () => {
    const yes = ['app/config.py', 'src/autopack/config_loader.py', 'app_config.py', 'src/settings.ts', 'core/env.ts', 'settings/base.py', 'src/config/index.ts', 'conf/prod.py', 'app/settings_local.py', 'lib/configuration.js'];
    const no = ['vite.config.ts', 'jest.config.js', 'next.config.mjs', 'src/autopack/configurator.py', 'app/main.py', 'envoy.py', 'reconfig.py', 'config_tests/x.md'];
    expect(yes.filter((p) => !isConfigModule(p))).toEqual([]);
    expect(no.filter((p) => isConfigModule(p))).toEqual([]);
  });

  it('lists each name once, in its most specific place, required names first', async () => {
    const text = await created({
      'README.md': 'Run `cp .env.example .env` first.\n',
      'app/main.py': 'import os\nA = os.getenv("FEATURE_X")\nB = os.environ["APP_DB"]\nC = os.environ["SIGNING_KEY"]\n',
      'app/config.py': 'import os\nDB = os.getenv("APP_DB", "sqlite://")\nQUEUE = os.environ["QUEUE_URL"]\n',
      'scripts/release.py': 'import os\nT = os.environ["GITHUB_TOKEN"]\nR = os.environ["RELEASE_TAG"]\n',
      'tests/test_app.py': 'import os\nX = os.environ["TEST_ONLY"]\n',
    });
    expect(text?.split('\n').filter((l) => l !== '' && !l.startsWith('# Environment') && !l.startsWith('# Generated') && !l.startsWith('# read;') && !l.startsWith('# Names commented'))).toEqual([
      '# app/config.py',
      // Required overall: main.py needs a value, though config.py has a default.
      'APP_DB=',
      'QUEUE_URL=',
      '# app/main.py',
      'SIGNING_KEY=',
      '# FEATURE_X=',
    ]);
  });
});
