import { spawnSync } from 'node:child_process';

/** What a finished child process gave back. */
export interface ChildResult {
  status: number | null;
  signal: NodeJS.Signals | null;
  error?: Error;
  stdout: Buffer;
  stderr: Buffer;
}

/** Runs this Node binary with `args`, feeding `input` on stdin, and waits (blocking) for its output. */
export function runNodeSync(args: readonly string[], input: Buffer): ChildResult {
  const result = spawnSync(process.execPath, args, { input, maxBuffer: 2 ** 31 - 1, stdio: ['pipe', 'pipe', 'pipe'], windowsHide: true });
  return { status: result.status, signal: result.signal, ...(result.error === undefined ? {} : { error: result.error }), stdout: result.stdout, stderr: result.stderr };
}
