import { Field, FixedSizeList, Float16, Float32, makeData, RecordBatch, RecordBatchStreamWriter, Schema, Struct, Utf8, vectorFromArray } from 'apache-arrow';
import { float16ToFloat32 } from '../../core/float16.ts';
import { bytesOf, storedArray, VectorChunks } from '../../core/vector-chunks.ts';
import { sliceStrings, type StringList } from '../../core/dataset.ts';
import { ByteSink } from './byte-sink.ts';
import { createParquetWriter } from '../parquet-writer.ts';
import { openOutputFile } from './output-file.ts';
import { idsPathFor, vectorOutputPlan, type VectorFormat } from './vector-format.ts';
import { writeFailure } from './write-error.ts';

export { VECTOR_FORMATS, idsPathFor, vectorFormatFor, type VectorFormat } from './vector-format.ts';

const ROWS_PER_BATCH = 8192;

/** Stored vectors, row-major: float32 values, or float16 bits (--vector-dtype float16). */
type StoredVectors = Float32Array | Uint16Array;

/** Rows [start, end) of the vectors as stored: a view inside one chunk, else a copy across the chunk boundary. */
function batchOf(vectors: VectorChunks, start: number, end: number): StoredVectors {
  if (end <= start) return storedArray(vectors.dtype, 0);
  return vectors.storedRows(start, end - start, () => storedArray(vectors.dtype, (end - start) * vectors.dim));
}

/** NumPy .npy v1.0 header for a little-endian float32 ('<f4') or float16 ('<f2') C-order matrix. */
export function npyHeader(rows: number, dim: number, descr: '<f4' | '<f2' = '<f4'): Buffer {
  const dict = `{'descr': '${descr}', 'fortran_order': False, 'shape': (${rows}, ${dim}), }`;
  const preamble = 10;
  const total = Math.ceil((preamble + dict.length + 1) / 64) * 64;
  const header = Buffer.alloc(total, 0x20);
  header.write('\x93NUMPY', 0, 'latin1');
  header[6] = 1;
  header[7] = 0;
  header.writeUInt16LE(total - preamble, 8);
  header.write(dict, preamble, 'latin1');
  header[total - 1] = 0x0a;
  return header;
}

/** Row `row` as plain numbers (float16 bits widened). */
function rowValues(vectors: StoredVectors, dim: number, row: number): number[] {
  const slice = vectors.subarray(row * dim, (row + 1) * dim);
  return Array.from(slice instanceof Uint16Array ? float16ToFloat32(slice) : slice);
}

/** Rows [start, end): `vectors` holds exactly those rows. */
function arrowBatch(ids: StringList, vectors: StoredVectors, dim: number, start: number, end: number): RecordBatch {
  const rows = end - start;
  const half = vectors instanceof Uint16Array;
  const itemField = new Field('item', half ? new Float16() : new Float32(), false);
  const listType = new FixedSizeList(dim, itemField);
  const values = half
    ? makeData({ type: new Float16(), length: rows * dim, data: vectors })
    : makeData({ type: new Float32(), length: rows * dim, data: vectors });
  const embedding = makeData({ type: listType, length: rows, nullCount: 0, child: values });
  const idData = vectorFromArray(sliceStrings(ids, start, end), new Utf8()).data[0];
  if (idData === undefined) throw new Error('vectorFromArray returned no data');
  const schema = new Schema([new Field('id', new Utf8(), false), new Field('embedding', listType, false)]);
  const struct = makeData({ type: new Struct(schema.fields), length: rows, nullCount: 0, children: [idData, embedding] });
  return new RecordBatch(schema, struct);
}

async function writeToSink(sink: ByteSink, format: Exclude<VectorFormat, 'parquet'>, ids: StringList, vectors: VectorChunks, dim: number): Promise<void> {
  try {
    await writeFormatted(sink, format, ids, vectors, dim);
    await sink.close();
  } catch (error) {
    await sink.destroy();
    throw error;
  }
}

