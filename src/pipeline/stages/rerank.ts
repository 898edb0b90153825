import type { Logger } from '../../core/logger.ts';
import type { CandidatePlan } from '../../mine/candidate-plan.ts';
import type { CrossEncoder } from '../../model/cross-encoder.ts';
import { nameNonFiniteInput } from '../../model/non-finite.ts';
import { scoreChunk, scoresOf } from '../../workdir/chunk-kinds.ts';
import type { StageWork } from '../../workdir/work-dir.ts';
import { scorePlan } from '../mine/rerank.ts';

export interface RerankInputs {
  texts: { query: (query: number) => string; passage: (doc: number) => string };
  /** Loads the cross-encoder the first time a block is not stored. */
  encoder: () => Promise<CrossEncoder>;
  describePair: (plan: CandidatePlan, pair: number) => string;
}

/** Cross-encoder scores of query block b's plan, aligned with its pairs. */
export interface ScoreSource {
  scores(block: number, plan: CandidatePlan): Promise<Float32Array>;
  /** Releases the cross-encoder. */
  release(): Promise<void>;
}

/**
 * Cross-encoder scores block by block as they are asked for; a block stored in the work directory is reused when it
 * holds exactly the plan's pair count (the plan is a pure function of the upstream stages and the settings).
 */
export function rerankStage(inputs: RerankInputs, work: StageWork, log: Logger): ScoreSource {
  let encoder: CrossEncoder | undefined;
  return {
    async scores(block, plan) {
      const stored = await work.load(block).then((data) => (data === undefined ? undefined : scoresOf(data, plan.docs.length)));
      if (stored !== undefined) return stored;
      encoder ??= await inputs.encoder();
      const blockScores = await nameNonFiniteInput(scorePlan(encoder, plan, inputs.texts, log), (pair) => inputs.describePair(plan, pair));
      await work.save(block, () => scoreChunk(blockScores));
      return blockScores;
    },
    async release() {
      await encoder?.release();
      encoder = undefined;
    },
  };
}
