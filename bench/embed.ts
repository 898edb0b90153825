/**
 * Embedding throughput on the generated MiniLM-L6-shaped bi-encoder and real MS MARCO passages, three ways in one
 * process: transformers.js feature-extraction (batches of 32 in input order), a bare onnxruntime-node session on the
 * main thread (pre-tokenized, length-sorted batches of 32; only session.run is timed), and negmine's BiEncoder.embed
 * (worker runner, CLI default batching: 32 rows, 16,384 padded tokens). Each arm embeds the same texts once as a
 * warm-up (first 32 texts) and then `--repeat` times; the median time counts.
 *
 * Run: node --import tsx bench/embed.ts [--passages 1000] [--repeat 1] [--arms tjs,bare,negmine,negmine-local] [--breakdown] [--max-batch-tokens 16384] [--threads N]
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import { benchTarget } from './lib/device.ts';
import type { ExecutionTarget } from '../src/model/device.ts';
import ort from 'onnxruntime-node';
import { Tokenizer } from 'tokenizers';
import { readModelFiles } from '../src/io/model-files.ts';
import { packBatch, planBatches, paddingEfficiency as negminePaddingEfficiency } from '../src/model/batching.ts';
import { BiEncoder } from '../src/model/bi-encoder.ts';
import { normalizeRows, pool } from '../src/model/pooling.ts';
import { TextTokenizer } from '../src/model/tokenizer.ts';
import { ensureBenchModels, MINILM } from './generate-minilm.ts';
import { loadBeir, passageOf } from './lib/msmarco.ts';
import { chunks, machine, median, paddingEfficiency, progress, ratioLine, result, round, seconds } from './lib/report.ts';

// negmine-local: BiEncoder with worker: false (session on the main thread), to isolate the worker's cost.
const ARMS = ['tjs', 'bare', 'negmine', 'negmine-local'] as const;
const DEFAULT_ARMS = ['tjs', 'bare', 'negmine'] as const;
type Arm = (typeof ARMS)[number];
const BATCH_SIZE = 32;
// The CLI defaults (--batch-size 32, --max-batch-tokens 16384); --max-batch-tokens overrides the second.
// negmine's CPU defaults (--batch-size 32, --max-batch-tokens 512).
const NEGMINE_BATCH = { maxBatchSize: 32, maxBatchTokens: 512 };

interface ArmRunner {
  /** Embeds all texts; returns timed seconds and the [texts, 384] vectors in input order. */
  run(): Promise<{ seconds: number; vectors: Float32Array }>;
  release(): Promise<void>;
}

/** Minimal view of the transformers.js API used here (its own pipeline types are too wide for strict TS). */
interface FeatureExtractor {
  (texts: string[], options: { pooling: 'mean'; normalize: boolean }): Promise<{ data: Float32Array; dims: number[] }>;
  dispose(): Promise<void>;
}

async function transformersJsArm(modelsDir: string, modelName: string, texts: readonly string[]): Promise<ArmRunner> {
  const transformers = await import('@huggingface/transformers');
  transformers.env.allowRemoteModels = false;
  transformers.env.localModelPath = `${modelsDir}${path.sep}`;
  const extractor = (await transformers.pipeline('feature-extraction', modelName, { local_files_only: true, dtype: 'fp32' })) as unknown as FeatureExtractor;
  const embed = async (subset: readonly string[]): Promise<Float32Array> => {
    const vectors = new Float32Array(subset.length * MINILM.hidden);
    let row = 0;
    for (const batch of chunks(subset, BATCH_SIZE)) {
      const output = await extractor(batch, { pooling: 'mean', normalize: true });
      vectors.set(output.data, row * MINILM.hidden);
      row += batch.length;
    }
    return vectors;
  };
  await embed(texts.slice(0, BATCH_SIZE));
  return {
    async run() {
      const started = performance.now();
      const vectors = await embed(texts);
      return { seconds: seconds(started), vectors };
    },
    release: () => extractor.dispose(),
  };
}

