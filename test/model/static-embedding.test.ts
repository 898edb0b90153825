import assert from 'node:assert/strict';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { isStaticModel, type StaticModelFiles } from '../../src/core/model-files.ts';
import { readBiEncoderFiles } from '../../src/io/model-files.ts';
import { readStaticTables } from '../../src/io/static-model-files.ts';
import type { BiEncoderOptions } from '../../src/model/bi-encoder.ts';
import { loadStaticEmbedding } from '../../src/model/static-embedding.ts';
import { negmineError } from '../helpers/errors.ts';
import { referenceVector, safetensorsBytes, UNK_ID, VOCAB, writeStaticModel, type StaticModelSpec } from '../helpers/static-model.ts';
import { tempDir } from '../helpers/temp.ts';
import { euclideanNorm } from '../helpers/vectors.ts';

// The fixture tokenizer (BERT uncased WordPiece) without [CLS]/[SEP]: "brown fox jumps over the lazy dog".
const FOX = 'brown fox jumps over the lazy dog';
const FOX_IDS = [2829, 4419, 14523, 2058, 1996, 13971, 3899];
// A snowman is not in the vocabulary: [UNK].
const SNOWMAN = '☃';
const CPU = { provider: 'cpu' } as const;
const BATCH = { maxBatchSize: 2, maxBatchTokens: 4096 };

async function staticFiles(spec: StaticModelSpec): Promise<StaticModelFiles> {
  const files = await readBiEncoderFiles(writeStaticModel(tempDir(), spec));
  assert.ok(isStaticModel(files));
  return files;
}

async function embed(spec: StaticModelSpec, texts: string[], options: Partial<BiEncoderOptions> = {}): Promise<{ vectors: number[][]; dim: number }> {
  const files = await staticFiles(spec);
  const encoder = await loadStaticEmbedding(files, await readStaticTables(files), { target: CPU, batch: BATCH, ...options });
  try {
    const flat = await encoder.embed(texts);
    const dim = encoder.dimension ?? 0;
    return { dim, vectors: texts.map((_, i) => [...flat.subarray(i * dim, (i + 1) * dim)]) };
  } finally {
    await encoder.release();
  }
}

function assertClose(actual: readonly number[], expected: readonly number[], label: string): void {
  assert.equal(actual.length, expected.length, `${label}: length`);
  actual.forEach((value, i) => {
    assert.ok(Math.abs(value - (expected[i] ?? Number.NaN)) < 1e-6, `${label}[${i}]: ${value} vs ${expected[i]}`);
  });
}

