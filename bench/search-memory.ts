// Peak RSS of exact search at 200k x 384: the corpus as one float32 matrix searched as one piece (the single-matrix
// path), as float32 chunks of 65,536 rows, and as float16 chunks; each in its own child process (same queries, k,
// seed), against a child that only loads onnxruntime and builds the queries. Also wall time per search.
// Run: node --import tsx bench/search-memory.ts [--rows 200000] [--queries 1024] [--k 100] [--repeats 3]
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { seededRandom } from '../src/core/random.ts';
import { VectorChunkWriter, VectorChunks } from '../src/core/vector-chunks.ts';
import { OnnxExactSearch } from '../src/model/exact-search.ts';
import { REPO_ROOT } from './generate-minilm.ts';
import { runMeasured } from './lib/measured-child.ts';
import { machine, median, progress, ratioLine, result, round } from './lib/report.ts';

const MODES = ['baseline', 'single-f32', 'chunked-f32', 'chunked-f16'] as const;
type Mode = (typeof MODES)[number];
const DIM = 384;
const MIB = 2 ** 20;

const { values: flags } = parseArgs({
  options: { child: { type: 'string' }, rows: { type: 'string', default: '200000' }, queries: { type: 'string', default: '1024' }, k: { type: 'string', default: '100' }, repeats: { type: 'string', default: '3' } },
});
const rows = Number(flags.rows);
const queryCount = Number(flags.queries);
const k = Number(flags.k);

/** Writes `count` seeded unit vectors in batches of 4,096 rows into a chunk writer (no full float32 matrix). */
function fill(writer: VectorChunkWriter, count: number, seed: number): void {
  const random = seededRandom(seed);
  const batch = new Float32Array(4096 * DIM);
  for (let start = 0; start < count; start += 4096) {
    const n = Math.min(4096, count - start);
    for (let r = 0; r < n; r += 1) {
      let norm = 0;
      for (let d = 0; d < DIM; d += 1) {
        const value = random() + random() + random() - 1.5;
        batch[r * DIM + d] = value;
        norm += value * value;
      }
      const scale = 1 / Math.sqrt(norm);
      for (let d = 0; d < DIM; d += 1) batch[r * DIM + d] = (batch[r * DIM + d] ?? 0) * scale;
    }
    writer.append(batch.subarray(0, n * DIM));
  }
}

async function child(mode: Mode): Promise<void> {
  const queryWriter = new VectorChunkWriter(DIM, { chunkRows: queryCount, expectedRows: queryCount });
  fill(queryWriter, queryCount, 2);
  const queries = queryWriter.finish().readRows(0, queryCount);
  if (mode === 'baseline') {
    const tiny = await OnnxExactSearch.create(new Float32Array(16 * DIM), DIM, { target: { provider: 'cpu' } });
    await tiny.search(queries, Math.min(k, 16));
    await tiny.release();
    process.stderr.write(`RESULT ${JSON.stringify({ searchSeconds: 0, corpusBytes: 0 })}\n`);
    return;
  }
  // single-f32: one chunk and one search piece spanning the corpus, as one array searched by one Gemm + TopK.
  const chunkRows = mode === 'single-f32' ? rows : 65_536;
  const writer = new VectorChunkWriter(DIM, { dtype: mode === 'chunked-f16' ? 'float16' : 'float32', chunkRows, expectedRows: rows });
  fill(writer, rows, 1);
  const corpus: VectorChunks = writer.finish();
  const exact = await OnnxExactSearch.create(corpus, DIM, { target: { provider: 'cpu' }, chunkRows });
  const started = performance.now();
  const hits = await exact.search(queries, k);
  const searchSeconds = (performance.now() - started) / 1000;
  await exact.release();
  let checksum = 0;
  for (let q = 0; q < queryCount; q += 1) checksum += hits.ids[q * hits.k] ?? 0;
  process.stderr.write(`RESULT ${JSON.stringify({ searchSeconds, corpusBytes: corpus.byteLength, checksum })}\n`);
}

