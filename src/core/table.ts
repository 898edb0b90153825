/** Column types the writers support, the same in JSONL, Parquet and Arrow. */
export const COLUMN_TYPES = ['string', 'string_list', 'float64', 'float64_list', 'int32', 'int32_list'] as const;
export type ColumnType = (typeof COLUMN_TYPES)[number];

export interface ColumnSpec {
  name: string;
  type: ColumnType;
}

export type CellValue = string | number | readonly string[] | readonly number[] | null;

/** One output row; keys follow the schema's column order. */
export type TableRow = Record<string, CellValue>;

/** A writer of rows with a fixed schema; formats differ, the contract does not. */
export interface TableWriter {
  write(rows: readonly TableRow[]): Promise<void>;
  /** Finishes the output; a file appears under its final name only now. */
  close(): Promise<void>;
  /** Drops everything written so far; no file is left under the final name. */
  abort(): Promise<void>;
}
