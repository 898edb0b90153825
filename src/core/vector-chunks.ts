import { float16Table, float32ToFloat16, widenFloat16Into } from './float16.ts';

export const VECTOR_DTYPES = ['float32', 'float16'] as const;
/** How vectors are stored: float32, or float16 as raw IEEE 754 half bits in a Uint16Array. */
export type VectorDtype = (typeof VECTOR_DTYPES)[number];
/** One chunk's rows, row-major [rows, dim]. */
export type ChunkArray = Float32Array | Uint16Array;

/** Rows per chunk unless a caller says otherwise: 65,536 x 384 float32 is 96 MiB. */
export const DEFAULT_CHUNK_ROWS = 65_536;

/** A new zeroed array of `values` stored values: float32, or float16 bits. */
export function storedArray(dtype: VectorDtype, values: number): ChunkArray {
  return dtype === 'float16' ? new Uint16Array(values) : new Float32Array(values);
}

/** The bytes of a stored array (a view, no copy). */
export function bytesOf(array: ChunkArray): Uint8Array {
  return new Uint8Array(array.buffer, array.byteOffset, array.byteLength);
}

/** Copies `dim` stored values from stored[offset] into out[at, at + dim) as float32. */
export function readStoredRow(stored: ChunkArray, offset: number, dim: number, out: Float32Array, at: number): void {
  if (stored instanceof Float32Array) {
    for (let d = 0; d < dim; d += 1) out[at + d] = stored[offset + d] ?? 0;
  } else {
    widenFloat16Into(stored, offset, dim, out, at);
  }
}

/** The inner product of `dim` stored values from stored[offset] with vector[at, at + dim). */
export function dotStoredRow(stored: ChunkArray, offset: number, dim: number, vector: Float32Array, at: number): number {
  let sum = 0;
  if (stored instanceof Float32Array) {
    for (let d = 0; d < dim; d += 1) sum += (stored[offset + d] ?? 0) * (vector[at + d] ?? 0);
  } else {
    const table = float16Table();
    for (let d = 0; d < dim; d += 1) sum += (table[stored[offset + d] ?? 0] ?? 0) * (vector[at + d] ?? 0);
  }
  return sum;
}

/** What row-wise consumers (identity checks, candidate scores, index training) need: rows read as float32. */
export interface VectorRows {
  readonly dim: number;
  readonly rows: number;
  /** Copies row `row` into out[at, at + dim) as float32. */
  readRow(row: number, out: Float32Array, at?: number): void;
  /** The inner product of row `row` with vector[at, at + dim), accumulated in float32-read values. */
  dotRow(row: number, vector: Float32Array, at?: number): number;
}

/** Rows a query block is read as: search takes a block's rows in one float32 array. */
export interface BlockVectorRows extends VectorRows {
  /** Rows [start, start + count) as one fresh float32 array. */
  readRows(start: number, count: number): Float32Array;
}

/** Vectors that can be written out at their stored precision, piece by piece (to the embedding cache). */
export interface StoredVectors {
  readonly dtype: VectorDtype;
  /** The stored rows in order (float32 values or float16 bits), in pieces of whole rows. */
  storedParts(): Iterable<ChunkArray>;
}

export interface ChunkingOptions {
  dtype?: VectorDtype;
  chunkRows?: number;
}

/**
 * Vectors as a list of fixed-size row chunks (every chunk holds chunkRows rows but the last), so no single array
 * spans the corpus and each chunk can be stored or loaded on its own. float16 chunks are read through widening.
 */
export class VectorChunks implements BlockVectorRows, StoredVectors {
  readonly rows: number;
  readonly #chunks: readonly ChunkArray[];
  readonly #shift: number | undefined;

