import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { CACHE_FORMAT, EmbeddingCache, embeddingKeyHash, type EmbeddingKey } from '../../src/io/embedding-cache.ts';
import { tempHost } from '../../src/io/stale-temp.ts';
import { VectorChunks } from '../../src/core/vector-chunks.ts';
import { negmineError } from '../helpers/errors.ts';
import { tempDir } from '../helpers/temp.ts';

const KEY: EmbeddingKey = { modelSha256: 'a'.repeat(64), tokenizerSha256: 'b'.repeat(64), prefix: '', maxLength: 128, pooling: ['mean'], normalize: true, dtype: 'float32', texts: ['one', 'two'] };
const VECTORS = new Float32Array([0.6, 0.8, 1, 0, 0, 1, 0.8, 0.6]);

/** The pid of a process that has exited. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']);
  return Number(child.stdout.toString());
}

describe('embedding-cache', () => {
  it('embedding-cache keys on every setting and text, separating texts by length', () => {
    const base = embeddingKeyHash(KEY);
    const changes: Partial<EmbeddingKey>[] = [
      { modelSha256: 'c'.repeat(64) }, { tokenizerSha256: 'c'.repeat(64) }, { prefix: 'query: ' }, { maxLength: 256 },
      { pooling: ['cls'] }, { normalize: false }, { texts: ['one', 'two', ''] }, { texts: ['on', 'etwo'] }, { texts: ['two', 'one'] },
    ];
    const hashes = changes.map((change) => embeddingKeyHash({ ...KEY, ...change }));
    assert.equal(new Set([base, ...hashes]).size, changes.length + 1);
    assert.equal(embeddingKeyHash({ ...KEY, texts: ['one', 'two'] }), base);
    const byIndex = { length: 2, at: (i: number) => ['one', 'two'][i] };
    assert.equal(embeddingKeyHash({ ...KEY, texts: byIndex }), base, 'texts read by index key the same entry as an array');
  });

  it('embedding-cache returns what it stored, and a miss for an unknown key', async () => {
    const { cache } = await EmbeddingCache.open(path.join(tempDir(), 'cache'));
    const key = embeddingKeyHash(KEY);
    assert.deepEqual(await cache.get(key, 4), { status: 'miss' });
    await cache.put(key, VECTORS, 2);
    assert.deepEqual(await cache.get(key, 4), { status: 'hit', vectors: VECTORS, dim: 2 });
    const meta = JSON.parse(readFileSync(path.join(cache.dir, `${key}.json`), 'utf8')) as Record<string, unknown>;
    assert.deepEqual(Object.keys(meta), ['format', 'key', 'rows', 'dim', 'dtype', 'sha256']);
    assert.equal(meta['format'], CACHE_FORMAT);
    assert.deepEqual(readdirSync(cache.dir).sort(), [`${key}.f32`, `${key}.json`]);
  });

  it('embedding-cache reports malformed metadata as a corrupt entry with the reason', async () => {
    const { cache } = await EmbeddingCache.open(path.join(tempDir(), 'cache'));
    const key = embeddingKeyHash(KEY);
    await cache.put(key, VECTORS, 2);
    const metaFile = path.join(cache.dir, `${key}.json`);
    const good = JSON.parse(readFileSync(metaFile, 'utf8')) as Record<string, unknown>;
    const cases: [string, RegExp][] = [
      [JSON.stringify({ ...good, dim: '2' }), /^its metadata has dim "2", expected a positive integer$/],
      [JSON.stringify({ ...good, dim: 0 }), /^its metadata has dim 0, expected a positive integer$/],
      [JSON.stringify({ ...good, rows: 4.5 }), /^its metadata has rows 4.5, expected a non-negative integer$/],
      [JSON.stringify({ ...good, rows: null }), /^its metadata has rows null, expected a non-negative integer$/],
      [JSON.stringify({ ...good, rows: 3 }), /^it holds 3 vectors, this run embeds 4 texts$/],
      [JSON.stringify({ ...good, format: 1 }), /^its metadata has format 1, expected 2$/],
      [JSON.stringify({ ...good, dtype: 'float16' }), /^its metadata has dtype "float16", expected "float32"$/],
      [JSON.stringify({ ...good, sha256: 5 }), /^its metadata has no valid sha256$/],
      [JSON.stringify({ ...good, sha256: '0'.repeat(64) }), /^its data does not match its checksum/],
      [JSON.stringify({ ...good, dim: 4, rows: 4 }), /^its data file has 32 bytes, expected 64 \(4 x 4 float32\)$/],
      [JSON.stringify(good).slice(0, 30), /^its metadata is not valid JSON/],
      ['null', /^its metadata is not a JSON object$/],
      ['[]', /^its metadata is not a JSON object$/],
      ['', /^its metadata is not valid JSON/],
    ];
    for (const [text, reason] of cases) {
      writeFileSync(metaFile, text);
      const found = await cache.get(key, 4);
      assert.ok(found.status === 'corrupt', text);
      assert.match(found.reason, reason, text);
    }
  });

  it('embedding-cache refuses a missing data file and a data file of another entry', async () => {
    const { cache } = await EmbeddingCache.open(path.join(tempDir(), 'cache'));
    const key = embeddingKeyHash(KEY);
    const other = embeddingKeyHash({ ...KEY, prefix: 'x' });
    await cache.put(key, VECTORS, 2);
    await cache.put(other, VECTORS.map((x) => 1 - x), 2);
    writeFileSync(path.join(cache.dir, `${key}.f32`), readFileSync(path.join(cache.dir, `${other}.f32`)));
    const swapped = await cache.get(key, 4);
    assert.match(swapped.status === 'corrupt' ? swapped.reason : '', /^its data does not match its checksum/);
    writeFileSync(path.join(cache.dir, `${other}.f32`), new Uint8Array(0));
    const truncated = await cache.get(other, 4);
    assert.match(truncated.status === 'corrupt' ? truncated.reason : '', /^its data file has 0 bytes, expected 32/);
  });

  it('embedding-cache fails a write with E_IO naming the entry and leaves no temp file', async () => {
    const dir = path.join(tempDir(), 'cache');
    const { cache } = await EmbeddingCache.open(dir);
    const key = embeddingKeyHash(KEY);
    // A folder where the data file goes makes the rename fail, even for root.
    mkdirSync(path.join(dir, `${key}.f32`), { recursive: true });
    writeFileSync(path.join(dir, `${key}.f32`, 'x'), 'x');
    await assert.rejects(cache.put(key, VECTORS, 2), negmineError('E_IO', new RegExp(`^Cannot write embedding cache entry ${key} in '.*cache': E`)));
    assert.deepEqual(readdirSync(dir), [`${key}.f32`]);
  });

  it('embedding-cache removes temp files of dead processes on this host when it opens, and no others', async () => {
    const dir = tempDir();
    const host = tempHost();
    const dead = deadPid();
    const old = new Date(Date.now() - 2 * 3600 * 1000);
    const files = {
      deadHere: `${'a'.repeat(64)}.f32.tmp-${host}-${dead}`,
      aliveHere: `${'b'.repeat(64)}.f32.tmp-${host}-${process.pid}`,
      deadElsewhere: `${'c'.repeat(64)}.f32.tmp-other-host.example-${dead}`,
      legacyOld: `${'d'.repeat(64)}.f32.tmp-${dead}`,
      legacyRecent: `${'e'.repeat(64)}.json.tmp-${dead}`,
      entry: `${'f'.repeat(64)}.f32`,
    };
    for (const name of Object.values(files)) writeFileSync(path.join(dir, name), 'x');
    utimesSync(path.join(dir, files.legacyOld), old, old);
    const { removedTemps } = await EmbeddingCache.open(dir);
    assert.deepEqual(removedTemps.sort(), [files.deadHere, files.legacyOld].sort());
    assert.deepEqual(readdirSync(dir).sort(), [files.aliveHere, files.deadElsewhere, files.legacyRecent, files.entry].sort());
    assert.ok(!existsSync(path.join(dir, files.deadHere)));
  });

  it('embedding-cache stores float16 chunks as <key>.f16 and hands back the same bits, checked like float32', async () => {
    const { cache } = await EmbeddingCache.open(path.join(tempDir(), 'cache'));
    const key = embeddingKeyHash({ ...KEY, dtype: 'float16' });
    assert.notEqual(key, embeddingKeyHash(KEY));
    const halves = VectorChunks.fromFloat32(VECTORS, 2, { dtype: 'float16', chunkRows: 3 });
    await cache.put(key, halves, 2);
    assert.deepEqual(readdirSync(cache.dir).sort(), [`${key}.f16`, `${key}.json`]);
    const found = await cache.get(key, 4, 'float16');
    assert.deepEqual(found, { status: 'hit', vectors: Uint16Array.from([...halves.chunk(0), ...halves.chunk(1)]), dim: 2 });
    assert.deepEqual(await cache.get(key, 4), { status: 'corrupt', reason: 'its metadata has dtype "float16", expected "float32"' });
    // An infinity (all exponent bits set) in the data is caught even with a matching checksum.
    const dataFile = path.join(cache.dir, `${key}.f16`);
    const bytes = readFileSync(dataFile);
    const bits = new Uint16Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
    bits[5] = 0x7c00;
    await cache.put(key, VectorChunks.fromStored(bits, 2), 2);
    assert.deepEqual(await cache.get(key, 4, 'float16'), { status: 'corrupt', reason: 'it holds a non-finite value in row 2' });
  });
});
