import { randomBytes } from 'node:crypto';
import { readdir, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

/** Who wrote a temp file: a process on a host (outputs may live on storage shared by several machines). */
export interface TempOwner {
  pid: number;
  host: string;
  /** Names that do not say their host (older versions) are removed only once this old: another host may own them. */
  minAgeMs?: number;
}

const PREFIX = '.negmine-tmp-';
// The host tag never contains '_', so the name splits unambiguously: .negmine-tmp-<rand>-<pid>@<host>_<final name>.
const TEMP_NAME = /^\.negmine-tmp-[0-9a-f]{12}-([1-9][0-9]*)@([A-Za-z0-9.-]+)_/;

/** This machine's name as it appears in temp names. */
export function hostTag(): string {
  return os.hostname().replace(/[^A-Za-z0-9.-]/g, '-') || 'localhost';
}

/** A hidden temp path beside finalPath (same filesystem, so the rename is atomic) naming this process and host. */
export function tempPathFor(finalPath: string): string {
  const name = `${PREFIX}${randomBytes(6).toString('hex')}-${process.pid}@${hostTag()}_${path.basename(finalPath)}`;
  return path.join(path.dirname(finalPath), name);
}

/** This machine's name in temp names (the embedding cache's spelling of hostTag). */
export const tempHost = hostTag;

// Embedding cache temp files: `<entry>.tmp-<host>-<pid>`; older versions wrote `<entry>.tmp-<pid>`.
const CACHE_TEMP_NAME = /\.tmp-([A-Za-z0-9.]+(?:-[A-Za-z0-9.]+)*)-(\d+)$/;
const LEGACY_CACHE_TEMP_NAME = /\.tmp-(\d+)$/;
const LEGACY_MIN_AGE_MS = 60 * 60 * 1000;

/** The embedding cache's temp name for `file`, owned by this process on this host. */
export function tempName(file: string): string {
  return `${file}.tmp-${hostTag()}-${process.pid}`;
}

/** The owner encoded in an embedding cache temp name (legacy pid-only names count as this host's, once an hour old). */
export function cacheTempOwner(name: string): TempOwner | undefined {
  const match = CACHE_TEMP_NAME.exec(name);
  if (match !== null) return { pid: Number(match[2]), host: match[1] ?? '' };
  const legacy = LEGACY_CACHE_TEMP_NAME.exec(name);
  return legacy === null ? undefined : { pid: Number(legacy[1]), host: hostTag(), minAgeMs: LEGACY_MIN_AGE_MS };
}

/** The owner encoded in a negmine temp name, undefined for any other name. */
export function negmineTempOwner(name: string): TempOwner | undefined {
  const match = TEMP_NAME.exec(name);
  if (match === null) return undefined;
  return { pid: Number(match[1]), host: match[2] ?? '' };
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** True only for a temp file of a process of this host that no longer runs. */
export function isStale(owner: TempOwner): boolean {
  return owner.host === hostTag() && owner.pid !== process.pid && !isAlive(owner.pid);
}

/**
 * Removes temp files and folders in dir left by dead processes of this host (kill -9, power loss); other hosts'
 * and live processes' files are never touched. `ownerOf` parses a name (default: negmine's output temp names).
 * Returns the removed names; an unreadable folder removes nothing.
 */
export async function removeStaleTemps(dir: string, ownerOf: (name: string) => TempOwner | undefined = negmineTempOwner): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const name of names) {
    const owner = ownerOf(name);
    if (owner === undefined || !Number.isSafeInteger(owner.pid) || !isStale(owner)) continue;
    try {
      if (owner.minAgeMs !== undefined && Date.now() - (await stat(path.join(dir, name))).mtimeMs < owner.minAgeMs) continue;
      await rm(path.join(dir, name), { recursive: true, force: true });
      removed.push(name);
    } catch {
      // Best effort: a file we cannot remove is left for the next run.
    }
  }
  return removed;
}
