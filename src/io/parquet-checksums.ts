import type { AsyncBuffer, RowGroup } from 'hyparquet';
import { parquetHeader } from 'hyparquet/src/column.js';
import { NegmineError } from '../core/errors.ts';
import { crc32 } from './crc32.ts';

interface ChunkBytes {
  start: number;
  bytes: ArrayBuffer;
}

const hex = (value: number): string => (value >>> 0).toString(16).padStart(8, '0');

/**
 * Reads the row group's column chunks for the projected top-level columns and checks the CRC-32 of every page
 * whose header stores one (writers may omit it). A mismatch is E_INPUT_PARSE naming file, column, row group and
 * page. A header that does not parse stops the check for that chunk: the decoder reports the corruption itself.
 * Returns the chunks read, so decoding does not read them again.
 */
export async function verifyPageChecksums(file: string, buffer: AsyncBuffer, group: RowGroup, groupIndex: number, columns: readonly string[]): Promise<ChunkBytes[]> {
  const chunks: ChunkBytes[] = [];
  for (const column of group.columns) {
    const meta = column.meta_data;
    const name = meta?.path_in_schema[0];
    if (meta === undefined || name === undefined || !columns.includes(name)) continue;
    const start = Number(meta.dictionary_page_offset ?? meta.data_page_offset);
    const end = start + Number(meta.total_compressed_size);
    if (start < 0 || end > buffer.byteLength || end <= start) continue;
    const bytes = await buffer.slice(start, end);
    chunks.push({ start, bytes });
    const view = new DataView(bytes);
    const reader = { view, offset: 0 };
    for (let page = 1; reader.offset < bytes.byteLength; page += 1) {
      let header;
      try {
        header = parquetHeader(reader);
      } catch {
        break;
      }
      const dataStart = reader.offset;
      const dataEnd = dataStart + header.compressed_page_size;
      if (header.compressed_page_size < 0 || dataEnd > bytes.byteLength) break;
      reader.offset = dataEnd;
      if (header.crc === undefined) continue;
      const computed = crc32(new Uint8Array(bytes, dataStart, dataEnd - dataStart));
      if ((computed | 0) !== header.crc) {
        const columnPath = meta.path_in_schema.join('.');
        throw new NegmineError(
          'E_INPUT_PARSE',
          `Cannot read '${file}': page checksum mismatch in column '${columnPath}', row group ${groupIndex + 1}, page ${page} (stored CRC-32 ${hex(header.crc)}, computed ${hex(computed)}): the file is corrupt`,
        );
      }
    }
  }
  return chunks;
}

/** A view of the file that serves ranges inside already-read chunks from memory. */
export function withChunks(buffer: AsyncBuffer, chunks: readonly ChunkBytes[]): AsyncBuffer {
  if (chunks.length === 0) return buffer;
  return {
    byteLength: buffer.byteLength,
    slice(start: number, end: number = buffer.byteLength): ArrayBuffer | Promise<ArrayBuffer> {
      const chunk = chunks.find((candidate) => start >= candidate.start && end <= candidate.start + candidate.bytes.byteLength);
      return chunk === undefined ? buffer.slice(start, end) : chunk.bytes.slice(start - chunk.start, end - chunk.start);
    },
  };
}
