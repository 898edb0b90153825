import { passageText, type Dataset, type TitleJoin } from '../../core/dataset.ts';
import { NegmineError } from '../../core/errors.ts';
import { hashCorpus, type ExpectedFingerprint } from '../../core/index-fingerprint.ts';
import type { Logger } from '../../core/logger.ts';
import { loadDataset, type DatasetInput } from '../../io/dataset/load-dataset.ts';
import { EmbeddingCache } from '../../io/embedding-cache.ts';
import { modelDigest } from '../../io/model-digest.ts';
import type { OutputFormat } from '../../io/output/open-table-writer.ts';
import { writeJsonFile } from '../../io/output/json-file.ts';
import { type OutputLayout } from '../../mine/layouts.ts';
import { defaultRangeMax, windowShortfall, type ExclusionMode, type SelectionConfig } from '../../mine/select.ts';
import type { BiEncoder } from '../../model/bi-encoder.ts';
import { CrossEncoder, type CeActivation } from '../../model/cross-encoder.ts';
import { sessionThreads } from '../../model/execution-provider.ts';
import { checkModelRole } from '../../model/model-fit.ts';
import { nameNonFiniteInput } from '../../model/non-finite.ts';
import { resolvePrefixes } from '../../model/prompts.ts';
import { selectDevice } from '../device.ts';
import { batchLimitsFor, type ModelRunSettings } from '../embed.ts';
import { stageProgress } from '../progress.ts';
import { checkMineOutputs } from '../output-checks.ts';
import { biEncoderSettings, checkBiEncoderFit, openBiEncoder } from '../bi-encoder-loader.ts';
import { logModelLoaded, resolveBiEncoderFiles, resolveModelFiles } from '../resolve-model.ts';
import { blockDepth, planBlock, queryDepth, type CandidatePlan, type GivenNegativesMode } from '../../mine/candidate-plan.ts';
import { TextKeys } from '../../mine/identity.ts';
import { mineQueries } from '../../mine/mine-queries.ts';
import { MiningStats } from '../../mine/stats.ts';
import { emptyRemovalCounts } from '../../mine/select.ts';
import type { HitBlock } from '../../core/hits.ts';
import { embedStage } from './embed-stage.ts';
import { indexStage, type IndexSettings, type Searcher } from './index-stage.ts';
import type { VectorChunks } from '../../core/vector-chunks.ts';
import { formatMiningReport } from './report.ts';
import { outputPlan, writeMined } from './write-stage.ts';
import { rerankStage } from './rerank.ts';
import { StageTimer } from './stage-timer.ts';

export interface MineRequest {
  input: DatasetInput;
  titleJoin: TitleJoin;
  model: ModelRunSettings;
  /** activation absent: from the model's config.json (crossEncoderActivation). */
  crossEncoder?: { model: string; modelFile?: string; activation?: CeActivation; candidates?: number };
  selection: Omit<SelectionConfig, 'rangeMax'> & { rangeMax?: number };
  dupThreshold: number;
  exclusions: ExclusionMode;
  /** Queries with fewer negatives are left out of the output; undefined: what the layout needs (see minNegativesFor). */
  minNegatives?: number;
  givenNegatives: GivenNegativesMode;
  index: IndexSettings;
  cacheDir?: string;
  output: string;
  outputFormat?: OutputFormat;
  layout: OutputLayout;
  scores: boolean;
  statsJson?: string;
  /** Print the statistics table on stderr. */
  report: boolean;
}

/** Queries searched per call: each block retrieves as deep as its deepest query. */
const SEARCH_BLOCK = 1024;

async function searchBlocks(searcher: Searcher, queries: VectorChunks, dataset: Dataset, selection: SelectionConfig, givenNegatives: GivenNegativesMode, log: Logger): Promise<HitBlock[]> {
  const total = dataset.queries.ids.length;
  const blocks: HitBlock[] = [];
  try {
    const progress = stageProgress(log, { label: 'search', total });
    for (let start = 0; start < total; start += SEARCH_BLOCK) {
      const count = Math.min(SEARCH_BLOCK, total - start);
      const k = blockDepth(dataset, start, count, selection, givenNegatives);
      const hits = await searcher.search(queries.readRows(start, count), k, (done) => {
        progress.update(start + done);
      });
      blocks.push({ start, count, k: hits.k, scores: hits.scores, ids: hits.ids });
      log.debug({ event: 'search_block', start, count, k }, `searched queries ${start}-${start + count - 1} at depth ${k}`);
    }
    progress.finish();
  } finally {
    await searcher.release();
  }
  const deepest = blocks.reduce((k, block) => Math.max(k, block.k), 0);
  log.info({ event: 'stage_end', queries: total, k: deepest, blocks: blocks.length, index: searcher.description }, `searched top ${deepest}`);
  return blocks;
}