describe('static embedding', () => {
  it('static embedding (StaticEmbedding layout) embeds the mean of the token rows without special tokens, normalized by its Normalize module', async () => {
    const spec: StaticModelSpec = { layout: 'sentence-transformers', dim: 8, normalize: true };
    for (const worker of [true, false]) {
      const { vectors, dim } = await embed(spec, [FOX, SNOWMAN, `${FOX} ${SNOWMAN}`], { worker });
      assert.equal(dim, 8);
      assertClose(vectors[0] ?? [], referenceVector(FOX_IDS, spec), `fox (worker ${worker})`);
      // StaticEmbedding keeps [UNK]: its row counts like any other.
      assertClose(vectors[1] ?? [], referenceVector([UNK_ID], spec), 'snowman');
      assertClose(vectors[2] ?? [], referenceVector([...FOX_IDS, UNK_ID], spec), 'fox and snowman');
    }
  });

  it('static embedding (model2vec layout) drops the unknown token, follows config normalize, and embeds a text without tokens as zeros', async () => {
    const spec: StaticModelSpec = { layout: 'model2vec', dim: 6, normalize: false };
    const { vectors } = await embed(spec, [`${SNOWMAN} ${FOX}`, SNOWMAN]);
    assertClose(vectors[0] ?? [], referenceVector(FOX_IDS, spec), 'fox without [UNK]');
    assert.ok(Math.abs(euclideanNorm(vectors[0] ?? []) - 1) > 0.01, 'not normalized');
    assert.deepEqual(vectors[1], [0, 0, 0, 0, 0, 0]);
    const normalized = await embed({ ...spec, normalize: true }, [FOX]);
    assertClose(normalized.vectors[0] ?? [], referenceVector(FOX_IDS, { ...spec, normalize: true }), 'normalized');
  });

  it('static embedding reads float16, bfloat16, float64 and int8 tables', async () => {
    for (const dtype of ['F16', 'BF16', 'F64', 'I8'] as const) {
      const spec: StaticModelSpec = { layout: 'model2vec', dim: 4, dtype };
      const { vectors } = await embed(spec, [FOX]);
      assertClose(vectors[0] ?? [], referenceVector(FOX_IDS, spec), dtype);
    }
  });

  it('static embedding applies model2vec token weights and a vocabulary mapping', async () => {
    const weights = Array.from({ length: VOCAB }, (_, id) => (id % 5) / 4);
    const mapping = { ids: Array.from({ length: VOCAB }, (_, id) => id % 97), rows: 97 };
    const spec: StaticModelSpec = { layout: 'model2vec', dim: 5, weights, mapping };
    const { vectors } = await embed(spec, [FOX]);
    assertClose(vectors[0] ?? [], referenceVector(FOX_IDS, spec), 'weighted and mapped');
  });

  it("static embedding keeps the tokenizer.json's own truncation and cuts to --max-length", async () => {
    const st: StaticModelSpec = { layout: 'sentence-transformers', dim: 4 };
    // The fixture tokenizer.json truncates at 256 tokens, which StaticEmbedding (no max_seq_length) leaves in force.
    const long = Array.from({ length: 300 }, () => 'fox').join(' ');
    const full = await embed(st, [long, `${FOX} ${long}`]);
    assertClose(full.vectors[0] ?? [], referenceVector(new Array<number>(256).fill(4419), st), 'long');
    assertClose(full.vectors[1] ?? [], referenceVector([...FOX_IDS, ...new Array<number>(249).fill(4419)], st), 'fox + long');
    const cut = await embed(st, [FOX], { maxLength: 3 });
    assertClose(cut.vectors[0] ?? [], referenceVector(FOX_IDS.slice(0, 3), st), '--max-length 3');
    // model2vec drops [UNK] before it cuts.
    const m2v: StaticModelSpec = { layout: 'model2vec', dim: 4 };
    const m2vCut = await embed(m2v, [`${SNOWMAN} ${FOX}`], { maxLength: 2 });
    assertClose(m2vCut.vectors[0] ?? [], referenceVector(FOX_IDS.slice(0, 2), m2v), 'model2vec --max-length 2');
  });

  it('static embedding --truncate-dim keeps the first n dimensions, then normalizes; beyond the width is a usage error', async () => {
    const spec: StaticModelSpec = { layout: 'sentence-transformers', dim: 8, normalize: true };
    const { vectors, dim } = await embed(spec, [FOX], { truncateDim: 3 });
    assert.equal(dim, 3);
    assertClose(vectors[0] ?? [], referenceVector(FOX_IDS, { ...spec, truncateDim: 3 }), 'truncated');
    await assert.rejects(embed(spec, [FOX], { truncateDim: 9 }), negmineError('E_USAGE', /^--truncate-dim 9 is beyond the 8 dimensions of model '.*model\.safetensors'; use 1 to 8$/));
  });

  it('static embedding refuses a tokenizer with more tokens than its table', async () => {
    const dir = writeStaticModel(tempDir(), { layout: 'model2vec', dim: 4 });
    writeFileSync(path.join(dir, 'model.safetensors'), safetensorsBytes([{ name: 'embeddings', dtype: 'F32', shape: [1000, 4], values: new Float32Array(4000) }]));
    const files = await readBiEncoderFiles(dir);
    assert.ok(isStaticModel(files));
    await assert.rejects(
      loadStaticEmbedding(files, await readStaticTables(files), { target: CPU, batch: BATCH }),
      negmineError('E_MODEL_MISMATCH', /^Tokenizer '.*tokenizer\.json' has 30522 tokens but static model '.*' embeds only 1000 \(its 1000-row embedding table in .*model\.safetensors\): the tokenizer\.json belongs to another model$/),
    );
  });
});

