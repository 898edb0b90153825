import type { ColumnSpec, TableWriter } from '../../core/table.ts';
import type { ByteSink } from './byte-sink.ts';
import { jsonCell, jsonString } from './json-text.ts';

function grown(buffer: Buffer, used: number, more: number): Buffer {
  const next = Buffer.allocUnsafe(Math.max(2 * buffer.length, used + more));
  buffer.copy(next, 0, 0, used);
  return next;
}

/** JSON lines with keys in schema order (each line the bytes JSON.stringify gives the row in that order). */
export function createJsonlWriter(sink: ByteSink, schema: readonly ColumnSpec[]): Omit<TableWriter, 'abort'> {
  const keys = schema.map((column, i) => `${i === 0 ? '{' : ','}${jsonString(column.name)}:`);
  const names = schema.map((column) => column.name);
  let buffer: Buffer = Buffer.allocUnsafe(1 << 16);
  return {
    async write(rows) {
      if (rows.length === 0) return;
      // Lines are encoded into one buffer as they are built: no block-sized string to flatten and encode again.
      let bytes = 0;
      for (const row of rows) {
        let line = names.length === 0 ? '{' : '';
        for (let c = 0; c < names.length; c += 1) line += (keys[c] ?? '') + jsonCell(row[names[c] ?? '']);
        line += '}\n';
        // A UTF-16 code unit is at most 3 UTF-8 bytes.
        if (buffer.length - bytes < 3 * line.length) buffer = grown(buffer, bytes, 3 * line.length);
        bytes += buffer.write(line, bytes, 'utf8');
      }
      await sink.write(buffer.subarray(0, bytes));
      // The sink may still hold the bytes written: the next block gets a buffer of its own.
      buffer = Buffer.allocUnsafe(buffer.length);
    },
    async close() {
      await sink.close();
    },
  };
}