  constructor(
    readonly dim: number,
    readonly dtype: VectorDtype,
    readonly chunkRows: number,
    chunks: readonly ChunkArray[],
  ) {
    if (!Number.isSafeInteger(dim) || dim <= 0) throw new RangeError(`dim must be a positive integer, got ${dim}`);
    checkChunkRows(chunkRows);
    let rows = 0;
    chunks.forEach((chunk, i) => {
      if ((dtype === 'float16') !== chunk instanceof Uint16Array) throw new TypeError(`chunk ${i} is a ${chunk.constructor.name}, not ${dtype} storage`);
      const last = i === chunks.length - 1;
      const chunkRowsHere = chunk.length / dim;
      if (!Number.isInteger(chunkRowsHere) || chunkRowsHere > chunkRows || (!last && chunkRowsHere !== chunkRows) || (last && chunkRowsHere === 0)) {
        throw new RangeError(`chunk ${i} holds ${chunk.length} values: expected ${last ? `1 to ${chunkRows}` : chunkRows} rows of dim ${dim}`);
      }
      rows += chunkRowsHere;
    });
    this.rows = rows;
    this.#chunks = chunks;
    // Row lookups by shift when chunkRows is a power of two (the default).
    this.#shift = (chunkRows & (chunkRows - 1)) === 0 ? Math.log2(chunkRows) : undefined;
  }

  /** Chunks of `vectors` [n, dim]: float32 chunks are views (no copy), float16 chunks are narrowed copies. */
  static fromFloat32(vectors: Float32Array, dim: number, options: ChunkingOptions = {}): VectorChunks {
    const dtype = options.dtype ?? 'float32';
    const chunkRows = options.chunkRows ?? DEFAULT_CHUNK_ROWS;
    checkChunkRows(chunkRows);
    if (vectors.length % dim !== 0) throw new RangeError(`vectors has ${vectors.length} floats, not a multiple of dim ${dim}`);
    const chunks: ChunkArray[] = [];
    const step = chunkRows * dim;
    for (let start = 0; start < vectors.length; start += step) {
      const view = vectors.subarray(start, Math.min(vectors.length, start + step));
      chunks.push(dtype === 'float32' ? view : float32ToFloat16(view));
    }
    return new VectorChunks(dim, dtype, chunkRows, chunks);
  }

  /** Chunks that view one stored array [n, dim] (float32 values, or float16 bits in a Uint16Array): no copy. */
  static fromStored(stored: ChunkArray, dim: number, chunkRows = DEFAULT_CHUNK_ROWS): VectorChunks {
    checkChunkRows(chunkRows);
    if (stored.length % dim !== 0) throw new RangeError(`stored vectors have ${stored.length} values, not a multiple of dim ${dim}`);
    const chunks: ChunkArray[] = [];
    const step = chunkRows * dim;
    for (let start = 0; start < stored.length; start += step) chunks.push(stored.subarray(start, Math.min(stored.length, start + step)));
    return new VectorChunks(dim, stored instanceof Uint16Array ? 'float16' : 'float32', chunkRows, chunks);
  }

  get chunkCount(): number {
    return this.#chunks.length;
  }

  /** Stored bytes of every chunk. */
  get byteLength(): number {
    return this.#chunks.reduce((sum, chunk) => sum + chunk.byteLength, 0);
  }

  /** Chunk i as stored (float32 values or float16 bits). */
  chunk(i: number): ChunkArray {
    const chunk = this.#chunks[i];
    if (chunk === undefined) throw new RangeError(`chunk ${i} is outside [0, ${this.#chunks.length})`);
    return chunk;
  }

  *storedParts(): Iterable<ChunkArray> {
    yield* this.#chunks;
  }

  /** The first row of chunk i. */
  chunkStart(i: number): number {
    return i * this.chunkRows;
  }

  /** Rows in chunk i. */
  chunkRowCount(i: number): number {
    return this.chunk(i).length / this.dim;
  }

  /**
   * Rows [from, from + count) of chunk i as float32: a view of a float32 chunk, or widened into `scratch` (reused by
   * the caller, at least count * dim long) for float16.
   */
  chunkFloat32(i: number, scratch?: Float32Array, from = 0, count = this.chunkRowCount(i) - from): Float32Array {
    const chunk = this.chunk(i);
    const begin = from * this.dim;
    const length = count * this.dim;
    if (chunk instanceof Float32Array) return chunk.subarray(begin, begin + length);
    const out = scratch === undefined ? new Float32Array(length) : scratch.subarray(0, length);
    if (out.length < length) throw new RangeError(`scratch holds ${scratch?.length ?? 0} floats, ${length} needed`);
    widenFloat16Into(chunk, begin, length, out);
    return out;
  }

