import path from 'node:path';
import { NegmineError } from '../../core/errors.ts';
import type { ColumnSpec, TableWriter } from '../../core/table.ts';
import { ByteSink } from './byte-sink.ts';
import { createJsonlWriter } from './jsonl-writer.ts';
import { fileKind, openOutputFile } from './output-file.ts';

export const OUTPUT_FORMATS = ['jsonl', 'parquet', 'arrow'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

const EXTENSIONS: Record<string, OutputFormat> = {
  '.jsonl': 'jsonl',
  '.ndjson': 'jsonl',
  '.json': 'jsonl',
  '.parquet': 'parquet',
  '.pq': 'parquet',
  '.arrow': 'arrow',
  '.arrows': 'arrow',
  '.ipc': 'arrow',
};

/**
 * The output format: --output-format, else the extension; '-' (stdout) defaults to JSONL, and so does a device or
 * FIFO (`streamed`) whose name has no known extension (/dev/stdout).
 */
export function outputFormatFor(output: string, explicit?: OutputFormat, streamed = false): OutputFormat {
  if (output === '-') {
    if (explicit === 'parquet') throw new NegmineError('E_USAGE', "Cannot write Parquet to stdout ('-o -'): readers need the whole file (its footer comes last); use -o FILE.parquet, or --output-format jsonl|arrow");
    return explicit ?? 'jsonl';
  }
  if (explicit !== undefined) return explicit;
  const format = EXTENSIONS[path.extname(output).toLowerCase()];
  if (format !== undefined) return format;
  if (streamed) return 'jsonl';
  throw new NegmineError('E_USAGE', `Cannot tell the output format of '${output}' from its extension: use .jsonl, .parquet or .arrow, or --output-format`);
}

/** outputFormatFor, looking at what the path names (a device or FIFO streams; a folder is refused). */
export async function tableFormatOf(output: string, explicit?: OutputFormat): Promise<OutputFormat> {
  if (output === '-') return outputFormatFor(output, explicit);
  const kind = await fileKind(output);
  if (kind === 'folder') throw new NegmineError('E_USAGE', `Cannot write -o '${output}': it is a folder`);
  return outputFormatFor(output, explicit, kind === 'char-device' || kind === 'fifo');
}

async function checkFolder(output: string): Promise<void> {
  const dir = path.dirname(output);
  if ((await fileKind(dir)) !== 'folder') throw new NegmineError('E_USAGE', `Cannot write '${output}': folder '${dir}' does not exist`);
}

/** JSONL or Arrow IPC into a byte sink. */
async function streamWriter(format: OutputFormat, sink: ByteSink, schema: readonly ColumnSpec[]): Promise<Omit<TableWriter, 'abort'>> {
  return format === 'arrow' ? (await import('./arrow-writer.ts')).createArrowWriter(sink, schema) : createJsonlWriter(sink, schema);
}

/**
 * Opens a writer for '-o': files are written to a temp file beside the destination and renamed on close (never a
 * partial file under the final name); a character device or FIFO is written in place (Parquet too: its writer
 * only appends); '-' streams JSONL or Arrow IPC to stdout. Arrow and Parquet libraries load only for their formats.
 */
export async function openTableWriter(output: string, schema: readonly ColumnSpec[], explicit?: OutputFormat): Promise<TableWriter> {
  const format = await tableFormatOf(output, explicit);
  if (output === '-') {
    const sink = ByteSink.toStdout();
    const writer = await streamWriter(format, sink, schema);
    return { ...writer, abort: () => Promise.resolve() };
  }
  await checkFolder(output);
  const file = await openOutputFile(output);
  let inner: TableWriter;
  if (format === 'parquet') {
    const { createParquetTableWriter } = await import('./parquet-table-writer.ts');
    inner = createParquetTableWriter(file.writePath, schema, output);
  } else {
    const sink = ByteSink.toFile(file.writePath, output, { inPlace: file.inPlace });
    const writer = await streamWriter(format, sink, schema);
    inner = {
      ...writer,
      abort: () => sink.destroy(),
    };
  }
  return {
    write: (rows) => inner.write(rows),
    async close() {
      await inner.close();
      await file.commit();
    },
    async abort() {
      await inner.abort();
      await file.abort();
    },
  };
}
