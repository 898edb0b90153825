import { createRequire } from 'node:module';
import { NegmineError, errorMessage } from '../core/errors.ts';
import { asVectorChunks, VectorChunks } from '../core/vector-chunks.ts';

type FaissNode = typeof import('faiss-node');

/** A faiss-node index object (any FAISS index type behind faiss-node's common class). */
export type FaissIndex = import('faiss-node').Index;

/** The common FAISS index header, as faiss/impl/index_write.cpp writes it after the fourcc. */
export interface FaissIndexHeader {
  /** Four-character type code, e.g. 'IxFI' (IndexFlatIP), 'IwFl' (IndexIVFFlat), 'IHNf' (IndexHNSWFlat). */
  fourcc: string;
  dim: number;
  size: number;
  isTrained: boolean;
  /** FAISS MetricType: 0 inner product, 1 L2. */
  metric: number;
  /** Offset of the first byte after the header. */
  end: number;
}

/** fourcc (4) | int32 d | int64 ntotal | int64 2^20 | int64 2^20 | uint8 is_trained | int32 metric. */
const HEADER_BYTES = 4 + 4 + 8 + 8 + 8 + 1 + 4;
/** Header, then the uint64 float count of the vectors that follow. */
export const FLAT_HEADER_BYTES = HEADER_BYTES + 8;
const FLAT_FOURCCS: ReadonlySet<string> = new Set(['IxFI', 'IxF2', 'IxFl']);
const DUMMY_FIELD = 1n << 20n;
const METRIC_INNER_PRODUCT = 0;
// float16 rows are widened into the index bytes through a buffer of this many floats (4 MiB).
const WIDEN_PIECE_FLOATS = 1 << 20;

const require = createRequire(import.meta.url);
let faissModule: FaissNode | undefined;

/** faiss-node, loaded on first use so that commands which never search start without the native addon. */
export function faissNode(): FaissNode {
  if (faissModule !== undefined) return faissModule;
  try {
    faissModule = require('faiss-node') as FaissNode;
  } catch (error) {
    const reason = errorMessage(error).split('\n')[0] ?? '';
    throw new NegmineError('E_NATIVE_DEP', `Cannot load faiss-node: ${reason} (run 'npm run faiss:build')`, { cause: error });
  }
  return faissModule;
}

/**
 * Reads the header every FAISS index type starts with (after its fourcc) at `offset`. Only valid for types whose
 * writer puts the header right after the fourcc: flat, IVF, HNSW, PQ, SQ, IDMap, Refine, PreTransform.
 */
export function readIndexHeader(buffer: Buffer, offset = 0): FaissIndexHeader {
  if (offset + HEADER_BYTES > buffer.length) {
    throw new NegmineError('E_INDEX', `Cannot read FAISS index: truncated header at byte ${offset} of ${buffer.length}`);
  }
  const fourcc = buffer.toString('latin1', offset, offset + 4);
  const dim = buffer.readInt32LE(offset + 4);
  const size = buffer.readBigInt64LE(offset + 8);
  const metric = buffer.readInt32LE(offset + 33);
  if (dim <= 0 || size < 0n || size > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new NegmineError('E_INDEX', `Cannot read FAISS index: '${fourcc}' header has dimension ${dim} and ${size} vectors`);
  }
  // Metrics above L2 (L1, Lp, ...) store a float metric_arg after the metric.
  const end = offset + HEADER_BYTES + (metric > 1 ? 4 : 0);
  return { fourcc, dim, size: Number(size), isTrained: buffer.readUInt8(offset + 32) !== 0, metric, end };
}

/**
 * Serializes row-major vectors [n, dim] (one matrix, or chunks in row order) as the bytes FAISS writes for an
 * IndexFlatIP ("IxFI"); faiss.read_index and faiss-node's fromBuffer load them. Chunks are copied straight into the
 * buffer (float16 widened piece by piece), so no other full-size copy is made. Little-endian, as FAISS writes host
 * order on x64 and arm64.
 */
