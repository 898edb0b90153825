// Latent semantic analysis over word pieces: a TF-IDF token x passage matrix, its truncated SVD, and token rows
// that a mean-pooling static model turns into LSA passage vectors.
import type { TermStats, TokenizedCorpus } from './corpus-tokens.ts';
import { truncatedSvd, type SparseColumns } from './svd.ts';

export interface LsaOptions {
  dim: number;
  seed: number;
  powerIterations: number;
  /** Token row = idf · U · S^singularPower. */
  singularPower: number;
  idfPower?: number;
}

/** Smoothed idf, ln(N / df); 0 for ids never seen. */
export function lsaIdf(stats: TermStats): Float64Array {
  return Float64Array.from(stats.df, (df) => (df > 0 ? Math.log(stats.docCount / df) : 0));
}

/** X[t, d] = (1 + ln tf) · idf[t], each passage column L2-normalized. */
export function tfidfMatrix(corpus: TokenizedCorpus, idf: Float64Array): SparseColumns {
  const colStart = new Int32Array(corpus.docs.length + 1);
  const rows: number[] = [];
  const values: number[] = [];
  corpus.docs.forEach((doc, d) => {
    const counts = new Map<number, number>();
    for (const id of doc) counts.set(id, (counts.get(id) ?? 0) + 1);
    const ids = [...counts.keys()].sort((a, b) => a - b);
    const weights = ids.map((id) => (1 + Math.log(counts.get(id) ?? 1)) * (idf[id] ?? 0));
    const norm = Math.sqrt(weights.reduce((sum, w) => sum + w * w, 0));
    ids.forEach((id, i) => {
      rows.push(id);
      values.push(norm > 0 ? (weights[i] ?? 0) / norm : 0);
    });
    colStart[d + 1] = rows.length;
  });
  return { rows: corpus.vocabSize, cols: corpus.docs.length, colStart, rowIndex: Int32Array.from(rows), values: Float64Array.from(values) };
}

/**
 * Token rows [vocab, dim]: row t = idf[t] · U[t] · S^p. A static model's mean pooling then embeds a text as
 * Σ_t tf_t · idf_t · U_t S^p / n, the text's TF-IDF vector projected on the latent space (S^p weights the
 * dimensions; p = 1 is the classic V·S² folding, p = 0 keeps the plain projection).
 */
export function lsaTokenRows(corpus: TokenizedCorpus, stats: TermStats, options: LsaOptions): { rows: Float32Array; singularValues: Float64Array } {
  const idf = lsaIdf(stats);
  const svd = truncatedSvd(tfidfMatrix(corpus, idf), options.dim, { seed: options.seed, powerIterations: options.powerIterations });
  const { u, s } = svd;
  const rows = new Float32Array(corpus.vocabSize * options.dim);
  const weights = Float64Array.from(s, (x) => x ** options.singularPower);
  for (let t = 0; t < corpus.vocabSize; t += 1) {
    for (let j = 0; j < u.cols; j += 1) rows[t * options.dim + j] = ((idf[t] ?? 0) ** (options.idfPower ?? 1)) * (u.data[t * u.cols + j] ?? 0) * (weights[j] ?? 0);
  }
  return { rows, singularValues: s };
}
