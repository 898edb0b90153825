import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const BIN = path.join(REPO_ROOT, 'bin', 'negmine.js');

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Close the read end of stdout before the child writes, as `negmine ... | head -0` would. */
  closeStdout?: boolean;
  stdin?: string;
}

/** stderr without its JSON log lines: what a person reads (the `negmine: error:` line, tables, warnings in text). */
export function plainStderr(result: Pick<RunResult, 'stderr'>): string {
  return result.stderr
    .split('\n')
    .filter((line) => !line.startsWith('{'))
    .join('\n');
}

/** The JSON log events on stderr. */
export function logEvents(result: Pick<RunResult, 'stderr'>): Record<string, unknown>[] {
  return result.stderr
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

/** Spawns a command and collects its output and exit status. */
export function runProcess(command: string, args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd ?? REPO_ROOT,
      env: { ...process.env, ...options.env },
      stdio: [options.stdin === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    const [, out, err] = child.stdio;
    if (out === null || err === null) throw new Error('spawn gave no stdout/stderr pipes');
    if (options.closeStdout === true) out.destroy();
    else out.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    err.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      resolve({ code, signal, stdout, stderr });
    });
    if (options.stdin !== undefined && child.stdin !== null) {
      // A child that exits before reading all of stdin is not a test failure by itself.
      child.stdin.on('error', () => undefined);
      child.stdin.end(options.stdin);
    }
  });
}

/** Runs the real CLI binary (bin/negmine.js over the compiled dist/). */
export function runCli(args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  if (!existsSync(path.join(REPO_ROOT, 'dist', 'cli', 'main.js'))) {
    throw new Error("dist/ is missing: run 'npm run build' before the CLI tests (npm test does)");
  }
  return runProcess(process.execPath, [BIN, ...args], options);
}
