import type { CorpusTexts, Dataset } from '../../core/dataset.ts';
import { hashCorpus, type ExpectedFingerprint } from '../../core/index-fingerprint.ts';
import type { Logger } from '../../core/logger.ts';
import { EmbeddingCache } from '../../io/embedding-cache.ts';
import type { CandidatePlan } from '../../mine/candidate-plan.ts';
import { defaultRangeMax, windowShortfall, type SelectionConfig } from '../../mine/select.ts';
import type { ModelsOutputs } from '../stages/models.ts';
import type { MineRequest } from './mine-request.ts';

/** Warnings about flags that work but probably do not do what was meant; logged before any work. */
export function warnAboutFlags(request: MineRequest, log: Logger): void {
  const shortfall = windowShortfall(request.selection);
  if (shortfall !== undefined) log.warn({ event: 'window_too_small', numNegatives: request.selection.numNegatives, rangeMin: request.selection.rangeMin, rangeMax: request.selection.rangeMax }, shortfall);
  const { selection } = request;
  const filters = [selection.absoluteMargin, selection.relativeMargin, selection.maxScore, selection.minScore, selection.ceMaxScore];
  if (request.crossEncoder !== undefined && filters.every((value) => value === undefined) && !selection.relabel) {
    log.warn(
      { event: 'cross_encoder_without_filter' },
      '--cross-encoder without --absolute-margin, --relative-margin, --max-score, --min-score, --ce-max-score or --relabel only reorders candidates and removes no false negatives (e.g. add --relative-margin 0.05)',
    );
  }
}

/** The selection settings with range-max resolved: without --range-max each query's window makes room for its own positives. */
export function resolveSelection(request: MineRequest): SelectionConfig {
  return request.selection.rangeMax === undefined
    ? { ...request.selection, rangeMax: defaultRangeMax(request.selection, 0), rangeMaxAddsPositives: true }
    : { ...request.selection, rangeMax: request.selection.rangeMax };
}

/** What an index written by --save-index (or read by --load-index) must match. */
export function indexFingerprint(request: MineRequest, models: ModelsOutputs, dataset: Dataset, passages: CorpusTexts, dim: number): ExpectedFingerprint {
  const usesIndexFiles = request.index.save !== undefined || request.index.load !== undefined;
  return {
    model: request.model.model,
    modelSha256: models.digest?.modelSha256 ?? '',
    tokenizerSha256: models.digest?.tokenizerSha256 ?? '',
    dim,
    normalize: true,
    pooling: models.config.pooling.join('+'),
    maxLength: models.config.maxLength,
    truncateDim: request.model.truncateDim ?? 0,
    ...(request.model.vectorDtype === undefined || request.model.vectorDtype === 'float32' ? {} : { vectorDtype: request.model.vectorDtype }),
    passagePrefix: models.prefixes.passage,
    corpusSize: dataset.corpus.ids.length,
    corpusSha256: usesIndexFiles ? hashCorpus(dataset.corpus.ids, passages) : '',
    ...(request.index.factory === undefined && request.index.load !== undefined ? {} : { factory: request.index.factory ?? 'Flat' }),
  };
}

export async function openCache(dir: string, log: Logger): Promise<EmbeddingCache> {
  const { cache, removedTemps } = await EmbeddingCache.open(dir);
  if (removedTemps.length > 0) {
    log.child({ stage: 'embed' }).info({ event: 'cache_stale_temps_removed', cacheDir: dir, files: removedTemps }, `removed ${removedTemps.length} temp files that dead negmine processes left in the embedding cache`);
  }
  return cache;
}

/** A value built on first use, once (models and indexes are loaded only when some chunk must be computed). */
export function lazy<T>(make: () => Promise<T>): { get: () => Promise<T>; made: () => T | undefined } {
  let value: T | undefined;
  let pending: Promise<T> | undefined;
  return {
    get: () => (pending ??= make().then((made) => (value = made))),
    made: () => value,
  };
}

/** The (query, document) of pair i of a plan. */
export function planPair(plan: CandidatePlan, i: number): { query: number; doc: number } {
  let row = 0;
  while ((plan.offsets[row + 1] ?? 0) <= i && row < plan.count) row += 1;
  return { query: plan.start + row, doc: plan.docs[i] ?? -1 };
}
