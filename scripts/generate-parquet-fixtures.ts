/**
 * Writes the golden Parquet files in fixtures/parquet/ with three independent writers (DuckDB, arrow-rs through
 * parquet-wasm, hyparquet-writer) and, beside each, `<name>.expected.json` built from the SOURCE rows below, never
 * from reading the file back. Run: node --import tsx scripts/generate-parquet-fixtures.ts
 */
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync, brotliCompressSync, constants as zlibConstants } from 'node:zlib';
import { loadDuckdb, type DuckdbConnection } from '../bench/lib/duckdb.ts';
import { Dictionary, Field, Float32, Float64, Int32, LargeUtf8, List, Table, Utf8, tableToIPC, vectorFromArray, type DataType, type Vector } from 'apache-arrow';
import { parquetMetadata, type CompressionCodec, type FileMetaData, type SchemaElement } from 'hyparquet';
import { ByteWriter, parquetWrite } from 'hyparquet-writer';
import { parquetHeader } from 'hyparquet/src/column.js';
import { writePageHeader } from 'hyparquet-writer/src/datapage.js';
import { writeMetadata } from 'hyparquet-writer/src/metadata.js';
import { crc32 } from '../src/io/crc32.ts';
import * as parquetWasm from 'parquet-wasm';

const OUT_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'parquet');

/** How a source column maps to JSON in the expected file. */
type Kind = 'string' | 'int32' | 'int64' | 'string[]' | 'float32[]' | 'float64[]';
type Row = Record<string, unknown>;

interface Fixture {
  name: string;
  writer: string;
  codec: CompressionCodec;
  columns: Record<string, Kind>;
  rows: readonly Row[];
  rowGroups: number[];
  /** Columns that must be dictionary-encoded in every row group (checked in the footer after writing). */
  dictionary?: string[];
  /** DuckDB column types that differ from the kind's default. */
  duckdbTypes?: Record<string, string>;
}

// ---- source data -------------------------------------------------------------------------------------------

const FLAG_ROWS: readonly Row[] = [
  {
    query: 'what is a hard negative in contrastive learning',
    pos: ['A hard negative is a passage that looks relevant to the query but does not answer it.'],
    neg: ['Negative numbers are less than zero.', 'Contrastive stains make cell structures visible under a microscope.'],
  },
  {
    query: 'how long do you boil an egg',
    pos: ['Boil a large egg for 9 to 12 minutes for a firm yolk.'],
    neg: ['Eggs are a good source of protein.', 'Water boils at 100 °C at sea level.', 'Poached eggs cook in about 3 minutes.'],
  },
  {
    query: 'café au lait vs latte',
    pos: ['Café au lait is brewed coffee with hot milk; a latte uses espresso and steamed milk.'],
    neg: ["Lait means 'milk' in French."],
  },
  { query: '東京の人口は何人ですか', pos: ['東京都の人口は約1400万人です。'], neg: ['大阪は日本の都市です。', 'Tokyo hosted the Olympics in 1964 and 2021.'] },
  {
    query: "what does 'idempotent' mean",
    pos: ['An idempotent operation gives the same result when applied more than once.', 'f(f(x)) = f(x) for an idempotent function f.'],
    neg: [],
  },
  {
    query: 'symptoms of dehydration 🥵',
    pos: ['Thirst, dark urine, fatigue and dizziness are common signs of dehydration.'],
    neg: ['Hydration packs carry water for hikers.', 'Dehydrated food keeps for years.\nIt weighs little.'],
  },
  {
    query: 'capital of australia',
    pos: ['Canberra is the capital city of Australia.'],
    neg: ['Sydney is the largest city in Australia.', 'Melbourne was the seat of government until 1927.'],
  },
  {
    query: 'python list comprehension syntax',
    pos: ['[expr for item in iterable if condition] builds a list in one expression.'],
    neg: ['Pythons are non-venomous snakes.', 'A list is an ordered, mutable collection.', 'Set comprehensions use C:\\braces {}.'],
  },
];

