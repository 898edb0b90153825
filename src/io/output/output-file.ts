import { stat } from 'node:fs/promises';
import { NegmineError } from '../../core/errors.ts';
import { createAtomicFile } from './atomic-file.ts';

/** Where an output's bytes go and how they reach the final name. */
export interface OutputFile {
  finalPath: string;
  /** The path to open: a temp file beside finalPath, or finalPath itself when written in place. */
  writePath: string;
  /** True for character devices and FIFOs: opened as they are, streamed, never renamed over. */
  inPlace: boolean;
  commit(): Promise<void>;
  abort(): Promise<void>;
}

/** What kind of file a path names (following links), undefined when nothing is there. */
export async function fileKind(file: string): Promise<'file' | 'folder' | 'char-device' | 'fifo' | 'block-device' | 'socket' | undefined> {
  try {
    const info = await stat(file);
    if (info.isFile()) return 'file';
    if (info.isDirectory()) return 'folder';
    if (info.isCharacterDevice()) return 'char-device';
    if (info.isFIFO()) return 'fifo';
    return info.isBlockDevice() ? 'block-device' : 'socket';
  } catch {
    return undefined;
  }
}

/**
 * Plans the write of one output: a regular file (or a new name) gets a temp file renamed into place on commit;
 * a character device (/dev/null, /dev/stdout) or a FIFO is written in place, since a rename would replace the
 * device node or the pipe its reader waits on. Folders, block devices and sockets are refused.
 */
export async function openOutputFile(finalPath: string): Promise<OutputFile> {
  const kind = await fileKind(finalPath);
  if (kind === 'char-device' || kind === 'fifo') {
    const done = (): Promise<void> => Promise.resolve();
    return { finalPath, writePath: finalPath, inPlace: true, commit: done, abort: done };
  }
  if (kind === 'folder') throw new NegmineError('E_USAGE', `Cannot write '${finalPath}': it is a folder`);
  if (kind === 'block-device' || kind === 'socket') throw new NegmineError('E_USAGE', `Cannot write '${finalPath}': it is a ${kind.replace('-', ' ')}, not a file, character device or FIFO`);
  const atomic = createAtomicFile(finalPath);
  return { finalPath, writePath: atomic.tempPath, inPlace: false, commit: () => atomic.commit(), abort: () => atomic.abort() };
}
