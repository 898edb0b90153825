import { passageTexts, type CorpusTexts, type StringList, type TitleJoin } from '../core/dataset.ts';
import { NegmineError } from '../core/errors.ts';
import type { Logger } from '../core/logger.ts';
import { DEFAULT_CHUNK_ROWS, type VectorChunks, type VectorDtype } from '../core/vector-chunks.ts';
import { isStaticModel, type BiEncoderFiles } from '../core/model-files.ts';
import { loadDataset, type DatasetInput } from '../io/dataset/load-dataset.ts';
import { textStoreFolder, withStaleCheckedTextStore, type TextStore } from '../io/text-store.ts';
import { loadCorpusFile, loadQueriesFile } from '../io/dataset/load-texts.ts';
import type { VectorFormat } from '../io/output/vector-writer.ts';
import type { BatchLimits } from '../model/batching.ts';
import type { ExecutionTarget } from '../model/device.ts';
import { sessionThreads } from '../model/execution-provider.ts';
import { resolvePrefixes } from '../model/prompts.ts';
import { selectDevice } from './device.ts';
import { checkEmbedOutputs } from './output-checks.ts';
import { openBiEncoder } from './bi-encoder-loader.ts';
import { logModelLoaded, resolveBiEncoderFiles } from './resolve-model.ts';
import { embedStage } from './stages/embed.ts';
import { memoryWork } from '../workdir/work-dir.ts';

export const EMBED_TARGETS = ['corpus', 'queries'] as const;

/**
 * Padded tokens per batch when --max-batch-tokens is not given. On CPU small batches are as fast and keep
 * attention activations (rows x length^2) small: measured in docs/benchmarks.md; GPUs want big batches.
 */
export function batchLimitsFor(settings: Pick<ModelRunSettings, 'batch'>, target: ExecutionTarget, files?: BiEncoderFiles): BatchLimits {
  // A static model's batch costs a gather per token, not attention: big batches only save per-run overhead.
  const fallback = files !== undefined && isStaticModel(files) ? STATIC_BATCH_TOKENS : target.provider === 'cpu' ? 512 : 16_384;
  return { maxBatchSize: settings.batch.maxBatchSize, maxBatchTokens: settings.batch.maxBatchTokens ?? fallback };
}

const STATIC_BATCH_TOKENS = 16_384;
export type EmbedTarget = (typeof EMBED_TARGETS)[number];

export interface ModelRunSettings {
  model: string;
  modelFile?: string;
  device: string;
  threads?: number;
  maxLength?: number;
  /** --truncate-dim: keep the first n dimensions (Matryoshka models), then normalize. */
  truncateDim?: number;
  /** --vector-dtype: vectors kept (and written) as float32 or float16; absent: float32. */
  vectorDtype?: VectorDtype;
  normalize: boolean;
  queryPrefix?: string;
  passagePrefix?: string;
  /** maxBatchTokens absent: chosen for the device (see batchLimitsFor). */
  batch: Omit<BatchLimits, 'maxBatchTokens'> & { maxBatchTokens?: number };
}

export interface EmbedRequest {
  input: DatasetInput;
  /** Which texts; undefined = queries when only --queries is given, corpus otherwise. */
  target?: EmbedTarget;
  titleJoin: TitleJoin;
  model: ModelRunSettings;
  output: string;
  outputFormat?: VectorFormat;
}

