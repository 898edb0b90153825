import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { NegmineError } from '../core/errors.ts';
import type { ModelFiles } from '../core/model-files.ts';
import { readOnnxGraph } from './onnx-graph.ts';
import { mappedOnnx } from './onnx-weights.ts';

type Json = Record<string, unknown>;

export const ONNX_CANDIDATES = ['model.onnx', path.join('onnx', 'model.onnx')] as const;

function loadError(dir: string, message: string, cause?: unknown): NegmineError {
  return new NegmineError('E_MODEL_LOAD', `Cannot load model '${dir}': ${message}`, cause === undefined ? undefined : { cause });
}

async function isFile(file: string): Promise<boolean> {
  try {
    return (await stat(file)).isFile();
  } catch {
    return false;
  }
}

async function readJson(dir: string, relative: string): Promise<Json | null> {
  const file = path.join(dir, relative);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw loadError(dir, `cannot read ${relative} (${(error as NodeJS.ErrnoException).code ?? 'unknown error'})`, error);
  }
  try {
    const value = JSON.parse(text) as unknown;
    if (typeof value !== 'object' || value === null) throw new Error('not a JSON object or array');
    return value as Json;
  } catch (error) {
    throw loadError(dir, `${relative} is not valid JSON (${error instanceof Error ? error.message : String(error)})`, error);
  }
}

function parseModules(dir: string, raw: Json | null): ModelFiles['modules'] {
  if (raw === null) return null;
  if (!Array.isArray(raw)) throw loadError(dir, 'modules.json: expected a list of modules');
  return (raw as unknown[]).map((entry, i) => {
    const module = entry as { type?: unknown; path?: unknown };
    if (typeof module.type !== 'string' || typeof module.path !== 'string') throw loadError(dir, `modules.json entry ${i}: expected "type" and "path" strings`);
    return { type: module.type, path: module.path };
  });
}

/** Reads a local model folder; `modelFile` (relative to it) picks an ONNX variant such as onnx/model_O4.onnx. */
export async function readModelFiles(dir: string, modelFile?: string): Promise<ModelFiles> {
  let isDir: boolean;
  try {
    isDir = (await stat(dir)).isDirectory();
  } catch {
    throw loadError(dir, 'no such folder');
  }
  if (!isDir) throw loadError(dir, 'not a folder (pass the folder that holds tokenizer.json and the ONNX file)');

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
