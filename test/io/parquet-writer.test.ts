import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { tableFromIPC, type Vector } from 'apache-arrow';
import * as parquetWasm from 'parquet-wasm';
import { parquetMetadata } from 'hyparquet';
import { NegmineError } from '../../src/core/errors.ts';
import { openParquetSource } from '../../src/io/parquet-source.ts';
import { PARQUET_WRITE_CODECS, createParquetWriter, defaultParquetCodec, type ParquetColumnSpec, type ParquetWriteCodec } from '../../src/io/parquet-writer.ts';

const ALL_TYPES: ParquetColumnSpec[] = [
  { name: 'id', type: 'int32', nullable: false },
  { name: 'query', type: 'string' },
  { name: 'pos', type: 'list<string>' },
  { name: 'neg', type: 'list<string>' },
  { name: 'scores', type: 'list<float32>' },
  { name: 'score', type: 'float32' },
  { name: 'margin', type: 'float64' },
  { name: 'doc', type: 'int64' },
  { name: 'relevant', type: 'boolean' },
  { name: 'ranks', type: 'list<int32>' },
  { name: 'docs', type: 'list<int64>' },
  { name: 'ce_scores', type: 'list<float64>' },
  { name: 'labels', type: 'list<boolean>' },
];

const ROWS: Record<string, unknown>[] = [
  {
    id: 1,
    query: 'capital of australia',
    pos: ['Canberra is the capital.'],
    neg: ['Sydney is larger.', 'Melbourne.'],
    scores: [0.1, 0.5],
    score: 0.9,
    margin: 0.05,
    doc: 7,
    relevant: true,
    ranks: [3, 10],
    docs: [11, 12n],
    ce_scores: [0.1, -0.2],
    labels: [true, false],
  },
  { id: 2, query: 'café ☕ 東京', pos: [], neg: [], scores: [], score: -1.5, margin: 1e-9, doc: 9_007_199_254_740_993n, relevant: false, ranks: [], docs: [], ce_scores: [], labels: [] },
  { id: 3, query: null, pos: null, neg: null, scores: null, score: null, margin: null, doc: null, relevant: null, ranks: null, docs: null, ce_scores: null, labels: null },
  { id: 4, pos: [null, 'x'], neg: ['', null], scores: [null, 2.25], ranks: [null, -1], docs: [null, 2n ** 62n], ce_scores: [null], labels: [null, true] },
  { id: -2_147_483_648, query: '', pos: ['a'], neg: ['b'], scores: [Math.PI], score: Math.PI, margin: Math.PI, doc: -(2n ** 63n), relevant: true, ranks: [2_147_483_647], docs: [-1], ce_scores: [Math.E], labels: [false] },
  { id: 2_147_483_647, query: 'line\nbreak', pos: ['x'.repeat(5000)], neg: ['y'], scores: [1e30], score: 3.4e38, margin: Number.MAX_VALUE, doc: 2n ** 63n - 1n, relevant: false },
  { id: 7, query: 'seven', pos: ['p7'], neg: ['n7'], scores: [7], score: 7, margin: 7, doc: Number.MAX_SAFE_INTEGER, relevant: true, ranks: [7], docs: [7], ce_scores: [7], labels: [true] },
];

function int64View(value: unknown): unknown {
  if (typeof value !== 'bigint') return value ?? null;
  return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value.toString();
}

/** What the reader gives back: float32 rounded, int64 as number when safe else its decimal string, missing as null. */
function readerView(row: Record<string, unknown>): Record<string, unknown> {
  const scores = row['scores'] as (number | null)[] | null | undefined;
  return {
    id: row['id'],
    query: row['query'] ?? null,
    pos: row['pos'] ?? null,
    neg: row['neg'] ?? null,
    scores: scores?.map((value) => (value === null ? null : Math.fround(value))) ?? null,
    score: typeof row['score'] === 'number' ? Math.fround(row['score']) : null,
    margin: row['margin'] ?? null,
    doc: int64View(row['doc']),
    relevant: row['relevant'] ?? null,
    ranks: row['ranks'] ?? null,
    docs: (row['docs'] as unknown[] | null | undefined)?.map(int64View) ?? null,
    ce_scores: row['ce_scores'] ?? null,
    labels: row['labels'] ?? null,
  };
}

