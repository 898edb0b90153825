import { Float32List, Int32List } from '../core/growable-list.ts';
import { REMOVAL_REASONS, type RemovalCounts } from './select.ts';

export interface ScoreSummary {
  count: number;
  mean: number;
  median: number;
  std: number;
  min: number;
  p25: number;
  p50: number;
  p75: number;
  max: number;
}

function quantile(sorted: ArrayLike<number>, q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const position = (sorted.length - 1) * q;
  const low = Math.floor(position);
  const high = Math.ceil(position);
  const lowValue = sorted[low] ?? Number.NaN;
  return lowValue + ((sorted[high] ?? lowValue) - lowValue) * (position - low);
}

/**
 * Summary statistics as sentence-transformers prints them: unbiased std, linear-interpolated quartiles, and the
 * lower middle value as median (torch.median).
 */
export function summarize(values: readonly number[]): ScoreSummary {
  return summarizeInPlace(Float64Array.from(values));
}

/** summarize() over values it sorts in place: no copy of millions of scores. */
export function summarizeInPlace(values: Float64Array): ScoreSummary {
  const sorted = values.sort();
  const count = sorted.length;
  let sum = 0;
  for (const v of sorted) sum += v;
  const mean = count === 0 ? Number.NaN : sum / count;
  let squares = 0;
  for (const v of sorted) squares += (v - mean) ** 2;
  const variance = count < 2 ? Number.NaN : squares / (count - 1);
  return {
    count,
    mean,
    median: count === 0 ? Number.NaN : (sorted[Math.floor((count - 1) / 2)] ?? Number.NaN),
    std: Math.sqrt(variance),
    min: sorted[0] ?? Number.NaN,
    p25: quantile(sorted, 0.25),
    p50: quantile(sorted, 0.5),
    p75: quantile(sorted, 0.75),
    max: sorted[count - 1] ?? Number.NaN,
  };
}

/** Where the positives landed in the bi-encoder's ranking: a hint of label noise or a weak model. */
export const RANK_BUCKETS = ['1', '2-5', '6-10', '11-50', '51-100', '>100', 'not_retrieved'] as const;
export type RankBucket = (typeof RANK_BUCKETS)[number];

export function rankBucket(rank: number | undefined): RankBucket {
  if (rank === undefined) return 'not_retrieved';
  if (rank <= 1) return '1';
  if (rank <= 5) return '2-5';
  if (rank <= 10) return '6-10';
  if (rank <= 50) return '11-50';
  if (rank <= 100) return '51-100';
  return '>100';
}

/** What one query adds to the statistics (scores are the models' float32 outputs, stored at that precision). */
export interface QueryTally {
  /** Scores of the query's positives (every one, as sentence-transformers' Positive column). */
  positiveScores: readonly number[];
  /** Scores of the negatives its written rows pair with each positive (none when the query is not written). */
  rowNegativeScores: readonly number[];
  /** Negatives this run mined for it (given negatives not included); undefined when it was not mined (--given-negatives keep). */
  minedNegatives: number | undefined;
  /** All its negatives, given and mined. */
  negatives: number;
  relabeled: number;
  /** False when --min-negatives (or the layout) dropped it from the output. */
  written: boolean;
}

/** MiningStats as plain data. */
export interface StatsSnapshot {
  positiveScores: number[];
  rowNegativeScores: number[];
  positiveCounts: number[];
  rowNegativeCounts: number[];
  negativesPerQuery: [number, number][];
  positiveRanks: Record<RankBucket, number>;
  removed: RemovalCounts;
  relabeled: number;
  queries: number;
  negatives: number;
  candidates: number;
  droppedFewerNegatives: number;
}

/** The three columns of the statistics table. */
export interface ScoreSummaries {
  positive: ScoreSummary;
  negative: ScoreSummary;
  difference: ScoreSummary;
}

/**
 * Accumulates what `negmine mine` reports. Scores are kept per query in float32 typed arrays, each negative once:
 * the (positive, negative) pairs that the Negative and Difference columns count (as sentence-transformers does) are
 * expanded only when summarized, so 500k queries cost ~25 bytes each, not one float64 per pair and column.
 */
