import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { faissNode } from '../../src/ann/flat-index.ts';
import { buildIndex, defaultNprobe, loadIndex, readLayout, sampleRows, trainedCentroids, withSearchParams, type SparseTraining, type VectorIndex } from '../../src/ann/vector-index.ts';
import { negmineError } from '../helpers/errors.ts';
import { bruteForce, normalizeRows, normals } from '../helpers/vectors.ts';

/** Rows around `clusters` random centres; `spread` is the noise scale relative to the centres. */
function clustered(rows: number, dim: number, clusters: number, spread: number, seed: number): Float32Array {
  const centres = normals(clusters * dim, seed);
  const noise = normals(rows * dim, seed + 1);
  const vectors = new Float32Array(rows * dim);
  for (let row = 0; row < rows; row++) {
    const c = row % clusters;
    for (let j = 0; j < dim; j++) vectors[row * dim + j] = (centres[c * dim + j] ?? 0) + spread * (noise[row * dim + j] ?? 0);
  }
  return normalizeRows(vectors, dim);
}

/** Share of the exact top-k ids an approximate search also returned. */
function recall(exact: Int32Array, approximate: Int32Array, k: number): number {
  let found = 0;
  for (let q = 0; q < exact.length / k; q++) {
    const truth = new Set(exact.subarray(q * k, (q + 1) * k));
    for (const id of approximate.subarray(q * k, (q + 1) * k)) if (truth.has(id)) found++;
  }
  return found / exact.length;
}

