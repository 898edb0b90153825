import { passageTexts, SKIP_REASONS, type CorpusTitles, type Dataset, type SkipReason, type TitleJoin } from '../core/dataset.ts';
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
    /** Documents whose exact passage (title joined as --title-join says) appeared earlier under another id. */
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

function listLengths(lists: { length: number; count(query: number): number }): number[] {
  return Array.from({ length: lists.length }, (_, q) => lists.count(q));
}

function countTitles(titles: CorpusTitles): number {
  let count = 0;
  for (let doc = 0; doc < titles.length; doc += 1) if (titles.at(doc) !== null) count += 1;
  return count;
}

/** Computes the inspect report of a loaded dataset (no models involved); passages join titles as mining does. */
export function inspectDataset(dataset: Dataset, titleJoin: TitleJoin): InspectReport {
  const { corpus, report } = dataset;
  const passages = passageTexts(corpus, titleJoin);
  const firstByText = new Set<string>();
  const firstByKey = new Set<string>();
  let duplicateTexts = 0;
  let nearDuplicateTexts = 0;
  for (let doc = 0; doc < passages.length; doc += 1) {
    const passage = passages.at(doc) ?? '';
    if (firstByText.has(passage)) duplicateTexts += 1;
    else firstByText.add(passage);
    const key = normalizedTextKey(passage);
    if (firstByKey.has(key)) nearDuplicateTexts += 1;
    else firstByKey.add(key);
  }
  // Mining excludes copies of a positive by its text alone (titles aside), so this count does too.
  const textGroups = new Map<string, number>();
  for (let doc = 0; doc < corpus.texts.length; doc += 1) {
    const key = normalizedTextKey(corpus.texts.at(doc) ?? '');
    textGroups.set(key, (textGroups.get(key) ?? 0) + 1);
  }
  let positivesWithCopiesInCorpus = 0;
  for (let q = 0; q < dataset.positives.length; q += 1) {
    for (const doc of dataset.positives.docsOf(q)) {
      if ((textGroups.get(normalizedTextKey(corpus.texts.at(doc) ?? '')) ?? 0) > 1) positivesWithCopiesInCorpus += 1;
    }
  }
  const byReason: Partial<Record<SkipReason, number>> = {};
  for (const reason of SKIP_REASONS) if (report.skipped[reason] > 0) byReason[reason] = report.skipped[reason];
  return {
    files: report.files,
    recordsRead: report.recordsRead,
    queries: dataset.queries.ids.length,
    positives: summarize(listLengths(dataset.positives)),
    givenNegatives: summarize(listLengths(dataset.givenNegatives)),
    corpus: {
      documents: corpus.ids.length,
      withTitle: countTitles(corpus.titles),
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
