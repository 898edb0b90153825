import { open } from 'node:fs/promises';
import path from 'node:path';
import { NegmineError } from '../core/errors.ts';
import { openJsonlSource, type JsonlSourceOptions } from './jsonl-source.ts';
import type { RecordSource } from './record-source.ts';

export const INPUT_FORMATS = ['jsonl', 'parquet'] as const;
export type InputFormat = (typeof INPUT_FORMATS)[number];

const PARQUET_MAGIC = 'PAR1';
const PARQUET_EXTENSIONS = ['.parquet', '.pq'];
const JSONL_EXTENSIONS = ['.jsonl', '.ndjson', '.json'];
/** Enough of the file to see its first line in all but pathological files. */
const SNIFF_BYTES = 64 * 1024;

export interface FormatOptions {
  /** The --input-format value, when the user gave one. */
  explicit?: InputFormat;
  /** How the user can name the format for this file, for the error message (e.g. "--input-format"). */
  formatFlag?: string;
}

/** The first bytes of a file, or undefined when it cannot be opened (the reader reports that with its own message). */
async function readHead(file: string): Promise<Buffer | undefined> {
  let handle;
  try {
    handle = await open(file, 'r');
  } catch {
    return undefined;
  }
  try {
    const head = Buffer.alloc(SNIFF_BYTES);
    const { bytesRead } = await handle.read(head, 0, SNIFF_BYTES, 0);
    return head.subarray(0, bytesRead);
  } catch {
    return undefined;
  } finally {
    await handle.close();
  }
}

/** What the first non-blank line looks like when it is not JSON: for the message. */
function describeNonJson(head: Buffer): string | undefined {
  const text = head.toString('utf8').replace(/^\uFEFF/, '');
  const line = text.split('\n').find((candidate) => candidate.trim() !== '');
  if (line === undefined) return undefined;
  const first = line.trimStart()[0];
  if (first === '{' || first === '[') return undefined;
  if (head.includes(0)) return 'binary data';
  if (line.includes('\t')) return 'tab-separated text';
  if (line.includes(',')) return 'comma-separated text';
  return 'text that is not a JSON object';
}

function unsupportedFormat(file: string, found: string, formatFlag: string | undefined): NegmineError {
  const pick = formatFlag === undefined ? 'give the file a .jsonl or .parquet name' : `name the format with ${formatFlag} jsonl|parquet`;
  return new NegmineError(
    'E_INPUT_PARSE',
    `Cannot read '${file}': the file is ${found}, neither JSONL nor Parquet (negmine reads JSONL: .jsonl, .ndjson, .json; and Parquet: .parquet, .pq); convert it, or ${pick}`,
  );
}

/**
 * The format of an input file: the explicit flag, else the extension, else the content (Parquet magic bytes,
 * a first line that starts a JSON value). Content that is neither (TSV, CSV, binary) is an E_INPUT_PARSE error
 * naming what was found and the formats negmine reads.
 */
export async function detectFormat(file: string, options: FormatOptions = {}): Promise<InputFormat> {
  if (options.explicit !== undefined) return options.explicit;
  if (file === '-') return 'jsonl';
  const extension = path.extname(file).toLowerCase();
  if (PARQUET_EXTENSIONS.includes(extension)) return 'parquet';
  if (JSONL_EXTENSIONS.includes(extension)) return 'jsonl';
  const head = await readHead(file);
  if (head === undefined) return 'jsonl';
  if (head.length >= 4 && head.subarray(0, 4).toString('latin1') === PARQUET_MAGIC) return 'parquet';
  const found = describeNonJson(head);
  if (found !== undefined) throw unsupportedFormat(file, found, options.formatFlag);
  return 'jsonl';
}

/** Opens an input file as a stream of records, JSONL or Parquet. */
export async function openRecordSource(file: string, options: JsonlSourceOptions & { format?: InputFormat; formatFlag?: string } = {}): Promise<RecordSource> {
  const format = await detectFormat(file, {
    ...(options.format === undefined ? {} : { explicit: options.format }),
    ...(options.formatFlag === undefined ? {} : { formatFlag: options.formatFlag }),
  });
  if (format === 'parquet') {
    if (file === '-') throw new NegmineError('E_USAGE', "Cannot read Parquet from stdin ('-'): give a file path");
    // Loaded on demand: JSONL-only runs do not pay for the Parquet decoder.
    const { openParquetSource } = await import('./parquet-source.ts');
    return openParquetSource(file);
  }
  return openJsonlSource(file, options);
}
