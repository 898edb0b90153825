import { EXIT_CODES } from './errors.ts';

type Cleanup = () => void;

const cleanups = new Set<Cleanup>();

/**
 * Registers a synchronous cleanup (e.g. removing a temp file) to run if the process is interrupted.
 * Returns a function that unregisters it once the resource is committed or released.
 */
export function onInterrupt(cleanup: Cleanup): () => void {
  cleanups.add(cleanup);
  return () => {
    cleanups.delete(cleanup);
  };
}

function runCleanups(): void {
  for (const cleanup of cleanups) {
    try {
      cleanup();
    } catch {
      // Best effort: one failed cleanup must not keep the others from running.
    }
  }
  cleanups.clear();
}

export interface ShutdownHooks {
  /** Called once with the signal name before cleanups run; used for the "interrupted" log line. */
  onSignal?: (signal: NodeJS.Signals) => void;
  /** Called when stdout's reader goes away (EPIPE). */
  onStdoutClosed?: () => void;
}

let installed = false;

/**
 * Installs process-wide handlers: SIGINT/SIGTERM run cleanups and exit 130 (a second signal exits at once);
 * EPIPE on stdout (`negmine ... | head -1`) runs cleanups and ends quietly with exit 0.
 */
export function installShutdownHandlers(hooks: ShutdownHooks = {}): void {
  if (installed) return;
  installed = true;
  let signalled = false;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (signalled) process.exit(EXIT_CODES.interrupted);
    signalled = true;
    hooks.onSignal?.(signal);
    runCleanups();
    process.exit(EXIT_CODES.interrupted);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
    hooks.onStdoutClosed?.();
    runCleanups();
    process.exit(EXIT_CODES.ok);
  });
}
