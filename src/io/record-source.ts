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

/**
 * A string value whose bytes are not valid UTF-8 (Parquet): kept as bytes instead of being decoded with U+FFFD,
 * so the dataset reader rejects the row as JSONL's reader does.
 */
export class InvalidUtf8 {
  readonly bytes: Uint8Array;
  constructor(bytes: Uint8Array) {
    this.bytes = bytes;
  }

  /** The first bytes in hex, for messages. */
  describe(): string {
    const shown = Array.from(this.bytes.subarray(0, 24), (byte) => byte.toString(16).padStart(2, '0')).join(' ');
    return this.bytes.length > 24 ? `${shown} …` : shown;
  }
}
