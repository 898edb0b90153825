import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sliceStrings } from '../../../src/core/dataset.ts';
import { QueryTable } from '../../../src/io/dataset/query-table.ts';

describe('query-table', () => {
  it('query-table unites queries of one normalized text, keeping first-seen order, the highest grade and each passage once', () => {
    const table = new QueryTable();
    const a = table.add('qa', 'What is BM25?', 1);
    const b = table.add('qb', 'other query', 2);
    const c = table.add('qc', '  What IS  bm25? ', 3);
    assert.deepEqual([a, b, c].map((r) => (r.kind === 'ok' ? r.query : -1)), [0, 1, 2]);
    assert.deepEqual(table.add('qa', 'What is BM25?', 9), { kind: 'ok', query: 0, isNew: false });
    assert.deepEqual(table.add('qa', 'changed text', 10), { kind: 'conflict', firstPosition: 1 });
    // Judgments interleaved across queries, as qrels files give them.
    table.addPositive(2, 7, 1);
    table.addPositive(0, 5, 1);
    table.addPositive(1, 3, 2);
    table.addPositive(0, 7, 3);
    table.addPositive(0, 5, 2);
    table.addPositive(2, 9, 1);
    table.addNegative(2, 4);
    table.addNegative(0, 8);
    table.addNegative(0, 4);
    table.addPositive(99, 1, 1);
    table.addTeacherScore(2, 4, 0.5);
    table.addTeacherScore(2, 4, 0.9);
    table.setExtras(0, { source: 'x' });
    // Passages 9 and 5 are the same text: the later one is a duplicate positive.
    const built = table.build(() => true, (doc) => (doc === 9 ? 'p5' : `p${doc}`));
    assert.deepEqual(sliceStrings(built.ids), ['qa', 'qb']);
    assert.deepEqual([built.positives.at(0), built.positives.at(1)], [[{ doc: 5, score: 2 }, { doc: 7, score: 3 }], [{ doc: 3, score: 2 }]]);
    assert.deepEqual([Array.from(built.givenNegatives.docsOf(0)), Array.from(built.givenNegatives.docsOf(1))], [[8, 4], []]);
    assert.equal(built.positives.length, 2);
    assert.deepEqual(built.teacherScores, [new Map([[4, 0.5]]), undefined]);
    assert.deepEqual(built.extras, [{ source: 'x' }, undefined]);
    assert.equal(built.mergedQueries, 1);
    assert.equal(built.duplicatePositives, 1);
  });

  it('query-table keys queries without ids by exact text and lists those left without positives', () => {
    const table = new QueryTable();
    table.add(undefined, 'alpha', 1);
    assert.deepEqual(table.add(undefined, 'alpha', 2), { kind: 'ok', query: 0, isNew: false });
    table.add(undefined, 'beta', 3);
    table.addPositive(1, 0, 1);
    const built = table.build((q) => q !== 1 || true, (doc) => String(doc));
    assert.equal(built.ids.length, 1);
    assert.equal(built.texts.at(0), 'beta');
    assert.deepEqual(built.withoutPositives.map((q) => [q.text, q.position]), [['alpha', 1]]);
    assert.equal(table.build((q) => q !== 1, String).ids.length, 0);
  });
});