  readRow(row: number, out: Float32Array, at = 0): void {
    const { chunk, offset } = this.#locate(row);
    readStoredRow(chunk, offset, this.dim, out, at);
  }

  dotRow(row: number, vector: Float32Array, at = 0): number {
    const { chunk, offset } = this.#locate(row);
    return dotStoredRow(chunk, offset, this.dim, vector, at);
  }

  /** Rows [start, start + count) as one fresh float32 array (a query block), across chunk boundaries. */
  readRows(start: number, count: number): Float32Array {
    this.#checkRange(start, count);
    const out = new Float32Array(count * this.dim);
    this.#eachPart(start, count, (part, at) => {
      if (part instanceof Float32Array) out.set(part, at);
      else widenFloat16Into(part, 0, part.length, out, at);
    });
    return out;
  }

  /**
   * Rows [start, start + count) as stored (float32 values or float16 bits): a view when they lie in one chunk, else
   * copied into `scratch` (same storage type, at least count * dim long) across the chunk boundaries.
   */
  storedRows(start: number, count: number, scratch: () => ChunkArray): ChunkArray {
    this.#checkRange(start, count, 1);
    const first = Math.floor(start / this.chunkRows);
    const { dim } = this;
    if (Math.floor((start + count - 1) / this.chunkRows) === first) {
      const from = (start - this.chunkStart(first)) * dim;
      return this.chunk(first).subarray(from, from + count * dim);
    }
    const out = scratch().subarray(0, count * dim);
    if (out.length < count * dim || (out instanceof Uint16Array) !== (this.dtype === 'float16')) throw new RangeError(`scratch must hold ${count * dim} ${this.dtype} values`);
    this.#eachPart(start, count, (part, at) => {
      if (out instanceof Float32Array && part instanceof Float32Array) out.set(part, at);
      else if (out instanceof Uint16Array && part instanceof Uint16Array) out.set(part, at);
    });
    return out;
  }

  #checkRange(start: number, count: number, least = 0): void {
    if (start < 0 || count < least || start + count > this.rows) throw new RangeError(`rows [${start}, ${start + count}) are outside [0, ${this.rows})`);
  }

  /** Calls `use` with each chunk's stored slice of rows [start, start + count) and where it goes in a [count, dim] array. */
  #eachPart(start: number, count: number, use: (part: ChunkArray, at: number) => void): void {
    const { dim } = this;
    for (let row = start; row < start + count; ) {
      const i = Math.floor(row / this.chunkRows);
      const from = row - this.chunkStart(i);
      const take = Math.min(this.chunkRowCount(i) - from, start + count - row);
      use(this.chunk(i).subarray(from * dim, (from + take) * dim), (row - start) * dim);
      row += take;
    }
  }

  #locate(row: number): { chunk: ChunkArray; offset: number } {
    if (!(row >= 0 && row < this.rows)) throw new RangeError(`row ${row} is outside [0, ${this.rows})`);
    const i = this.#shift === undefined ? Math.floor(row / this.chunkRows) : row >>> this.#shift;
    const chunk = this.#chunks[i] as ChunkArray;
    return { chunk, offset: (row - i * this.chunkRows) * this.dim };
  }
}

export interface ChunkWriterOptions extends ChunkingOptions {
  /** Rows that will be appended, when known: each chunk is then allocated once at its final size. */
  expectedRows?: number;
  /** Called with each chunk once it is full (to be persisted), and with the last one at finish(). */
  onChunk?: (index: number, chunk: ChunkArray) => void;
}

/**
 * Builds chunks from row batches as they arrive (an encoder's output), narrowing to the storage dtype; each chunk is
 * handed to `onChunk` once full and kept for `finish()`. Rows are copied: the caller may reuse its batch buffer.
 */
