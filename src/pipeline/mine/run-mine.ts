import { passageText, type TitleJoin } from '../../core/dataset.ts';
import { NegmineError } from '../../core/errors.ts';
import { hashCorpus, type ExpectedFingerprint } from '../../core/index-fingerprint.ts';
import type { Logger } from '../../core/logger.ts';
import type { TableWriter } from '../../core/table.ts';
import { loadDataset, type DatasetInput } from '../../io/dataset/load-dataset.ts';
import { EmbeddingCache } from '../../io/embedding-cache.ts';
import { modelDigest } from '../../io/model-digest.ts';
import { openTableWriter, type OutputFormat } from '../../io/output/open-table-writer.ts';
import { writeJsonFile } from '../../io/output/json-file.ts';
import { layoutRows, layoutSchema, type OutputLayout } from '../../mine/layouts.ts';
import { defaultRangeMax, type SelectionConfig } from '../../mine/select.ts';
import { BiEncoder } from '../../model/bi-encoder.ts';
import { CrossEncoder, type CeActivation } from '../../model/cross-encoder.ts';
import { biEncoderConfig } from '../../model/model-config.ts';
import { resolvePrefixes } from '../../model/prompts.ts';
import { selectDevice } from '../device.ts';
import { batchLimitsFor, type ModelRunSettings } from '../embed.ts';
import { stageProgress } from '../progress.ts';
import { logModelLoaded, resolveModelFiles } from '../resolve-model.ts';
import { rerankPairs, type GivenNegativesMode, type SearchHits } from './candidates.ts';
import { embedStage } from './embed-stage.ts';
import { indexStage, type IndexSettings } from './index-stage.ts';
import { mineQueries } from './mine-queries.ts';
import { identityCheck, TextKeys } from './query-context.ts';
import { formatMiningReport } from './report.ts';
import { rerankStage } from './rerank.ts';
import { StageTimer } from './stage-timer.ts';

export interface MineRequest {
  input: DatasetInput;
  titleJoin: TitleJoin;
  model: ModelRunSettings;
  crossEncoder?: { model: string; modelFile?: string; activation: CeActivation; candidates?: number };
  selection: Omit<SelectionConfig, 'rangeMax'> & { rangeMax?: number };
  dupThreshold: number;
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

const ROWS_PER_WRITE = 512;

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
  const dataset = await timer.time('read', () => loadDataset(request.input, log.child({ stage: 'read' })));
  const corpusSize = dataset.corpus.ids.length;
  log.child({ stage: 'read' }).info({ event: 'stage_end', queries: dataset.queries.ids.length, documents: corpusSize }, 'dataset read');

  const target = await selectDevice(request.model.device, log);
  const files = await resolveModelFiles(request.model.model, { log, ...(request.model.modelFile === undefined ? {} : { modelFile: request.model.modelFile }) });
  // Mining compares cosines: vectors are always normalized, as in sentence-transformers' mine_hard_negatives.
  const baseConfig = biEncoderConfig(files);
  const config = { ...baseConfig, normalize: true, maxLength: request.model.maxLength ?? baseConfig.maxLength };
  const prefixes = resolvePrefixes(config.prompts, request.model);
  const cache = request.cacheDir === undefined ? undefined : await openCache(request.cacheDir, log);
  // Content hashes, not paths, decide whether cached vectors or a saved index fit this run.
  const digest = cache === undefined && request.index.save === undefined && request.index.load === undefined ? undefined : await modelDigest(files);
  let encoder: BiEncoder | undefined;
  const getEncoder = async (): Promise<BiEncoder> => {
    if (encoder !== undefined) return encoder;
    encoder = await BiEncoder.load(files, {
      target,
      batch: batchLimitsFor(request.model, target),
      normalize: true,
      ...(request.model.threads === undefined ? {} : { threads: request.model.threads }),
      ...(request.model.maxLength === undefined ? {} : { maxLength: request.model.maxLength }),
    });
    logModelLoaded(log, files, encoder.weights);
    return encoder;
  };
  const embedLog = log.child({ stage: 'embed' });
  const passages = dataset.corpus.ids.map((_, doc) => passageText(dataset.corpus, doc, request.titleJoin));
  let corpusVectors: { vectors: Float32Array; dim: number };
  let queryVectors: { vectors: Float32Array; dim: number };
  try {
    const common = { config, digest, cache, encoder: getEncoder, log: embedLog };
    corpusVectors = await timer.time('embed_corpus', () => embedStage(passages, { ...common, label: 'embed corpus', prefix: prefixes.passage }));
    queryVectors = await timer.time('embed_queries', () => embedStage(dataset.queries.texts, { ...common, label: 'embed queries', prefix: prefixes.query }));
  } finally {
    await encoder?.release();
  }
  const dim = corpusVectors.dim;
  if (dim === 0) throw new NegmineError('E_MODEL_LOAD', 'the bi-encoder produced 0-dimensional vectors');
  const corpus = { data: corpusVectors.vectors, dim };
  const queries = { data: queryVectors.vectors, dim };

