import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { logEvents, REPO_ROOT, runCli } from '../helpers/cli.ts';
import os from 'node:os';
import { readArrow, readJsonl, readParquet } from '../helpers/read-output.ts';
import { tempDir } from '../helpers/temp.ts';

const MODEL = path.join(REPO_ROOT, 'fixtures', 'models', 'bi-encoder');
const DATA = path.join(REPO_ROOT, 'fixtures', 'data');
const CORPUS_IDS = ['d1', 'd2', 'd3', 'd4', 'd5', 'd6', 'd7'];

function readNpy(file: string): { shape: number[]; data: Float32Array } {
  const bytes = readFileSync(file);
  assert.equal(bytes.subarray(0, 6).toString('latin1'), '\x93NUMPY');
  const headerLength = bytes.readUInt16LE(8);
  const header = bytes.subarray(10, 10 + headerLength).toString('latin1');
  assert.equal((10 + headerLength) % 64, 0, 'header padded to 64 bytes');
  assert.match(header, /'descr': '<f4', 'fortran_order': False/);
  const shape = (/\((\d+), (\d+)\)/.exec(header) ?? []).slice(1).map(Number);
  const body = bytes.subarray(10 + headerLength);
  return { shape, data: new Float32Array(body.buffer.slice(body.byteOffset, body.byteOffset + body.byteLength)) };
}

describe('embed', () => {
  it('embed writes the same ids and vectors as .npy + ids, Arrow, Parquet and JSONL', async () => {
    const dir = tempDir();
    for (const name of ['v.npy', 'v.arrow', 'v.parquet', 'v.jsonl']) {
      const result = await runCli(['--quiet', 'embed', '--model', MODEL, '--device', 'cpu', '--corpus', path.join(DATA, 'corpus.jsonl'), '-o', path.join(dir, name)]);
      assert.equal(result.code, 0, result.stderr);
    }
    const npy = readNpy(path.join(dir, 'v.npy'));
    assert.deepEqual(npy.shape, [7, 384]);
    assert.deepEqual(readJsonl(path.join(dir, 'v.ids.jsonl')), CORPUS_IDS);
    const jsonl = readJsonl(path.join(dir, 'v.jsonl'));
    assert.deepEqual(jsonl.map((row) => row['id']), CORPUS_IDS);
    const first = jsonl[0]?.['embedding'] as number[];
    assert.equal(first.length, 384);
    assert.deepEqual([...npy.data.subarray(0, 384)], first);
    const norm = Math.sqrt(first.reduce((sum, v) => sum + v * v, 0));
    assert.ok(Math.abs(norm - 1) < 1e-5, 'the model has a Normalize module');
    const arrow = readArrow(path.join(dir, 'v.arrow'));
    assert.deepEqual(arrow.map((row) => row['id']), CORPUS_IDS);
    assert.deepEqual(arrow[0]?.['embedding'], first);
    const parquet = await readParquet(path.join(dir, 'v.parquet'));
    assert.deepEqual(parquet.map((row) => row['id']), CORPUS_IDS);
    assert.deepEqual((parquet[0]?.['embedding'] as number[]).map((v) => Math.fround(v)), first);
  });

  it('embed creates its cpu session with --threads (else one per core) and spinning off, as its model_loaded event says', async () => {
    const dir = tempDir();
    for (const [flags, threads] of [[['--threads', '1'], 1], [[], os.availableParallelism()]] as const) {
      const result = await runCli(['--verbose', 'embed', '--model', MODEL, '--device', 'cpu', ...flags, '--corpus', path.join(DATA, 'corpus.jsonl'), '-o', path.join(dir, `v${threads}.npy`)]);
      assert.equal(result.code, 0, result.stderr);
      const loaded = logEvents(result).filter((event) => event['event'] === 'model_loaded');
      assert.equal(loaded.length, 1);
      const [event = {}] = loaded;
      assert.equal(event['intraOpThreads'], threads, `${flags.join(' ')}: ${JSON.stringify(event)}`);
      assert.equal(event['spinning'], false);
      assert.match(String(event['msg']), new RegExp(`; ${threads} intra-op threads, spinning off\\)$`));
    }
  });

  it('embed embeds queries with the query prefix when asked', async () => {
    const dir = tempDir();
    const run = async (name: string, extra: string[]) => {
      const result = await runCli(['--quiet', 'embed', '--model', MODEL, '--device', 'cpu', '--data', path.join(DATA, 'flagembedding.jsonl'), '--embed', 'queries', '-o', path.join(dir, name), ...extra]);
      assert.equal(result.code, 0, result.stderr);
      return readJsonl(path.join(dir, name));
    };
    const plain = await run('plain.jsonl', []);
    const prefixed = await run('prefixed.jsonl', ['--query-prefix', 'query: ']);
    assert.equal(plain.length, 3);
    assert.notDeepEqual(plain[0]?.['embedding'], prefixed[0]?.['embedding']);
  });
});