/** Per-query retrieval depth over all queries (each query retrieves range-max + its own positives, + its given under merge). */
function depthSummary(dataset: Dataset, selection: SelectionConfig, givenNegatives: GivenNegativesMode): { min: number; mean: number; max: number } {
  const total = dataset.queries.ids.length;
  let min = Number.POSITIVE_INFINITY;
  let max = 0;
  let sum = 0;
  for (let q = 0; q < total; q += 1) {
    const d = queryDepth(dataset, q, selection, givenNegatives);
    min = Math.min(min, d);
    max = Math.max(max, d);
    sum += d;
  }
  return { min: total === 0 ? 0 : min, mean: total === 0 ? 0 : Math.round((sum / total) * 100) / 100, max };
}

/** The (query, document) of pair i counted over all plans, in order. */
function planPair(plans: readonly CandidatePlan[], i: number): { query: number; doc: number } {
  let rest = i;
  for (const plan of plans) {
    if (rest < plan.docs.length) {
      let row = 0;
      while ((plan.offsets[row + 1] ?? 0) <= rest) row += 1;
      return { query: plan.start + row, doc: plan.docs[rest] ?? -1 };
    }
    rest -= plan.docs.length;
  }
  return { query: -1, doc: -1 };
}

async function openCache(dir: string, log: Logger): Promise<EmbeddingCache> {
  const { cache, removedTemps } = await EmbeddingCache.open(dir);
  if (removedTemps.length > 0) {
    log.child({ stage: 'embed' }).info({ event: 'cache_stale_temps_removed', cacheDir: dir, files: removedTemps }, `removed ${removedTemps.length} temp files that dead negmine processes left in the embedding cache`);
  }
  return cache;
}


