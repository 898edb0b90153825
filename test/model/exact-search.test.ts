import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { OnnxExactSearch } from '../../src/model/exact-search.ts';
import { seededRandom } from '../../src/core/random.ts';

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

describe('exact search', () => {
  it('exact search matches brute force across several shards', async () => {
    const dim = 32;
    const corpus = randomUnitVectors(1000, dim, 1);
    const queries = randomUnitVectors(50, dim, 2);
    const search = await OnnxExactSearch.create(corpus, dim, { target: { provider: 'cpu' }, shardRows: 300 });
    try {
      const result = await search.search(queries, 10);
      assert.equal(result.k, 10);
      const expected = bruteForce(corpus, queries, dim, 10);
      for (let q = 0; q < 50; q += 1) assert.deepEqual([...result.ids.subarray(q * 10, q * 10 + 10)], expected[q]);
      for (let i = 1; i < 10; i += 1) assert.ok((result.scores[i] ?? 0) <= (result.scores[i - 1] ?? 0));
    } finally {
      await search.release();
    }
  });

  it('exact search caps k at the corpus size', async () => {
    const dim = 4;
    const search = await OnnxExactSearch.create(randomUnitVectors(3, dim, 3), dim, { target: { provider: 'cpu' } });
    try {
      const result = await search.search(randomUnitVectors(2, dim, 4), 10);
      assert.equal(result.k, 3);
      assert.deepEqual([...result.ids.subarray(0, 3)].sort(), [0, 1, 2]);
    } finally {
      await search.release();
    }
  });
});
