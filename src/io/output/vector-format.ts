import path from 'node:path';
import { NegmineError } from '../../core/errors.ts';
import { fileKind } from './output-file.ts';

export const VECTOR_FORMATS = ['parquet', 'arrow', 'npy', 'jsonl'] as const;
export type VectorFormat = (typeof VECTOR_FORMATS)[number];

/** The vector file format: explicit, else from the extension; JSONL for '-' and for a device or FIFO (`streamed`) without one. */
export function vectorFormatFor(output: string, explicit?: VectorFormat, streamed = false): VectorFormat {
  if (explicit !== undefined) return explicit;
  if (output === '-') return 'jsonl';
  const extension = path.extname(output).toLowerCase();
  const format = ({ '.parquet': 'parquet', '.pq': 'parquet', '.arrow': 'arrow', '.arrows': 'arrow', '.npy': 'npy', '.jsonl': 'jsonl', '.ndjson': 'jsonl' } as const)[extension];
  if (format === undefined && streamed) return 'jsonl';
  if (format === undefined) throw new NegmineError('E_USAGE', `Cannot tell the vector format of '${output}' from its extension: use .parquet, .arrow, .npy or .jsonl, or --output-format`);
  return format;
}

/** The ids file written beside a .npy matrix: one JSON string per line, row i = vector i. */
export function idsPathFor(npyPath: string): string {
  return npyPath.replace(/\.npy$/i, '') + '.ids.jsonl';
}

/**
 * The format of `embed -o output` and every file it writes (a .npy has its ids file beside it); refuses what
 * stdout cannot carry, a folder, and a .npy to a device or FIFO not named NAME.npy (its ids file needs a name).
 */
export async function vectorOutputPlan(output: string, explicit?: VectorFormat): Promise<{ format: VectorFormat; paths: string[]; streamed: boolean }> {
  if (output === '-') {
    const format = vectorFormatFor(output, explicit);
    if (format === 'parquet' || format === 'npy') throw new NegmineError('E_USAGE', `Cannot write ${format} to stdout ('-o -'): use -o FILE, or --output-format jsonl|arrow`);
    return { format, paths: [], streamed: true };
  }
  const kind = await fileKind(output);
  if (kind === 'folder') throw new NegmineError('E_USAGE', `Cannot write -o '${output}': it is a folder`);
  const streamed = kind === 'char-device' || kind === 'fifo';
  const format = vectorFormatFor(output, explicit, streamed);
  if (format !== 'npy') return { format, paths: [output], streamed };
  if (streamed && !/\.npy$/i.test(output)) {
    throw new NegmineError('E_USAGE', `Cannot write .npy vectors to '${output}' (not a regular file): its ids go to a second file named after it; use -o NAME.npy, or --output-format parquet|arrow|jsonl`);
  }
  return { format, paths: [output, idsPathFor(output)], streamed };
}
