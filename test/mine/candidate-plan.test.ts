import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { emptyLoadReport, type Dataset } from '../../src/core/dataset.ts';
import type { HitBlock } from '../../src/core/hits.ts';
import { blockDepth, planBlock, queryDepth, type GivenNegativesMode } from '../../src/mine/candidate-plan.ts';
import { VectorChunks } from '../../src/core/vector-chunks.ts';
import { TextKeys } from '../../src/mine/identity.ts';
import { normalizeRows } from '../helpers/vectors.ts';
import { mineQueries } from '../../src/mine/mine-queries.ts';
import { defaultRangeMax, type RemovalReason, type SelectionConfig } from '../../src/mine/select.ts';
import { DocLists, PositiveLists } from '../../src/core/query-lists.ts';

const BASE: SelectionConfig = { numNegatives: 3, rangeMin: 0, rangeMax: 100, sampling: 'top', seed: 42, relabel: false };

/**
 * One query; doc 0 is its positive (vector [1, 0]); docs 1.. are retrieved in order with the given scores.
 * A doc's vector is [score, sqrt(1 - score^2)] unless `near` lists it (then it is the positive's vector).
 */
interface Case {
  name: string;
  scores: number[];
  config?: Partial<SelectionConfig>;
  texts?: Record<number, string>;
  near?: number[];
  ce?: number[];
  rescoreLimit?: number;
  expect: number[];
  removed?: Partial<Record<RemovalReason, number>>;
  relabeled?: number[];
}

function run(c: Case, hash?: (key: string) => number): { negatives: number[]; relabeled: number[]; removed: Record<string, unknown>; candidates: number } {
  const n = c.scores.length + 1;
  const texts = Array.from({ length: n }, (_, doc) => c.texts?.[doc] ?? `text ${doc}`);
  const vectors = new Float32Array(n * 2);
  vectors[0] = 1;
  c.scores.forEach((score, i) => {
    const doc = i + 1;
    const near = c.near?.includes(doc) === true;
    vectors[doc * 2] = near ? 1 : score;
    vectors[doc * 2 + 1] = near ? 0 : Math.sqrt(Math.max(0, 1 - score * score));
  });
  const dataset: Dataset = {
    queries: { ids: ['q'], texts: ['the query'] },
    corpus: { ids: texts.map((_, doc) => `d${doc}`), texts, titles: texts.map(() => null) },
    positives: PositiveLists.of([[{ doc: 0, score: 1 }]]),
    givenNegatives: DocLists.of([[]]),
    report: emptyLoadReport(),
  };
  const selection = { ...BASE, ...c.config };
  const block: HitBlock = { start: 0, count: 1, k: c.scores.length, scores: Float32Array.from(c.scores), ids: Int32Array.from(c.scores, (_, i) => i + 1) };
  // Query vector [1, 0]: its bi-encoder score with doc d is d's first coordinate (the positive scores 1 unless minPositive says otherwise).
  const queries = VectorChunks.fromFloat32(new Float32Array([1, 0]), 2);
  const plan = planBlock({ dataset, queries, corpus: VectorChunks.fromFloat32(vectors, 2), keys: new TextKeys(texts, 'strict', undefined, hash), settings: { selection, givenNegatives: 'merge', dupThreshold: 0.98, rescoreLimit: c.ce === undefined ? undefined : (c.rescoreLimit ?? 1000) } }, block);
  let ceScores: Float32Array | undefined;
  if (c.ce !== undefined) {
    const ce = c.ce;
    ceScores = Float32Array.from(plan.docs, (doc) => (doc === 0 ? 0.8 : (ce[doc - 1] ?? Number.NaN)));
  }
  const { mined, stats } = mineQueries({ dataset, passages: texts, selection, layout: 'flagembedding', minNegatives: 0 }, plan, ceScores);
  const ids = (list: readonly { id: string }[] | undefined): number[] => (list ?? []).map((t) => Number(t.id.slice(1)));
  const json = stats.toJSON(selection.numNegatives);
  return { negatives: ids(mined[0]?.negatives), relabeled: ids(mined[0]?.relabeled), removed: json['removed'] as Record<string, unknown>, candidates: stats.candidates };
}

