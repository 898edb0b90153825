import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { onInterrupt } from '../../core/shutdown.ts';

export interface AtomicFile {
  /** Where to write: a hidden file in the destination's folder, so the final rename stays on one filesystem. */
  tempPath: string;
  finalPath: string;
  /** Renames the temp file to the final name. */
  commit(): Promise<void>;
  /** Removes the temp file. */
  abort(): Promise<void>;
}

/**
 * Plans an atomic write: callers write tempPath, then commit. An interrupted or failed run removes the temp file,
 * so no partial file ever appears under the final name.
 */
export function createAtomicFile(finalPath: string): AtomicFile {
  const dir = path.dirname(finalPath);
  const tempPath = path.join(dir, `.negmine-tmp-${randomBytes(6).toString('hex')}-${path.basename(finalPath)}`);
  const unregister = onInterrupt(() => {
    rmSync(tempPath, { force: true });
  });
  return {
    tempPath,
    finalPath,
    async commit() {
      await rename(tempPath, finalPath);
      unregister();
    },
    async abort() {
      await rm(tempPath, { force: true });
      unregister();
    },
  };
}
