import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { emptyLoadReport } from '../../src/core/dataset.ts';
import { emptyRemovalCounts } from '../../src/mine/select.ts';
import { MiningStats } from '../../src/mine/stats.ts';
import { formatMiningReport } from '../../src/cli/report.ts';

function shortStats(): MiningStats {
  const stats = new MiningStats(emptyRemovalCounts());
  stats.candidates = 8;
  stats.removed.positive_id = 2;
  stats.addQuery({ positiveScores: [0.9], rowNegativeScores: [0.5], minedNegatives: 1, negatives: 1, relabeled: 0, written: true });
  stats.addQuery({ positiveScores: [0.8], rowNegativeScores: [0.4, 0.3, 0.2], minedNegatives: 3, negatives: 3, relabeled: 0, written: true });
  return stats;
}

describe('report', () => {
  it('report names --nprobe in the shortfall hint when an IVF index is used', () => {
    const context = { numNegatives: 3, minNegatives: 1, read: emptyLoadReport(), stageSeconds: { total: 1 } };
    const ivf = formatMiningReport(shortStats(), { ...context, index: { factory: 'IVF16,Flat', nprobe: 4 } });
    assert.match(ivf, /Could not find 3 new negatives for 1 of 2 mined queries \(1 got 1\); consider --range-max, a higher --nprobe \(now 4\) or looser thresholds\./);
    const exact = formatMiningReport(shortStats(), { ...context, index: {} });
    assert.doesNotMatch(exact, /nprobe/);
    assert.match(exact, /^Skipped 2 of 8 candidates \(25\.00%\) that are positives of the query\.$/m);
  });

  it('report shows merged queries, deduplicated positives and skipped rows by reason from the input report', () => {
    const read = { ...emptyLoadReport(), recordsRead: 10, mergedQueries: 2, duplicatePositives: 1 };
    read.skipped.missing_field = 3;
    const text = formatMiningReport(shortStats(), { numNegatives: 1, minNegatives: 1, index: {}, read, stageSeconds: { total: 1 } });
    assert.match(text, /^Input: 10 records read; merged queries 2; duplicate positives 1; skipped rows: missing field 3\.$/m);
  });
});
