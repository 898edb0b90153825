import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { open } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it, mock } from 'node:test';
import { NegmineError } from '../../src/core/errors.ts';
import { openParquetSource } from '../../src/io/parquet-source.ts';
import { createParquetWriter } from '../../src/io/parquet-writer.ts';
import { InvalidUtf8, type SourceRecord } from '../../src/io/record-source.ts';
import { REPO_ROOT } from '../helpers/cli.ts';

const FIXTURES = path.join(REPO_ROOT, 'fixtures', 'parquet');

interface Golden {
  writer: string;
  codec: string;
  columns: string[];
  rowGroups: number[];
  rows: Record<string, unknown>[];
}

interface Bad {
  error: { code: string; message?: string; messagePrefix?: string };
  rowGroupsBeforeError?: number;
}

function expected(name: string): Golden | Bad {
  return JSON.parse(readFileSync(path.join(FIXTURES, `${name}.expected.json`), 'utf8')) as Golden | Bad;
}

async function readBatches(file: string, columns?: readonly string[]): Promise<SourceRecord[][]> {
  const source = await openParquetSource(file, columns === undefined ? {} : { columns });
  const batches: SourceRecord[][] = [];
  for await (const batch of source.batches()) batches.push(batch);
  return batches;
}

function assertNegmineError(error: unknown, code: string, message: string | { prefix: string }): true {
  assert.ok(error instanceof NegmineError, `expected a NegmineError, got ${String(error)}`);
  assert.equal(error.code, code);
  if (typeof message === 'string') assert.equal(error.message, message);
  else assert.ok(error.message.startsWith(message.prefix), `${error.message} should start with ${message.prefix}`);
  assert.doesNotMatch(error.message, /\n|\bat .*:\d+:\d+/, 'no stack in the message');
  return true;
}

/** Invalid UTF-8 strings as the golden files write them: { invalidUtf8: '<hex of the bytes>' }. */
function withInvalidAsHex(value: unknown): unknown {
  if (value instanceof InvalidUtf8) return { invalidUtf8: Buffer.from(value.bytes).toString('hex') };
  if (Array.isArray(value)) return value.map(withInvalidAsHex);
  if (typeof value === 'object' && value !== null && value.constructor === Object) {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, withInvalidAsHex(item)]));
  }
  return value;
}

const tempDir = mkdtempSync(path.join(os.tmpdir(), 'negmine-parquet-source-'));
after(() => {
  rmSync(tempDir, { recursive: true, force: true });
});

