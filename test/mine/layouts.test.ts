import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { emptyLoadReport, type Dataset } from '../../src/core/dataset.ts';
import { layoutRows, layoutSchema, minNegativesFor } from '../../src/mine/layouts.ts';
import { planBlock } from '../../src/mine/candidate-plan.ts';
import { VectorChunks } from '../../src/core/vector-chunks.ts';
import { TextKeys } from '../../src/mine/identity.ts';
import { mineQueries } from '../../src/mine/mine-queries.ts';
import { outputPlan } from '../../src/pipeline/mine/output-plan.ts';
import { DocLists, PositiveLists } from '../../src/core/query-lists.ts';

/** One query, four documents on a line: doc 0 the positive, doc 1 a given negative, docs 2-3 retrievable. */
function dataset(overrides: Partial<Dataset> = {}): Dataset {
  return {
    queries: { ids: ['q1'], texts: ['what is it'] },
    corpus: { ids: ['p', 'g', 'c1', 'c2'], texts: ['the positive', 'a given negative', 'candidate one', 'candidate two'], titles: [null, null, null, null] },
    positives: PositiveLists.of([[{ doc: 0, score: 1 }]]),
    givenNegatives: DocLists.of([[1]]),
    report: emptyLoadReport(),
    ...overrides,
  };
}

function mineOne(data: Dataset): ReturnType<typeof mineQueries> {
  const corpus = VectorChunks.fromFloat32(new Float32Array([0.9, 0.5, 0.4, 0.3]), 1);
  const queries = VectorChunks.fromFloat32(new Float32Array([1]), 1);
  const hits = { start: 0, count: 1, k: 4, scores: new Float32Array([0.9, 0.5, 0.4, 0.3]), ids: new Int32Array([0, 1, 2, 3]) };
  const keys = new TextKeys(data.corpus.texts);
  const selection = { numNegatives: 1, rangeMin: 0, rangeMax: 10, sampling: 'top' as const, seed: 1, relabel: false };
  const plan = planBlock({ dataset: data, queries, corpus, keys, settings: { selection, givenNegatives: 'merge', dupThreshold: 0.98, rescoreLimit: undefined } }, hits);
  return mineQueries({ dataset: data, passages: data.corpus.texts, selection, layout: 'flagembedding', minNegatives: 1 }, plan, undefined);
}

describe('layouts', () => {
  it('layouts keep input teacher scores for given items, mined scores for new ones, and every extra field', () => {
    const data = dataset({ extras: [{ prompt: 'Represent this question', type: 'normal', tags: ['a'], meta: { source: 'x' } }], teacherScores: [new Map([[0, 7.5], [1, -2.25]])] });
    const { mined } = mineOne(data);
    const plan = outputPlan('flagembedding', data, { scores: false, numNegatives: 1 }, undefined);
    const [row] = mined.flatMap((query) => layoutRows('flagembedding', query, plan.options));
    assert.ok(row !== undefined);
    assert.deepEqual(row['neg_ids'], ['g', 'c1']);
    // pos_scores / neg_scores stay aligned with pos / neg for FlagEmbedding's distillation.
    assert.deepEqual(row['pos_scores'], [7.5]);
    assert.equal((row['neg_scores'] as number[])[0], -2.25);
    assert.ok(Math.abs(((row['neg_scores'] as number[])[1] ?? 0) - 0.4) < 1e-6, 'a new negative gets the score negmine computed');
    assert.ok(Math.abs(((row['mined_neg_scores'] as number[])[0] ?? 0) - 0.5) < 1e-6, "negmine's own score of every item sits beside");
    assert.equal(row['prompt'], 'Represent this question');
    assert.equal(row['type'], 'normal');
    assert.deepEqual(row['tags'], ['a']);
    assert.equal(row['meta'], '{"source":"x"}', 'values that fit no column type are written as JSON text');
    assert.deepEqual(layoutSchema('flagembedding', plan.options).slice(-4).map((column) => `${column.name}:${column.type}`), ['prompt:string', 'type:string', 'tags:string_list', 'meta:string']);
  });

  it('layouts without input scores write no mined_* columns', () => {
    const plan = outputPlan('flagembedding', dataset(), { scores: false, numNegatives: 1 }, undefined);
    assert.equal(plan.options.inputScores, undefined);
    assert.ok(!layoutSchema('flagembedding', plan.options).some((column) => column.name.startsWith('mined_')));
  });

  it("layouts keep the input's anchor and positive column names in sentence-transformers layouts", () => {
    const { mined } = mineOne(dataset());
    const plan = outputPlan('triplet', dataset({ columns: { query: 'question', positive: 'answer' } }), { scores: true, numNegatives: 1 }, undefined);
    const rows = mined.flatMap((query) => layoutRows('triplet', query, plan.options));
    assert.deepEqual(Object.keys(rows[0] ?? {}), ['question', 'answer', 'negative', 'scores']);
    assert.deepEqual(layoutSchema('labeled-pair', { scores: false, numNegatives: 1, columns: { query: 'question', positive: 'answer' } }).map((c) => c.name), ['question', 'answer', 'label']);
    // A name that would collide with a column negmine writes falls back to anchor / positive.
    assert.deepEqual(layoutSchema('triplet', { scores: false, numNegatives: 1, columns: { query: 'q', positive: 'negative' } }).map((c) => c.name), ['anchor', 'positive', 'negative']);
  });

  it('layouts need at least one negative for FlagEmbedding and labeled-list, n for n-tuple, unless --min-negatives says otherwise', () => {
    assert.equal(minNegativesFor('flagembedding', 3, undefined), 1);
    assert.equal(minNegativesFor('labeled-list', 3, undefined), 1);
    assert.equal(minNegativesFor('n-tuple', 3, undefined), 3);
    assert.equal(minNegativesFor('n-tuple', 3, 1), 3);
    assert.equal(minNegativesFor('triplet', 3, undefined), 0);
    assert.equal(minNegativesFor('flagembedding', 3, 0), 0);
  });
});
