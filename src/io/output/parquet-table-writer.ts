import type { ColumnSpec, ColumnType, TableWriter } from '../../core/table.ts';
import { createParquetWriter, type ParquetColumnType } from '../parquet-writer.ts';

const PARQUET_TYPES: Record<ColumnType, ParquetColumnType> = {
  string: 'string',
  string_list: 'list<string>',
  float64: 'float64',
  float64_list: 'list<float64>',
  int32: 'int32',
  int32_list: 'list<int32>',
};

/** The table-writer contract over the Parquet file writer (real list types, one row group per buffer). */
export function createParquetTableWriter(file: string, schema: readonly ColumnSpec[], label = file): TableWriter {
  const writer = createParquetWriter(
    file,
    schema.map((column) => ({ name: column.name, type: PARQUET_TYPES[column.type] })),
    { label },
  );
  return {
    write: (rows) => writer.write(rows),
    close: () => writer.close(),
    abort: () => writer.abort(),
  };
}
