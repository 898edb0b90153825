import { spawn, spawnSync } from 'node:child_process';

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

/** Runs this Node binary with `args`, feeding `input` on stdin, without blocking; killed (SIGKILL) after timeoutMs. */
export function runNode(args: readonly string[], input: Buffer, timeoutMs: number): Promise<ChildResult> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { stdio: ['pipe', 'pipe', 'pipe'], windowsHide: true });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
    let failure: Error | undefined;
    child.on('error', (error) => {
      failure = error;
    });
    child.on('close', (status, signal) => {
      clearTimeout(timer);
      resolve({ status, signal, ...(failure === undefined ? {} : { error: failure }), stdout: Buffer.concat(stdout), stderr: Buffer.concat(stderr) });
    });
    child.stdin.on('error', () => {
      // The child may exit before reading its input (e.g. it failed to start); its close event says why.
    });
    child.stdin.end(input);
  });
}
