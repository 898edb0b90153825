import { REMOVAL_REASONS, type RemovalReason } from '../../mine/select.ts';
import { formatScoreTable, RANK_BUCKETS, summarize, type MiningStats } from '../../mine/stats.ts';

const REASON_TEXT: Record<RemovalReason, string> = {
  positive_id: 'are positives of the query',
  positive_text: "have a positive's text under another id",
  query_text: "have the query's own text",
  near_duplicate: 'are near-duplicates of a positive (--dup-threshold)',
  repeated_text: 'repeat the text of a better-ranked candidate',
  not_rescored: 'were beyond --ce-candidates (never backfilled unchecked)',
  relabeled: 'scored at least the positive and were relabeled as positives (--relabel)',
  ce_max_score: 'reached --ce-max-score',
  absolute_margin: 'fell within --absolute-margin of the positive',
  relative_margin: 'fell within --relative-margin of the positive',
  max_score: 'scored above --max-score',
  min_score: 'scored below --min-score',
};

/** The human summary printed on stderr after mining, in the spirit of sentence-transformers' report. */
export function formatMiningReport(stats: MiningStats, numNegatives: number, candidatesSeen: number, stageSeconds: Record<string, number>): string {
  const lines = [formatScoreTable(summarize(stats.positiveScores), summarize(stats.negativeScores), summarize(stats.differences))];
  for (const reason of REMOVAL_REASONS) {
    const count = stats.removed[reason];
    if (count === 0) continue;
    const share = candidatesSeen === 0 ? 0 : (100 * count) / candidatesSeen;
    lines.push(`Skipped ${count.toLocaleString('en-US')} candidates (${share.toFixed(2)}%) that ${REASON_TEXT[reason]}.`);
  }
  const fewer = stats.queriesWithFewer(numNegatives);
  if (fewer > 0) {
    const histogram = [...stats.negativesPerQuery].filter(([n]) => n < numNegatives).sort(([a], [b]) => a - b).map(([n, q]) => `${q} got ${n}`);
    lines.push(
      `Could not find ${numNegatives} negatives for ${fewer.toLocaleString('en-US')} of ${stats.queries.toLocaleString('en-US')} queries (${histogram.join(', ')}); consider --range-max or looser thresholds.`,
    );
  }
  lines.push(`Positive rank in the bi-encoder retrieval: ${RANK_BUCKETS.map((bucket) => `${bucket}: ${stats.positiveRanks[bucket]}`).join(', ')}.`);
  if (stats.relabeled > 0) lines.push(`Relabeled ${stats.relabeled.toLocaleString('en-US')} candidates as extra positives.`);
  lines.push(`Stage times (s): ${Object.entries(stageSeconds).map(([stage, s]) => `${stage} ${s.toFixed(2)}`).join(', ')}.`);
  return `${lines.join('\n')}\n`;
}
