import ort from 'onnxruntime-node';
import { NegmineError, errorMessage } from '../core/errors.ts';
import type { ExecutionTarget } from './device.ts';
import { sessionOptions } from './execution-provider.ts';
import { asVectorChunks, type ChunkArray, type VectorChunks, type VectorDtype } from '../core/vector-chunks.ts';
import { ELEM_FLOAT, ELEM_FLOAT16, ELEM_INT64, intAttribute, model, node, valueInfo } from './onnx-builder.ts';

/** Top-k per query, row-major [queries, k]; id -1 and score -Infinity fill what a small corpus cannot. */
export interface ExactSearchResult {
  k: number;
  scores: Float32Array;
  ids: Int32Array;
}

export interface ExactSearchOptions {
  target: ExecutionTarget;
  threads?: number;
  /** Corpus rows scored per run (default 16,384, also the most for float16); a piece spanning two stored chunks is copied. */
  chunkRows?: number;
}

const DEFAULT_SEARCH_CHUNK_ROWS = 16_384;
// Bounds the [queries, piece] score matrix of one run (and the buffers onnxruntime keeps for it) to 16 MiB: 256
// queries x 16,384 rows. 64 MiB was ~20% faster at 1M x 64 but held 48 MiB more for the whole search (docs/benchmarks.md).
const SCORE_MATRIX_FLOATS = 1 << 22;
// float16 pieces are cast to float32 inside the graph, at most this many rows at a time (24 MiB at dim 384).
const CAST_PIECE_ROWS = 16_384;

/**
 * Gemm(queries, corpus^T) -> TopK, with the corpus piece as an input: nothing is copied or built up front. A float16
 * corpus piece goes in as float16 and is cast to float32 inside the graph (onnxruntime's vectorized conversion, into
 * its own reused buffer), so scores accumulate in float32.
 */
function searchGraph(dim: number, dtype: VectorDtype): Buffer {
  const half = dtype === 'float16';
  const gemmCorpus = half ? 'corpus_float32' : 'corpus';
  return model({
    name: 'negmine-exact-search',
    nodes: [
      ...(half ? [node('Cast', ['corpus'], ['corpus_float32'], [intAttribute('to', ELEM_FLOAT)])] : []),
      node('Gemm', ['queries', gemmCorpus], ['scores'], [intAttribute('transB', 1)]),
      node('TopK', ['scores', 'k'], ['top_scores', 'top_ids'], [intAttribute('axis', -1), intAttribute('largest', 1), intAttribute('sorted', 1)]),
    ],
    inputs: [valueInfo('queries', ELEM_FLOAT, ['n', dim]), valueInfo('corpus', half ? ELEM_FLOAT16 : ELEM_FLOAT, ['m', dim]), valueInfo('k', ELEM_INT64, [1])],
    outputs: [valueInfo('top_scores', ELEM_FLOAT, ['n', 'k']), valueInfo('top_ids', ELEM_INT64, ['n', 'k'])],
  });
}

/** Corpus rows [offset, offset + rows), searched as one run. */
interface Piece {
  offset: number;
  rows: number;
}

/**
 * Exact inner-product top-k through onnxruntime (CPU, or CUDA on GPU hosts): one Gemm + TopK session scores a query
 * block against one corpus piece at a time (a view of a stored chunk; float16 is cast to float32 inside the graph),
 * and folds each piece's top-k into the running top-k of every query. Peak memory is one piece's
 * scores, never queries x corpus; results equal a single Gemm + TopK over the whole corpus, ties to the lower id.
 */
export class OnnxExactSearch {
  readonly size: number;
  readonly dim: number;
  readonly #session: ort.InferenceSession;
  readonly #corpus: VectorChunks;
  readonly #pieces: Piece[];
  readonly #pieceRows: number;
  /** Rows of a piece that spans two stored chunks, copied (allocated the first time one does). */
  #scratch: ChunkArray | undefined;

  private constructor(corpus: VectorChunks, session: ort.InferenceSession, pieces: Piece[]) {
    this.size = corpus.rows;
    this.dim = corpus.dim;
    this.#corpus = corpus;
    this.#session = session;
    this.#pieces = pieces;
    this.#pieceRows = pieces.reduce((most, piece) => Math.max(most, piece.rows), 0);
  }

  /** Search over `corpus` (chunks, or one float32 matrix [n, dim] seen as chunks without a copy). */
  static async create(corpus: VectorChunks | Float32Array, dim: number, options: ExactSearchOptions): Promise<OnnxExactSearch> {
    const chunks = asVectorChunks(corpus, dim);
    const requested = options.chunkRows ?? DEFAULT_SEARCH_CHUNK_ROWS;
    if (!Number.isSafeInteger(requested) || requested <= 0) throw new RangeError(`chunkRows must be a positive integer, got ${requested}`);
    // float16 chunks are searched in smaller pieces: the float32 cast of one piece is the extra memory.
    const pieceRows = chunks.dtype === 'float16' ? Math.min(requested, CAST_PIECE_ROWS) : requested;
    // Pieces of fixed rows whatever the stored chunks, so the scores (and ties) do not depend on --chunk-rows.
    const pieces: Piece[] = [];
    for (let offset = 0; offset < chunks.rows; offset += pieceRows) pieces.push({ offset, rows: Math.min(pieceRows, chunks.rows - offset) });
    try {
      const session = await ort.InferenceSession.create(searchGraph(chunks.dim, chunks.dtype), sessionOptions(options.target, options.threads));
      return new OnnxExactSearch(chunks, session, pieces);
    } catch (error) {
      throw new NegmineError('E_MODEL_LOAD', `Cannot build the exact-search graph: ${errorMessage(error)}`, { cause: error });
    }
  }

