/** One record read from an input file, with where it came from for error messages. */
export interface SourceRecord {
  /** The parsed row: a JSON value for JSONL, an object of column values for Parquet. */
  value: unknown;
  /** 1-based line number (JSONL) or 1-based row number (Parquet) in the file. */
  position: number;
}

/** How a position is named in messages: "line 12" for JSONL, "row 12" for Parquet. */
export type PositionUnit = 'line' | 'row';

/**
 * A streamed input file. Batches are yielded in file order; memory is bounded by one batch
 * (a Parquet row group, or a bounded number of JSONL lines), never the whole file.
 */
export interface RecordSource {
  /** The path as the user gave it ('-' for stdin). */
  file: string;
  unit: PositionUnit;
  /** Column names when the format declares them up front (Parquet schema); undefined for JSONL. */
  columns?: readonly string[];
  batches(): AsyncGenerator<SourceRecord[]>;
}