function toBigInt(value: unknown): bigint | null {
  return value === null || value === undefined ? null : BigInt(value as number | bigint);
}

/** What arrow-rs gives back through Arrow: int64 as bigint, float32 as its float32 value. */
function arrowView(row: Record<string, unknown>): Record<string, unknown> {
  return { ...readerView(row), doc: toBigInt(row['doc']), docs: (row['docs'] as unknown[] | null | undefined)?.map(toBigInt) ?? null };
}

async function readAll(file: string): Promise<{ groups: number[]; values: unknown[]; positions: number[] }> {
  const source = await openParquetSource(file);
  const groups: number[] = [];
  const values: unknown[] = [];
  const positions: number[] = [];
  for await (const batch of source.batches()) {
    groups.push(batch.length);
    for (const record of batch) {
      values.push(record.value);
      positions.push(record.position);
    }
  }
  return { groups, values, positions };
}

const tempDir = mkdtempSync(path.join(os.tmpdir(), 'negmine-parquet-writer-'));
after(() => {
  rmSync(tempDir, { recursive: true, force: true });
});

function plain(value: unknown): unknown {
  if (value !== null && typeof value === 'object' && Symbol.iterator in value && typeof (value as Vector).get === 'function') {
    return Array.from(value as Iterable<unknown>, plain);
  }
  return value;
}

/** Rows as an independent reader sees them: arrow-rs (Rust, compiled to WASM in parquet-wasm), through Arrow IPC. */
function arrowRows(file: string): Promise<Record<string, unknown>[]> {
  const table = tableFromIPC(parquetWasm.readParquet(readFileSync(file)).intoIPCStream());
  const names = table.schema.fields.map((field) => field.name);
  return Promise.resolve(
    Array.from({ length: table.numRows }, (_, row) => Object.fromEntries(names.map((name) => [name, plain(table.getChild(name)?.get(row) ?? null)]))),
  );
}

const availableCodecs = PARQUET_WRITE_CODECS;