const TITLES = ['Coffee', 'Eggs', 'Australia', ''] as const;
const CORPUS_ROWS: readonly Row[] = [
  'Café au lait is brewed coffee with hot milk.',
  'A latte uses espresso and steamed milk.',
  'Boil a large egg for 9 to 12 minutes for a firm yolk.',
  'Canberra is the capital city of Australia.',
  'Sydney is the largest city in Australia.',
  'Poached eggs cook in about 3 minutes.',
  'Cold brew steeps coarse grounds for 12 hours or more.',
  'Melbourne was the seat of government until 1927.',
  'Egg whites are mostly water and protein (albumin).',
  'The Great Barrier Reef lies off the coast of Queensland.',
].map((text, i) => ({ _id: `doc-${String(i + 1).padStart(3, '0')}`, title: TITLES[[0, 0, 1, 2, 2, 1, 0, 2, 1, 3][i] ?? 3], text }));

// int64 ids around the edges of what a JS number holds exactly.
const INT64_IDS = [1n, 2n, 42n, 1_000_000_007n, 9_007_199_254_740_991n, 9_007_199_254_740_993n, -3n, 2n ** 63n - 1n, -(2n ** 63n), 0n];
const CORPUS_INT64_ROWS: readonly Row[] = CORPUS_ROWS.map((row, i) => ({ ...row, _id: INT64_IDS[i] }));
const CORPUS_INT32_ROWS: readonly Row[] = CORPUS_ROWS.map((row, i) => ({ ...row, _id: (i + 1) * 1000 - 2 ** 31 * (i % 2) }));

const NULL_ROWS: readonly Row[] = FLAG_ROWS.map((row, i) => {
  if (i === 1) return { ...row, query: null };
  if (i === 2) return { ...row, pos: null };
  if (i === 3) return { ...row, neg: [null, 'Osaka is a city in Japan.', null] };
  if (i === 6) return { ...row, pos: [], neg: null };
  return row;
});

const SCORE_ROWS: readonly Row[] = FLAG_ROWS.slice(0, 6).map((row, i) => ({
  id: i + 1,
  query: row['query'],
  pos: row['pos'],
  neg: row['neg'],
  pos_scores: (row['pos'] as string[]).map((_, j) => [0.9, 0.75, 0.1][j] ?? 0),
  neg_scores: (row['neg'] as string[]).map((_, j) => [0.3, 0.125, 1 / 3][j] ?? 0),
}));

// ---- expected JSON ---------------------------------------------------------------------------------------------

function int64ToJson(value: bigint): number | string {
  return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value.toString();
}

function expectedValue(kind: Kind, value: unknown): unknown {
  if (value === null || value === undefined) return null;
  if (kind === 'int64') return int64ToJson(value as bigint);
  // float32 storage rounds; the reader must give exactly the float32 value back.
  if (kind === 'float32[]') return (value as (number | null)[]).map((item) => (item === null ? null : Math.fround(item)));
  return value;
}

function expectedJson(fixture: Fixture): string {
  const rows = fixture.rows.map((row) => Object.fromEntries(Object.entries(fixture.columns).map(([name, kind]) => [name, expectedValue(kind, row[name])])));
  const body = { writer: fixture.writer, codec: fixture.codec, columns: Object.keys(fixture.columns), rowGroups: fixture.rowGroups, rows };
  return `${JSON.stringify(body, null, 2)}\n`;
}

// ---- writers ---------------------------------------------------------------------------------------------------

const DUCKDB_TYPES: Record<Kind, string> = {
  string: 'VARCHAR',
  int32: 'INTEGER',
  int64: 'BIGINT',
  'string[]': 'VARCHAR[]',
  'float32[]': 'FLOAT[]',
  'float64[]': 'DOUBLE[]',
};

