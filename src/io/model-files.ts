import { stat } from 'node:fs/promises';
import path from 'node:path';
import type { BiEncoderFiles, ModelFiles } from '../core/model-files.ts';
import { isFile, loadError, parseModules, readJson } from './model-folder.ts';
import { readOnnxGraph } from './onnx-graph.ts';
import { mappedOnnx } from './onnx-weights.ts';
import { detectStaticModel } from './static-model-files.ts';

export const ONNX_CANDIDATES = ['model.onnx', path.join('onnx', 'model.onnx')] as const;

async function checkFolder(dir: string): Promise<void> {
  let isDir: boolean;
  try {
    isDir = (await stat(dir)).isDirectory();
  } catch {
    throw loadError(dir, 'no such folder');
  }
  if (!isDir) throw loadError(dir, 'not a folder (pass the folder that holds tokenizer.json and the ONNX file)');
}

/**
 * Reads a local `--model` folder: a static embedding model (StaticEmbedding or model2vec, see
 * src/io/static-model-files.ts) unless `modelFile` names an ONNX file, else an ONNX transformer export.
 */
export async function readBiEncoderFiles(dir: string, modelFile?: string): Promise<BiEncoderFiles> {
  await checkFolder(dir);
  if (modelFile === undefined) {
    const found = await detectStaticModel(dir, ONNX_CANDIDATES);
    if (found !== null) return found;
  }
  return readModelFiles(dir, modelFile);
}

/** Reads a local model folder; `modelFile` (relative to it) picks an ONNX variant such as onnx/model_O4.onnx. */
export async function readModelFiles(dir: string, modelFile?: string): Promise<ModelFiles> {
  await checkFolder(dir);

  let onnxPath: string | undefined;
  if (modelFile !== undefined) {
    onnxPath = path.join(dir, modelFile);
    if (!(await isFile(onnxPath))) throw loadError(dir, `${modelFile} not found (--model-file is relative to the model folder)`);
  } else {
    for (const candidate of ONNX_CANDIDATES) {
      if (await isFile(path.join(dir, candidate))) {
        onnxPath = path.join(dir, candidate);
        break;
      }
    }
    if (onnxPath === undefined) {
      throw loadError(dir, `no ONNX file (looked for ${ONNX_CANDIDATES.join(', ')}); export one with 'optimum-cli export onnx' or pass --model-file`);
    }
  }
  const tokenizerPath = path.join(dir, 'tokenizer.json');
  if (!(await isFile(tokenizerPath))) throw loadError(dir, 'no tokenizer.json (negmine needs the fast-tokenizer file)');

  const modules = parseModules(dir, await readJson(dir, 'modules.json'));
  const poolingDir = modules?.find((m) => m.type.endsWith('.Pooling'))?.path ?? '1_Pooling';
  return {
    dir,
    onnxPath,
    onnxMapped: await mappedOnnx(onnxPath),
    graph: await readOnnxGraph(onnxPath),
    tokenizerPath,
    modules,
    pooling: await readJson(dir, path.join(poolingDir, 'config.json')),
    sentenceBertConfig: await readJson(dir, 'sentence_bert_config.json'),
    config: await readJson(dir, 'config.json'),
    tokenizerConfig: await readJson(dir, 'tokenizer_config.json'),
    sentenceTransformersConfig: await readJson(dir, 'config_sentence_transformers.json'),
  };
}
