/**
 * Static embedding models against the MiniLM-L6-shaped transformer on CPU, in one process, on the same real MS MARCO
 * passages (all 5,000 by default), through the functions `negmine embed` uses (resolveBiEncoderFiles, batchLimitsFor,
 * openBiEncoder, BiEncoder.embed: worker runner, texts length-sorted into batches, CLI defaults). Arms:
 *   static-1024      a StaticEmbedding model shaped like static-retrieval-mrl-en-v1 (30,522 x 1024 float32)
 *   static-1024-t256 the same model with --truncate-dim 256
 *   model2vec-256    a model2vec model shaped like potion-base-8M (30,522 x 256 float32, normalize)
 *   transformer      the generated MiniLM-L6-shaped bi-encoder (bench/generate-minilm.ts)
 * The static tables are seeded random (bench/lib/static-models.ts): their cost, not their meaning, is measured.
 * Each arm is loaded and warmed up once (first 32 texts), then the arms run interleaved `--repeat` times; the median
 * time of each counts. Load time (reading the table, building the graph, starting the worker) is printed apart.
 *
 * Run: node --import tsx bench/static-embedding.ts [--passages 5000] [--repeat 3] [--arms static-1024,...] [--threads N]
 */
import { parseArgs } from 'node:util';
import { silentLogger } from '../src/core/logger.ts';
import type { BiEncoder } from '../src/model/bi-encoder.ts';
import { openBiEncoder } from '../src/pipeline/bi-encoder-loader.ts';
import { batchLimitsFor } from '../src/pipeline/embed.ts';
import { resolveBiEncoderFiles } from '../src/pipeline/resolve-model.ts';
import { DEFAULT_MODELS_DIR, ensureBenchModels } from './generate-minilm.ts';
import { loadBeir, passageOf } from './lib/msmarco.ts';
import { machine, median, progress, ratioLine, result, round, seconds } from './lib/report.ts';
import { ensureStaticModels } from './lib/static-models.ts';

const ARMS = ['static-1024', 'static-1024-t256', 'model2vec-256', 'transformer'] as const;
type Arm = (typeof ARMS)[number];
// The CLI's --batch-size default; --max-batch-tokens is left to batchLimitsFor, as the CLI does.
const BATCH_SIZE = 32;
const TARGET = { provider: 'cpu' } as const;

async function openArm(model: string, truncateDim: number | undefined, threads: number | undefined): Promise<BiEncoder> {
  const files = await resolveBiEncoderFiles(model, { log: silentLogger() });
  const settings = { batch: { maxBatchSize: BATCH_SIZE } };
  return openBiEncoder(files, {
    target: TARGET,
    batch: batchLimitsFor(settings, TARGET, files),
    normalize: false,
    ...(truncateDim === undefined ? {} : { truncateDim }),
    ...(threads === undefined ? {} : { threads }),
  });
}

/** Largest |a - b| between the first `dim` columns of `full` (width `fullDim`) and `truncated` (width `dim`). */
function truncationGap(full: Float32Array, fullDim: number, truncated: Float32Array, dim: number): number {
  let gap = 0;
  const rows = truncated.length / dim;
  for (let row = 0; row < rows; row += 1) {
    for (let col = 0; col < dim; col += 1) gap = Math.max(gap, Math.abs((full[row * fullDim + col] ?? 0) - (truncated[row * dim + col] ?? 0)));
  }
  return gap;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      passages: { type: 'string', default: '5000' },
      repeat: { type: 'string', default: '3' },
      arms: { type: 'string', default: ARMS.join(',') },
      threads: { type: 'string' },
    },
  });
  const repeat = Math.max(1, Number(values.repeat));
  const threads = values.threads === undefined ? undefined : Number(values.threads);
  const arms = values.arms.split(',').filter((arm): arm is Arm => (ARMS as readonly string[]).includes(arm));
  const texts = loadBeir().corpus.slice(0, Number(values.passages)).map(passageOf);
  const transformer = await ensureBenchModels();
  const statics = ensureStaticModels(DEFAULT_MODELS_DIR, progress);
  progress(`static-embedding: ${texts.length} MS MARCO passages, arms ${arms.join(', ')}, repeat ${repeat}, ${machine()}`);

  const models: Record<Arm, { dir: string; truncateDim?: number }> = {
    'static-1024': { dir: statics.mrl.dir },
    'static-1024-t256': { dir: statics.mrl.dir, truncateDim: 256 },
    'model2vec-256': { dir: statics.model2vec.dir },
    transformer: { dir: transformer.biEncoderDir },
  };
  const encoders = new Map<Arm, BiEncoder>();
  const loadSeconds = new Map<Arm, number>();
  const times = new Map<Arm, number[]>(arms.map((arm) => [arm, []]));
  const vectors = new Map<Arm, Float32Array>();
  try {
    for (const arm of arms) {
      const started = performance.now();
      const encoder = await openArm(models[arm].dir, models[arm].truncateDim, threads);
      encoders.set(arm, encoder);
      loadSeconds.set(arm, seconds(started));
      await encoder.embed(texts.slice(0, BATCH_SIZE));
      progress(`${arm}: loaded in ${round(loadSeconds.get(arm) ?? 0, 2)} s, warmed up`);
    }
    for (let r = 0; r < repeat; r += 1) {
      for (const arm of arms) {
        const started = performance.now();
        const output = await encoders.get(arm)?.embed(texts);
        const took = seconds(started);
        if (output !== undefined) vectors.set(arm, output);
        times.get(arm)?.push(took);
        progress(`${arm}: round ${r + 1}: ${round(took, 3)} s, ${round(texts.length / took)} texts/s`);
      }
    }
  } finally {
    for (const encoder of encoders.values()) await encoder.release();
  }

  const rate = (arm: Arm): number | undefined => {
    const list = times.get(arm) ?? [];
    return list.length === 0 ? undefined : texts.length / median(list);
  };
  result(`# static-embedding: ${texts.length} MS MARCO passages, negmine's embed path (worker, length-sorted batches, CLI defaults), CPU, ${machine()}`);
  for (const arm of arms) {
    const encoder = encoders.get(arm);
    result(`${arm}: ${round(rate(arm) ?? 0)} texts/s (dim ${encoder?.dimension ?? '?'}; seconds ${(times.get(arm) ?? []).map((s) => s.toFixed(3)).join(' ')}; load ${round(loadSeconds.get(arm) ?? 0, 2)} s)`);
  }
  const base = rate('transformer');
  if (base !== undefined) {
    for (const arm of arms) {
      const value = rate(arm);
      if (arm === 'transformer' || value === undefined) continue;
      const name = arm === 'static-1024' ? 'static_vs_transformer' : `static_vs_transformer_${arm.replaceAll('-', '_')}`;
      result(ratioLine(name, value / base, '>=20'));
    }
  }
  const full = vectors.get('static-1024');
  const truncated = vectors.get('static-1024-t256');
  if (full !== undefined && truncated !== undefined) result(`check: --truncate-dim 256 vectors vs the first 256 columns of the 1024-d ones: max |diff| ${truncationGap(full, 1024, truncated, 256).toExponential(2)}`);
}

await main();
