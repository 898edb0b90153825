import type { LoadReport } from '../../core/dataset.ts';
import type { RecordSource } from '../record-source.ts';
import type { BadRows } from './bad-rows.ts';
import { requireColumns } from './columns.ts';
import { forEachRow } from './each-row.ts';
import type { CorpusBuilder } from './corpus-builder.ts';
import { checkId, checkIdList, checkText, checkTextList, fieldNames, pickField, type Row } from './fields.ts';
import type { QueryTable } from './query-table.ts';

export const QUERY_FIELDS = ['query', 'anchor', 'question'] as const;
export const QUERY_ID_FIELDS = ['query_id'] as const;
export const POSITIVE_FIELDS = ['positive', 'pos', 'positives'] as const;
export const NEGATIVE_FIELDS = ['neg', 'negative', 'negatives'] as const;

export interface RowsFieldOptions {
  queryField?: string;
  queryIdField?: string;
  positiveField?: string;
  positiveIdField?: string;
  negativeField?: string;
}

type Parsed =
  | { ok: true; queryId: string | undefined; query: string; positiveTexts: string[]; positiveIds: string[]; negativeTexts: string[] }
  | { ok: false; reason: Parameters<BadRows['reject']>[0]; problem: string };

function missing(what: string, flag: string, tried: string, row: Row): Parsed {
  return { ok: false, reason: 'missing_field', problem: `no ${what} field (tried: ${tried}; set ${flag}; have: ${fieldNames(row)})` };
}

// Validates a whole row before anything is added, so a skipped row leaves no trace.
function parseRow(row: Row, fields: RowsFieldOptions): Parsed {
  const queryField = pickField(row, fields.queryField, QUERY_FIELDS);
  if (queryField === undefined) return missing('query', '--query-field', fields.queryField ?? QUERY_FIELDS.join('|'), row);
  const query = checkText(queryField, row[queryField]);
  if (!query.ok) return query;

  let queryId: string | undefined;
  const queryIdField = pickField(row, fields.queryIdField, QUERY_ID_FIELDS);
  if (fields.queryIdField !== undefined && queryIdField === undefined) return missing('query id', '--query-id-field', fields.queryIdField, row);
  if (queryIdField !== undefined) {
    const id = checkId(queryIdField, row[queryIdField]);
    if (!id.ok) return id;
    queryId = id.value;
  }

  let positiveTexts: string[] = [];
  let positiveIds: string[] = [];
  if (fields.positiveIdField !== undefined) {
    if (!(fields.positiveIdField in row)) return missing('positive id', '--positive-id-field', fields.positiveIdField, row);
    const ids = checkIdList(fields.positiveIdField, row[fields.positiveIdField]);
    if (!ids.ok) return ids;
    positiveIds = ids.value;
  } else {
    const positiveField = pickField(row, fields.positiveField, POSITIVE_FIELDS);
    if (positiveField === undefined) return missing('positive', '--positive-field', fields.positiveField ?? POSITIVE_FIELDS.join('|'), row);
    const texts = checkTextList(positiveField, row[positiveField]);
    if (!texts.ok) return texts;
    positiveTexts = texts.value;
  }

  let negativeTexts: string[] = [];
  const negativeField = pickField(row, fields.negativeField, NEGATIVE_FIELDS);
  if (fields.negativeField !== undefined && negativeField === undefined) return missing('negative', '--negative-field', fields.negativeField, row);
  if (negativeField !== undefined && row[negativeField] !== null) {
    const texts = checkTextList(negativeField, row[negativeField]);
    if (!texts.ok) return texts;
    negativeTexts = texts.value;
  }
  return { ok: true, queryId, query: query.value, positiveTexts, positiveIds, negativeTexts };
}

/**
 * Reads a rows file: one row per query or per (query, positive); rows repeating a query add positives to it.
 * Positive and negative texts join the corpus deduplicated by exact text; positive ids must exist in it.
 */
export async function loadRows(
  source: RecordSource,
  fields: RowsFieldOptions,
  context: { corpus: CorpusBuilder; corpusFile: string | undefined; queries: QueryTable; badRows: BadRows; report: LoadReport },
): Promise<void> {
  const { corpus, queries, badRows, report } = context;
  requireColumns(source, [
    { flag: '--query-field', explicit: fields.queryField, candidates: QUERY_FIELDS },
    { flag: '--query-id-field', explicit: fields.queryIdField, candidates: [] },
    fields.positiveIdField !== undefined
      ? { flag: '--positive-id-field', explicit: fields.positiveIdField, candidates: [] }
      : { flag: '--positive-field', explicit: fields.positiveField, candidates: POSITIVE_FIELDS },
    { flag: '--negative-field', explicit: fields.negativeField, candidates: [] },
  ]);
  await forEachRow(source, badRows, report, (value, location) => {
    const parsed = parseRow(value, fields);
    if (!parsed.ok) {
      badRows.reject(parsed.reason, location, parsed.problem);
      return;
    }
    const unknown = parsed.positiveIds.find((id) => corpus.byId(id) === undefined);
    if (unknown !== undefined) {
      badRows.reject('unknown_id', location, `field '${fields.positiveIdField ?? ''}': unknown corpus id '${unknown}' (not in '${context.corpusFile ?? 'the corpus'}')`);
      return;
    }
    const added = queries.add(parsed.queryId, parsed.query, location.position);
    if (added.kind === 'conflict') {
      badRows.reject('conflicting_duplicate', location, `query id '${parsed.queryId ?? ''}' has a different text than at ${source.unit} ${added.firstPosition}`);
      return;
    }
    for (const id of parsed.positiveIds) queries.addPositive(added.query, corpus.byId(id) ?? -1, 1);
    for (const text of parsed.positiveTexts) {
      const { doc, added: isNew } = corpus.internText(text);
      if (isNew && context.corpusFile !== undefined) report.positivesAddedToCorpus += 1;
      queries.addPositive(added.query, doc, 1);
    }
    for (const text of parsed.negativeTexts) {
      const { doc, added: isNew } = corpus.internText(text);
      if (isNew && context.corpusFile !== undefined) report.negativesAddedToCorpus += 1;
      queries.addNegative(added.query, doc);
    }
  });
}
