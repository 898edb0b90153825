import path from 'node:path';
import { NegmineError } from '../../core/errors.ts';

export const VECTOR_FORMATS = ['parquet', 'arrow', 'npy', 'jsonl'] as const;
export type VectorFormat = (typeof VECTOR_FORMATS)[number];

/** The vector file format: explicit, else from the extension. */
export function vectorFormatFor(output: string, explicit?: VectorFormat): VectorFormat {
  if (explicit !== undefined) return explicit;
  if (output === '-') return 'jsonl';
  const extension = path.extname(output).toLowerCase();
  const format = ({ '.parquet': 'parquet', '.pq': 'parquet', '.arrow': 'arrow', '.arrows': 'arrow', '.npy': 'npy', '.jsonl': 'jsonl', '.ndjson': 'jsonl' } as const)[extension];
  if (format === undefined) throw new NegmineError('E_USAGE', `Cannot tell the vector format of '${output}' from its extension: use .parquet, .arrow, .npy or .jsonl, or --output-format`);
  return format;
}

/** The ids file written beside a .npy matrix: one JSON string per line, row i = vector i. */
export function idsPathFor(npyPath: string): string {
  return npyPath.replace(/\.npy$/i, '') + '.ids.jsonl';
}

/** Every file `embed -o output` writes (a .npy has its ids file beside it); refuses what stdout cannot carry. */
export function vectorOutputPaths(output: string, explicit?: VectorFormat): string[] {
  const format = vectorFormatFor(output, explicit);
  if (output === '-') {
    if (format === 'parquet' || format === 'npy') throw new NegmineError('E_USAGE', `Cannot write ${format} to stdout ('-o -'): use -o FILE, or --output-format jsonl|arrow`);
    return [];
  }
  return format === 'npy' ? [output, idsPathFor(output)] : [output];
}