export function flatIndexBytes(vectors: Float32Array | VectorChunks, dim: number): Buffer {
  if (!(vectors instanceof VectorChunks)) checkShape(vectors, dim);
  const chunks = asVectorChunks(vectors, dim);
  const floats = chunks.rows * chunks.dim;
  const buffer = Buffer.allocUnsafe(FLAT_HEADER_BYTES + floats * 4);
  buffer.write('IxFI', 0, 'latin1');
  buffer.writeInt32LE(chunks.dim, 4);
  buffer.writeBigInt64LE(BigInt(chunks.rows), 8);
  // Two unused int64 fields that FAISS still writes (2^20) and its readers skip.
  buffer.writeBigInt64LE(DUMMY_FIELD, 16);
  buffer.writeBigInt64LE(DUMMY_FIELD, 24);
  buffer.writeUInt8(1, 32);
  buffer.writeInt32LE(METRIC_INNER_PRODUCT, 33);
  buffer.writeBigUInt64LE(BigInt(floats), 37);
  let at = FLAT_HEADER_BYTES;
  const pieceRows = Math.max(1, Math.floor(WIDEN_PIECE_FLOATS / chunks.dim));
  const scratch = chunks.dtype === 'float32' ? undefined : new Float32Array(Math.min(chunks.rows, pieceRows) * chunks.dim);
  for (let i = 0; i < chunks.chunkCount; i += 1) {
    const rows = chunks.chunkRowCount(i);
    // The data starts at an odd offset, so floats go in as bytes.
    for (let from = 0; from < rows; from += pieceRows) {
      const piece = chunks.chunkFloat32(i, scratch, from, Math.min(pieceRows, rows - from));
      buffer.set(new Uint8Array(piece.buffer, piece.byteOffset, piece.byteLength), at);
      at += piece.byteLength;
    }
  }
  return buffer;
}

/** The vectors stored in a serialized flat index (IndexFlatIP, IndexFlatL2 or IndexFlat), as a fresh row-major copy. */
export function flatIndexVectors(buffer: Buffer): { dim: number; size: number; metric: number; vectors: Float32Array } {
  const header = readIndexHeader(buffer);
  if (!FLAT_FOURCCS.has(header.fourcc)) {
    throw new NegmineError('E_INDEX', `Cannot read vectors from FAISS index '${header.fourcc}': not a flat index (IxFI, IxF2, IxFl)`);
  }
  const floats = flatFloatCount(buffer, header);
  const vectors = new Float32Array(floats);
  // Copy through bytes: the data starts at an odd offset, so it cannot be viewed as floats in place.
  new Uint8Array(vectors.buffer).set(buffer.subarray(header.end + 8, header.end + 8 + floats * 4));
  return { dim: header.dim, size: header.size, metric: header.metric, vectors };
}

/** Checks that a serialized flat index holds exactly ntotal * d floats; FAISS would abort, not throw, on some lies. */
export function checkFlatIndexBytes(buffer: Buffer): void {
  if (FLAT_FOURCCS.has(buffer.toString('latin1', 0, 4))) flatFloatCount(buffer, readIndexHeader(buffer));
}

/** An IndexFlatIP over row-major vectors [n, dim], loaded from serialized bytes instead of faiss-node's slow add(). */
export function buildFlatIndex(vectors: Float32Array | VectorChunks, dim: number): FaissIndex {
  return faissNode().IndexFlatIP.fromBuffer(flatIndexBytes(vectors, dim));
}

function flatFloatCount(buffer: Buffer, header: FaissIndexHeader): number {
  if (header.end + 8 > buffer.length) throw new NegmineError('E_INDEX', 'Cannot read flat FAISS index: truncated before its vectors');
  const floats = Number(buffer.readBigUInt64LE(header.end));
  const expected = header.size * header.dim;
  if (floats !== expected || header.end + 8 + floats * 4 !== buffer.length) {
    throw new NegmineError(
      'E_INDEX',
      `Cannot read flat FAISS index: header says ${header.size} x ${header.dim} (${expected} floats), found ${floats} floats in ${buffer.length} bytes`,
    );
  }
  return floats;
}

function checkShape(vectors: Float32Array, dim: number): void {
  if (!Number.isInteger(dim) || dim <= 0) throw new RangeError(`dim must be a positive integer, got ${dim}`);
  if (vectors.length % dim !== 0) throw new RangeError(`vectors has ${vectors.length} floats, not a multiple of dim ${dim}`);
}
