import { isStaticModel, type BiEncoderFiles } from '../core/model-files.ts';
import { readStaticTables } from '../io/static-model-files.ts';
import { BiEncoder, type BiEncoderOptions } from '../model/bi-encoder.ts';
import { biEncoderConfig, type BiEncoderConfig } from '../model/model-config.ts';
import { checkMaxLength, checkModelRole } from '../model/model-fit.ts';
import { loadStaticEmbedding, staticConfigFor } from '../model/static-embedding.ts';

/** The model file a log line or an error names: the ONNX file, or a static model's safetensors. */
export function modelFileOf(files: BiEncoderFiles): string {
  return isStaticModel(files) ? files.weightsPath : files.onnxPath;
}

/** What a `--model` is, for logs and reports. */
export function modelKindOf(files: BiEncoderFiles): 'transformer' | 'static embedding' {
  return isStaticModel(files) ? 'static embedding' : 'transformer';
}

/** Checks before any embedding that an ONNX `--model` is a bi-encoder and fits --max-length (static models always fit). */
export function checkBiEncoderFit(files: BiEncoderFiles, maxLength: number | undefined): void {
  if (isStaticModel(files)) return;
  checkModelRole(files, 'bi-encoder');
  if (maxLength !== undefined) checkMaxLength(files, maxLength, '--max-length');
}

/** The settings vectors are computed with (cache keys and index fingerprints hold them), with the flags applied. */
export function biEncoderSettings(files: BiEncoderFiles, options: Pick<BiEncoderOptions, 'maxLength' | 'normalize'>): BiEncoderConfig {
  if (isStaticModel(files)) return staticConfigFor(files, options);
  const base = biEncoderConfig(files);
  return { ...base, maxLength: options.maxLength ?? base.maxLength, normalize: base.normalize || options.normalize === true };
}

/** Opens a `--model`: an ONNX transformer export, or a static embedding model whose graph is built from its table. */
export async function openBiEncoder(files: BiEncoderFiles, options: BiEncoderOptions): Promise<BiEncoder> {
  if (!isStaticModel(files)) return BiEncoder.load(files, options);
  return loadStaticEmbedding(files, await readStaticTables(files), options);
}
