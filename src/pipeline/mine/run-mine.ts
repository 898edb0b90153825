import type { Logger } from '../../core/logger.ts';
import { textStoreFolder, withStaleCheckedTextStore, type TextStore } from '../../io/text-store.ts';
import { writeJsonFile } from '../../io/output/json-file.ts';
import { planBlock } from '../../mine/candidate-plan.ts';
import { TextKeys } from '../../mine/identity.ts';
import type { MiningStats } from '../../mine/stats.ts';
import type { SelectionConfig } from '../../mine/select.ts';
import { checkWorkDir, memoryWork, openWorkDir, type Work } from '../../workdir/work-dir.ts';
import { checkMineOutputs } from '../output-checks.ts';
import { embedStage, embedToSpill } from '../stages/embed.ts';
import type { VectorChunks } from '../../core/vector-chunks.ts';
import type { SpilledVectors } from '../../io/vector-spill.ts';
import { modelsStage, type ModelsOutputs } from '../stages/models.ts';
import { readStage, type ReadOutputs } from '../stages/read.ts';
import { rerankStage } from '../stages/rerank.ts';
import { searchStage } from '../stages/search.ts';
import { selectStage } from '../stages/select.ts';
import { writeStage, type WriteOutputs } from '../stages/write.ts';
import { indexFingerprint, planPair, resolveSelection, warnAboutFlags } from './mine-setup.ts';
import type { MineRequest } from './mine-request.ts';
import { mineModels, type MineModels } from './mine-models.ts';
import { indexStage } from './index-stage.ts';
import { StageTimer } from './stage-timer.ts';
import { outputPlan } from './output-plan.ts';
import { mineSummary, type MineReportData } from './mine-summary.ts';
import { mineManifest } from './work-manifest.ts';

export type { MineRequest } from './mine-request.ts';

/** Query blocks hold at most this many queries: each block retrieves as deep as its deepest query. */
const SEARCH_BLOCK = 1024;

interface StageContext {
  read: ReadOutputs;
  models: ModelsOutputs;
  selection: SelectionConfig;
  blockRows: number;
  blocks: number;
  work: Work;
  timer: StageTimer;
  /** Where the query vectors are spilled (in the run's temp folder). */
  spillPath: string;
}

export interface MineResult {
  summary: Record<string, unknown>;
  /** What the statistics table on stderr shows (src/cli prints it). */
  report: { stats: MiningStats; context: MineReportData };
}

/** `negmine mine`: read, embed, search, rerank, select and write as stages over the work directory (or memory). */
export async function runMine(request: MineRequest, log: Logger): Promise<MineResult> {
  await checkMineOutputs(request, log);
  if (request.workDir !== undefined) await checkWorkDir(request.workDir);
  // Corpus texts live in a store on disk beside the output for the run, removed at the end (also after an error).
  return withStaleCheckedTextStore(textStoreFolder(request.output), (textStore, removed) => {
    if (removed.length > 0) log.child({ stage: 'read' }).info({ event: 'stale_temp_removed', files: removed }, `removed ${removed.length} text store(s) of killed runs`);
    return mineWithTextStore(request, textStore, log);
  });
}

async function mineWithTextStore(request: MineRequest, textStore: TextStore, log: Logger): Promise<MineResult> {
  const timer = new StageTimer();
  warnAboutFlags(request, log);
  const persistent = request.workDir !== undefined;
  const read = await timer.time('read', () => readStage({ input: request.input, titleJoin: request.titleJoin, hashInputs: persistent, textStore, textHashes: [TextKeys.hashKind(request.exclusions)] }, log.child({ stage: 'read' })));
  const { dataset } = read;
  const needDigests = persistent || request.cacheDir !== undefined || request.index.save !== undefined || request.index.load !== undefined;
  const models = await timer.time('load_models', () => modelsStage({ model: request.model, ...(request.crossEncoder === undefined ? {} : { crossEncoder: request.crossEncoder }), digests: needDigests }, log));
  const selection = resolveSelection(request);
  const blockRows = Math.min(request.chunkRows, SEARCH_BLOCK);
  const blocks = Math.ceil(dataset.queries.ids.length / blockRows);
  const work = request.workDir === undefined ? memoryWork() : await openWorkDir(request.workDir, mineManifest(request, { read, models, selection, blockRows }), log.child({ stage: 'work' }));
  try {
    return await mineStages(request, { read, models, selection, blockRows, blocks, work, timer, spillPath: textStore.siblingPath('queries.vectors') }, log);
  } finally {
    await work.close();
  }
}

