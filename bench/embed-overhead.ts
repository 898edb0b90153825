/**
 * What negmine's embed path costs on top of inference: `negmine embed`'s own functions (openBiEncoder with the CLI's
 * CPU batch limits, BiEncoder.embed: tokenization, batching, pooling, normalization, worker round trips) against a
 * bare onnxruntime InferenceSession.run over the same length-sorted batches, fed from the same tokenization output
 * precomputed outside the timer. Both use negmine's session options (same intra-op threads and spinning), the
 * MiniLM-L6-shaped generated bi-encoder and real MS MARCO passages. The machine is shared and its load changes by the
 * minute, so the arms alternate block by block: each block is --block batches, embedded by negmine as one embed()
 * call over those batches' texts (which plans exactly those batches; checked) and run bare batch by batch, the arm
 * going first alternating. A pass covers every block once; the figure is the median over passes of
 * bare seconds / negmine seconds; the same ratio of process CPU seconds is printed too. --block larger than the batch count makes one embed() call over all texts.
 *
 * Run: node --import tsx bench/embed-overhead.ts [--passages 400] [--repeat 7] [--block 4] [--threads N]
 */
import { parseArgs } from 'node:util';
import os from 'node:os';
import ort from 'onnxruntime-node';
import { readModelFiles } from '../src/io/model-files.ts';
import { packBatch, planBatches } from '../src/model/batching.ts';
import { sessionOptions } from '../src/model/execution-provider.ts';
import { feedsFor } from '../src/model/feeds.ts';
import { TextTokenizer } from '../src/model/tokenizer.ts';
import { openBiEncoder } from '../src/pipeline/bi-encoder-loader.ts';
import { batchLimitsFor } from '../src/pipeline/embed.ts';
import { ensureBenchModels, MINILM } from './generate-minilm.ts';
import { loadBeir, passageOf } from './lib/msmarco.ts';
import { machine, median, progress, ratioLine, result, round, seconds } from './lib/report.ts';

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { passages: { type: 'string', default: '400' }, repeat: { type: 'string', default: '7' }, block: { type: 'string', default: '4' }, threads: { type: 'string' } } });
  const repeat = Math.max(1, Number(values.repeat));
  const threads = values.threads === undefined ? undefined : Number(values.threads);
  const target = { provider: 'cpu' } as const;
  const models = await ensureBenchModels();
  const files = await readModelFiles(models.biEncoderDir);
  const texts = loadBeir().corpus.slice(0, Number(values.passages)).map(passageOf);
  // What `negmine embed` passes: the CLI's --batch-size default and the CPU --max-batch-tokens default.
  const batch = batchLimitsFor({ batch: { maxBatchSize: 32 } }, target);

  const encoder = await openBiEncoder(files, { target, batch, normalize: false, ...(threads === undefined ? {} : { threads }) });
  await encoder.embed(texts.slice(0, 32));

  // The bare arm: negmine's tokenizer output and batches, packed into tensors once, outside the timer.
  const tokenizer = TextTokenizer.fromFile(files.tokenizerPath, MINILM.biMaxSeqLength);
  const tokenizeStarted = performance.now();
  const encodings = await tokenizer.encode(texts);
  const tokenizeSeconds = seconds(tokenizeStarted);
  const batches = planBatches(encodings.map((e) => e.ids.length), batch);
  const session = await ort.InferenceSession.create(files.onnxPath, sessionOptions(target, threads));
  const feeds = batches.map((indices) => {
    const packed = packBatch(indices.map((i) => encodings[i] ?? { ids: new Int32Array(), typeIds: new Int32Array() }), 0);
    return Object.fromEntries(Object.entries(feedsFor(packed, session.inputNames)).map(([name, t]) => [name, new ort.Tensor(t.type, t.data, t.dims)]));
  });
  const last = feeds[feeds.length - 1];
  if (last !== undefined) await session.run(last);

  // Blocks of --block batches: each block's texts in batch order, so embed() over a block plans the same batches.
  const blockBatches = Math.max(1, Number(values.block));
  const blocks: { feeds: typeof feeds; texts: string[] }[] = [];
  for (let first = 0; first < batches.length; first += blockBatches) {
    const members = batches.slice(first, first + blockBatches);
    const blockTexts = members.flat().map((i) => texts[i] ?? '');
    const replanned = planBatches(members.flat().map((i) => encodings[i]?.ids.length ?? 0), batch).map((b) => b.length);
    if (replanned.join() !== members.map((b) => b.length).join()) throw new Error(`block at batch ${first}: embed() would plan other batches`);
    blocks.push({ feeds: feeds.slice(first, first + blockBatches), texts: blockTexts });
  }

  // Wall seconds and process CPU seconds (all threads: with spinning off, CPU time is the work done, and varies far
  // less with other processes' load than wall time does).
  const timed = async (work: () => Promise<unknown>): Promise<{ wall: number; cpu: number }> => {
    const cpuStarted = process.cpuUsage();
    const started = performance.now();
    await work();
    const cpu = process.cpuUsage(cpuStarted);
    return { wall: seconds(started), cpu: (cpu.user + cpu.system) / 1e6 };
  };
  const bare = (blockFeeds: typeof feeds): Promise<{ wall: number; cpu: number }> =>
    timed(async () => {
      for (const feed of blockFeeds) await session.run(feed);
    });
  const negmine = (blockTexts: readonly string[]): Promise<{ wall: number; cpu: number }> => timed(() => encoder.embed(blockTexts));

  progress(`embed-overhead: ${texts.length} passages, ${batches.length} batches (${batch.maxBatchSize} rows / ${batch.maxBatchTokens} tokens), ${blocks.length} blocks, ${repeat} passes, ${machine()}`);
  const ratios: number[] = [];
  const cpuRatios: number[] = [];
  const bareTimes: number[] = [];
  const negmineTimes: number[] = [];
  for (let r = 0; r < repeat; r += 1) {
    const b = { wall: 0, cpu: 0 };
    const n = { wall: 0, cpu: 0 };
    const add = (into: { wall: number; cpu: number }, t: { wall: number; cpu: number }): void => {
      into.wall += t.wall;
      into.cpu += t.cpu;
    };
    for (const [k, block] of blocks.entries()) {
      // Alternate which arm goes first, so neither always runs right after the other.
      if ((k + r) % 2 === 0) {
        add(b, await bare(block.feeds));
        add(n, await negmine(block.texts));
      } else {
        add(n, await negmine(block.texts));
        add(b, await bare(block.feeds));
      }
    }
    bareTimes.push(b.wall);
    negmineTimes.push(n.wall);
    ratios.push(b.wall / n.wall);
    cpuRatios.push(b.cpu / n.cpu);
    progress(`pass ${r + 1}: bare ${round(b.wall, 2)} s (cpu ${round(b.cpu, 2)} s), negmine ${round(n.wall, 2)} s (cpu ${round(n.cpu, 2)} s), ratio ${(b.wall / n.wall).toFixed(3)}, cpu ratio ${(b.cpu / n.cpu).toFixed(3)} (load ${os.loadavg()[0]?.toFixed(2)})`);
  }
  await session.release();
  await encoder.release();

  result(`# embed-overhead: ${texts.length} MS MARCO passages, ${batches.length} length-sorted batches (${batch.maxBatchSize} rows / ${batch.maxBatchTokens} tokens), MiniLM-L6-shaped model, ${repeat} passes of ${blocks.length} alternating blocks of ${blockBatches} batches, ${machine()}`);
  result(ratioLine('embed_vs_bare_ort', median(ratios), '>=0.95'));
  result(`bare session.run: ${round(texts.length / median(bareTimes))} texts/s (seconds ${bareTimes.map((s) => s.toFixed(2)).join(' ')}; tokenization outside the timer: ${round(tokenizeSeconds, 2)} s on the main thread)`);
  result(`negmine BiEncoder.embed: ${round(texts.length / median(negmineTimes))} texts/s (seconds ${negmineTimes.map((s) => s.toFixed(2)).join(' ')})`);
  result(`cpu-time ratio (bare cpu seconds / negmine cpu seconds, all threads): median ${median(cpuRatios).toFixed(3)}`);
  result(`wall ratios per pass: ${ratios.map((x) => x.toFixed(3)).join(' ')}; cpu ratios per pass: ${cpuRatios.map((x) => x.toFixed(3)).join(' ')}`);
}

await main();
