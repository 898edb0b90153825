import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { tableFromIPC } from 'apache-arrow';
import { float16ToFloat32, float32ToFloat16 } from '../../src/core/float16.ts';
import { REPO_ROOT, logEvents, plainStderr, runCli, type RunResult } from '../helpers/cli.ts';
import { readJsonl } from '../helpers/read-output.ts';
import { tempDir } from '../helpers/temp.ts';

const CRAFTED = path.join(REPO_ROOT, 'fixtures', 'data', 'mine-crafted');
const MODEL = path.join(REPO_ROOT, 'fixtures', 'models', 'bi-encoder');
const DATA = path.join(REPO_ROOT, 'fixtures', 'data');

async function mine(output: string, extra: readonly string[] = []): Promise<RunResult> {
  const result = await runCli(['mine', '--beir', CRAFTED, '--model', MODEL, '--device', 'cpu', '--range-max', '10', ...extra, '-o', output]);
  return result;
}

function events(result: RunResult, name: string): Record<string, unknown>[] {
  return logEvents(result).filter((event) => event['event'] === name);
}

function npy(file: string): { descr: string; shape: number[]; body: Buffer } {
  const bytes = readFileSync(file);
  const headerLength = bytes.readUInt16LE(8);
  const header = bytes.subarray(10, 10 + headerLength).toString('latin1');
  return { descr: /'descr': '([^']+)'/.exec(header)?.[1] ?? '', shape: (/\((\d+), (\d+)\)/.exec(header) ?? []).slice(1).map(Number), body: bytes.subarray(10 + headerLength) };
}

describe('--vector-dtype', () => {
  it('mine --vector-dtype float16 writes valid rows, caches .f16 entries keyed apart from float32 ones, and reuses them', async () => {
    const dir = tempDir();
    const cache = path.join(dir, 'cache');
    const f32 = await mine(path.join(dir, 'f32.jsonl'));
    assert.equal(f32.code, 0, f32.stderr);
    const first = await mine(path.join(dir, 'f16.jsonl'), ['--vector-dtype', 'float16', '--cache-dir', cache, '--stats-json', path.join(dir, 'stats.json')]);
    assert.equal(first.code, 0, first.stderr);
    assert.equal((JSON.parse(readFileSync(path.join(dir, 'stats.json'), 'utf8')) as { settings: Record<string, unknown> }).settings['vectorDtype'], 'float16');
    const rows = readJsonl(path.join(dir, 'f16.jsonl'));
    const reference = readJsonl(path.join(dir, 'f32.jsonl'));
    assert.ok(rows.length > 0);
    assert.deepEqual(Object.keys(rows[0] ?? {}), Object.keys(reference[0] ?? {}));
    assert.deepEqual(rows.map((row) => row['query_id']), reference.map((row) => row['query_id']));
    for (const row of rows) {
      const negatives = row['neg_ids'] as string[];
      assert.ok(negatives.length > 0 && negatives.every((id) => !(row['pos_ids'] as string[]).includes(id)), JSON.stringify(row));
    }
    const files = readdirSync(cache).sort();
    assert.equal(files.filter((file) => file.endsWith('.f16')).length, 2, files.join(' '));
    assert.equal(files.filter((file) => file.endsWith('.f32')).length, 0);
    for (const meta of files.filter((file) => file.endsWith('.json'))) assert.equal((JSON.parse(readFileSync(path.join(cache, meta), 'utf8')) as { dtype: string }).dtype, 'float16');

    const again = await mine(path.join(dir, 'again.jsonl'), ['--vector-dtype', 'float16', '--cache-dir', cache]);
    assert.equal(again.code, 0, again.stderr);
    assert.deepEqual(events(again, 'cache_hit').map((event) => event['label']), ['embed corpus', 'embed queries']);
    assert.deepEqual(readFileSync(path.join(dir, 'again.jsonl')), readFileSync(path.join(dir, 'f16.jsonl')));

    // float32 over the same cache misses (another key), embeds and matches the run without a cache.
    const wide = await mine(path.join(dir, 'wide.jsonl'), ['--cache-dir', cache]);
    assert.equal(wide.code, 0, wide.stderr);
    assert.equal(events(wide, 'cache_hit').length, 0);
    assert.equal(readdirSync(cache).filter((file) => file.endsWith('.f32')).length, 2);
    assert.deepEqual(readFileSync(path.join(dir, 'wide.jsonl')), readFileSync(path.join(dir, 'f32.jsonl')));
  });

  it('mine --load-index refuses an index saved from float16 vectors in a float32 run', async () => {
    const dir = tempDir();
    const saved = await mine(path.join(dir, 'a.jsonl'), ['--vector-dtype', 'float16', '--save-index', path.join(dir, 'index')]);
    assert.equal(saved.code, 0, saved.stderr);
    const same = await mine(path.join(dir, 'b.jsonl'), ['--vector-dtype', 'float16', '--load-index', path.join(dir, 'index')]);
    assert.equal(same.code, 0, same.stderr);
    assert.deepEqual(readFileSync(path.join(dir, 'b.jsonl')), readFileSync(path.join(dir, 'a.jsonl')));
    const refused = await mine(path.join(dir, 'c.jsonl'), ['--quiet', '--load-index', path.join(dir, 'index')]);
    assert.equal(refused.code, 2, refused.stderr);
    assert.match(plainStderr(refused), /it was built from float16 vectors, this run keeps float32 vectors \(--vector-dtype\)/);
  });

  it("embed --vector-dtype float16 writes .npy '<f2' and an Arrow float16 column holding the float32 run's values narrowed", async () => {
    const dir = tempDir();
    const embed = (name: string, extra: readonly string[]): Promise<RunResult> => runCli(['--quiet', 'embed', '--model', MODEL, '--device', 'cpu', '--corpus', path.join(DATA, 'corpus.jsonl'), ...extra, '-o', path.join(dir, name)]);
    for (const [name, extra] of [['wide.npy', []], ['half.npy', ['--vector-dtype', 'float16']], ['half.arrow', ['--vector-dtype', 'float16']], ['half.jsonl', ['--vector-dtype', 'float16']]] as const) {
      const result = await embed(name, extra);
      assert.equal(result.code, 0, result.stderr);
    }
    const wide = npy(path.join(dir, 'wide.npy'));
    const half = npy(path.join(dir, 'half.npy'));
    assert.deepEqual([wide.descr, half.descr], ['<f4', '<f2']);
    assert.deepEqual(half.shape, [7, 384]);
    assert.equal((10 + half.body.byteOffset - half.body.byteOffset + readFileSync(path.join(dir, 'half.npy')).readUInt16LE(8)) % 64, 0);
    const wideValues = new Float32Array(wide.body.buffer.slice(wide.body.byteOffset, wide.body.byteOffset + wide.body.byteLength));
    const bits = new Uint16Array(half.body.buffer.slice(half.body.byteOffset, half.body.byteOffset + half.body.byteLength));
    assert.deepEqual([...bits], [...float32ToFloat16(wideValues)]);
    const table = tableFromIPC(readFileSync(path.join(dir, 'half.arrow')));
    assert.equal(String(table.schema.fields[1]?.type), 'FixedSizeList[384]<Float16>');
    const first = table.get(0)?.['embedding'] as { get(i: number): number; length: number };
    const widened = float16ToFloat32(bits.subarray(0, 384));
    assert.deepEqual(Array.from({ length: first.length }, (_, i) => first.get(i)), [...widened]);
    assert.deepEqual(readJsonl(path.join(dir, 'half.jsonl'))[0]?.['embedding'], [...widened]);
  });
});
