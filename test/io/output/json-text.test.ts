import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { seededRandom } from '../../../src/core/random.ts';
import type { CellValue } from '../../../src/core/table.ts';
import { jsonCell, jsonString } from '../../../src/io/output/json-text.ts';

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
});
