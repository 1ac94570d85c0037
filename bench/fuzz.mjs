#!/usr/bin/env node
// The property suite (tests/property.test.ts) with a large count: `npm run fuzz` or
// `node bench/fuzz.mjs [runs-per-rule]` (default 2000). Extra env (PROPERTY_RULE, PROPERTY_SEED,
// PROPERTY_PATH) passes through, so a printed failure replays with the same command.
import { spawnSync } from 'node:child_process';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const runs = process.argv[2] ?? process.env.PROPERTY_RUNS ?? '2000';
const r = spawnSync(process.execPath, [path.join(root, 'node_modules', 'vitest', 'vitest.mjs'), 'run', 'tests/property.test.ts'], {
  cwd: root,
  stdio: 'inherit',
  env: { ...process.env, PROPERTY_RUNS: String(runs), NO_COLOR: process.env.NO_COLOR ?? '1' },
});
process.exit(r.status ?? 1);
