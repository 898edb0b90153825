import type { Logger } from '../../core/logger.ts';
import type { CandidatePlan } from '../../mine/candidate-plan.ts';
import type { CrossEncoder, PairTexts } from '../../model/cross-encoder.ts';
import { stageProgress } from '../progress.ts';

/**
 * Scores every pair of the candidate plans with the cross-encoder in one globally length-sorted pass; the scores
 * come back aligned with each plan's pairs.
 */
export async function rerankStage(
  encoder: CrossEncoder,
  plans: readonly CandidatePlan[],
  texts: { query: (query: number) => string; passage: (doc: number) => string },
  log: Logger,
): Promise<Float32Array[]> {
  const started = performance.now();
  let total = 0;
  for (const plan of plans) total += plan.docs.length;
  const progress = stageProgress(log, { label: 'rerank', total });
  // Pairs as (query, doc) indices; their texts are read chunk by chunk while scoring.
  const pairQueries = new Int32Array(total);
  const pairDocs = new Int32Array(total);
  let filled = 0;
  for (const plan of plans) {
    for (let row = 0; row < plan.count; row += 1) {
      for (let i = plan.offsets[row] ?? 0; i < (plan.offsets[row + 1] ?? 0); i += 1) {
        pairQueries[filled] = plan.start + row;
        pairDocs[filled] = plan.docs[i] ?? -1;
        filled += 1;
      }
    }
  }
  const pairs: PairTexts = { length: filled, at: (i) => (i >= 0 && i < filled ? [texts.query(pairQueries[i] ?? -1), texts.passage(pairDocs[i] ?? -1)] : undefined) };
  const scores = await encoder.score(pairs, { onProgress: ({ done }) => {
      progress.update(done);
    },
  });
  progress.finish();
  let next = 0;
  const aligned = plans.map((plan) => {
    const out = new Float32Array(plan.docs.length);
    for (let i = 0; i < out.length; i += 1) out[i] = scores[next + i] ?? Number.NaN;
    next += out.length;
    return out;
  });
  const seconds = (performance.now() - started) / 1000;
  log.info({ event: 'stage_end', pairs: total, seconds: Math.round(seconds * 100) / 100, pairsPerSecond: Math.round((total / Math.max(seconds, 1e-6)) * 10) / 10 }, `reranked ${total} pairs`);
  return aligned;
}
