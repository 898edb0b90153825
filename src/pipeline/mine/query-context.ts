import type { Dataset } from '../../core/dataset.ts';
import { normalizedTextKey } from '../../mine/normalize-text.ts';
import type { ExclusionMode } from '../../mine/select.ts';

export type IdentityExclusion = 'positive_id' | 'positive_text' | 'query_text' | 'near_duplicate';

/** Row-major vectors with their width. */
export interface Matrix {
  data: Float32Array;
  dim: number;
}

export function dot(a: Matrix, rowA: number, b: Matrix, rowB: number): number {
  const { dim } = a;
  let sum = 0;
  const offsetA = rowA * dim;
  const offsetB = rowB * dim;
  for (let i = 0; i < dim; i += 1) sum += (a.data[offsetA + i] ?? 0) * (b.data[offsetB + i] ?? 0);
  return sum;
}

/** Text keys of corpus documents (normalized; exact under --exclusions st), computed once per document on first use. */
export class TextKeys {
  readonly #keys = new Map<number, string>();
  constructor(
    readonly dataset: Dataset,
    readonly mode: ExclusionMode = 'strict',
  ) {}

  of(doc: number): string {
    let key = this.#keys.get(doc);
    if (key === undefined) {
      const text = this.dataset.corpus.texts[doc] ?? '';
      key = this.mode === 'st' ? text : normalizedTextKey(text);
      this.#keys.set(doc, key);
    }
    return key;
  }
}

/**
 * Everything one query's identity checks need: a candidate is never a negative when it is a positive (id) or has a
 * positive's text; in strict mode also when it has the query's text (normalized) or is a near-duplicate of a
 * positive (cosine >= dupThreshold; a threshold of 1 or more turns that check off, as rounding lifts identical
 * vectors' dot products above 1).
 */
export function identityCheck(dataset: Dataset, query: number, corpus: Matrix, keys: TextKeys, dupThreshold: number): (doc: number) => IdentityExclusion | undefined {
  const strict = keys.mode === 'strict';
  const nearDuplicates = strict && dupThreshold < 1;
  const positives = (dataset.positives[query] ?? []).map((p) => p.doc);
  const positiveIds = new Set(positives);
  const positiveKeys = new Set(positives.map((doc) => keys.of(doc)));
  const queryKey = strict ? normalizedTextKey(dataset.queries.texts[query] ?? '') : undefined;
  const check = (doc: number): IdentityExclusion | undefined => {
    if (positiveIds.has(doc)) return 'positive_id';
    const key = keys.of(doc);
    if (positiveKeys.has(key)) return 'positive_text';
    if (key === queryKey) return 'query_text';
    if (nearDuplicates && positives.some((positive) => dot(corpus, doc, corpus, positive) >= dupThreshold)) return 'near_duplicate';
    return undefined;
  };
  // Planning the rerank and selecting negatives ask about the same candidates: the vector checks run once.
  const answers = new Map<number, IdentityExclusion | undefined>();
  return (doc) => {
    if (!answers.has(doc)) answers.set(doc, check(doc));
    return answers.get(doc);
  };
}
