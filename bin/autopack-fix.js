#!/usr/bin/env node
import { statSync } from 'node:fs';

// The bundle of the compiled code (scripts/bundle-cli.mjs, the last step of `npm run build`) loads
// in a third of the time of the some 340 modules it holds. It runs only when it is not older than
// dist/src/cli/main.js, which every run of tsc writes: a bundle older than the compiled code is
// never run, and the compiled modules are. (npm gives every file of a packed package one time,
// so there the two are equal.)
const compiled = new URL('../dist/src/cli/main.js', import.meta.url);
const bundled = new URL('../dist/bundle/cli/main.js', import.meta.url);
const builtAt = (file) => {
  try {
    return statSync(file).mtimeMs;
  } catch {
    return -1;
  }
};
const { runProgram } = await import((builtAt(bundled) >= Math.max(0, builtAt(compiled)) ? bundled : compiled).href);
await runProgram(process.argv.slice(2));
