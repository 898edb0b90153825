// Runs the CLI as a child process and measures it: wall time, peak RSS (the child's own maxRSS written by an exit
// hook, cross-checked by polling /proc/<pid>/status VmHWM), and an optional kill -9 when a log line matches.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** Loaded into the child with --import: writes its own peak RSS (KiB, all threads) when it exits normally. */
export const EXIT_HOOK = `data:text/javascript,${encodeURIComponent(
  "import { writeFileSync } from 'node:fs'; process.on('exit', () => { const file = process.env.NEGMINE_BENCH_RSS_FILE; if (file) writeFileSync(file, String(process.resourceUsage().maxRSS)); });",
)}`;

/** VmHWM (peak) and VmRSS (current) of a live process, KiB; zeros once it is gone. */
export function memoryKiB(pid: number): { hwm: number; rss: number } {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const field = (name: string): number => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0);
    return { hwm: field('VmHWM'), rss: field('VmRSS') };
  } catch {
    return { hwm: 0, rss: 0 };
  }
}

export interface MeasuredRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  wallSeconds: number;
  peakRssBytes: number;
  stderr: string;
  /** The log line that triggered the kill, when one did. */
  killedAt?: string;
}

export interface MeasureOptions {
  cwd: string;
  env?: NodeJS.ProcessEnv;
  /** SIGKILL the child at the first stderr line for which this returns true. */
  killWhen?: (line: string) => boolean;
}

/** Runs `node --import EXIT_HOOK <args>` and measures it. */
export async function runMeasured(args: readonly string[], options: MeasureOptions): Promise<MeasuredRun> {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'negmine-bench-rss-'));
  const rssFile = path.join(tmp, 'maxrss-kib');
  const started = performance.now();
  const child = spawn(process.execPath, ['--import', EXIT_HOOK, ...args], { cwd: options.cwd, env: { ...process.env, ...options.env, NEGMINE_BENCH_RSS_FILE: rssFile }, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  let pending = '';
  let killedAt: string | undefined;
  let polledKiB = 0;
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => {
    stderr += chunk;
    if (options.killWhen === undefined || killedAt !== undefined) return;
    pending += chunk;
    const lines = pending.split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines) {
      if (!options.killWhen(line)) continue;
      killedAt = line;
      // The peak up to this line, read just before the kill (the 50 ms poll may not have seen it yet).
      if (child.pid !== undefined) polledKiB = Math.max(polledKiB, memoryKiB(child.pid).hwm);
      child.kill('SIGKILL');
      break;
    }
  });
  const poll = setInterval(() => {
    if (child.pid !== undefined) polledKiB = Math.max(polledKiB, memoryKiB(child.pid).hwm);
  }, 50);
  const { code, signal } = await new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('close', (c, s) => { resolve({ code: c, signal: s }); }));
  clearInterval(poll);
  const wallSeconds = (performance.now() - started) / 1000;
  const ownKiB = existsSync(rssFile) ? Number(readFileSync(rssFile, 'utf8')) : 0;
  rmSync(tmp, { recursive: true, force: true });
  return { code, signal, wallSeconds, peakRssBytes: Math.max(ownKiB, polledKiB) * 1024, stderr, ...(killedAt === undefined ? {} : { killedAt }) };
}
