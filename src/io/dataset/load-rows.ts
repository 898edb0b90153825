import type { LoadReport } from '../../core/dataset.ts';
import type { RecordSource } from '../record-source.ts';
import type { BadRows } from './bad-rows.ts';
import { requireColumns } from './columns.ts';
import { forEachRow } from './each-row.ts';
import type { CorpusBuilder } from './corpus-builder.ts';
import { checkId, checkIdList, checkText, checkTextList, describeValue, fieldNames, pickField, type Row } from './fields.ts';
import type { QueryTable } from './query-table.ts';

export const QUERY_FIELDS = ['query', 'anchor', 'question'] as const;
export const QUERY_ID_FIELDS = ['query_id'] as const;
export const POSITIVE_FIELDS = ['positive', 'pos', 'positives'] as const;
export const NEGATIVE_FIELDS = ['neg', 'negative', 'negatives'] as const;
/** Teacher scores aligned with the positive and negative lists (FlagEmbedding distillation data). */
export const SCORE_FIELDS = { positive: 'pos_scores', negative: 'neg_scores' } as const;

export interface RowsFieldOptions {
  queryField?: string;
  queryIdField?: string;
  positiveField?: string;
  positiveIdField?: string;
  negativeField?: string;
}

interface ParsedRow {
  ok: true;
  queryId: string | undefined;
  query: string;
  positiveTexts: string[];
  positiveIds: string[];
  negativeTexts: string[];
  positiveScores: number[] | undefined;
  negativeScores: number[] | undefined;
  /** The fields the row was read from, as found. */
  owned: { query: string; queryId: string | undefined; positive: string; positiveIsId: boolean; negative: string | undefined };
}

type Parsed = ParsedRow | { ok: false; reason: Parameters<BadRows['reject']>[0]; problem: string };
type Checked<T> = { ok: true; value: T } | { ok: false; reason: 'wrong_type'; problem: string };

/** A scores field: null or absent -> undefined; else finite numbers, one per item of the list it scores. */
function checkScores(row: Row, field: string, listField: string | undefined, count: number): Checked<number[] | undefined> {
  const value = row[field];
  if (value === undefined || value === null) return { ok: true, value: undefined };
  const items: unknown[] | undefined = typeof value === 'number' ? [value] : Array.isArray(value) ? value : ArrayBuffer.isView(value) ? Array.from(value as unknown as ArrayLike<unknown>) : undefined;
  const scored = listField === undefined ? 'no list to score' : `one per '${listField}' item`;
  const expected = `a list of ${count} number${count === 1 ? '' : 's'} (${scored})`;
  if (items === undefined) return { ok: false, reason: 'wrong_type', problem: `field '${field}': expected ${expected}, found ${describeValue(value)}` };
  const bad = items.findIndex((item) => typeof item !== 'number' || !Number.isFinite(item));
  if (bad !== -1) return { ok: false, reason: 'wrong_type', problem: `field '${field}[${bad}]': expected a finite number, found ${describeValue(items[bad])}` };
  if (items.length !== count) return { ok: false, reason: 'wrong_type', problem: `field '${field}': expected ${expected}, found ${items.length}` };
  return { ok: true, value: items as number[] };
}

/** The row's fields negmine does not own, kept as read; undefined when there are none. */
function extraFields(row: Row, owned: ParsedRow['owned']): Record<string, unknown> | undefined {
  const skip = new Set<string>([SCORE_FIELDS.positive, SCORE_FIELDS.negative, owned.query, owned.positive]);
  if (owned.queryId !== undefined) skip.add(owned.queryId);
  if (owned.negative !== undefined) skip.add(owned.negative);
  const entries = Object.entries(row).filter(([name]) => !skip.has(name));
  return entries.length === 0 ? undefined : Object.fromEntries(entries);
}

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
  let positiveField: string;
  if (fields.positiveIdField !== undefined) {
    positiveField = fields.positiveIdField;
    if (!(fields.positiveIdField in row)) return missing('positive id', '--positive-id-field', fields.positiveIdField, row);
    const ids = checkIdList(fields.positiveIdField, row[fields.positiveIdField]);
    if (!ids.ok) return ids;
    positiveIds = ids.value;
  } else {
    const found = pickField(row, fields.positiveField, POSITIVE_FIELDS);
    if (found === undefined) return missing('positive', '--positive-field', fields.positiveField ?? POSITIVE_FIELDS.join('|'), row);
    positiveField = found;
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
  const positiveScores = checkScores(row, SCORE_FIELDS.positive, positiveField, positiveIds.length + positiveTexts.length);
  if (!positiveScores.ok) return positiveScores;
  const negativeScores = checkScores(row, SCORE_FIELDS.negative, negativeField, negativeTexts.length);
  if (!negativeScores.ok) return negativeScores;
  return {
    ok: true,
    queryId,
    query: query.value,
    positiveTexts,
    positiveIds,
    negativeTexts,
    positiveScores: positiveScores.value,
    negativeScores: negativeScores.value,
    owned: { query: queryField, queryId: queryIdField, positive: positiveField, positiveIsId: fields.positiveIdField !== undefined, negative: negativeField },
  };
}

/**
 * Reads a rows file: one row per query or per (query, positive); rows repeating a query add positives to it.
 * Positive and negative texts join the corpus deduplicated by exact text; positive ids must exist in it.
 * Keeps each query's first-row extra fields and the input's pos_scores/neg_scores, and returns the query and
 * positive column names of the first good row (no positive column when positives are ids).
 */
export async function loadRows(
  source: RecordSource,
  fields: RowsFieldOptions,
  context: { corpus: CorpusBuilder; corpusFile: string | undefined; queries: QueryTable; badRows: BadRows; report: LoadReport },
): Promise<{ query: string; positive: string } | undefined> {
  const { corpus, queries, badRows, report } = context;
  let columns: { query: string; positive: string } | undefined;
  let sawColumns = false;
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
    if (!sawColumns) {
      sawColumns = true;
      if (!parsed.owned.positiveIsId) columns = { query: parsed.owned.query, positive: parsed.owned.positive };
    }
    if (added.isNew) {
      const extras = extraFields(value, parsed.owned);
      if (extras !== undefined) queries.setExtras(added.query, extras);
    }
    const positiveDocs = parsed.positiveIds.map((id) => corpus.byId(id) ?? -1);
    for (const text of parsed.positiveTexts) {
      const { doc, added: isNew } = corpus.internText(text);
      if (isNew && context.corpusFile !== undefined) report.positivesAddedToCorpus += 1;
      positiveDocs.push(doc);
    }
    positiveDocs.forEach((doc, index) => {
      queries.addPositive(added.query, doc, 1);
      const score = parsed.positiveScores?.[index];
      if (score !== undefined) queries.addTeacherScore(added.query, doc, score);
    });
    parsed.negativeTexts.forEach((text, index) => {
      const { doc, added: isNew } = corpus.internText(text);
      if (isNew && context.corpusFile !== undefined) report.negativesAddedToCorpus += 1;
      queries.addNegative(added.query, doc);
      const score = parsed.negativeScores?.[index];
      if (score !== undefined) queries.addTeacherScore(added.query, doc, score);
    });
  });
  return columns;
}
