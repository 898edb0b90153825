import { passageText, type Dataset, type TitleJoin } from '../../core/dataset.ts';
import type { MinedQuery, ScoredText } from '../../mine/layouts.ts';
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
}

/** Selects every query's negatives and gathers the statistics; queries come out in input order. */
export function mineQueries(context: MineContext): { mined: MinedQuery[]; stats: MiningStats } {
  const { dataset, queries, corpus, hits, ceScores, selection } = context;
  const stats = new MiningStats(emptyRemovalCounts());
  const mined: MinedQuery[] = [];
  dataset.queries.ids.forEach((queryId, query) => {
    const check = context.checks[query] ?? (() => undefined);
    const scored = ceScores?.get(query);
    const scoreOf = (doc: number, bi: number): { score: number; rescored: boolean } => {
      if (ceScores === undefined) return { score: bi, rescored: true };
      const ce = scored?.get(doc);
      return ce === undefined ? { score: bi, rescored: false } : { score: ce, rescored: true };
    };
    const scoredText = (doc: number, bi: number, score: number): ScoredText => ({
      id: dataset.corpus.ids[doc] ?? '',
      text: passageText(dataset.corpus, doc, context.titleJoin),
      score,
      biScore: bi,
    });

    const positives = (dataset.positives[query] ?? []).map(({ doc }) => {
      const bi = biScore(queries, query, corpus, doc);
      return scoredText(doc, bi, scoreOf(doc, bi).score);
    });
    const minPositiveScore = Math.min(...positives.map((p) => p.score));
    const results = retrieved(hits, query);
    const rankOf = new Map(results.map((r) => [r.doc, r.rank]));
    for (const { doc } of dataset.positives[query] ?? []) stats.addPositiveRank(rankOf.get(doc));

    const given = context.givenNegatives === 'replace' ? [] : (dataset.givenNegatives[query] ?? []);
    const keptGiven: Candidate[] = [];
    const givenKeys = new Set<string>();
    for (const doc of given) {
      const exclusion = check(doc);
      if (exclusion !== undefined) {
        stats.removed[exclusion] += 1;
        continue;
      }
      const key = context.keys.of(doc);
      if (givenKeys.has(key)) continue;
      givenKeys.add(key);
      const bi = biScore(queries, query, corpus, doc);
      keptGiven.push({ doc, biScore: bi, ...scoreOf(doc, bi) });
    }

    let selected: Candidate[] = [];
    let relabeled: Candidate[] = [];
    if (!(context.givenNegatives === 'keep' && given.length > 0)) {
      const candidates = results
        .filter((r) => !givenKeys.has(context.keys.of(r.doc)))
        .map((r) => ({ doc: r.doc, biScore: r.biScore, ...scoreOf(r.doc, r.biScore) }));
      const selection_ = selectNegatives({ query, candidates, minPositiveScore, excluded: check, textKey: (doc) => context.keys.of(doc) }, selection, stats.removed);
      selected = selection_.negatives;
      relabeled = selection_.relabeled;
    }
    const negatives = [...keptGiven, ...selected].map((c) => scoredText(c.doc, c.biScore, c.score));
    stats.addQuery(
      positives.map((p) => p.score),
      negatives.map((n) => n.score),
      relabeled.length,
    );
    mined.push({ queryId, query: dataset.queries.texts[query] ?? '', positives, negatives, relabeled: relabeled.map((c) => scoredText(c.doc, c.biScore, c.score)) });
  });
  return { mined, stats };
}
