import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync, truncateSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { pathToFileURL } from 'node:url';
import type { CorpusTexts } from '../../src/core/dataset.ts';
import { NegmineError } from '../../src/core/errors.ts';
import { removeStaleTemps } from '../../src/io/stale-temp.ts';
import { TextStore, withTextStore } from '../../src/io/text-store.ts';
import { REPO_ROOT } from '../helpers/cli.ts';

function tempParent(): string {
  return mkdtempSync(path.join(os.tmpdir(), 'negmine-text-store-test-'));
}

test('texts round-trip by index, multibyte UTF-8 and empty texts included', () => {
  const parent = tempParent();
  const store = new TextStore(parent);
  try {
    const texts = ['plain', '', 'café naïve', '日本語のテキスト', 'emoji 🚀 and 👩‍👩‍👧', '', 'last'];
    texts.forEach((text, i) => {
      assert.equal(store.append(text), i);
    });
    assert.equal(store.length, texts.length);
    // Read out of order, twice, and compare byte lengths.
    for (const doc of [6, 0, 3, 1, 4, 2, 5, 3]) {
      assert.equal(store.at(doc), texts[doc]);
      assert.equal(store.byteLength(doc), Buffer.byteLength(texts[doc] ?? '', 'utf8'));
    }
    assert.deepEqual(store.textsAt([4, 4, 0]), [texts[4], texts[4], texts[0]]);
    assert.equal(store.at(-1), undefined);
    assert.equal(store.at(texts.length), undefined);
    assert.equal(store.at(1.5), undefined);
    const asInterface: CorpusTexts = store;
    assert.equal(asInterface.at(2), 'café naïve');
    const plain: CorpusTexts = texts;
    assert.equal(plain.at(3), texts[3]);
  } finally {
    store.close();
    rmSync(parent, { recursive: true, force: true });
  }
});

test('many documents and texts larger than the write chunk; reads interleave with appends', () => {
  const parent = tempParent();
  const store = new TextStore(parent);
  try {
    const textOf = (i: number): string => `doc ${i} ${'é'.repeat(i % 97)}`;
    for (let i = 0; i < 50_000; i += 1) {
      store.append(textOf(i));
      if (i % 10_000 === 0) assert.equal(store.at(i), textOf(i));
    }
    const big = `${'x'.repeat(3 << 20)}ü`;
    const bigDoc = store.append(big);
    store.append('after big');
    for (const doc of [0, 1, 12_345, 49_999]) assert.equal(store.at(doc), textOf(doc));
    assert.equal(store.at(bigDoc), big);
    assert.equal(store.at(bigDoc + 1), 'after big');
    // The file holds exactly the UTF-8 bytes: nothing else is written.
    let expected = Buffer.byteLength(big) + Buffer.byteLength('after big');
    for (let i = 0; i < 50_000; i += 1) expected += Buffer.byteLength(textOf(i));
    assert.equal(statSync(store.path).size, expected);
  } finally {
    store.close();
    rmSync(parent, { recursive: true, force: true });
  }
});

test('the temp file is named .negmine-tmp-* and removed on success and on error', async () => {
  const parent = tempParent();
  try {
    let seen = '';
    const result = await withTextStore(parent, (store) => {
      store.append('hello');
      seen = store.path;
      assert.ok(existsSync(seen));
      assert.match(path.basename(path.dirname(seen)), /^\.negmine-tmp-/);
      return store.at(0);
    });
    assert.equal(result, 'hello');
    assert.equal(existsSync(seen), false);
    await assert.rejects(
      withTextStore(parent, (store) => {
        store.append('boom');
        seen = store.path;
        throw new Error('reader failed');
      }),
      /reader failed/,
    );
    assert.equal(existsSync(seen), false);
    assert.deepEqual(readdirSync(parent), []);
  } finally {
    rmSync(parent, { recursive: true, force: true });
  }
});

test('a closed store refuses reads and close is idempotent', () => {
  const parent = tempParent();
  const store = new TextStore(parent);
  store.append('x');
  store.close();
  store.close();
  assert.throws(() => store.at(0), /closed/);
  rmSync(parent, { recursive: true, force: true });
});

