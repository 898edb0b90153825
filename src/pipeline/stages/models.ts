import type { Logger } from '../../core/logger.ts';
import type { BiEncoderFiles, ModelFiles } from '../../core/model-files.ts';
import { modelDigest, type ModelDigest } from '../../io/model-digest.ts';
import type { ExecutionTarget } from '../../model/device.ts';
import type { BiEncoderConfig } from '../../model/model-config.ts';
import { checkModelRole } from '../../model/model-fit.ts';
import { resolvePrefixes, type Prefixes } from '../../model/prompts.ts';
import { biEncoderSettings, checkBiEncoderFit } from '../bi-encoder-loader.ts';
import { selectDevice } from '../device.ts';
import type { ModelRunSettings } from '../embed.ts';
import { resolveBiEncoderFiles, resolveModelFiles } from '../resolve-model.ts';

export interface ModelsInputs {
  model: ModelRunSettings;
  crossEncoder?: { model: string; modelFile?: string };
  /** Hash the model files (a work directory, --cache-dir or an index file needs the hashes). */
  digests: boolean;
}

export interface ModelsOutputs {
  target: ExecutionTarget;
  files: BiEncoderFiles;
  config: BiEncoderConfig;
  prefixes: Prefixes;
  digest: ModelDigest | undefined;
  ceFiles: ModelFiles | undefined;
  ceDigest: ModelDigest | undefined;
}

/**
 * Finds both models and checks their roles and the flags before any embedding (a swapped pair fails here, not
 * after); nothing is loaded into onnxruntime yet.
 */
export async function modelsStage(inputs: ModelsInputs, log: Logger): Promise<ModelsOutputs> {
  const target = await selectDevice(inputs.model.device, log);
  const files = await resolveBiEncoderFiles(inputs.model.model, { log, ...(inputs.model.modelFile === undefined ? {} : { modelFile: inputs.model.modelFile }) });
  checkBiEncoderFit(files, inputs.model.maxLength);
  const ce = inputs.crossEncoder;
  const ceFiles = ce === undefined ? undefined : await resolveModelFiles(ce.model, { log, ...(ce.modelFile === undefined ? {} : { modelFile: ce.modelFile }) });
  if (ceFiles !== undefined) checkModelRole(ceFiles, 'cross-encoder');
  // Mining compares cosines: vectors are always normalized, as in sentence-transformers' mine_hard_negatives.
  const config = biEncoderSettings(files, { normalize: true, ...(inputs.model.maxLength === undefined ? {} : { maxLength: inputs.model.maxLength }) });
  const prefixes = resolvePrefixes(config.prompts, inputs.model);
  // Content hashes, not paths, decide whether stored vectors, scores or an index fit this run.
  const digest = inputs.digests ? await modelDigest(files) : undefined;
  const ceDigest = inputs.digests && ceFiles !== undefined ? await modelDigest(ceFiles) : undefined;
  return { target, files, config, prefixes, digest, ceFiles, ceDigest };
}