export class VectorChunkWriter {
  readonly dtype: VectorDtype;
  readonly chunkRows: number;
  readonly #chunks: ChunkArray[] = [];
  readonly #expectedRows: number | undefined;
  readonly #onChunk: ((index: number, chunk: ChunkArray) => void) | undefined;
  /** The chunk being filled, when its size is known; else narrowed copies of its rows so far. */
  #current: ChunkArray | undefined;
  #parts: ChunkArray[] = [];
  #filled = 0;
  #rows = 0;

  constructor(
    readonly dim: number,
    options: ChunkWriterOptions = {},
  ) {
    this.dtype = options.dtype ?? 'float32';
    this.chunkRows = options.chunkRows ?? DEFAULT_CHUNK_ROWS;
    checkChunkRows(this.chunkRows);
    this.#expectedRows = options.expectedRows;
    this.#onChunk = options.onChunk;
  }

  /** Appends rows [n, dim]. */
  append(rows: Float32Array): void {
    if (rows.length % this.dim !== 0) throw new RangeError(`append got ${rows.length} floats, not a multiple of dim ${this.dim}`);
    const full = this.chunkRows * this.dim;
    let read = 0;
    while (read < rows.length) {
      const current = this.#target();
      const take = Math.min(rows.length - read, (current?.length ?? full) - this.#filled);
      const part = rows.subarray(read, read + take);
      if (current === undefined) this.#parts.push(this.dtype === 'float32' ? part.slice() : float32ToFloat16(part));
      else if (current instanceof Float32Array) current.set(part, this.#filled);
      else float32ToFloat16(part, current.subarray(this.#filled, this.#filled + take));
      this.#filled += take;
      this.#rows += take / this.dim;
      read += take;
      if (this.#filled === (current?.length ?? full)) this.#seal();
    }
  }

  /** All chunks so far, the partial last one included. */
  finish(): VectorChunks {
    if (this.#filled > 0) this.#seal();
    return new VectorChunks(this.dim, this.dtype, this.chunkRows, this.#chunks);
  }

  /** The preallocated chunk to write into, or undefined when the chunk's final size is unknown. */
  #target(): ChunkArray | undefined {
    if (this.#current !== undefined || this.#expectedRows === undefined) return this.#current;
    const rows = Math.min(this.chunkRows, this.#expectedRows - this.#rows);
    if (rows <= 0) throw new RangeError(`more rows appended than the ${this.#expectedRows} announced`);
    this.#current = this.dtype === 'float32' ? new Float32Array(rows * this.dim) : new Uint16Array(rows * this.dim);
    return this.#current;
  }

  #seal(): void {
    let chunk: ChunkArray;
    if (this.#current !== undefined) {
      chunk = this.#current.length === this.#filled ? this.#current : this.#current.slice(0, this.#filled);
    } else if (this.#parts.length === 1 && this.#parts[0] !== undefined) {
      chunk = this.#parts[0];
    } else {
      chunk = this.dtype === 'float32' ? new Float32Array(this.#filled) : new Uint16Array(this.#filled);
      let at = 0;
      for (const part of this.#parts) {
        if (chunk instanceof Float32Array && part instanceof Float32Array) chunk.set(part, at);
        else if (chunk instanceof Uint16Array && part instanceof Uint16Array) chunk.set(part, at);
        at += part.length;
      }
    }
    this.#chunks.push(chunk);
    this.#onChunk?.(this.#chunks.length - 1, chunk);
    this.#current = undefined;
    this.#parts = [];
    this.#filled = 0;
  }
}

/** A float32 matrix as chunks without copying, or the chunks themselves. */
export function asVectorChunks(vectors: Float32Array | VectorChunks, dim: number, chunkRows?: number): VectorChunks {
  if (vectors instanceof VectorChunks) return vectors;
  return VectorChunks.fromFloat32(vectors, dim, chunkRows === undefined ? {} : { chunkRows });
}

function checkChunkRows(chunkRows: number): void {
  if (!Number.isSafeInteger(chunkRows) || chunkRows <= 0) throw new RangeError(`chunkRows must be a positive integer, got ${chunkRows}`);
}
