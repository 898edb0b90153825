/**
 * Embedding time against corpus size: negmine's BiEncoder (worker runner, CPU defaults) on the first 1,000 and on all
 * 5,000 MS MARCO passages, one warmed-up session, printing seconds and the growth factor between sizes next to the
 * growth in texts and in tokens (embedding should grow with tokens: linearly).
 *
 * Run: node --import tsx bench/embed-scaling.ts [--sizes 1000,5000]
 */
import { parseArgs } from 'node:util';
import { readModelFiles } from '../src/io/model-files.ts';
import { BiEncoder } from '../src/model/bi-encoder.ts';
import { TextTokenizer } from '../src/model/tokenizer.ts';
import { ensureBenchModels, MINILM } from './generate-minilm.ts';
import { loadBeir, passageOf } from './lib/msmarco.ts';
import { machine, progress, result, round, seconds } from './lib/report.ts';

// negmine's CPU defaults (--batch-size 32, --max-batch-tokens 512).
const BATCH = { maxBatchSize: 32, maxBatchTokens: 512 };

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { sizes: { type: 'string', default: '1000,5000' } } });
  const sizes = values.sizes.split(',').map(Number);
  const models = await ensureBenchModels();
  const passages = loadBeir().corpus.map(passageOf);
  const files = await readModelFiles(models.biEncoderDir);
  const tokenizer = TextTokenizer.fromFile(files.tokenizerPath, MINILM.biMaxSeqLength);
  const encoder = await BiEncoder.load(files, { target: { provider: 'cpu' }, batch: BATCH });
  try {
    await encoder.embed(passages.slice(0, BATCH.maxBatchSize));
    const rows: { texts: number; tokens: number; seconds: number }[] = [];
    for (const size of sizes) {
      const texts = passages.slice(0, size);
      const tokens = (await tokenizer.encode(texts)).reduce((sum, e) => sum + e.ids.length, 0);
      const started = performance.now();
      await encoder.embed(texts);
      rows.push({ texts: texts.length, tokens, seconds: seconds(started) });
      progress(`${texts.length} texts: ${round(seconds(started), 2)} s`);
    }
    result(`# embed-scaling: MiniLM-L6-shaped bi-encoder, negmine BiEncoder (worker runner, planBatches ${BATCH.maxBatchSize}/${BATCH.maxBatchTokens}), ${machine()}`);
    rows.forEach((row, i) => {
      const previous = rows[i - 1];
      const growth = previous === undefined ? '' : `, growth x${round(row.seconds / previous.seconds, 2)} for x${round(row.texts / previous.texts, 2)} texts / x${round(row.tokens / previous.tokens, 2)} tokens`;
      result(`  ${row.texts} texts (${row.tokens} tokens): ${round(row.seconds, 2)} s, ${round(row.texts / row.seconds)} texts/s${growth}`);
    });
  } finally {
    await encoder.release();
  }
}

await main();
