// Tiny static embedding models written from a known table, in the sentence-transformers StaticEmbedding layout or
// the model2vec layout, and the plain-TypeScript reference of what they embed.
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from './cli.ts';

export const FIXTURE_TOKENIZER = path.join(REPO_ROOT, 'fixtures', 'models', 'tokenizer.json');
/** Rows of the fixture tokenizer (BERT uncased WordPiece). */
export const VOCAB = 30_522;
export const UNK_ID = 100;

export type TestDtype = 'F32' | 'F16' | 'BF16' | 'F64' | 'I8';

/**
 * Table value of (row, col): multiples of 1/64 in [-1, 1) picked by a hash, so float16, bfloat16 and float64 hold
 * them exactly (int8 tables hold the numerator).
 */
export function tableValue(row: number, col: number): number {
  return (((row * 2_654_435_761 + col * 40_503) >>> 0) % 128) / 64 - 1;
}

function halfBits(value: number): number {
  // Exact for the multiples of 1/64 tableValue gives (no rounding needed).
  if (value === 0) return 0;
  const sign = value < 0 ? 0x8000 : 0;
  const magnitude = Math.abs(value);
  const exponent = Math.floor(Math.log2(magnitude));
  const fraction = Math.round((magnitude / 2 ** exponent - 1) * 1024);
  return sign | ((exponent + 15) << 10) | fraction;
}

export interface TestTensor {
  name: string;
  dtype: TestDtype | 'I64';
  shape: number[];
  values: ArrayLike<number>;
}

function encodeValues(tensor: TestTensor): Buffer {
  const { values } = tensor;
  const count = values.length;
  switch (tensor.dtype) {
    case 'F32':
      return Buffer.from(Float32Array.from(values).buffer);
    case 'F64':
      return Buffer.from(Float64Array.from(values).buffer);
    case 'F16':
      return Buffer.from(Uint16Array.from(values, halfBits).buffer);
    case 'BF16':
      return Buffer.from(Uint16Array.from(new Uint32Array(Float32Array.from(values).buffer), (bits) => bits >>> 16).buffer);
    case 'I8':
      return Buffer.from(Int8Array.from(values, (v) => Math.round(v * 64)).buffer);
    case 'I64':
      return Buffer.from(BigInt64Array.from({ length: count }, (_, i) => BigInt(values[i] ?? 0)).buffer);
  }
}

/** safetensors bytes of the tensors, in order. */
export function safetensorsBytes(tensors: readonly TestTensor[], metadata?: Record<string, string>): Buffer {
  const header: Record<string, unknown> = metadata === undefined ? {} : { __metadata__: metadata };
  const datas: Buffer[] = [];
  let offset = 0;
  for (const tensor of tensors) {
    const data = encodeValues(tensor);
    header[tensor.name] = { dtype: tensor.dtype, shape: tensor.shape, data_offsets: [offset, offset + data.length] };
    datas.push(data);
    offset += data.length;
  }
  const json = Buffer.from(JSON.stringify(header));
  const length = Buffer.alloc(8);
  length.writeBigUInt64LE(BigInt(json.length));
  return Buffer.concat([length, json, ...datas]);
}

/** The table as stored values (before any dtype encoding). */
export function tableValues(dim: number, rows = VOCAB): Float64Array {
  const values = new Float64Array(rows * dim);
  for (let row = 0; row < rows; row += 1) for (let col = 0; col < dim; col += 1) values[row * dim + col] = tableValue(row, col);
  return values;
}

export interface StaticModelSpec {
  layout: 'sentence-transformers' | 'model2vec';
  dim: number;
  dtype?: TestDtype;
  normalize?: boolean;
  /** model2vec per-token weights. */
  weights?: readonly number[];
  /** model2vec vocabulary quantization: token id -> row of a table with `rows` rows. */
  mapping?: { ids: readonly number[]; rows: number };
  /** Prompts for config_sentence_transformers.json. */
  prompts?: Record<string, string>;
  /** The table's values, row-major [rows, dim], instead of tableValue's. */
  values?: Float64Array;
}

