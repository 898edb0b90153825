/**
 * onnxruntime CPU threading settings, measured in ONE process over the same length-sorted batches of real MS MARCO
 * passages with the generated MiniLM-L6-shaped bi-encoder: onnxruntime's default (intra-op threads = physical cores,
 * spinning on), spinning off, and 1 / cores-1 / cores intra-op threads with spinning on and off. Texts are tokenized
 * and packed once (negmine's tokenizer, planBatches and feeds, CPU batch defaults 32 rows / 512 tokens); only
 * session.run is timed. One session per setting, created and warmed up outside the timer; each pass runs all batches
 * in blocks of --block batches, every setting running the same block in turn (order rotated per block), so that all
 * settings share the load of the moment. The median over passes counts; each ratio is the median of per-pass ratios
 * against the default measured in the same pass.
 *
 * Run: node --import tsx bench/ort-threads.ts [--passages 400] [--repeat 3] [--block 8] [--cores N]
 */
import { parseArgs } from 'node:util';
import os from 'node:os';
import ort from 'onnxruntime-node';
import { readModelFiles } from '../src/io/model-files.ts';
import { packBatch, planBatches } from '../src/model/batching.ts';
import { defaultCpuThreads } from '../src/model/cpu-threads.ts';
import { sessionOptions } from '../src/model/execution-provider.ts';
import { feedsFor } from '../src/model/feeds.ts';
import { TextTokenizer } from '../src/model/tokenizer.ts';
import { ensureBenchModels, MINILM } from './generate-minilm.ts';
import { loadBeir, passageOf } from './lib/msmarco.ts';
import { machine, median, progress, result, round, seconds } from './lib/report.ts';

const CPU_BATCH = { maxBatchSize: 32, maxBatchTokens: 512 };

interface Setting {
  label: string;
  options: ort.InferenceSession.SessionOptions;
}

/** onnxruntime's own defaults: negmine's session options with the threading entries taken out. */
function runtimeDefault(): ort.InferenceSession.SessionOptions {
  const options = { ...sessionOptions({ provider: 'cpu' }) };
  delete options.intraOpNumThreads;
  delete options.extra;
  return options;
}

function settings(cores: number): Setting[] {
  const cpu = { provider: 'cpu' } as const;
  const spinOff = runtimeDefault();
  spinOff.extra = sessionOptions(cpu, 1, false).extra ?? {};
  const list: Setting[] = [
    { label: 'default', options: runtimeDefault() },
    { label: 'spinning off', options: spinOff },
  ];
  const counts = [...new Set([1, Math.max(1, cores - 1), cores])];
  for (const threads of counts) {
    const name = threads === cores ? `${threads} (cores)` : threads === cores - 1 ? `${threads} (cores-1)` : String(threads);
    list.push({ label: `threads ${name}, spinning on`, options: sessionOptions(cpu, threads, true) });
    list.push({ label: `threads ${name}, spinning off`, options: sessionOptions(cpu, threads, false) });
  }
  return list;
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { passages: { type: 'string', default: '400' }, repeat: { type: 'string', default: '3' }, cores: { type: 'string' }, block: { type: 'string', default: '8' } } });
  const cores = values.cores === undefined ? os.availableParallelism() : Number(values.cores);
  const repeat = Math.max(1, Number(values.repeat));
  const models = await ensureBenchModels();
  const files = await readModelFiles(models.biEncoderDir);
  const texts = loadBeir().corpus.slice(0, Number(values.passages)).map(passageOf);
  const tokenizer = TextTokenizer.fromFile(files.tokenizerPath, MINILM.biMaxSeqLength);
  const encodings = await tokenizer.encode(texts);
  const batches = planBatches(encodings.map((e) => e.ids.length), CPU_BATCH);
  const inputNames = ['input_ids', 'attention_mask', 'token_type_ids'];
  const feeds = batches.map((indices) => {
    const packed = packBatch(indices.map((i) => encodings[i] ?? { ids: new Int32Array(), typeIds: new Int32Array() }), 0);
    const plain = feedsFor(packed, inputNames);
    return Object.fromEntries(Object.entries(plain).map(([name, t]) => [name, new ort.Tensor(t.type, t.data, t.dims)]));
  });
  const list = settings(cores);
  const negmineDefault = defaultCpuThreads(cores);
  progress(`ort-threads: ${texts.length} passages in ${batches.length} batches, ${list.length} settings, ${repeat} passes, ${machine()}`);

  // All sessions stay open; each pass runs the batches in blocks, every setting running the same block in turn (in an
  // order rotated per block), so all settings see the same load, which other processes change by the minute.
  const sessions: ort.InferenceSession[] = [];
  for (const setting of list) {
    const session = await ort.InferenceSession.create(files.onnxPath, setting.options);
    const warm = feeds[feeds.length - 1];
    if (warm !== undefined) await session.run(warm);
    sessions.push(session);
  }
  const block = Math.max(1, Number(values.block));
  const times = new Map<string, number[]>(list.map((s) => [s.label, []]));
  const ratios = new Map<string, number[]>(list.map((s) => [s.label, []]));
  for (let r = 0; r < repeat; r += 1) {
    const passTimes = list.map(() => 0);
    for (let first = 0, k = 0; first < feeds.length; first += block, k += 1) {
      const blockFeeds = feeds.slice(first, first + block);
      for (let j = 0; j < list.length; j += 1) {
        const index = (j + k + r) % list.length;
        const session = sessions[index];
        if (session === undefined) continue;
        const started = performance.now();
        for (const feed of blockFeeds) await session.run(feed);
        passTimes[index] = (passTimes[index] ?? 0) + seconds(started);
      }
    }
    const base = passTimes[0] ?? Number.NaN;
    list.forEach((setting, i) => {
      const elapsed = passTimes[i] ?? Number.NaN;
      times.get(setting.label)?.push(elapsed);
      ratios.get(setting.label)?.push(base / elapsed);
    });
    progress(`pass ${r + 1}: ${list.map((setting, i) => `${setting.label} ${round(texts.length / (passTimes[i] ?? 1))}/s`).join(', ')} (load ${os.loadavg()[0]?.toFixed(2)})`);
  }
  for (const session of sessions) await session.release();

  result(`# ort-threads: ${texts.length} MS MARCO passages, ${batches.length} length-sorted batches (${CPU_BATCH.maxBatchSize} rows / ${CPU_BATCH.maxBatchTokens} tokens), MiniLM-L6-shaped model, ${repeat} passes, blocks of ${block} batches, ${machine()}`);
  result(`negmine default: ${negmineDefault.intraOpThreads} intra-op threads, spinning ${negmineDefault.spinning ? 'on' : 'off'}`);
  for (const setting of list) {
    const rate = texts.length / median(times.get(setting.label) ?? []);
    const ratio = median(ratios.get(setting.label) ?? []);
    result(`${setting.label.padEnd(34)} ${round(rate).padStart(7)} texts/s  ${ratio.toFixed(2)}x default  (seconds ${(times.get(setting.label) ?? []).map((s) => s.toFixed(2)).join(' ')})`);
  }
}

await main();
