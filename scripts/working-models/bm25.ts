// BM25 of a query's word pieces over a passage's, normalized by the query's idf mass, in plain TypeScript: the
// reference the ONNX graph (bm25-graph.ts) computes, used to calibrate its logit and by the tests.
import { SPECIAL_IDS } from './corpus-tokens.ts';

export interface Bm25Params {
  k1: number;
  b: number;
  avgLength: number;
  /** idf per token id (0 for special and unseen ids). */
  idf: Float64Array;
}

/**
 * Σ over query positions i of idf(q_i) · tf(q_i)·(k1+1) / (tf(q_i) + k1·(1 - b + b·|p|/avgdl)), divided by
 * Σ_i idf(q_i): 1 means every query word piece occurs once in a passage of average length; at most k1 + 1.
 * Special ids are neither query nor passage terms. A query without idf mass scores 0.
 */
export function normalizedBm25(query: ArrayLike<number>, passage: ArrayLike<number>, params: Bm25Params): number {
  const special = new Set(SPECIAL_IDS);
  const counts = new Map<number, number>();
  let length = 0;
  for (const id of Array.from(passage)) {
    if (special.has(id)) continue;
    counts.set(id, (counts.get(id) ?? 0) + 1);
    length += 1;
  }
  const norm = params.k1 * (1 - params.b) + ((params.k1 * params.b) / params.avgLength) * length;
  let score = 0;
  let mass = 0;
  for (const id of Array.from(query)) {
    if (special.has(id)) continue;
    const idf = params.idf[id] ?? 0;
    const tf = counts.get(id) ?? 0;
    mass += idf;
    score += (idf * tf * (params.k1 + 1)) / (tf + norm);
  }
  return score / Math.max(mass, 1e-6);
}

/** Linear interpolation quantile of sorted values. */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const position = (sorted.length - 1) * q;
  const low = Math.floor(position);
  const high = Math.min(low + 1, sorted.length - 1);
  return (sorted[low] ?? 0) + ((sorted[high] ?? 0) - (sorted[low] ?? 0)) * (position - low);
}
