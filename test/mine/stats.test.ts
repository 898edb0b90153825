import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { emptyRemovalCounts } from '../../src/mine/select.ts';
import { formatScoreTable, MiningStats, rankBucket, summarize } from '../../src/mine/stats.ts';

describe('stats', () => {
  it('stats summarize like torch: unbiased std, lower median, interpolated quartiles', () => {
    const summary = summarize([4, 1, 3, 2]);
    assert.equal(summary.count, 4);
    assert.equal(summary.mean, 2.5);
    assert.equal(summary.median, 2);
    assert.equal(summary.p50, 2.5);
    assert.equal(summary.p25, 1.75);
    assert.equal(summary.p75, 3.25);
    assert.ok(Math.abs(summary.std - Math.sqrt(5 / 3)) < 1e-12);
    assert.equal(summary.min, 1);
    assert.equal(summary.max, 4);
  });

  it('stats count negatives per query, differences and positive ranks', () => {
    const stats = new MiningStats(emptyRemovalCounts());
    stats.addQuery({ positiveScores: [0.9], rowNegativeScores: [0.5, 0.4], minedNegatives: 2, negatives: 2, relabeled: 0, written: true });
    stats.addQuery({ positiveScores: [0.8, 0.7], rowNegativeScores: [], minedNegatives: 0, negatives: 0, relabeled: 1, written: true });
    stats.addPositiveRank(1);
    stats.addPositiveRank(7);
    stats.addPositiveRank(undefined);
    const json = stats.toJSON(2) as { negativesPerQuery: Record<string, number>; queriesWithFewerNegatives: number; relabeled: number; positiveRanks: Record<string, number> };
    assert.deepEqual(json.negativesPerQuery, { 0: 1, 2: 1 });
    assert.equal(json.queriesWithFewerNegatives, 1);
    assert.equal(json.relabeled, 1);
    assert.deepEqual(Array.from(stats.pairScores((pos, neg) => pos - neg), (d) => Number(d.toFixed(6))), [0.4, 0.5]);
    assert.equal(json.positiveRanks['1'], 1);
    assert.equal(json.positiveRanks['6-10'], 1);
    assert.equal(json.positiveRanks['not_retrieved'], 1);
    assert.equal(rankBucket(101), '>100');
  });

  it('stats count one negative score per (positive, negative) pair, as sentence-transformers does', () => {
    const stats = new MiningStats(emptyRemovalCounts());
    stats.addQuery({ positiveScores: [0.9, 0.8, 0.7], rowNegativeScores: [0.5, 0.4], minedNegatives: 2, negatives: 2, relabeled: 0, written: true });
    stats.addQuery({ positiveScores: [0.6], rowNegativeScores: [], minedNegatives: 0, negatives: 0, relabeled: 0, written: false });
    const json = stats.toJSON(2) as { negatives: number; queriesDroppedFewerNegatives: number; scores: { positive: { count: number }; negative: { count: number } } };
    assert.equal(json.scores.positive.count, 4);
    assert.equal(json.scores.negative.count, 6);
    // Each row negative once per positive of its query; scores are kept at float32, the models' precision.
    assert.deepEqual(Array.from(stats.pairScores((_pos, neg) => neg)), [0.5, 0.4, 0.5, 0.4, 0.5, 0.4].map(Math.fround));
    assert.deepEqual(Array.from(stats.pairScores((pos, neg) => pos - neg)).slice(0, 3), [Math.fround(0.9) - Math.fround(0.5), Math.fround(0.9) - Math.fround(0.4), Math.fround(0.8) - Math.fround(0.5)]);
    assert.equal(json.negatives, 2);
    assert.equal(json.queriesDroppedFewerNegatives, 1);
  });

  it('stats print the sentence-transformers table', () => {
    const s = summarize([0.5, 0.7]);
    const table = formatScoreTable(s, s, s).split('\n');
    assert.equal(table[0], 'Metric       Positive       Negative     Difference');
    assert.equal(table[1], 'Count               2              2               ');
    assert.equal(table[2], 'Mean           0.6000         0.6000         0.6000');
  });
});
