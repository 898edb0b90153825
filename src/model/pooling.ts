import { NegmineError } from '../core/errors.ts';

/** Pooling strategies of sentence-transformers' Pooling module, in the order it concatenates them. */
export const POOLING_MODES = ['cls', 'max', 'mean', 'mean_sqrt_len', 'weightedmean', 'lasttoken'] as const;
export type PoolingMode = (typeof POOLING_MODES)[number];

const LEGACY_KEYS: Record<string, PoolingMode> = {
  pooling_mode_cls_token: 'cls',
  pooling_mode_max_tokens: 'max',
  pooling_mode_mean_tokens: 'mean',
  pooling_mode_mean_sqrt_len_tokens: 'mean_sqrt_len',
  pooling_mode_weightedmean_tokens: 'weightedmean',
  pooling_mode_lasttoken: 'lasttoken',
};

const NAMES: Record<string, PoolingMode> = {
  cls: 'cls',
  max: 'max',
  mean: 'mean',
  mean_tokens: 'mean',
  mean_sqrt_len_tokens: 'mean_sqrt_len',
  mean_sqrt_len: 'mean_sqrt_len',
  weightedmean: 'weightedmean',
  lasttoken: 'lasttoken',
};

/** Pooling modes from a Pooling config.json, legacy boolean keys or the newer `pooling_mode` string; undefined if neither. */
export function poolingModesFromConfig(config: Record<string, unknown>): PoolingMode[] | undefined {
  const named = config['pooling_mode'];
  if (typeof named === 'string') {
    const mode = NAMES[named.toLowerCase()];
    return mode === undefined ? undefined : [mode];
  }
  const modes = Object.entries(LEGACY_KEYS)
    .filter(([key]) => config[key] === true)
    .map(([, mode]) => mode);
  if (modes.length === 0) return undefined;
  return POOLING_MODES.filter((mode) => modes.includes(mode));
}

/** Parses a --pooling style name. */
export function parsePoolingMode(name: string): PoolingMode | undefined {
  return NAMES[name.toLowerCase()];
}

/**
 * Pools token states [batch, seq, hidden] (row-major) with the attention mask [batch, seq] into
 * [batch, hidden * modes.length], concatenating modes like sentence-transformers.
 */
export function pool(states: Float32Array, mask: ArrayLike<number | bigint>, batch: number, seq: number, hidden: number, modes: readonly PoolingMode[]): Float32Array {
  const width = hidden * modes.length;
  const out = new Float32Array(batch * width);
  for (let b = 0; b < batch; b += 1) {
    let length = 0;
    let last = 0;
    for (let s = 0; s < seq; s += 1) {
      if (Number(mask[b * seq + s]) !== 0) {
        length += 1;
        last = s;
      }
    }
    modes.forEach((mode, m) => {
      const target = b * width + m * hidden;
      poolOne(states, mask, b, seq, hidden, mode, length, last, out, target);
    });
  }
  return out;
}

function poolOne(
  states: Float32Array,
  mask: ArrayLike<number | bigint>,
  b: number,
  seq: number,
  hidden: number,
  mode: PoolingMode,
  length: number,
  last: number,
  out: Float32Array,
  target: number,
): void {
  const base = b * seq * hidden;
  if (mode === 'cls' || mode === 'lasttoken') {
    const s = mode === 'cls' ? 0 : last;
    out.set(states.subarray(base + s * hidden, base + (s + 1) * hidden), target);
    return;
  }
  if (mode === 'max') {
    out.fill(Number.NEGATIVE_INFINITY, target, target + hidden);
    for (let s = 0; s < seq; s += 1) {
      if (Number(mask[b * seq + s]) === 0) continue;
      const row = base + s * hidden;
      for (let h = 0; h < hidden; h += 1) out[target + h] = Math.max(out[target + h] ?? 0, states[row + h] ?? 0);
    }
    // A text with no tokens at all pools to zeros, not -Infinity.
    if (length === 0) out.fill(0, target, target + hidden);
    return;
  }
  let weightSum = 0;
  for (let s = 0; s < seq; s += 1) {
    if (Number(mask[b * seq + s]) === 0) continue;
    const weight = mode === 'weightedmean' ? s + 1 : 1;
    weightSum += weight;
    const row = base + s * hidden;
    for (let h = 0; h < hidden; h += 1) out[target + h] = (out[target + h] ?? 0) + weight * (states[row + h] ?? 0);
  }
  const divisor = mode === 'mean_sqrt_len' ? Math.sqrt(Math.max(length, 1e-9)) : Math.max(weightSum, 1e-9);
  for (let h = 0; h < hidden; h += 1) out[target + h] = (out[target + h] ?? 0) / divisor;
}

/** A pooling step for the runner: done where the session runs, so only [rows, hidden * modes] leaves it. */
export interface PoolRequest {
  modes: readonly PoolingMode[];
  mask: BigInt64Array;
  rows: number;
  seq: number;
}

/** Pools one output [rows, seq, hidden] into [rows, hidden * modes]; outputName names it in errors. */
export function poolTokenStates(outputName: string, data: Float32Array, dims: readonly number[], request: PoolRequest): { data: Float32Array; dims: number[] } {
  const [rows, seq, hidden] = dims;
  if (dims.length !== 3 || rows !== request.rows || seq !== request.seq || hidden === undefined) {
    throw new NegmineError('E_MODEL_LOAD', `ONNX output '${outputName}' has shape [${dims.join(', ')}]; expected [batch, sequence, hidden] = [${request.rows}, ${request.seq}, hidden]`);
  }
  return { data: pool(data, request.mask, rows, seq, hidden, request.modes), dims: [rows, hidden * request.modes.length] };
}

/** L2-normalizes each row of a [rows, dim] matrix in place (zero rows stay zero). */
export function normalizeRows(vectors: Float32Array, dim: number): Float32Array {
  for (let offset = 0; offset < vectors.length; offset += dim) {
    let norm = 0;
    for (let i = offset; i < offset + dim; i += 1) norm += (vectors[i] ?? 0) ** 2;
    const scale = 1 / Math.max(Math.sqrt(norm), 1e-12);
    for (let i = offset; i < offset + dim; i += 1) vectors[i] = (vectors[i] ?? 0) * scale;
  }
  return vectors;
}
