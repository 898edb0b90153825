import { constants, rmSync } from 'node:fs';
import { copyFile, lstat, readFile, rename, rm, stat, symlink, unlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { NegmineError } from '../../core/errors.ts';
import { onInterrupt } from '../../core/shutdown.ts';
import { checkCachedFile, ensureCacheDir, type RemovedLink } from './cache-guard.ts';
import { isCommitHash } from './model-id.ts';

/** What the cache knows about one file of a repo at a revision. */
export type CacheLookup =
  | { status: 'hit'; commit: string; path: string }
  /** huggingface_hub's `.no_exist` marker: the Hub said this commit has no such file. */
  | { status: 'absent'; commit: string }
  /**
   * `commit` is known when refs/{revision} exists (or the revision is a commit) but the file is not cached;
   * `removed` when the cached entry led outside the repo's cache folder and its link was removed.
   */
  | { status: 'miss'; commit: string | undefined; removed?: RemovedLink };

// A lock nobody has refreshed (nor its download written to) for this long belongs to a dead process.
const LOCK_STALE_MS = 60_000;
const LOCK_POLL_MS = 100;
const heldLocks = new Set<string>();

/** `models--{org}--{name}`: huggingface_hub's folder name for a model repo. */
export function repoFolderName(repoId: string): string {
  return `models--${repoId.split('/').join('--')}`;
}

/** The repo's folder in the cache, holding blobs/, refs/, snapshots/ (and .no_exist/). */
export function repoCacheDir(cacheDir: string, repoId: string): string {
  return path.join(cacheDir, repoFolderName(repoId));
}

/**
 * Rejects a repo file path that could escape the snapshot folder (absolute, `..`, empty parts).
 * Throws NegmineError('E_USAGE') naming the path.
 */
export function checkRepoFilePath(filePath: string, repoId: string): void {
  const parts = filePath.split('/');
  if (filePath.includes('\\') || parts.some((part) => part === '' || part === '.' || part === '..')) {
    throw new NegmineError('E_USAGE', `Invalid file path '${filePath}' in ${repoId}: expected a relative path inside the repo, like onnx/model.onnx`);
  }
}

/** `blobs/{etag}`: file contents, named by the Hub's ETag. */
export function blobPath(repoDir: string, etag: string): string {
  return path.join(repoDir, 'blobs', etag);
}

/** `blobs/{etag}.incomplete`: a download in progress, or left by an interrupted run. */
export function incompletePath(repoDir: string, etag: string): string {
  return `${blobPath(repoDir, etag)}.incomplete`;
}

/** `snapshots/{commit}/{path}`: the path callers open, a relative symlink to the blob. */
export function snapshotPath(repoDir: string, commit: string, filePath: string): string {
  return path.join(repoDir, 'snapshots', commit, filePath);
}

function noExistPath(repoDir: string, commit: string, filePath: string): string {
  return path.join(repoDir, '.no_exist', commit, filePath);
}

// Revisions like refs/pr/1 become nested files under refs/, as huggingface_hub stores them.
function refPath(repoDir: string, revision: string): string {
  return path.join(repoDir, 'refs', revision);
}

function errorCode(error: unknown): string | undefined {
  return error instanceof Error && 'code' in error && typeof error.code === 'string' ? error.code : undefined;
}

async function isFile(file: string): Promise<boolean> {
  try {
    return (await stat(file)).isFile();
  } catch {
    return false;
  }
}

/** The commit refs/{revision} points to; the revision itself when it is a commit hash. */
export async function readRef(repoDir: string, revision: string): Promise<string | undefined> {
  if (isCommitHash(revision)) return revision;
  try {
    const commit = (await readFile(refPath(repoDir, revision), 'utf8')).trim();
    return isCommitHash(commit) ? commit : undefined;
  } catch {
    return undefined;
  }
}

// Write to a private name, then rename: readers never see a half-written file; 'wx' never writes through a planted link.
async function writeAtomically(repoDir: string, file: string, content: string): Promise<void> {
  await ensureCacheDir(repoDir, path.dirname(file));
  const temporary = `${file}.${process.pid}.tmp`;
  await rm(temporary, { force: true });
  await writeFile(temporary, content, { flag: 'wx' });
  await rename(temporary, file);
}

/** Points refs/{revision} at `commit`; nothing for a commit-hash revision, which needs no ref. */
export async function writeRef(repoDir: string, revision: string, commit: string): Promise<void> {
  if (isCommitHash(revision) || (await readRef(repoDir, revision)) === commit) return;
  await writeAtomically(repoDir, refPath(repoDir, revision), commit);
}

/**
 * Looks a file up without any network: by commit, or through refs/{revision}; follows the symlink to check the blob
 * is there and inside the repo's cache folder. A link that leads outside is removed and the file reported missing.
 */
export async function lookupCachedFile(repoDir: string, revision: string, filePath: string): Promise<CacheLookup> {
  const commit = await readRef(repoDir, revision);
  if (commit === undefined) return { status: 'miss', commit };
  const pointer = snapshotPath(repoDir, commit, filePath);
  const checked = await checkCachedFile(repoDir, pointer);
  if (checked === 'ok') return { status: 'hit', commit, path: pointer };
  if (checked !== 'missing') return { status: 'miss', commit, removed: checked };
  if (await isFile(noExistPath(repoDir, commit, filePath))) return { status: 'absent', commit };
  return { status: 'miss', commit };
}

/** Records that `commit` has no `filePath`, so later (offline) runs know without asking. */
export async function markAbsent(repoDir: string, commit: string, filePath: string): Promise<void> {
  const marker = noExistPath(repoDir, commit, filePath);
  await ensureCacheDir(repoDir, path.dirname(marker));
  // 'wx': an existing marker is enough, and a planted link is not written through.
  await writeFile(marker, '', { flag: 'wx' }).catch((error: unknown) => {
    if (errorCode(error) !== 'EEXIST') throw error;
  });
}

/** True when the blob is already complete in the cache (another revision or process fetched it): a regular file, not a link. */
export async function hasBlob(repoDir: string, etag: string): Promise<boolean> {
  try {
    return (await lstat(blobPath(repoDir, etag))).isFile();
  } catch {
    return false;
  }
}

/**
 * Makes snapshots/{commit}/{path} a relative symlink to ../../blobs/{etag} (one more ../ per folder level);
 * copies the blob where symlinks are not permitted (Windows without developer mode), as huggingface_hub does.
 */
export async function linkSnapshotFile(repoDir: string, commit: string, filePath: string, etag: string): Promise<string> {
  const pointer = snapshotPath(repoDir, commit, filePath);
  const blob = blobPath(repoDir, etag);
  await ensureCacheDir(repoDir, path.dirname(pointer));
  const temporary = `${pointer}.${process.pid}.tmp`;
  await rm(temporary, { force: true });
  try {
    await symlink(path.relative(path.dirname(pointer), blob), temporary);
  } catch (error) {
    const code = errorCode(error);
    if (code !== 'EPERM' && code !== 'EACCES' && code !== 'ENOTSUP') throw error;
    await copyFile(blob, temporary, constants.COPYFILE_EXCL);
  }
  await rename(temporary, pointer);
  return pointer;
}

async function modifiedMs(file: string): Promise<number> {
  try {
    return (await lstat(file)).mtimeMs;
  } catch {
    return 0;
  }
}

function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return errorCode(error) === 'EPERM';
  }
}

