import { NegmineError } from '../core/errors.ts';
import type { PackedBatch } from './batching.ts';
import type { TensorData } from './onnx-runner.ts';

const KNOWN_INPUTS = ['input_ids', 'attention_mask', 'token_type_ids'] as const;

/** Checks up front that the model takes only inputs negmine can provide. */
export function checkInputNames(modelPath: string, inputNames: readonly string[]): void {
  const unknown = inputNames.filter((name) => !(KNOWN_INPUTS as readonly string[]).includes(name));
  if (unknown.length > 0) {
    throw new NegmineError('E_MODEL_LOAD', `Cannot use ONNX model '${modelPath}': it takes input ${unknown.map((n) => `'${n}'`).join(', ')}; negmine provides ${KNOWN_INPUTS.join(', ')}`);
  }
  if (!inputNames.includes('input_ids')) throw new NegmineError('E_MODEL_LOAD', `Cannot use ONNX model '${modelPath}': it has no 'input_ids' input`);
}

/** Feeds exactly the inputs the session declares (exports differ: some have no token_type_ids). */
export function feedsFor(batch: PackedBatch, inputNames: readonly string[]): Record<string, TensorData> {
  const dims = [batch.rows, batch.seq];
  const all: Record<(typeof KNOWN_INPUTS)[number], BigInt64Array> = {
    input_ids: batch.inputIds,
    attention_mask: batch.attentionMask,
    token_type_ids: batch.tokenTypeIds,
  };
  const feeds: Record<string, TensorData> = {};
  for (const name of inputNames) {
    const data = all[name as (typeof KNOWN_INPUTS)[number]];
    feeds[name] = { type: 'int64', data, dims };
  }
  return feeds;
}
