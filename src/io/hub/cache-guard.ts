import { lstat, mkdir, realpath, unlink } from 'node:fs/promises';
import path from 'node:path';
import { NegmineError, errorMessage } from '../../core/errors.ts';

/** A link into the cache that led outside the repo's folder and was removed (the link only, never its target). */
export interface RemovedLink {
  link: string;
  target: string;
}

function isWithin(root: string, target: string): boolean {
  const relative = path.relative(root, target);
  return relative === '' || (!relative.startsWith('..') && !path.isAbsolute(relative));
}

function errnoCode(error: unknown): string | undefined {
  return error instanceof Error && 'code' in error && typeof error.code === 'string' ? error.code : undefined;
}

/** True for a Node fs error (it names a system call), as opposed to a bug or a network failure. */
export function isFsError(error: unknown): error is NodeJS.ErrnoException {
  return error instanceof Error && !(error instanceof NegmineError) && 'syscall' in error && errnoCode(error) !== undefined;
}

/** A failure to read or write the cache (disk full, read-only, permissions) as a retryable E_IO naming the file. */
export function cacheIoError(error: unknown, file: string): NegmineError {
  const code = errnoCode(error) ?? errorMessage(error);
  return new NegmineError(
    'E_IO',
    `Cannot write ${file} in the Hugging Face cache (${code}): free disk space or fix the permissions of the cache (HF_HUB_CACHE), then run again`,
    { cause: error },
  );
}

function escapedError(repoDir: string, dir: string, real: string): NegmineError {
  return new NegmineError(
    'E_MODEL_LOAD',
    `Refusing to use the Hugging Face cache at ${repoDir}: ${dir} leads to ${real}, outside the repo's cache folder (a symlink planted or left by another tool): remove that link and run again`,
  );
}

/**
 * Creates `dir` (a folder inside `repoDir`) and checks that its real path stays inside the repo's cache folder,
 * so no write follows a planted folder symlink out of it. Throws NegmineError('E_MODEL_LOAD') naming both paths.
 */
export async function ensureCacheDir(repoDir: string, dir: string): Promise<void> {
  try {
    await mkdir(dir, { recursive: true });
  } catch (error) {
    throw cacheIoError(error, dir);
  }
  const [root, real] = await Promise.all([realpath(repoDir), realpath(dir)]);
  if (!isWithin(root, real)) throw escapedError(repoDir, dir, real);
}

/**
 * Checks a cached file (`snapshots/{commit}/{path}` or a blob) before it is used: 'ok' when it resolves to a file
 * inside the repo's cache folder, 'missing' when it does not resolve; a link that leads outside is removed
 * (so the file is fetched again) and reported. Throws NegmineError('E_MODEL_LOAD') when a folder on the way leads
 * outside, since removing anything through it could delete a file elsewhere.
 */
export async function checkCachedFile(repoDir: string, file: string): Promise<'ok' | 'missing' | RemovedLink> {
  let real: string;
  try {
    real = await realpath(file);
  } catch {
    return 'missing';
  }
  const root = await realpath(repoDir);
  if (isWithin(root, real)) return (await lstat(real)).isFile() ? 'ok' : 'missing';
  const parent = await realpath(path.dirname(file)).catch(() => '');
  if (parent === '' || !isWithin(root, parent)) throw escapedError(repoDir, path.dirname(file), parent === '' ? real : parent);
  try {
    await unlink(file);
  } catch (error) {
    throw new NegmineError('E_MODEL_LOAD', `Refusing to use ${file} in the Hugging Face cache: it leads to ${real}, outside the repo's cache folder, and cannot be removed (${errnoCode(error) ?? errorMessage(error)}): remove it and run again`);
  }
  return { link: file, target: real };
}
