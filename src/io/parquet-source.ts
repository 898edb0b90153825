import { open, type FileHandle } from 'node:fs/promises';
import { parquetMetadataAsync, parquetRead, parquetSchema, type AsyncBuffer, type FileMetaData, type ParquetParsers, type ParquetRow, type SchemaTree } from 'hyparquet';
import { compressors } from 'hyparquet-compressors';
import { NegmineError } from '../core/errors.ts';
import { verifyPageChecksums, withChunks } from './parquet-checksums.ts';
import { InvalidUtf8, type RecordSource, type SourceRecord } from './record-source.ts';

export interface ParquetSourceOptions {
  /** Top-level columns to read, in this order; all columns when omitted. */
  columns?: readonly string[];
}

/** "PAR1" read as a little-endian uint32: the magic at both ends of a Parquet file. */
const PARQUET_MAGIC = 0x31524150;
/** "PARE": the footer magic of a file with an encrypted footer. */
const ENCRYPTED_MAGIC = 0x45524150;
/** Header magic + footer length + footer magic. */
const MIN_FILE_BYTES = 12;

type Convert = (value: unknown) => unknown;

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/** Strings decode strictly: invalid bytes become an InvalidUtf8 value (a bad row later), never U+FFFD. */
const PARSERS: Partial<ParquetParsers> = {
  // hyparquet passes undefined for a null value despite its declared type.
  stringFromBytes(bytes: Uint8Array | undefined): string | InvalidUtf8 | undefined {
    if (bytes === undefined) return undefined;
    try {
      return strictUtf8.decode(bytes);
    } catch {
      return new InvalidUtf8(bytes.slice());
    }
  },
};

function parseError(file: string, what: string, cause?: unknown): NegmineError {
  return new NegmineError('E_INPUT_PARSE', `Cannot read '${file}': ${what}`, cause === undefined ? undefined : { cause });
}

/** First line of a library error: its messages are short, but never let a stack or dump through. */
function reason(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split('\n', 1)[0] ?? message;
}

