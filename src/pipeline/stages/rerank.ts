import type { Logger } from '../../core/logger.ts';
import type { CandidatePlan } from '../../mine/candidate-plan.ts';
import type { CrossEncoder } from '../../model/cross-encoder.ts';
import { nameNonFiniteInput } from '../../model/non-finite.ts';
import { scoreChunk, scoresOf } from '../../workdir/chunk-kinds.ts';
import type { StageWork } from '../../workdir/work-dir.ts';
import { rerankStage as scorePlans } from '../mine/rerank.ts';

export interface RerankInputs {
  blocks: number;
  /** The candidate plan of query block b (computed on demand: a stored block needs only its pair count). */
  plan: (block: number) => CandidatePlan;
  texts: { query: (query: number) => string; passage: (doc: number) => string };
  /** Loads the cross-encoder the first time a block is not stored. */
  encoder: () => Promise<CrossEncoder>;
  describePair: (plan: CandidatePlan, pair: number) => string;
}

/**
 * Cross-encoder scores of every plan's pairs, block by block; a block stored in the work directory is reused when
 * it holds exactly the plan's pair count (the plan is a pure function of the upstream stages and the settings).
 */
export async function rerankStage(inputs: RerankInputs, work: StageWork, log: Logger): Promise<Float32Array[]> {
  const scores: Float32Array[] = [];
  let encoder: CrossEncoder | undefined;
  try {
    for (let block = 0; block < inputs.blocks; block += 1) {
      const plan = inputs.plan(block);
      const stored = await work.load(block).then((data) => (data === undefined ? undefined : scoresOf(data, plan.docs.length)));
      if (stored !== undefined) {
        scores.push(stored);
        continue;
      }
      encoder ??= await inputs.encoder();
      const [computed] = await nameNonFiniteInput(scorePlans(encoder, [plan], inputs.texts, log), (pair) => inputs.describePair(plan, pair));
      const blockScores = computed ?? new Float32Array(0);
      await work.save(block, () => scoreChunk(blockScores));
      scores.push(blockScores);
    }
  } finally {
    await encoder?.release();
  }
  return scores;
}