describe('parquet-writer', () => {
  const written = new Map<ParquetWriteCodec, Promise<string>>();
  // Both tests of a codec read one file; whichever runs first writes it.
  function writeAllTypes(codec: ParquetWriteCodec): Promise<string> {
    const existing = written.get(codec);
    if (existing !== undefined) return existing;
    const file = path.join(tempDir, `all-types-${codec}.parquet`);
    const writing = (async () => {
      const writer = createParquetWriter(file, ALL_TYPES, { rowGroupSize: 3, codec });
      // Uneven write calls: row groups follow rowGroupSize, not the calls.
      await writer.write(ROWS.slice(0, 2));
      await writer.write(ROWS.slice(2, 6));
      await writer.write([]);
      await writer.write(ROWS.slice(6));
      await writer.close();
      return file;
    })();
    written.set(codec, writing);
    return writing;
  }

  for (const codec of availableCodecs) {
    it(`parquet-writer round-trips every column type with nulls and empty lists (${codec})`, async () => {
      const file = await writeAllTypes(codec);
      const bytes = readFileSync(file);
      const metadata = parquetMetadata(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
      const codecs = new Set(metadata.row_groups.flatMap((group) => group.columns.map((chunk) => chunk.meta_data?.codec)));
      assert.deepEqual([...codecs], [codec.toUpperCase()]);

      const { groups, values, positions } = await readAll(file);
      assert.deepEqual(groups, [3, 3, 1]);
      assert.deepEqual(positions, [1, 2, 3, 4, 5, 6, 7]);
      assert.deepEqual(values, ROWS.map(readerView));
    });

    it(`parquet-writer output reads the same in arrow-rs (${codec})`, async () => {
      const file = await writeAllTypes(codec);
      const schema = tableFromIPC(parquetWasm.readParquet(readFileSync(file)).intoIPCStream()).schema;
      assert.deepEqual(
        schema.fields.map((field) => [field.name, String(field.type)]),
        [
          ['id', 'Int32'],
          ['query', 'Utf8'],
          ['pos', 'List<Utf8>'],
          ['neg', 'List<Utf8>'],
          ['scores', 'List<Float32>'],
          ['score', 'Float32'],
          ['margin', 'Float64'],
          ['doc', 'Int64'],
          ['relevant', 'Bool'],
          ['ranks', 'List<Int32>'],
          ['docs', 'List<Int64>'],
          ['ce_scores', 'List<Float64>'],
          ['labels', 'List<Bool>'],
        ],
      );
      assert.deepEqual(await arrowRows(file), ROWS.map(arrowView));
    });
  }

  it('parquet-writer without rows writes a valid file with the schema and no row groups', async () => {
    const file = path.join(tempDir, 'empty.parquet');
    const writer = createParquetWriter(file, [
      { name: 'query', type: 'string' },
      { name: 'neg', type: 'list<string>' },
    ]);
    await writer.close();
    const source = await openParquetSource(file);
    assert.deepEqual(source.columns, ['query', 'neg']);
    assert.deepEqual((await readAll(file)).groups, []);
    // pyarrow writes empty tables the same way (no row groups); parquet-wasm 0.8 cannot read such a file with a list column.
  });

  it('parquet-writer compresses with zstd by default', async () => {
    assert.equal(defaultParquetCodec(), 'zstd');
    const file = path.join(tempDir, 'default-codec.parquet');
    const writer = createParquetWriter(file, [{ name: 'query', type: 'string' }]);
    await writer.write([{ query: 'a' }, { query: 'b' }]);
    await writer.close();
    const bytes = readFileSync(file);
    const metadata = parquetMetadata(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
    assert.deepEqual(metadata.row_groups.flatMap((group) => group.columns.map((chunk) => chunk.meta_data?.codec)), ['ZSTD']);
    assert.deepEqual(await arrowRows(file), [{ query: 'a' }, { query: 'b' }]);
  });

  it('parquet-writer rejects a value of the wrong type naming the column and row', async () => {
    const schema: ParquetColumnSpec[] = [
      { name: 'id', type: 'int32', nullable: false },
      { name: 'neg', type: 'list<string>' },
      { name: 'doc', type: 'int64' },
    ];
    const cases: [Record<string, unknown>, string][] = [
      [{ id: 1.5 }, "Parquet writer: column 'id' row 2: expected int32, got number"],
      [{ id: null }, "Parquet writer: column 'id' row 2 is null but the column is not nullable"],
      [{ id: 2, neg: 'not a list' }, "Parquet writer: column 'neg' row 2: expected list<string>, got string"],
      [{ id: 2, neg: ['ok', 3] }, "Parquet writer: column 'neg' row 2: expected list<string>, got an element of type number"],
      [{ id: 2, doc: 2 ** 53 + 2 }, "Parquet writer: column 'doc' row 2: expected int64, got number"],
    ];
    for (const [index, [row, message]] of cases.entries()) {
      const writer = createParquetWriter(path.join(tempDir, `bad-${index}.parquet`), schema, { rowGroupSize: 2 });
      await assert.rejects(writer.write([{ id: 1 }, row]), (error) => error instanceof TypeError && error.message === message);
      await assert.rejects(writer.close(), /stopped after an earlier error/);
      await writer.abort();
    }
  });

  it('parquet-writer reports an unwritable path as E_IO and refuses writes after close', async () => {
    const missingDir = path.join(tempDir, 'no-such-dir', 'out.parquet');
    const writer = createParquetWriter(missingDir, [{ name: 'query', type: 'string' }]);
    await assert.rejects(writer.close(), (error) => error instanceof NegmineError && error.code === 'E_IO' && error.message === `Cannot write '${missingDir}': no such file or directory (ENOENT)`);

    const file = path.join(tempDir, 'closed.parquet');
    const closed = createParquetWriter(file, [{ name: 'query', type: 'string' }]);
    await closed.write([{ query: 'q' }]);
    await closed.close();
    await assert.rejects(closed.write([{ query: 'again' }]), /Parquet writer for '.*closed\.parquet' is closed/);
    assert.deepEqual((await readAll(file)).values, [{ query: 'q' }]);
  });

  it('parquet-writer rejects a bad schema or row group size as misuse', () => {
    const file = path.join(tempDir, 'misuse.parquet');
    assert.throws(() => createParquetWriter(file, []), TypeError);
    assert.throws(() => createParquetWriter(file, [{ name: 'a', type: 'string' }, { name: 'a', type: 'int32' }]), /duplicate column 'a'/);
    assert.throws(() => createParquetWriter(file, [{ name: 'a', type: 'string' }], { rowGroupSize: 0 }), RangeError);
    assert.equal(existsSync(file), false);
  });
});