const CASES: Case[] = [
  { name: 'takes the top candidates by score', scores: [0.5, 0.4, 0.3, 0.2], expect: [1, 2, 3] },
  { name: 'absolute margin against the minimum positive (neg + m > pos drops)', scores: [0.95, 0.91, 0.89, 0.5], config: { absoluteMargin: 0.1 }, expect: [3, 4], removed: { absolute_margin: 2 } },
  { name: 'relative margin (neg > pos - |pos| r drops)', scores: [0.97, 0.95, 0.94], config: { relativeMargin: 0.05 }, expect: [2, 3], removed: { relative_margin: 1 } },
  { name: 'max and min score', scores: [0.9, 0.5, 0.1], config: { maxScore: 0.8, minScore: 0.2 }, expect: [2], removed: { max_score: 1, min_score: 1 } },
  { name: 'positive text, query text, near-duplicate, each counted', scores: [0.99, 0.98, 0.97, 0.5, 0.4], texts: { 1: 'TEXT  0', 2: 'The Query' }, near: [3], expect: [4, 5], removed: { positive_text: 1, query_text: 1, near_duplicate: 1 } },
  { name: 'one copy of candidates with the same text', scores: [0.6, 0.5, 0.4], texts: { 3: 'text 1' }, expect: [1, 2], removed: { repeated_text: 1 } },
  { name: 'skips range-min survivors', scores: [0.9, 0.8, 0.7, 0.6, 0.5, 0.4], config: { rangeMin: 2 }, expect: [3, 4, 5] },
  { name: 'stops at range-max', scores: [0.9, 0.8, 0.7, 0.6, 0.5, 0.4], config: { rangeMin: 1, rangeMax: 3 }, expect: [2, 3] },
  { name: 'examines only up to range-max survivors without a cross-encoder (early stop)', scores: [0.9, 0.8, 0.7, 0.6, 0.5, 0.4], config: { rangeMax: 3 }, expect: [1, 2, 3] },
  { name: 'cross-encoder scores rank the survivors', scores: [0.9, 0.8, 0.7], ce: [0.1, 0.3, 0.2], expect: [2, 3, 1] },
  { name: 'cross-encoder max score cut', scores: [0.9, 0.8, 0.7], ce: [0.5, 0.3, 0.2], config: { ceMaxScore: 0.4 }, expect: [2, 3], removed: { ce_max_score: 1 } },
  { name: 'relabel candidates scoring at least the minimum positive', scores: [0.9, 0.8, 0.3], ce: [0.9, 0.8, 0.3], config: { relabel: true }, expect: [3], relabeled: [1, 2], removed: { relabeled: 2 } },
  { name: 'never backfills past --ce-candidates', scores: [0.5, 0.4, 0.3], ce: [0.1, 0.1, 0.1], rescoreLimit: 1, expect: [1], removed: { not_rescored: 2 } },
];

