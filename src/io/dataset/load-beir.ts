import type { LoadReport } from '../../core/dataset.ts';
import { fileError, readLines } from '../line-reader.ts';
import type { RecordSource } from '../record-source.ts';
import type { BadRows } from './bad-rows.ts';
import { requireColumns } from './columns.ts';
import { forEachRow, readIdAndText } from './each-row.ts';
import type { CorpusBuilder } from './corpus-builder.ts';
import type { QueryTable } from './query-table.ts';

export const QUERIES_ID_FIELDS = ['_id', 'id', 'query_id', 'qid'] as const;
export const QUERIES_TEXT_FIELDS = ['text', 'query'] as const;

/** Reads a BEIR queries file (id + text per row) into the table; positives come from the qrels. */
export async function loadQueries(source: RecordSource, queries: QueryTable, badRows: BadRows, report: LoadReport): Promise<void> {
  requireColumns(source, [
    { flag: '--queries', explicit: undefined, candidates: QUERIES_ID_FIELDS },
    { flag: '--queries', explicit: undefined, candidates: QUERIES_TEXT_FIELDS },
  ]);
  await forEachRow(source, badRows, report, (value, location) => {
    const read = readIdAndText(value, location, badRows, { explicit: undefined, candidates: QUERIES_ID_FIELDS }, { explicit: undefined, candidates: QUERIES_TEXT_FIELDS });
    if (read === undefined) return;
    const added = queries.add(read.id, read.text, location.position);
    if (added.kind === 'conflict') {
      badRows.reject('conflicting_duplicate', location, `duplicate query id '${read.id}' with a different text than ${source.unit} ${added.firstPosition}`);
    }
  });
}

/**
 * Reads qrels: tab- or space-separated `query-id corpus-id score` (BEIR) or `query-id iteration corpus-id score`
 * (TREC), with or without a header row. Judgments at or above minScore become positives.
 * Returns the queries that appear in the qrels at all (flags[query] = 1) and how many they are.
 */
export async function loadQrels(
  file: string,
  minScore: number,
  context: { queries: QueryTable; corpus: CorpusBuilder; queriesFile: string; corpusFile: string; badRows: BadRows; report: LoadReport },
): Promise<{ flags: Uint8Array; count: number }> {
  const { queries, corpus, badRows, report } = context;
  report.files.push(file);
  // The queries file is read: one flag per query, no Set of millions of numbers.
  const judged = { flags: new Uint8Array(queries.size), count: 0 };
  let sawLine = false;
  for await (const lines of readLines(file)) {
    for (const { text, lineNumber, invalidUtf8 } of lines) {
      if (invalidUtf8 === true) {
        sawLine = true;
        badRows.reject('invalid_utf8', { file, unit: 'line', position: lineNumber }, 'invalid UTF-8');
        continue;
      }
      if (text.trim() === '') continue;
      const columns = text.includes('\t') ? text.split('\t').map((c) => c.trim()) : text.trim().split(/\s+/);
      const location = { file, unit: 'line' as const, position: lineNumber };
      const scoreText = columns[columns.length - 1] ?? '';
      const score = Number(scoreText);
      if (!sawLine && (columns.length === 3 || columns.length === 4) && (scoreText === '' || !Number.isFinite(score))) {
        sawLine = true;
        continue; // header row, e.g. "query-id corpus-id score"
      }
      sawLine = true;
      report.recordsRead += 1;
      if ((columns.length !== 3 && columns.length !== 4) || scoreText === '' || !Number.isFinite(score)) {
        badRows.reject('malformed_qrels_line', location, `expected 'query-id<TAB>corpus-id<TAB>score' (or TREC 'query-id iteration corpus-id score'), found '${text.slice(0, 80)}'`);
        continue;
      }
      const queryId = columns[0] ?? '';
      const docId = columns[columns.length - 2] ?? '';
      const query = queries.byId(queryId);
      if (query === undefined) {
        badRows.reject('unknown_id', location, `query id '${queryId}' is not in '${context.queriesFile}'`);
        continue;
      }
      const doc = corpus.byId(docId);
      if (doc === undefined) {
        badRows.reject('unknown_id', location, `corpus id '${docId}' is not in '${context.corpusFile}'`);
        continue;
      }
      if (judged.flags[query] === 0) {
        judged.flags[query] = 1;
        judged.count += 1;
      }
      if (score >= minScore) queries.addPositive(query, doc, score);
      else report.judgmentsBelowMinScore += 1;
    }
  }
  if (!sawLine) throw fileError(file, 'file is empty');
  return judged;
}