async function writeFormatted(sink: ByteSink, format: Exclude<VectorFormat, 'parquet'>, ids: StringList, vectors: VectorChunks, dim: number): Promise<void> {
  if (format === 'npy') {
    await sink.write(npyHeader(ids.length, dim, vectors.dtype === 'float16' ? '<f2' : '<f4'));
    for (const part of vectors.storedParts()) await sink.write(bytesOf(part));
  } else if (format === 'jsonl') {
    for (let start = 0; start < ids.length; start += ROWS_PER_BATCH) {
      const end = Math.min(ids.length, start + ROWS_PER_BATCH);
      const batch = batchOf(vectors, start, end);
      let text = '';
      for (let row = start; row < end; row += 1) text += `${JSON.stringify({ id: ids.at(row), embedding: rowValues(batch, dim, row - start) })}\n`;
      await sink.write(text);
    }
  } else {
    const writer = new RecordBatchStreamWriter();
    const pump = (async () => {
      for await (const chunk of writer as AsyncIterable<Uint8Array>) await sink.write(chunk);
    })();
    for (let start = 0; start < Math.max(ids.length, 1); start += ROWS_PER_BATCH) {
      const end = Math.min(ids.length, start + ROWS_PER_BATCH);
      writer.write(arrowBatch(ids, batchOf(vectors, start, end), dim, start, end));
    }
    writer.finish();
    await pump;
  }
}

/**
 * Writes ids with their vectors: Parquet (id string, embedding list<float32>), Arrow IPC stream (embedding as
 * fixed_size_list<float32>[dim], or <float16> for float16 vectors), NumPy .npy (float32 or float16 [n, dim]) plus
 * `<name>.ids.jsonl`, or JSONL. float16 vectors (Uint16Array bits) reach Parquet and JSONL as their float32 values. Files are
 * atomic (temp file + rename); a character device or FIFO is written in place. Write failures are E_IO.
 */
export async function writeVectors(output: string, ids: StringList, given: VectorChunks | StoredVectors, dim: number, explicit?: VectorFormat): Promise<void> {
  const vectors = given instanceof VectorChunks ? given : VectorChunks.fromStored(given, Math.max(dim, 1));
  if (vectors.rows !== ids.length || (vectors.rows > 0 && vectors.dim !== dim)) throw new Error(`writeVectors: ${ids.length} ids but ${vectors.rows} vectors of dim ${vectors.dim} (expected ${dim})`);
  const { format } = await vectorOutputPlan(output, explicit);
  if (output === '-') {
    await writeToSink(ByteSink.toStdout(), format as Exclude<VectorFormat, 'parquet'>, ids, vectors, dim);
    return;
  }
  const file = await openOutputFile(output);
  const idsFile = format === 'npy' ? await openOutputFile(idsPathFor(output)) : undefined;
  try {
    if (format === 'parquet') {
      const writer = createParquetWriter(
        file.writePath,
        [
          { name: 'id', type: 'string' },
          { name: 'embedding', type: 'list<float32>' },
        ],
        { label: output },
      );
      try {
        for (let start = 0; start < ids.length; start += ROWS_PER_BATCH) {
          const rows = [];
          const end = Math.min(ids.length, start + ROWS_PER_BATCH);
          const batch = batchOf(vectors, start, end);
          for (let row = start; row < end; row += 1) rows.push({ id: ids.at(row), embedding: rowValues(batch, dim, row - start) });
          await writer.write(rows);
        }
        await writer.close();
      } catch (error) {
        await writer.abort();
        throw error;
      }
    } else {
      await writeToSink(ByteSink.toFile(file.writePath, output, { inPlace: file.inPlace }), format, ids, vectors, dim);
    }
    if (idsFile !== undefined) {
      const sink = ByteSink.toFile(idsFile.writePath, idsFile.finalPath, { inPlace: idsFile.inPlace });
      try {
        for (let start = 0; start < ids.length; start += ROWS_PER_BATCH) {
          await sink.write(sliceStrings(ids, start, start + ROWS_PER_BATCH).map((id) => `${JSON.stringify(id)}\n`).join(''));
        }
        await sink.close();
      } catch (error) {
        await sink.destroy();
        throw error;
      }
      await idsFile.commit();
    }
    await file.commit();
  } catch (error) {
    await file.abort();
    await idsFile?.abort();
    throw writeFailure(output, error);
  }
}
