/**
 * Memory of one bi-encoder session, for the mine-e2e investigation: RSS after load, after embedding, and after
 * release (what the process keeps once the session is gone). Runs negmine's BiEncoder (worker or local runner) or a
 * bare onnxruntime session with chosen options, over the longest --passages MS MARCO passages. One run per process:
 * run it several times with different flags (and e.g. MALLOC_MMAP_THRESHOLD_=131072 in the environment).
 *
 * Run: node --expose-gc --import tsx bench/session-memory.ts [--runner worker|local|bare] [--max-batch-tokens 16384]
 *        [--passages 1000] [--no-mem-pattern]
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import ort from 'onnxruntime-node';
import { readModelFiles } from '../src/io/model-files.ts';
import { packBatch, planBatches } from '../src/model/batching.ts';
import { BiEncoder } from '../src/model/bi-encoder.ts';
import { TextTokenizer } from '../src/model/tokenizer.ts';
import { ensureBenchModels, MINILM } from './generate-minilm.ts';
import { loadBeir, passageOf } from './lib/msmarco.ts';
import { machine, progress, result, round, seconds } from './lib/report.ts';

function memory(): string {
  const status = readFileSync('/proc/self/status', 'utf8');
  const field = (name: string): number => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0) / 1024;
  return `peak ${round(field('VmHWM'))} / now ${round(field('VmRSS'))} MiB`;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      runner: { type: 'string', default: 'worker' },
      'max-batch-tokens': { type: 'string', default: '16384' },
      passages: { type: 'string', default: '1000' },
      'no-mem-pattern': { type: 'boolean' },
    },
  });
  const models = await ensureBenchModels();
  const batch = { maxBatchSize: 32, maxBatchTokens: Number(values['max-batch-tokens']) };
  const texts = loadBeir()
    .corpus.map(passageOf)
    .sort((a, b) => b.length - a.length)
    .slice(0, Number(values.passages));
  const files = await readModelFiles(models.biEncoderDir);
  const lines = [`start: ${memory()}`];
  const started = performance.now();
  if (values.runner === 'bare') {
    const session = await ort.InferenceSession.create(files.onnxPath, { executionProviders: ['cpu'], graphOptimizationLevel: 'all', enableMemPattern: values['no-mem-pattern'] !== true });
    lines.push(`loaded: ${memory()}`);
    const tokenizer = TextTokenizer.fromFile(files.tokenizerPath, MINILM.biMaxSeqLength);
    const encodings = await tokenizer.encode(texts);
    for (const indices of planBatches(encodings.map((e) => e.ids.length), batch)) {
      const packed = packBatch(indices.map((i) => encodings[i] ?? { ids: new Int32Array(), typeIds: new Int32Array() }), 0);
      const dims = [packed.rows, packed.seq];
      await session.run({ input_ids: new ort.Tensor('int64', packed.inputIds, dims), attention_mask: new ort.Tensor('int64', packed.attentionMask, dims), token_type_ids: new ort.Tensor('int64', packed.tokenTypeIds, dims) });
    }
    lines.push(`embedded (${round(seconds(started), 1)} s): ${memory()}`);
    await session.release();
  } else {
    const encoder = await BiEncoder.load(files, { target: { provider: 'cpu' }, batch, worker: values.runner === 'worker' });
    lines.push(`loaded: ${memory()}`);
    await encoder.embed(texts);
    lines.push(`embedded (${round(seconds(started), 1)} s): ${memory()}`);
    await encoder.release();
  }
  lines.push(`released: ${memory()}`);
  (globalThis as { gc?: () => void }).gc?.();
  await new Promise((resolve) => setTimeout(resolve, 1000));
  lines.push(`released + gc + 1 s: ${memory()}`);
  const env = process.env['MALLOC_MMAP_THRESHOLD_'] === undefined ? '' : `, MALLOC_MMAP_THRESHOLD_=${process.env['MALLOC_MMAP_THRESHOLD_']}`;
  progress(machine());
  result(`# session-memory: runner ${values.runner}, ${texts.length} longest passages, max-batch-tokens ${batch.maxBatchTokens}${values['no-mem-pattern'] === true ? ', enableMemPattern false' : ''}${env}`);
  for (const line of lines) result(line);
}

await main();
