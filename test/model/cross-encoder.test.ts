import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Tokenizer } from 'tokenizers';
import { readModelFiles } from '../../src/io/model-files.ts';
import { CrossEncoder, type TextPair } from '../../src/model/cross-encoder.ts';
import { openEncoderRuntime } from '../../src/model/encoder-runtime.ts';
import type { TokenEncoder } from '../../src/model/encodings.ts';
import { REPO_ROOT } from '../helpers/cli.ts';
import { crossEncoderLogit, sigmoid } from '../helpers/fixture-model-reference.ts';

const MODELS = path.join(REPO_ROOT, 'fixtures', 'models');
const PAIRS: [string, string][] = [
  ['boiling point of water', 'the boiling point of water is 100 degrees'],
  ['boiling point of water', 'Jupiter is the largest planet'],
  ['capital of australia', 'Canberra is the capital of Australia, a city planned from scratch in the early twentieth century.'],
  ['ice', 'ice'],
];
const OPTIONS = { target: { provider: 'cpu' as const }, batch: { maxBatchSize: 2, maxBatchTokens: 4096 }, activation: 'sigmoid' as const };

async function expectedLogits(): Promise<number[]> {
  const tokenizer = Tokenizer.fromFile(path.join(MODELS, 'tokenizer.json'));
  tokenizer.disablePadding();
  return Promise.all(
    PAIRS.map(async ([query, passage]) => {
      const encoding = await tokenizer.encode(query, passage);
      return crossEncoderLogit(encoding.getIds(), encoding.getAttentionMask(), encoding.getTypeIds());
    }),
  );
}

describe('cross-encoder', () => {
  let encoder: CrossEncoder;
  before(async () => {
    encoder = await CrossEncoder.load(await readModelFiles(path.join(MODELS, 'cross-encoder')), OPTIONS);
  });
  after(async () => {
    await encoder.release();
  });

  it('cross-encoder scores pairs as sigmoid of the single logit, in input order', async () => {
    assert.equal(encoder.config.numLabels, 1);
    const scores = await encoder.score(PAIRS);
    const logits = await expectedLogits();
    logits.forEach((logit, i) => {
      assert.ok(Math.abs((scores[i] ?? 0) - sigmoid(logit)) < 1e-5, `pair ${i}: ${scores[i]} vs ${sigmoid(logit)}`);
    });
    assert.ok((scores[0] ?? 0) >= 0.5 && (scores[1] ?? 1) < 0.5, 'relevant pair high, unrelated pair low');
    assert.ok((scores[3] ?? 0) > 0.99, 'identical texts');
  });

  it('cross-encoder with activation none returns the raw logit', async () => {
    const raw = await CrossEncoder.load(await readModelFiles(path.join(MODELS, 'cross-encoder')), { ...OPTIONS, activation: 'none', worker: false });
    try {
      const scores = await raw.score(PAIRS);
      const logits = await expectedLogits();
      logits.forEach((logit, i) => {
        assert.ok(Math.abs((scores[i] ?? 0) - logit) < 1e-4);
      });
    } finally {
      await raw.release();
    }
  });

  it('cross-encoder turns two-class logits into the probability of label 1 and feeds only declared inputs', async () => {
    const twoClass = await CrossEncoder.load(await readModelFiles(path.join(MODELS, 'cross-encoder-2class')), OPTIONS);
    try {
      assert.equal(twoClass.config.numLabels, 2);
      const [a, b] = [await twoClass.score(PAIRS), await encoder.score(PAIRS)];
      for (let i = 0; i < PAIRS.length; i += 1) assert.ok(Math.abs((a[i] ?? 0) - (b[i] ?? 0)) < 1e-5);
    } finally {
      await twoClass.release();
    }
  });

  it('cross-encoder scores an empty list as nothing', async () => {
    assert.equal((await encoder.score([])).length, 0);
  });

  it('cross-encoder tokenizes a chunk at a time, the next before the current one runs, with the scores of one chunk', async () => {
    const files = await readModelFiles(path.join(MODELS, 'cross-encoder'));
    // 23 pairs of different lengths: 3 chunks of 6 and one of 5 at chunkPairs 6.
    const pairs: TextPair[] = Array.from({ length: 23 }, (_, i) => {
      const [query, passage] = PAIRS[i % PAIRS.length] ?? ['', ''];
      return [query, `${passage} ${'more words '.repeat(i % 7)}`.trim()] as const;
    });
    const whole = await encoder.score(pairs);
    const events: string[] = [];
    const chunked = await CrossEncoder.open(files, { ...OPTIONS, chunkPairs: 6, worker: false }, async (maxLength) => {
      const runtime = await openEncoderRuntime(files, maxLength, { ...OPTIONS, worker: false });
      const real = runtime.tokenizer;
      const tokenizer: TokenEncoder = {
        vocabSize: real.vocabSize,
        encode: (texts) => real.encode(texts),
        encodePairs: (chunk) => {
          events.push(`tokenize ${chunk.length}`);
          return real.encodePairs(chunk);
        },
      };
      const inner = runtime.runner;
      const runner: typeof inner = { ...inner, run: (feeds, outputNames, pool) => {
          events.push('run');
          return inner.run(feeds, outputNames, pool);
        },
      };
      return { ...runtime, tokenizer, runner };
    });
    try {
      function* lazily(): Generator<TextPair> {
        yield* pairs;
      }
      const scores = await chunked.score(lazily(), { total: pairs.length });
      assert.deepEqual([...scores], [...whole], 'same scores as one chunk holding every pair');
      assert.deepEqual(events.filter((e) => e !== 'run'), ['tokenize 6', 'tokenize 6', 'tokenize 6', 'tokenize 5']);
      // Chunk 2 is tokenized before chunk 1's first batch runs, and so on: tokenizing overlaps inference.
      assert.deepEqual(events.slice(0, 3), ['tokenize 6', 'tokenize 6', 'run']);
      assert.ok(events.indexOf('tokenize 5') < events.lastIndexOf('run') - 1, `last chunk tokenized while the one before runs: ${events.join(', ')}`);
      await assert.rejects(chunked.score(lazily(), { total: pairs.length - 1 }), RangeError);
    } finally {
      await chunked.release();
    }
  });
});
