import type { Dataset } from '../../core/dataset.ts';
import { dot, type IdentityExclusion, type Matrix } from './query-context.ts';

/** Top-k search output, row-major [queries, k]; id -1 marks an empty slot. */
export interface SearchHits {
  k: number;
  scores: Float32Array;
  ids: Int32Array;
}

export interface Retrieved {
  doc: number;
  biScore: number;
  /** 1-based rank in the bi-encoder's retrieval. */
  rank: number;
}

/** One query's retrieved documents in rank order. */
export function retrieved(hits: SearchHits, query: number): Retrieved[] {
  const result: Retrieved[] = [];
  for (let j = 0; j < hits.k; j += 1) {
    const doc = hits.ids[query * hits.k + j] ?? -1;
    if (doc < 0) continue;
    result.push({ doc, biScore: hits.scores[query * hits.k + j] ?? Number.NEGATIVE_INFINITY, rank: j + 1 });
  }
  return result;
}

/** Bi-encoder score of a (query, document) pair from the vectors, for positives and given negatives. */
export function biScore(queries: Matrix, query: number, corpus: Matrix, doc: number): number {
  return dot(queries, query, corpus, doc);
}

export type GivenNegativesMode = 'keep' | 'merge' | 'replace';

/**
 * Which (query, document) pairs the cross-encoder scores: every positive, the given negatives that are used,
 * and the first `limit` retrieved candidates that pass the identity checks (others could never be negatives).
 */
export function rerankPairs(
  dataset: Dataset,
  hits: SearchHits,
  checks: readonly ((doc: number) => IdentityExclusion | undefined)[],
  limit: number,
  givenNegatives: GivenNegativesMode,
): { query: number; doc: number }[] {
  const pairs: { query: number; doc: number }[] = [];
  dataset.queries.ids.forEach((_, query) => {
    const seen = new Set<number>();
    const add = (doc: number): void => {
      if (seen.has(doc)) return;
      seen.add(doc);
      pairs.push({ query, doc });
    };
    for (const positive of dataset.positives[query] ?? []) add(positive.doc);
    const given = givenNegatives === 'replace' ? [] : (dataset.givenNegatives[query] ?? []);
    for (const doc of given) add(doc);
    if (givenNegatives === 'keep' && given.length > 0) return;
    const check = checks[query];
    let taken = 0;
    for (const candidate of retrieved(hits, query)) {
      if (taken >= limit) break;
      if (seen.has(candidate.doc) || check?.(candidate.doc) !== undefined) continue;
      add(candidate.doc);
      taken += 1;
    }
  });
  return pairs;
}
