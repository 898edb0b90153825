import type { Logger } from '../../core/logger.ts';
import type { CandidatePlan } from '../../mine/candidate-plan.ts';
import type { CrossEncoder, TextPair } from '../../model/cross-encoder.ts';
import { stageProgress } from '../progress.ts';

/**
 * Scores every pair of a candidate plan with the cross-encoder; the scores come back aligned with the plan's pairs.
 * Pair texts are read as the cross-encoder tokenizes them, a chunk at a time, not gathered up front.
 */
export async function scorePlan(encoder: CrossEncoder, plan: CandidatePlan, texts: { query: (query: number) => string; passage: (doc: number) => string }, log: Logger): Promise<Float32Array> {
  const started = performance.now();
  const total = plan.docs.length;
  const progress = stageProgress(log, { label: `rerank queries ${plan.start}-${plan.start + plan.count - 1}`, total });
  function* pairs(): Generator<TextPair> {
    for (let row = 0; row < plan.count; row += 1) {
      const query = texts.query(plan.start + row);
      for (let i = plan.offsets[row] ?? 0; i < (plan.offsets[row + 1] ?? 0); i += 1) yield [query, texts.passage(plan.docs[i] ?? -1)] as const;
    }
  }
  const scores = await encoder.score(pairs(), {
    total,
    onProgress: ({ done }) => {
      progress.update(done);
    },
  });
  progress.finish();
  const seconds = (performance.now() - started) / 1000;
  log.info({ event: 'stage_end', pairs: total, seconds: Math.round(seconds * 100) / 100, pairsPerSecond: Math.round((total / Math.max(seconds, 1e-6)) * 10) / 10 }, `reranked ${total} pairs of queries ${plan.start}-${plan.start + plan.count - 1}`);
  return scores;
}