  /** Top-k for row-major queries [n, dim]; k is capped at the corpus size. */
  async search(queries: Float32Array, k: number, onProgress?: (done: number, total: number) => void): Promise<ExactSearchResult> {
    const { dim } = this;
    const count = queries.length / dim;
    const kept = Math.max(0, Math.min(k, this.size));
    const scores = new Float32Array(count * kept).fill(Number.NEGATIVE_INFINITY);
    const ids = new Int32Array(count * kept).fill(-1);
    if (kept === 0 || count === 0) return { k: kept, scores, ids };
    const batch = Math.max(1, Math.min(4096, Math.floor(SCORE_MATRIX_FLOATS / this.#pieceRows)));
    const inputs: ort.Tensor[] = [];
    for (let start = 0; start < count; start += batch) {
      const n = Math.min(batch, count - start);
      inputs.push(new ort.Tensor('float32', queries.subarray(start * dim, (start + n) * dim), [n, dim]));
    }
    const merge = new RunningTopK(kept, scores, ids);
    for (const [p, piece] of this.#pieces.entries()) {
      const corpus = this.#pieceTensor(piece);
      const width = Math.min(kept, piece.rows);
      const kTensor = new ort.Tensor('int64', BigInt64Array.from([BigInt(width)]), [1]);
      for (const [b, input] of inputs.entries()) {
        const output = await this.#session.run({ queries: input, corpus, k: kTensor });
        const topScores = output['top_scores']?.data as Float32Array;
        const topIds = output['top_ids']?.data as BigInt64Array;
        const first = b * batch;
        const n = input.dims[0] ?? 0;
        for (let row = 0; row < n; row += 1) merge.fold(first + row, topScores, topIds, row * width, width, piece.offset);
      }
      merge.grow(width);
      onProgress?.(Math.floor((count * (p + 1)) / this.#pieces.length), count);
    }
    return { k: kept, scores, ids };
  }

  async release(): Promise<void> {
    await this.#session.release();
  }

  /** The piece as a tensor: a view of its stored chunk, or a copy into one reused buffer when it spans two chunks. */
  #pieceTensor(piece: Piece): ort.Tensor {
    const corpus = this.#corpus;
    const values = corpus.storedRows(piece.offset, piece.rows, () => (this.#scratch ??= corpus.dtype === 'float16' ? new Uint16Array(this.#pieceRows * this.dim) : new Float32Array(this.#pieceRows * this.dim)));
    const dims = [piece.rows, this.dim];
    return values instanceof Float32Array ? new ort.Tensor('float32', values, dims) : new ort.Tensor('float16', values, dims);
  }
}

/**
 * The running top-k of every query, [queries, k] row-major: pieces arrive in row order, so on equal scores the
 * running entry (a lower id) stays ahead of the new one, as in one TopK over the whole corpus.
 */
class RunningTopK {
  /** Entries each query holds so far (the same for all queries: exact search fills every slot it can). */
  #filled = 0;
  readonly #mergedScores: Float32Array;
  readonly #mergedIds: Int32Array;

  constructor(
    readonly k: number,
    readonly scores: Float32Array,
    readonly ids: Int32Array,
  ) {
    this.#mergedScores = new Float32Array(k);
    this.#mergedIds = new Int32Array(k);
  }

  /** Merges query q's sorted piece list (width entries at `at`, piece-local ids) into its running list. */
  fold(q: number, pieceScores: Float32Array, pieceIds: BigInt64Array, at: number, width: number, offset: number): void {
    const { k, scores, ids } = this;
    const base = q * k;
    const filled = this.#filled;
    const total = Math.min(k, filled + width);
    const outScores = this.#mergedScores;
    const outIds = this.#mergedIds;
    let a = 0;
    let b = 0;
    for (let j = 0; j < total; j += 1) {
      const runningScore = a < filled ? (scores[base + a] ?? Number.NEGATIVE_INFINITY) : Number.NEGATIVE_INFINITY;
      const pieceScore = b < width ? (pieceScores[at + b] ?? Number.NEGATIVE_INFINITY) : Number.NEGATIVE_INFINITY;
      if (a < filled && (b >= width || runningScore >= pieceScore)) {
        outScores[j] = runningScore;
        outIds[j] = ids[base + a] ?? -1;
        a += 1;
      } else {
        outScores[j] = pieceScore;
        outIds[j] = Number(pieceIds[at + b] ?? -1n) + offset;
        b += 1;
      }
    }
    scores.set(outScores.subarray(0, total), base);
    ids.set(outIds.subarray(0, total), base);
  }

  /** After every query folded a piece of `width` entries. */
  grow(width: number): void {
    this.#filled = Math.min(this.k, this.#filled + width);
  }
}
