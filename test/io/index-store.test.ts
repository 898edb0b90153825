import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { faissNode, flatIndexBytes } from '../../src/ann/flat-index.ts';
import { buildIndex, loadIndex, type VectorIndex } from '../../src/ann/vector-index.ts';
import { hashCorpus, type IndexFingerprint } from '../../src/core/index-fingerprint.ts';
import { INDEX_FILES, loadIndexFiles, saveIndex } from '../../src/io/index-store.ts';
import { negmineError } from '../helpers/errors.ts';
import { tempDir } from '../helpers/temp.ts';
import { unitVectors } from '../helpers/vectors.ts';

/** An index whose serialization fails, as a save interrupted after its first file would. */
function failingIndex(like: VectorIndex, reason: string): VectorIndex {
  return {
    dim: like.dim,
    size: like.size,
    description: 'fails to serialize',
    nprobe: like.nprobe,
    efSearch: like.efSearch,
    search: (queries, k) => like.search(queries, k),
    toBuffer: () => {
      throw new Error(reason);
    },
  };
}

function leftovers(parent: string): string[] {
  return readdirSync(parent).filter((name) => name.startsWith('.negmine-tmp-'));
}

describe('index-store', () => {
  const dim = 16;
  const rows = 300;
  const vectors = unitVectors(rows, dim, 1);
  const queries = unitVectors(20, dim, 2);
  const ids = Array.from({ length: rows }, (_, row) => `doc-${row}`);
  const texts = ids.map((id) => `text of ${id}`);
  const fingerprint: IndexFingerprint = {
    model: 'sentence-transformers/all-MiniLM-L6-v2',
    modelSha256: 'a'.repeat(64),
    tokenizerSha256: 'c'.repeat(64),
    dim,
    normalize: true,
    pooling: 'mean',
    maxLength: 256,
    passagePrefix: '',
    corpusSize: rows,
    corpusSha256: hashCorpus(ids, texts),
    factory: 'Flat',
  };
  const exact = buildIndex(vectors, dim);

  it('index-store saves and loads back an index with identical search results', () => {
    const dir = path.join(tempDir(), 'index');
    saveIndex(dir, exact, { fingerprint, ids });
    assert.deepEqual(readdirSync(dir).sort(), ['ids.json', 'index.faiss', 'meta.json']);
    const loaded = loadIndexFiles(dir, fingerprint);
    assert.deepEqual(loaded.ids, ids);
    assert.deepEqual(loaded.index.search(queries, 10), exact.search(queries, 10));
  });

  it('index-store writes FAISS bytes and deterministic metadata without timestamps', () => {
    const parent = tempDir();
    saveIndex(path.join(parent, 'a'), exact, { fingerprint, ids });
    saveIndex(path.join(parent, 'b'), exact, { fingerprint, ids });
    for (const name of Object.values(INDEX_FILES)) {
      assert.deepEqual(readFileSync(path.join(parent, 'a', name)), readFileSync(path.join(parent, 'b', name)), name);
    }
    assert.deepEqual(readFileSync(path.join(parent, 'a', 'index.faiss')), flatIndexBytes(vectors, dim));
    const meta = JSON.parse(readFileSync(path.join(parent, 'a', 'meta.json'), 'utf8')) as Record<string, unknown>;
    assert.deepEqual(Object.keys(meta), ['format', 'fingerprint', 'size', 'indexSha256']);
    assert.equal(meta.format, 1);
    assert.deepEqual(meta.fingerprint, fingerprint);
    assert.deepEqual(JSON.parse(readFileSync(path.join(parent, 'a', 'ids.json'), 'utf8')), ids);
  });

  it('index-store writes index.faiss as FAISS file I/O (faiss.read_index / write_index) does', () => {
    const dir = path.join(tempDir(), 'index');
    const hnsw = buildIndex(vectors, dim, { factory: 'HNSW32', efSearch: 48 });
    saveIndex(dir, hnsw, { fingerprint: { ...fingerprint, factory: 'HNSW32' }, ids });
    // faiss-node's read/write call FAISS's file reader and writer, the ones Python's faiss.read_index / write_index use.
    const readByFaiss = faissNode().Index.read(path.join(dir, 'index.faiss'));
    assert.deepEqual(readByFaiss.search(Array.from(queries), 10).labels, Array.from(hnsw.search(queries, 10).ids));
    const written = path.join(dir, '..', 'written.faiss');
    readByFaiss.write(written);
    const loaded = loadIndex(readFileSync(written));
    assert.equal(loaded.description, 'IndexHNSWFlat (300 vectors, dim 16, efSearch 48)');
    assert.deepEqual(loaded.search(queries, 10), hnsw.search(queries, 10));
  });

  it('index-store round-trips an HNSW index and applies search params at load', () => {
    const dir = path.join(tempDir(), 'hnsw');
    const hnsw = buildIndex(vectors, dim, { factory: 'HNSW32' });
    const hnswFingerprint = { ...fingerprint, factory: 'HNSW32' };
    saveIndex(dir, hnsw, { fingerprint: hnswFingerprint, ids });
    const loaded = loadIndexFiles(dir, hnswFingerprint, { efSearch: 64 });
    assert.equal(loaded.index.description, 'IndexHNSWFlat (300 vectors, dim 16, efSearch 64)');
    assert.throws(() => loadIndexFiles(dir, hnswFingerprint, { nprobe: 4 }), negmineError('E_USAGE', /^Cannot set --nprobe on the loaded index/));
  });

  it('index-store refuses every fingerprint mismatch with its reason', () => {
    const dir = path.join(tempDir(), 'index');
    saveIndex(dir, exact, { fingerprint, ids });
    const cases: [Partial<IndexFingerprint>, RegExp][] = [
      [{ modelSha256: 'b'.repeat(64) }, /it was built with a different ONNX model \('sentence-transformers\/all-MiniLM-L6-v2', sha256 aaaaaaaaaaaa\.\.\.; this run's 'sentence-transformers\/all-MiniLM-L6-v2' has bbbbbbbbbbbb\.\.\.\)$/],
      [{ tokenizerSha256: 'd'.repeat(64) }, /it was built with a different tokenizer.json \(sha256 cccccccccccc\.\.\.; this run's has dddddddddddd\.\.\.\)$/],
      [{ dim: 384 }, /it has dimension 16, this run's embeddings have dimension 384$/],
      [{ normalize: false }, /it was built with normalize true, this run uses normalize false$/],
      [{ pooling: 'cls' }, /it was built with pooling 'mean', this run uses 'cls'$/],
      [{ maxLength: 512 }, /it was built with max length 256, this run uses 512$/],
      [{ passagePrefix: 'passage: ' }, /it was built with passage prefix "", this run uses "passage: "$/],
      [{ corpusSize: 301 }, /it indexes 300 passages, this run's corpus has 301$/],
      [{ corpusSha256: hashCorpus(ids, texts.map((text) => text.toUpperCase())) }, /it indexes a different corpus \(same size, but ids or texts differ\)$/],
      [{ factory: 'HNSW32' }, /it was built with exact search \(--index 'Flat'\), this run asks for --index 'HNSW32' \(drop --index to search the saved index as it is\)$/],
    ];
    for (const [change, message] of cases) {
      assert.throws(() => loadIndexFiles(dir, { ...fingerprint, ...change }), negmineError('E_USAGE', new RegExp(`^Cannot reuse --load-index '${dir}': ${message.source}`)));
    }
  });

  it('index-store compares contents, not the model path, and takes the saved factory when none is asked for', () => {
    const dir = path.join(tempDir(), 'hnsw');
    saveIndex(dir, buildIndex(vectors, dim, { factory: 'HNSW32' }), { fingerprint: { ...fingerprint, factory: 'HNSW32' }, ids });
    const withoutFactory: Partial<IndexFingerprint> = { ...fingerprint, model: './elsewhere/copy-of-the-model/' };
    delete withoutFactory.factory;
    const loaded = loadIndexFiles(dir, withoutFactory as Omit<IndexFingerprint, 'factory'>);
    assert.equal(loaded.fingerprint.factory, 'HNSW32');
    assert.match(loaded.index.description, /^IndexHNSWFlat /);
  });

  it('index-store refuses an index saved without a tokenizer hash, saying to rebuild it', () => {
    const dir = path.join(tempDir(), 'index');
    saveIndex(dir, exact, { fingerprint, ids });
    const metaFile = path.join(dir, 'meta.json');
    const meta = JSON.parse(readFileSync(metaFile, 'utf8')) as { fingerprint: Record<string, unknown> };
    delete meta.fingerprint['tokenizerSha256'];
    writeFileSync(metaFile, JSON.stringify(meta));
    assert.throws(() => loadIndexFiles(dir, fingerprint), negmineError('E_INDEX', /meta.json has no tokenizer hash \(saved by an older negmine\); build it again with --save-index$/));
  });

  it('index-store refuses a missing folder, missing files and unreadable metadata', () => {
    const parent = tempDir();
    assert.throws(() => loadIndexFiles(path.join(parent, 'nope'), fingerprint), negmineError('E_INDEX', /'.*nope': no such folder$/));
    const dir = path.join(parent, 'index');
    saveIndex(dir, exact, { fingerprint, ids });
    rmSync(path.join(dir, 'ids.json'));
    rmSync(path.join(dir, 'index.faiss'));
    assert.throws(() => loadIndexFiles(dir, fingerprint), negmineError('E_INDEX', /: missing index.faiss, ids.json$/));
    saveIndex(dir, exact, { fingerprint, ids });
    writeFileSync(path.join(dir, 'ids.json'), JSON.stringify(ids.slice(1)));
    assert.throws(() => loadIndexFiles(dir, fingerprint), negmineError('E_INDEX', /ids.json is not an array of 300 string ids$/));
    writeFileSync(path.join(dir, 'meta.json'), '{"format": 1,');
    assert.throws(() => loadIndexFiles(dir, fingerprint), negmineError('E_INDEX', /meta.json is not valid JSON/));
    writeFileSync(path.join(dir, 'meta.json'), '{"format": 2}');
    assert.throws(() => loadIndexFiles(dir, fingerprint), negmineError('E_INDEX', /meta.json is not a format 1 negmine index description$/));
  });

  it('index-store refuses a corrupt index.faiss', () => {
    const dir = path.join(tempDir(), 'index');
    saveIndex(dir, exact, { fingerprint, ids });
    const file = path.join(dir, 'index.faiss');
    const bytes = readFileSync(file);
    bytes[200] = (bytes[200] ?? 0) ^ 0xff;
    writeFileSync(file, bytes);
    assert.throws(() => loadIndexFiles(dir, fingerprint), negmineError('E_INDEX', /index.faiss is corrupt \(its sha256 differs from the one in meta.json\)$/));
    // Garbage with a matching checksum still reaches FAISS, whose refusal is reported.
    const garbage = Buffer.from('this is not a FAISS index');
    writeFileSync(file, garbage);
    const metaFile = path.join(dir, 'meta.json');
    const meta = JSON.parse(readFileSync(metaFile, 'utf8')) as Record<string, unknown>;
    meta.indexSha256 = createHash('sha256').update(garbage).digest('hex');
    writeFileSync(metaFile, JSON.stringify(meta));
    assert.throws(() => loadIndexFiles(dir, fingerprint), negmineError('E_INDEX', /index.faiss is unreadable: Cannot load FAISS index: Index type .* not recognized$/));
  });

  it('index-store leaves no final folder when a save fails midway', () => {
    const parent = tempDir();
    const dir = path.join(parent, 'index');
    assert.throws(() => { saveIndex(dir, failingIndex(exact, 'disk full'), { fingerprint, ids }); }, negmineError('E_IO', new RegExp(`^Cannot save index to '${dir}': disk full$`)));
    assert.equal(existsSync(dir), false);
    assert.deepEqual(leftovers(parent), []);
  });

  it('index-store keeps the previous index when replacing it fails, and replaces it otherwise', () => {
    const parent = tempDir();
    const dir = path.join(parent, 'index');
    saveIndex(dir, exact, { fingerprint, ids });
    assert.throws(() => { saveIndex(dir, failingIndex(exact, 'killed'), { fingerprint, ids }); }, negmineError('E_IO', /killed/));
    assert.deepEqual(loadIndexFiles(dir, fingerprint).ids, ids);
    const hnsw = buildIndex(vectors, dim, { factory: 'HNSW16' });
    saveIndex(dir, hnsw, { fingerprint: { ...fingerprint, factory: 'HNSW16' }, ids });
    assert.match(loadIndexFiles(dir, { ...fingerprint, factory: 'HNSW16' }).index.description, /^IndexHNSWFlat/);
    assert.deepEqual(readdirSync(parent), ['index']);
  });

  it('index-store refuses to replace a folder that is not an index, or to write under a file', () => {
    const parent = tempDir();
    const other = path.join(parent, 'other');
    mkdirSync(other);
    writeFileSync(path.join(other, 'notes.txt'), 'keep me');
    assert.throws(() => { saveIndex(other, exact, { fingerprint, ids }); }, negmineError('E_USAGE', /it exists and is not an index folder \(no meta.json\); refusing to replace it$/));
    assert.equal(readFileSync(path.join(other, 'notes.txt'), 'utf8'), 'keep me');
    const file = path.join(parent, 'file');
    writeFileSync(file, '');
    assert.throws(() => { saveIndex(path.join(file, 'index'), exact, { fingerprint, ids }); }, negmineError('E_IO', /^Cannot save index to '.*file\/index': file already exists \(EEXIST\)$/));
    assert.deepEqual(leftovers(parent), []);
  });

  it('index-store rejects ids that do not match the index', () => {
    assert.throws(() => { saveIndex(path.join(tempDir(), 'x'), exact, { fingerprint, ids: ids.slice(1) }); }, RangeError);
  });

  it('hashCorpus separates ids from texts', () => {
    assert.notEqual(hashCorpus(['ab'], ['c']), hashCorpus(['a'], ['bc']));
    assert.equal(hashCorpus(ids, texts), hashCorpus([...ids], [...texts]));
    assert.equal(hashCorpus(ids, { length: texts.length, at: (i) => texts[i] }), hashCorpus(ids, texts), 'texts read by index hash like an array');
  });
});
