/**
 * Index build and search benchmark: negmine's serialized IndexFlatIP build against faiss-node's add(), and negmine's
 * batched search against one faiss-node search call fed every query as one number[].
 *
 * Random unit vectors (seeded), 100k x 384 by default. Prints `RATIO index_build <x> target>=10` (add() time over
 * negmine's build time; add() alone, not counting the Array.from it needs), then absolute times, then the search ratio.
 *
 * Run: node --import tsx bench/index-build.ts [--rows 100000] [--dim 384] [--queries 1000] [--k 100]
 */
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { faissNode } from '../src/ann/flat-index.ts';
import { buildIndex } from '../src/ann/vector-index.ts';
import { unitVectors } from '../test/helpers/vectors.ts';

const { values } = parseArgs({
  options: {
    rows: { type: 'string', default: '100000' },
    dim: { type: 'string', default: '384' },
    queries: { type: 'string', default: '1000' },
    k: { type: 'string', default: '100' },
  },
});
const rows = Number(values.rows);
const dim = Number(values.dim);
const queryCount = Number(values.queries);
const k = Number(values.k);

function seconds(start: number): number {
  return (performance.now() - start) / 1000;
}

function rssMiB(): number {
  return Math.round(process.memoryUsage.rss() / 2 ** 20);
}

const faiss = faissNode();
const vectors = unitVectors(rows, dim, 1);
const queries = unitVectors(queryCount, dim, 2);

// negmine: serialize as IxFI, load with fromBuffer.
const rssBefore = rssMiB();
let start = performance.now();
const built = buildIndex(vectors, dim);
const buildSeconds = seconds(start);
const rssAfterBuild = rssMiB();

// faiss-node: the number[] conversion, then add().
start = performance.now();
const asArray = Array.from(vectors);
const arraySeconds = seconds(start);
const added = new faiss.IndexFlatIP(dim);
start = performance.now();
added.add(asArray);
const addSeconds = seconds(start);

const check = Array.from(queries.subarray(0, 10 * dim));
const same = JSON.stringify(added.search(check, 10).labels) === JSON.stringify(Array.from(built.search(queries.subarray(0, 10 * dim), 10).ids));

console.log(`RATIO index_build ${(addSeconds / buildSeconds).toFixed(1)} target>=10`);
console.log(`index_build rows=${rows} dim=${dim}`);
console.log(`  negmine fromBuffer build: ${buildSeconds.toFixed(2)} s (rss +${rssAfterBuild - rssBefore} MiB)`);
console.log(`  faiss-node add():         ${addSeconds.toFixed(2)} s (+ ${arraySeconds.toFixed(2)} s for Array.from)`);
console.log(`  same top-10 for 10 queries: ${same ? 'yes' : 'NO'}`);

// Search: best of two runs each, as other processes share the cores with FAISS's OpenMP threads.
const allQueries = Array.from(queries);
const timeSearch = (search: () => void): number => {
  const times = [0, 1].map(() => {
    const t = performance.now();
    search();
    return seconds(t);
  });
  return times.reduce((best, t) => Math.min(best, t), Number.POSITIVE_INFINITY);
};
const batchedSeconds = timeSearch(() => built.search(queries, k));
const singleSeconds = timeSearch(() => added.search(allQueries, k));
console.log(`RATIO search_batched_vs_single_call ${(singleSeconds / batchedSeconds).toFixed(2)}`);
console.log(`search queries=${queryCount} k=${k} over ${rows} vectors`);
console.log(`  negmine batched search:         ${batchedSeconds.toFixed(2)} s`);
console.log(`  faiss-node one call, number[]:  ${singleSeconds.toFixed(2)} s (plus ${(arraySeconds * queryCount / rows).toFixed(3)} s Array.from, not counted)`);