export class MiningStats {
  /** Every tallied query's positive scores, query after query. */
  readonly positiveScores = new Float32List();
  /** The negatives each query's written rows pair with every one of its positives, query after query. */
  readonly rowNegativeScores = new Float32List();
  /** Per tallied query: how many positive and row-negative scores it added. */
  readonly positiveCounts = new Int32List();
  readonly rowNegativeCounts = new Int32List();
  /** negativesPerQuery[n] = how many mined queries got n new negatives. */
  readonly negativesPerQuery = new Map<number, number>();
  readonly positiveRanks: Record<RankBucket, number> = Object.fromEntries(RANK_BUCKETS.map((b) => [b, 0])) as Record<RankBucket, number>;
  relabeled = 0;
  queries = 0;
  /** Negatives of all queries, given and mined, each counted once. */
  negatives = 0;
  /** Candidates examined (retrieved and given): the one denominator of the skip percentages. */
  candidates = 0;
  /** Queries left out of the output for having fewer than --min-negatives negatives. */
  droppedFewerNegatives = 0;
  #summaries: ScoreSummaries | undefined;

  constructor(readonly removed: RemovalCounts) {}

  addQuery(tally: QueryTally): void {
    this.#summaries = undefined;
    this.queries += 1;
    this.negatives += tally.negatives;
    this.positiveScores.pushAll(tally.positiveScores);
    this.rowNegativeScores.pushAll(tally.rowNegativeScores);
    this.positiveCounts.push(tally.positiveScores.length);
    this.rowNegativeCounts.push(tally.rowNegativeScores.length);
    if (tally.minedNegatives !== undefined) this.negativesPerQuery.set(tally.minedNegatives, (this.negativesPerQuery.get(tally.minedNegatives) ?? 0) + 1);
    if (!tally.written) this.droppedFewerNegatives += 1;
    this.relabeled += tally.relabeled;
  }

  /** Adds another block's statistics (selection runs per query block; merged in query order). */
  merge(other: MiningStats): this {
    this.#summaries = undefined;
    this.positiveScores.pushAll(other.positiveScores.values());
    this.rowNegativeScores.pushAll(other.rowNegativeScores.values());
    this.positiveCounts.pushAll(other.positiveCounts.values());
    this.rowNegativeCounts.pushAll(other.rowNegativeCounts.values());
    for (const [n, queries] of other.negativesPerQuery) this.negativesPerQuery.set(n, (this.negativesPerQuery.get(n) ?? 0) + queries);
    for (const bucket of RANK_BUCKETS) this.positiveRanks[bucket] += other.positiveRanks[bucket];
    for (const reason of REMOVAL_REASONS) this.removed[reason] += other.removed[reason];
    this.relabeled += other.relabeled;
    this.queries += other.queries;
    this.negatives += other.negatives;
    this.candidates += other.candidates;
    this.droppedFewerNegatives += other.droppedFewerNegatives;
    return this;
  }

  /** Every field, for storing a block's statistics beside its output part (see fromSnapshot). */
  toSnapshot(): StatsSnapshot {
    return {
      positiveScores: Array.from(this.positiveScores.values()),
      rowNegativeScores: Array.from(this.rowNegativeScores.values()),
      positiveCounts: Array.from(this.positiveCounts.values()),
      rowNegativeCounts: Array.from(this.rowNegativeCounts.values()),
      negativesPerQuery: [...this.negativesPerQuery],
      positiveRanks: { ...this.positiveRanks },
      removed: { ...this.removed },
      relabeled: this.relabeled,
      queries: this.queries,
      negatives: this.negatives,
      candidates: this.candidates,
      droppedFewerNegatives: this.droppedFewerNegatives,
    };
  }

  /** The statistics a snapshot holds: merging it gives what merging the original gave. */
  static fromSnapshot(snapshot: StatsSnapshot): MiningStats {
    const stats = new MiningStats({ ...snapshot.removed });
    stats.positiveScores.pushAll(snapshot.positiveScores);
    stats.rowNegativeScores.pushAll(snapshot.rowNegativeScores);
    stats.positiveCounts.pushAll(snapshot.positiveCounts);
    stats.rowNegativeCounts.pushAll(snapshot.rowNegativeCounts);
    for (const [n, queries] of snapshot.negativesPerQuery) stats.negativesPerQuery.set(n, queries);
    for (const bucket of RANK_BUCKETS) stats.positiveRanks[bucket] = snapshot.positiveRanks[bucket];
    stats.relabeled = snapshot.relabeled;
    stats.queries = snapshot.queries;
    stats.negatives = snapshot.negatives;
    stats.candidates = snapshot.candidates;
    stats.droppedFewerNegatives = snapshot.droppedFewerNegatives;
    return stats;
  }

