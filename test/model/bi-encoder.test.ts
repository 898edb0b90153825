import assert from 'node:assert/strict';
import { cpSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Tokenizer } from 'tokenizers';
import { NegmineError } from '../../src/core/errors.ts';
import type { ModelFiles } from '../../src/core/model-files.ts';
import { readModelFiles } from '../../src/io/model-files.ts';
import { BiEncoder } from '../../src/model/bi-encoder.ts';
import { REPO_ROOT } from '../helpers/cli.ts';
import { biEncoderEmbedding, dot, FIXTURE_DIM } from '../helpers/fixture-model-reference.ts';
import { tempDir } from '../helpers/temp.ts';

const MODELS = path.join(REPO_ROOT, 'fixtures', 'models');
const TEXTS = [
  'water at sea level',
  'Water boils at 100 degrees Celsius at sea level.',
  'Jupiter is the largest planet in the solar system, a gas giant with dozens of moons and a great red spot.',
  'ice',
  'Water boils at 100 degrees Celsius at sea level.',
];
const BATCH = { maxBatchSize: 2, maxBatchTokens: 4096 };

async function expectedEmbeddings(texts: readonly string[]): Promise<Float64Array[]> {
  const tokenizer = Tokenizer.fromFile(path.join(MODELS, 'tokenizer.json'));
  tokenizer.disablePadding();
  tokenizer.setTruncation(128);
  return Promise.all(
    texts.map(async (text) => {
      const encoding = await tokenizer.encode(text);
      return biEncoderEmbedding(encoding.getIds(), encoding.getAttentionMask());
    }),
  );
}

function rows(matrix: Float32Array, dim: number): Float32Array[] {
  return Array.from({ length: matrix.length / dim }, (_, i) => matrix.subarray(i * dim, (i + 1) * dim));
}

function assertClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tolerance = 1e-5): void {
  assert.equal(actual.length, expected.length);
  for (let i = 0; i < actual.length; i += 1) {
    assert.ok(Math.abs((actual[i] ?? 0) - (expected[i] ?? 0)) <= tolerance, `index ${i}: ${actual[i]} vs ${expected[i]}`);
  }
}