async function isStaleLock(lockFile: string, watchedFile: string): Promise<boolean> {
  let owner: string;
  try {
    owner = await readFile(lockFile, 'utf8');
  } catch {
    // Gone already: the next attempt to create it decides.
    return false;
  }
  const [host, pidText] = owner.trim().split(' ');
  const pid = Number(pidText);
  if (host === os.hostname() && Number.isInteger(pid) && pid > 0) {
    // Our own pid on a lock we do not hold is a leftover of an earlier process (e.g. PID 1 in a restarted container).
    if (pid === process.pid ? !heldLocks.has(lockFile) : !isProcessAlive(pid)) return true;
  }
  const lastActivity = Math.max(await modifiedMs(lockFile), await modifiedMs(watchedFile));
  return Date.now() - lastActivity > LOCK_STALE_MS;
}

/**
 * Runs `task` holding `blobs/{etag}.lock`, so that two processes sharing a cache never write the same
 * `.incomplete` file at once. Waits while another live process holds it; takes over a stale lock.
 */
export async function withBlobLock<T>(repoDir: string, etag: string, task: () => Promise<T>, signal?: AbortSignal): Promise<T> {
  const blob = blobPath(repoDir, etag);
  const lockFile = `${blob}.lock`;
  await ensureCacheDir(repoDir, path.dirname(blob));
  for (;;) {
    signal?.throwIfAborted();
    try {
      await writeFile(lockFile, `${os.hostname()} ${process.pid}\n`, { flag: 'wx' });
      break;
    } catch (error) {
      if (errorCode(error) !== 'EEXIST') throw error;
    }
    if (await isStaleLock(lockFile, incompletePath(repoDir, etag))) await unlink(lockFile).catch(() => undefined);
    else await sleep(LOCK_POLL_MS);
  }
  heldLocks.add(lockFile);
  const unregister = onInterrupt(() => {
    rmSync(lockFile, { force: true });
  });
  try {
    return await task();
  } finally {
    unregister();
    heldLocks.delete(lockFile);
    await rm(lockFile, { force: true });
  }
}

/** Moves a verified `.incomplete` file to its blob name: a blob is complete or absent, never partial. */
export async function commitBlob(repoDir: string, etag: string): Promise<void> {
  await rename(incompletePath(repoDir, etag), blobPath(repoDir, etag));
}

/** Removes a download that failed verification, so that no bad bytes are resumed or kept. */
export async function discardIncomplete(repoDir: string, etag: string): Promise<void> {
  await rm(incompletePath(repoDir, etag), { force: true });
}
