import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import path from 'node:path';
import { NegmineError, errorMessage } from '../core/errors.ts';
import type { ModelFiles } from '../core/model-files.ts';
import { externalDataLocations } from './onnx-weights.ts';

/** Content hashes of the files that decide a bi-encoder's vectors (paths play no part). */
export interface ModelDigest {
  /** sha256 over the ONNX file and, in order, each external data file it names (name and bytes). */
  modelSha256: string;
  tokenizerSha256: string;
}

async function hashFile(hash: ReturnType<typeof createHash>, file: string): Promise<void> {
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
}

/** Hashes a model's ONNX file with its external data, and its tokenizer.json. */
export async function modelDigest(files: Pick<ModelFiles, 'onnxPath' | 'tokenizerPath'>): Promise<ModelDigest> {
  const model = createHash('sha256');
  const tokenizer = createHash('sha256');
  let current = files.onnxPath;
  try {
    await hashFile(model, files.onnxPath);
    for (const location of await externalDataLocations(files.onnxPath)) {
      current = path.join(path.dirname(files.onnxPath), location);
      model.update(`\u0000${location}\u0000`);
      await hashFile(model, current);
    }
    current = files.tokenizerPath;
    await hashFile(tokenizer, files.tokenizerPath);
  } catch (error) {
    throw new NegmineError('E_MODEL_LOAD', `Cannot read model file '${current}': ${errorMessage(error)}`, { cause: error });
  }
  return { modelSha256: model.digest('hex'), tokenizerSha256: tokenizer.digest('hex') };
}
