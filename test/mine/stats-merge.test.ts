import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { passageText, type Dataset } from '../../src/core/dataset.ts';
import type { HitBlock } from '../../src/core/hits.ts';
import { loadDataset } from '../../src/io/dataset/load-dataset.ts';
import { readBiEncoderFiles, readModelFiles } from '../../src/io/model-files.ts';
import { blockDepth, planBlock, type CandidatePlan, type PlanContext } from '../../src/mine/candidate-plan.ts';
import { VectorChunks } from '../../src/core/vector-chunks.ts';
import { TextKeys } from '../../src/mine/identity.ts';
import type { MinedQuery } from '../../src/mine/layouts.ts';
import { mineQueries, type MineContext } from '../../src/mine/mine-queries.ts';
import { emptyRemovalCounts, type SelectionConfig } from '../../src/mine/select.ts';
import { MiningStats } from '../../src/mine/stats.ts';
import { CrossEncoder } from '../../src/model/cross-encoder.ts';
import { OnnxExactSearch } from '../../src/model/exact-search.ts';
import { openBiEncoder } from '../../src/pipeline/bi-encoder-loader.ts';
import { REPO_ROOT } from '../helpers/cli.ts';
import { sharedDataDir } from '../helpers/shared-data.ts';

const MODELS = path.join(REPO_ROOT, 'fixtures', 'models');
const TARGET = { provider: 'cpu' } as const;
const shared = sharedDataDir();
// Thresholds, a window, random sampling, relabeling and --min-negatives, so every counter of the stats moves.
const SELECTION: SelectionConfig = { numNegatives: 4, rangeMin: 2, rangeMax: 30, sampling: 'random', seed: 11, relativeMargin: 0.05, ceMaxScore: 0.6, relabel: true };
const MIN_NEGATIVES = 4;

/** Rows [from, to) of a hit block of every query, as the search stage would have returned them for that block. */
function subBlock(all: HitBlock, from: number, to: number): HitBlock {
  return { start: from, count: to - from, k: all.k, scores: all.scores.slice(from * all.k, to * all.k), ids: all.ids.slice(from * all.k, to * all.k) };
}

