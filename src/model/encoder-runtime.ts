import type { ModelFiles } from '../core/model-files.ts';
import type { BatchLimits } from './batching.ts';
import type { ExecutionTarget } from './device.ts';
import { checkInputNames } from './feeds.ts';
import { checkVocabulary } from './model-fit.ts';
import type { TokenEncoder } from './encodings.ts';
import { createLocalRunner, type OnnxRunner } from './onnx-runner.ts';
import { createWorkerRunner } from './worker-runner.ts';

export interface EncoderOptions {
  target: ExecutionTarget;
  threads?: number;
  /** Overrides the model's max length. */
  maxLength?: number;
  batch: BatchLimits;
  /** Host the tokenizer and the session in a worker thread, so inference overlaps the caller's work (default true). */
  worker?: boolean;
}

/** What both encoders run on: the tokenizer (truncating to maxLength) and a session that takes only known inputs. */
export async function openEncoderRuntime(files: ModelFiles, maxLength: number, options: EncoderOptions): Promise<{ tokenizer: TokenEncoder; runner: OnnxRunner; padId: number }> {
  const runnerOptions = {
    modelPath: files.onnxPath,
    target: options.target,
    ...(files.onnxMapped === null ? {} : { mapped: files.onnxMapped }),
    ...(options.threads === undefined ? {} : { threads: options.threads }),
  };
  let tokenizer: TokenEncoder;
  let runner: OnnxRunner;
  if (options.worker === false) {
    // The native tokenizer is loaded on this thread only here; by default it lives in the worker.
    const { TextTokenizer } = await import('./tokenizer.ts');
    tokenizer = TextTokenizer.fromFile(files.tokenizerPath, maxLength);
    runner = await createLocalRunner(runnerOptions);
  } else {
    const worker = await createWorkerRunner({ ...runnerOptions, tokenizer: { path: files.tokenizerPath, maxLength } });
    tokenizer = worker.tokenizer;
    runner = worker;
  }
  try {
    checkInputNames(files.onnxPath, runner.inputNames);
    checkVocabulary(files, tokenizer.vocabSize);
  } catch (error) {
    await runner.release();
    throw error;
  }
  const padId = files.config?.['pad_token_id'];
  return { tokenizer, runner, padId: typeof padId === 'number' ? padId : 0 };
}
