// The BM25 cross-encoder's logit from unlabeled statistics: pseudo-queries (spans of word pieces cut from seeded
// random passages) scored against the passage they come from and against a random other passage.
import { normalizedBm25, quantile, type Bm25Params } from './bm25.ts';
import { seededRandom } from '../../src/core/random.ts';

export interface Calibration {
  samples: number;
  spanLength: number;
  /** Quantiles of the normalized BM25 of span vs its own passage, and span vs a random passage. */
  source: { median: number; q10: number };
  random: { median: number; q90: number; q99: number };
  /** logit = scale · normalized BM25 + bias. */
  scale: number;
  bias: number;
}

/**
 * Puts sigmoid 0.5 at the random passages' 99th percentile (a pair is called relevant when it matches the query
 * better than 99% of random pairs do) and sigmoid(2) = 0.88 at the source passages' 10th percentile.
 */
export function calibrate(docs: readonly Int32Array[], params: Bm25Params, options: { samples: number; spanLength: number; seed: number }): Calibration {
  const uniform = seededRandom(options.seed);
  const pick = (n: number): number => Math.min(Math.floor(uniform() * n), n - 1);
  const eligible = docs.map((doc, i) => (doc.length >= 2 * options.spanLength ? i : -1)).filter((i) => i >= 0);
  const source: number[] = [];
  const random: number[] = [];
  for (let s = 0; s < options.samples; s += 1) {
    const d = eligible[pick(eligible.length)] ?? 0;
    const doc = docs[d] ?? new Int32Array();
    const start = pick(doc.length - options.spanLength + 1);
    const span = doc.subarray(start, start + options.spanLength);
    let other = pick(docs.length - 1);
    if (other >= d) other += 1;
    source.push(normalizedBm25(span, doc, params));
    random.push(normalizedBm25(span, docs[other] ?? new Int32Array(), params));
  }
  source.sort((a, b) => a - b);
  random.sort((a, b) => a - b);
  const low = quantile(random, 0.99);
  const high = quantile(source, 0.1);
  const scale = 2 / Math.max(high - low, 1e-3);
  return {
    samples: options.samples,
    spanLength: options.spanLength,
    source: { median: quantile(source, 0.5), q10: high },
    random: { median: quantile(random, 0.5), q90: quantile(random, 0.9), q99: low },
    scale,
    bias: -scale * low,
  };
}
