import { constants } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { openOutputFile } from './output-file.ts';
import { writeFailure } from './write-error.ts';

/** Writes pretty JSON: atomically (temp file + rename) to a file, in place to a device or FIFO. */
export async function writeJsonFile(file: string, value: unknown): Promise<void> {
  const output = await openOutputFile(file);
  try {
    await writeFile(output.writePath, `${JSON.stringify(value, null, 2)}\n`, { flag: output.inPlace ? constants.O_WRONLY : 'wx' });
    await output.commit();
  } catch (error) {
    await output.abort();
    throw writeFailure(file, error);
  }
}
