import { rmSync } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { onInterrupt } from '../../core/shutdown.ts';
import { tempPathFor } from '../stale-temp.ts';
import { writeFailure } from './write-error.ts';

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
 * so no partial file ever appears under the final name; the temp name carries pid and host, so a later run can
 * remove what a killed one left (see stale-temp.ts).
 */
export function createAtomicFile(finalPath: string): AtomicFile {
  const tempPath = tempPathFor(finalPath);
  const unregister = onInterrupt(() => {
    rmSync(tempPath, { force: true });
  });
  return {
    tempPath,
    finalPath,
    async commit() {
      try {
        await rename(tempPath, finalPath);
      } catch (error) {
        await rm(tempPath, { force: true });
        throw writeFailure(finalPath, error);
      } finally {
        unregister();
      }
    },
    async abort() {
      await rm(tempPath, { force: true });
      unregister();
    },
  };
}
