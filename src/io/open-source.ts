import { open } from 'node:fs/promises';
import path from 'node:path';
import { NegmineError } from '../core/errors.ts';
import { openJsonlSource, type JsonlSourceOptions } from './jsonl-source.ts';
import type { RecordSource } from './record-source.ts';

export const INPUT_FORMATS = ['jsonl', 'parquet'] as const;
export type InputFormat = (typeof INPUT_FORMATS)[number];

const PARQUET_MAGIC = 'PAR1';

async function startsWithParquetMagic(file: string): Promise<boolean> {
  let handle;
  try {
    handle = await open(file, 'r');
  } catch {
    return false; // the reader reports a missing or unreadable file with its own message
  }
  try {
    const head = Buffer.alloc(4);
    const { bytesRead } = await handle.read(head, 0, 4, 0);
    return bytesRead === 4 && head.toString('latin1') === PARQUET_MAGIC;
  } finally {
    await handle.close();
  }
}

/** The format of an input file: the explicit flag, else the extension, else the content (Parquet magic bytes). */
export async function detectFormat(file: string, explicit?: InputFormat): Promise<InputFormat> {
  if (explicit !== undefined) return explicit;
  if (file === '-') return 'jsonl';
  const extension = path.extname(file).toLowerCase();
  if (extension === '.parquet' || extension === '.pq') return 'parquet';
  if (extension === '.jsonl' || extension === '.ndjson' || extension === '.json') return 'jsonl';
  return (await startsWithParquetMagic(file)) ? 'parquet' : 'jsonl';
}

/** Opens an input file as a stream of records, JSONL or Parquet. */
export async function openRecordSource(file: string, options: JsonlSourceOptions & { format?: InputFormat } = {}): Promise<RecordSource> {
  const format = await detectFormat(file, options.format);
  if (format === 'parquet') {
    if (file === '-') throw new NegmineError('E_USAGE', "Cannot read Parquet from stdin ('-'): give a file path");
    // Loaded on demand: JSONL-only runs do not pay for the Parquet decoder.
    const { openParquetSource } = await import('./parquet-source.ts');
    return openParquetSource(file);
  }
  return openJsonlSource(file, options);
}