  /** The statistics table's columns, computed once (adding more recomputes); one pair-sized buffer serves two columns. */
  summaries(): ScoreSummaries {
    if (this.#summaries === undefined) {
      const positive = summarizeInPlace(Float64Array.from(this.positiveScores.values()));
      const pairs = this.pairScores((_pos, neg) => neg);
      const negative = summarizeInPlace(pairs);
      this.#summaries = { positive, negative, difference: summarizeInPlace(this.pairScores((pos, neg) => pos - neg, pairs)) };
    }
    return this.#summaries;
  }

  /**
   * One score per (positive, negative) pair, query by query: the Negative column (value = neg) or the Difference
   * column (pos - neg); written into `reuse` when it has the right length.
   */
  pairScores(value: (positive: number, negative: number) => number, reuse?: Float64Array): Float64Array {
    const positives = this.positiveScores.values();
    const negatives = this.rowNegativeScores.values();
    const positiveCounts = this.positiveCounts.values();
    const negativeCounts = this.rowNegativeCounts.values();
    let total = 0;
    for (const [q, p] of positiveCounts.entries()) total += p * (negativeCounts[q] ?? 0);
    const out = reuse?.length === total ? reuse : new Float64Array(total);
    let at = 0;
    let pos = 0;
    let neg = 0;
    for (const [q, p] of positiveCounts.entries()) {
      const n = negativeCounts[q] ?? 0;
      for (let i = 0; i < p; i += 1) {
        const positive = positives[pos + i] ?? Number.NaN;
        for (let j = 0; j < n; j += 1) out[at++] = value(positive, negatives[neg + j] ?? Number.NaN);
      }
      pos += p;
      neg += n;
    }
    return out;
  }

  addPositiveRank(rank: number | undefined): void {
    this.positiveRanks[rankBucket(rank)] += 1;
  }

  /** Mined queries that got fewer than numNegatives new negatives. */
  queriesWithFewer(numNegatives: number): number {
    let count = 0;
    for (const [n, queries] of this.negativesPerQuery) if (n < numNegatives) count += queries;
    return count;
  }

  toJSON(numNegatives: number): Record<string, unknown> {
    const removed: Partial<RemovalCounts> = {};
    for (const reason of REMOVAL_REASONS) if (this.removed[reason] > 0) removed[reason] = this.removed[reason];
    return {
      queries: this.queries,
      negatives: this.negatives,
      relabeled: this.relabeled,
      candidates: this.candidates,
      scores: this.summaries(),
      removed,
      queriesWithFewerNegatives: this.queriesWithFewer(numNegatives),
      queriesDroppedFewerNegatives: this.droppedFewerNegatives,
      negativesPerQuery: Object.fromEntries([...this.negativesPerQuery].sort(([a], [b]) => a - b).map(([n, q]) => [String(n), q])),
      positiveRanks: this.positiveRanks,
    };
  }
}

const ROWS: [string, keyof ScoreSummary][] = [
  ['Count', 'count'],
  ['Mean', 'mean'],
  ['Median', 'median'],
  ['Std', 'std'],
  ['Min', 'min'],
  ['25%', 'p25'],
  ['50%', 'p50'],
  ['75%', 'p75'],
  ['Max', 'max'],
];

function cell(value: number, key: keyof ScoreSummary): string {
  if (key === 'count') return value.toLocaleString('en-US');
  return Number.isFinite(value) ? value.toFixed(4) : '';
}

/** The statistics table in sentence-transformers' layout. */
export function formatScoreTable(positive: ScoreSummary, negative: ScoreSummary, difference: ScoreSummary): string {
  const line = (a: string, b: string, c: string, d: string): string => `${a.padEnd(6)} ${b.padStart(14)} ${c.padStart(14)} ${d.padStart(14)}`;
  const lines = [line('Metric', 'Positive', 'Negative', 'Difference')];
  for (const [label, key] of ROWS) {
    lines.push(line(label, cell(positive[key], key), cell(negative[key], key), key === 'count' ? '' : cell(difference[key], key)));
  }
  return lines.join('\n');
}
