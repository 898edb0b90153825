#!/usr/bin/env node
// Thin entry: runs the compiled CLI in dist/ and sets the exit code it returns.
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