/** The stages over the opened work: embed, then the rest over the vectors. */
async function mineStages(request: MineRequest, run: StageContext, log: Logger): Promise<MineResult> {
  const { read: { dataset, passages }, models, blockRows, work, timer } = run;
  const loaders = await mineModels(request, models, timer, log);

  const embedLog = log.child({ stage: 'embed' });
  const common = { chunkRows: request.chunkRows, config: models.config, truncateDim: request.model.truncateDim, dtype: request.model.vectorDtype ?? 'float32', digest: models.digest, cache: loaders.cache, encoder: loaders.biEncoder.get };
  const [corpus, queries] = await loaders.withBiEncoder(async () => [
    await timer.time('embed_corpus', () => embedStage({ ...common, label: 'embed corpus', texts: passages, prefix: models.prefixes.passage, describe: (doc) => `corpus id '${dataset.corpus.ids.at(doc) ?? doc}'` }, work.stage('embed-corpus'), embedLog)),
    // Query vectors go to a file beside the text store and come back one block at a time.
    await timer.time('embed_queries', () => embedToSpill({ ...common, label: 'embed queries', texts: dataset.queries.texts, prefix: models.prefixes.query, describe: (q) => `query id '${dataset.queries.ids.at(q) ?? q}'` }, run.spillPath, work.stage('embed-queries'), embedLog, blockRows)),
  ] as const);
  try {
    return await mineVectors(request, run, { loaders, corpus, queries }, log);
  } finally {
    queries.close();
  }
}

/** Search, plan, rerank, select and write over the embedded vectors, then the summary. */
async function mineVectors(request: MineRequest, run: StageContext, vectors: { loaders: MineModels; corpus: VectorChunks; queries: SpilledVectors }, log: Logger): Promise<MineResult> {
  const { read: { dataset, passages }, models, selection, blockRows, blocks, work, timer } = run;
  const { loaders, corpus, queries } = vectors;

  const searchLog = log.child({ stage: 'search' });
  const fingerprint = indexFingerprint(request, models, dataset, passages, corpus.dim);
  const openSearcher = () => timer.time('index', () => indexStage(corpus, request.index, { fingerprint, ids: dataset.corpus.ids, seed: selection.seed, target: models.target, log: log.child({ stage: 'index' }), ...(request.model.threads === undefined ? {} : { threads: request.model.threads }) }));
  const search = await timer.time('search', () => searchStage({ queries, dataset, selection, givenNegatives: request.givenNegatives, blockRows, searcher: openSearcher, alwaysBuild: request.index.save !== undefined }, work.stage('search'), searchLog));

  const keys = timer.timeSync('plan', () => TextKeys.forCorpus(dataset.corpus, request.exclusions));
  const ce = request.crossEncoder;
  const planSettings = { selection, givenNegatives: request.givenNegatives, dupThreshold: request.dupThreshold, rescoreLimit: ce === undefined ? undefined : (ce.candidates ?? Number.MAX_SAFE_INTEGER) };
  const texts = { query: (query: number) => dataset.queries.texts.at(query) ?? '', passage: (doc: number) => passages.at(doc) ?? '' };
  const describePair = (plan: Parameters<typeof planPair>[0], i: number): string => {
    const { query, doc } = planPair(plan, i);
    return `the pair of query id '${dataset.queries.ids.at(query) ?? '?'}' and corpus id '${dataset.corpus.ids.at(doc) ?? '?'}'`;
  };
  const rerank = ce === undefined ? undefined : rerankStage({ texts, encoder: loaders.crossEncoder, describePair }, work.stage('rerank'), log.child({ stage: 'rerank' }));

  const output = outputPlan(request.layout, dataset, { scores: request.scores, numNegatives: selection.numNegatives, biScores: rerank !== undefined, relabeled: selection.relabel }, request.minNegatives);
  const mineContext = { dataset, passages, selection, layout: request.layout, minNegatives: output.minNegatives };
  // One query block at a time through search, plan, rerank and select: hits, plans and scores never pile up.
  const select = async (block: number) => {
    const hits = await timer.time('search', () => search.hits(block));
    const plan = timer.timeSync('plan', () => planBlock({ dataset, queries, corpus, keys, settings: planSettings }, hits));
    const scores = rerank === undefined ? undefined : await timer.time('rerank', () => rerank.scores(block, plan));
    return timer.timeSync('select', () => ({ ...selectStage(mineContext, output.options, plan, scores), probes: search.probes() }));
  };
  const writeLog = log.child({ stage: 'write' });
  let written: WriteOutputs;
  try {
    written = await timer.time('write', () => writeStage({ blocks, select, output: request.output, format: request.outputFormat, plan: output }, work.stage('write'), writeLog));
  } finally {
    await rerank?.release();
    await search.release();
  }
  const searched = { ...written.probes, ...search.finish() };
  if (written.rows === 0) log.warn({ event: 'empty_output', layout: request.layout }, `no ${request.layout} rows could be written: every query lacks negatives`);
  writeLog.info({ event: 'stage_end', output: request.output, rows: written.rows, droppedQueries: written.stats.droppedFewerNegatives }, `wrote ${written.rows} rows`);

  const result = mineSummary(request, { dataset, selection, searched, written, minNegatives: output.minNegatives, work, seconds: timer.toJSON() });
  log.info({ event: 'stats', ...result.summary }, 'mining finished');
  if (request.statsJson !== undefined) await writeJsonFile(request.statsJson, result.summary);
  return result;
}
