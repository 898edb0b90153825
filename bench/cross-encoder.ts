/**
 * Cross-encoder throughput: negmine's CrossEncoder.score over all (query, candidate) pairs at once (global
 * length-sorted batching) versus one score() call per query with its candidates as one batch, as naive code does.
 * Same generated MiniLM-L6-shaped cross-encoder, same pairs: for each MS MARCO query its judged passages, then passages
 * sampled (seeded) from the 5k corpus, up to --candidates. Both modes run in one process, warmed up, interleaved
 * `--repeat` times; the median time counts.
 *
 * Run: node --import tsx bench/cross-encoder.ts [--queries 50] [--candidates 30] [--repeat 1] [--max-batch-tokens 16384] [--threads N] [--padding-only]
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import { benchTarget } from './lib/device.ts';
import { Tokenizer } from 'tokenizers';
import { readModelFiles } from '../src/io/model-files.ts';
import { planBatches, paddingEfficiency as negminePaddingEfficiency } from '../src/model/batching.ts';
import { CHUNK_PAIRS, CrossEncoder } from '../src/model/cross-encoder.ts';
import { ensureBenchModels, MINILM } from './generate-minilm.ts';
import { loadBeir, passageOf, type BeirSample } from './lib/msmarco.ts';
import { chunks, machine, median, paddingEfficiency, progress, ratioLine, result, round, seconds } from './lib/report.ts';

// The CLI defaults (--batch-size 32, --max-batch-tokens 16384); --max-batch-tokens overrides the second.
// negmine's CPU defaults (--batch-size 32, --max-batch-tokens 512).
const DEFAULT_BATCH = { maxBatchSize: 32, maxBatchTokens: 512 };

type Pair = readonly [string, string];

/** Seeded Fisher-Yates: the same candidates on every run. */
function shuffled<T>(items: readonly T[], seed: number): T[] {
  const out = [...items];
  let state = seed >>> 0;
  const next = (): number => {
    state = (Math.imul(state, 1_664_525) + 1_013_904_223) >>> 0;
    return state / 4_294_967_296;
  };
  for (let i = out.length - 1; i > 0; i -= 1) {
    const j = Math.floor(next() * (i + 1));
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

/** Per query: judged passages present in the corpus first, then sampled ones, `candidates` in all. */
function buildPairs(sample: BeirSample, queries: number, candidates: number): Pair[][] {
  const byId = new Map(sample.corpus.map((doc) => [doc.id, doc]));
  return sample.queries.slice(0, queries).map((query, q) => {
    const judged = [...(sample.qrels.get(query.id)?.keys() ?? [])].filter((id) => byId.has(id));
    const chosen = new Set(shuffled(judged, q + 1).slice(0, candidates));
    for (const doc of shuffled(sample.corpus, 1_000 + q)) {
      if (chosen.size >= candidates) break;
      chosen.add(doc.id);
    }
    return [...chosen].map((id) => [query.text, passageOf(byId.get(id) ?? { title: '', text: '' })] as const);
  });
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      queries: { type: 'string', default: '50' },
      candidates: { type: 'string', default: '30' },
      repeat: { type: 'string', default: '1' },
      threads: { type: 'string' },
      // cpu (default) or cuda[:N]
      device: { type: 'string', default: 'cpu' },
      'max-batch-tokens': { type: 'string', default: String(DEFAULT_BATCH.maxBatchTokens) },
      'models-dir': { type: 'string' },
      // Print the padding efficiency of batches planned over all pairs vs in CrossEncoder's tokenization chunks, and stop.
      'padding-only': { type: 'boolean' },
    },
  });
  const repeat = Math.max(1, Number(values.repeat));
  const threads = values.threads === undefined ? undefined : Number(values.threads);
  const batch = { ...DEFAULT_BATCH, maxBatchTokens: Number(values['max-batch-tokens']) };
  const models = await ensureBenchModels(values['models-dir'] === undefined ? undefined : path.resolve(values['models-dir']));
  const candidates = Number(values.candidates);
  const perQuery = buildPairs(loadBeir(), Number(values.queries), candidates);
  const pairs = perQuery.flat();
  progress(`cross-encoder: ${perQuery.length} queries, ${pairs.length} pairs, repeat ${repeat}, ${machine()}`);

  // Token lengths for the padding figures, with the tokenizer and truncation the cross-encoder uses.
  const tokenizer = Tokenizer.fromFile(path.join(models.crossEncoderDir, 'tokenizer.json'));
  tokenizer.disablePadding();
  tokenizer.setTruncation(MINILM.ceMaxLength);
  const lengths = await Promise.all(pairs.map(async ([query, passage]) => (await tokenizer.encode(query, passage)).getIds().length));
  const totalTokens = lengths.reduce((a, b) => a + b, 0);
  const globalEfficiency = negminePaddingEfficiency(lengths, planBatches(lengths, batch));
  const perQueryEfficiency = paddingEfficiency(chunks(lengths, candidates));
  if (values['padding-only'] === true) {
    let real = 0;
    let padded = 0;
    for (const chunk of chunks(lengths, CHUNK_PAIRS)) {
      const chunkReal = chunk.reduce((sum, n) => sum + n, 0);
      real += chunkReal;
      padded += chunkReal / negminePaddingEfficiency(chunk, planBatches(chunk, batch));
    }
    result(`# cross-encoder padding: ${pairs.length} pairs (${totalTokens} tokens), planBatches ${batch.maxBatchSize}/${batch.maxBatchTokens}, ${machine()}`);
    result(`padding efficiency: batches planned over all pairs ${globalEfficiency.toFixed(4)}; in chunks of ${CHUNK_PAIRS} pairs ${(real / padded).toFixed(4)}; one batch per query ${perQueryEfficiency.toFixed(4)}`);
    return;
  }

  const files = await readModelFiles(models.crossEncoderDir);
  const load = (limits: typeof batch): Promise<CrossEncoder> =>
    CrossEncoder.load(files, { target: benchTarget(values.device), batch: limits, activation: 'sigmoid', ...(threads === undefined ? {} : { threads }) });
  const encoder = await load(batch);
  // Naive code: a query's candidates always form exactly one batch, whatever the token limits above.
  const perQueryEncoder = await load({ maxBatchSize: candidates, maxBatchTokens: Number.MAX_SAFE_INTEGER });
  await encoder.score(perQuery[0] ?? []);
  await perQueryEncoder.score(perQuery[0] ?? []);

  const modes = {
    global: () => encoder.score(pairs),
    per_query: async () => {
      const scores = new Float32Array(pairs.length);
      let offset = 0;
      for (const group of perQuery) {
        scores.set(await perQueryEncoder.score(group), offset);
        offset += group.length;
      }
      return scores;
    },
  } as const;
  const times: Record<keyof typeof modes, number[]> = { global: [], per_query: [] };
  const scores: Partial<Record<keyof typeof modes, Float32Array>> = {};
  for (let round_ = 0; round_ < repeat; round_ += 1) {
    for (const mode of ['global', 'per_query'] as const) {
      const started = performance.now();
      scores[mode] = await modes[mode]();
      const elapsed = seconds(started);
      times[mode].push(elapsed);
      progress(`${mode}: round ${round_ + 1}: ${round(elapsed, 2)} s, ${round(pairs.length / elapsed)} pairs/s`);
    }
  }
  await encoder.release();
  await perQueryEncoder.release();

  const globalRate = pairs.length / median(times.global);
  const perQueryRate = pairs.length / median(times.per_query);
  result(`# cross-encoder: ${perQuery.length} MS MARCO queries x ${candidates} candidates = ${pairs.length} pairs (${totalTokens} tokens), MiniLM-L6-shaped generated cross-encoder, ${machine()}`);
  result(ratioLine('ce_global_vs_per_query', globalRate / perQueryRate, '>=2.0'));
  result(`global length-sorted batching: ${round(globalRate)} pairs/s (planBatches ${batch.maxBatchSize}/${batch.maxBatchTokens}, padding efficiency ${globalEfficiency.toFixed(3)})`);
  result(`per-query batching: ${round(perQueryRate)} pairs/s (one batch of ${candidates} per query, padding efficiency ${perQueryEfficiency.toFixed(3)})`);
  result(`seconds global: ${times.global.map((s) => s.toFixed(2)).join(' ')}; per_query: ${times.per_query.map((s) => s.toFixed(2)).join(' ')}`);
  const a = scores.global;
  const b = scores.per_query;
  if (a !== undefined && b !== undefined) result(`check: max |score(global) - score(per-query)| = ${a.reduce((max, v, i) => Math.max(max, Math.abs(v - (b[i] ?? 0))), 0).toExponential(2)}`);
}

await main();
