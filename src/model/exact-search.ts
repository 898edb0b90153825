import ort from 'onnxruntime-node';
import { NegmineError, errorMessage } from '../core/errors.ts';
import type { ExecutionTarget } from './device.ts';
import { sessionOptions } from './execution-provider.ts';
import { ELEM_FLOAT, ELEM_INT64, intAttribute, model, node, valueInfo } from './onnx-builder.ts';

/** Top-k per query, row-major [queries, k]; id -1 and score -Infinity fill what a small corpus cannot. */
export interface ExactSearchResult {
  k: number;
  scores: Float32Array;
  ids: Int32Array;
}

export interface ExactSearchOptions {
  target: ExecutionTarget;
  threads?: number;
  /** Corpus rows scored per run. */
  shardRows?: number;
}

const DEFAULT_SHARD_ROWS = 65_536;
// Bounds the [queries, shard] score matrix of one run to ~64 MB.
const SCORE_MATRIX_FLOATS = 1 << 24;

/** Gemm(queries, corpus^T) -> TopK, with the corpus shard as an input: nothing is copied or built up front. */
function searchGraph(dim: number): Buffer {
  return model({
    name: 'negmine-exact-search',
    nodes: [
      node('Gemm', ['queries', 'corpus'], ['scores'], [intAttribute('transB', 1)]),
      node('TopK', ['scores', 'k'], ['top_scores', 'top_ids'], [intAttribute('axis', -1), intAttribute('largest', 1), intAttribute('sorted', 1)]),
    ],
    inputs: [valueInfo('queries', ELEM_FLOAT, ['n', dim]), valueInfo('corpus', ELEM_FLOAT, ['m', dim]), valueInfo('k', ELEM_INT64, [1])],
    outputs: [valueInfo('top_scores', ELEM_FLOAT, ['n', 'k']), valueInfo('top_ids', ELEM_INT64, ['n', 'k'])],
  });
}

interface Shard {
  offset: number;
  rows: number;
  vectors: Float32Array;
}

/**
 * Exact inner-product top-k through onnxruntime (CPU, or CUDA on GPU hosts): one Gemm + TopK session scores query
 * batches against corpus shards (views of the caller's vectors, not copies), and shard results are merged per query.
 */
export class OnnxExactSearch {
  readonly size: number;
  readonly dim: number;
  readonly #session: ort.InferenceSession;
  readonly #shards: Shard[];

  private constructor(size: number, dim: number, session: ort.InferenceSession, shards: Shard[]) {
    this.size = size;
    this.dim = dim;
    this.#session = session;
    this.#shards = shards;
  }

  static async create(vectors: Float32Array, dim: number, options: ExactSearchOptions): Promise<OnnxExactSearch> {
    const size = dim === 0 ? 0 : vectors.length / dim;
    const shardRows = options.shardRows ?? DEFAULT_SHARD_ROWS;
    const shards: Shard[] = [];
    for (let offset = 0; offset < size; offset += shardRows) {
      const rows = Math.min(shardRows, size - offset);
      shards.push({ offset, rows, vectors: vectors.subarray(offset * dim, (offset + rows) * dim) });
    }
    try {
      const session = await ort.InferenceSession.create(searchGraph(dim), sessionOptions(options.target, options.threads));
      return new OnnxExactSearch(size, dim, session, shards);
    } catch (error) {
      throw new NegmineError('E_MODEL_LOAD', `Cannot build the exact-search graph: ${errorMessage(error)}`, { cause: error });
    }
  }

  /** Top-k for row-major queries [n, dim]; k is capped at the corpus size. */
  async search(queries: Float32Array, k: number, onProgress?: (done: number, total: number) => void): Promise<ExactSearchResult> {
    const count = this.dim === 0 ? 0 : queries.length / this.dim;
    const kept = Math.max(0, Math.min(k, this.size));
    const scores = new Float32Array(count * kept).fill(Number.NEGATIVE_INFINITY);
    const ids = new Int32Array(count * kept).fill(-1);
    if (kept === 0 || count === 0) return { k: kept, scores, ids };
    const largestShard = this.#shards.reduce((most, s) => Math.max(most, s.rows), 0);
    const batch = Math.max(1, Math.min(4096, Math.floor(SCORE_MATRIX_FLOATS / largestShard)));
    for (let start = 0; start < count; start += batch) {
      const n = Math.min(batch, count - start);
      const input = new ort.Tensor('float32', queries.subarray(start * this.dim, (start + n) * this.dim), [n, this.dim]);
      const partial: { scores: Float32Array; ids: BigInt64Array; width: number; offset: number }[] = [];
      for (const shard of this.#shards) {
        const width = Math.min(kept, shard.rows);
        const output = await this.#session.run({
          queries: input,
          corpus: new ort.Tensor('float32', shard.vectors, [shard.rows, this.dim]),
          k: new ort.Tensor('int64', BigInt64Array.from([BigInt(width)]), [1]),
        });
        partial.push({ scores: output['top_scores']?.data as Float32Array, ids: output['top_ids']?.data as BigInt64Array, width, offset: shard.offset });
      }
      for (let row = 0; row < n; row += 1) mergeRow(partial, row, kept, scores, ids, (start + row) * kept);
      onProgress?.(start + n, count);
    }
    return { k: kept, scores, ids };
  }

  async release(): Promise<void> {
    await this.#session.release();
  }
}

/** Merges one query's per-shard top lists (each sorted) into the global top-k: score desc, then id asc for ties. */
function mergeRow(partial: readonly { scores: Float32Array; ids: BigInt64Array; width: number; offset: number }[], row: number, k: number, scores: Float32Array, ids: Int32Array, target: number): void {
  const heads = new Int32Array(partial.length);
  for (let j = 0; j < k; j += 1) {
    let best = -1;
    let bestScore = Number.NEGATIVE_INFINITY;
    let bestId = Number.MAX_SAFE_INTEGER;
    for (let p = 0; p < partial.length; p += 1) {
      const shard = partial[p];
      const head = heads[p] ?? 0;
      if (shard === undefined || head >= shard.width) continue;
      const score = shard.scores[row * shard.width + head] ?? Number.NEGATIVE_INFINITY;
      if (score < bestScore) continue;
      const id = Number(shard.ids[row * shard.width + head] ?? -1n) + shard.offset;
      if (score > bestScore || id < bestId || best === -1) {
        best = p;
        bestScore = score;
        bestId = id;
      }
    }
    if (best === -1) return;
    heads[best] = (heads[best] ?? 0) + 1;
    scores[target + j] = bestScore;
    ids[target + j] = bestId;
  }
}
