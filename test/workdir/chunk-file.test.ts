import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeChunk, encodeChunk, peekChunkIdentity } from '../../src/workdir/chunk-file.ts';
import { partChunk, partOf } from '../../src/workdir/chunk-kinds.ts';
import { MiningStats } from '../../src/mine/stats.ts';
import { emptyRemovalCounts } from '../../src/mine/select.ts';

const IDENTITY = { stage: 'search', key: 'a'.repeat(64), chunk: 3 };

function sample(): Uint8Array {
  return encodeChunk(IDENTITY, { meta: { rows: 3, k: 2 }, arrays: [new Float32Array([0.5, -1.25, 3, 4, 5, 6]), new Int32Array([7, -1, 9]), new Uint8Array([1, 2, 3, 4, 5]), new Uint16Array([65535, 1])] });
}

describe('chunk file', () => {
  it('chunk file round-trips typed arrays and meta', () => {
    const decoded = decodeChunk(sample(), IDENTITY);
    assert.ok('data' in decoded, JSON.stringify(decoded));
    assert.deepEqual(decoded.data.meta, { rows: 3, k: 2 });
    assert.deepEqual([...(decoded.data.arrays[0] ?? [])], [0.5, -1.25, 3, 4, 5, 6]);
    assert.ok(decoded.data.arrays[1] instanceof Int32Array);
    assert.deepEqual([...decoded.data.arrays[1]], [7, -1, 9]);
    assert.deepEqual([...(decoded.data.arrays[2] ?? [])], [1, 2, 3, 4, 5]);
    assert.ok(decoded.data.arrays[3] instanceof Uint16Array);
    assert.deepEqual([...decoded.data.arrays[3]], [65535, 1]);
    assert.deepEqual(peekChunkIdentity(sample().subarray(0, 400)), IDENTITY);
  });

  it('chunk file detects a flipped byte anywhere, truncation and extra bytes', () => {
    const bytes = sample();
    for (let at = 0; at < bytes.length; at += 1) {
      const damaged = Uint8Array.from(bytes);
      damaged[at] = (damaged[at] ?? 0) ^ 0x10;
      const decoded = decodeChunk(damaged, IDENTITY);
      // Padding bytes between arrays carry no data; every other byte is covered by the header check or the checksum.
      if ('data' in decoded) {
        assert.deepEqual(decoded.data, (decodeChunk(bytes, IDENTITY) as { data: unknown }).data, `byte ${at} changed data undetected`);
      }
    }
    const flippedData = Uint8Array.from(bytes);
    flippedData[bytes.length - 12] = (flippedData[bytes.length - 12] ?? 0) ^ 1;
    assert.match((decodeChunk(flippedData, IDENTITY) as { problem: string }).problem, /checksum/);
    assert.match((decodeChunk(bytes.subarray(0, bytes.length - 10), IDENTITY) as { problem: string }).problem, /truncated/);
    assert.match((decodeChunk(new Uint8Array([...bytes, 0, 0, 0, 0, 0, 0, 0, 0]), IDENTITY) as { problem: string }).problem, /past its last array/);
  });

  it('chunk file of another stage, key or position is refused', () => {
    for (const other of [{ ...IDENTITY, stage: 'rerank' }, { ...IDENTITY, key: 'b'.repeat(64) }, { ...IDENTITY, chunk: 4 }]) {
      assert.match((decodeChunk(sample(), other) as { problem: string }).problem, /belongs to/);
    }
  });

  it('output part keeps NaN, infinities and -0 exactly', () => {
    const stats = new MiningStats(emptyRemovalCounts());
    stats.addQuery({ positiveScores: [Number.NaN, 0.5], rowNegativeScores: [-0, Number.NEGATIVE_INFINITY], minedNegatives: 2, negatives: 2, relabeled: 0, written: true });
    const part = { rows: [{ query: 'q', scores: [Number.NaN, -0, Number.POSITIVE_INFINITY, 0.1 + 0.2] }], rowsPerQuery: [1], stats: stats.toSnapshot() };
    const back = partOf(partChunk(part));
    assert.ok(back !== undefined);
    const scores = back.rows[0]?.['scores'] as number[];
    assert.ok(Number.isNaN(scores[0]));
    assert.ok(Object.is(scores[1], -0));
    assert.equal(scores[2], Number.POSITIVE_INFINITY);
    assert.equal(scores[3], 0.1 + 0.2);
    assert.deepEqual(MiningStats.fromSnapshot(back.stats).toJSON(1), stats.toJSON(1));
  });

  it('output part stored with the earlier statistics layout (one score per pair) is not taken', () => {
    const stats = new MiningStats(emptyRemovalCounts());
    stats.addQuery({ positiveScores: [0.5], rowNegativeScores: [0.25], minedNegatives: 1, negatives: 1, relabeled: 0, written: true });
    const { rowNegativeScores, positiveCounts, rowNegativeCounts, ...rest } = stats.toSnapshot();
    const earlier = { ...rest, negativeScores: rowNegativeScores, differences: [0.25], counts: [positiveCounts, rowNegativeCounts] };
    const part = { rows: [{ query: 'q' }], rowsPerQuery: [1], stats: earlier as unknown as ReturnType<MiningStats['toSnapshot']> };
    assert.equal(partOf(partChunk(part)), undefined);
    assert.ok(partOf(partChunk({ ...part, stats: stats.toSnapshot() })) !== undefined);
  });
});