function sqlLiteral(value: unknown): string {
  if (value === null || value === undefined) return 'NULL';
  if (typeof value === 'string') return `'${value.replaceAll("'", "''")}'`;
  // Parenthesized so that '-9223372036854775808::BIGINT' is not read as -(9223372036854775808::BIGINT).
  if (typeof value === 'bigint' || typeof value === 'number') return `(${String(value)})`;
  if (Array.isArray(value)) return `[${value.map(sqlLiteral).join(', ')}]`;
  throw new Error(`no SQL literal for ${typeof value}`);
}

async function writeDuckdb(connection: DuckdbConnection, fixture: Fixture, compression: string): Promise<void> {
  const names = Object.keys(fixture.columns);
  const typeOf = (name: string): string => fixture.duckdbTypes?.[name] ?? DUCKDB_TYPES[fixture.columns[name] ?? 'string'];
  const columns = names.map((name) => `"${name}" ${typeOf(name)}`);
  await connection.run('DROP TABLE IF EXISTS t');
  await connection.run(`CREATE TABLE t (${columns.join(', ')})`);
  const values = fixture.rows.map((row) => `(${names.map((name) => `${sqlLiteral(row[name])}::${typeOf(name)}`).join(', ')})`);
  await connection.run(`INSERT INTO t VALUES ${values.join(', ')}`);
  const target = path.join(OUT_DIR, `${fixture.name}.parquet`).replaceAll("'", "''");
  await connection.run(`COPY t TO '${target}' (FORMAT parquet, COMPRESSION ${compression})`);
}

function arrowVector(kind: Kind, values: unknown[], largeStrings: boolean, dictionary: boolean): Vector {
  const text: DataType = largeStrings ? new LargeUtf8() : new Utf8();
  switch (kind) {
    case 'string':
      return vectorFromArray(values, dictionary ? new Dictionary(new Utf8(), new Int32()) : text);
    case 'string[]':
      return vectorFromArray(values, new List(new Field('item', text, true)));
    case 'float32[]':
      return vectorFromArray(values, new List(new Field('item', new Float32(), true)));
    case 'float64[]':
      return vectorFromArray(values, new List(new Field('item', new Float64(), true)));
    case 'int32':
      return vectorFromArray(values, new Int32());
    case 'int64':
      return vectorFromArray(values as bigint[]);
  }
}

function writeParquetWasm(fixture: Fixture, options: { largeStrings: boolean; dictionaryColumns: string[]; rowGroupSize: number }): void {
  const vectors = Object.fromEntries(
    Object.entries(fixture.columns).map(([name, kind]) => [
      name,
      arrowVector(kind, fixture.rows.map((row) => row[name]), options.largeStrings, options.dictionaryColumns.includes(name)),
    ]),
  );
  const ipc = tableToIPC(new Table(vectors), 'stream');
  const properties = new parquetWasm.WriterPropertiesBuilder()
    .setCompression(parquetWasm.Compression[fixture.codec])
    .setMaxRowGroupSize(options.rowGroupSize)
    .setCreatedBy('negmine fixtures (parquet-wasm 0.8.0)')
    .build();
  writeFileSync(path.join(OUT_DIR, `${fixture.name}.parquet`), parquetWasm.writeParquet(parquetWasm.Table.fromIPCStream(ipc), properties));
}

const HYPARQUET_LEAVES: Record<'string' | 'int32' | 'int64' | 'float32' | 'float64', Omit<SchemaElement, 'name' | 'repetition_type'>> = {
  string: { type: 'BYTE_ARRAY', converted_type: 'UTF8' },
  int32: { type: 'INT32' },
  int64: { type: 'INT64' },
  float32: { type: 'FLOAT' },
  float64: { type: 'DOUBLE' },
};

