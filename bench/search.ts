// Exact top-100 search of 1,000 queries over 100k x 384 vectors: negmine's onnxruntime Gemm + TopK search against
// faiss-node's IndexFlatIP (add() with number[], then search), measured in the same process run.
// Then the scaling of exact search with corpus size (10k / 100k / 1M).
// Run: node --import tsx bench/search.ts [--scaling-max 1000000]
import faiss from 'faiss-node';
import { OnnxExactSearch } from '../src/model/exact-search.ts';
import { seededRandom } from '../src/core/random.ts';
import { machine, ratioLine } from './lib/report.ts';

const DIM = 384;
const QUERIES = 1000;
const K = 100;

function unitVectors(rows: number, seed: number): Float32Array {
  const random = seededRandom(seed);
  const data = new Float32Array(rows * DIM);
  for (let r = 0; r < rows; r += 1) {
    let norm = 0;
    for (let d = 0; d < DIM; d += 1) {
      // Gaussian-ish (sum of uniforms) so vectors are not all nearly orthogonal to the same degree.
      const value = random() + random() + random() - 1.5;
      data[r * DIM + d] = value;
      norm += value * value;
    }
    const scale = 1 / Math.sqrt(norm);
    for (let d = 0; d < DIM; d += 1) data[r * DIM + d] = (data[r * DIM + d] ?? 0) * scale;
  }
  return data;
}

function seconds(start: number): number {
  return (performance.now() - start) / 1000;
}

async function compareWithFaiss(rows: number): Promise<void> {
  const corpus = unitVectors(rows, 1);
  const queries = unitVectors(QUERIES, 2);

  let start = performance.now();
  const index = new faiss.IndexFlatIP(DIM);
  index.add(Array.from(corpus));
  const faissBuild = seconds(start);
  start = performance.now();
  const faissResult = index.search(Array.from(queries), K);
  const faissSearch = seconds(start);

  start = performance.now();
  const exact = await OnnxExactSearch.create(corpus, DIM, { target: { provider: 'cpu' } });
  const ortBuild = seconds(start);
  start = performance.now();
  const ortResult = await exact.search(queries, K);
  const ortSearch = seconds(start);
  await exact.release();

  let identical = 0;
  let top10Identical = 0;
  for (let q = 0; q < QUERIES; q += 1) {
    const ours = ortResult.ids.subarray(q * K, (q + 1) * K);
    const theirs = faissResult.labels.slice(q * K, (q + 1) * K);
    if (ours.every((id, i) => id === theirs[i])) identical += 1;
    if (ours.subarray(0, 10).every((id, i) => id === theirs[i])) top10Identical += 1;
  }
  console.log(`# search: ${machine()}`);
  console.log(ratioLine('search_vs_faiss_node', faissSearch / ortSearch, '>=1.5'));
  console.log(ratioLine('index_build_vs_faiss_add', faissBuild / ortBuild, '>=10'));
  console.log(`  corpus ${rows} x ${DIM}, ${QUERIES} queries, k=${K}`);
  console.log(`  faiss-node IndexFlatIP: add() ${faissBuild.toFixed(2)} s, search ${faissSearch.toFixed(2)} s`);
  console.log(`  negmine onnxruntime exact search: build ${ortBuild.toFixed(2)} s, search ${ortSearch.toFixed(2)} s`);
  console.log(`  identical top-${K}: ${identical}/${QUERIES} queries; identical top-10: ${top10Identical}/${QUERIES}`);
}

async function scaling(maxRows: number): Promise<void> {
  const queries = unitVectors(QUERIES, 2);
  let previous: { rows: number; search: number } | undefined;
  console.log(`scaling: exact search, ${QUERIES} queries, k=${K}`);
  for (let rows = 10_000; rows <= maxRows; rows *= 10) {
    const corpus = unitVectors(rows, 3);
    let start = performance.now();
    const exact = await OnnxExactSearch.create(corpus, DIM, { target: { provider: 'cpu' } });
    const build = seconds(start);
    start = performance.now();
    await exact.search(queries, K);
    const search = seconds(start);
    await exact.release();
    const growth = previous === undefined ? '' : `, growth x${(search / previous.search).toFixed(1)} for x${rows / previous.rows} vectors`;
    console.log(`  ${rows.toLocaleString('en-US')} vectors: build ${build.toFixed(2)} s, search ${search.toFixed(2)} s${growth}`);
    previous = { rows, search };
  }
}

const maxIndex = process.argv.indexOf('--scaling-max');
const scalingMax = maxIndex === -1 ? 1_000_000 : Number(process.argv[maxIndex + 1]);
await compareWithFaiss(100_000);
await scaling(scalingMax);
