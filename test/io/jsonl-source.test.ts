import assert from 'node:assert/strict';
import path from 'node:path';
import { Readable } from 'node:stream';
import { describe, it } from 'node:test';
import { NegmineError } from '../../src/core/errors.ts';
import { openJsonlSource } from '../../src/io/jsonl-source.ts';
import type { SourceRecord } from '../../src/io/record-source.ts';
import { REPO_ROOT } from '../helpers/cli.ts';
import { tempFiles } from '../helpers/temp.ts';

async function readAll(file: string, stdin?: Readable): Promise<SourceRecord[]> {
  const records: SourceRecord[] = [];
  for await (const batch of openJsonlSource(file, stdin === undefined ? {} : { stdin }).batches()) for (const record of batch) records.push(record);
  return records;
}

function rejectsWith(message: string) {
  return (error: unknown) => error instanceof NegmineError && error.code === 'E_INPUT_PARSE' && error.message === message;
}

describe('jsonl source', () => {
  it('jsonl source keeps the exact digits of integers beyond 2^53 and leaves other numbers and strings alone', async () => {
    const dir = tempFiles({
      'big.jsonl': '{"_id": 9007199254740993, "n": [-9007199254740995, 7, 1.5e300], "text": "id 12345678901234567890 \\" 99999999999999999", "s": 9007199254740991}\n',
    });
    const [record] = await readAll(path.join(dir, 'big.jsonl'));
    assert.deepEqual(record?.value, { _id: '9007199254740993', n: ['-9007199254740995', 7, 1.5e300], text: 'id 12345678901234567890 " 99999999999999999', s: 9007199254740991 });
  });

  it('jsonl source strips a BOM and CRLF, skips blank lines and keeps line numbers', async () => {
    const records = await readAll(path.join(REPO_ROOT, 'fixtures', 'data', 'bom-crlf.jsonl'));
    assert.deepEqual(records, [
      { value: { query: 'crlf query', pos: ['a positive'] }, position: 1 },
      { value: { query: 'second', pos: 'another positive' }, position: 3 },
    ]);
  });

  it('jsonl source reads a last line without a newline and lines split across chunks', async () => {
    const stdin = Readable.from([Buffer.from('{"a":'), Buffer.from('1}\n{"b"'), Buffer.from(':"é"}')]);
    assert.deepEqual(await readAll('-', stdin), [
      { value: { a: 1 }, position: 1 },
      { value: { b: 'é' }, position: 2 },
    ]);
  });

  it('jsonl source gives the same records and line numbers whatever the read size and batch size', async () => {
    const lines = ['\ufeff{"id":"a","text":"caf\u00e9 \u00fcber"}', '', '{"id":"b","text":"\u6f22\u5b57 \ud83d\ude00"}\r', ...Array.from({ length: 40 }, (_, i) => JSON.stringify({ id: `r${i}`, text: 'x'.repeat(i * 7) }))];
    const file = path.join(tempFiles({ 'mixed.jsonl': lines.join('\n') }), 'mixed.jsonl');
    const read = async (options: { readBytes?: number; batchLines?: number }): Promise<{ records: SourceRecord[]; batches: number }> => {
      const records: SourceRecord[] = [];
      let batches = 0;
      for await (const batch of openJsonlSource(file, options).batches()) {
        batches += 1;
        for (const record of batch) records.push(record);
      }
      return { records, batches };
    };
    const reference = await read({});
    assert.equal(reference.records.length, 42);
    assert.deepEqual(reference.records[1], { value: { id: 'b', text: '\u6f22\u5b57 \ud83d\ude00' }, position: 3 });
    for (const options of [{ readBytes: 3, batchLines: 1 }, { readBytes: 5, batchLines: 7 }, { readBytes: 1 << 20, batchLines: 4096 }]) {
      const other = await read(options);
      assert.deepEqual(other.records, reference.records, JSON.stringify(options));
    }
    assert.ok((await read({ readBytes: 3, batchLines: 1 })).batches > 10, 'small reads yield many batches');
  });

  it('jsonl source names the line of malformed JSON', async () => {
    const dir = tempFiles({ 'bad.jsonl': '{"query": "ok"}\n{"query": "missing brace"\n' });
    const file = path.join(dir, 'bad.jsonl');
    await assert.rejects(readAll(file), (error: unknown) => error instanceof NegmineError && error.message.startsWith(`Cannot read '${file}' line 2: invalid JSON (`));
  });

  it('jsonl source hints at JSONL when given a JSON array', async () => {
    const dir = tempFiles({ 'array.json': '[\n{"query": "x"}\n]\n' });
    await assert.rejects(readAll(path.join(dir, 'array.json')), (error: unknown) => error instanceof NegmineError && error.message.endsWith('expected one JSON object per line (JSONL), not a JSON array'));
  });

  it('jsonl source rejects invalid UTF-8 naming the line', async () => {
    const dir = tempFiles({ 'latin1.jsonl': Buffer.concat([Buffer.from('{"q": "fine"}\n{"q": "caf'), Buffer.from([0xe9]), Buffer.from('"}\n')]) });
    const file = path.join(dir, 'latin1.jsonl');
    await assert.rejects(readAll(file), rejectsWith(`Cannot read '${file}' line 2: invalid UTF-8`));
  });

  it('jsonl source rejects empty files, blank-only files, missing files and folders', async () => {
    const dir = tempFiles({ 'empty.jsonl': '', 'blank.jsonl': '\n  \n' });
    await assert.rejects(readAll(path.join(dir, 'empty.jsonl')), rejectsWith(`Cannot read '${path.join(dir, 'empty.jsonl')}': file is empty`));
    await assert.rejects(readAll(path.join(dir, 'blank.jsonl')), rejectsWith(`Cannot read '${path.join(dir, 'blank.jsonl')}': file has no JSON lines (only blank lines)`));
    await assert.rejects(readAll(path.join(dir, 'nope.jsonl')), rejectsWith(`Cannot read '${path.join(dir, 'nope.jsonl')}': no such file`));
    await assert.rejects(readAll(dir), rejectsWith(`Cannot read '${dir}': is a directory, expected a file`));
  });

  it('jsonl source hands invalid lines to onInvalidLine instead of throwing when asked', async () => {
    const dir = tempFiles({ 'mixed.jsonl': Buffer.concat([Buffer.from('{"a":1}\nnot json\n'), Buffer.from([0xff, 0x0a]), Buffer.from('{"b":2}\n')]) });
    const seen: string[] = [];
    const source = openJsonlSource(path.join(dir, 'mixed.jsonl'), { onInvalidLine: (reason, line) => seen.push(`${reason}@${line}`) });
    const records: SourceRecord[] = [];
    for await (const batch of source.batches()) for (const record of batch) records.push(record);
    assert.deepEqual(records.map((r) => r.position), [1, 4]);
    assert.deepEqual(seen, ['invalid_json@2', 'invalid_utf8@3']);
  });
});
