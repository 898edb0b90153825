import { passageText, type Dataset, type TitleJoin } from '../../core/dataset.ts';
import type { Logger } from '../../core/logger.ts';
import type { CrossEncoder } from '../../model/cross-encoder.ts';
import { stageProgress } from '../progress.ts';

/** Scores the planned (query, document) pairs with the cross-encoder in one globally length-sorted pass. */
export async function rerankStage(
  encoder: CrossEncoder,
  dataset: Dataset,
  titleJoin: TitleJoin,
  pairs: readonly { query: number; doc: number }[],
  log: Logger,
): Promise<Map<number, Map<number, number>>> {
  const started = performance.now();
  const progress = stageProgress(log, { label: 'rerank', total: pairs.length });
  const texts = pairs.map(({ query, doc }) => [dataset.queries.texts[query] ?? '', passageText(dataset.corpus, doc, titleJoin)] as const);
  const scores = await encoder.score(texts, { onProgress: ({ done }) => {
      progress.update(done);
    },
  });
  progress.finish();
  const byQuery = new Map<number, Map<number, number>>();
  pairs.forEach(({ query, doc }, i) => {
    let forQuery = byQuery.get(query);
    if (forQuery === undefined) {
      forQuery = new Map();
      byQuery.set(query, forQuery);
    }
    forQuery.set(doc, scores[i] ?? Number.NaN);
  });
  const seconds = (performance.now() - started) / 1000;
  log.info({ event: 'stage_end', pairs: pairs.length, seconds: Math.round(seconds * 100) / 100, pairsPerSecond: Math.round((pairs.length / Math.max(seconds, 1e-6)) * 10) / 10 }, `reranked ${pairs.length} pairs`);
  return byQuery;
}