function hyparquetSchema(columns: Record<string, Kind>, required: readonly string[]): SchemaElement[] {
  const schema: SchemaElement[] = [{ name: 'schema', num_children: Object.keys(columns).length }];
  for (const [name, kind] of Object.entries(columns)) {
    const repetition_type = required.includes(name) ? 'REQUIRED' : 'OPTIONAL';
    if (kind.endsWith('[]')) {
      const leaf = HYPARQUET_LEAVES[kind === 'string[]' ? 'string' : kind === 'float32[]' ? 'float32' : 'float64'];
      schema.push({ name, repetition_type, converted_type: 'LIST', num_children: 1 }, { name: 'list', repetition_type: 'REPEATED', num_children: 1 }, { ...leaf, name: 'element', repetition_type: 'OPTIONAL' });
    } else {
      schema.push({ ...HYPARQUET_LEAVES[kind as 'string' | 'int32' | 'int64'], name, repetition_type });
    }
  }
  return schema;
}

// gzip's header records the OS; pin it so the bytes do not depend on where the script ran.
function gzipPinned(input: Uint8Array): Uint8Array {
  const output = gzipSync(input);
  output[9] = 3;
  return output;
}

function writeHyparquet(fixture: Fixture, options: { rowGroupSize: number; required?: string[] }): void {
  const writer = new ByteWriter();
  // hyparquet-writer keeps a dictionary only when it halves the size, so a tiny column needs it asked for.
  const columnData = Object.keys(fixture.columns).map((name) => ({
    name,
    data: fixture.rows.map((row) => row[name]),
    ...(fixture.dictionary?.includes(name) === true ? { encoding: 'RLE_DICTIONARY' as const } : {}),
  }));
  const result = parquetWrite({
    writer,
    columnData,
    schema: hyparquetSchema(fixture.columns, options.required ?? []),
    codec: fixture.codec,
    compressors: { GZIP: gzipPinned, BROTLI: (input) => brotliCompressSync(input, { params: { [zlibConstants.BROTLI_PARAM_QUALITY]: 5 } }) },
    rowGroupSize: options.rowGroupSize,
    createdBy: 'negmine fixtures (hyparquet-writer 0.17.0)',
  });
  if (result instanceof Promise) throw new Error('ByteWriter writes synchronously');
  writeFileSync(path.join(OUT_DIR, `${fixture.name}.parquet`), writer.getBytes());
}

// ---- checks of what was written (footer only: codec, row groups, encodings) -----------------------------------

