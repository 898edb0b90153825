import { readMany, type CorpusTexts, type Dataset } from '../core/dataset.ts';
import { PAIR_GIVEN, PAIR_POSITIVE, type CandidatePlan } from './candidate-plan.ts';
import { rowNegativeScores, type MinedQuery, type OutputLayout, type ScoredText } from './layouts.ts';
import { emptyRemovalCounts, pickFromWindow, REMOVAL_REASONS, thresholdReason, type SelectionConfig } from './select.ts';
import { MiningStats } from './stats.ts';

export interface MineContext {
  dataset: Dataset;
  /** Corpus documents' texts as written (title joined), from the one list the run holds; read a block at a time. */
  passages: CorpusTexts;
  selection: SelectionConfig;
  layout: OutputLayout;
  /** Queries with fewer negatives are left out of the output (and counted). */
  minNegatives: number;
}

/**
 * Selects the negatives of the plan's queries with sentence-transformers' mine_hard_negatives semantics —
 * thresholds against the minimum positive score, survivors ranked by score, the [rangeMin, rangeMax) window, top
 * or seeded random sampling — over the plan's pairs (the identity and repeat checks already ran when planning).
 * `ceScores[i]` is the cross-encoder score of the plan's pair i; undefined when no cross-encoder runs. Nothing is
 * backfilled. Rows come out in query order, queries with fewer than minNegatives negatives left out.
 */
export function mineQueries(context: MineContext, plan: CandidatePlan, ceScores: Float32Array | undefined): { mined: MinedQuery[]; stats: MiningStats } {
  const { dataset, selection } = context;
  const stats = new MiningStats(emptyRemovalCounts());
  stats.candidates += plan.candidates;
  for (const reason of REMOVAL_REASONS) stats.removed[reason] += plan.removed[reason];
  const mined: MinedQuery[] = [];
  // Texts are filled in at the end, all of the block's in one read of the store (in file order).
  const needText: ScoredText[] = [];
  const needDocs: number[] = [];
  // The block's query texts in one read (a store on disk reads them in file order).
  const queryTexts = readMany(dataset.queries.texts, Int32Array.from({ length: plan.count }, (_, row) => plan.start + row));
  const scoreOf = ceScores === undefined ? (i: number) => plan.biScores[i] ?? Number.NaN : (i: number) => ceScores[i] ?? Number.NaN;
  for (let row = 0; row < plan.count; row += 1) {
    const query = plan.start + row;
    const inputScores = dataset.teacherScores?.[query];
    const scoredText = (i: number, given: boolean): ScoredText => {
      const doc = plan.docs[i] ?? -1;
      const inputScore = given ? inputScores?.get(doc) : undefined;
      const scored: ScoredText = { id: dataset.corpus.ids.at(doc) ?? '', text: '', score: scoreOf(i), biScore: plan.biScores[i] ?? Number.NaN };
      if (inputScore !== undefined) scored.inputScore = inputScore;
      needText.push(scored);
      needDocs.push(doc);
      return scored;
    };
    const from = plan.offsets[row] ?? 0;
    const to = plan.offsets[row + 1] ?? from;
    const positives: ScoredText[] = [];
    const negatives: ScoredText[] = [];
    let minPositiveScore = Number.POSITIVE_INFINITY;
    let i = from;
    for (; i < to && plan.kinds[i] === PAIR_POSITIVE; i += 1) {
      positives.push(scoredText(i, true));
      minPositiveScore = Math.min(minPositiveScore, scoreOf(i));
      const rank = plan.ranks[i] ?? 0;
      stats.addPositiveRank(rank === 0 ? undefined : rank);
    }
    for (; i < to && plan.kinds[i] === PAIR_GIVEN; i += 1) negatives.push(scoredText(i, true));
    const relabeled: ScoredText[] = [];
    const survivors: number[] = [];
    for (; i < to; i += 1) {
      const score = scoreOf(i);
      if (selection.relabel && ceScores !== undefined && score >= minPositiveScore) {
        stats.removed.relabeled += 1;
        relabeled.push(scoredText(i, false));
        continue;
      }
      const reason = thresholdReason(score, minPositiveScore, selection);
      if (reason !== undefined) {
        stats.removed[reason] += 1;
        continue;
      }
      survivors.push(i);
    }
    // Stable sort: equal scores keep retrieval order, so output is deterministic.
    survivors.sort((a, b) => scoreOf(b) - scoreOf(a) || a - b);
    const queryId = dataset.queries.ids.at(query) ?? '';
    const selected = plan.mined[row] === 1 ? pickFromWindow(survivors, queryId, dataset.positives.count(query), selection) : [];
    for (const pair of selected) negatives.push(scoredText(pair, false));
    const extras = dataset.extras?.[query];
    const result: MinedQuery = {
      queryId,
      query: queryTexts[row] ?? '',
      positives,
      negatives,
      relabeled,
      ...(extras === undefined ? {} : { extras }),
    };
    const written = negatives.length >= context.minNegatives;
    stats.addQuery({
      positiveScores: positives.map((p) => p.score),
      rowNegativeScores: written ? rowNegativeScores(context.layout, result, selection.numNegatives) : [],
      minedNegatives: plan.mined[row] === 1 ? selected.length : undefined,
      negatives: negatives.length,
      relabeled: relabeled.length,
      written,
    });
    if (written) mined.push(result);
  }
  readMany(context.passages, needDocs).forEach((text, k) => {
    const scored = needText[k];
    if (scored !== undefined) scored.text = text ?? '';
  });
  return { mined, stats };
}
