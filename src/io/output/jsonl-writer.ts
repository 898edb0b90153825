import type { ColumnSpec, TableRow, TableWriter } from '../../core/table.ts';
import type { ByteSink } from './byte-sink.ts';

/** JSON lines with keys in schema order. */
export function createJsonlWriter(sink: ByteSink, schema: readonly ColumnSpec[]): Omit<TableWriter, 'abort'> {
  const names = schema.map((column) => column.name);
  return {
    async write(rows) {
      if (rows.length === 0) return;
      let text = '';
      for (const row of rows) {
        const ordered: TableRow = {};
        for (const name of names) ordered[name] = row[name] ?? null;
        text += `${JSON.stringify(ordered)}\n`;
      }
      await sink.write(text);
    },
    async close() {
      await sink.close();
    },
  };
}
