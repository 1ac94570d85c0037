import { rmSync } from 'node:fs';
import { testCacheDir } from './test-cache-dir.js';

/** The run's cache folder is removed when the run ends (each run of vitest made one and left it). */
export default function setup(): () => void {
  return () => rmSync(testCacheDir(), { recursive: true, force: true });
}
