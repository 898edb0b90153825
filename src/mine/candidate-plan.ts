import type { Dataset } from '../core/dataset.ts';
import type { HitBlock } from '../core/hits.ts';
import type { VectorRows } from '../core/vector-chunks.ts';
import { QueryIdentity, TextKeySet, type TextKeys } from './identity.ts';
import { emptyRemovalCounts, thresholdReason, windowEnd, type RemovalCounts, type SelectionConfig } from './select.ts';

/** The settings that decide a query's window end. */
type Window = Pick<SelectionConfig, 'rangeMax' | 'rangeMaxAddsPositives'>;

export const GIVEN_NEGATIVES_MODES = ['keep', 'merge', 'replace'] as const;
export type GivenNegativesMode = (typeof GIVEN_NEGATIVES_MODES)[number];

/** What a pair of the plan is. */
export const PAIR_POSITIVE = 0;
export const PAIR_GIVEN = 1;
export const PAIR_RETRIEVED = 2;

export interface PlanSettings {
  /** rangeMax resolved. */
  selection: SelectionConfig;
  givenNegatives: GivenNegativesMode;
  dupThreshold: number;
  /**
   * With a cross-encoder: how many retrieved candidates that pass the identity checks it rescores (--ce-candidates);
   * the rest are counted as not rescored. Undefined without one: the plan stops at rangeMax candidates that pass
   * every rule (bi-encoder scores arrive sorted, so later ones could never enter the window).
   */
  rescoreLimit: number | undefined;
}

export interface PlanContext {
  dataset: Dataset;
  /** Query and corpus vectors, read row by row as float32 (stored as float32 or float16). */
  queries: VectorRows;
  corpus: VectorRows;
  keys: TextKeys;
  settings: PlanSettings;
}

/**
 * The candidate plan of a range of queries: for each query its positives, its kept given negatives and its
 * retrieved candidates that passed the identity and repeated-text checks, in that order, as pairs in typed arrays.
 * The cross-encoder scores exactly these pairs and selection reads exactly these pairs, so they cannot disagree.
 */
export interface CandidatePlan {
  /** First query of the range and number of queries. */
  start: number;
  count: number;
  /** Pairs of query start + i are [offsets[i], offsets[i + 1]). */
  offsets: Int32Array;
  docs: Int32Array;
  biScores: Float32Array;
  kinds: Uint8Array;
  /** 1-based rank in the bi-encoder's retrieval; 0 when not retrieved (positives and given negatives may be). */
  ranks: Int32Array;
  /** 1 when the query mines new negatives (not --given-negatives keep with given ones). */
  mined: Uint8Array;
  /** Candidates examined (retrieved and given) and what the identity checks removed. */
  candidates: number;
  removed: RemovalCounts;
}

/**
 * How many candidates query q retrieves: room for the window, the query's own positives (which are retrieved but
 * never negatives) and, under --given-negatives merge, its given negatives; never more than the corpus.
 */
export function queryDepth(dataset: Dataset, query: number, selection: Window, givenNegatives: GivenNegativesMode): number {
  const positives = dataset.positives.count(query);
  const given = givenNegatives === 'merge' ? dataset.givenNegatives.count(query) : 0;
  return Math.min(dataset.corpus.ids.length, windowEnd(selection, positives) + positives + given);
}

/** The k a search of queries [start, start + count) needs: its deepest query's depth. */
export function blockDepth(dataset: Dataset, start: number, count: number, selection: Window, givenNegatives: GivenNegativesMode): number {
  let k = 0;
  for (let q = start; q < start + count; q += 1) k = Math.max(k, queryDepth(dataset, q, selection, givenNegatives));
  return k;
}

const NO_DOCS = new Int32Array(0);

/** Candidates whose near-duplicate check runs as one product. */
const SCREEN_BLOCK = 64;

class PairBuffer {
  docs: Int32Array;
  biScores: Float32Array;
  kinds: Uint8Array;
  ranks: Int32Array;
  length = 0;
  constructor(capacity: number) {
    this.docs = new Int32Array(capacity);
    this.biScores = new Float32Array(capacity);
    this.kinds = new Uint8Array(capacity);
    this.ranks = new Int32Array(capacity);
  }
  push(doc: number, bi: number, kind: number, rank: number): void {
    const i = this.length;
    this.docs[i] = doc;
    this.biScores[i] = bi;
    this.kinds[i] = kind;
    this.ranks[i] = rank;
    this.length = i + 1;
  }
}

function sortedDescending(scores: Float32Array, ids: Int32Array, depth: number): boolean {
  let previous = Number.POSITIVE_INFINITY;
  for (let j = 0; j < depth; j += 1) {
    if ((ids[j] ?? -1) < 0) continue;
    const score = scores[j] ?? Number.NEGATIVE_INFINITY;
    if (score > previous) return false;
    previous = score;
  }
  return true;
}