/** Mean pooling + L2 normalization of one batch, outside the timer (only for the cross-check of vectors). */
function poolInto(states: Float32Array, lengths: readonly number[], seq: number, target: Float32Array, rows: readonly number[]): void {
  const hidden = MINILM.hidden;
  rows.forEach((textIndex, b) => {
    const length = lengths[b] ?? 1;
    const out = new Float64Array(hidden);
    for (let s = 0; s < length; s += 1) for (let h = 0; h < hidden; h += 1) out[h] = (out[h] ?? 0) + (states[(b * seq + s) * hidden + h] ?? 0);
    const norm = Math.sqrt(out.reduce((sum, v) => sum + v * v, 0)) || 1;
    for (let h = 0; h < hidden; h += 1) target[textIndex * hidden + h] = (out[h] ?? 0) / norm;
  });
}

async function bareOrtArm(modelDir: string, encodings: readonly { ids: number[]; typeIds: number[] }[], threads: number | undefined): Promise<ArmRunner> {
  const session = await ort.InferenceSession.create(path.join(modelDir, 'onnx', 'model.onnx'), {
    executionProviders: ['cpu'],
    graphOptimizationLevel: 'all',
    ...(threads === undefined ? {} : { intraOpNumThreads: threads }),
  });
  const order = encodings.map((_, i) => i).sort((a, b) => (encodings[b]?.ids.length ?? 0) - (encodings[a]?.ids.length ?? 0) || a - b);
  // Packed once, outside the timer: this arm measures inference alone.
  const batches = chunks(order, BATCH_SIZE).map((rows) => {
    const lengths = rows.map((i) => encodings[i]?.ids.length ?? 0);
    const seq = lengths.reduce((longest, n) => Math.max(longest, n), 1);
    const ids = new BigInt64Array(rows.length * seq);
    const mask = new BigInt64Array(rows.length * seq);
    const types = new BigInt64Array(rows.length * seq);
    rows.forEach((textIndex, b) => {
      const encoding = encodings[textIndex];
      encoding?.ids.forEach((id, t) => {
        ids[b * seq + t] = BigInt(id);
        mask[b * seq + t] = 1n;
        types[b * seq + t] = BigInt(encoding.typeIds[t] ?? 0);
      });
    });
    const dims = [rows.length, seq];
    const feeds = { input_ids: new ort.Tensor('int64', ids, dims), attention_mask: new ort.Tensor('int64', mask, dims), token_type_ids: new ort.Tensor('int64', types, dims) };
    return { rows, lengths, seq, feeds };
  });
  const warm = batches[batches.length - 1];
  if (warm !== undefined) await session.run(warm.feeds);
  return {
    async run() {
      const vectors = new Float32Array(encodings.length * MINILM.hidden);
      let timed = 0;
      for (const batch of batches) {
        const started = performance.now();
        const outputs = await session.run(batch.feeds);
        timed += seconds(started);
        poolInto(outputs['last_hidden_state']?.data as Float32Array, batch.lengths, batch.seq, vectors, batch.rows);
      }
      return { seconds: timed, vectors };
    },
    release: () => session.release(),
  };
}

async function negmineArm(modelDir: string, texts: readonly string[], threads: number | undefined, worker: boolean, batch: typeof NEGMINE_BATCH, target: ExecutionTarget = { provider: 'cpu' }): Promise<ArmRunner> {
  const files = await readModelFiles(modelDir);
  const encoder = await BiEncoder.load(files, { target, batch, worker, ...(threads === undefined ? {} : { threads }) });
  await encoder.embed(texts.slice(0, BATCH_SIZE));
  return {
    async run() {
      const started = performance.now();
      const vectors = await encoder.embed(texts);
      return { seconds: seconds(started), vectors };
    },
    release: () => encoder.release(),
  };
}