test('a store left by a killed process is removed by removeStaleTemps, a live one is kept', async () => {
  const parent = tempParent();
  const live = new TextStore(parent);
  try {
    const storeModule = pathToFileURL(path.join(REPO_ROOT, 'src', 'io', 'text-store.ts')).href;
    const script = `import { TextStore } from ${JSON.stringify(storeModule)}; const s = new TextStore(${JSON.stringify(parent)}); s.append('left behind'); s.at(0); process.kill(process.pid, 'SIGKILL');`;
    const child = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: REPO_ROOT, encoding: 'utf8' });
    assert.equal(child.signal, 'SIGKILL', child.stderr);
    const before = readdirSync(parent);
    assert.equal(before.length, 2, 'the killed store is still there');
    const removed = await removeStaleTemps(parent);
    assert.equal(removed.length, 1);
    assert.notEqual(removed[0], path.basename(path.dirname(live.path)));
    assert.deepEqual(readdirSync(parent), [path.basename(path.dirname(live.path))]);
  } finally {
    live.close();
    rmSync(parent, { recursive: true, force: true });
  }
});

test('a short read (file truncated underneath) is E_IO naming the store', () => {
  const store = new TextStore(tempParent());
  try {
    store.append('first text');
    store.append('second text');
    assert.equal(store.at(1), 'second text');
    truncateSync(store.path, 4);
    assert.throws(() => store.at(1), (error: unknown) => error instanceof NegmineError && error.code === 'E_IO' && error.message.includes(store.path));
  } finally {
    store.close();
  }
});

test('partsAt gives every requested text or byte range in the order asked, reading far-apart texts apart and neighbours together', () => {
  const parent = tempParent();
  const store = new TextStore(parent);
  try {
    const textOf = (i: number): string => (i % 5 === 0 ? '' : `tïtle ${i}|${'z'.repeat(i % 13 === 0 ? 20_000 : i % 50)} 🚀`);
    const count = 3000;
    for (let i = 0; i < count; i += 1) store.append(textOf(i));
    const docs = [2999, 7, 7, 1500, 8, 0, -1, count, 6, 13, 2998, 1];
    assert.deepEqual(store.partsAt(docs), docs.map((doc) => (doc < 0 || doc >= count ? undefined : textOf(doc))));
    // Title-style parts: the bytes before '|' and after it.
    const split = docs.filter((doc) => doc >= 0 && doc < count && textOf(doc) !== '');
    const cut = split.map((doc) => Buffer.byteLength(textOf(doc).split('|')[0] ?? '', 'utf8'));
    assert.deepEqual(store.partsAt(split, undefined, cut), split.map((doc) => textOf(doc).split('|')[0]));
    assert.deepEqual(store.partsAt(split, cut.map((bytes) => bytes + 1)), split.map((doc) => textOf(doc).split('|')[1]));
    assert.deepEqual(store.textsAt([count, 3]), ['', textOf(3)]);
  } finally {
    store.close();
    rmSync(parent, { recursive: true, force: true });
  }
});

test('text store beside another keeps its own texts in the same folder and goes with it', () => {
  const parent = mkdtempSync(path.join(os.tmpdir(), 'negmine-test-'));
  try {
    const store = new TextStore(parent);
    const queries = store.beside('queries.bin');
    store.append('a passage');
    queries.append('a query');
    queries.append('another query');
    assert.equal(path.dirname(queries.path), path.dirname(store.path));
    assert.deepEqual([store.length, queries.length], [1, 2]);
    assert.deepEqual(queries.many([1, 0, 5]), ['another query', 'a query', undefined]);
    assert.equal(store.at(0), 'a passage');
    assert.throws(() => store.beside('queries.bin'), /a plain file name of its own/);
    assert.throws(() => store.beside('texts.bin'), /a plain file name of its own/);
    assert.throws(() => store.beside('../x.bin'), /a plain file name of its own/);
    store.close();
    assert.equal(existsSync(queries.path), false);
    assert.deepEqual(readdirSync(parent), []);
  } finally {
    rmSync(parent, { recursive: true, force: true });
  }
});
