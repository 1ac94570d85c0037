#!/usr/bin/env node
import { main } from '../dist/src/cli/main.js';

// A reader that stops early (`autopack-fix list-rules | head -3`) closes the pipe: end as a C
// program ended by SIGPIPE would (exit 141), without a stack trace.
process.stdout.on('error', (error) => {
  if (error.code === 'EPIPE') process.exit(141);
  throw error;
});

process.exitCode = await main(process.argv.slice(2));