/** Times negmine's per-text steps other than inference (same functions BiEncoder.embed calls), on the main thread. */
async function breakdown(modelDir: string, texts: readonly string[]): Promise<string[]> {
  const files = await readModelFiles(modelDir);
  const tokenizer = TextTokenizer.fromFile(files.tokenizerPath, MINILM.biMaxSeqLength);
  let started = performance.now();
  const encodings = await tokenizer.encode(texts);
  const tokenizeSeconds = seconds(started);
  started = performance.now();
  const batches = planBatches(encodings.map((e) => e.ids.length), NEGMINE_BATCH);
  const packed = batches.map((indices) => packBatch(indices.map((i) => encodings[i] ?? { ids: new Int32Array(), typeIds: new Int32Array() }), 0));
  const packSeconds = seconds(started);
  // Pooling input of the real size, filled with a constant (its values do not change the cost).
  let poolSeconds = 0;
  for (const batch of packed) {
    const states = new Float32Array(batch.rows * batch.seq * MINILM.hidden).fill(0.5);
    started = performance.now();
    normalizeRows(pool(states, batch.attentionMask, batch.rows, batch.seq, MINILM.hidden, ['mean']), MINILM.hidden);
    poolSeconds += seconds(started);
  }
  const per1000 = (s: number): string => `${round((s * 1000) / texts.length, 3)} s`;
  return [
    `breakdown (main thread, per 1000 texts): tokenize ${per1000(tokenizeSeconds)}, planBatches+packBatch ${per1000(packSeconds)}, pool+normalize ${per1000(poolSeconds)}`,
  ];
}

