import { SKIP_REASONS, type Dataset, type SkipReason } from '../core/dataset.ts';
import { normalizedTextKey } from '../mine/normalize-text.ts';

export interface CountSummary {
  total: number;
  min: number;
  median: number;
  max: number;
}

/** What a user needs to know about a dataset before a long run. */
export interface InspectReport {
  files: string[];
  recordsRead: number;
  queries: number;
  positives: CountSummary;
  givenNegatives: CountSummary;
  corpus: {
    documents: number;
    withTitle: number;
    /** Documents whose exact text appeared earlier under another id. */
    duplicateTexts: number;
    /** Documents equal to an earlier one after NFKC, case folding and whitespace collapsing (exact duplicates included). */
    nearDuplicateTexts: number;
  };
  /** Positives whose text also appears in the corpus under another id (mining excludes those copies too). */
  positivesWithCopiesInCorpus: number;
  positivesAddedToCorpus: number;
  negativesAddedToCorpus: number;
  repeatedCorpusRows: number;
  queriesWithoutQrels: number;
  judgmentsBelowMinScore: number;
  /** Queries skipped because they have no positive: their count and every id. */
  queriesWithoutPositives: { total: number; ids: string[] };
  /** Queries folded into an earlier one with the same normalized text under another id. */
  mergedQueries: number;
  /** Positives dropped as copies (same normalized text and title) of an earlier positive of the same query. */
  duplicatePositives: number;
  skippedRows: { total: number; byReason: Partial<Record<SkipReason, number>> };
}

function summarize(counts: readonly number[]): CountSummary {
  if (counts.length === 0) return { total: 0, min: 0, median: 0, max: 0 };
  const sorted = [...counts].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  const median = sorted.length % 2 === 1 ? (sorted[middle] ?? 0) : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
  return { total: sorted.reduce((sum, n) => sum + n, 0), min: sorted[0] ?? 0, median, max: sorted[sorted.length - 1] ?? 0 };
}

/** Computes the inspect report of a loaded dataset (no models involved). */
export function inspectDataset(dataset: Dataset): InspectReport {
  const { corpus, report } = dataset;
  const firstByText = new Map<string, number>();
  const firstByKey = new Map<string, number>();
  const keyGroups = new Map<string, number>();
  let duplicateTexts = 0;
  let nearDuplicateTexts = 0;
  corpus.texts.forEach((text, doc) => {
    if (firstByText.has(text)) duplicateTexts += 1;
    else firstByText.set(text, doc);
    const key = normalizedTextKey(text);
    if (firstByKey.has(key)) nearDuplicateTexts += 1;
    else firstByKey.set(key, doc);
    keyGroups.set(key, (keyGroups.get(key) ?? 0) + 1);
  });
  let positivesWithCopiesInCorpus = 0;
  for (const positives of dataset.positives) {
    for (const { doc } of positives) {
      if ((keyGroups.get(normalizedTextKey(corpus.texts[doc] ?? '')) ?? 0) > 1) positivesWithCopiesInCorpus += 1;
    }
  }
  const byReason: Partial<Record<SkipReason, number>> = {};
  for (const reason of SKIP_REASONS) if (report.skipped[reason] > 0) byReason[reason] = report.skipped[reason];
  return {
    files: report.files,
    recordsRead: report.recordsRead,
    queries: dataset.queries.ids.length,
    positives: summarize(dataset.positives.map((p) => p.length)),
    givenNegatives: summarize(dataset.givenNegatives.map((n) => n.length)),
    corpus: {
      documents: corpus.ids.length,
      withTitle: corpus.titles.filter((title) => title !== null).length,
      duplicateTexts,
      nearDuplicateTexts,
    },
    positivesWithCopiesInCorpus,
    positivesAddedToCorpus: report.positivesAddedToCorpus,
    negativesAddedToCorpus: report.negativesAddedToCorpus,
    repeatedCorpusRows: report.repeatedCorpusRows,
    queriesWithoutQrels: report.queriesWithoutQrels,
    judgmentsBelowMinScore: report.judgmentsBelowMinScore,
    queriesWithoutPositives: { total: report.queriesWithoutPositives.length, ids: report.queriesWithoutPositives },
    mergedQueries: report.mergedQueries,
    duplicatePositives: report.duplicatePositives,
    skippedRows: { total: Object.values(byReason).reduce((sum, n) => sum + n, 0), byReason },
  };
}
