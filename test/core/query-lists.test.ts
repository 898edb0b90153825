import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DocLists, PositiveLists } from '../../src/core/query-lists.ts';

describe('query lists', () => {
  it('query lists give each query its own entries, in input order, and none outside the lists', () => {
    const positives = PositiveLists.of([[{ doc: 4, score: 2 }, { doc: 1, score: 1 }], [], [{ doc: 7, score: 0.5 }]]);
    assert.equal(positives.length, 3);
    assert.deepEqual([0, 1, 2, 3, -1, 0.5].map((q) => positives.count(q)), [2, 0, 1, 0, 0, 0]);
    assert.deepEqual(Array.from(positives.docsOf(0)), [4, 1]);
    assert.deepEqual(positives.at(2), [{ doc: 7, score: 0.5 }]);
    assert.deepEqual(positives.at(0), [{ doc: 4, score: 2 }, { doc: 1, score: 1 }]);
    assert.deepEqual(positives.at(1), []);
    assert.deepEqual(positives.at(9), []);
    const negatives = DocLists.of([[], [3, 3, 5]]);
    assert.deepEqual(Array.from(negatives.docsOf(1)), [3, 3, 5]);
    assert.equal(negatives.docsOf(5).length, 0);
  });

  it('query lists refuse offsets that do not cover the entries, and scores that do not match them', () => {
    assert.throws(() => new DocLists(Int32Array.of(0, 2), Int32Array.of(1)), /offsets must run from 0 to 1/);
    assert.throws(() => new DocLists(Int32Array.of(), Int32Array.of()), RangeError);
    assert.throws(() => new PositiveLists(Int32Array.of(0, 1), Int32Array.of(1), Float64Array.of()), /1 positives need as many scores/);
  });
});