function minCosine(a: Float32Array, b: Float32Array, dim: number): number {
  let min = Number.POSITIVE_INFINITY;
  for (let offset = 0; offset < a.length; offset += dim) {
    let dot = 0;
    for (let i = offset; i < offset + dim; i += 1) dot += (a[i] ?? 0) * (b[i] ?? 0);
    min = Math.min(min, dot);
  }
  return min;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      passages: { type: 'string', default: '1000' },
      repeat: { type: 'string', default: '1' },
      arms: { type: 'string', default: DEFAULT_ARMS.join(',') },
      breakdown: { type: 'boolean' },
      'max-batch-tokens': { type: 'string', default: String(NEGMINE_BATCH.maxBatchTokens) },
      threads: { type: 'string' },
      'models-dir': { type: 'string' },
      // cpu (default) or cuda[:N]: the device of the negmine arm (the baselines stay on CPU).
      device: { type: 'string', default: 'cpu' },
    },
  });
  const count = Number(values.passages);
  const repeat = Math.max(1, Number(values.repeat));
  const threads = values.threads === undefined ? undefined : Number(values.threads);
  const batch = { ...NEGMINE_BATCH, maxBatchTokens: Number(values['max-batch-tokens']) };
  const arms = values.arms.split(',').filter((arm): arm is Arm => (ARMS as readonly string[]).includes(arm));
  const models = await ensureBenchModels(values['models-dir'] === undefined ? undefined : path.resolve(values['models-dir']));
  const texts = loadBeir().corpus.slice(0, count).map(passageOf);
  progress(`embed: ${texts.length} MS MARCO passages, arms ${arms.join(', ')}, repeat ${repeat}, ${machine()}`);

  // Pre-tokenized with the same tokenizer and truncation negmine uses (max_seq_length 256), outside any timer.
  const tokenizer = Tokenizer.fromFile(path.join(models.biEncoderDir, 'tokenizer.json'));
  tokenizer.disablePadding();
  tokenizer.setTruncation(MINILM.biMaxSeqLength);
  const tokenizeStarted = performance.now();
  const encodings = await Promise.all(texts.map(async (text) => {
    const encoding = await tokenizer.encode(text);
    return { ids: encoding.getIds(), typeIds: encoding.getTypeIds() };
  }));
  const tokenizeSeconds = seconds(tokenizeStarted);
  const lengths = encodings.map((e) => e.ids.length);
  const totalTokens = lengths.reduce((a, b) => a + b, 0);

  const runners = new Map<Arm, ArmRunner>();
  for (const arm of arms) {
    const started = performance.now();
    if (arm === 'tjs') runners.set(arm, await transformersJsArm(path.dirname(models.biEncoderDir), path.basename(models.biEncoderDir), texts));
    if (arm === 'bare') runners.set(arm, await bareOrtArm(models.biEncoderDir, encodings, threads));
    if (arm === 'negmine' || arm === 'negmine-local') runners.set(arm, await negmineArm(models.biEncoderDir, texts, threads, arm === 'negmine', batch, benchTarget(values.device)));
    progress(`${arm}: loaded and warmed up in ${round(seconds(started), 2)} s`);
  }
  const times = new Map<Arm, number[]>(arms.map((arm) => [arm, []]));
  const vectors = new Map<Arm, Float32Array>();
  for (let round_ = 0; round_ < repeat; round_ += 1) {
    for (const arm of arms) {
      const outcome = await runners.get(arm)?.run();
      if (outcome === undefined) continue;
      times.get(arm)?.push(outcome.seconds);
      vectors.set(arm, outcome.vectors);
      progress(`${arm}: round ${round_ + 1}: ${round(outcome.seconds, 2)} s, ${round(texts.length / outcome.seconds)} texts/s`);
    }
  }
  for (const runner of runners.values()) await runner.release();

  const rate = (arm: Arm): number | undefined => {
    const list = times.get(arm);
    return list === undefined || list.length === 0 ? undefined : texts.length / median(list);
  };
  const tjs = rate('tjs');
  const bare = rate('bare');
  const negmine = rate('negmine');
  const negmineLocal = rate('negmine-local');
  result(`# embed: ${texts.length} MS MARCO passages (${totalTokens} tokens, max_seq_length ${MINILM.biMaxSeqLength}), MiniLM-L6-shaped generated model, ${machine()}`);
  if (negmine !== undefined && tjs !== undefined) result(ratioLine('embed_vs_transformersjs', negmine / tjs, '>=2.0'));
  if (negmine !== undefined && bare !== undefined) result(ratioLine('embed_vs_bare_ort', negmine / bare, '>=0.9'));
  const efficiencyInOrder = paddingEfficiency(chunks(lengths, BATCH_SIZE));
  const sortedEfficiency = paddingEfficiency(chunks([...lengths].sort((a, b) => b - a), BATCH_SIZE));
  const negmineEfficiency = negminePaddingEfficiency(lengths, planBatches(lengths, batch));
  if (tjs !== undefined) result(`transformers.js feature-extraction: ${round(tjs)} texts/s, ${round((tjs * totalTokens) / texts.length, 0)} tokens/s (batches of ${BATCH_SIZE} in input order, padding efficiency ${efficiencyInOrder.toFixed(3)})`);
  if (bare !== undefined) result(`bare onnxruntime session.run: ${round(bare)} texts/s, ${round((bare * totalTokens) / texts.length, 0)} tokens/s (length-sorted batches of ${BATCH_SIZE}, padding efficiency ${sortedEfficiency.toFixed(3)}; tokenization excluded: ${round(tokenizeSeconds, 3)} s)`);
  if (negmine !== undefined) result(`negmine BiEncoder.embed: ${round(negmine)} texts/s, ${round((negmine * totalTokens) / texts.length, 0)} tokens/s (worker runner, planBatches ${batch.maxBatchSize}/${batch.maxBatchTokens}, padding efficiency ${negmineEfficiency.toFixed(3)})`);
  if (negmineLocal !== undefined) result(`negmine BiEncoder.embed, worker: false: ${round(negmineLocal)} texts/s`);
  for (const arm of arms) result(`seconds ${arm}: ${(times.get(arm) ?? []).map((s) => s.toFixed(2)).join(' ')}`);
  if (values.breakdown === true) for (const line of await breakdown(models.biEncoderDir, texts)) result(line);
  const reference = vectors.get('negmine') ?? vectors.get('negmine-local');
  for (const arm of ['tjs', 'bare'] as const) {
    const other = vectors.get(arm);
    if (reference !== undefined && other !== undefined) result(`check: min cosine(negmine, ${arm}) over ${texts.length} texts = ${minCosine(reference, other, MINILM.hidden).toFixed(6)}`);
  }
}

await main();