/** Plans queries [from, to) of a hit block. */
export function planRange(context: PlanContext, block: HitBlock, from: number, to: number): CandidatePlan {
  const { dataset, queries, corpus, keys, settings } = context;
  const { selection, givenNegatives } = settings;
  if (from < block.start || to > block.start + block.count || from > to) throw new RangeError(`queries [${from}, ${to}) are outside the hit block [${block.start}, ${block.start + block.count})`);
  let capacity = 0;
  for (let q = from; q < to; q += 1) capacity += dataset.positives.count(q) + dataset.givenNegatives.count(q) + Math.min(block.k, queryDepth(dataset, q, selection, givenNegatives));
  const pairs = new PairBuffer(capacity);
  const offsets = new Int32Array(to - from + 1);
  const mined = new Uint8Array(to - from);
  const removed = emptyRemovalCounts();
  let candidates = 0;
  const pending = new Int32Array(SCREEN_BLOCK);
  const pendingRank = new Int32Array(SCREEN_BLOCK);
  const pendingScore = new Float32Array(SCREEN_BLOCK);
  const duplicate = new Uint8Array(SCREEN_BLOCK);
  const queryRow = new Float32Array(queries.dim);
  const identity = new QueryIdentity(dataset, from, corpus, keys, settings.dupThreshold);
  const seenText = new TextKeySet(keys);
  const givenKeys = new TextKeySet(keys);

  for (let q = from; q < to; q += 1) {
    offsets[q - from] = pairs.length;
    if (q !== from) identity.reset(q);
    queries.readRow(q, queryRow);
    const row = (q - block.start) * block.k;
    const depth = Math.min(block.k, queryDepth(dataset, q, selection, givenNegatives));
    const ids = block.ids.subarray(row, row + depth);
    const scores = block.scores.subarray(row, row + depth);

    const positiveStart = pairs.length;
    let minPositive = Number.POSITIVE_INFINITY;
    for (const doc of identity.positives) {
      const bi = corpus.dotRow(doc, queryRow);
      minPositive = Math.min(minPositive, bi);
      pairs.push(doc, bi, PAIR_POSITIVE, 0);
    }
    for (let j = 0; j < depth; j += 1) {
      const doc = ids[j] ?? -1;
      if (doc < 0 || !identity.isPositive(doc)) continue;
      for (let i = positiveStart; i < pairs.length; i += 1) {
        if (pairs.docs[i] === doc && pairs.ranks[i] === 0) {
          pairs.ranks[i] = j + 1;
          break;
        }
      }
    }

    const given = givenNegatives === 'replace' ? NO_DOCS : dataset.givenNegatives.docsOf(q);
    seenText.clear();
    for (const doc of given) {
      candidates += 1;
      const exclusion = identity.check(doc);
      if (exclusion !== undefined) {
        removed[exclusion] += 1;
        continue;
      }
      if (!seenText.add(doc)) {
        removed.repeated_text += 1;
        continue;
      }
      pairs.push(doc, corpus.dotRow(doc, queryRow), PAIR_GIVEN, 0);
    }
    // Given negatives are already in; the window ranks the other candidates, so merge still mines --num-negatives new ones.
    givenKeys.copyFrom(seenText);
    const minedHere = !(givenNegatives === 'keep' && given.length > 0);
    mined[q - from] = minedHere ? 1 : 0;
    if (!minedHere) continue;

    const limit = settings.rescoreLimit;
    const earlyStop = limit === undefined && sortedDescending(scores, ids, depth);
    // Without a cross-encoder: candidates passing every rule so far; with one: identity survivors so far.
    let passed = 0;
    let j = 0;
    const end = windowEnd(selection, identity.positives.length);
    while (j < depth && !(earlyStop && passed >= end)) {
      // A block never holds more candidates than survivors still needed, so the stop lands on a block boundary.
      const room = earlyStop ? Math.min(SCREEN_BLOCK, end - passed) : SCREEN_BLOCK;
      let n = 0;
      for (; j < depth && n < room; j += 1) {
        const doc = ids[j] ?? -1;
        if (doc < 0) continue;
        if (givenKeys.has(doc)) continue;
        candidates += 1;
        const exclusion = identity.cheap(doc);
        if (exclusion !== undefined) {
          removed[exclusion] += 1;
          continue;
        }
        pending[n] = doc;
        pendingRank[n] = j + 1;
        pendingScore[n] = scores[j] ?? Number.NEGATIVE_INFINITY;
        n += 1;
      }
      identity.nearDuplicates(pending, n, duplicate);
      for (let i = 0; i < n; i += 1) {
        if (duplicate[i] === 1) {
          removed.near_duplicate += 1;
          continue;
        }
        const doc = pending[i] ?? -1;
        const bi = pendingScore[i] ?? Number.NEGATIVE_INFINITY;
        if (limit !== undefined) {
          // A repeat of a better-ranked text still takes its --ce-candidates slot (it is one of the first retrieved).
          const rescored = passed < limit;
          if (rescored) passed += 1;
          if (!seenText.add(doc)) removed.repeated_text += 1;
          else if (rescored) pairs.push(doc, bi, PAIR_RETRIEVED, pendingRank[i] ?? 0);
          else removed.not_rescored += 1;
          continue;
        }
        if (!seenText.add(doc)) {
          removed.repeated_text += 1;
          continue;
        }
        pairs.push(doc, bi, PAIR_RETRIEVED, pendingRank[i] ?? 0);
        if (thresholdReason(bi, minPositive, selection) === undefined) passed += 1;
      }
    }
  }
  offsets[to - from] = pairs.length;
  return {
    start: from,
    count: to - from,
    offsets,
    docs: pairs.docs.subarray(0, pairs.length),
    biScores: pairs.biScores.subarray(0, pairs.length),
    kinds: pairs.kinds.subarray(0, pairs.length),
    ranks: pairs.ranks.subarray(0, pairs.length),
    mined,
    candidates,
    removed,
  };
}

/** Plans every query of a hit block. */
export function planBlock(context: PlanContext, block: HitBlock): CandidatePlan {
  return planRange(context, block, block.start, block.start + block.count);
}
