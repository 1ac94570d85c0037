import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';
import { testCacheDir } from './tests/helpers/test-cache-dir.js';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    // Generous, for slow or loaded CI machines; no test is meant to come near it (the slowest
    // take a few seconds). Golden cases copy fixtures into temp git repos.
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // One process per test file, and the tests of a file run one after another: the in-process
    // CLI runner (tests/helpers/cli.ts) changes cwd and process.env for the length of a call,
    // which is safe only so. Do not switch to threads or make tests concurrent.
    pool: 'forks',
    // Vitest's default is one worker fewer than the cores: a single worker on a 2-core machine.
    // Much of the suite waits on git and child processes, so two files at a time keep both
    // cores busy.
    maxWorkers: Math.max(2, availableParallelism() - 1),
    // The CLI's cache (src/cache/pass-cache.ts) goes to the temp folder, not the home of the
    // machine running the tests; tests that check the default location set their own. The
    // global setup removes it when the run ends.
    env: { AUTOPACK_FIX_CACHE_DIR: testCacheDir() },
    globalSetup: ['tests/helpers/global-setup.ts'],
  },
});