function footer(name: string): FileMetaData {
  const bytes = readFileSync(path.join(OUT_DIR, `${name}.parquet`));
  return parquetMetadata(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
}

function checkFooter(fixture: Fixture): void {
  const metadata = footer(fixture.name);
  const groups = metadata.row_groups.map((group) => Number(group.num_rows));
  if (JSON.stringify(groups) !== JSON.stringify(fixture.rowGroups)) throw new Error(`${fixture.name}: row groups ${JSON.stringify(groups)}, wanted ${JSON.stringify(fixture.rowGroups)}`);
  for (const group of metadata.row_groups) {
    for (const chunk of group.columns) {
      const meta = chunk.meta_data;
      if (meta === undefined) throw new Error(`${fixture.name}: column chunk without metadata`);
      if (meta.codec !== fixture.codec) throw new Error(`${fixture.name}: column ${meta.path_in_schema.join('.')} is ${meta.codec}, wanted ${fixture.codec}`);
      const column = meta.path_in_schema[0] ?? '';
      const dictionary = meta.encodings.includes('RLE_DICTIONARY') || meta.encodings.includes('PLAIN_DICTIONARY');
      if (fixture.dictionary?.includes(column) === true && !dictionary) throw new Error(`${fixture.name}: column ${column} is not dictionary-encoded (${meta.encodings.join(', ')})`);
    }
  }
}

// ---- main ------------------------------------------------------------------------------------------------------

const FLAG_COLUMNS: Record<string, Kind> = { query: 'string', pos: 'string[]', neg: 'string[]' };
const CORPUS_COLUMNS: Record<string, Kind> = { _id: 'string', title: 'string', text: 'string' };

async function main(): Promise<void> {
  mkdirSync(OUT_DIR, { recursive: true });
  for (const entry of readdirSync(OUT_DIR)) if (entry.endsWith('.parquet') || entry.endsWith('.expected.json')) rmSync(path.join(OUT_DIR, entry));
  const fixtures: Fixture[] = [];
  const emit = (fixture: Fixture): void => {
    checkFooter(fixture);
    writeFileSync(path.join(OUT_DIR, `${fixture.name}.expected.json`), expectedJson(fixture));
    fixtures.push(fixture);
  };

  // DuckDB: one file per codec it writes (its 'lz4' is LZ4_RAW), plus an int64 id corpus.
  const { DuckDBInstance } = await loadDuckdb('Regenerating the DuckDB golden files');
  const instance = await DuckDBInstance.create(':memory:', { threads: '1' });
  const connection = await instance.connect();
  const duckdb = 'duckdb 1.5.6';
  const duckdbCodecs = [['snappy', 'SNAPPY'], ['zstd', 'ZSTD'], ['gzip', 'GZIP'], ['brotli', 'BROTLI'], ['lz4_raw', 'LZ4_RAW'], ['uncompressed', 'UNCOMPRESSED']] as const;
  for (const [compression, codec] of duckdbCodecs) {
    const fixture: Fixture = { name: `duckdb-flag-${compression.replace('_', '-')}`, writer: duckdb, codec, columns: FLAG_COLUMNS, rows: FLAG_ROWS, rowGroups: [FLAG_ROWS.length] };
    await writeDuckdb(connection, fixture, compression);
    emit(fixture);
  }
  const int64Corpus: Fixture = {
    name: 'duckdb-corpus-int64-id-zstd',
    writer: duckdb,
    codec: 'ZSTD',
    columns: { _id: 'int64', title: 'string', text: 'string' },
    rows: CORPUS_INT64_ROWS,
    rowGroups: [CORPUS_INT64_ROWS.length],
    dictionary: ['title'],
    // DuckDB dictionary-encodes an ENUM always, a VARCHAR only once a column is long enough to gain from it.
    duckdbTypes: { title: `ENUM(${TITLES.map(sqlLiteral).join(', ')})` },
  };
  await writeDuckdb(connection, int64Corpus, 'zstd');
  emit(int64Corpus);
  connection.closeSync();
  instance.closeSync();

  // arrow-rs through parquet-wasm: large_string, Arrow dictionary type, legacy (Hadoop-framed) LZ4, row groups.
  const arrowRs = 'arrow-rs via parquet-wasm 0.8.0';
  const largeString: Fixture = { name: 'arrow-rs-corpus-large-string-lz4', writer: arrowRs, codec: 'LZ4', columns: CORPUS_COLUMNS, rows: CORPUS_ROWS, rowGroups: [4, 4, 2] };
  writeParquetWasm(largeString, { largeStrings: true, dictionaryColumns: [], rowGroupSize: 4 });
  emit(largeString);
  const dictionary: Fixture = { name: 'arrow-rs-corpus-dictionary-zstd', writer: arrowRs, codec: 'ZSTD', columns: CORPUS_COLUMNS, rows: CORPUS_ROWS, rowGroups: [10], dictionary: ['title'] };
  writeParquetWasm(dictionary, { largeStrings: false, dictionaryColumns: ['title'], rowGroupSize: 1024 });
  emit(dictionary);
  const arrowFlag: Fixture = { name: 'arrow-rs-flag-nulls-snappy', writer: arrowRs, codec: 'SNAPPY', columns: FLAG_COLUMNS, rows: NULL_ROWS, rowGroups: [3, 3, 2] };
  writeParquetWasm(arrowFlag, { largeStrings: false, dictionaryColumns: [], rowGroupSize: 3 });
  emit(arrowFlag);

  // hyparquet-writer: nulls everywhere a list or string can hold one, int32 ids over row groups, float lists.
  const hyparquet = 'hyparquet-writer 0.17.0';
  const nulls: Fixture = { name: 'hyparquet-flag-nulls-gzip', writer: hyparquet, codec: 'GZIP', columns: FLAG_COLUMNS, rows: NULL_ROWS, rowGroups: [8] };
  writeHyparquet(nulls, { rowGroupSize: 1000 });
  emit(nulls);
  const rowGroups: Fixture = {
    name: 'hyparquet-corpus-row-groups-brotli',
    writer: hyparquet,
    codec: 'BROTLI',
    columns: { _id: 'int32', title: 'string', text: 'string' },
    rows: CORPUS_INT32_ROWS,
    rowGroups: [4, 4, 2],
    dictionary: ['title'],
  };
  writeHyparquet(rowGroups, { rowGroupSize: 4, required: ['_id', 'title', 'text'] });
  emit(rowGroups);
  const scores: Fixture = {
    name: 'hyparquet-scores-uncompressed',
    writer: hyparquet,
    codec: 'UNCOMPRESSED',
    columns: { id: 'int32', query: 'string', pos: 'string[]', neg: 'string[]', pos_scores: 'float32[]', neg_scores: 'float64[]' },
    rows: SCORE_ROWS,
    rowGroups: [SCORE_ROWS.length],
  };
  writeHyparquet(scores, { rowGroupSize: 1000, required: ['id'] });
  emit(scores);
  const empty: Fixture = { name: 'hyparquet-no-rows-snappy', writer: hyparquet, codec: 'SNAPPY', columns: FLAG_COLUMNS, rows: [], rowGroups: [] };
  writeHyparquet(empty, { rowGroupSize: 1000 });
  emit(empty);

  writeBadFiles();
  writeTextAndChecksumFiles();
  const total = readdirSync(OUT_DIR).reduce((sum, entry) => sum + readFileSync(path.join(OUT_DIR, entry)).length, 0);
  console.log(`wrote ${fixtures.length} golden files, the bad files and the invalid-text and checksum files to ${path.relative(process.cwd(), OUT_DIR)} (${total} bytes in all)`);
}

function writeBad(name: string, bytes: Uint8Array, error: { code: string; message?: string; messagePrefix?: string }, extra: Record<string, unknown> = {}): void {
  writeFileSync(path.join(OUT_DIR, `${name}.parquet`), bytes);
  writeFileSync(path.join(OUT_DIR, `${name}.expected.json`), `${JSON.stringify({ ...extra, error }, null, 2)}\n`);
}

/** Bad inputs; "{file}" in a message stands for the path the reader was given. */
function writeBadFiles(): void {
  const good = readFileSync(path.join(OUT_DIR, 'duckdb-flag-snappy.parquet'));
  writeBad('bad-truncated', good.subarray(0, Math.floor(good.length * 0.6)), {
    code: 'E_INPUT_PARSE',
    message: "Cannot read '{file}': truncated or corrupt file (missing PAR1 footer)",
  });
  writeBad('bad-not-parquet', Buffer.from(`${JSON.stringify({ query: 'q', pos: ['p'], neg: ['n'] })}\n`), {
    code: 'E_INPUT_PARSE',
    message: "Cannot read '{file}': not a Parquet file (missing PAR1 footer)",
  });
  writeBad('bad-empty', new Uint8Array(0), { code: 'E_INPUT_PARSE', message: "Cannot read '{file}': file is empty" });

  const footerLength = Buffer.from(good);
  footerLength.writeUInt32LE(0x7fffffff, footerLength.length - 8);
  writeBad('bad-footer-length', footerLength, {
    code: 'E_INPUT_PARSE',
    message: `Cannot read '{file}': truncated or corrupt file (footer length 2147483647 exceeds the file size ${footerLength.length})`,
  });

  // Damage the first page header of row group 2: row group 1 still reads, then the error names group 2.
  const source = readFileSync(path.join(OUT_DIR, 'hyparquet-corpus-row-groups-brotli.parquet'));
  const metadata = footer('hyparquet-corpus-row-groups-brotli');
  const chunk = metadata.row_groups[1]?.columns[0]?.meta_data;
  if (chunk === undefined) throw new Error('row group 2 has no column metadata');
  const damaged = Buffer.from(source);
  const pageStart = Number(chunk.dictionary_page_offset ?? chunk.data_page_offset);
  damaged.fill(0xff, pageStart, pageStart + 8);
  writeBad(
    'bad-corrupt-row-group',
    damaged,
    { code: 'E_INPUT_PARSE', messagePrefix: "Cannot read '{file}': truncated or corrupt file (row group 2: " },
    { rowGroupsBeforeError: 1 },
  );
}

// ---- invalid text and page checksums (no DuckDB needed: run with --text-and-crc to write only these) -----------

const PARQUET_MAGIC_BYTES = Buffer.from('PAR1', 'latin1');

/** hyparquet-writer bytes without offset indexes, so that pages can be rewritten in place. */
function hyparquetBytes(columns: Record<string, Kind>, rows: readonly Row[], codec: CompressionCodec, rowGroupSize: number): Buffer {
  const writer = new ByteWriter();
  const columnData = Object.keys(columns).map((name) => ({ name, data: rows.map((row) => row[name]), offsetIndex: false }));
  const result = parquetWrite({ writer, columnData, schema: hyparquetSchema(columns, []), codec, rowGroupSize, createdBy: 'negmine fixtures (hyparquet-writer 0.17.0)' });
  if (result instanceof Promise) throw new Error('ByteWriter writes synchronously');
  return Buffer.from(writer.getBytes());
}

/** Replaces every occurrence of an ASCII placeholder with raw bytes of the same length (offsets stay valid). */
function patchBytes(file: Buffer, placeholder: string, bytes: readonly number[]): Buffer {
  const needle = Buffer.from(placeholder, 'latin1');
  if (needle.length !== bytes.length) throw new Error('a patch must keep the length');
  let at = file.indexOf(needle);
  if (at === -1) throw new Error(`placeholder ${placeholder} not found (compressed?)`);
  for (; at !== -1; at = file.indexOf(needle, at + 1)) Buffer.from(bytes).copy(file, at);
  return file;
}

function arrayBufferOf(bytes: Buffer): ArrayBuffer {
  return new Uint8Array(bytes).buffer;
}

/** The same file with a CRC-32 in every page header: pages are copied, headers rewritten, footer offsets moved. */
function withPageChecksums(source: Buffer): Buffer {
  const metadata = parquetMetadata(arrayBufferOf(source));
  const out = new ByteWriter();
  out.appendBytes(PARQUET_MAGIC_BYTES);
  const view = new DataView(source.buffer, source.byteOffset, source.byteLength);
  for (const group of metadata.row_groups) {
    const groupStart = out.offset;
    for (const column of group.columns) {
      const meta = column.meta_data;
      if (meta === undefined) throw new Error('column chunk without metadata');
      const start = Number(meta.dictionary_page_offset ?? meta.data_page_offset);
      const end = start + Number(meta.total_compressed_size);
      const chunkStart = out.offset;
      const reader = { view, offset: start };
      let dataPageOffset: number | undefined;
      while (reader.offset < end) {
        const pageStart = out.offset;
        const header = parquetHeader(reader);
        const data = source.subarray(reader.offset, reader.offset + header.compressed_page_size);
        reader.offset += header.compressed_page_size;
        if (header.type === 'DICTIONARY_PAGE') meta.dictionary_page_offset = BigInt(pageStart);
        else dataPageOffset ??= pageStart;
        writePageHeader(out, { ...header, crc: crc32(data) | 0 });
        out.appendBytes(data);
      }
      const grown = out.offset - chunkStart - (end - start);
      meta.data_page_offset = BigInt(dataPageOffset ?? chunkStart);
      meta.total_compressed_size += BigInt(grown);
      meta.total_uncompressed_size += BigInt(grown);
      column.file_offset = BigInt(chunkStart);
      group.total_byte_size += BigInt(grown);
    }
    group.file_offset = BigInt(groupStart);
    group.total_compressed_size = BigInt(out.offset - groupStart);
  }
  writeMetadata(out, metadata);
  out.appendBytes(PARQUET_MAGIC_BYTES);
  return Buffer.from(out.getBytes());
}

function writeTextAndChecksumFiles(): void {
  const hyparquet = 'hyparquet-writer 0.17.0';
  // Invalid UTF-8 a non-validating writer could produce: a broken 2-byte sequence, and a UTF-8-encoded surrogate.
  const textRows: Row[] = [
    { query: 'café au lait vs latte', pos: ['Café au lait is brewed coffee with hot milk.'], neg: ['Lait means milk.'] },
    { query: 'caf@1 au lait', pos: ['A second positive.'], neg: [] },
    { query: 'a broken list element', pos: ['fine', 'encoded surrogate @2@'], neg: [] },
  ];
  let invalid = hyparquetBytes(FLAG_COLUMNS, textRows, 'UNCOMPRESSED', 1000);
  invalid = patchBytes(invalid, '@1', [0xc3, 0x28]);
  invalid = patchBytes(invalid, '@2@', [0xed, 0xa0, 0x80]);
  const name = 'hyparquet-invalid-utf8-uncompressed';
  writeFileSync(path.join(OUT_DIR, `${name}.parquet`), invalid);
  const hex = (text: string, placeholder: string, bytes: number[]): { invalidUtf8: string } => {
    const [before = '', after = ''] = text.split(placeholder);
    return { invalidUtf8: Buffer.concat([Buffer.from(before), Buffer.from(bytes), Buffer.from(after)]).toString('hex') };
  };
  const rows = [
    textRows[0],
    { query: hex('caf@1 au lait', '@1', [0xc3, 0x28]), pos: ['A second positive.'], neg: [] },
    { query: 'a broken list element', pos: ['fine', hex('encoded surrogate @2@', '@2@', [0xed, 0xa0, 0x80])], neg: [] },
  ];
  const body = { writer: hyparquet, codec: 'UNCOMPRESSED', columns: Object.keys(FLAG_COLUMNS), rowGroups: [3], rows };
  writeFileSync(path.join(OUT_DIR, `${name}.expected.json`), `${JSON.stringify(body, null, 2)}\n`);

  // Page CRCs: a good file every page of which carries one, and a copy with one byte of a page flipped.
  const checked: Fixture = { name: 'hyparquet-crc-flag-snappy', writer: `${hyparquet} + page CRCs`, codec: 'SNAPPY', columns: FLAG_COLUMNS, rows: FLAG_ROWS, rowGroups: [4, 4] };
  writeFileSync(path.join(OUT_DIR, `${checked.name}.parquet`), withPageChecksums(hyparquetBytes(FLAG_COLUMNS, FLAG_ROWS, 'SNAPPY', 4)));
  writeFileSync(path.join(OUT_DIR, `${checked.name}.expected.json`), expectedJson(checked));
  const flipped = withPageChecksums(hyparquetBytes(FLAG_COLUMNS, FLAG_ROWS, 'UNCOMPRESSED', 4));
  const metadata = parquetMetadata(arrayBufferOf(flipped));
  const chunk = metadata.row_groups[1]?.columns[0]?.meta_data;
  if (chunk === undefined) throw new Error('row group 2 has no query column');
  // The last byte of the chunk is a character of the last query: it still decodes, only the CRC can tell.
  const last = Number(chunk.dictionary_page_offset ?? chunk.data_page_offset) + Number(chunk.total_compressed_size) - 1;
  flipped[last] = (flipped[last] ?? 0) ^ 0x01;
  writeBad(
    'bad-page-crc',
    flipped,
    { code: 'E_INPUT_PARSE', messagePrefix: "Cannot read '{file}': page checksum mismatch in column 'query', row group 2, page 1 (stored CRC-32 " },
    { rowGroupsBeforeError: 1 },
  );
}

if (process.argv.includes('--text-and-crc')) writeTextAndChecksumFiles();
else await main();
