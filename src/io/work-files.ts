import { createHash } from 'node:crypto';
import { createReadStream, rmSync } from 'node:fs';
import { mkdir, open, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { NegmineError, errorMessage } from '../core/errors.ts';
import { onInterrupt } from '../core/shutdown.ts';
import { hostTag, isStale, removeStaleTemps, tempPathFor } from './stale-temp.ts';

/**
 * The work directory's only file-system adapter: src/workdir decides the layout and the formats; this file reads,
 * lists and writes bytes, each write durable (temp file + fsync + rename + fsync of the folder).
 */

/** The bytes of a file, undefined when it does not exist. Other failures throw E_IO. */
export async function readWorkFile(file: string): Promise<Uint8Array | undefined> {
  try {
    return await readFile(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw new NegmineError('E_IO', `Cannot read '${file}': ${errorMessage(error)}`, { cause: error });
  }
}

/** Names in a folder, sorted; an absent folder has none. */
export async function listWorkFolder(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir)).sort();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return [];
    throw new NegmineError('E_IO', `Cannot list '${dir}': ${errorMessage(error)}`, { cause: error });
  }
}

/** 'folder', 'other' (a file, a link to one, a device) or 'absent'. */
export async function workPathKind(target: string): Promise<'folder' | 'other' | 'absent'> {
  try {
    return (await stat(target)).isDirectory() ? 'folder' : 'other';
  } catch {
    return 'absent';
  }
}

export async function makeWorkFolder(dir: string): Promise<void> {
  try {
    await mkdir(dir, { recursive: true });
  } catch (error) {
    throw new NegmineError('E_IO', `Cannot create folder '${dir}': ${errorMessage(error)}`, { cause: error });
  }
}

export async function removeWorkFolder(dir: string): Promise<void> {
  try {
    await rm(dir, { recursive: true, force: true });
  } catch (error) {
    throw new NegmineError('E_IO', `Cannot remove '${dir}': ${errorMessage(error)}`, { cause: error });
  }
}

/** Removes temp files that dead processes of this host left in dir; returns their names. */
export function removeStaleWorkTemps(dir: string): Promise<string[]> {
  return removeStaleTemps(dir);
}

/**
 * Writes bytes under `file` so that a reader (or a run after kill -9 or power loss) sees either the old content or
 * all of the new one: a temp file in the same folder, fsync, rename, fsync of the folder.
 */
export async function writeWorkFileAtomic(file: string, bytes: Uint8Array): Promise<void> {
  const temp = tempPathFor(file);
  try {
    const handle = await open(temp, 'w');
    try {
      await handle.writeFile(bytes);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, file);
    const folder = await open(path.dirname(file), 'r');
    try {
      await folder.sync();
    } finally {
      await folder.close();
    }
  } catch (error) {
    await rm(temp, { force: true }).catch(() => undefined);
    const reason = (error as NodeJS.ErrnoException).code ?? errorMessage(error);
    throw new NegmineError('E_IO', `Cannot write '${file}': ${reason}`, { cause: error });
  }
}

/** sha256 of a file's bytes, read as a stream (inputs can be many GiB). */
export async function sha256OfFile(file: string): Promise<string> {
  const hash = createHash('sha256');
  try {
    for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  } catch (error) {
    throw new NegmineError('E_IO', `Cannot read '${file}': ${errorMessage(error)}`, { cause: error });
  }
  return hash.digest('hex');
}

/** The files under a path, recursively and sorted (a BEIR folder holds a handful), relative to it; a file is itself. */
export async function filesUnder(target: string): Promise<string[]> {
  if ((await workPathKind(target)) !== 'folder') return [''];
  const out: string[] = [];
  for (const name of await listWorkFolder(target)) {
    for (const inner of await filesUnder(path.join(target, name))) out.push(inner === '' ? name : path.join(name, inner));
  }
  return out;
}

/** Up to maxBytes from the start of a file (a chunk's header), undefined when it does not exist. */
export async function readWorkFileHead(file: string, maxBytes: number): Promise<Uint8Array | undefined> {
  let handle;
  try {
    handle = await open(file, 'r');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw new NegmineError('E_IO', `Cannot read '${file}': ${errorMessage(error)}`, { cause: error });
  }
  try {
    const buffer = Buffer.alloc(maxBytes);
    const { bytesRead } = await handle.read(buffer, 0, maxBytes, 0);
    return buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

/** Who holds a work directory's lock file. */
export interface LockOwner {
  pid: number;
  host: string;
}

/**
 * Takes `file` as a lock for this process: created exclusively; a lock left by a dead process of this host (kill -9)
 * is taken over. Returns the live owner when another process holds it, else undefined (the lock is ours); the
 * returned release removes it (also on SIGINT / SIGTERM).
 */
export async function takeLock(file: string): Promise<{ heldBy: LockOwner } | { release: () => Promise<void> }> {
  const mine = { pid: process.pid, host: hostTag() };
  for (let attempt = 0; attempt < 2; attempt += 1) {
    try {
      const handle = await open(file, 'wx');
      try {
        await handle.writeFile(JSON.stringify(mine));
      } finally {
        await handle.close();
      }
      const unregister = onInterrupt(() => {
        rmSync(file, { force: true });
      });
      return {
        release: async () => {
          unregister();
          await rm(file, { force: true });
        },
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw new NegmineError('E_IO', `Cannot create '${file}': ${errorMessage(error)}`, { cause: error });
    }
    let owner: LockOwner | undefined;
    try {
      owner = JSON.parse(await readFile(file, 'utf8')) as LockOwner;
    } catch {
      owner = undefined;
    }
    // A dead process of this host (or an unreadable, half-written lock) no longer holds it.
    if (owner !== undefined && typeof owner.pid === 'number' && typeof owner.host === 'string' && !isStale(owner)) return { heldBy: owner };
    await rm(file, { force: true });
  }
  throw new NegmineError('E_IO', `Cannot take the lock '${file}': another process keeps recreating it`);
}
