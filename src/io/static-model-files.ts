import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { ModelFiles, StaticLayout, StaticModelFiles, StaticTables } from '../core/model-files.ts';
import { isFile, loadError, parseModules, readJson, type Json } from './model-folder.ts';
import { tensorToFloat32, tensorToInt64, withSafetensorsFile, type SafetensorsDtype } from './safetensors.ts';

const FLOAT_DTYPES: SafetensorsDtype[] = ['F32', 'F16', 'BF16', 'F64'];
const TABLE_DTYPES: SafetensorsDtype[] = [...FLOAT_DTYPES, 'I8'];
const INTEGER_DTYPES: SafetensorsDtype[] = ['I64', 'I32', 'I16', 'I8', 'U8'];

export const STATIC_EMBEDDING_TYPE = 'sentence_transformers.models.StaticEmbedding';

/** Where a static model's files are (relative to the model folder) and whose rules apply, or null for a transformer. */
export interface StaticPlan {
  layout: StaticLayout;
  /** Folder holding model.safetensors and tokenizer.json, relative to the model folder ('' = the folder itself). */
  folder: string;
}

function isModel2VecConfig(config: Json | null): boolean {
  if (config === null) return false;
  const architectures = config['architectures'];
  return config['model_type'] === 'model2vec' || (Array.isArray(architectures) && architectures.includes('StaticModel'));
}

/**
 * Decides from modules.json and config.json alone (so the Hub client can decide before downloading weights): a
 * StaticEmbedding module names its folder; model2vec saves one at '.' beside its config.json, and older model2vec
 * folders have only a config.json saying model2vec. The model2vec layout follows model2vec's StaticModel rules.
 */
export function staticPlan(modules: ModelFiles['modules'], config: Json | null): StaticPlan | null {
  const module = modules?.find((m) => m.type === STATIC_EMBEDDING_TYPE);
  if (module !== undefined) {
    const folder = path.normalize(module.path === '' ? '.' : module.path);
    const root = folder === '.';
    return { layout: root && config !== null ? 'model2vec' : 'sentence-transformers', folder: root ? '' : folder };
  }
  return isModel2VecConfig(config) ? { layout: 'model2vec', folder: '' } : null;
}

/** The files a static model needs, relative to its folder. */
export function staticFilePaths(plan: StaticPlan): { weights: string; tokenizer: string } {
  return { weights: path.posix.join(plan.folder || '.', 'model.safetensors'), tokenizer: path.posix.join(plan.folder || '.', 'tokenizer.json') };
}

/** Reads a static model whose layout is known: checks that its files exist and finds the embedding table's name. */
export async function readStaticModelFiles(dir: string, plan: StaticPlan, json: { modules: ModelFiles['modules']; config: Json | null; sentenceTransformersConfig: Json | null }): Promise<StaticModelFiles> {
  const relative = staticFilePaths(plan);
  const weightsPath = path.join(dir, relative.weights);
  const tokenizerPath = path.join(dir, relative.tokenizer);
  const what = plan.layout === 'model2vec' ? 'model2vec model' : `StaticEmbedding module in '${plan.folder || '.'}'`;
  if (!(await isFile(weightsPath))) throw loadError(dir, `its ${what} has no ${path.normalize(relative.weights)}`);
  if (!(await isFile(tokenizerPath))) throw loadError(dir, `its ${what} has no ${path.normalize(relative.tokenizer)}`);
  // sentence-transformers names the table embedding.weight and falls back to model2vec's 'embeddings'.
  const names = plan.layout === 'model2vec' ? ['embeddings'] : ['embedding.weight', 'embeddings'];
  const tensorName = await withSafetensorsFile(weightsPath, (file) => {
    const found = names.find((name) => file.tensors.has(name));
    return Promise.resolve(found ?? file.info(names[0] ?? '').name);
  });
  return { kind: 'static', layout: plan.layout, dir, weightsPath, tensorName, tokenizerPath, ...json };
}

/**
 * A local folder holding a static embedding model, or null when it holds something else (a transformer export).
 * A folder without modules.json or a model2vec config.json counts as model2vec when it has model.safetensors with an
 * `embeddings` table, tokenizer.json and config.json, and no ONNX file.
 */
export async function detectStaticModel(dir: string, onnxCandidates: readonly string[]): Promise<StaticModelFiles | null> {
  const modules = parseModules(dir, await readJson(dir, 'modules.json'));
  const config = await readJson(dir, 'config.json');
  const json = { modules, config, sentenceTransformersConfig: await readJson(dir, 'config_sentence_transformers.json') };
  const plan = staticPlan(modules, config);
  if (plan !== null) return readStaticModelFiles(dir, plan, json);
  if (config === null || modules !== null) return null;
  for (const candidate of onnxCandidates) if (await isFile(path.join(dir, candidate))) return null;
  const weights = path.join(dir, 'model.safetensors');
  if (!(await isFile(weights)) || !(await isFile(path.join(dir, 'tokenizer.json')))) return null;
  const hasTable = await withSafetensorsFile(weights, (file) => Promise.resolve(file.tensors.has('embeddings')));
  return hasTable ? readStaticModelFiles(dir, { layout: 'model2vec', folder: '' }, json) : null;
}

/** The unknown token model2vec drops: the tokenizer model's unk_token (WordPiece, BPE, WordLevel; Unigram has none). */
async function unknownToken(files: StaticModelFiles): Promise<string | null> {
  let tokenizer: unknown;
  try {
    tokenizer = JSON.parse(await readFile(files.tokenizerPath, 'utf8'));
  } catch (error) {
    throw loadError(files.dir, `cannot read ${files.tokenizerPath} as JSON (${error instanceof Error ? error.message : String(error)})`, error);
  }
  const model = (tokenizer as { model?: { type?: unknown; unk_token?: unknown } } | null)?.model;
  if (model === undefined || model.type === 'Unigram') return null;
  return typeof model.unk_token === 'string' ? model.unk_token : null;
}

/**
 * Reads a static model's tensors: the [rows, dim] table (F32 and F16 kept as stored; BF16, F64 and I8 widened to
 * float32, as model2vec computes in float), and model2vec's optional `weights` and `mapping`.
 */
export async function readStaticTables(files: StaticModelFiles): Promise<StaticTables> {
  const tables = await withSafetensorsFile(files.weightsPath, async (file): Promise<Omit<StaticTables, 'unkToken'>> => {
    const table = await file.read(files.tensorName, TABLE_DTYPES);
    const [rows, dim, ...rest] = table.shape;
    if (rows === undefined || dim === undefined || rest.length > 0 || dim === 0) {
      throw loadError(files.dir, `tensor '${files.tensorName}' in ${files.weightsPath} has shape [${table.shape.join(', ')}]; expected [vocabulary, dim]`);
    }
    const embeddings: StaticTables['embeddings'] =
      table.dtype === 'F32' || table.dtype === 'F16'
        ? { dtype: table.dtype, shape: [rows, dim], bytes: table.bytes }
        : { dtype: 'F32', shape: [rows, dim], bytes: new Uint8Array(tensorToFloat32(table).buffer) };
    const result: Omit<StaticTables, 'unkToken'> = { embeddings };
    if (files.layout === 'model2vec' && file.tensors.has('weights')) result.weights = tensorToFloat32(await file.read('weights', FLOAT_DTYPES));
    if (files.layout === 'model2vec' && file.tensors.has('mapping')) result.mapping = tensorToInt64(await file.read('mapping', INTEGER_DTYPES));
    return result;
  });
  return { ...tables, unkToken: files.layout === 'model2vec' ? await unknownToken(files) : null };
}