describe('static model files', () => {
  it('static model files are found by modules.json (StaticEmbedding folder), model2vec config.json, or a bare model2vec folder', async () => {
    const st = await readBiEncoderFiles(writeStaticModel(tempDir(), { layout: 'sentence-transformers', dim: 4, normalize: true, prompts: { query: 'query: ' } }));
    assert.ok(isStaticModel(st));
    assert.equal(st.layout, 'sentence-transformers');
    assert.equal(st.tensorName, 'embedding.weight');
    assert.match(st.weightsPath, /0_StaticEmbedding\/model\.safetensors$/);
    assert.deepEqual(st.sentenceTransformersConfig, { prompts: { query: 'query: ' } });

    const m2vDir = writeStaticModel(tempDir(), { layout: 'model2vec', dim: 4 });
    const m2v = await readBiEncoderFiles(m2vDir);
    assert.ok(isStaticModel(m2v) && m2v.layout === 'model2vec' && m2v.tensorName === 'embeddings');
    // model2vec's own save writes modules.json with the StaticEmbedding module at '.'.
    writeFileSync(path.join(m2vDir, 'modules.json'), JSON.stringify([{ idx: 0, name: '0', path: '.', type: 'sentence_transformers.models.StaticEmbedding' }]));
    const saved = await readBiEncoderFiles(m2vDir);
    assert.ok(isStaticModel(saved) && saved.layout === 'model2vec');
    // An older model2vec config.json names neither model_type nor architectures.
    rmSync(path.join(m2vDir, 'modules.json'));
    writeFileSync(path.join(m2vDir, 'config.json'), JSON.stringify({ normalize: true, hidden_dim: 4 }));
    const bare = await readBiEncoderFiles(m2vDir);
    assert.ok(isStaticModel(bare) && bare.layout === 'model2vec' && bare.config?.['normalize'] === true);
  });

  it('static model files name the missing file of a declared static model', async () => {
    const st = writeStaticModel(tempDir(), { layout: 'sentence-transformers', dim: 4 });
    rmSync(path.join(st, '0_StaticEmbedding', 'tokenizer.json'));
    await assert.rejects(readBiEncoderFiles(st), negmineError('E_MODEL_LOAD', /^Cannot load model '.*': its StaticEmbedding module in '0_StaticEmbedding' has no 0_StaticEmbedding\/tokenizer\.json$/));
    const m2v = writeStaticModel(tempDir(), { layout: 'model2vec', dim: 4 });
    rmSync(path.join(m2v, 'model.safetensors'));
    await assert.rejects(readBiEncoderFiles(m2v), negmineError('E_MODEL_LOAD', /^Cannot load model '.*': its model2vec model has no model\.safetensors$/));
    const noTable = writeStaticModel(tempDir(), { layout: 'sentence-transformers', dim: 4 });
    writeFileSync(path.join(noTable, '0_StaticEmbedding', 'model.safetensors'), safetensorsBytes([{ name: 'other', dtype: 'F32', shape: [1], values: [1] }]));
    await assert.rejects(readBiEncoderFiles(noTable), negmineError('E_MODEL_LOAD', /no tensor 'embedding\.weight' \(have: other\)$/));
    const empty = tempDir();
    mkdirSync(path.join(empty, 'onnx'));
    await assert.rejects(readBiEncoderFiles(empty), negmineError('E_MODEL_LOAD', /no ONNX file/));
  });
});
