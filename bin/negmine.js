#!/usr/bin/env node
// Thin entry: runs the compiled CLI in dist/ and sets the exit code it returns.
import v8 from 'node:v8';

// V8 lets its old generation grow to 2-4x the live size before a full collection; reading a 1M-passage corpus left
// ~200 MiB of garbage resident that way. Growing 30% per step bounds it (docs/benchmarks.md, "Reading memory").
// A --heap-growing-percent given in NODE_OPTIONS or on the node command line wins.
if (![...process.execArgv, process.env.NODE_OPTIONS ?? ''].some((arg) => arg.includes('heap-growing-percent'))) v8.setFlagsFromString('--heap-growing-percent=30');
let cli;
try {
  cli = await import('../dist/cli/main.js');
} catch (error) {
  if (error?.code === 'ERR_MODULE_NOT_FOUND' && String(error.message).includes('dist/cli/main.js')) {
    process.stderr.write("negmine: error: dist/ is missing; run 'npm run build' (or 'npm run setup') in the negmine folder\n");
    process.exit(1);
  }
  throw error;
}
process.exitCode = await cli.main(process.argv.slice(2));
