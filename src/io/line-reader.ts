import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { NegmineError } from '../core/errors.ts';

const NEWLINE = 0x0a;
// Small reads and batches: a batch's lines and parsed rows are alive while it is handled, and what survives two young
// collections is promoted to the old generation as garbage. 1 MiB reads and 4,096-line batches left ~100 MiB more
// resident after reading 300k passages, at the same speed (docs/benchmarks.md, "Reading memory").
const READ_BYTES = 1 << 16;
const BATCH_LINES = 512;

export interface Line {
  text: string;
  /** 1-based. */
  lineNumber: number;
  /** The line's bytes are not valid UTF-8 (text is then empty); consumers decide whether that is fatal. */
  invalidUtf8?: true;
}

export interface LineReaderOptions {
  /** Where '-' reads from; tests pass their own stream. */
  stdin?: Readable;
  /** Bytes per read (default 64 KiB) and lines per yielded batch (default 512); bench/read-memory.ts varies them. */
  readBytes?: number;
  batchLines?: number;
}

/** Cannot-read error for a whole file (missing, empty, unreadable). */
export function fileError(file: string, what: string, cause?: unknown): NegmineError {
  return new NegmineError('E_INPUT_PARSE', `Cannot read '${file}': ${what}`, cause === undefined ? undefined : { cause });
}

async function openStream(file: string, options: LineReaderOptions): Promise<Readable> {
  if (file === '-') return options.stdin ?? process.stdin;
  let isDirectory: boolean;
  try {
    isDirectory = (await stat(file)).isDirectory();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw fileError(file, code === 'ENOENT' ? 'no such file' : `cannot open (${code ?? 'unknown error'})`, error);
  }
  if (isDirectory) throw fileError(file, 'is a directory, expected a file');
  return createReadStream(file, { highWaterMark: options.readBytes ?? READ_BYTES });
}

/**
 * Streams a text file as batches of lines: UTF-8 checked per line (flagged, in order, for the caller to judge),
 * a leading BOM and CRLF line ends removed. Blank lines are yielded too; callers decide. '-' reads stdin.
 */
export async function* readLines(file: string, options: LineReaderOptions = {}): AsyncGenerator<Line[]> {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  const batchLines = options.batchLines ?? BATCH_LINES;
  const stream = await openStream(file, options);
  let pending: Buffer[] = [];
  let lineNumber = 0;
  let batch: Line[] = [];
  const pushLine = (bytes: Buffer): void => {
    lineNumber += 1;
    let text: string;
    try {
      text = decoder.decode(bytes);
    } catch {
      batch.push({ text: '', lineNumber, invalidUtf8: true });
      return;
    }
    if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    if (text.endsWith('\r')) text = text.slice(0, -1);
    batch.push({ text, lineNumber });
  };
  try {
    for await (const chunk of stream as AsyncIterable<Buffer | string>) {
      const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      let start = 0;
      let newline = buffer.indexOf(NEWLINE, start);
      while (newline !== -1) {
        const piece = buffer.subarray(start, newline);
        pushLine(pending.length === 0 ? piece : Buffer.concat([...pending, piece]));
        pending = [];
        start = newline + 1;
        newline = buffer.indexOf(NEWLINE, start);
      }
      if (start < buffer.length) pending.push(buffer.subarray(start));
      if (batch.length >= batchLines) {
        yield batch;
        batch = [];
      }
    }
  } catch (error) {
    if (error instanceof NegmineError) throw error;
    throw fileError(file, `read failed (${(error as NodeJS.ErrnoException).code ?? String(error)})`, error);
  }
  if (pending.length > 0) pushLine(Buffer.concat(pending));
  if (batch.length > 0) yield batch;
}
