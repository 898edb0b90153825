import type { LoadReport } from '../core/dataset.ts';
import { REMOVAL_REASONS, type RemovalReason } from '../mine/select.ts';
import { formatScoreTable, RANK_BUCKETS, type MiningStats } from '../mine/stats.ts';
import type { MineReportData } from '../pipeline/mine/mine-summary.ts';

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

export type ReportContext = MineReportData;

function words(camel: string): string {
  return camel.replace(/([a-z0-9])([A-Z])/g, '$1 $2').toLowerCase();
}

/** The input counts worth a person's attention: merged queries, deduplicated positives, skipped rows by reason. */
function inputLine(read: LoadReport): string | undefined {
  const parts: string[] = [];
  for (const [name, value] of Object.entries(read)) {
    if (name === 'files' || name === 'recordsRead' || name === 'skipped') continue;
    if (typeof value === 'number' && value > 0) parts.push(`${words(name)} ${value.toLocaleString('en-US')}`);
  }
  const skipped = Object.entries(read.skipped as Record<string, number>).filter(([, count]) => count > 0);
  if (skipped.length > 0) parts.push(`skipped rows: ${skipped.map(([reason, count]) => `${reason.replaceAll('_', ' ')} ${count.toLocaleString('en-US')}`).join(', ')}`);
  return parts.length === 0 ? undefined : `Input: ${read.recordsRead.toLocaleString('en-US')} records read; ${parts.join('; ')}.`;
}

/**
 * The human summary printed on stderr after mining, in the spirit of sentence-transformers' report: skip
 * percentages share one denominator (every candidate examined, retrieved or given), and the shortfall counts the
 * negatives this run mined against --num-negatives.
 */
export function formatMiningReport(stats: MiningStats, context: ReportContext): string {
  const { numNegatives } = context;
  const { positive, negative, difference } = stats.summaries();
  const lines = [formatScoreTable(positive, negative, difference)];
  for (const reason of REMOVAL_REASONS) {
    const count = stats.removed[reason];
    if (count === 0) continue;
    const share = stats.candidates === 0 ? 0 : (100 * count) / stats.candidates;
    lines.push(`Skipped ${count.toLocaleString('en-US')} of ${stats.candidates.toLocaleString('en-US')} candidates (${share.toFixed(2)}%) that ${REASON_TEXT[reason]}.`);
  }
  const fewer = stats.queriesWithFewer(numNegatives);
  if (fewer > 0) {
    let mined = 0;
    for (const queries of stats.negativesPerQuery.values()) mined += queries;
    const histogram = [...stats.negativesPerQuery].filter(([n]) => n < numNegatives).sort(([a], [b]) => a - b).map(([n, q]) => `${q} got ${n}`);
    const ivf = context.index.factory?.toUpperCase().includes('IVF') === true;
    const hint = ivf ? `consider --range-max, a higher --nprobe (now ${context.index.nprobe ?? 'the default'}) or looser thresholds` : 'consider --range-max or looser thresholds';
    lines.push(`Could not find ${numNegatives} new negatives for ${fewer.toLocaleString('en-US')} of ${mined.toLocaleString('en-US')} mined queries (${histogram.join(', ')}); ${hint}.`);
  }
  if (stats.droppedFewerNegatives > 0) {
    lines.push(`Left out ${stats.droppedFewerNegatives.toLocaleString('en-US')} of ${stats.queries.toLocaleString('en-US')} queries with fewer than ${context.minNegatives} negatives (--min-negatives).`);
  }
  const input = inputLine(context.read);
  if (input !== undefined) lines.push(input);
  lines.push(`Positive rank in the bi-encoder retrieval: ${RANK_BUCKETS.map((bucket) => `${bucket}: ${stats.positiveRanks[bucket]}`).join(', ')}.`);
  if (stats.relabeled > 0) lines.push(`Relabeled ${stats.relabeled.toLocaleString('en-US')} candidates as extra positives.`);
  if (context.workDir !== undefined) {
    const stages = Object.entries(context.workDir).map(([stage, counts]) => `${stage} ${counts.reused} reused, ${counts.recomputed} recomputed`);
    lines.push(`Work directory chunks: ${stages.length === 0 ? 'none' : stages.join('; ')}.`);
  }
  lines.push(`Stage times (s): ${Object.entries(context.stageSeconds).map(([stage, s]) => `${stage} ${s.toFixed(2)}`).join(', ')}.`);
  return `${lines.join('\n')}\n`;
}
