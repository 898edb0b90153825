import { createHash, type Hash } from 'node:crypto';
import { constants } from 'node:fs';
import { open, unlink, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { cacheIoError, ensureCacheDir } from './cache-guard.ts';
import { incompletePath } from './hub-cache.ts';

/** A download in progress into `blobs/{etag}.incomplete`, hashed as it is written. */
export interface BlobWriter {
  /** Bytes in the file so far, resumed ones included. */
  readonly size: number;
  /** Appends `chunk`; a failure to write is NegmineError('E_IO') naming the file. */
  write(chunk: Uint8Array): Promise<void>;
  /** Empties the file, for a server that ignored the Range request. */
  restart(): Promise<void>;
  /** Closes the file (kept for a later resume) and returns its size and sha256 (hex). */
  finish(): Promise<{ size: number; sha256: string }>;
}

// Both are absent on Windows, which has neither such links nor FIFOs to plant.
const optionalFlags: Partial<Record<'O_NOFOLLOW' | 'O_NONBLOCK', number>> = constants;
// O_NOFOLLOW: a symlink planted at the partial file's name is never followed.
const NO_FOLLOW = optionalFlags.O_NOFOLLOW ?? 0;
// O_NONBLOCK: opening a FIFO planted at that name must not hang the run.
const RESUME_FLAGS = constants.O_RDWR | constants.O_APPEND | NO_FOLLOW | (optionalFlags.O_NONBLOCK ?? 0);
const CREATE_FLAGS = constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | constants.O_EXCL | NO_FOLLOW;
const HASH_BUFFER_BYTES = 1 << 20;

/** The partial file left by an interrupted run, only when it is ours to append to: a regular file with one link, owned by this user. */
async function openResumable(file: string): Promise<FileHandle | undefined> {
  let handle: FileHandle;
  try {
    handle = await open(file, RESUME_FLAGS);
  } catch {
    // Absent, a symlink (ELOOP), a folder: start afresh under a new file.
    return undefined;
  }
  const stats = await handle.stat();
  const uid = process.getuid?.();
  if (stats.isFile() && stats.nlink === 1 && (uid === undefined || stats.uid === uid)) return handle;
  await handle.close();
  return undefined;
}

async function hashContent(handle: FileHandle, hash: Hash): Promise<number> {
  const buffer = Buffer.allocUnsafe(HASH_BUFFER_BYTES);
  let position = 0;
  for (;;) {
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, position);
    if (bytesRead === 0) return position;
    hash.update(buffer.subarray(0, bytesRead));
    position += bytesRead;
  }
}

// Unlink whatever holds the name (the link itself, never its target), then create exclusively: nothing is followed.
async function createFresh(file: string): Promise<FileHandle> {
  try {
    await unlink(file).catch((error: unknown) => {
      if (!(error instanceof Error && 'code' in error && error.code === 'ENOENT')) throw error;
    });
    return await open(file, CREATE_FLAGS, 0o644);
  } catch (error) {
    throw cacheIoError(error, file);
  }
}

/**
 * Opens `blobs/{etag}.incomplete`: resuming what an interrupted download left (re-hashing it) when that is a regular
 * file of ours, else from scratch after removing whatever holds the name. Never follows a symlink, never writes
 * through a hard link, never writes outside the repo's cache folder.
 */
export async function openBlobWriter(repoDir: string, etag: string): Promise<BlobWriter> {
  const file = incompletePath(repoDir, etag);
  await ensureCacheDir(repoDir, path.dirname(file));
  let hash = createHash('sha256');
  let size = 0;
  let handle = await openResumable(file);
  try {
    if (handle !== undefined) size = await hashContent(handle, hash);
  } catch (error) {
    await handle?.close();
    throw cacheIoError(error, file);
  }
  handle ??= await createFresh(file);
  const opened = handle;
  let finished: { size: number; sha256: string } | undefined;
  return {
    get size() {
      return size;
    },
    async write(chunk) {
      try {
        await opened.write(chunk, 0, chunk.byteLength, size);
      } catch (error) {
        throw cacheIoError(error, file);
      }
      hash.update(chunk);
      size += chunk.byteLength;
    },
    async restart() {
      try {
        await opened.truncate(0);
      } catch (error) {
        throw cacheIoError(error, file);
      }
      hash = createHash('sha256');
      size = 0;
    },
    async finish() {
      if (finished !== undefined) return finished;
      finished = { size, sha256: hash.digest('hex') };
      try {
        await opened.close();
      } catch (error) {
        throw cacheIoError(error, file);
      }
      return finished;
    },
  };
}
