import type { ModelFiles } from '../core/model-files.ts';
import type { BatchLimits } from './batching.ts';
import type { ExecutionTarget } from './device.ts';
import { checkInputNames } from './feeds.ts';
import { createLocalRunner, type OnnxRunner } from './onnx-runner.ts';
import { TextTokenizer } from './tokenizer.ts';
import { createWorkerRunner } from './worker-runner.ts';

export interface EncoderOptions {
  target: ExecutionTarget;
  threads?: number;
  /** Overrides the model's max length. */
  maxLength?: number;
  batch: BatchLimits;
  /** Host the session in a worker thread so tokenization overlaps inference (default true). */
  worker?: boolean;
}

/** What both encoders run on: the tokenizer (truncating to maxLength) and a session that takes only known inputs. */
export async function openEncoderRuntime(files: ModelFiles, maxLength: number, options: EncoderOptions): Promise<{ tokenizer: TextTokenizer; runner: OnnxRunner; padId: number }> {
  const tokenizer = TextTokenizer.fromFile(files.tokenizerPath, maxLength);
  const runnerOptions = { modelPath: files.onnxPath, target: options.target, ...(options.threads === undefined ? {} : { threads: options.threads }) };
  const runner = options.worker === false ? await createLocalRunner(runnerOptions) : await createWorkerRunner(runnerOptions);
  try {
    checkInputNames(files.onnxPath, runner.inputNames);
  } catch (error) {
    await runner.release();
    throw error;
  }
  const padId = files.config?.['pad_token_id'];
  return { tokenizer, runner, padId: typeof padId === 'number' ? padId : 0 };
}
