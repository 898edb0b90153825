import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { packBatch, paddingEfficiency, planBatches } from '../../src/model/batching.ts';

describe('batching', () => {
  it('batching groups length-sorted items bounded by rows and padded tokens', () => {
    const lengths = [5, 100, 6, 90, 7, 8];
    const batches = planBatches(lengths, { maxBatchSize: 3, maxBatchTokens: 200 });
    assert.deepEqual(batches, [[1, 3], [5, 4, 2], [0]]);
    for (const batch of batches) {
      assert.ok(batch.length <= 3);
      assert.ok(batch.length * batch.reduce((most, i) => Math.max(most, lengths[i] ?? 0), 0) <= 200);
    }
    assert.deepEqual(batches.flat().sort((a, b) => a - b), [0, 1, 2, 3, 4, 5]);
  });

  it('batching never leaves an item out even when it alone exceeds the token bound', () => {
    assert.deepEqual(planBatches([500, 10], { maxBatchSize: 8, maxBatchTokens: 100 }), [[0], [1]]);
  });

  it('batching pads right with the pad id and builds masks and type ids', () => {
    const packed = packBatch([{ ids: Int32Array.from([101, 7, 102]), typeIds: Int32Array.from([0, 0, 1]) }, { ids: Int32Array.from([101, 102]), typeIds: Int32Array.from([0, 0]) }], 1);
    assert.equal(packed.seq, 3);
    assert.deepEqual([...packed.inputIds], [101n, 7n, 102n, 101n, 102n, 1n]);
    assert.deepEqual([...packed.attentionMask], [1n, 1n, 1n, 1n, 1n, 0n]);
    assert.deepEqual([...packed.tokenTypeIds], [0n, 0n, 1n, 0n, 0n, 0n]);
    assert.equal(paddingEfficiency([3, 2], [[0, 1]]), 5 / 6);
  });
});
