import { querySeed, sampleIndices, seededRandom } from '../core/random.ts';

export const SAMPLING = ['top', 'random'] as const;

/**
 * Which candidates can never be negatives. strict (default): positives by id, anything with a positive's or the
 * query's normalized text, near-duplicates of a positive, repeats of a better-ranked text. st: only what
 * sentence-transformers' mine_hard_negatives masks (positives by id and by exact text; exact repeats collapse as
 * its corpus is deduplicated by exact text).
 */
export const EXCLUSION_MODES = ['strict', 'st'] as const;
export type ExclusionMode = (typeof EXCLUSION_MODES)[number];
export type Sampling = (typeof SAMPLING)[number];

/** Why a candidate was not mined as a negative, in the order the rules run. */
export const REMOVAL_REASONS = [
  'positive_id',
  'positive_text',
  'query_text',
  'near_duplicate',
  'repeated_text',
  'not_rescored',
  'relabeled',
  'ce_max_score',
  'absolute_margin',
  'relative_margin',
  'max_score',
  'min_score',
] as const;
export type RemovalReason = (typeof REMOVAL_REASONS)[number];

export interface SelectionConfig {
  numNegatives: number;
  rangeMin: number;
  /** End of the window; with rangeMaxAddsPositives, before each query's own positive count is added. */
  rangeMax: number;
  /** --range-max not given: each query's window end is rangeMax + that query's positives (see defaultRangeMax). */
  rangeMaxAddsPositives?: boolean;
  sampling: Sampling;
  seed: number;
  absoluteMargin?: number;
  relativeMargin?: number;
  minScore?: number;
  maxScore?: number;
  /** Drop candidates the cross-encoder scores at or above this (RocketQA-style absolute cut). */
  ceMaxScore?: number;
  /** Candidates scoring at least the minimum positive score become extra positives (needs a cross-encoder). */
  relabel: boolean;
}

export type RemovalCounts = Record<RemovalReason, number>;

export function emptyRemovalCounts(): RemovalCounts {
  return Object.fromEntries(REMOVAL_REASONS.map((reason) => [reason, 0])) as RemovalCounts;
}

/** The threshold rule that drops a candidate with this score, against the query's minimum positive score. */
export function thresholdReason(score: number, pos: number, config: SelectionConfig): RemovalReason | undefined {
  if (config.ceMaxScore !== undefined && score >= config.ceMaxScore) return 'ce_max_score';
  if (config.absoluteMargin !== undefined && score + config.absoluteMargin > pos) return 'absolute_margin';
  if (config.relativeMargin !== undefined && score > pos - Math.abs(pos) * config.relativeMargin) return 'relative_margin';
  if (config.maxScore !== undefined && score > config.maxScore) return 'max_score';
  if (config.minScore !== undefined && score < config.minScore) return 'min_score';
  return undefined;
}

/**
 * sentence-transformers' mine_hard_negatives window: of the survivors ranked by score (`ranked`, best first), the
 * [rangeMin, rangeMax) window, then the first numNegatives (top) or a random sample kept in rank order, drawn from a
 * generator seeded by (seed, query id).
 */
export function pickFromWindow<T>(ranked: readonly T[], queryId: string, positives: number, config: SelectionConfig): T[] {
  const window = ranked.slice(config.rangeMin, windowEnd(config, positives));
  if (config.sampling === 'top') return window.slice(0, config.numNegatives);
  const picked = sampleIndices(window.length, config.numNegatives, seededRandom(querySeed(config.seed, queryId)));
  return picked.sort((a, b) => a - b).map((i) => window[i]).filter((c): c is T => c !== undefined);
}

/** Where query's window ends: --range-max, or the default plus the query's own positive count. */
export function windowEnd(config: Pick<SelectionConfig, 'rangeMax' | 'rangeMaxAddsPositives'>, positives: number): number {
  return config.rangeMaxAddsPositives === true ? config.rangeMax + positives : config.rangeMax;
}

/**
 * sentence-transformers' default range_max: room for the positives, the skipped top, and x10 negatives when
 * thresholds may reject many. Mining passes maxPositives 0 and sets rangeMaxAddsPositives, so the room for positives
 * is each query's own count rather than the largest over all queries (one query with 400 positives would otherwise
 * make every query retrieve 400 more candidates).
 */
export function defaultRangeMax(config: Pick<SelectionConfig, 'rangeMin' | 'numNegatives' | 'absoluteMargin' | 'relativeMargin' | 'maxScore'>, maxPositives: number): number {
  const thresholds = config.absoluteMargin !== undefined || config.relativeMargin !== undefined || config.maxScore !== undefined;
  return config.rangeMin + (thresholds ? 10 : 1) * config.numNegatives + maxPositives;
}

/** A warning when the [rangeMin, rangeMax) window cannot hold numNegatives (sentence-transformers raises here). */
export function windowShortfall(config: Pick<SelectionConfig, 'rangeMin' | 'numNegatives'> & { rangeMax?: number }): string | undefined {
  if (config.rangeMax === undefined) return undefined;
  const room = config.rangeMax - config.rangeMin;
  if (config.numNegatives <= room) return undefined;
  return `--num-negatives ${config.numNegatives} cannot fit in the window [--range-min ${config.rangeMin}, --range-max ${config.rangeMax}): at most ${room} negatives per query; raise --range-max to at least ${config.rangeMin + config.numNegatives} or lower --num-negatives`;
}
