import { escapeControl } from '../core/errors.ts';
import type { CountSummary, InspectReport } from '../pipeline/inspect.ts';

const number = (n: number): string => n.toLocaleString('en-US');

function row(label: string, value: string): string {
  return `${label.padEnd(18)}${value}`;
}

function perQuery(summary: CountSummary): string {
  return `${number(summary.total)} total; per query min ${number(summary.min)}, median ${number(summary.median)}, max ${number(summary.max)}`;
}

const LISTED_IDS = 5;

/** The first few ids, quoted and escaped, then "and N more". */
function idList(ids: readonly string[]): string {
  const shown = ids.slice(0, LISTED_IDS).map((id) => `'${escapeControl(id)}'`).join(', ');
  return ids.length > LISTED_IDS ? `${shown} and ${number(ids.length - LISTED_IDS)} more` : shown;
}

/** The human-readable inspect report. */
export function formatInspectReport(report: InspectReport): string {
  const skipped = Object.entries(report.skippedRows.byReason).map(([reason, count]) => `${reason} ${number(count)}`);
  const lines = [
    row('input', `${report.files.join(', ')} (${number(report.recordsRead)} records)`),
    row('queries', `${number(report.queries)}${report.queriesWithoutQrels > 0 ? ` (${number(report.queriesWithoutQrels)} more in the queries file have no qrels)` : ''}`),
    row('merged queries', `${number(report.mergedQueries)} queries repeat an earlier query's text under another id (merged into it)`),
    row('no positive', report.queriesWithoutPositives.total === 0 ? 'none' : `${number(report.queriesWithoutPositives.total)} queries skipped: ${idList(report.queriesWithoutPositives.ids)}`),
    row('positives', perQuery(report.positives)),
    row('dup positives', `${number(report.duplicatePositives)} positives repeat another positive's text for the same query (kept once)`),
    row('given negatives', report.givenNegatives.total === 0 ? 'none' : perQuery(report.givenNegatives)),
    row('corpus', `${number(report.corpus.documents)} documents (${number(report.corpus.withTitle)} with a title)`),
    row('duplicate texts', `${number(report.corpus.duplicateTexts)} exact, ${number(report.corpus.nearDuplicateTexts)} after normalizing case, spacing and Unicode`),
    row('positive copies', `${number(report.positivesWithCopiesInCorpus)} positives have a copy under another id (never mined as negatives)`),
    row('added to corpus', `${number(report.positivesAddedToCorpus)} positive and ${number(report.negativesAddedToCorpus)} negative texts not in the corpus file`),
    row('repeated rows', `${number(report.repeatedCorpusRows)} corpus rows repeat an id with the same text`),
    row('qrels', `${number(report.judgmentsBelowMinScore)} judgments below --qrels-min-score`),
    row('skipped rows', report.skippedRows.total === 0 ? 'none' : `${number(report.skippedRows.total)} (${skipped.join(', ')})`),
  ];
  return `${lines.join('\n')}\n`;
}
