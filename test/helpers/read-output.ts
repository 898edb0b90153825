import { readFileSync } from 'node:fs';
import { tableFromIPC } from 'apache-arrow';
import { openParquetSource } from '../../src/io/parquet-source.ts';

export type Row = Record<string, unknown>;

export function readJsonl(file: string): Row[] {
  return readFileSync(file, 'utf8').trim().split('\n').filter(Boolean).map((line) => JSON.parse(line) as Row);
}

/** Rows of an Arrow IPC stream as plain JSON values. */
export function readArrow(file: string): Row[] {
  return tableFromIPC(readFileSync(file)).toArray().map((row: { toJSON(): Row }) => JSON.parse(JSON.stringify(row.toJSON(), (_key, value: unknown) => (value !== null && typeof value === 'object' && 'toArray' in value ? Array.from((value as { toArray(): ArrayLike<unknown> }).toArray()) : value))) as Row);
}

export async function readParquet(file: string): Promise<Row[]> {
  const rows: Row[] = [];
  for await (const batch of (await openParquetSource(file)).batches()) for (const record of batch) rows.push(record.value as Row);
  return rows;
}
