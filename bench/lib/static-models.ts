// Static embedding models of realistic size for the benchmarks (seeded random float32 tables over the shared BERT
// uncased vocabulary), in the two layouts negmine loads: sentence-transformers StaticEmbedding (as
// static-retrieval-mrl-en-v1: 1024-d) and model2vec (as potion-base-8M: 256-d). Cached under bench/.models/.
import { copyFileSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Tokenizer } from 'tokenizers';
import { seededRandom } from '../../src/core/random.ts';

const TOKENIZER = '/work/shared/data/tokenizers/all-minilm-l6-v2.tokenizer.json';
// Bump when the files written change: a cached model with another stamp is regenerated.
const GENERATOR_VERSION = 'static-v1';
const STAMP = '.negmine-bench-model';
// Uniform on [-a, a]; the scale of a trained table does not change the cost.
const HALF_RANGE = 0.05;

export interface StaticBenchModel {
  dir: string;
  layout: 'sentence-transformers' | 'model2vec';
  dim: number;
  rows: number;
}

/** safetensors bytes of one float32 tensor. */
function safetensorsF32(name: string, shape: readonly number[], values: Float32Array): Buffer {
  const header = Buffer.from(JSON.stringify({ [name]: { dtype: 'F32', shape, data_offsets: [0, values.byteLength] } }));
  const length = Buffer.alloc(8);
  length.writeBigUInt64LE(BigInt(header.length));
  return Buffer.concat([length, header, Buffer.from(values.buffer, values.byteOffset, values.byteLength)]);
}

function seededTable(rows: number, dim: number, seed: number): Float32Array {
  const random = seededRandom(seed);
  const values = new Float32Array(rows * dim);
  for (let i = 0; i < values.length; i += 1) values[i] = (random() * 2 - 1) * HALF_RANGE;
  return values;
}

/** Writes the model folder into `dir` (replaced). */
function writeModel(dir: string, layout: StaticBenchModel['layout'], rows: number, dim: number, seed: number): void {
  const staging = `${dir}.tmp-${process.pid}`;
  rmSync(staging, { recursive: true, force: true });
  const folder = layout === 'model2vec' ? staging : path.join(staging, '0_StaticEmbedding');
  mkdirSync(folder, { recursive: true });
  const table = seededTable(rows, dim, seed);
  writeFileSync(path.join(folder, 'model.safetensors'), safetensorsF32(layout === 'model2vec' ? 'embeddings' : 'embedding.weight', [rows, dim], table));
  copyFileSync(TOKENIZER, path.join(folder, 'tokenizer.json'));
  if (layout === 'model2vec') {
    writeFileSync(path.join(staging, 'config.json'), JSON.stringify({ model_type: 'model2vec', architectures: ['StaticModel'], hidden_dim: dim, seq_length: 1_000_000, normalize: true }));
  } else {
    writeFileSync(path.join(staging, 'modules.json'), JSON.stringify([{ idx: 0, name: '0', path: '0_StaticEmbedding', type: 'sentence_transformers.models.StaticEmbedding' }]));
  }
  writeFileSync(path.join(staging, STAMP), `${GENERATOR_VERSION} ${layout} ${rows}x${dim} seed ${seed}\n`);
  rmSync(dir, { recursive: true, force: true });
  renameSync(staging, dir);
}

/**
 * The StaticEmbedding model (1024-d) and the model2vec model (256-d) under `modelsDir`, generated when missing or
 * written by another generator version.
 */
export function ensureStaticModels(modelsDir: string, log: (line: string) => void = () => {}): { mrl: StaticBenchModel; model2vec: StaticBenchModel } {
  const tokenizer = Tokenizer.fromFile(TOKENIZER);
  const rows = tokenizer.getVocabSize(true);
  const specs = [
    { key: 'mrl', name: 'static-mrl-1024', layout: 'sentence-transformers', dim: 1024, seed: 1024 },
    { key: 'model2vec', name: 'model2vec-256', layout: 'model2vec', dim: 256, seed: 256 },
  ] as const;
  const models = {} as { mrl: StaticBenchModel; model2vec: StaticBenchModel };
  for (const spec of specs) {
    const dir = path.join(modelsDir, spec.name);
    const stampFile = path.join(dir, STAMP);
    const expected = `${GENERATOR_VERSION} ${spec.layout} ${rows}x${spec.dim} seed ${spec.seed}\n`;
    if (!existsSync(stampFile) || readFileSync(stampFile, 'utf8') !== expected) {
      const started = performance.now();
      writeModel(dir, spec.layout, rows, spec.dim, spec.seed);
      log(`generated ${path.relative(process.cwd(), dir)} (${rows} x ${spec.dim} float32) in ${((performance.now() - started) / 1000).toFixed(1)} s`);
    }
    models[spec.key] = { dir, layout: spec.layout, dim: spec.dim, rows };
  }
  return models;
}