  const usesIndexFiles = request.index.save !== undefined || request.index.load !== undefined;
  const fingerprint: ExpectedFingerprint = {
    model: request.model.model,
    modelSha256: digest?.modelSha256 ?? '',
    tokenizerSha256: digest?.tokenizerSha256 ?? '',
    dim,
    normalize: true,
    pooling: config.pooling.join('+'),
    maxLength: config.maxLength,
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

  const maxPositives = Math.max(...dataset.positives.map((p) => p.length));
  const rangeMax = request.selection.rangeMax ?? defaultRangeMax(request.selection, maxPositives);
  const selection: SelectionConfig = { ...request.selection, rangeMax };
  const k = Math.min(corpusSize, rangeMax + maxPositives);
  let hits: SearchHits;
  try {
    const progress = stageProgress(log.child({ stage: 'search' }), { label: 'search', total: dataset.queries.ids.length });
    hits = await timer.time('search', () =>
      searcher.search(queries.data, k, (done) => {
        progress.update(done);
      }),
    );
    progress.finish();
  } finally {
    await searcher.release();
  }
  log.child({ stage: 'search' }).info({ event: 'stage_end', queries: dataset.queries.ids.length, k, index: searcher.description }, `searched top ${k}`);

  const keys = new TextKeys(dataset);
  const checks = dataset.queries.ids.map((_, query) => identityCheck(dataset, query, corpus, keys, request.dupThreshold));
  let ceScores: Map<number, Map<number, number>> | undefined;
  if (request.crossEncoder !== undefined) {
    const ce = request.crossEncoder;
    const filters = [selection.absoluteMargin, selection.relativeMargin, selection.maxScore, selection.minScore, selection.ceMaxScore];
    if (filters.every((value) => value === undefined) && !selection.relabel) {
      log.warn(
        { event: 'cross_encoder_without_filter' },
        '--cross-encoder without --absolute-margin, --relative-margin, --max-score, --min-score, --ce-max-score or --relabel only reorders candidates and removes no false negatives (e.g. add --relative-margin 0.05)',
      );
    }
    const ceFiles = await resolveModelFiles(ce.model, { log, ...(ce.modelFile === undefined ? {} : { modelFile: ce.modelFile }) });
    const crossEncoder = await CrossEncoder.load(ceFiles, {
      target,
      batch: batchLimitsFor(request.model, target),
      activation: ce.activation,
      ...(request.model.threads === undefined ? {} : { threads: request.model.threads }),
    });
    logModelLoaded(log, ceFiles, crossEncoder.weights);
    try {
      const pairs = rerankPairs(dataset, hits, checks, ce.candidates ?? k, request.givenNegatives);
      ceScores = await timer.time('rerank', () => rerankStage(crossEncoder, dataset, request.titleJoin, pairs, log.child({ stage: 'rerank' })));
    } finally {
      await crossEncoder.release();
    }
  }

  const { mined, stats } = mineQueries({ dataset, titleJoin: request.titleJoin, queries, corpus, hits, checks, keys, ceScores, selection, givenNegatives: request.givenNegatives });
  const layoutOptions = { scores: request.scores, numNegatives: selection.numNegatives, biScores: ceScores !== undefined, relabeled: selection.relabel };
  let rowsWritten = 0;
  await timer.time('write', async () => {
    const writer: TableWriter = await openTableWriter(request.output, layoutSchema(request.layout, layoutOptions), request.outputFormat);
    try {
      const progress = stageProgress(log.child({ stage: 'write' }), { label: 'write', total: mined.length });
      for (let start = 0; start < mined.length; start += ROWS_PER_WRITE) {
        const rows = mined.slice(start, start + ROWS_PER_WRITE).flatMap((query) => layoutRows(request.layout, query, layoutOptions));
        rowsWritten += rows.length;
        await writer.write(rows);
        progress.update(Math.min(mined.length, start + ROWS_PER_WRITE));
      }
      await writer.close();
      progress.finish();
    } catch (error) {
      await writer.abort();
      throw error;
    }
  });
  if (rowsWritten === 0) log.warn({ event: 'empty_output', layout: request.layout }, `no ${request.layout} rows could be written: every query lacks negatives`);
  log.child({ stage: 'write' }).info({ event: 'stage_end', output: request.output, rows: rowsWritten }, `wrote ${rowsWritten} rows`);

  const stageSeconds = timer.toJSON();
  const summary = {
    ...stats.toJSON(selection.numNegatives),
    rows: rowsWritten,
    documents: corpusSize,
    retrievedPerQuery: k,
    settings: { ...selection, dupThreshold: request.dupThreshold, givenNegatives: request.givenNegatives, crossEncoder: request.crossEncoder?.model ?? null, layout: request.layout, nprobe: searcher.nprobe ?? null, efSearch: searcher.efSearch ?? null },
    read: dataset.report,
    seconds: stageSeconds,
  };
  log.info({ event: 'stats', ...summary }, 'mining finished');
  if (request.report) process.stderr.write(formatMiningReport(stats, selection.numNegatives, dataset.queries.ids.length * k, stageSeconds));
  if (request.statsJson !== undefined) await writeJsonFile(request.statsJson, summary);
  return summary;
}
