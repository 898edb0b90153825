import { passageText, type Dataset, type TitleJoin } from '../../core/dataset.ts';
import { rowNegativeScores, type MinedQuery, type OutputLayout, type ScoredText } from '../../mine/layouts.ts';
import { emptyRemovalCounts, selectNegatives, type Candidate, type SelectionConfig } from '../../mine/select.ts';
import { MiningStats } from '../../mine/stats.ts';
import { biScore, retrieved, type GivenNegativesMode, type SearchHits } from './candidates.ts';
import type { IdentityExclusion, Matrix, TextKeys } from './query-context.ts';

export interface MineContext {
  dataset: Dataset;
  titleJoin: TitleJoin;
  queries: Matrix;
  corpus: Matrix;
  hits: SearchHits;
  checks: readonly ((doc: number) => IdentityExclusion | undefined)[];
  keys: TextKeys;
  /** Cross-encoder scores by query, then document; undefined when no cross-encoder runs. */
  ceScores: Map<number, Map<number, number>> | undefined;
  selection: SelectionConfig;
  givenNegatives: GivenNegativesMode;
  layout: OutputLayout;
  /** Queries with fewer negatives are left out of the output (and counted). */
  minNegatives: number;
}

/**
 * Selects every query's negatives and gathers the statistics; queries come out in input order, those with fewer
 * than minNegatives negatives left out.
 */
export function mineQueries(context: MineContext): { mined: MinedQuery[]; stats: MiningStats } {
  const { dataset, queries, corpus, hits, ceScores, selection } = context;
  const stats = new MiningStats(emptyRemovalCounts());
  const mined: MinedQuery[] = [];
  dataset.queries.ids.forEach((queryId, query) => {
    const check = context.checks[query] ?? (() => undefined);
    const scored = ceScores?.get(query);
    const inputScores = dataset.teacherScores?.[query];
    const scoreOf = (doc: number, bi: number): { score: number; rescored: boolean } => {
      if (ceScores === undefined) return { score: bi, rescored: true };
      const ce = scored?.get(doc);
      return ce === undefined ? { score: bi, rescored: false } : { score: ce, rescored: true };
    };
    const scoredText = (doc: number, bi: number, score: number, given: boolean): ScoredText => {
      const inputScore = given ? inputScores?.get(doc) : undefined;
      return {
        id: dataset.corpus.ids[doc] ?? '',
        text: passageText(dataset.corpus, doc, context.titleJoin),
        score,
        biScore: bi,
        ...(inputScore === undefined ? {} : { inputScore }),
      };
    };

    const positives = (dataset.positives[query] ?? []).map(({ doc }) => {
      const bi = biScore(queries, query, corpus, doc);
      return scoredText(doc, bi, scoreOf(doc, bi).score, true);
    });
    let minPositiveScore = Number.POSITIVE_INFINITY;
    for (const p of positives) minPositiveScore = Math.min(minPositiveScore, p.score);
    const results = retrieved(hits, query);
    const rankOf = new Map(results.map((r) => [r.doc, r.rank]));
    for (const { doc } of dataset.positives[query] ?? []) stats.addPositiveRank(rankOf.get(doc));

    const given = context.givenNegatives === 'replace' ? [] : (dataset.givenNegatives[query] ?? []);
    const keptGiven: Candidate[] = [];
    const givenKeys = new Set<string>();
    for (const doc of given) {
      stats.candidates += 1;
      const exclusion = check(doc);
      if (exclusion !== undefined) {
        stats.removed[exclusion] += 1;
        continue;
      }
      const key = context.keys.of(doc);
      if (givenKeys.has(key)) {
        stats.removed.repeated_text += 1;
        continue;
      }
      givenKeys.add(key);
      const bi = biScore(queries, query, corpus, doc);
      keptGiven.push({ doc, biScore: bi, ...scoreOf(doc, bi) });
    }

    let selected: Candidate[] = [];
    let relabeled: Candidate[] = [];
    const minedHere = !(context.givenNegatives === 'keep' && given.length > 0);
    if (minedHere) {
      // Given negatives are already in; the window ranks the other candidates, so merge still mines --num-negatives new ones.
      const candidates = results.filter((r) => !givenKeys.has(context.keys.of(r.doc))).map((r) => ({ doc: r.doc, biScore: r.biScore, ...scoreOf(r.doc, r.biScore) }));
      stats.candidates += candidates.length;
      const selection_ = selectNegatives({ query, candidates, minPositiveScore, excluded: check, textKey: (doc) => context.keys.of(doc) }, selection, stats.removed);
      selected = selection_.negatives;
      relabeled = selection_.relabeled;
    }
    const negatives = [...keptGiven.map((c) => scoredText(c.doc, c.biScore, c.score, true)), ...selected.map((c) => scoredText(c.doc, c.biScore, c.score, false))];
    const extras = dataset.extras?.[query];
    const result: MinedQuery = {
      queryId,
      query: dataset.queries.texts[query] ?? '',
      positives,
      negatives,
      relabeled: relabeled.map((c) => scoredText(c.doc, c.biScore, c.score, false)),
      ...(extras === undefined ? {} : { extras }),
    };
    const written = negatives.length >= context.minNegatives;
    stats.addQuery({
      positiveScores: positives.map((p) => p.score),
      rowNegativeScores: written ? rowNegativeScores(context.layout, result, selection.numNegatives) : [],
      minedNegatives: minedHere ? selected.length : undefined,
      negatives: negatives.length,
      relabeled: relabeled.length,
      written,
    });
    if (written) mined.push(result);
  });
  return { mined, stats };
}
