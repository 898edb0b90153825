import { closeSync, openSync, readSync, writeSync } from 'node:fs';
import { widenFloat16Into } from '../core/float16.ts';
import { bytesOf, dotStoredRow, readStoredRow, storedArray, type BlockVectorRows, type ChunkArray, type VectorDtype } from '../core/vector-chunks.ts';

/** Rows read back per window unless the caller says otherwise (a query block). */
const DEFAULT_WINDOW_ROWS = 1024;
/** Rows per piece when the whole file is streamed out (to the embedding cache). */
const PIECE_ROWS = 16_384;

/**
 * Vectors written to a file at their stored precision (float32 values or float16 bits, row-major) as they are
 * computed, so a stage can drop each chunk once it is on disk. The file belongs to the caller (a temp folder).
 */
export class VectorSpillWriter {
  readonly #fd: number;
  #values = 0;
  #dim: number | undefined;

  constructor(
    readonly file: string,
    readonly dtype: VectorDtype,
  ) {
    this.#fd = openSync(file, 'w+');
  }

  /** Appends rows [n, dim] as stored; every append must have the same dim. */
  append(rows: ChunkArray, dim: number): void {
    if ((rows instanceof Uint16Array) !== (this.dtype === 'float16')) throw new TypeError(`a ${rows.constructor.name} is not ${this.dtype} storage`);
    if (this.#dim !== undefined && this.#dim !== dim) throw new RangeError(`rows of dim ${dim} appended to a spill of dim ${this.#dim}`);
    if (rows.length % dim !== 0) throw new RangeError(`${rows.length} values are not whole rows of dim ${dim}`);
    this.#dim = dim;
    const bytes = bytesOf(rows);
    const position = this.#values * rows.BYTES_PER_ELEMENT;
    for (let written = 0; written < bytes.length; ) written += writeSync(this.#fd, bytes, written, bytes.length - written, position + written);
    this.#values += rows.length;
  }

  /** Forgets what was appended (a verified source failed half way): the next append starts the file again. */
  reset(): void {
    this.#values = 0;
    this.#dim = undefined;
  }

  /** The reader over what was appended; it takes over the file descriptor. */
  finish(dim: number, windowRows = DEFAULT_WINDOW_ROWS): SpilledVectors {
    if (this.#dim !== undefined && this.#dim !== dim) throw new RangeError(`spill of dim ${this.#dim} finished as dim ${dim}`);
    return new SpilledVectors(this.#fd, this.file, dim, this.dtype, this.#values / dim, windowRows);
  }

  /** Closes the file when no reader took it (an error before finish). */
  abandon(): void {
    closeSync(this.#fd);
  }
}

/**
 * Spilled vectors read back by row with positioned reads: one window of `windowRows` rows stays in memory, so a
 * query block's rows cost one read however many queries the job has.
 */
export class SpilledVectors implements BlockVectorRows {
  #fd: number | undefined;
  readonly #window: ChunkArray;
  readonly #windowRows: number;
  #windowStart = -1;
  #windowCount = 0;

  constructor(
    fd: number,
    readonly file: string,
    readonly dim: number,
    readonly dtype: VectorDtype,
    readonly rows: number,
    windowRows: number,
  ) {
    if (!Number.isSafeInteger(rows) || rows < 0) throw new RangeError(`spill holds ${rows} rows of dim ${dim}: not whole rows`);
    this.#fd = fd;
    this.#windowRows = Math.max(1, Math.min(windowRows, rows));
    this.#window = storedArray(dtype, this.#windowRows * dim);
  }

  /** Stored bytes on disk. */
  get byteLength(): number {
    return this.rows * this.dim * (this.dtype === 'float16' ? 2 : 4);
  }

  readRow(row: number, out: Float32Array, at = 0): void {
    readStoredRow(this.#window, this.#locate(row), this.dim, out, at);
  }

  dotRow(row: number, vector: Float32Array, at = 0): number {
    return dotStoredRow(this.#window, this.#locate(row), this.dim, vector, at);
  }

  /** Rows [start, start + count) as one fresh float32 array (a query block). */
  readRows(start: number, count: number): Float32Array {
    this.#checkRange(start, count);
    const stored = storedArray(this.dtype, count * this.dim);
    this.#read(stored, start);
    if (stored instanceof Float32Array) return stored;
    const out = new Float32Array(stored.length);
    widenFloat16Into(stored, 0, stored.length, out);
    return out;
  }

  /** The stored rows in order, a piece at a time (each piece a fresh array): for writing them elsewhere. */
  *storedParts(): Iterable<ChunkArray> {
    for (let start = 0; start < this.rows; start += PIECE_ROWS) {
      const piece = storedArray(this.dtype, Math.min(PIECE_ROWS, this.rows - start) * this.dim);
      this.#read(piece, start);
      yield piece;
    }
  }

  close(): void {
    if (this.#fd !== undefined) closeSync(this.#fd);
    this.#fd = undefined;
  }

  #checkRange(start: number, count: number): void {
    if (!(start >= 0 && count >= 0 && start + count <= this.rows)) throw new RangeError(`rows [${start}, ${start + count}) are outside [0, ${this.rows})`);
  }

  /** Where row `row` starts in the window, reading the window that holds it when it is not the current one. */
  #locate(row: number): number {
    if (!(row >= 0 && row < this.rows)) throw new RangeError(`row ${row} is outside [0, ${this.rows})`);
    if (row < this.#windowStart || row >= this.#windowStart + this.#windowCount) {
      const start = row - (row % this.#windowRows);
      const count = Math.min(this.#windowRows, this.rows - start);
      this.#windowStart = -1;
      this.#read(this.#window.subarray(0, count * this.dim), start);
      this.#windowStart = start;
      this.#windowCount = count;
    }
    return (row - this.#windowStart) * this.dim;
  }

  #read(into: ChunkArray, startRow: number): void {
    if (this.#fd === undefined) throw new Error(`vector spill ${this.file} is closed`);
    const bytes = bytesOf(into);
    const position = startRow * this.dim * into.BYTES_PER_ELEMENT;
    for (let done = 0; done < bytes.length; ) {
      const read = readSync(this.#fd, bytes, done, bytes.length - done, position + done);
      if (read === 0) throw new Error(`vector spill ${this.file} ends before byte ${position + bytes.length}`);
      done += read;
    }
  }
}