describe('bi-encoder', () => {
  let files: ModelFiles;
  let encoder: BiEncoder;
  before(async () => {
    files = await readModelFiles(path.join(MODELS, 'bi-encoder'));
    encoder = await BiEncoder.load(files, { target: { provider: 'cpu' }, batch: BATCH });
  });
  after(async () => {
    await encoder.release();
  });

  it('bi-encoder pools last_hidden_state per the pooling config and matches the reference', async () => {
    assert.equal(encoder.outputName, 'last_hidden_state');
    assert.deepEqual(encoder.config.pooling, ['mean']);
    assert.equal(encoder.config.normalize, true);
    assert.equal(encoder.config.maxLength, 128);
    const vectors = await encoder.embed(TEXTS);
    assert.equal(encoder.dimension, FIXTURE_DIM);
    const expected = await expectedEmbeddings(TEXTS);
    rows(vectors, FIXTURE_DIM).forEach((row, i) => {
      assertClose(row, expected[i] ?? new Float64Array());
    });
  });

  it('bi-encoder restores input order across length-sorted batches and reports progress', async () => {
    const seen: number[] = [];
    const vectors = rows(await encoder.embed(TEXTS, { onProgress: ({ done }) => seen.push(done) }), FIXTURE_DIM);
    assert.ok(Math.abs(dot(vectors[1] ?? [], vectors[4] ?? []) - 1) < 1e-5, 'identical texts embed identically');
    assert.ok(dot(vectors[0] ?? [], vectors[1] ?? []) > dot(vectors[0] ?? [], vectors[2] ?? []), 'the water passage is nearer the water query');
    assert.deepEqual(seen, [2, 4, 5]);
  });

  it('bi-encoder gives the same vectors on the worker and on the main thread, whatever the batch size', async () => {
    const local = await BiEncoder.load(files, { target: { provider: 'cpu' }, batch: { maxBatchSize: 64, maxBatchTokens: 100_000 }, worker: false });
    try {
      assertClose(await local.embed(TEXTS), await encoder.embed(TEXTS), 1e-6);
    } finally {
      await local.release();
    }
  });

  it('bi-encoder applies a prefix and truncates to --max-length', async () => {
    const short = await BiEncoder.load(files, { target: { provider: 'cpu' }, batch: BATCH, maxLength: 4 });
    try {
      const [a, b] = rows(await short.embed(['water boils at noon', 'water boils at midnight']), FIXTURE_DIM);
      // [CLS] water boils [SEP]: both texts truncate to the same tokens.
      assert.ok(Math.abs(dot(a ?? [], b ?? []) - 1) < 1e-5);
      const [plain] = rows(await encoder.embed(['capital']), FIXTURE_DIM);
      const [prefixed] = rows(await encoder.embed(['capital'], { prefix: 'query: ' }), FIXTURE_DIM);
      assert.ok(dot(plain ?? [], prefixed ?? []) < 0.99, 'the prefix changes the tokens');
    } finally {
      await short.release();
    }
  });

  it('bi-encoder embeds a multi-megabyte text in well under a second, as its first max-length tokens', async () => {
    const words = ['solar', 'panels', 'turn', 'sunlight', 'into', 'electricity', 'tides', 'follow', 'the', 'moon'];
    const huge = Array.from({ length: 1_000_000 }, (_, i) => words[(i * 3) % words.length]).join(' ');
    assert.ok(huge.length > 4_000_000);
    const started = performance.now();
    const [whole] = rows(await encoder.embed([huge]), FIXTURE_DIM);
    const seconds = (performance.now() - started) / 1000;
    const [head] = rows(await encoder.embed([huge.slice(0, 3000)]), FIXTURE_DIM);
    assertClose(whole ?? [], head ?? []);
    assert.ok(seconds < 1, `embedding a ${huge.length}-character text took ${seconds.toFixed(2)} s`);
  });

  it('bi-encoder uses a sentence_embedding output as is and agrees with pooling', async () => {
    const direct = await BiEncoder.load(await readModelFiles(path.join(MODELS, 'bi-encoder-sentence-embedding')), { target: { provider: 'cpu' }, batch: BATCH });
    try {
      assert.equal(direct.outputName, 'sentence_embedding');
      assertClose(await direct.embed(TEXTS), await encoder.embed(TEXTS), 1e-5);
    } finally {
      await direct.release();
    }
  });

  it('bi-encoder reports a broken tokenizer.json from its worker as E_MODEL_LOAD', async () => {
    const dir = tempDir();
    cpSync(path.join(MODELS, 'bi-encoder'), dir, { recursive: true, dereference: true });
    writeFileSync(path.join(dir, 'tokenizer.json'), '{"not": "a tokenizer"}');
    await assert.rejects(BiEncoder.load(await readModelFiles(dir), { target: { provider: 'cpu' }, batch: BATCH }), (error: unknown) => error instanceof NegmineError && error.code === 'E_MODEL_LOAD' && error.message.startsWith('Cannot load tokenizer'));
  });

  it('bi-encoder embeds nothing into an empty matrix', async () => {
    assert.equal((await encoder.embed([])).length, 0);
  });
});

describe('bi-encoder fp16', () => {
  it('bi-encoder reads an O4-style fp16 model chosen with --model-file and gives the float32 vectors', async () => {
    const files = await readModelFiles(path.join(MODELS, 'bi-encoder-fp16'), 'onnx/model_O4.onnx');
    const half = await BiEncoder.load(files, { target: { provider: 'cpu' }, batch: BATCH });
    const full = await BiEncoder.load(await readModelFiles(path.join(MODELS, 'bi-encoder')), { target: { provider: 'cpu' }, batch: BATCH });
    try {
      assertClose(await half.embed(TEXTS), await full.embed(TEXTS), 1e-3);
    } finally {
      await half.release();
      await full.release();
    }
  });

  it('bi-encoder folder without model.onnx asks for --model-file', async () => {
    await assert.rejects(readModelFiles(path.join(MODELS, 'bi-encoder-fp16')), /no ONNX file \(looked for model\.onnx, onnx\/model\.onnx\).*--model-file/);
  });
});