describe('candidate plan', () => {
  for (const c of CASES) {
    it(`candidate plan ${c.name}`, () => {
      const result = run(c);
      assert.deepEqual(result.negatives, c.expect);
      if (c.relabeled !== undefined) assert.deepEqual(result.relabeled, c.relabeled);
      if (c.removed !== undefined) for (const [reason, count] of Object.entries(c.removed)) assert.equal(result.removed[reason], count, reason);
    });
  }

  it('candidate plan gives the same result for every case when all text hashes collide (texts compared on collision)', () => {
    for (const c of CASES) assert.deepEqual(run(c, () => 7), run(c), c.name);
  });

  it('candidate plan early stop examines fewer candidates than retrieved', () => {
    const result = run({ name: '', scores: [0.9, 0.8, 0.7, 0.6, 0.5, 0.4], config: { rangeMax: 3 }, expect: [] });
    assert.equal(result.candidates, 3);
  });

  it('candidate plan samples randomly inside the window, reproducibly for a seed, in rank order', () => {
    const scores = Array.from({ length: 20 }, (_, i) => 0.7 - i * 0.01);
    const first = run({ name: '', scores, config: { sampling: 'random', numNegatives: 4 }, expect: [] }).negatives;
    assert.deepEqual(run({ name: '', scores, config: { sampling: 'random', numNegatives: 4 }, expect: [] }).negatives, first);
    assert.equal(new Set(first).size, 4);
    assert.deepEqual([...first].sort((a, b) => a - b), first);
    const others = [1, 2, 3, 4, 5].map((seed) => run({ name: '', scores, config: { sampling: 'random', numNegatives: 4, seed }, expect: [] }).negatives.join());
    assert.ok(new Set(others).size > 1, 'other seeds give other samples');
  });

  it('per-query depth: one query with 400 positives does not deepen the others', () => {
    const corpus = { ids: Array.from({ length: 5000 }, (_, i) => `d${i}`), texts: [], titles: [] };
    const positives = Array.from({ length: 2048 }, (_, q) => (q === 0 ? Array.from({ length: 400 }, (_, doc) => ({ doc, score: 1 })) : [{ doc: q, score: 1 }]));
    const dataset = { queries: { ids: [], texts: [] }, corpus, positives: PositiveLists.of(positives), givenNegatives: DocLists.of(positives.map(() => [1, 2])), report: emptyLoadReport() } as unknown as Dataset;
    const modes: GivenNegativesMode[] = ['keep', 'merge'];
    const fixed = { rangeMax: 10 };
    const [keep, merge] = modes.map((mode) => [queryDepth(dataset, 0, fixed, mode), queryDepth(dataset, 1, fixed, mode)]);
    assert.deepEqual(keep, [410, 11]);
    assert.deepEqual(merge, [412, 13]);
    assert.equal(blockDepth(dataset, 0, 1024, fixed, 'keep'), 410);
    assert.equal(blockDepth(dataset, 1024, 1024, fixed, 'keep'), 11);
    assert.equal(queryDepth({ ...dataset, corpus: { ...corpus, ids: ['a', 'b'] } }, 0, fixed, 'keep'), 2);
    // Default range-max: each query's window also makes room for its own positives only.
    const perQuery = { rangeMax: 3, rangeMaxAddsPositives: true };
    assert.deepEqual([queryDepth(dataset, 0, perQuery, 'keep'), queryDepth(dataset, 1, perQuery, 'keep')], [803, 5]);
    assert.equal(blockDepth(dataset, 1024, 1024, perQuery, 'keep'), 5);
  });

  it('default range-max window: a query with more positives gets a wider window, not the others', () => {
    const scores = Array.from({ length: 12 }, (_, i) => 0.9 - i * 0.01);
    const wide = run({ name: '', scores, config: { rangeMax: 2, rangeMaxAddsPositives: true, sampling: 'random', numNegatives: 2 }, expect: [] });
    assert.equal(wide.negatives.length, 2);
    assert.ok(wide.negatives.every((rank) => rank <= 3), `window of 2 + 1 positive: ${wide.negatives.join()}`);
  });

  it('defaults range-max like sentence-transformers', () => {
    assert.equal(defaultRangeMax({ rangeMin: 0, numNegatives: 3 }, 1), 4);
    assert.equal(defaultRangeMax({ rangeMin: 10, numNegatives: 5, relativeMargin: 0.05 }, 2), 62);
  });

  it('plan over float16 vectors reads only the rows it checks, and equals the plan over their float32 values', () => {
    const rows = 20_000;
    const dim = 8;
    const values = normalizeRows(Float32Array.from({ length: rows * dim }, (_, i) => Math.sin(i * 0.7)), dim);
    // Doc 1 is a near-copy of the positive (doc 0): the near-duplicate check has to read it.
    values.set(values.subarray(0, dim), dim);
    const half = VectorChunks.fromFloat32(values, dim, { dtype: 'float16', chunkRows: 4096 });
    const wide = VectorChunks.fromFloat32(half.readRows(0, rows), dim);
    const read = new Set<number>();
    const counting = {
      dim,
      rows,
      readRow: (row: number, out: Float32Array, at?: number): void => {
        read.add(row);
        half.readRow(row, out, at);
      },
      dotRow: (row: number, vector: Float32Array, at?: number): number => {
        read.add(row);
        return half.dotRow(row, vector, at);
      },
    };
    const texts = Array.from({ length: rows }, (_, doc) => `text ${doc}`);
    const dataset: Dataset = { queries: { ids: ['q'], texts: ['the query'] }, corpus: { ids: texts.map((_, doc) => `d${doc}`), texts, titles: texts.map(() => null) }, positives: PositiveLists.of([[{ doc: 0, score: 1 }]]), givenNegatives: DocLists.of([[]]), report: emptyLoadReport() };
    const hits = Int32Array.from({ length: 30 }, (_, i) => i + 1);
    const block: HitBlock = { start: 0, count: 1, k: 30, scores: Float32Array.from(hits, (_, i) => 0.9 - i * 0.01), ids: hits };
    const queries = VectorChunks.fromFloat32(values.subarray(0, dim), dim, { dtype: 'float16' });
    const settings = { selection: { ...BASE, rangeMax: 10 }, givenNegatives: 'merge' as const, dupThreshold: 0.98, rescoreLimit: undefined };
    const plan = planBlock({ dataset, queries, corpus: counting, keys: new TextKeys(texts), settings }, block);
    const reference = planBlock({ dataset, queries, corpus: wide, keys: new TextKeys(texts), settings }, block);
    assert.deepEqual([...plan.docs], [...reference.docs]);
    assert.deepEqual([...plan.biScores], [...reference.biScores]);
    assert.equal(plan.removed.near_duplicate, reference.removed.near_duplicate);
    assert.ok(plan.removed.near_duplicate >= 1 && !plan.docs.subarray(1).includes(1));
    assert.ok(read.size <= 31 && read.has(0) && read.has(1), `read ${read.size} of ${rows} rows`);
  });
});
