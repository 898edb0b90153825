import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import { sliceStrings } from '../../src/core/dataset.ts';
import { loadDataset } from '../../src/io/dataset/load-dataset.ts';
import { normalizedTextKey } from '../../src/mine/normalize-text.ts';
import { sharedDataDir } from '../helpers/shared-data.ts';

/** The key's definition, every step applied. */
function reference(text: string): string {
  return text.normalize('NFKC').toLowerCase().replace(/\s+/gu, ' ').trim();
}

const CRAFTED = [
  '',
  ' ',
  'Plain ASCII text.',
  'two  spaces',
  ' leading',
  'trailing ',
  'tab\there',
  'line\nbreak\r\n',
  'no\u00a0break space',
  'line\u2028separator',
  'ﬁne ligature',
  'ＦＵＬＬ ｗｉｄｔｈ',
  'İstanbul ΣΑΣ',
  'e\u0301 composed',
  'mojibake â€™ text',
  '\u3000ideographic space\u3000',
];

describe('normalize text', () => {
  it('normalize text key equals NFKC + lower case + collapsed, trimmed whitespace on crafted texts', () => {
    for (const text of CRAFTED) assert.equal(normalizedTextKey(text), reference(text), JSON.stringify(text));
  });

  it('normalize text key equals the full definition on every msmarco-5k passage and query', { skip: sharedDataDir() === undefined && 'shared data (msmarco-5k) not found' }, async () => {
    const dataset = await loadDataset({ beir: path.join(sharedDataDir() ?? '', 'msmarco-5k'), rowFields: {}, corpusFields: {}, qrelsMinScore: 1, split: 'test', onBadRow: 'error' });
    const texts = [...Array.from({ length: dataset.corpus.texts.length }, (_, doc) => dataset.corpus.texts.at(doc) ?? ''), ...sliceStrings(dataset.queries.texts)];
    assert.ok(texts.some((text) => /[\u0080-\uffff]/.test(text)) && texts.some((text) => !/[\u0080-\uffff]/.test(text)));
    for (const text of texts) assert.equal(normalizedTextKey(text), reference(text), JSON.stringify(text));
  });
});
