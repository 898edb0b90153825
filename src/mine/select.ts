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
  rangeMax: number;
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

/** One retrieved candidate: `score` is what the rules compare (cross-encoder when used, else bi-encoder). */
export interface Candidate {
  doc: number;
  score: number;
  biScore: number;
  /** False when a cross-encoder is in use but this candidate was beyond --ce-candidates. */
  rescored: boolean;
}

export interface QueryCandidates {
  query: number;
  /** In retrieval order (bi-encoder rank). */
  candidates: readonly Candidate[];
  /** The query's lowest positive score, in the same score space as Candidate.score. */
  minPositiveScore: number;
  /** Identity and duplicate checks, answered by the pipeline (ids, normalized texts, vectors). */
  excluded: (doc: number) => 'positive_id' | 'positive_text' | 'query_text' | 'near_duplicate' | undefined;
  /** Key under which two candidates count as the same text (normalized text). */
  textKey: (doc: number) => string;
}

export interface Selection {
  negatives: Candidate[];
  relabeled: Candidate[];
}

export type RemovalCounts = Record<RemovalReason, number>;

export function emptyRemovalCounts(): RemovalCounts {
  return Object.fromEntries(REMOVAL_REASONS.map((reason) => [reason, 0])) as RemovalCounts;
}

function thresholdReason(candidate: Candidate, pos: number, config: SelectionConfig): RemovalReason | undefined {
  const { score } = candidate;
  if (config.ceMaxScore !== undefined && score >= config.ceMaxScore) return 'ce_max_score';
  if (config.absoluteMargin !== undefined && score + config.absoluteMargin > pos) return 'absolute_margin';
  if (config.relativeMargin !== undefined && score > pos - Math.abs(pos) * config.relativeMargin) return 'relative_margin';
  if (config.maxScore !== undefined && score > config.maxScore) return 'max_score';
  if (config.minScore !== undefined && score < config.minScore) return 'min_score';
  return undefined;
}

/**
 * Picks one query's negatives with sentence-transformers' mine_hard_negatives semantics — thresholds against the
 * minimum positive score, survivors ranked by score, the [rangeMin, rangeMax) window, top or seeded random
 * sampling — plus negmine's own exclusions (positive copies, near-duplicates, the query itself, repeats).
 * Only candidates that passed every check can be chosen: nothing is backfilled.
 */
export function selectNegatives(input: QueryCandidates, config: SelectionConfig, removed: RemovalCounts): Selection {
  const survivors: Candidate[] = [];
  const relabeled: Candidate[] = [];
  const seenText = new Set<string>();
  const seenDoc = new Set<number>();
  for (const candidate of input.candidates) {
    if (seenDoc.has(candidate.doc)) continue;
    seenDoc.add(candidate.doc);
    const identity = input.excluded(candidate.doc);
    if (identity !== undefined) {
      removed[identity] += 1;
      continue;
    }
    const key = input.textKey(candidate.doc);
    if (seenText.has(key)) {
      removed.repeated_text += 1;
      continue;
    }
    seenText.add(key);
    if (!candidate.rescored) {
      removed.not_rescored += 1;
      continue;
    }
    if (config.relabel && candidate.score >= input.minPositiveScore) {
      removed.relabeled += 1;
      relabeled.push(candidate);
      continue;
    }
    const reason = thresholdReason(candidate, input.minPositiveScore, config);
    if (reason !== undefined) {
      removed[reason] += 1;
      continue;
    }
    survivors.push(candidate);
  }
  // Stable sort: equal scores keep retrieval order, so output is deterministic.
  const ranked = survivors.map((candidate, order) => ({ candidate, order })).sort((a, b) => b.candidate.score - a.candidate.score || a.order - b.order);
  const window = ranked.slice(config.rangeMin, config.rangeMax).map((entry) => entry.candidate);
  if (config.sampling === 'top') return { negatives: window.slice(0, config.numNegatives), relabeled };
  const picked = sampleIndices(window.length, config.numNegatives, seededRandom(querySeed(config.seed, input.query)));
  const negatives = picked.sort((a, b) => a - b).map((i) => window[i]).filter((c): c is Candidate => c !== undefined);
  return { negatives, relabeled };
}

/** sentence-transformers' default range_max: room for the positives, the skipped top, and x10 negatives when thresholds may reject many. */
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
