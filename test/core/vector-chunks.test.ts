import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { float16ToFloat32, float32ToFloat16 } from '../../src/core/float16.ts';
import { VectorChunks, VectorChunkWriter, type ChunkArray } from '../../src/core/vector-chunks.ts';
import { normals } from '../helpers/vectors.ts';

describe('vector chunks', () => {
  const dim = 5;
  const vectors = normals(23 * dim, 3);

  it('vector chunks split rows into fixed-size chunks with a ragged last one, float32 as views', () => {
    const chunks = VectorChunks.fromFloat32(vectors, dim, { chunkRows: 8 });
    assert.deepEqual([chunks.rows, chunks.chunkCount, chunks.chunkRowCount(0), chunks.chunkRowCount(2), chunks.chunkStart(2)], [23, 3, 8, 7, 16]);
    assert.equal(chunks.chunk(1).buffer, vectors.buffer);
    assert.equal(chunks.byteLength, vectors.byteLength);
    assert.deepEqual([...chunks.readRows(0, 23)], [...vectors]);
    assert.deepEqual([...chunks.readRows(6, 11)], [...vectors.subarray(6 * dim, 17 * dim)]);
    const row = new Float32Array(dim + 2);
    chunks.readRow(17, row, 2);
    assert.deepEqual([...row.subarray(2)], [...vectors.subarray(17 * dim, 18 * dim)]);
    const other = normals(dim, 9);
    let expected = 0;
    for (let d = 0; d < dim; d += 1) expected += (vectors[9 * dim + d] ?? 0) * (other[d] ?? 0);
    assert.equal(chunks.dotRow(9, other), expected);
    assert.throws(() => {
      chunks.readRow(23, row);
    }, RangeError);
  });

  it('vector chunks give stored rows as a view inside one chunk and as a copy into the scratch across chunks', () => {
    const chunks = VectorChunks.fromFloat32(vectors, dim, { chunkRows: 8 });
    let asked = 0;
    const scratch = new Float32Array(12 * dim);
    const inside = chunks.storedRows(9, 6, () => {
      asked += 1;
      return scratch;
    });
    assert.equal(inside.buffer, vectors.buffer);
    assert.equal(asked, 0);
    const across = chunks.storedRows(5, 12, () => scratch);
    assert.equal(across.buffer, scratch.buffer);
    assert.deepEqual([...across], [...vectors.subarray(5 * dim, 17 * dim)]);
    const halves = VectorChunks.fromFloat32(vectors, dim, { dtype: 'float16', chunkRows: 8 });
    assert.deepEqual([...halves.storedRows(6, 4, () => new Uint16Array(4 * dim))], [...float32ToFloat16(vectors.subarray(6 * dim, 10 * dim))]);
    assert.throws(() => halves.storedRows(6, 4, () => new Float32Array(4 * dim)), RangeError);
    assert.throws(() => chunks.storedRows(20, 4, () => scratch), RangeError);
  });

  it('vector chunks in float16 store half bits and read them widened, at half the bytes', () => {
    const chunks = VectorChunks.fromFloat32(vectors, dim, { dtype: 'float16', chunkRows: 6 });
    const widened = float16ToFloat32(float32ToFloat16(vectors));
    assert.ok(chunks.chunk(0) instanceof Uint16Array);
    assert.equal(chunks.byteLength, vectors.byteLength / 2);
    assert.deepEqual([...chunks.readRows(0, 23)], [...widened]);
    assert.deepEqual([...chunks.chunkFloat32(3, new Float32Array(6 * dim))], [...widened.subarray(18 * dim)]);
    const row = new Float32Array(dim);
    chunks.readRow(13, row);
    assert.deepEqual([...row], [...widened.subarray(13 * dim, 14 * dim)]);
    assert.ok(Math.abs(chunks.dotRow(13, row) - row.reduce((s, x) => s + x * x, 0)) < 1e-6);
    for (let i = 0; i < vectors.length; i += 1) assert.ok(Math.abs((widened[i] ?? 0) - (vectors[i] ?? 0)) <= Math.abs(vectors[i] ?? 0) * 2 ** -11 + 2 ** -25);
  });

  it('vector chunks refuse chunks of the wrong size or storage', () => {
    assert.throws(() => new VectorChunks(dim, 'float32', 4, [new Float32Array(3 * dim), new Float32Array(dim)]), /chunk 0 holds 15 values: expected 4 rows/);
    assert.throws(() => new VectorChunks(dim, 'float32', 4, [new Float32Array(5 * dim)]), /expected 1 to 4 rows/);
    assert.throws(() => new VectorChunks(dim, 'float16', 4, [new Float32Array(4 * dim)]), TypeError);
    assert.equal(new VectorChunks(dim, 'float32', 4, []).rows, 0);
  });

  it('vector chunk writer seals each full chunk as rows arrive, in any batch sizes', () => {
    for (const dtype of ['float32', 'float16'] as const) {
      const sealed: [number, ChunkArray][] = [];
      for (const expectedRows of [undefined, 23]) {
      const writer = new VectorChunkWriter(dim, { dtype, chunkRows: 8, ...(expectedRows === undefined ? {} : { expectedRows }), onChunk: (index, chunk) => sealed.push([index, chunk]) });
      const batch = new Float32Array(7 * dim);
      for (const [start, rows] of [[0, 7], [7, 3], [10, 1], [11, 7], [18, 5]] as const) {
        // One reused batch buffer, as an encoder hands them out.
        batch.set(vectors.subarray(start * dim, (start + rows) * dim));
        writer.append(batch.subarray(0, rows * dim));
      }
      // Announced rows let the last chunk seal as soon as it is full.
      assert.deepEqual(sealed.map(([index]) => index), expectedRows === undefined ? [0, 1] : [0, 1, 2]);
      const chunks = writer.finish();
      assert.deepEqual(sealed.map(([index]) => index), [0, 1, 2]);
      sealed.length = 0;
      assert.deepEqual([chunks.rows, chunks.chunkCount, chunks.chunkRowCount(2)], [23, 3, 7]);
      assert.deepEqual([...chunks.readRows(0, 23)], [...VectorChunks.fromFloat32(vectors, dim, { dtype, chunkRows: 8 }).readRows(0, 23)], dtype);
      if (expectedRows !== undefined) {
        assert.throws(() => {
          writer.append(vectors.subarray(0, dim));
        }, /more rows appended than the 23 announced/);
      }
      }
    }
  });
});
