import { open, type FileHandle } from 'node:fs/promises';
import * as zlib from 'node:zlib';
import { compress as compressZstd, init as initZstd } from '@bokuweb/zstd-wasm';
import { ByteWriter, ParquetWriter, type ColumnSource, type SchemaElement } from 'hyparquet-writer';
import { writeFailure } from './output/write-error.ts';

/** Scalar column types; each also exists as a list (`list<float32>`), whose elements may be null. */
export const PARQUET_SCALAR_TYPES = ['string', 'int32', 'int64', 'float32', 'float64', 'boolean'] as const;

export type ParquetScalarType = (typeof PARQUET_SCALAR_TYPES)[number];

/** Column types the writer supports. */
export const PARQUET_COLUMN_TYPES = [
  ...PARQUET_SCALAR_TYPES,
  'list<string>',
  'list<int32>',
  'list<int64>',
  'list<float32>',
  'list<float64>',
  'list<boolean>',
] as const satisfies readonly (ParquetScalarType | `list<${ParquetScalarType}>`)[];

export type ParquetColumnType = (typeof PARQUET_COLUMN_TYPES)[number];

export interface ParquetColumnSpec {
  name: string;
  type: ParquetColumnType;
  /** Whether the column accepts null (default true, like pyarrow's fields). */
  nullable?: boolean;
}

/** Codecs the writer can produce. */
export const PARQUET_WRITE_CODECS = ['zstd', 'snappy', 'gzip', 'brotli', 'uncompressed'] as const;

export type ParquetWriteCodec = (typeof PARQUET_WRITE_CODECS)[number];

export interface ParquetWriterOptions {
  /** Rows per row group (default 10,000): the unit of buffering, so memory is bounded by one row group. */
  rowGroupSize?: number;
  /** Default: zstd. */
  codec?: ParquetWriteCodec;
  /** The name write errors show (default: the path; a temp file's final name reads better). */
  label?: string;
}

export interface ParquetFileWriter {
  /** Appends rows; full row groups are encoded and written before the promise resolves. */
  write(rows: readonly Record<string, unknown>[]): Promise<void>;
  /** Writes the last (partial) row group and the footer, then closes the file. */
  close(): Promise<void>;
  /** Closes the file without a footer (the partial file is not valid Parquet; the caller removes it). */
  abort(): Promise<void>;
}

export const DEFAULT_ROW_GROUP_SIZE = 10_000;

type Compressor = (input: Uint8Array) => Uint8Array;

// node:zlib has zstd only from Node 22.15, so zstd comes from a WASM build of the reference library
// (synchronous once its module is instantiated).
let zstdReady: Promise<void> | undefined;
function ensureZstd(): Promise<void> {
  zstdReady ??= initZstd().then(() => undefined);
  return zstdReady;
}

/** The codec used when none is given: zstd, as pyarrow writes when asked for compact files. */
export function defaultParquetCodec(): ParquetWriteCodec {
  return 'zstd';
}

const CODEC_NAMES = { zstd: 'ZSTD', snappy: 'SNAPPY', gzip: 'GZIP', brotli: 'BROTLI', uncompressed: 'UNCOMPRESSED' } as const;

function compressorFor(codec: ParquetWriteCodec): Compressor | undefined {
  switch (codec) {
    case 'gzip':
      return (input) => zlib.gzipSync(input);
    // Quality 11 (zlib's default) is ~20x slower than 5 for a few percent of size.
    case 'brotli':
      return (input) => zlib.brotliCompressSync(input, { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 5 } });
    case 'zstd':
      return (input) => compressZstd(Buffer.from(input.buffer, input.byteOffset, input.byteLength), 3);
    // hyparquet-writer has snappy built in; uncompressed needs none.
    case 'snappy':
    case 'uncompressed':
      return undefined;
  }
}

function leafElement(name: string, type: ParquetScalarType, nullable: boolean): SchemaElement {
  const repetition_type = nullable ? 'OPTIONAL' : 'REQUIRED';
  switch (type) {
    case 'string':
      return { name, type: 'BYTE_ARRAY', converted_type: 'UTF8', logical_type: { type: 'STRING' }, repetition_type };
    case 'int32':
      return { name, type: 'INT32', repetition_type };
    case 'int64':
      return { name, type: 'INT64', repetition_type };
    case 'float32':
      return { name, type: 'FLOAT', repetition_type };
    case 'float64':
      return { name, type: 'DOUBLE', repetition_type };
    case 'boolean':
      return { name, type: 'BOOLEAN', repetition_type };
  }
}

