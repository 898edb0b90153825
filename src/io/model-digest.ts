import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import path from 'node:path';
import { NegmineError, errorMessage } from '../core/errors.ts';
import { isStaticModel, type BiEncoderFiles, type ModelFiles } from '../core/model-files.ts';
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

/**
 * Hashes a model's ONNX file with its external data (a static model: its safetensors file, its layout and table
 * name), and its tokenizer.json.
 */
export async function modelDigest(files: Pick<ModelFiles, 'onnxPath' | 'tokenizerPath'> | BiEncoderFiles): Promise<ModelDigest> {
  const model = createHash('sha256');
  const tokenizer = createHash('sha256');
  const isStatic = 'kind' in files && isStaticModel(files);
  let current = isStatic ? files.weightsPath : files.onnxPath;
  try {
    if (isStatic) {
      // The layout decides the tokenization rules (model2vec drops unknown tokens), so it is part of the model.
      model.update(`static\u0000${files.layout}\u0000${files.tensorName}\u0000`);
      await hashFile(model, files.weightsPath);
    } else {
      await hashFile(model, files.onnxPath);
      for (const location of await externalDataLocations(files.onnxPath)) {
        current = path.join(path.dirname(files.onnxPath), location);
        model.update(`\u0000${location}\u0000`);
        await hashFile(model, current);
      }
    }
    current = files.tokenizerPath;
    await hashFile(tokenizer, files.tokenizerPath);
  } catch (error) {
    throw new NegmineError('E_MODEL_LOAD', `Cannot read model file '${current}': ${errorMessage(error)}`, { cause: error });
  }
  return { modelSha256: model.digest('hex'), tokenizerSha256: tokenizer.digest('hex') };
}
