import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import { VectorChunks } from '../../src/core/vector-chunks.ts';
import { readBiEncoderFiles } from '../../src/io/model-files.ts';
import { OnnxExactSearch, type ExactSearchResult } from '../../src/model/exact-search.ts';
import { openBiEncoder } from '../../src/pipeline/bi-encoder-loader.ts';
import { seededRandom } from '../../src/core/random.ts';
import { REPO_ROOT } from '../helpers/cli.ts';
import { loadMsmarco } from '../helpers/msmarco.ts';
import { sharedDataDir } from '../helpers/shared-data.ts';
import { topKOverlap } from '../helpers/vectors.ts';

const CPU = { target: { provider: 'cpu' as const } };

function randomUnitVectors(rows: number, dim: number, seed: number): Float32Array {
  const random = seededRandom(seed);
  const data = new Float32Array(rows * dim);
  for (let r = 0; r < rows; r += 1) {
    let norm = 0;
    for (let d = 0; d < dim; d += 1) {
      const value = random() * 2 - 1;
      data[r * dim + d] = value;
      norm += value * value;
    }
    for (let d = 0; d < dim; d += 1) data[r * dim + d] = (data[r * dim + d] ?? 0) / Math.sqrt(norm);
  }
  return data;
}

function bruteForce(corpus: Float32Array, queries: Float32Array, dim: number, k: number): number[][] {
  const rows = corpus.length / dim;
  return Array.from({ length: queries.length / dim }, (_, q) => {
    const scored = Array.from({ length: rows }, (_, r) => {
      let score = 0;
      for (let d = 0; d < dim; d += 1) score += (queries[q * dim + d] ?? 0) * (corpus[r * dim + d] ?? 0);
      return { r, score };
    });
    return scored.sort((a, b) => b.score - a.score || a.r - b.r).slice(0, k).map((s) => s.r);
  });
}

async function searchWith(corpus: VectorChunks | Float32Array, dim: number, queries: Float32Array, k: number, chunkRows?: number): Promise<ExactSearchResult> {
  const search = await OnnxExactSearch.create(corpus, dim, { ...CPU, ...(chunkRows === undefined ? {} : { chunkRows }) });
  try {
    return await search.search(queries, k);
  } finally {
    await search.release();
  }
}

/** A corpus where every row appears three times (rows r, r + n, r + 2n) and queries hit exact duplicates of rows. */
function tiedCorpus(dim: number): { corpus: Float32Array; queries: Float32Array } {
  const base = randomUnitVectors(83, dim, 5);
  const corpus = new Float32Array(base.length * 3);
  for (let copy = 0; copy < 3; copy += 1) corpus.set(base, copy * base.length);
  const queries = new Float32Array(randomUnitVectors(40, dim, 6));
  // Half the queries are corpus rows themselves: their best hits are three-way ties.
  for (let q = 0; q < 20; q += 1) queries.set(base.subarray(q * 4 * dim, (q * 4 + 1) * dim), q * dim);
  return { corpus, queries };
}