/** The element type of a list column, undefined for a scalar column. */
function listElementType(type: ParquetColumnType): ParquetScalarType | undefined {
  return type.startsWith('list<') ? (type.slice('list<'.length, -1) as ParquetScalarType) : undefined;
}

/** Lists use the standard three-level LIST layout (what pyarrow, Spark and DuckDB write). */
function schemaElements(spec: ParquetColumnSpec): SchemaElement[] {
  const nullable = spec.nullable ?? true;
  const elementType = listElementType(spec.type);
  if (elementType === undefined) return [leafElement(spec.name, spec.type as ParquetScalarType, nullable)];
  return [
    { name: spec.name, repetition_type: nullable ? 'OPTIONAL' : 'REQUIRED', converted_type: 'LIST', logical_type: { type: 'LIST' }, num_children: 1 },
    { name: 'list', repetition_type: 'REPEATED', num_children: 1 },
    leafElement('element', elementType, true),
  ];
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

/** The value as the encoder wants it (int64 as bigint), or undefined when it does not fit the type. */
function checkScalar(type: ParquetScalarType, value: unknown): unknown {
  switch (type) {
    case 'string':
      return typeof value === 'string' ? value : undefined;
    case 'boolean':
      return typeof value === 'boolean' ? value : undefined;
    case 'float32':
    case 'float64':
      return typeof value === 'number' ? value : undefined;
    case 'int32':
      return Number.isInteger(value) && (value as number) >= -(2 ** 31) && (value as number) < 2 ** 31 ? value : undefined;
    case 'int64':
      if (typeof value === 'bigint') return value >= -(2n ** 63n) && value < 2n ** 63n ? value : undefined;
      return Number.isSafeInteger(value) ? BigInt(value as number) : undefined;
  }
}

/** One column's values for a row group, checked against its type (misuse is a TypeError naming column and row). */
function columnValues(spec: ParquetColumnSpec, rows: readonly Record<string, unknown>[], firstRow: number): unknown[] {
  const nullable = spec.nullable ?? true;
  const elementType = listElementType(spec.type);
  const values = new Array<unknown>(rows.length);
  for (let i = 0; i < rows.length; i += 1) {
    const value = rows[i]?.[spec.name] ?? null;
    const where = `column '${spec.name}' row ${firstRow + i}`;
    if (value === null) {
      if (!nullable) throw new TypeError(`Parquet writer: ${where} is null but the column is not nullable`);
      values[i] = null;
    } else if (elementType !== undefined) {
      if (!Array.isArray(value)) throw new TypeError(`Parquet writer: ${where}: expected ${spec.type}, got ${describe(value)}`);
      values[i] = value.map((item: unknown) => {
        if (item === null || item === undefined) return null;
        const checked = checkScalar(elementType, item);
        if (checked === undefined) throw new TypeError(`Parquet writer: ${where}: expected ${spec.type}, got an element of type ${describe(item)}`);
        return checked;
      });
    } else {
      const checked = checkScalar(spec.type as ParquetScalarType, value);
      if (checked === undefined) throw new TypeError(`Parquet writer: ${where}: expected ${spec.type}, got ${describe(value)}`);
      values[i] = checked;
    }
  }
  return values;
}

/** hyparquet-writer's byte sink, flushed to a file handle after each row group. */
class FileSink extends ByteWriter {
  readonly #path: string;
  readonly #label: string;
  #handle: FileHandle | undefined;

  constructor(path: string, label: string) {
    super(1 << 16);
    this.#path = path;
    this.#label = label;
  }

  async #open(): Promise<FileHandle> {
    if (this.#handle !== undefined) return this.#handle;
    try {
      this.#handle = await open(this.#path, 'w');
    } catch (error) {
      throw writeFailure(this.#label, error);
    }
    return this.#handle;
  }

  async flush(): Promise<void> {
    const handle = await this.#open();
    const bytes = new Uint8Array(this.buffer, 0, this.index);
    try {
      let written = 0;
      while (written < bytes.length) written += (await handle.write(bytes, written, bytes.length - written)).bytesWritten;
    } catch (error) {
      throw writeFailure(this.#label, error);
    }
    this.index = 0;
  }

  async close(): Promise<void> {
    const handle = this.#handle;
    this.#handle = undefined;
    try {
      await handle?.close();
    } catch (error) {
      throw writeFailure(this.#label, error);
    }
  }
}

/**
 * Creates a streaming Parquet writer: rows are buffered until a row group is full, then encoded and appended
 * to `path`, so memory is bounded by one row group. The file is opened (truncated) on the first write or close;
 * write to a temporary path and rename it yourself for atomicity. Calls are serialized in call order.
 *
 * Values per type: string -> string; int32 -> integer number; int64 -> safe-integer number or bigint;
 * float32 / float64 -> number; boolean -> boolean; list<T> (list<string>, list<float32>, ...) -> an array of
 * T values, empty allowed, null elements allowed. null or a missing key writes null (unless the column has
 * `nullable: false`). float32 stores the nearest float32 (a reader gets Math.fround(value) back).
 * A value of the wrong type rejects with a TypeError naming the column and 1-based row.
 *
 * Compression: zstd by default; snappy, gzip, brotli and uncompressed on request.
 */
export function createParquetWriter(path: string, schema: readonly ParquetColumnSpec[], options: ParquetWriterOptions = {}): ParquetFileWriter {
  const rowGroupSize = options.rowGroupSize ?? DEFAULT_ROW_GROUP_SIZE;
  if (!Number.isSafeInteger(rowGroupSize) || rowGroupSize < 1) throw new RangeError(`Parquet writer: rowGroupSize must be a positive integer, got ${rowGroupSize}`);
  if (schema.length === 0) throw new TypeError('Parquet writer: the schema has no columns');
  const names = new Set<string>();
  for (const spec of schema) {
    if (names.has(spec.name)) throw new TypeError(`Parquet writer: duplicate column '${spec.name}'`);
    if (!(PARQUET_COLUMN_TYPES as readonly string[]).includes(spec.type)) throw new TypeError(`Parquet writer: column '${spec.name}' has unknown type '${spec.type}'`);
    names.add(spec.name);
  }
  const codec = options.codec ?? defaultParquetCodec();
  const compressor = compressorFor(codec);

  const sink = new FileSink(path, options.label ?? path);
  const writer = new ParquetWriter({
    writer: sink,
    schema: [{ name: 'schema', num_children: schema.length }, ...schema.flatMap(schemaElements)],
    codec: CODEC_NAMES[codec],
    ...(compressor === undefined ? {} : { compressors: { [CODEC_NAMES[codec]]: compressor } }),
    createdBy: 'negmine (hyparquet-writer)',
  });
  let pending: Record<string, unknown>[] = [];
  let rowsWritten = 0;
  let state: 'open' | 'closed' | 'failed' = 'open';
  let queue: Promise<void> = Promise.resolve();

  async function writeGroup(rows: readonly Record<string, unknown>[]): Promise<void> {
    if (codec === 'zstd') await ensureZstd();
    const columnData: ColumnSource[] = schema.map((spec) => ({ name: spec.name, data: columnValues(spec, rows, rowsWritten + 1) }));
    await writer.write({ columnData, rowGroupSize: rows.length });
    rowsWritten += rows.length;
  }

  // Runs one operation after the previous one; a failure leaves the writer failed (only abort() still works).
  function enqueue(operation: () => Promise<void>): Promise<void> {
    const run = queue.then(async () => {
      if (state === 'closed') throw new Error(`Parquet writer for '${path}' is closed`);
      if (state === 'failed') throw new Error(`Parquet writer for '${path}' stopped after an earlier error`);
      try {
        await operation();
      } catch (error) {
        state = 'failed';
        throw error;
      }
    });
    queue = run.catch(() => undefined);
    return run;
  }

  return {
    write(rows) {
      return enqueue(async () => {
        for (const row of rows) {
          pending.push(row);
          if (pending.length === rowGroupSize) {
            const group = pending;
            pending = [];
            await writeGroup(group);
          }
        }
      });
    },
    close() {
      return enqueue(async () => {
        try {
          if (pending.length > 0) await writeGroup(pending);
          pending = [];
          // ParquetWriter.finish() appends the footer to the sink, whose own finish() is a no-op; flush it here.
          await writer.finish();
          await sink.flush();
        } finally {
          await sink.close();
        }
        state = 'closed';
      });
    },
    async abort() {
      await queue;
      state = 'closed';
      pending = [];
      await sink.close();
    },
  };
}