interface Measured {
  peakMiB: number;
  searchSeconds: number;
  corpusMiB: number;
  /** Sum of every query's top-1 id: the same for all float32 modes. */
  checksum: number;
}

async function measure(mode: Mode): Promise<Measured> {
  const run = await runMeasured(['--import', 'tsx', fileURLToPath(import.meta.url), '--child', mode, '--rows', String(rows), '--queries', String(queryCount), '--k', String(k)], { cwd: REPO_ROOT });
  if (run.code !== 0) throw new Error(`child ${mode} exited ${run.code ?? run.signal}: ${run.stderr}`);
  const line = run.stderr.split('\n').find((text) => text.startsWith('RESULT '));
  const reported = JSON.parse(line?.slice('RESULT '.length) ?? '{}') as { searchSeconds?: number; corpusBytes?: number; checksum?: number };
  return { peakMiB: run.peakRssBytes / MIB, searchSeconds: reported.searchSeconds ?? Number.NaN, corpusMiB: (reported.corpusBytes ?? 0) / MIB, checksum: reported.checksum ?? 0 };
}

if (flags.child !== undefined) {
  await child(flags.child as Mode);
} else {
  result(`exact search memory, ${rows} x ${DIM} corpus, ${queryCount} queries, k ${k}; ${machine()}, ${new Date().toISOString()}`);
  const repeats = Number(flags.repeats);
  const peaks = new Map<Mode, number[]>(MODES.map((mode) => [mode, []]));
  const times = new Map<Mode, number[]>(MODES.map((mode) => [mode, []]));
  const checksums = new Map<Mode, number>();
  // Modes interleaved per repeat, so load changes on the shared cores hit every mode alike.
  for (let r = 0; r < repeats; r += 1) {
    for (const mode of MODES) {
      const measured = await measure(mode);
      peaks.get(mode)?.push(measured.peakMiB);
      times.get(mode)?.push(measured.searchSeconds);
      checksums.set(mode, measured.checksum);
      progress(`repeat ${r + 1}: ${mode} peak ${round(measured.peakMiB)} MiB, search ${round(measured.searchSeconds, 2)} s, corpus ${round(measured.corpusMiB)} MiB`);
    }
  }
  const peak = (mode: Mode): number => median(peaks.get(mode) ?? []);
  const corpusF32 = (rows * DIM * 4) / MIB;
  const time = (mode: Mode): number => median(times.get(mode) ?? []);
  for (const mode of MODES) {
    result(`${mode}: peak RSS median ${round(peak(mode))} MiB (runs: ${(peaks.get(mode) ?? []).map((v) => round(v)).join(', ')}); above baseline ${round(peak(mode) - peak('baseline'))} MiB; search median ${round(time(mode), 2)} s`);
  }
  result(`top-1 checksums: single-f32 ${checksums.get('single-f32') ?? '?'}, chunked-f32 ${checksums.get('chunked-f32') ?? '?'}, chunked-f16 ${checksums.get('chunked-f16') ?? '?'}`);
  result(ratioLine('search_seconds_chunked_f16_vs_f32', time('chunked-f16') / time('chunked-f32'), '<=1.25'));
  result(`corpus vectors: ${round(corpusF32)} MiB float32, ${round(corpusF32 / 2)} MiB float16`);
  const above = (mode: Mode): number => peak(mode) - peak('baseline');
  result(ratioLine('search_memory_above_baseline_f16_vs_f32_chunked', above('chunked-f16') / above('chunked-f32'), '<=0.75'));
  result(ratioLine('search_memory_above_baseline_chunked_f32_vs_single', above('chunked-f32') / above('single-f32'), '<=1.05'));
  result(ratioLine('search_memory_peak_f16_vs_single', peak('chunked-f16') / peak('single-f32'), '<=0.75'));
}
