// Accuracy effect of --vector-dtype float16: top-10 / top-100 overlap of exact search over float16 vectors against
// float32 vectors of the same texts, same model, same run. Real msmarco-5k passages and queries; the static-lsa
// fixture model (fast) and, with --minilm, the MiniLM-shaped benchmark transformer on a subset.
// Run: node --import tsx bench/float16.ts [--minilm] [--minilm-docs 2000]
import path from 'node:path';
import { parseArgs } from 'node:util';
import { VectorChunks } from '../src/core/vector-chunks.ts';
import { readBiEncoderFiles } from '../src/io/model-files.ts';
import { OnnxExactSearch, type ExactSearchResult } from '../src/model/exact-search.ts';
import { openBiEncoder } from '../src/pipeline/bi-encoder-loader.ts';
import { ensureBenchModels, REPO_ROOT } from './generate-minilm.ts';
import { loadBeir, passageOf } from './lib/msmarco.ts';
import { topKOverlap } from '../test/helpers/vectors.ts';
import { machine, progress, ratioLine, result, round, seconds } from './lib/report.ts';

const { values: flags } = parseArgs({ options: { minilm: { type: 'boolean', default: false }, 'minilm-docs': { type: 'string', default: '2000' } } });
const CPU = { provider: 'cpu' as const };
const K = [10, 100] as const;

/** Largest and mean |float16 score - float32 score| of the same (query, document) top-1 pair. */
function scoreDrift(half: ExactSearchResult, full: ExactSearchResult): { max: number; mean: number } {
  const rows = full.ids.length / full.k;
  let max = 0;
  let sum = 0;
  for (let q = 0; q < rows; q += 1) {
    const drift = Math.abs((half.scores[q * half.k] ?? 0) - (full.scores[q * full.k] ?? 0));
    max = Math.max(max, drift);
    sum += drift;
  }
  return { max, mean: sum / rows };
}

async function search(corpus: VectorChunks, queries: Float32Array, k: number): Promise<ExactSearchResult> {
  const exact = await OnnxExactSearch.create(corpus, corpus.dim, { target: CPU });
  try {
    return await exact.search(queries, k);
  } finally {
    await exact.release();
  }
}

async function measure(label: string, modelDir: string, passages: string[], queryTexts: { real: string[]; pseudo: string[] }): Promise<void> {
  const encoder = await openBiEncoder(await readBiEncoderFiles(modelDir), { target: CPU, worker: false, normalize: true, batch: { maxBatchSize: 64, maxBatchTokens: 8192 } });
  const started = performance.now();
  const corpus = await encoder.embed(passages);
  const real = await encoder.embed(queryTexts.real);
  const pseudo = await encoder.embed(queryTexts.pseudo);
  const dim = encoder.dimension ?? 0;
  await encoder.release();
  progress(`${label}: embedded ${passages.length} passages and ${queryTexts.real.length + queryTexts.pseudo.length} queries in ${round(seconds(started))} s (dim ${dim})`);
  const full = VectorChunks.fromFloat32(corpus, dim);
  const half = VectorChunks.fromFloat32(corpus, dim, { dtype: 'float16' });
  for (const [set, queries] of [['real queries', real], ['passage-prefix queries', pseudo]] as const) {
    const halfQueries = VectorChunks.fromFloat32(queries, dim, { dtype: 'float16' }).readRows(0, queries.length / dim);
    const wide = await search(full, queries, 100);
    const narrow = await search(half, halfQueries, 100);
    const drift = scoreDrift(narrow, wide);
    result(`${label}, ${set} (${queries.length / dim}) over ${passages.length} passages: top-1 score drift max ${drift.max.toExponential(2)} mean ${drift.mean.toExponential(2)}`);
    for (const k of K) result(ratioLine(`float16_top${k}_overlap_${label}_${set.split(' ')[0] ?? ''}`, topKOverlap(narrow, wide, k), '>=0.99'));
  }
  result(`${label}: corpus vectors ${full.byteLength} bytes as float32, ${half.byteLength} as float16 (${round(half.byteLength / full.byteLength, 2)}x)`);
}

const beir = loadBeir();
const passages = beir.corpus.map(passageOf);
// Besides the 50 TREC-DL queries: 950 pseudo-queries, the first 8 words of passages (their own passage is then
// the expected top hit, the rest of the top-100 are near neighbours where float16 rounding could reorder).
const pseudo = passages.slice(0, 950).map((text) => text.split(/\s+/).slice(0, 8).join(' '));
const real = beir.queries.map((q) => q.text);
result(`float16 vs float32 exact search, ${machine()}, ${new Date().toISOString()}`);
await measure('static-lsa', path.join(REPO_ROOT, 'fixtures', 'models', 'static-lsa'), passages, { real, pseudo });
if (flags.minilm) {
  const models = await ensureBenchModels(undefined, { log: progress });
  const docs = Number(flags['minilm-docs']);
  await measure('minilm-shaped', models.biEncoderDir, passages.slice(0, docs), { real, pseudo: pseudo.slice(0, Math.min(pseudo.length, docs / 4)) });
}
