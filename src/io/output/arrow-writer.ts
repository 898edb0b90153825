import { Field, Float64, Int32, List, RecordBatchStreamWriter, Table, Utf8, vectorFromArray, type DataType, type Vector } from 'apache-arrow';
import type { ColumnSpec, ColumnType, TableWriter } from '../../core/table.ts';
import type { ByteSink } from './byte-sink.ts';

function listOf(item: DataType): List {
  return new List(new Field('item', item, true));
}

function arrowType(type: ColumnType): DataType {
  switch (type) {
    case 'string':
      return new Utf8();
    case 'string_list':
      return listOf(new Utf8());
    case 'float64':
      return new Float64();
    case 'float64_list':
      return listOf(new Float64());
    case 'int32':
      return new Int32();
    case 'int32_list':
      return listOf(new Int32());
  }
}

/**
 * Arrow IPC stream format (what pyarrow.ipc.open_stream and Hugging Face datasets' .arrow files use),
 * one record batch per write call.
 */
export function createArrowWriter(sink: ByteSink, schema: readonly ColumnSpec[]): Omit<TableWriter, 'abort'> {
  const writer = new RecordBatchStreamWriter();
  const columnTypes = schema.map((column) => ({ name: column.name, type: arrowType(column.type) }));
  let wroteBatch = false;
  // The writer queues encoded messages; this loop drains them into the sink as they appear.
  let failure: Error | undefined;
  const pump = (async () => {
    try {
      for await (const chunk of writer as AsyncIterable<Uint8Array>) await sink.write(chunk);
    } catch (error) {
      failure = error instanceof Error ? error : new Error(String(error));
    }
  })();
  const settle = async (): Promise<void> => {
    await new Promise((resolve) => setImmediate(resolve));
    if (failure !== undefined) throw failure;
  };
  const batchOf = (rows: readonly Record<string, unknown>[]): Table => {
    const columns: Record<string, Vector> = {};
    for (const { name, type } of columnTypes) columns[name] = vectorFromArray(rows.map((row) => row[name] ?? null), type);
    return new Table(columns);
  };
  return {
    async write(rows) {
      if (rows.length === 0) return;
      for (const batch of batchOf(rows).batches) writer.write(batch);
      wroteBatch = true;
      await settle();
    },
    async close() {
      // An empty output still carries its schema.
      if (!wroteBatch) for (const batch of batchOf([]).batches) writer.write(batch);
      writer.finish();
      await pump;
      if (failure !== undefined) throw failure;
      await sink.close();
    },
  };
}
