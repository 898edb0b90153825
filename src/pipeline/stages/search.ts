import type { Dataset } from '../../core/dataset.ts';
import type { HitBlock } from '../../core/hits.ts';
import type { Logger } from '../../core/logger.ts';
import { blockDepth, queryDepth, type GivenNegativesMode } from '../../mine/candidate-plan.ts';
import type { VectorChunks } from '../../core/vector-chunks.ts';
import type { SelectionConfig } from '../../mine/select.ts';
import { hitChunk, hitsOf } from '../../workdir/chunk-kinds.ts';
import type { StageWork } from '../../workdir/work-dir.ts';
import type { Searcher } from '../mine/index-stage.ts';
import { stageProgress } from '../progress.ts';

export interface SearchInputs {
  queries: VectorChunks;
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

export interface SearchOutputs {
  blocks: HitBlock[];
  /** The searcher's probe settings (stored with the hits, so a resumed run reports them too). */
  nprobe?: number;
  efSearch?: number;
  retrievedPerQuery: { min: number; mean: number; max: number };
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

/** Searches the queries block by block; a block stored in the work directory is reused. */
export async function searchStage(inputs: SearchInputs, work: StageWork, log: Logger): Promise<SearchOutputs> {
  const { dataset, queries } = inputs;
  const total = dataset.queries.ids.length;
  const blocks: HitBlock[] = [];
  const probes: { nprobe?: number; efSearch?: number } = {};
  let searcher: Searcher | undefined;
  let description = 'stored hits';
  try {
    if (inputs.alwaysBuild) searcher = await inputs.searcher();
    const progress = stageProgress(log, { label: 'search', total });
    for (let chunk = 0, start = 0; start < total; chunk += 1, start += inputs.blockRows) {
      const count = Math.min(inputs.blockRows, total - start);
      const stored = await work.load(chunk).then((data) => (data === undefined ? undefined : hitsOf(data, start, count)));
      if (stored !== undefined) {
        blocks.push(stored.block);
        if (stored.nprobe !== undefined) probes.nprobe = stored.nprobe;
        if (stored.efSearch !== undefined) probes.efSearch = stored.efSearch;
        progress.update(start + count);
        continue;
      }
      searcher ??= await inputs.searcher();
      description = searcher.description;
      if (searcher.nprobe !== undefined) probes.nprobe = searcher.nprobe;
      if (searcher.efSearch !== undefined) probes.efSearch = searcher.efSearch;
      const k = blockDepth(dataset, start, count, inputs.selection, inputs.givenNegatives);
      const hits = await searcher.search(queries.readRows(start, count), k, (done) => {
        progress.update(start + done);
      });
      const block = { start, count, k: hits.k, scores: hits.scores, ids: hits.ids };
      blocks.push(block);
      await work.save(chunk, () => hitChunk(block, probes));
      log.debug({ event: 'search_block', start, count, k }, `searched queries ${start}-${start + count - 1} at depth ${k}`);
    }
    progress.finish();
  } finally {
    await searcher?.release();
  }
  const deepest = blocks.reduce((k, block) => Math.max(k, block.k), 0);
  log.info({ event: 'stage_end', queries: total, k: deepest, blocks: blocks.length, index: description }, `searched top ${deepest}`);
  return { blocks, ...probes, retrievedPerQuery: depthSummary(dataset, inputs.selection, inputs.givenNegatives) };
}
