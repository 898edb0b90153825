import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import { float32ToFloat16, float16ToFloat32 } from '../../src/core/float16.ts';
import { VectorChunks } from '../../src/core/vector-chunks.ts';
import { EmbeddingCache, embeddingKeyHash } from '../../src/io/embedding-cache.ts';
import { VectorSpillWriter } from '../../src/io/vector-spill.ts';
import { tempDir } from '../helpers/temp.ts';

const DIM = 3;

/** n rows of DIM values, row r holding r + d / 10. */
function rows(n: number, first = 0): Float32Array {
  const out = new Float32Array(n * DIM);
  for (let r = 0; r < n; r += 1) for (let d = 0; d < DIM; d += 1) out[r * DIM + d] = first + r + d / 10;
  return out;
}

describe('vector-spill', () => {
  it('vector-spill reads back by row, by block and in pieces what was appended in chunks of any size, across windows', () => {
    const writer = new VectorSpillWriter(path.join(tempDir(), 'q.vectors'), 'float32');
    writer.append(rows(5), DIM);
    writer.append(rows(2, 5), DIM);
    writer.append(rows(4, 7), DIM);
    const spill = writer.finish(DIM, 4);
    try {
      const all = rows(11);
      assert.equal(spill.rows, 11);
      assert.equal(spill.byteLength, 11 * DIM * 4);
      const out = new Float32Array(DIM + 1);
      // Rows out of order go back and forth between windows; each must come from its own window.
      for (const row of [10, 0, 3, 4, 9, 1, 8]) {
        spill.readRow(row, out, 1);
        assert.deepEqual([...out.subarray(1)], [...all.subarray(row * DIM, (row + 1) * DIM)], `row ${row}`);
        assert.equal(spill.dotRow(row, new Float32Array([1, 1, 1])), all.subarray(row * DIM, (row + 1) * DIM).reduce((a, b) => a + b, 0));
      }
      assert.deepEqual([...spill.readRows(3, 6)], [...all.subarray(3 * DIM, 9 * DIM)]);
      assert.deepEqual([...spill.readRows(11, 0)], []);
      assert.deepEqual([...Float32Array.from([...spill.storedParts()].flatMap((part) => [...part]))], [...all]);
      assert.throws(() => spill.readRows(8, 4), RangeError);
      assert.throws(() => { spill.readRow(11, out); }, RangeError);
    } finally {
      spill.close();
    }
  });

  it('vector-spill keeps float16 bits and widens them on read', () => {
    const values = rows(6);
    const halves = float32ToFloat16(values);
    const writer = new VectorSpillWriter(path.join(tempDir(), 'q16.vectors'), 'float16');
    writer.append(halves.subarray(0, 2 * DIM), DIM);
    writer.append(halves.subarray(2 * DIM), DIM);
    assert.throws(() => { writer.append(values, DIM); }, TypeError, 'float32 values are refused by a float16 spill');
    const spill = writer.finish(DIM, 4);
    try {
      assert.deepEqual([...spill.readRows(1, 5)], [...float16ToFloat32(halves.subarray(DIM))]);
      const out = new Float32Array(DIM);
      spill.readRow(5, out);
      assert.deepEqual([...out], [...float16ToFloat32(halves.subarray(5 * DIM))]);
      assert.deepEqual([...[...spill.storedParts()][0] ?? []], [...halves]);
    } finally {
      spill.close();
    }
  });

  it('vector-spill streams a cache entry in and writes one back with the same bytes; a corrupt entry streams as corrupt', async () => {
    const dir = tempDir();
    const { cache } = await EmbeddingCache.open(path.join(dir, 'cache'));
    const key = embeddingKeyHash({ modelSha256: 'a'.repeat(64), tokenizerSha256: 'b'.repeat(64), prefix: '', maxLength: 8, pooling: ['mean'], normalize: true, dtype: 'float32', texts: ['x'] });
    const vectors = rows(9);
    await cache.put(key, VectorChunks.fromFloat32(vectors, DIM, { chunkRows: 4 }), DIM);
    const writer = new VectorSpillWriter(path.join(dir, 'in.vectors'), 'float32');
    assert.deepEqual(await cache.stream(key, 9, 'float32', (piece, dim) => { writer.append(piece, dim); }), { status: 'hit', dim: DIM });
    const spill = writer.finish(DIM, 2);
    try {
      assert.deepEqual([...spill.readRows(0, 9)], [...vectors]);
      const copy = embeddingKeyHash({ modelSha256: 'c'.repeat(64), tokenizerSha256: 'b'.repeat(64), prefix: '', maxLength: 8, pooling: ['mean'], normalize: true, dtype: 'float32', texts: ['x'] });
      await cache.put(copy, spill, DIM);
      const back = await cache.get(copy, 9);
      assert.ok(back.status === 'hit');
      assert.deepEqual([...back.vectors], [...vectors]);
    } finally {
      spill.close();
    }
    assert.equal((await cache.stream(key, 10, 'float32', () => undefined)).status, 'corrupt', 'a row count that differs is refused before any piece');
    const bad = VectorChunks.fromFloat32(Float32Array.from([...vectors.subarray(0, 8), Number.NaN]), DIM);
    await cache.put(key, bad, DIM);
    const found = await cache.stream(key, 3, 'float32', () => undefined);
    assert.deepEqual(found, { status: 'corrupt', reason: 'it holds a non-finite value in row 2' });
  });
});