describe('exact search', () => {
  it('exact search matches brute force across several chunks', async () => {
    const dim = 32;
    const corpus = randomUnitVectors(1000, dim, 1);
    const queries = randomUnitVectors(50, dim, 2);
    const result = await searchWith(corpus, dim, queries, 10, 300);
    assert.equal(result.k, 10);
    const expected = bruteForce(corpus, queries, dim, 10);
    for (let q = 0; q < 50; q += 1) assert.deepEqual([...result.ids.subarray(q * 10, q * 10 + 10)], expected[q]);
    for (let i = 1; i < 10; i += 1) assert.ok((result.scores[i] ?? 0) <= (result.scores[i - 1] ?? 0));
  });

  it('exact search in chunks equals one Gemm + TopK over the whole corpus, ties to the lower id, for any chunk size', async () => {
    const dim = 16;
    const { corpus, queries } = tiedCorpus(dim);
    const rows = corpus.length / dim;
    const k = 10;
    const whole = await searchWith(corpus, dim, queries, k, rows);
    for (let q = 0; q < 20; q += 1) {
      // The query is row 4q: its three copies come first, in id order.
      assert.deepEqual([...whole.ids.subarray(q * k, q * k + 3)], [4 * q, 4 * q + 83, 4 * q + 166], `query ${q}`);
    }
    // Chunk sizes below k (1, 3, 7), ragged last chunks (7, 64, 100), and one exact divisor (83).
    for (const chunkRows of [1, 3, 7, 64, 83, 100]) {
      const chunked = await searchWith(corpus, dim, queries, k, chunkRows);
      assert.equal(chunked.k, k);
      assert.deepEqual([...chunked.ids], [...whole.ids], `chunkRows ${chunkRows}: ids`);
      assert.deepEqual([...chunked.scores], [...whole.scores], `chunkRows ${chunkRows}: scores`);
    }
    // Stored chunks (as a work directory holds them) give the same result, with or without smaller search pieces.
    for (const [stored, piece] of [[50, undefined], [64, 10], [7, 5]] as const) {
      const chunks = VectorChunks.fromFloat32(corpus, dim, { chunkRows: stored });
      const chunked = await searchWith(chunks, dim, queries, k, piece);
      assert.deepEqual([...chunked.ids], [...whole.ids], `stored chunks of ${stored}, pieces of ${piece}`);
    }
  });

  it('exact search caps k at the corpus size', async () => {
    const dim = 4;
    const result = await searchWith(randomUnitVectors(3, dim, 3), dim, randomUnitVectors(2, dim, 4), 10);
    assert.equal(result.k, 3);
    assert.deepEqual([...result.ids.subarray(0, 3)].sort(), [0, 1, 2]);
  });

  it('exact search over float16 chunks matches a brute force over the widened vectors', async () => {
    const dim = 24;
    const corpus = randomUnitVectors(500, dim, 7);
    const queries = randomUnitVectors(30, dim, 8);
    const halves = VectorChunks.fromFloat32(corpus, dim, { dtype: 'float16', chunkRows: 128 });
    const widened = halves.readRows(0, halves.rows);
    const result = await searchWith(halves, dim, queries, 10, 100);
    const expected = bruteForce(widened, queries, dim, 10);
    for (let q = 0; q < 30; q += 1) assert.deepEqual([...result.ids.subarray(q * 10, q * 10 + 10)], expected[q]);
  });

  const shared = sharedDataDir();
  it('exact search over float16 vectors keeps >= 99% of the float32 top-10 on msmarco-5k (static-lsa)', { skip: shared === undefined && 'shared data (msmarco-5k) not found' }, async () => {
    const data = loadMsmarco(path.join(shared ?? '', 'msmarco-5k'));
    const encoder = await openBiEncoder(await readBiEncoderFiles(path.join(REPO_ROOT, 'fixtures', 'models', 'static-lsa')), { ...CPU, worker: false, normalize: true, batch: { maxBatchSize: 256, maxBatchTokens: 65_536 } });
    const corpus = await encoder.embed(data.texts.slice(0, 2000));
    // The queries of the set and passages used as queries: 250 rows.
    const queries = await encoder.embed([...data.queries.map((q) => q.text), ...data.texts.slice(3000, 3200)]);
    const dim = encoder.dimension ?? 0;
    await encoder.release();
    const full = await searchWith(VectorChunks.fromFloat32(corpus, dim), dim, queries, 10);
    const half = await searchWith(VectorChunks.fromFloat32(corpus, dim, { dtype: 'float16', chunkRows: 512 }), dim, VectorChunks.fromFloat32(queries, dim, { dtype: 'float16' }).readRows(0, queries.length / dim), 10);
    const shared10 = topKOverlap(half, full, 10);
    assert.ok(shared10 >= 0.99, `top-10 overlap ${shared10}`);
    assert.ok(shared10 < 1 || half.scores.some((s, i) => s !== full.scores[i]), 'float16 changed no score: the test compares nothing');
  });
});