function errnoCode(error: unknown): string | undefined {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** A failed system call (EIO, EACCES...), as opposed to a decoder error about the bytes. */
function isSystemError(error: unknown): boolean {
  return typeof (error as NodeJS.ErrnoException | undefined)?.syscall === 'string';
}

/** System read failures are E_IO (exit 1): the file may be fine, the disk or permissions are not. */
function ioError(file: string, error: unknown): NegmineError {
  return new NegmineError('E_IO', `Cannot read '${file}': read failed (${errnoCode(error) ?? reason(error)})`, { cause: error });
}

async function openFile(file: string): Promise<{ handle: FileHandle; byteLength: number }> {
  let handle: FileHandle;
  try {
    handle = await open(file, 'r');
  } catch (error) {
    const code = errnoCode(error);
    if (code === 'ENOENT') throw parseError(file, 'no such file', error);
    if (code === 'EISDIR') throw parseError(file, 'is a directory, expected a file');
    throw new NegmineError('E_IO', `Cannot read '${file}': cannot open (${code ?? reason(error)})`, { cause: error });
  }
  try {
    const stats = await handle.stat();
    if (stats.isDirectory()) throw parseError(file, 'is a directory, expected a file');
    return { handle, byteLength: stats.size };
  } catch (error) {
    await handle.close();
    throw error instanceof NegmineError ? error : ioError(file, error);
  }
}

/** Random access through positioned reads on one handle: only the footer and the current row group are ever in memory. */
function fileBuffer(handle: FileHandle, byteLength: number): AsyncBuffer {
  return {
    byteLength,
    async slice(start: number, end: number = byteLength): Promise<ArrayBuffer> {
      const bytes = new Uint8Array(Math.max(0, end - start));
      let filled = 0;
      while (filled < bytes.length) {
        const { bytesRead } = await handle.read(bytes, filled, bytes.length - filled, start + filled);
        if (bytesRead === 0) throw new Error(`unexpected end of file at byte ${start + filled} of ${byteLength}`);
        filled += bytesRead;
      }
      return bytes.buffer;
    },
  };
}

async function readMetadata(file: string, buffer: AsyncBuffer): Promise<FileMetaData> {
  const { byteLength } = buffer;
  if (byteLength === 0) throw parseError(file, 'file is empty');
  const head = new DataView(await buffer.slice(0, Math.min(4, byteLength)));
  const startsAsParquet = byteLength >= 4 && head.getUint32(0, true) === PARQUET_MAGIC;
  if (byteLength < MIN_FILE_BYTES) {
    throw parseError(file, startsAsParquet ? `truncated or corrupt file (only ${byteLength} bytes)` : 'not a Parquet file (missing PAR1 footer)');
  }
  const tail = new DataView(await buffer.slice(byteLength - 8, byteLength));
  const footerMagic = tail.getUint32(4, true);
  if (footerMagic === ENCRYPTED_MAGIC) throw parseError(file, 'encrypted Parquet files are not supported');
  if (footerMagic !== PARQUET_MAGIC) {
    // A file that starts like Parquet but lost its end was cut short (an interrupted copy or write).
    throw parseError(file, startsAsParquet ? 'truncated or corrupt file (missing PAR1 footer)' : 'not a Parquet file (missing PAR1 footer)');
  }
  if (!startsAsParquet) throw parseError(file, 'not a Parquet file (missing PAR1 header)');
  const metadataLength = tail.getUint32(0, true);
  if (metadataLength > byteLength - MIN_FILE_BYTES) {
    throw parseError(file, `truncated or corrupt file (footer length ${metadataLength} exceeds the file size ${byteLength})`);
  }
  try {
    const metadata = await parquetMetadataAsync(buffer);
    parquetSchema(metadata);
    return metadata;
  } catch (error) {
    if (isSystemError(error)) throw ioError(file, error);
    throw parseError(file, `truncated or corrupt file (footer: ${reason(error)})`, error);
  }
}

function hasInt64Leaf(node: SchemaTree): boolean {
  if (node.children.length === 0) return node.element.type === 'INT64' && node.element.converted_type !== 'DECIMAL';
  return node.children.some(hasInt64Leaf);
}

/** int64 -> number when exact, else its decimal string: exact, and JSON can carry it (bigint cannot). */
function int64ToPlain(value: bigint): number | string {
  return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value.toString();
}

function orNull(value: unknown): unknown {
  return value === undefined ? null : value;
}

/** Nested values and int64 leaves: undefined (a null list or struct) -> null, bigint -> number or string, in place. */
function toPlain(value: unknown): unknown {
  if (value === undefined || value === null) return null;
  if (typeof value === 'bigint') return int64ToPlain(value);
  if (typeof value !== 'object' || value instanceof Date || value instanceof Uint8Array || value instanceof InvalidUtf8) return value;
  if (Array.isArray(value)) {
    const items: unknown[] = value;
    for (let i = 0; i < items.length; i += 1) items[i] = toPlain(items[i]);
    return items;
  }
  if (ArrayBuffer.isView(value)) return Array.from(value as unknown as ArrayLike<unknown>, toPlain);
  const record = value as Record<string, unknown>;
  for (const key of Object.keys(record)) record[key] = toPlain(record[key]);
  return record;
}

/** A primitive, or a list of primitives, without int64: hyparquet already gives null for null elements. */
function isFlatOrSimpleList(node: SchemaTree): boolean {
  if (node.children.length === 0) return true;
  const repeated = node.children.length === 1 ? node.children[0] : undefined;
  const leaf = repeated?.children.length === 1 ? repeated.children[0] : repeated;
  return node.element.converted_type === 'LIST' && leaf !== undefined && leaf.children.length === 0;
}

function converterFor(node: SchemaTree): Convert {
  return isFlatOrSimpleList(node) && !hasInt64Leaf(node) ? orNull : toPlain;
}

function readRowGroup(buffer: AsyncBuffer, metadata: FileMetaData, columns: readonly string[], rowStart: number, rowEnd: number): Promise<ParquetRow[]> {
  return new Promise<ParquetRow[]>((resolve, reject) => {
    parquetRead({ file: buffer, metadata, columns: [...columns], rowStart, rowEnd, rowFormat: 'object', compressors, parsers: PARSERS, onComplete: resolve }).catch(reject);
  });
}

/**
 * Opens a Parquet file as a record source: one batch per row group, in file order, each row a plain object of
 * its (projected) top-level columns and `position` its 1-based row number in the file. `columns` lists the keys of
 * every value: the schema's top-level column names, or the projection in the order asked. The footer is read here;
 * rows are read through positioned reads on a file handle, so memory is bounded by one row group.
 *
 * Values: strings (string and large_string, dictionary-encoded or not) as string; lists as arrays (list<string>
 * -> string[], list<float> -> number[]); int32, float and double as number; int64 as number when it is a safe
 * integer, otherwise as its exact decimal string; booleans as boolean; nulls (also null lists and list elements)
 * as null. Other logical types are left as hyparquet decodes them (timestamps and dates as Date, binary as
 * Uint8Array). Codecs: uncompressed, snappy, gzip, brotli, zstd, lz4 and lz4_raw.
 *
 * Strings must be valid UTF-8: invalid bytes arrive as an InvalidUtf8 value, never as U+FFFD. Page CRCs are
 * verified where the writer stored them.
 *
 * Errors: E_INPUT_PARSE for a missing, empty, non-Parquet, truncated or corrupt file, or a page checksum mismatch ("Cannot read 'q.parquet':
 * ..."; corrupt data names its 1-based row group), E_INPUT_SCHEMA for a projected column the file lacks, E_IO for
 * system read failures (permissions, I/O errors).
 */
export async function openParquetSource(file: string, options: ParquetSourceOptions = {}): Promise<RecordSource> {
  const opened = await openFile(file);
  let metadata: FileMetaData;
  try {
    metadata = await readMetadata(file, fileBuffer(opened.handle, opened.byteLength));
  } catch (error) {
    throw error instanceof NegmineError ? error : ioError(file, error);
  } finally {
    await opened.handle.close();
  }
  const schema = parquetSchema(metadata);
  const available = schema.children.map((child) => child.element.name);
  const columns = options.columns === undefined ? available : [...new Set(options.columns)];
  if (columns.length === 0 && available.length > 0) throw new TypeError('openParquetSource: options.columns is empty; omit it to read every column');
  for (const column of columns) {
    if (!available.includes(column)) {
      throw new NegmineError('E_INPUT_SCHEMA', `Cannot read column '${column}' in '${file}': column not found (have: ${available.join(', ')})`);
    }
  }
  const converters = columns.map((column) => {
    const node = schema.children.find((child) => child.element.name === column);
    return node === undefined ? orNull : converterFor(node);
  });
  // hyparquet's rows follow the file's column order; a projection in another order needs fresh objects.
  const inFileOrder = available.filter((name) => columns.includes(name));
  const reorder = columns.some((column, index) => column !== inFileOrder[index]);

  async function* batches(): AsyncGenerator<SourceRecord[]> {
    const { handle, byteLength } = await openFile(file);
    try {
      const buffer = fileBuffer(handle, byteLength);
      let rowStart = 0;
      for (const [index, group] of metadata.row_groups.entries()) {
        const groupRows = Number(group.num_rows);
        // Some writers emit empty row groups; they hold no rows to yield.
        if (groupRows === 0) continue;
        let rows: ParquetRow[];
        try {
          const chunks = await verifyPageChecksums(file, buffer, group, index, columns);
          rows = await readRowGroup(withChunks(buffer, chunks), metadata, columns, rowStart, rowStart + groupRows);
        } catch (error) {
          if (error instanceof NegmineError) throw error;
          if (isSystemError(error)) throw ioError(file, error);
          throw parseError(file, `truncated or corrupt file (row group ${index + 1}: ${reason(error)})`, error);
        }
        if (rows.length !== groupRows) {
          throw parseError(file, `truncated or corrupt file (row group ${index + 1}: expected ${groupRows} rows, decoded ${rows.length})`);
        }
        const records: SourceRecord[] = new Array<SourceRecord>(groupRows);
        for (let i = 0; i < groupRows; i += 1) {
          const row = rows[i] as Record<string, unknown>;
          const value: Record<string, unknown> = reorder ? {} : row;
          for (let c = 0; c < columns.length; c += 1) {
            const column = columns[c] as string;
            value[column] = (converters[c] as Convert)(row[column]);
          }
          records[i] = { value, position: rowStart + i + 1 };
        }
        yield records;
        rowStart += groupRows;
      }
    } finally {
      await handle.close();
    }
  }

  return { file, unit: 'row', columns, batches };
}
