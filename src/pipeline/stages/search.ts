import type { Dataset } from '../../core/dataset.ts';
import type { HitBlock } from '../../core/hits.ts';
import type { Logger } from '../../core/logger.ts';
import { blockDepth, queryDepth, type GivenNegativesMode } from '../../mine/candidate-plan.ts';
import type { BlockVectorRows } from '../../core/vector-chunks.ts';
import type { SelectionConfig } from '../../mine/select.ts';
import { hitChunk, hitsOf } from '../../workdir/chunk-kinds.ts';
import type { StageWork } from '../../workdir/work-dir.ts';
import type { Searcher } from '../mine/index-stage.ts';
import { stageProgress } from '../progress.ts';

export interface SearchInputs {
  queries: BlockVectorRows;
  dataset: Dataset;
  selection: SelectionConfig;
  givenNegatives: GivenNegativesMode;
  /** Queries per block: each block retrieves as deep as its deepest query and is stored as one chunk. */
  blockRows: number;
  /** Builds the index (exact or FAISS) the first time a block is not stored. */
  searcher: () => Promise<Searcher>;
  /** Build the index even when every block is stored (--save-index writes it). */
  alwaysBuild: boolean;
}

/** IVF nprobe and HNSW efSearch of the searcher, absent for indexes without them. */
export interface SearchProbes {
  nprobe?: number;
  efSearch?: number;
}

/** The searcher's probe settings (stored with the hits, so a resumed run reports them too). */
export interface SearchOutputs extends SearchProbes {
  retrievedPerQuery: { min: number; mean: number; max: number };
}

/** The hits of query block b, searched (or loaded) when asked for: no stage holds every block's hits at once. */
export interface HitSource {
  hits(block: number): Promise<HitBlock>;
  /** The probe settings seen so far (from the searcher or the stored blocks). */
  probes(): SearchProbes;
  /** Releases the searcher (a later block not stored builds it again). */
  release(): Promise<void>;
  /** What the report needs; logs the stage's end. */
  finish(): SearchOutputs;
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

/**
 * Searches query blocks as they are asked for (in query order, one block at a time, so hits stream to the next
 * stages); a block stored in the work directory is reused. The searcher is built for the first block not stored.
 */
export async function searchStage(inputs: SearchInputs, work: StageWork, log: Logger): Promise<HitSource> {
  const { dataset, queries } = inputs;
  const total = dataset.queries.ids.length;
  const probes: SearchProbes = {};
  let searcher: Searcher | undefined = inputs.alwaysBuild ? await inputs.searcher() : undefined;
  let description = 'stored hits';
  let deepest = 0;
  let visited = 0;
  const load = async (chunk: number, start: number, count: number): Promise<HitBlock | undefined> => {
    const stored = await work.load(chunk).then((data) => (data === undefined ? undefined : hitsOf(data, start, count)));
    if (stored === undefined) return undefined;
    if (stored.nprobe !== undefined) probes.nprobe = stored.nprobe;
    if (stored.efSearch !== undefined) probes.efSearch = stored.efSearch;
    return stored.block;
  };
  const compute = async (chunk: number, start: number, count: number): Promise<HitBlock> => {
    searcher ??= await inputs.searcher();
    description = searcher.description;
    if (searcher.nprobe !== undefined) probes.nprobe = searcher.nprobe;
    if (searcher.efSearch !== undefined) probes.efSearch = searcher.efSearch;
    const k = blockDepth(dataset, start, count, inputs.selection, inputs.givenNegatives);
    const progress = stageProgress(log, { label: `search queries ${start}-${start + count - 1}`, total: count });
    const hits = await searcher.search(queries.readRows(start, count), k, (done) => {
      progress.update(done);
    });
    progress.finish();
    const block = { start, count, k: hits.k, scores: hits.scores, ids: hits.ids };
    await work.save(chunk, () => hitChunk(block, probes));
    log.debug({ event: 'search_block', start, count, k }, `searched queries ${start}-${start + count - 1} at depth ${k}`);
    return block;
  };
  const range = (chunk: number): { start: number; count: number } => {
    const start = chunk * inputs.blockRows;
    return { start, count: Math.max(0, Math.min(inputs.blockRows, total - start)) };
  };
  return {
    async hits(chunk) {
      const { start, count } = range(chunk);
      const block = (await load(chunk, start, count)) ?? (await compute(chunk, start, count));
      deepest = Math.max(deepest, block.k);
      visited += 1;
      return block;
    },
    probes: () => ({ ...probes }),
    async release() {
      await searcher?.release();
      searcher = undefined;
    },
    finish() {
      const blocks = Math.ceil(total / inputs.blockRows);
      if (visited === 0 && blocks > 0) log.info({ event: 'stage_end', queries: total, k: 0, blocks: 0, index: description }, 'search skipped: every query block\'s output part is stored');
      else log.info({ event: 'stage_end', queries: total, k: deepest, blocks: visited, index: description }, `searched top ${deepest}`);
      return { ...probes, retrievedPerQuery: depthSummary(dataset, inputs.selection, inputs.givenNegatives) };
    },
  };
}
