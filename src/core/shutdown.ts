import { EXIT_CODES } from './errors.ts';

type Cleanup = () => void;

const cleanups = new Set<Cleanup>();
const drains = new Set<() => Promise<void>>();
let interrupted = false;

// Longest wait for native work (a model batch) to finish after a signal before exiting anyway.
const DRAIN_TIMEOUT_MS = 10_000;

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

/**
 * Registers work to stop before an interrupted process exits: e.g. a worker thread inside onnxruntime's run(),
 * which aborts the process (exit 134) if process.exit() tears it down mid-call. Returns an unregister function.
 */
export function onInterruptAsync(drain: () => Promise<void>): () => void {
  drains.add(drain);
  return () => {
    drains.delete(drain);
  };
}

/** True once SIGINT/SIGTERM arrived: pending model work must neither fail nor report, only stop. */
export function isInterrupted(): boolean {
  return interrupted;
}

async function runDrains(): Promise<void> {
  const pending = [...drains].map(async (drain) => drain());
  drains.clear();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, DRAIN_TIMEOUT_MS);
  });
  await Promise.race([Promise.allSettled(pending), timeout]);
  clearTimeout(timer);
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
 * Installs process-wide handlers: SIGINT/SIGTERM run cleanups, stop registered native work (onInterruptAsync), run
 * cleanups registered meanwhile and exit 130 (a second signal exits at once);
 * EPIPE on stdout (`negmine ... | head -1`) runs cleanups and ends quietly with exit 0.
 */
export function installShutdownHandlers(hooks: ShutdownHooks = {}): void {
  if (installed) return;
  installed = true;
  let signalled = false;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (signalled) process.exit(EXIT_CODES.interrupted);
    signalled = true;
    interrupted = true;
    hooks.onSignal?.(signal);
    runCleanups();
    void runDrains().then(() => {
      runCleanups();
      process.exit(EXIT_CODES.interrupted);
    });
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
