import type { LoadReport } from '../../core/dataset.ts';
import type { RecordSource } from '../record-source.ts';
import type { BadRows, RowLocation } from './bad-rows.ts';
import { isRow, type Row } from './fields.ts';

/** Streams a source's records, counts them, rejects non-objects, and hands each object row with its location. */
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
      handle(value, location);
    }
  }
}
