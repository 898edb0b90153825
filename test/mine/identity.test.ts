import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { emptyLoadReport, type Dataset } from '../../src/core/dataset.ts';
import { VectorChunks } from '../../src/core/vector-chunks.ts';
import { QueryIdentity, TextKeys, TextKeySet } from '../../src/mine/identity.ts';
import { normalizedTextKey } from '../../src/mine/normalize-text.ts';
import { HashIndex, textHash } from '../../src/mine/text-hash.ts';
import { DocLists, PositiveLists } from '../../src/core/query-lists.ts';

const TEXTS = ['Solar panels', 'solar  PANELS', 'wind turbines', 'tidal power', 'The query'];

function dataset(texts: readonly string[]): Dataset {
  return {
    queries: { ids: ['q'], texts: ['the QUERY'] },
    corpus: { ids: texts.map((_, doc) => `d${doc}`), texts, titles: texts.map(() => null) },
    positives: PositiveLists.of([[{ doc: 0, score: 1 }]]),
    givenNegatives: DocLists.of([[]]),
    report: emptyLoadReport(),
  };
}

describe('identity', () => {
  it('text hash is stable, 53-bit and separates near strings', () => {
    assert.equal(textHash('solar'), textHash('solar'));
    const hashes = new Set(['solar', 'Solar', 'solar ', 'solra', '', 'a', 'b'].map(textHash));
    assert.equal(hashes.size, 7);
    for (const hash of hashes) assert.ok(Number.isSafeInteger(hash) && hash >= 0);
  });

  it('identity text keys with hashes from the loader match lazily computed ones', () => {
    const hashes = Float64Array.from(TEXTS, (text) => textHash(normalizedTextKey(text)));
    const given = new TextKeys(TEXTS, 'strict', hashes);
    const lazy = new TextKeys(TEXTS, 'strict');
    for (let doc = 0; doc < TEXTS.length; doc += 1) assert.equal(given.of(doc), lazy.of(doc));
    assert.equal(given.of(0), given.of(1), 'normalized keys of case/space variants are one');
    assert.notEqual(new TextKeys(TEXTS, 'st').of(0), new TextKeys(TEXTS, 'st').of(1), 'exact keys under st');
  });

  it('identity text keys compare the real texts when hashes collide', () => {
    const colliding = new TextKeys(TEXTS, 'strict', undefined, () => 42);
    assert.equal(colliding.of(0), colliding.of(2));
    assert.equal(colliding.same(0, 2), false, 'same hash, different text: not one key');
    assert.equal(colliding.same(0, 1), true, 'same normalized text');
    const set = new TextKeySet(colliding);
    assert.equal(set.add(0), true);
    assert.equal(set.has(2), false);
    assert.equal(set.has(1), true);
    assert.equal(set.add(2), true);
    assert.equal(set.add(1), false);
    const copy = set.clone();
    assert.equal(copy.add(3), true);
    assert.equal(set.has(3), false, 'a clone is independent');
  });

  it('identity positive-text and query-text checks hold under forced collisions', () => {
    const data = dataset(TEXTS);
    const corpus = VectorChunks.fromFloat32(new Float32Array(TEXTS.length * 2), 2);
    for (const hash of [textHash, () => 0]) {
      const identity = new QueryIdentity(data, 0, corpus, new TextKeys(TEXTS, 'strict', undefined, hash), 1);
      assert.deepEqual([0, 1, 2, 3, 4].map((doc) => identity.cheap(doc) ?? null), ['positive_id', 'positive_text', null, null, 'query_text']);
    }
  });

  it('hash index keeps every doc of a shared hash and finds the first that matches', () => {
    const index = new HashIndex();
    index.add(5, 10);
    index.add(5, 11);
    index.add(6, 12);
    assert.equal(index.find(5, (doc) => doc === 11), 11);
    assert.equal(index.find(5, () => true), 10);
    assert.equal(index.find(5, () => false), undefined);
    assert.equal(index.find(7, () => true), undefined);
    assert.equal(index.size, 3);
  });

  it('hash index finds every doc after growing, and keeps the first-added order of a shared hash', () => {
    const index = new HashIndex();
    const count = 50_000;
    // Hashes above 2^32 that share their low 32 bits with another doc's hash, plus runs of one shared hash.
    const hashOf = (doc: number): number => (doc % 1000 === 0 ? 424242 : (doc % 3) * 0x1_0000_0000 + Math.floor(doc / 3));
    for (let doc = 0; doc < count; doc += 1) index.add(hashOf(doc), doc);
    assert.equal(index.size, count);
    for (let doc = 0; doc < count; doc += 1) assert.equal(index.find(hashOf(doc), (found) => found === doc), doc);
    assert.equal(index.find(424242, () => true), 0);
    assert.equal(index.find(424242, (doc) => doc > 20_000), 21_000);
    assert.equal(index.find(0x1_0000_0000 * 5 + 7, () => false), undefined);
    const copy = index.clone();
    copy.add(123_456_789, count);
    assert.equal(copy.find(123_456_789, () => true), count);
    assert.equal(index.find(123_456_789, () => true), undefined);
  });
});