describe('stats merge', { skip: shared === undefined && 'shared data (msmarco-5k) not found' }, () => {
  let dataset: Dataset;
  let planContext: PlanContext;
  let mineContext: MineContext;
  let hits: HitBlock;
  let crossEncoder: CrossEncoder;
  let passages: string[];

  before(async () => {
    dataset = await loadDataset({ beir: path.join(shared ?? '', 'msmarco-5k'), rowFields: {}, corpusFields: {}, qrelsMinScore: 1, split: 'test', onBadRow: 'error' });
    passages = Array.from({ length: dataset.corpus.ids.length }, (_, doc) => passageText(dataset.corpus, doc, 'space'));
    const encoder = await openBiEncoder(await readBiEncoderFiles(path.join(MODELS, 'static-lsa')), { target: TARGET, batch: { maxBatchSize: 32, maxBatchTokens: 16_384 }, worker: false });
    let corpus: Float32Array;
    let queries: Float32Array;
    try {
      corpus = await encoder.embed(passages);
      queries = await encoder.embed(dataset.queries.texts);
    } finally {
      await encoder.release();
    }
    const dim = encoder.dimension ?? 0;
    const count = dataset.queries.ids.length;
    const search = await OnnxExactSearch.create(corpus, dim, { target: TARGET });
    try {
      const found = await search.search(queries, blockDepth(dataset, 0, count, SELECTION, 'merge'));
      hits = { start: 0, count, ...found };
    } finally {
      await search.release();
    }
    planContext = { dataset, queries: VectorChunks.fromFloat32(queries, dim), corpus: VectorChunks.fromFloat32(corpus, dim), keys: new TextKeys(dataset.corpus.texts), settings: { selection: SELECTION, givenNegatives: 'merge', dupThreshold: 0.98, rescoreLimit: 20 } };
    mineContext = { dataset, passages, selection: SELECTION, layout: 'triplet', minNegatives: MIN_NEGATIVES };
    crossEncoder = await CrossEncoder.load(await readModelFiles(path.join(MODELS, 'cross-encoder-bm25')), { target: TARGET, batch: { maxBatchSize: 32, maxBatchTokens: 16_384 }, worker: false });
  });

  after(async () => {
    await crossEncoder.release();
  });

  /** Cross-encoder scores by (query, doc), computed once: onnxruntime's last bits depend on how pairs are batched. */
  async function ceScoresOf(plan: CandidatePlan): Promise<Map<number, number>> {
    const keys: number[] = [];
    const pairs: [string, string][] = [];
    for (let row = 0; row < plan.count; row += 1) {
      const query = plan.start + row;
      for (let i = plan.offsets[row] ?? 0; i < (plan.offsets[row + 1] ?? 0); i += 1) {
        const doc = plan.docs[i] ?? -1;
        keys.push(query * passages.length + doc);
        pairs.push([dataset.queries.texts.at(query) ?? '', passages[doc] ?? '']);
      }
    }
    const scores = await crossEncoder.score(pairs);
    return new Map(keys.map((key, i) => [key, scores[i] ?? Number.NaN]));
  }

  /** Plans and selects queries [from, to) as one block. */
  function mineBlock(from: number, to: number, ce: ReadonlyMap<number, number>): { stats: MiningStats; mined: MinedQuery[] } {
    const plan = planBlock(planContext, subBlock(hits, from, to));
    const scores = new Float32Array(plan.docs.length);
    for (let row = 0; row < plan.count; row += 1) {
      for (let i = plan.offsets[row] ?? 0; i < (plan.offsets[row + 1] ?? 0); i += 1) scores[i] = ce.get((plan.start + row) * passages.length + (plan.docs[i] ?? -1)) ?? Number.NaN;
    }
    return mineQueries(mineContext, plan, scores);
  }

  it('stats of query blocks merged equal the stats of the whole run mined at once', async () => {
    const count = dataset.queries.ids.length;
    const ce = await ceScoresOf(planBlock(planContext, hits));
    const whole = mineBlock(0, count, ce);
    // Merged into empty stats, as the select stage does.
    const blocks = [mineBlock(0, 7, ce), mineBlock(7, 30, ce), mineBlock(30, count, ce)];
    const merged = new MiningStats(emptyRemovalCounts());
    for (const block of blocks) merged.merge(block.stats);

    // Scores in query order (compared before toJSON, which sorts them in place).
    assert.deepEqual(merged.positiveScores.values(), whole.stats.positiveScores.values());
    assert.deepEqual(merged.rowNegativeScores.values(), whole.stats.rowNegativeScores.values());
    assert.deepEqual(merged.positiveCounts.values(), whole.stats.positiveCounts.values());
    assert.deepEqual(merged.rowNegativeCounts.values(), whole.stats.rowNegativeCounts.values());
    assert.deepEqual(merged.pairScores((pos, neg) => pos - neg), whole.stats.pairScores((pos, neg) => pos - neg));

    // The case exercises every counter, and each block holds some of it.
    const json = whole.stats.toJSON(SELECTION.numNegatives) as { queries: number; relabeled: number; queriesDroppedFewerNegatives: number; removed: Record<string, number> };
    assert.equal(json.queries, count);
    assert.ok(json.relabeled > 0 && json.queriesDroppedFewerNegatives > 0, JSON.stringify(json));
    for (const reason of ['relative_margin', 'ce_max_score', 'not_rescored', 'relabeled']) assert.ok((json.removed[reason] ?? 0) > 0, `${reason}: ${JSON.stringify(json.removed)}`);
    assert.ok(blocks.every((block) => block.stats.queries > 0 && block.stats.rowNegativeScores.length > 0));

    assert.deepEqual(merged.toJSON(SELECTION.numNegatives), whole.stats.toJSON(SELECTION.numNegatives));
    assert.deepEqual(merged.removed, whole.stats.removed);
    assert.deepEqual(blocks.flatMap((block) => block.mined), whole.mined);
  });
});