describe('parquet-source', () => {
  const names = readdirSync(FIXTURES)
    .filter((entry) => entry.endsWith('.parquet'))
    .map((entry) => entry.slice(0, -'.parquet'.length))
    .sort();

  it('parquet-source has golden files from at least two writers and every codec', () => {
    const goldens = names.map(expected).filter((entry): entry is Golden => 'rows' in entry);
    assert.ok(new Set(goldens.map((golden) => golden.writer.split(' ')[0])).size >= 2);
    const codecs = new Set(goldens.map((golden) => golden.codec));
    for (const codec of ['UNCOMPRESSED', 'SNAPPY', 'GZIP', 'BROTLI', 'ZSTD', 'LZ4', 'LZ4_RAW']) assert.ok(codecs.has(codec), codec);
  });

  for (const name of names) {
    const golden = expected(name);
    const file = path.join(FIXTURES, `${name}.parquet`);
    if ('error' in golden) {
      it(`parquet-source rejects ${name} with ${golden.error.code}`, async () => {
        const { code, message, messagePrefix } = golden.error;
        let batches = 0;
        await assert.rejects(
          async () => {
            const source = await openParquetSource(file);
            for await (const batch of source.batches()) batches += batch.length > 0 ? 1 : 0;
          },
          (error) => assertNegmineError(error, code, message?.replace('{file}', file) ?? { prefix: (messagePrefix ?? '').replace('{file}', file) }),
        );
        assert.equal(batches, golden.rowGroupsBeforeError ?? 0, 'row groups yielded before the error');
      });
    } else {
      it(`parquet-source reads ${name} (${golden.writer}, ${golden.codec}) as expected`, async () => {
        const source = await openParquetSource(file);
        assert.equal(source.file, file);
        assert.equal(source.unit, 'row');
        assert.deepEqual(source.columns, golden.columns);
        const batches: SourceRecord[][] = [];
        for await (const batch of source.batches()) batches.push(batch);
        assert.deepEqual(
          batches.map((batch) => batch.length),
          golden.rowGroups,
          'one batch per row group',
        );
        const records = batches.flat();
        assert.deepEqual(
          records.map((record) => record.position),
          golden.rows.map((_, index) => index + 1),
        );
        assert.deepEqual(
          records.map((record) => withInvalidAsHex(record.value)),
          golden.rows,
        );
      });
    }
  }

  it('parquet-source reads only the projected columns, in the order asked', async () => {
    const file = path.join(FIXTURES, 'duckdb-flag-zstd.parquet');
    const golden = expected('duckdb-flag-zstd') as Golden;
    const source = await openParquetSource(file, { columns: ['neg', 'query'] });
    assert.deepEqual(source.columns, ['neg', 'query']);
    const records = (await readBatches(file, ['neg', 'query'])).flat();
    assert.deepEqual(
      records.map((record) => record.value),
      golden.rows.map((row) => ({ neg: row['neg'], query: row['query'] })),
    );
    assert.deepEqual(Object.keys(records[0]?.value as object), ['neg', 'query']);
  });

  it('parquet-source names a missing column and the columns the file has', async () => {
    const file = path.join(FIXTURES, 'duckdb-flag-snappy.parquet');
    await assert.rejects(openParquetSource(file, { columns: ['query', 'text'] }), (error) =>
      assertNegmineError(error, 'E_INPUT_SCHEMA', `Cannot read column 'text' in '${file}': column not found (have: query, pos, neg)`),
    );
    await assert.rejects(openParquetSource(file, { columns: [] }), TypeError, 'an empty projection is misuse');
  });

  it('parquet-source reports a missing file and a directory as bad input', async () => {
    await assert.rejects(openParquetSource('no/such/q.parquet'), (error) => assertNegmineError(error, 'E_INPUT_PARSE', "Cannot read 'no/such/q.parquet': no such file"));
    await assert.rejects(openParquetSource(FIXTURES), (error) => assertNegmineError(error, 'E_INPUT_PARSE', `Cannot read '${FIXTURES}': is a directory, expected a file`));
  });

  it('parquet-source reads one row group at a time through positioned reads and closes the file when the reader stops', async () => {
    const file = path.join(tempDir, 'large.parquet');
    const writer = createParquetWriter(file, [{ name: 'text', type: 'string' }], { rowGroupSize: 500, codec: 'uncompressed' });
    let seed = 7;
    const word = (): string => {
      seed = (seed * 48271) % 2147483647;
      return seed.toString(36);
    };
    for (let group = 0; group < 8; group += 1) {
      await writer.write(Array.from({ length: 500 }, () => ({ text: Array.from({ length: 40 }, word).join(' ') })));
    }
    await writer.close();
    const fileSize = statSync(file).size;

    const probe = await open(file, 'r');
    const fileHandlePrototype = Object.getPrototypeOf(probe) as { read: (...args: unknown[]) => Promise<{ bytesRead: number }> };
    await probe.close();
    let bytesRead = 0;
    const handles = new Set<{ fd: number }>();
    const read = fileHandlePrototype.read;
    const readSpy = mock.method(fileHandlePrototype, 'read', async function (this: { fd: number }, ...args: unknown[]) {
      handles.add(this);
      const result = await read.apply(this, args);
      bytesRead += result.bytesRead;
      return result;
    });
    try {
      const source = await openParquetSource(file);
      const footerBytes = bytesRead;
      for await (const batch of source.batches()) {
        assert.equal(batch.length, 500);
        assert.equal(batch[0]?.position, 1);
        break;
      }
      // The footer read takes at most hyparquet's initial 512 KiB; one row group is an eighth of the file.
      assert.ok(bytesRead - footerBytes < fileSize / 4, `read ${bytesRead - footerBytes} of ${fileSize} bytes for one row group`);
      assert.equal(handles.size, 2, 'one handle for the footer, one for the rows');
      for (const handle of handles) assert.equal(handle.fd, -1, 'every handle is closed, also when the consumer stops early');
    } finally {
      readSpy.mock.restore();
    }
  });
});
