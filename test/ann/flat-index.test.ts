import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FLAT_HEADER_BYTES, buildFlatIndex, faissNode, flatIndexBytes, flatIndexVectors, readIndexHeader } from '../../src/ann/flat-index.ts';
import { buildIndex } from '../../src/ann/vector-index.ts';
import { NegmineError } from '../../src/core/errors.ts';
import { VectorChunks } from '../../src/core/vector-chunks.ts';
import { bruteForce, unitVectors } from '../helpers/vectors.ts';


describe('flat-index', () => {
  const dim = 64;
  const vectors = unitVectors(2000, dim, 1);
  const queries = unitVectors(50, dim, 2);

  it('flatIndexBytes writes the same bytes as FAISS serializing an add()-built IndexFlatIP', () => {
    const small = vectors.subarray(0, 300 * dim);
    const reference = new (faissNode().IndexFlatIP)(dim);
    reference.add(Array.from(small));
    const bytes = flatIndexBytes(small, dim);
    assert.equal(bytes.length, FLAT_HEADER_BYTES + small.byteLength);
    assert.deepEqual(bytes, reference.toBuffer());
  });

  it('flatIndexBytes lays out the IxFI header', () => {
    const bytes = flatIndexBytes(vectors.subarray(0, 3 * dim), dim);
    assert.equal(bytes.toString('latin1', 0, 4), 'IxFI');
    assert.deepEqual(readIndexHeader(bytes), { fourcc: 'IxFI', dim, size: 3, isTrained: true, metric: 0, end: 37 });
    assert.equal(bytes.readBigUInt64LE(37), BigInt(3 * dim));
    assert.equal(bytes.readFloatLE(FLAT_HEADER_BYTES), vectors[0]);
  });

  it('flatIndexVectors reads back the vectors exactly', () => {
    const read = flatIndexVectors(flatIndexBytes(vectors, dim));
    assert.equal(read.dim, dim);
    assert.equal(read.size, 2000);
    assert.equal(read.metric, 0);
    assert.deepEqual(read.vectors, vectors);
  });

  it('flatIndexVectors reads an index FAISS wrote, including an empty one', () => {
    const index = new (faissNode().IndexFlatIP)(dim);
    assert.equal(flatIndexVectors(index.toBuffer()).size, 0);
    index.add(Array.from(vectors.subarray(0, 10 * dim)));
    assert.deepEqual(flatIndexVectors(index.toBuffer()).vectors, vectors.subarray(0, 10 * dim));
  });

  it('buildFlatIndex gives the same top-k as add() and as a brute-force reference', () => {
    const k = 10;
    const built = buildFlatIndex(vectors, dim).search(Array.from(queries), k);
    const added = new (faissNode().IndexFlatIP)(dim);
    added.add(Array.from(vectors));
    const reference = added.search(Array.from(queries), k);
    const brute = bruteForce(vectors, queries, dim, k);
    assert.deepEqual(built.labels, reference.labels);
    assert.deepEqual(built.labels, brute.ids);
    for (let i = 0; i < built.distances.length; i++) {
      assert.ok(Math.abs((built.distances[i] ?? 0) - (reference.distances[i] ?? 0)) <= 1e-5, `score ${i}`);
      assert.ok(Math.abs((built.distances[i] ?? 0) - (brute.scores[i] ?? 0)) <= 1e-5, `score ${i}`);
    }
  });

  it('flatIndexVectors refuses non-flat and inconsistent buffers', () => {
    const hnsw = faissNode().Index.fromFactory(dim, 'HNSW32', 0).toBuffer();
    assert.throws(() => flatIndexVectors(hnsw), { name: 'NegmineError', message: /'IHNf': not a flat index/ });
    const bytes = flatIndexBytes(vectors.subarray(0, 4 * dim), dim);
    assert.throws(() => flatIndexVectors(bytes.subarray(0, bytes.length - 4)), (error: unknown) => {
      assert.ok(error instanceof NegmineError);
      assert.equal(error.code, 'E_INDEX');
      assert.match(error.message, /header says 4 x 64 \(256 floats\), found 256 floats in 1065 bytes/);
      return true;
    });
    assert.throws(() => flatIndexVectors(bytes.subarray(0, 20)), /truncated header/);
  });

  it('flatIndexBytes rejects a shape that does not divide', () => {
    assert.throws(() => flatIndexBytes(new Float32Array(10), 3), RangeError);
    assert.throws(() => flatIndexBytes(new Float32Array(10), 0), RangeError);
  });

  it('flatIndexBytes from chunks (ragged, or float16) writes the bytes of the whole matrix they hold', () => {
    const chunks = VectorChunks.fromFloat32(vectors, dim, { chunkRows: 300 });
    assert.deepEqual(flatIndexBytes(chunks, dim), flatIndexBytes(vectors, dim));
    const halves = VectorChunks.fromFloat32(vectors, dim, { dtype: 'float16', chunkRows: 300 });
    const widened = halves.readRows(0, halves.rows);
    assert.notDeepEqual(widened, vectors);
    assert.deepEqual(flatIndexBytes(halves, dim), flatIndexBytes(widened, dim));
    assert.deepEqual(buildIndex(halves, dim, { factory: 'IVF8,Flat', seed: 3 }).toBuffer(), buildIndex(widened, dim, { factory: 'IVF8,Flat', seed: 3 }).toBuffer());
  });
});
