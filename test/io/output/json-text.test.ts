import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { seededRandom } from '../../../src/core/random.ts';
import type { CellValue } from '../../../src/core/table.ts';
import { ByteSink } from '../../../src/io/output/byte-sink.ts';
import { jsonCell, jsonString } from '../../../src/io/output/json-text.ts';
import { createJsonlWriter } from '../../../src/io/output/jsonl-writer.ts';

const TEXTS = [
  '',
  'plain passage text',
  'a "quoted" word',
  'back\\slash',
  'tab\there, newline\nthere, return\r, nul \u0000, unit separator \u001f, delete \u007f',
  'line separators \u2028 and \u2029 stay raw',
  'emoji \u{1f600} is a surrogate pair',
  'lone high \ud83d at the end',
  '\ude00 lone low at the start',
  'mojibake â€™ and Ã© and non-Latin1 €',
  'ünïcödé',
];

describe('json-text', () => {
  it('jsonString gives the bytes of JSON.stringify for quotes, controls, separators and surrogates', () => {
    for (const text of TEXTS) assert.equal(jsonString(text), JSON.stringify(text), JSON.stringify(text));
  });

  it('jsonString equals JSON.stringify on random code units over the whole UTF-16 range', () => {
    const random = seededRandom(7);
    for (let n = 0; n < 2000; n += 1) {
      let text = '';
      for (let length = Math.floor(random() * 12); length > 0; length -= 1) text += String.fromCharCode(random() < 0.5 ? 32 + Math.floor(random() * 95) : Math.floor(random() * 0x10000));
      assert.equal(jsonString(text), JSON.stringify(text));
    }
  });

  it('jsonCell gives the bytes of JSON.stringify for numbers, lists and nulls', () => {
    const cells: (CellValue | undefined)[] = [null, undefined, 0, -0, 1.5, -2.25e-7, 1e21, 123456789012, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 0.1 + 0.2, [], ['a', 'b "c"'], [1, Number.NaN, -0, 3.5], ...TEXTS];
    for (const cell of cells) assert.equal(jsonCell(cell), JSON.stringify(cell ?? null), String(cell));
  });

  it('the JSONL writer writes the bytes of JSON.stringify per row, across blocks and past its buffer size', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'negmine-jsonl-'));
    try {
      const file = path.join(dir, 'out.jsonl');
      const writer = createJsonlWriter(ByteSink.toFile(file), [{ name: 'query', type: 'string' }, { name: 'pos', type: 'string_list' }, { name: 'score', type: 'float64' }]);
      const small = TEXTS.map((text, i) => ({ query: text, pos: [text, `${i}`], score: i / 7 }));
      // Three-byte characters far past the writer's 64 KiB start buffer, then more rows into the grown buffer.
      const large = [{ query: '\u20ac'.repeat(100_000), pos: ['\u{1f600}'.repeat(30_000)], score: -0 }, ...small];
      await writer.write(small);
      await writer.write(large);
      await writer.write([]);
      await writer.close();
      const expected = [...small, ...large].map((row) => `${JSON.stringify(row)}\n`).join('');
      assert.ok(readFileSync(file).equals(Buffer.from(expected, 'utf8')));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
