import { readdir, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

// `<name>.tmp-<host>-<pid>`: host first so that a pid is only judged on the host that owns it.
const TEMP_PATTERN = /\.tmp-([A-Za-z0-9._]+(?:-[A-Za-z0-9._]+)*)-(\d+)$/;
// Temp names of older negmine versions carried only the pid: `<name>.tmp-<pid>`.
const LEGACY_PATTERN = /\.tmp-(\d+)$/;
// A legacy temp file may belong to a writer on another host sharing the folder; one that old does not.
const LEGACY_MIN_AGE_MS = 60 * 60 * 1000;

/** This host's name as it appears in temp names (characters outside [A-Za-z0-9._-] become '_'). */
export function tempHost(): string {
  return os.hostname().replace(/[^A-Za-z0-9._-]/g, '_') || 'localhost';
}

/** The temp name for `file` owned by this process: `<file>.tmp-<host>-<pid>`. */
export function tempName(file: string): string {
  return `${file}.tmp-${tempHost()}-${process.pid}`;
}

/** Whether a process with this pid runs on this host (EPERM: it runs under another user). */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Removes temp files in `dir` left by dead processes of this host (a kill -9 skips every cleanup), and legacy
 * `<name>.tmp-<pid>` files of dead pids older than an hour. Returns the names removed; never throws.
 */
export async function removeStaleTemps(dir: string): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return [];
  }
  const host = tempHost();
  const removed: string[] = [];
  for (const name of names) {
    const match = TEMP_PATTERN.exec(name);
    const legacy = match === null ? LEGACY_PATTERN.exec(name) : null;
    const pid = Number(match?.[2] ?? legacy?.[1] ?? NaN);
    if (!Number.isSafeInteger(pid) || pid === process.pid || isProcessAlive(pid)) continue;
    if (match !== null && match[1] !== host) continue;
    const file = path.join(dir, name);
    try {
      if (legacy !== null && Date.now() - (await stat(file)).mtimeMs < LEGACY_MIN_AGE_MS) continue;
      await rm(file, { force: true, recursive: true });
      removed.push(name);
    } catch {
      // Another process may clean the same folder at the same time.
    }
  }
  return removed;
}
