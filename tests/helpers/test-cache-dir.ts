import { tmpdir } from 'node:os';
import path from 'node:path';

/**
 * Where the CLI's cache goes during a test run (vitest.config.ts sets AUTOPACK_FIX_CACHE_DIR to
 * it), one folder per run of vitest: the temp folder, not the home of the machine running the
 * tests. Named by the vitest process, which loads the config and runs the global setup.
 */
export function testCacheDir(pid: number = process.pid): string {
  return path.join(tmpdir(), `autopack-fix-test-cache-${pid}`);
}
