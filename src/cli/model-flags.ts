import type { VectorDtype } from '../core/vector-chunks.ts';
import type { ModelRunSettings } from '../pipeline/embed.ts';
import { DEFAULT_BI_ENCODER } from '../pipeline/resolve-model.ts';
import { defined } from './dataset-flags.ts';
import { parseNumberFlag } from './parse-flags.ts';

/** The model flags as commander hands them over (see addModelOptions). */
export interface ModelFlags {
  model?: string;
  modelFile?: string;
  maxLength?: string;
  truncateDim?: string;
  vectorDtype?: VectorDtype;
  batchSize: string;
  maxBatchTokens?: string;
  normalize?: boolean;
  queryPrefix?: string;
  passagePrefix?: string;
  device: string;
  threads?: string;
}

export function modelSettingsFromFlags(flags: ModelFlags): ModelRunSettings {
  return {
    model: flags.model ?? DEFAULT_BI_ENCODER,
    device: flags.device,
    normalize: flags.normalize === true,
    batch: {
      maxBatchSize: parseNumberFlag('--batch-size', flags.batchSize, { integer: true, min: 1 }),
      ...defined({ maxBatchTokens: flags.maxBatchTokens === undefined ? undefined : parseNumberFlag('--max-batch-tokens', flags.maxBatchTokens, { integer: true, min: 1 }) }),
    },
    ...defined({
      modelFile: flags.modelFile,
      vectorDtype: flags.vectorDtype,
      queryPrefix: flags.queryPrefix,
      passagePrefix: flags.passagePrefix,
      maxLength: flags.maxLength === undefined ? undefined : parseNumberFlag('--max-length', flags.maxLength, { integer: true, min: 1 }),
      truncateDim: flags.truncateDim === undefined ? undefined : parseNumberFlag('--truncate-dim', flags.truncateDim, { integer: true, min: 1 }),
      threads: flags.threads === undefined ? undefined : parseNumberFlag('--threads', flags.threads, { integer: true, min: 1 }),
    }),
  };
}