/**
 * The table of a static model that embeds like fixtures/models/bi-encoder (a hashed bag of word pieces): row = the
 * one-hot of bucket id mod dim, zeros for the special ids. Mean then normalize gives the fixture's vector.
 */
export function bucketTable(dim: number): Float64Array {
  const values = new Float64Array(VOCAB * dim);
  for (let id = 0; id < VOCAB; id += 1) if (![0, 100, 101, 102, 103].includes(id)) values[id * dim + (id % dim)] = 1;
  return values;
}

/** Writes a static model folder: StaticEmbedding under 0_StaticEmbedding/, or model2vec files at the root. */
export function writeStaticModel(dir: string, spec: StaticModelSpec): string {
  mkdirSync(dir, { recursive: true });
  const rows = spec.mapping?.rows ?? VOCAB;
  const table: TestTensor = { name: spec.layout === 'model2vec' ? 'embeddings' : 'embedding.weight', dtype: spec.dtype ?? 'F32', shape: [rows, spec.dim], values: spec.values ?? tableValues(spec.dim, rows) };
  const tensors = [table];
  if (spec.weights !== undefined) tensors.push({ name: 'weights', dtype: 'F32', shape: [spec.weights.length], values: spec.weights });
  if (spec.mapping !== undefined) tensors.push({ name: 'mapping', dtype: 'I64', shape: [spec.mapping.ids.length], values: spec.mapping.ids });
  const folder = spec.layout === 'model2vec' ? dir : path.join(dir, '0_StaticEmbedding');
  mkdirSync(folder, { recursive: true });
  writeFileSync(path.join(folder, 'model.safetensors'), safetensorsBytes(tensors));
  copyFileSync(FIXTURE_TOKENIZER, path.join(folder, 'tokenizer.json'));
  if (spec.layout === 'model2vec') {
    writeFileSync(path.join(dir, 'config.json'), JSON.stringify({ model_type: 'model2vec', architectures: ['StaticModel'], hidden_dim: spec.dim, normalize: spec.normalize ?? false }));
  } else {
    const modules = [{ idx: 0, name: '0', path: '0_StaticEmbedding', type: 'sentence_transformers.models.StaticEmbedding' }];
    if (spec.normalize === true) modules.push({ idx: 1, name: '1', path: '1_Normalize', type: 'sentence_transformers.models.Normalize' });
    writeFileSync(path.join(dir, 'modules.json'), JSON.stringify(modules));
  }
  if (spec.prompts !== undefined) writeFileSync(path.join(dir, 'config_sentence_transformers.json'), JSON.stringify({ prompts: spec.prompts }));
  return dir;
}

/** The stored value of a table entry as the model sees it (int8 tables hold 64x the value). */
function storedValue(dtype: TestDtype, row: number, col: number): number {
  return dtype === 'I8' ? Math.round(tableValue(row, col) * 64) : tableValue(row, col);
}

/** Reference embedding: the mean of the token rows (weighted per token id for model2vec), optionally L2-normalized, first `dims` kept. */
export function referenceVector(ids: readonly number[], spec: StaticModelSpec & { truncateDim?: number }): number[] {
  const dtype = spec.dtype ?? 'F32';
  const sums = new Array<number>(spec.dim).fill(0);
  for (const id of ids) {
    const row = spec.mapping === undefined ? id : (spec.mapping.ids[id] ?? 0);
    const weight = spec.weights === undefined ? 1 : (spec.weights[id] ?? 0);
    for (let col = 0; col < spec.dim; col += 1) sums[col] = (sums[col] ?? 0) + weight * storedValue(dtype, row, col);
  }
  let vector = sums.map((sum) => sum / Math.max(ids.length, 1)).slice(0, spec.truncateDim ?? spec.dim);
  if (spec.normalize === true) {
    const norm = Math.sqrt(vector.reduce((total, x) => total + x * x, 0));
    vector = vector.map((x) => (norm === 0 ? 0 : x / norm));
  }
  return vector;
}
