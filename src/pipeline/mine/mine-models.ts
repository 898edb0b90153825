import type { Logger } from '../../core/logger.ts';
import type { EmbeddingCache } from '../../io/embedding-cache.ts';
import type { BiEncoder } from '../../model/bi-encoder.ts';
import { CrossEncoder } from '../../model/cross-encoder.ts';
import { sessionThreads } from '../../model/execution-provider.ts';
import { openBiEncoder } from '../bi-encoder-loader.ts';
import { batchLimitsFor } from '../embed.ts';
import { logModelLoaded } from '../resolve-model.ts';
import type { ModelsOutputs } from '../stages/models.ts';
import { lazy, openCache } from './mine-setup.ts';
import type { MineRequest } from './mine-request.ts';
import type { StageTimer } from './stage-timer.ts';

export interface MineModels {
  cache: EmbeddingCache | undefined;
  biEncoder: { get: () => Promise<BiEncoder> };
  /** Runs the embedding stages, then releases the bi-encoder if one was loaded. */
  withBiEncoder<T>(work: () => Promise<T>): Promise<T>;
  /** Loads the cross-encoder (the caller releases it). */
  crossEncoder: () => Promise<CrossEncoder>;
}

/** The models of a mine run, each loaded into onnxruntime only when a chunk that needs it is not stored. */
export async function mineModels(request: MineRequest, models: ModelsOutputs, timer: StageTimer, log: Logger): Promise<MineModels> {
  const { target, files } = models;
  const threads = request.model.threads === undefined ? {} : { threads: request.model.threads };
  const biEncoder = lazy(() =>
    timer.time('load_models', async () => {
      const encoder = await openBiEncoder(files, {
        target,
        batch: batchLimitsFor(request.model, target, files),
        normalize: true,
        ...(request.model.truncateDim === undefined ? {} : { truncateDim: request.model.truncateDim }),
        ...threads,
        ...(request.model.maxLength === undefined ? {} : { maxLength: request.model.maxLength }),
      });
      logModelLoaded(log, files, encoder.weights, sessionThreads(target, request.model.threads));
      return encoder;
    }),
  );
  const ce = request.crossEncoder;
  return {
    cache: request.cacheDir === undefined ? undefined : await openCache(request.cacheDir, log),
    biEncoder,
    async withBiEncoder(work) {
      try {
        return await work();
      } finally {
        await biEncoder.made()?.release();
      }
    },
    crossEncoder: () =>
      timer.time('load_models', async () => {
        const ceFiles = models.ceFiles;
        if (ce === undefined || ceFiles === undefined) throw new RangeError('mine: no cross-encoder was requested');
        const crossEncoder = await CrossEncoder.load(ceFiles, { target, batch: batchLimitsFor(request.model, target), ...(ce.activation === undefined ? {} : { activation: ce.activation }), ...threads });
        logModelLoaded(log, ceFiles, crossEncoder.weights, sessionThreads(target, request.model.threads));
        const { numLabels, activation, activationSource } = crossEncoder.config;
        const scoring = numLabels === 2 ? 'probability of label 1 (softmax)' : `${activation} of the logit (${activationSource})`;
        log.child({ stage: 'rerank' }).info({ event: 'ce_activation', labels: numLabels, activation: numLabels === 2 ? 'softmax' : activation, source: activationSource }, `cross-encoder scores: ${scoring}`);
        return crossEncoder;
      }),
  };
}
