// Child process for the shutdown tests: registers a cleanup that removes a temp file, then waits for a signal.
import { closeSync, openSync, rmSync } from 'node:fs';
import { createLogger } from '../../src/core/logger.ts';
import { installShutdownHandlers, onInterrupt } from '../../src/core/shutdown.ts';

const tempFile = process.argv[2];
if (tempFile === undefined) throw new Error('usage: interruptible.ts TEMP_FILE');
const log = createLogger({ level: 'info', pretty: false });
installShutdownHandlers({
  onSignal: (signal) => {
    log.warn({ event: 'interrupted', signal }, `interrupted by ${signal}`);
  },
});
closeSync(openSync(tempFile, 'w'));
onInterrupt(() => {
  rmSync(tempFile, { force: true });
});
process.stdout.write('ready\n');
setInterval(() => undefined, 1000);
