import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { NegmineError } from '../../../src/core/errors.ts';
import type { ColumnSpec } from '../../../src/core/table.ts';
import { openTableWriter, outputFormatFor } from '../../../src/io/output/open-table-writer.ts';
import { tempDir } from '../../helpers/temp.ts';

const SCHEMA: ColumnSpec[] = [
  { name: 'query', type: 'string' },
  { name: 'neg', type: 'string_list' },
];

describe('open table writer', () => {
  for (const name of ['out.jsonl', 'out.parquet', 'out.arrow']) {
    it(`open table writer leaves nothing behind when a ${path.extname(name)} write is aborted`, async () => {
      const dir = tempDir();
      const writer = await openTableWriter(path.join(dir, name), SCHEMA);
      await writer.write([{ query: 'q', neg: ['a', 'b'] }]);
      assert.equal(existsSync(path.join(dir, name)), false, 'nothing under the final name while writing');
      await writer.abort();
      assert.deepEqual(readdirSync(dir), []);
    });
  }

  it('open table writer aborted before its file is even open leaves nothing behind (the abort waits for the close)', async () => {
    const dir = tempDir();
    for (let i = 0; i < 300; i += 1) {
      const writer = await openTableWriter(path.join(dir, `out-${i}.jsonl`), SCHEMA);
      await writer.abort();
    }
    assert.deepEqual(readdirSync(dir), []);
  });

  it('open table writer renames the finished file into place and keeps an earlier file until then', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'out.jsonl');
    const first = await openTableWriter(file, SCHEMA);
    await first.write([{ query: 'old', neg: [] }]);
    await first.close();
    const second = await openTableWriter(file, SCHEMA);
    await second.write([{ query: 'new', neg: ['x'] }]);
    assert.equal(readFileSync(file, 'utf8'), '{"query":"old","neg":[]}\n', 'the previous output survives until the new one is complete');
    await second.close();
    assert.equal(readFileSync(file, 'utf8'), '{"query":"new","neg":["x"]}\n');
    assert.deepEqual(readdirSync(dir), ['out.jsonl']);
  });

  it('open table writer picks the format from the extension or the flag and refuses what it cannot write', async () => {
    assert.equal(outputFormatFor('a.PARQUET'), 'parquet');
    assert.equal(outputFormatFor('a.arrows'), 'arrow');
    assert.equal(outputFormatFor('-'), 'jsonl');
    assert.equal(outputFormatFor('-', 'arrow'), 'arrow');
    assert.equal(outputFormatFor('a.txt', 'jsonl'), 'jsonl');
    assert.throws(() => outputFormatFor('a.txt'), (error: unknown) => error instanceof NegmineError && error.code === 'E_USAGE');
    await assert.rejects(openTableWriter(path.join(tempDir(), 'missing', 'out.jsonl'), SCHEMA), (error: unknown) => error instanceof NegmineError && /folder '.*missing' does not exist/.test(error.message));
  });
});