async function readTexts(request: EmbedRequest, log: Logger, textStore: TextStore): Promise<{ target: EmbedTarget; ids: StringList; texts: CorpusTexts }> {
  const { input } = request;
  const onlyCorpus = input.corpus !== undefined && input.data === undefined && input.queries === undefined && input.beir === undefined;
  const onlyQueries = input.queries !== undefined && input.qrels === undefined && input.data === undefined && input.beir === undefined;
  const target = request.target ?? (onlyQueries && input.corpus === undefined ? 'queries' : 'corpus');
  if (onlyCorpus && target === 'corpus') {
    const { corpus } = await loadCorpusFile(input.corpus ?? '', input.corpusFields, input.onBadRow, log, textStore);
    return { target, ids: corpus.ids, texts: passageTexts(corpus, request.titleJoin) };
  }
  if (onlyQueries && input.corpus === undefined) {
    if (target === 'corpus') throw new NegmineError('E_USAGE', '--embed corpus needs --corpus FILE (or a dataset with passages)');
    return { target, ...(await loadQueriesFile(input.queries ?? '', input.onBadRow, log)) };
  }
  const dataset = await loadDataset(input, log, { textStore, textHashes: [] });
  if (target === 'queries') return { target, ids: dataset.queries.ids, texts: dataset.queries.texts };
  return { target, ids: dataset.corpus.ids, texts: passageTexts(dataset.corpus, request.titleJoin) };
}

/** `negmine embed`: reads texts, embeds them with the bi-encoder, writes ids and vectors. Corpus texts wait in a text store on disk. */
export async function runEmbed(request: EmbedRequest, log: Logger): Promise<{ target: EmbedTarget; count: number; dim: number }> {
  await checkEmbedOutputs(request, log);
  return withStaleCheckedTextStore(textStoreFolder(request.output), (textStore) => embedWithTextStore(request, log, textStore));
}

async function embedWithTextStore(request: EmbedRequest, log: Logger, textStore: TextStore): Promise<{ target: EmbedTarget; count: number; dim: number }> {
  const readLog = log.child({ stage: 'read' });
  const { target, ids, texts } = await readTexts(request, readLog, textStore);
  readLog.info({ event: 'stage_end', target, texts: texts.length }, `read ${texts.length} ${target === 'queries' ? 'queries' : 'passages'}`);

  const embedLog = log.child({ stage: 'embed' });
  const files = await resolveBiEncoderFiles(request.model.model, { log, ...(request.model.modelFile === undefined ? {} : { modelFile: request.model.modelFile }) });
  const deviceTarget = await selectDevice(request.model.device, log);
  const encoder = await openBiEncoder(files, {
    target: deviceTarget,
    batch: batchLimitsFor(request.model, deviceTarget, files),
    normalize: request.model.normalize,
    ...(request.model.truncateDim === undefined ? {} : { truncateDim: request.model.truncateDim }),
    ...(request.model.threads === undefined ? {} : { threads: request.model.threads }),
    ...(request.model.maxLength === undefined ? {} : { maxLength: request.model.maxLength }),
  });
  logModelLoaded(log, files, encoder.weights, sessionThreads(deviceTarget, request.model.threads));
  let vectors: VectorChunks;
  try {
    const prefixes = resolvePrefixes(encoder.config.prompts, request.model);
    const label = `embed ${target}`;
    // Chunk by chunk, as `mine` embeds (the same vectors): each chunk goes to its stored precision as it is done.
    const inputs = { label, texts, prefix: target === 'queries' ? prefixes.query : prefixes.passage, describe: (i: number) => `${target === 'queries' ? 'query' : 'corpus'} id '${ids.at(i) ?? i}'`, chunkRows: DEFAULT_CHUNK_ROWS, config: encoder.config, truncateDim: request.model.truncateDim, dtype: request.model.vectorDtype ?? 'float32', digest: undefined, cache: undefined, encoder: () => Promise.resolve(encoder) };
    vectors = await embedStage(inputs, memoryWork().stage('embed-corpus'), embedLog);
  } finally {
    await encoder.release();
  }
  const dim = vectors.rows === 0 ? (encoder.dimension ?? 0) : vectors.dim;
  // Loaded here: its Arrow and Parquet libraries are not needed before (or by `mine`, which imports this module).
  const { writeVectors } = await import('../io/output/vector-writer.ts');
  // float16: .npy '<f2' and an Arrow float16 column carry the half bits; JSONL and Parquet get their float32 values.
  await writeVectors(request.output, ids, vectors, dim, request.outputFormat);
  log.child({ stage: 'write' }).info({ event: 'stage_end', output: request.output, rows: ids.length }, `wrote ${request.output}`);
  return { target, count: ids.length, dim };
}