describe('vector-index', () => {
  const dim = 32;
  const data = clustered(2000, dim, 16, 1, 10);
  const queries = data.subarray(0, 200 * dim);
  const exact = buildIndex(data, dim);
  const exactTop = exact.search(queries, 10);
  const random = normalizeRows(normals(2000 * 64, 20), 64);
  const randomQueries = normalizeRows(normals(200 * 64, 21), 64);

  it('buildIndex without a factory is exact: brute-force ids, cosine scores, descending', () => {
    assert.equal(exact.size, 2000);
    assert.equal(exact.dim, dim);
    assert.equal(exact.description, 'IndexFlatIP (2000 vectors, dim 32)');
    const few = queries.subarray(0, 20 * dim);
    const result = exact.search(few, 10);
    assert.equal(result.k, 10);
    assert.deepEqual(Array.from(result.ids), bruteForce(data, few, dim, 10).ids);
    for (let q = 0; q < 20; q++) {
      assert.ok(Math.abs((result.scores[q * 10] ?? 0) - 1) < 1e-5, 'each query row is its own top hit');
      for (let r = 1; r < 10; r++) assert.ok((result.scores[q * 10 + r] ?? 0) <= (result.scores[q * 10 + r - 1] ?? 0));
    }
  });

  it('search caps k at the index size and returns nothing for k = 0', () => {
    const tiny = buildIndex(data.subarray(0, 5 * dim), dim);
    const result = tiny.search(queries.subarray(0, 3 * dim), 10);
    assert.equal(result.k, 5);
    assert.equal(result.ids.length, 15);
    assert.deepEqual(Array.from(result.ids.subarray(0, 5)).sort(), [0, 1, 2, 3, 4]);
    assert.deepEqual(tiny.search(queries.subarray(0, dim), 0), { k: 0, scores: new Float32Array(0), ids: new Int32Array(0) });
    assert.equal(buildIndex(new Float32Array(0), dim).search(queries.subarray(0, dim), 10).k, 0);
  });

  it('search gives the same results in batches as query by query', () => {
    const wide = normalizeRows(normals(300 * 4096, 30), 4096);
    const index = buildIndex(wide, 4096);
    // 2^20 floats per batch is 256 queries at dim 4096: 300 queries take two batches of 150.
    const many = normalizeRows(normals(300 * 4096, 31), 4096);
    const all = index.search(many, 7);
    for (const q of [0, 149, 150, 299]) {
      const one = index.search(many.subarray(q * 4096, (q + 1) * 4096), 7);
      assert.deepEqual(one.ids, all.ids.subarray(q * 7, (q + 1) * 7), `query ${q}`);
    }
    assert.throws(() => index.search(new Float32Array(1000), 3), RangeError);
    assert.throws(() => index.search(many, 1.5), RangeError);
  });

  it('buildIndex with HNSW32 finds most exact neighbours on clustered data', () => {
    const hnsw = buildIndex(data, dim, { factory: 'HNSW32' });
    assert.equal(hnsw.size, 2000);
    assert.equal(hnsw.description, "'HNSW32': IndexHNSWFlat (2000 vectors, dim 32, efSearch 16)");
    assert.ok(recall(exactTop.ids, hnsw.search(queries, 10).ids, 10) >= 0.9);
  });

  it('buildIndex with IVF16,Flat finds most exact neighbours, and all of them with nprobe = nlist', () => {
    const ivf = buildIndex(data, dim, { factory: 'IVF16,Flat' });
    assert.ok(recall(exactTop.ids, ivf.search(queries, 10).ids, 10) >= 0.9);
    const full = buildIndex(data, dim, { factory: 'IVF16,Flat', nprobe: 16 });
    assert.equal(full.description, "'IVF16,Flat': IndexIVFFlat (2000 vectors, dim 32, nlist 16, nprobe 16)");
    const result = full.search(queries, 10);
    assert.deepEqual(result.ids, exactTop.ids);
    for (let i = 0; i < result.scores.length; i++) assert.ok(Math.abs((result.scores[i] ?? 0) - (exactTop.scores[i] ?? 0)) <= 1e-5);
  });

  it('nprobe is stored in the IVF header and raises recall', () => {
    const spread = clustered(2000, dim, 16, 3, 40);
    const spreadQueries = spread.subarray(0, 200 * dim);
    const truth = buildIndex(spread, dim).search(spreadQueries, 10).ids;
    const one = buildIndex(spread, dim, { factory: 'IVF16,Flat', nprobe: 1 });
    const four = buildIndex(spread, dim, { factory: 'IVF16,Flat', nprobe: 4 });
    const bytes = four.toBuffer();
    // 'IwFl' | header (33 bytes) | uint64 nlist at 37 | uint64 nprobe at 45 | the quantizer's 'IxFI' at 53.
    assert.equal(bytes.toString('latin1', 0, 4), 'IwFl');
    assert.equal(bytes.readBigUInt64LE(37), 16n);
    assert.equal(bytes.readBigUInt64LE(45), 4n);
    assert.equal(bytes.toString('latin1', 53, 57), 'IxFI');
    assert.equal(one.toBuffer().readBigUInt64LE(45), 1n);
    const recallOne = recall(truth, one.search(spreadQueries, 10).ids, 10);
    const recallFour = recall(truth, four.search(spreadQueries, 10).ids, 10);
    assert.ok(recallFour > recallOne + 0.1, `nprobe 1: ${recallOne}, nprobe 4: ${recallFour}`);
  });

  it('buildIndex defaults nprobe to round(sqrt(nlist)) and reports the values it searches with', () => {
    assert.deepEqual([1, 2, 16, 100, 256, 4096, 65536].map(defaultNprobe), [1, 1, 4, 10, 16, 64, 256]);
    const ivf = buildIndex(data, dim, { factory: 'IVF16,Flat' });
    assert.equal(ivf.nprobe, 4);
    assert.equal(ivf.efSearch, undefined);
    assert.equal(readLayout(ivf.toBuffer()).nprobe, 4);
    assert.equal(buildIndex(data, dim, { factory: 'IVF16,Flat', nprobe: 2 }).nprobe, 2);
    const hnsw = buildIndex(data, dim, { factory: 'HNSW16' });
    assert.deepEqual([hnsw.nprobe, hnsw.efSearch], [undefined, 16]);
    assert.deepEqual([buildIndex(data, dim).nprobe, buildIndex(data, dim).efSearch], [undefined, undefined]);
  });

  it('buildIndex warns about thin training data and hands back what FAISS printed instead of writing it to stderr', () => {
    const sparse: SparseTraining[] = [];
    const printed: string[] = [];
    // 2000 vectors for 256 lists: under FAISS's 39 per centroid.
    buildIndex(data, dim, { factory: 'IVF256,Flat', onSparseTraining: (warning) => sparse.push(warning), onFaissMessage: (line) => printed.push(line) });
    assert.deepEqual(sparse, [{ centroids: 256, trainingVectors: 2000, minimumVectors: 9984, nlist: 256, maxNlist: 51 }]);
    assert.ok(printed.some((line) => /^WARNING clustering 2000 points to 256 centroids/.test(line)), printed.join('\n'));
    const quiet: unknown[] = [];
    buildIndex(data, dim, { factory: 'IVF16,Flat', onSparseTraining: (warning) => quiet.push(warning), onFaissMessage: (line) => quiet.push(line) });
    assert.deepEqual(quiet, []);
  });

  it('efSearch is stored in the HNSW struct and changes recall', () => {
    const build = (efSearch?: number): VectorIndex => buildIndex(random, 64, efSearch === undefined ? { factory: 'HNSW32' } : { factory: 'HNSW32', efSearch });
    const truth = buildIndex(random, 64).search(randomQueries, 10).ids;
    const [low, standard, high] = [build(10), build(), build(256)];
    assert.equal(readLayout(low.toBuffer()).efSearch, 10);
    assert.equal(readLayout(standard.toBuffer()).efSearch, 16);
    assert.equal(readLayout(high.toBuffer()).efSearch, 256);
    const recallOf = (index: VectorIndex): number => recall(truth, index.search(randomQueries, 10).ids, 10);
    const [recallLow, recallStandard, recallHigh] = [recallOf(low), recallOf(standard), recallOf(high)];
    assert.ok(recallLow < recallStandard && recallStandard < recallHigh, `${recallLow} < ${recallStandard} < ${recallHigh}`);
    assert.ok(recallHigh >= 0.99);
  });

  it('withSearchParams patches a copy at the offsets readLayout finds and loadIndex applies it', () => {
    const ivf = buildIndex(data, dim, { factory: 'IVF16,Flat' });
    const original = ivf.toBuffer();
    const patched = withSearchParams(original, { nprobe: 16 }, 'test');
    assert.equal(original.readBigUInt64LE(45), 4n, 'the default nprobe, sqrt(16)');
    assert.deepEqual(readLayout(patched), { fourcc: 'IwFl', metric: 0, nlist: 16, nprobe: 16, nprobeOffset: 45 });
    const loaded = loadIndex(original, { nprobe: 16 });
    assert.equal(loaded.description, 'IndexIVFFlat (2000 vectors, dim 32, nlist 16, nprobe 16)');
    assert.deepEqual(loaded.search(queries, 10).ids, exactTop.ids);
    assert.equal(withSearchParams(original, {}, 'test'), original);
  });

  it('search pads with id -1 and score -Infinity when an IVF index finds fewer than k', () => {
    const ivf = buildIndex(data, dim, { factory: 'IVF16,Flat' });
    // 2000 rows in 16 lists: one list holds far fewer than 1000.
    const result = ivf.search(queries.subarray(0, dim), 1000);
    const firstPad = result.ids.indexOf(-1);
    assert.ok(firstPad > 0);
    for (let i = firstPad; i < 1000; i++) {
      assert.equal(result.ids[i], -1);
      assert.equal(result.scores[i], -Infinity);
    }
  });

  it('buildIndex trains on a seeded sample: same seed, same index', () => {
    const options = { factory: 'IVF16,Flat', trainSampleSize: 800, seed: 7 };
    assert.deepEqual(buildIndex(data, dim, options).toBuffer(), buildIndex(data, dim, options).toBuffer());
    const rows = sampleRows(2000, 800, 7);
    assert.equal(rows.length, 800);
    assert.deepEqual(rows, sampleRows(2000, 800, 7));
    assert.notDeepEqual(rows, sampleRows(2000, 800, 8));
    for (let i = 1; i < rows.length; i++) assert.ok((rows[i] ?? 0) > (rows[i - 1] ?? 0));
    assert.equal(sampleRows(10, 50, 1).length, 10);
  });

  it('buildIndex reports progress after each added chunk', () => {
    const wide = normalizeRows(normals(550 * 2048, 50), 2048);
    const calls: [number, number][] = [];
    // 2^20 floats per chunk is 512 rows at dim 2048.
    buildIndex(wide, 2048, { factory: 'SQfp16', onProgress: (done, total) => calls.push([done, total]) });
    assert.deepEqual(calls, [[512, 550], [550, 550]]);
    const exactCalls: [number, number][] = [];
    buildIndex(wide, 2048, { onProgress: (done, total) => exactCalls.push([done, total]) });
    assert.deepEqual(exactCalls, [[550, 550]]);
  });

  it('trainedCentroids reads the k-means sizes from a factory string', () => {
    assert.equal(trainedCentroids('IVF4096,Flat'), 4096);
    assert.equal(trainedCentroids('IVF64,PQ16'), 256);
    assert.equal(trainedCentroids('IVF1024,PQ16x4fs'), 1024);
    assert.equal(trainedCentroids('PQ8x10'), 1024);
    assert.equal(trainedCentroids('HNSW32'), 0);
  });

  it('buildIndex refuses a bad factory string with FAISS reason', () => {
    assert.throws(() => buildIndex(data, dim, { factory: 'IVFx,Flat' }), negmineError('E_USAGE', /^Invalid --index 'IVFx,Flat': could not parse index string IVFx,Flat$/));
    assert.throws(() => buildIndex(data, dim, { factory: 'IVF16,PQ7' }), negmineError('E_USAGE', /^Invalid --index 'IVF16,PQ7': .*multiple of the number of subquantizers/));
    assert.throws(() => buildIndex(data, dim, { factory: 'IDMap,Flat' }), negmineError('E_USAGE', /drop the IDMap prefix/));
    assert.throws(() => buildIndex(data, dim, { factory: 'NSG32' }), negmineError('E_USAGE', /^Invalid --index 'NSG32': FAISS 1.7.3 can crash while building NSG graphs/));
    assert.throws(() => buildIndex(data, dim, { factory: 'LSH' }), negmineError('E_USAGE', /^Invalid --index 'LSH': 'metric == METRIC_L2' failed/));
  });

  it('buildIndex refuses more centroids than training vectors before FAISS would abort', () => {
    assert.throws(
      () => buildIndex(data.subarray(0, 100 * dim), dim, { factory: 'IVF256,Flat' }),
      negmineError('E_USAGE', /^Invalid --index 'IVF256,Flat': training 256 centroids needs at least 256 vectors, the corpus has 100/),
    );
    assert.throws(() => buildIndex(data, dim, { factory: 'IVF16,PQ8', trainSampleSize: 200 }), negmineError('E_USAGE', /training 256 centroids .* the training sample has 200/));
    assert.throws(() => buildIndex(data, dim, { factory: 'IVF16,Flat', trainSampleSize: 0 }), negmineError('E_USAGE', /Invalid training sample size 0/));
  });

  it('buildIndex refuses nprobe and efSearch where they do not apply', () => {
    assert.throws(() => buildIndex(data, dim, { factory: 'HNSW32', nprobe: 4 }), negmineError('E_USAGE', /^Cannot set --nprobe on index 'HNSW32': no IVF index found in IndexHNSWFlat \('IHNf'\)/));
    assert.throws(() => buildIndex(data, dim, { efSearch: 64 }), negmineError('E_USAGE', /^Cannot set --ef-search on exact search: no HNSW graph/));
    assert.throws(() => buildIndex(data, dim, { factory: 'PCA16,IVF16,Flat', nprobe: 4 }), negmineError('E_USAGE', /inside an IndexPreTransform/));
    assert.throws(() => buildIndex(data, dim, { factory: 'HNSW32', efSearch: 0 }), negmineError('E_USAGE', /^Invalid --ef-search 0/));
    assert.throws(() => buildIndex(data, dim, { factory: 'IVF16,Flat', nprobe: 1.5 }), negmineError('E_USAGE', /^Invalid --nprobe 1.5/));
  });

  it('buildIndex sets efSearch on the HNSW quantizer of an IVF index', () => {
    const index = buildIndex(data, dim, { factory: 'IVF16_HNSW8,Flat', nprobe: 2, efSearch: 40 });
    const layout = readLayout(index.toBuffer());
    assert.equal(layout.nprobe, 2);
    assert.equal(layout.efSearch, 40);
  });

  it('loadIndex reads a serialized index back with identical results', () => {
    const hnsw = buildIndex(data, dim, { factory: 'HNSW32', efSearch: 32 });
    const loaded = loadIndex(hnsw.toBuffer());
    assert.equal(loaded.size, 2000);
    assert.equal(loaded.description, 'IndexHNSWFlat (2000 vectors, dim 32, efSearch 32)');
    assert.deepEqual(loaded.search(queries, 10), hnsw.search(queries, 10));
    assert.deepEqual(loadIndex(exact.toBuffer()).search(queries, 10), exactTop);
  });

  it('loadIndex refuses an L2 index, garbage and truncated bytes', () => {
    const l2 = new (faissNode().IndexFlatL2)(dim);
    l2.add(Array.from(data.subarray(0, 10 * dim)));
    assert.throws(() => loadIndex(l2.toBuffer()), negmineError('E_INDEX', /IndexFlatL2 \('IxF2'\): it ranks by L2; negmine needs inner product/));
    assert.throws(() => loadIndex(Buffer.from('not a faiss index at all')), negmineError('E_INDEX', /^Cannot load FAISS index: Index type 0x.* \("not "\) not recognized/));
    const bytes = exact.toBuffer();
    assert.throws(() => loadIndex(bytes.subarray(0, 1000)), negmineError('E_INDEX', /Cannot read flat FAISS index/));
    const hnsw = buildIndex(data.subarray(0, 200 * dim), dim, { factory: 'HNSW32' }).toBuffer();
    assert.throws(() => loadIndex(hnsw.subarray(0, hnsw.length - 100)), negmineError('E_INDEX', /^Cannot load FAISS index: .*read error/));
    assert.throws(() => loadIndex(Buffer.alloc(2)), negmineError('E_INDEX', /truncated/));
  });
});
