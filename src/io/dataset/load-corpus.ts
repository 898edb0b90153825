import type { LoadReport } from '../../core/dataset.ts';
import type { RecordSource } from '../record-source.ts';
import { BadRows } from './bad-rows.ts';
import type { CorpusBuilder } from './corpus-builder.ts';
import { requireColumns } from './columns.ts';
import { forEachRow, readIdAndText } from './each-row.ts';

export const CORPUS_ID_FIELDS = ['_id', 'id', 'doc_id', 'docid'] as const;
export const CORPUS_TEXT_FIELDS = ['text', 'contents', 'passage'] as const;

export interface CorpusFieldOptions {
  idField?: string;
  textField?: string;
  /** Explicit title column; without it a 'title' column is used when present. */
  titleField?: string;
}

/** Reads a corpus file (JSONL or Parquet) into the builder: id, text and optional title per row. */
export async function loadCorpus(source: RecordSource, fields: CorpusFieldOptions, corpus: CorpusBuilder, badRows: BadRows, report: LoadReport): Promise<void> {
  requireColumns(source, [
    { flag: '--corpus-id-field', explicit: fields.idField, candidates: CORPUS_ID_FIELDS },
    { flag: '--corpus-text-field', explicit: fields.textField, candidates: CORPUS_TEXT_FIELDS },
    { flag: '--corpus-title-field', explicit: fields.titleField, candidates: [] },
  ]);
  await forEachRow(source, badRows, report, (value, location) => {
    const read = readIdAndText(
      value,
      location,
      badRows,
      { explicit: fields.idField, candidates: CORPUS_ID_FIELDS, flag: '--corpus-id-field' },
      { explicit: fields.textField, candidates: CORPUS_TEXT_FIELDS, flag: '--corpus-text-field' },
    );
    if (read === undefined) return;
    const titleField = fields.titleField ?? ('title' in value ? 'title' : undefined);
    const rawTitle = titleField === undefined ? null : value[titleField];
    if (rawTitle !== null && rawTitle !== undefined && typeof rawTitle !== 'string') {
      badRows.reject('wrong_type', location, `field '${titleField ?? 'title'}': expected a string or null, found ${typeof rawTitle}`);
      return;
    }
    const title = typeof rawTitle === 'string' && rawTitle.trim() !== '' ? rawTitle : null;
    const added = corpus.addDocument(read.id, read.text, title, location.position);
    if (added.kind === 'repeated') report.repeatedCorpusRows += 1;
    if (added.kind === 'conflict') {
      badRows.reject('conflicting_duplicate', location, `duplicate id '${read.id}' with a different text than ${source.unit} ${added.firstPosition}`);
    }
  });
}
