import type { LoadReport } from '../../core/dataset.ts';
import { InvalidUtf8, type RecordSource } from '../record-source.ts';
import type { BadRows, RowLocation } from './bad-rows.ts';
import { checkId, checkText, fieldNames, findInvalidText, isRow, pickField, type Row } from './fields.ts';

/** Streams a source's records, counts them, rejects non-objects and rows with invalid text, and hands each good row with its location. */
export async function forEachRow(source: RecordSource, badRows: BadRows, report: LoadReport, handle: (row: Row, location: RowLocation) => void): Promise<void> {
  report.files.push(source.file);
  for await (const batch of source.batches()) {
    for (const { value, position } of batch) {
      report.recordsRead += 1;
      const location = { file: source.file, unit: source.unit, position };
      if (!isRow(value)) {
        badRows.reject('not_an_object', location, `expected a JSON object, found ${Array.isArray(value) ? 'a list' : typeof value}`);
        continue;
      }
      const invalid = findInvalidText(value, '', (item) => (item instanceof InvalidUtf8 ? item.describe() : undefined));
      if (invalid !== undefined) {
        badRows.reject('invalid_utf8', location, invalid);
        continue;
      }
      handle(value, location);
    }
  }
}

/** Where an id or text column may be: the flag's value, else the default names. */
export interface FieldChoice {
  explicit: string | undefined;
  candidates: readonly string[];
  /** The flag that names the column, suggested when it is missing. */
  flag?: string;
}

/** A row's id and text, or undefined after rejecting the row (missing field, wrong type, empty text). */
export function readIdAndText(row: Row, location: RowLocation, badRows: BadRows, idChoice: FieldChoice, textChoice: FieldChoice): { id: string; text: string } | undefined {
  const idField = pickField(row, idChoice.explicit, idChoice.candidates);
  const textField = pickField(row, textChoice.explicit, textChoice.candidates);
  if (idField === undefined || textField === undefined) {
    const choice = idField === undefined ? idChoice : textChoice;
    const tried = choice.explicit ?? choice.candidates.join('|');
    badRows.reject('missing_field', location, `no ${tried} field (${choice.flag === undefined ? '' : `set ${choice.flag}; `}have: ${fieldNames(row)})`);
    return undefined;
  }
  const id = checkId(idField, row[idField]);
  if (!id.ok) {
    badRows.reject(id.reason, location, id.problem);
    return undefined;
  }
  const text = checkText(textField, row[textField]);
  if (!text.ok) {
    badRows.reject(text.reason, location, text.problem);
    return undefined;
  }
  return { id: id.value, text: text.value };
}
