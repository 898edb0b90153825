import type { ColumnSpec, TableWriter } from '../../core/table.ts';
import type { ByteSink } from './byte-sink.ts';
import { jsonCell, jsonString } from './json-text.ts';

/** JSON lines with keys in schema order (each line the bytes JSON.stringify gives the row in that order). */
export function createJsonlWriter(sink: ByteSink, schema: readonly ColumnSpec[]): Omit<TableWriter, 'abort'> {
  const keys = schema.map((column, i) => `${i === 0 ? '{' : ','}${jsonString(column.name)}:`);
  const names = schema.map((column) => column.name);
  return {
    async write(rows) {
      if (rows.length === 0) return;
      let text = '';
      for (const row of rows) {
        let line = names.length === 0 ? '{' : '';
        for (let c = 0; c < names.length; c += 1) line += (keys[c] ?? '') + jsonCell(row[names[c] ?? '']);
        text += `${line}}\n`;
      }
      await sink.write(text);
    },
    async close() {
      await sink.close();
    },
  };
}
