import { writeFile } from 'node:fs/promises';
import { NegmineError } from '../../core/errors.ts';
import { createAtomicFile } from './atomic-file.ts';

/** Writes pretty JSON atomically (temp file + rename). */
export async function writeJsonFile(file: string, value: unknown): Promise<void> {
  const atomic = createAtomicFile(file);
  try {
    await writeFile(atomic.tempPath, `${JSON.stringify(value, null, 2)}\n`);
    await atomic.commit();
  } catch (error) {
    await atomic.abort();
    throw new NegmineError('E_IO', `Cannot write '${file}': ${(error as NodeJS.ErrnoException).code ?? String(error)}`, { cause: error });
  }
}