/** `negmine mine`: read, embed, index, search, rerank, select, write, report. */
export async function runMine(request: MineRequest, log: Logger): Promise<Record<string, unknown>> {
  const timer = new StageTimer();
  await checkMineOutputs(request, log);
  const shortfall = windowShortfall(request.selection);
  if (shortfall !== undefined) log.warn({ event: 'window_too_small', numNegatives: request.selection.numNegatives, rangeMin: request.selection.rangeMin, rangeMax: request.selection.rangeMax }, shortfall);
  const dataset = await timer.time('read', () => loadDataset(request.input, log.child({ stage: 'read' })));
  const corpusSize = dataset.corpus.ids.length;
  log.child({ stage: 'read' }).info({ event: 'stage_end', queries: dataset.queries.ids.length, documents: corpusSize }, 'dataset read');

  const target = await timer.time('load_models', () => selectDevice(request.model.device, log));
  const files = await timer.time('load_models', () => resolveBiEncoderFiles(request.model.model, { log, ...(request.model.modelFile === undefined ? {} : { modelFile: request.model.modelFile }) }));
  // Both models are checked for their role (and the flags) before any embedding: a swapped pair fails here, not after.
  checkBiEncoderFit(files, request.model.maxLength);
  const ceRequest = request.crossEncoder;
  const ceFiles =
    ceRequest === undefined
      ? undefined
      : await timer.time('load_models', () => resolveModelFiles(ceRequest.model, { log, ...(ceRequest.modelFile === undefined ? {} : { modelFile: ceRequest.modelFile }) }));
  if (ceFiles !== undefined) checkModelRole(ceFiles, 'cross-encoder');
  // Mining compares cosines: vectors are always normalized, as in sentence-transformers' mine_hard_negatives.
  const config = biEncoderSettings(files, { normalize: true, ...(request.model.maxLength === undefined ? {} : { maxLength: request.model.maxLength }) });
  const prefixes = resolvePrefixes(config.prompts, request.model);
  const cache = request.cacheDir === undefined ? undefined : await openCache(request.cacheDir, log);
  // Content hashes, not paths, decide whether cached vectors or a saved index fit this run.
  const digest = cache === undefined && request.index.save === undefined && request.index.load === undefined ? undefined : await modelDigest(files);
  let encoder: BiEncoder | undefined;
  const getEncoder = async (): Promise<BiEncoder> => {
    if (encoder !== undefined) return encoder;
    encoder = await timer.time('load_models', () =>
      openBiEncoder(files, {
        target,
        batch: batchLimitsFor(request.model, target, files),
        normalize: true,
        ...(request.model.truncateDim === undefined ? {} : { truncateDim: request.model.truncateDim }),
        ...(request.model.threads === undefined ? {} : { threads: request.model.threads }),
        ...(request.model.maxLength === undefined ? {} : { maxLength: request.model.maxLength }),
      }),
    );
    logModelLoaded(log, files, encoder.weights, sessionThreads(target, request.model.threads));
    return encoder;
  };
  const embedLog = log.child({ stage: 'embed' });
  const passages = dataset.corpus.ids.map((_, doc) => passageText(dataset.corpus, doc, request.titleJoin));
  let corpusVectors: { vectors: VectorChunks; dim: number };
  let queryVectors: { vectors: VectorChunks; dim: number };
  const vectorDtype = request.model.vectorDtype ?? 'float32';
  try {
    const common = { config, truncateDim: request.model.truncateDim, dtype: vectorDtype, digest, cache, encoder: getEncoder, log: embedLog };
    corpusVectors = await timer.time('embed_corpus', () =>
      nameNonFiniteInput(embedStage(passages, { ...common, label: 'embed corpus', prefix: prefixes.passage }), (doc) => `corpus id '${dataset.corpus.ids[doc] ?? doc}'`),
    );
    queryVectors = await timer.time('embed_queries', () =>
      nameNonFiniteInput(embedStage(dataset.queries.texts, { ...common, label: 'embed queries', prefix: prefixes.query }), (query) => `query id '${dataset.queries.ids[query] ?? query}'`),
    );
  } finally {
    await encoder?.release();
  }
  const dim = corpusVectors.dim;
  if (dim === 0) throw new NegmineError('E_MODEL_LOAD', 'the bi-encoder produced 0-dimensional vectors');
  const corpus = corpusVectors.vectors;
  const queries = queryVectors.vectors;

  const usesIndexFiles = request.index.save !== undefined || request.index.load !== undefined;
  const fingerprint: ExpectedFingerprint = {
    model: request.model.model,
    modelSha256: digest?.modelSha256 ?? '',
    tokenizerSha256: digest?.tokenizerSha256 ?? '',
    dim,
    normalize: true,
    pooling: config.pooling.join('+'),
    maxLength: config.maxLength,
    truncateDim: request.model.truncateDim ?? 0,
    ...(vectorDtype === 'float32' ? {} : { vectorDtype }),
    passagePrefix: prefixes.passage,
    corpusSize,
    corpusSha256: usesIndexFiles ? hashCorpus(dataset.corpus.ids, passages) : '',
    ...(request.index.factory === undefined && request.index.load !== undefined ? {} : { factory: request.index.factory ?? 'Flat' }),
  };
  const searcher = await timer.time('index', () =>
    indexStage(corpus, request.index, {
      fingerprint,
      ids: dataset.corpus.ids,
      seed: request.selection.seed,
      target,
      log: log.child({ stage: 'index' }),
      ...(request.model.threads === undefined ? {} : { threads: request.model.threads }),
    }),
  );

  // Without --range-max each query's window makes room for its own positives, not the largest count of any query.
  const selection: SelectionConfig =
    request.selection.rangeMax === undefined ? { ...request.selection, rangeMax: defaultRangeMax(request.selection, 0), rangeMaxAddsPositives: true } : { ...request.selection, rangeMax: request.selection.rangeMax };
  const hitBlocks = await timer.time('search', () => searchBlocks(searcher, queries, dataset, selection, request.givenNegatives, log.child({ stage: 'search' })));
  const depth = depthSummary(dataset, selection, request.givenNegatives);

  const keys = new TextKeys(dataset.corpus.texts, request.exclusions);
  const ce = request.crossEncoder;
  const planSettings = { selection, givenNegatives: request.givenNegatives, dupThreshold: request.dupThreshold, rescoreLimit: ce === undefined ? undefined : (ce.candidates ?? Number.MAX_SAFE_INTEGER) };
  const plans = hitBlocks.map((block) => planBlock({ dataset, queries, corpus, keys, settings: planSettings }, block));
  let ceScores: Float32Array[] | undefined;
  if (ce !== undefined && ceFiles !== undefined) {
    const filters = [selection.absoluteMargin, selection.relativeMargin, selection.maxScore, selection.minScore, selection.ceMaxScore];
    if (filters.every((value) => value === undefined) && !selection.relabel) {
      log.warn(
        { event: 'cross_encoder_without_filter' },
        '--cross-encoder without --absolute-margin, --relative-margin, --max-score, --min-score, --ce-max-score or --relabel only reorders candidates and removes no false negatives (e.g. add --relative-margin 0.05)',
      );
    }
    const crossEncoder = await timer.time('load_models', () =>
      CrossEncoder.load(ceFiles, {
        target,
        batch: batchLimitsFor(request.model, target),
        ...(ce.activation === undefined ? {} : { activation: ce.activation }),
        ...(request.model.threads === undefined ? {} : { threads: request.model.threads }),
      }),
    );
    logModelLoaded(log, ceFiles, crossEncoder.weights, sessionThreads(target, request.model.threads));
    const { numLabels, activation, activationSource } = crossEncoder.config;
    const scoring = numLabels === 2 ? 'probability of label 1 (softmax)' : `${activation} of the logit (${activationSource})`;
    log.child({ stage: 'rerank' }).info({ event: 'ce_activation', labels: numLabels, activation: numLabels === 2 ? 'softmax' : activation, source: activationSource }, `cross-encoder scores: ${scoring}`);
    try {
      const describePair = (i: number): string => {
        const { query, doc } = planPair(plans, i);
        return `the pair of query id '${dataset.queries.ids[query] ?? '?'}' and corpus id '${dataset.corpus.ids[doc] ?? '?'}'`;
      };
      const texts = { query: (query: number) => dataset.queries.texts[query] ?? '', passage: (doc: number) => passages[doc] ?? '' };
      ceScores = await timer.time('rerank', () => nameNonFiniteInput(rerankStage(crossEncoder, plans, texts, log.child({ stage: 'rerank' })), describePair));
    } finally {
      await crossEncoder.release();
    }
  }

  const plan = outputPlan(request.layout, dataset, { scores: request.scores, numNegatives: selection.numNegatives, biScores: ceScores !== undefined, relabeled: selection.relabel }, request.minNegatives);
  const mineContext = { dataset, passage: (doc: number) => passages[doc] ?? '', selection, layout: request.layout, minNegatives: plan.minNegatives };
  const { mined, stats } = await timer.time('select', () => {
    const all = new MiningStats(emptyRemovalCounts());
    const rows = [];
    for (const [b, candidatePlan] of plans.entries()) {
      const block = mineQueries(mineContext, candidatePlan, ceScores?.[b]);
      all.merge(block.stats);
      for (const row of block.mined) rows.push(row);
    }
    return Promise.resolve({ mined: rows, stats: all });
  });
  const rowsWritten = await timer.time('write', () => writeMined(mined, request.output, request.outputFormat, plan, log.child({ stage: 'write' })));
  if (rowsWritten === 0) log.warn({ event: 'empty_output', layout: request.layout }, `no ${request.layout} rows could be written: every query lacks negatives`);
  log.child({ stage: 'write' }).info({ event: 'stage_end', output: request.output, rows: rowsWritten, droppedQueries: stats.droppedFewerNegatives }, `wrote ${rowsWritten} rows`);

  const stageSeconds = timer.toJSON();
  const summary = {
    ...stats.toJSON(selection.numNegatives),
    rows: rowsWritten,
    documents: corpusSize,
    retrievedPerQuery: depth,
    settings: {
      ...selection,
      exclusions: request.exclusions,
      dupThreshold: request.dupThreshold,
      minNegatives: plan.minNegatives,
      givenNegatives: request.givenNegatives,
      crossEncoder: request.crossEncoder?.model ?? null,
      layout: request.layout,
      index: request.index.factory ?? 'exact',
      nprobe: searcher.nprobe ?? null,
      efSearch: searcher.efSearch ?? null,
      vectorDtype,
    },
    read: dataset.report,
    seconds: stageSeconds,
  };
  log.info({ event: 'stats', ...summary }, 'mining finished');
  if (request.report) {
    process.stderr.write(formatMiningReport(stats, { numNegatives: selection.numNegatives, minNegatives: plan.minNegatives, index: searcher.nprobe === undefined ? request.index : { ...request.index, factory: request.index.factory ?? 'IVF', nprobe: searcher.nprobe }, read: dataset.report, stageSeconds }));
  }
  if (request.statsJson !== undefined) await writeJsonFile(request.statsJson, summary);
  return summary;
}
