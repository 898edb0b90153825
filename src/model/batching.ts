import type { Encoded } from './encodings.ts';

export interface BatchLimits {
  /** Most rows in one batch. */
  maxBatchSize: number;
  /** Most padded tokens (rows x longest row) in one batch. */
  maxBatchTokens: number;
}

/**
 * Groups items into batches of similar length, longest first (memory peaks at once, padding stays low):
 * each batch is bounded by rows and by padded tokens. Returns item indices per batch.
 */
export function planBatches(lengths: readonly number[], limits: BatchLimits): number[][] {
  const order = lengths.map((_, i) => i).sort((a, b) => (lengths[b] ?? 0) - (lengths[a] ?? 0) || a - b);
  const batches: number[][] = [];
  let current: number[] = [];
  let longest = 0;
  for (const index of order) {
    const length = lengths[index] ?? 0;
    const widened = Math.max(longest, length);
    if (current.length > 0 && (current.length + 1 > limits.maxBatchSize || (current.length + 1) * widened > limits.maxBatchTokens)) {
      batches.push(current);
      current = [];
      longest = 0;
    }
    current.push(index);
    longest = Math.max(longest, length);
  }
  if (current.length > 0) batches.push(current);
  return batches;
}

export interface PackedBatch {
  rows: number;
  seq: number;
  inputIds: BigInt64Array;
  attentionMask: BigInt64Array;
  tokenTypeIds: BigInt64Array;
}

/** Right-pads a batch of encodings into int64 [rows, seq] tensors. */
export function packBatch(encodings: readonly Encoded[], padId: number): PackedBatch {
  const rows = encodings.length;
  const seq = encodings.reduce((longest, e) => Math.max(longest, e.ids.length), 1);
  const inputIds = new BigInt64Array(rows * seq).fill(BigInt(padId));
  const attentionMask = new BigInt64Array(rows * seq);
  const tokenTypeIds = new BigInt64Array(rows * seq);
  encodings.forEach((encoding, row) => {
    const offset = row * seq;
    for (let i = 0; i < encoding.ids.length; i += 1) {
      inputIds[offset + i] = BigInt(encoding.ids[i] ?? padId);
      attentionMask[offset + i] = 1n;
      tokenTypeIds[offset + i] = BigInt(encoding.typeIds[i] ?? 0);
    }
  });
  return { rows, seq, inputIds, attentionMask, tokenTypeIds };
}

/** Share of real tokens among padded ones, for logs (1 = no padding). */
export function paddingEfficiency(lengths: readonly number[], batches: readonly number[][]): number {
  let real = 0;
  let padded = 0;
  for (const batch of batches) {
    const longest = batch.reduce((most, i) => Math.max(most, lengths[i] ?? 0), 0);
    padded += longest * batch.length;
    for (const i of batch) real += lengths[i] ?? 0;
  }
  return padded === 0 ? 1 : real / padded;
}
