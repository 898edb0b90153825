import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { REPO_ROOT, logEvents, plainStderr, runCli, type RunResult } from '../helpers/cli.ts';
import { tempHost } from '../../src/io/stale-temp.ts';
import { tempDir } from '../helpers/temp.ts';

const CRAFTED = path.join(REPO_ROOT, 'fixtures', 'data', 'mine-crafted');
const MODEL = path.join(REPO_ROOT, 'fixtures', 'models', 'bi-encoder');
const DIM = 384;

function mineArgs(output: string, extra: readonly string[] = [], model = MODEL): string[] {
  return ['mine', '--beir', CRAFTED, '--model', model, '--device', 'cpu', '--range-max', '10', ...extra, '-o', output];
}

async function mine(output: string, extra: readonly string[] = [], model = MODEL): Promise<RunResult> {
  const result = await runCli(mineArgs(output, extra, model));
  assert.equal(result.code, 0, result.stderr);
  return result;
}

function events(result: RunResult, name: string): Record<string, unknown>[] {
  return logEvents(result).filter((event) => event['event'] === name);
}

/** The cache entries (key -> rows) in a cache folder. */
function entries(cache: string): Map<string, number> {
  const found = new Map<string, number>();
  for (const name of readdirSync(cache).filter((file) => file.endsWith('.json'))) {
    found.set(name.slice(0, -'.json'.length), (JSON.parse(readFileSync(path.join(cache, name), 'utf8')) as { rows: number }).rows);
  }
  return found;
}

function corpusEntry(cache: string): string {
  const key = [...entries(cache)].find(([, rows]) => rows === 15)?.[0];
  assert.ok(key !== undefined, `no 15-row corpus entry in ${cache}`);
  return key;
}

describe('mine --cache-dir', () => {
  const root = tempDir();
  const reference = path.join(root, 'reference.jsonl');
  const populated = path.join(root, 'populated');
  const ready = (async () => {
    await mine(reference);
    await mine(path.join(root, 'first.jsonl'), ['--cache-dir', populated]);
  })();

  /** A copy of the populated cache, damaged by `damage`, then a run over it: warned once for the corpus, output as without a cache. */
  async function runOverDamaged(damage: (cache: string, key: string) => void, reason: RegExp, rerun = false): Promise<void> {
    await ready;
    const dir = tempDir();
    const cache = path.join(dir, 'cache');
    cpSync(populated, cache, { recursive: true });
    const key = corpusEntry(cache);
    damage(cache, key);
    const output = path.join(dir, 'out.jsonl');
    const result = await mine(output, ['--cache-dir', cache]);
    const warnings = events(result, 'cache_corrupt');
    const [warning] = warnings;
    assert.ok(warning !== undefined && warnings.length === 1, result.stderr);
    assert.equal(warning['entry'], key);
    assert.equal(warning['level'], 40);
    assert.match(String(warning['reason']), reason);
    assert.deepEqual(events(result, 'cache_hit').map((event) => event['label']), ['embed queries']);
    assert.deepEqual(readFileSync(output), readFileSync(reference));
    if (!rerun) return;
    // The entry was overwritten with good vectors: the next run reuses both without a warning.
    const again = await mine(path.join(dir, 'again.jsonl'), ['--cache-dir', cache]);
    assert.equal(events(again, 'cache_corrupt').length, 0, again.stderr);
    assert.equal(events(again, 'cache_hit').length, 2);
    assert.deepEqual(readFileSync(path.join(dir, 'again.jsonl')), readFileSync(reference));
  }

  it('mine --cache-dir reuses verified entries and writes the same bytes as a run without cache', async () => {
    await ready;
    const output = path.join(tempDir(), 'out.jsonl');
    const result = await mine(output, ['--cache-dir', populated]);
    assert.equal(events(result, 'cache_hit').length, 2);
    assert.deepEqual(readFileSync(output), readFileSync(reference));
  });

  it('mine --cache-dir recomputes an entry with a flipped byte', async () => {
    await runOverDamaged((cache, key) => {
      const file = path.join(cache, `${key}.f32`);
      const bytes = readFileSync(file);
      bytes[DIM * 4 * 3 + 17] = (bytes[DIM * 4 * 3 + 17] ?? 0) ^ 0x01;
      writeFileSync(file, bytes);
    }, /does not match its checksum/, true);
  });

  it('mine --cache-dir recomputes an entry holding a NaN', async () => {
    await runOverDamaged((cache, key) => {
      const file = path.join(cache, `${key}.f32`);
      const bytes = readFileSync(file);
      bytes.writeFloatLE(Number.NaN, DIM * 4 * 5);
      writeFileSync(file, bytes);
    }, /does not match its checksum/);
  });

  it('mine --cache-dir recomputes an entry whose rows were rotated', async () => {
    await runOverDamaged((cache, key) => {
      const file = path.join(cache, `${key}.f32`);
      const bytes = readFileSync(file);
      writeFileSync(file, Buffer.concat([bytes.subarray(DIM * 4), bytes.subarray(0, DIM * 4)]));
    }, /does not match its checksum/);
  });

  it('mine --cache-dir recomputes entries of the same size whose data files were swapped', async () => {
    await runOverDamaged((cache, key) => {
      // A second 15-row entry: the same corpus under another passage prefix.
      const other = spawnSync(process.execPath, [path.join(REPO_ROOT, 'bin', 'negmine.js'), '--quiet', ...mineArgs(path.join(cache, '..', 'other.jsonl'), ['--cache-dir', cache, '--passage-prefix', 'passage: '])]);
      assert.equal(other.status, 0, other.stderr.toString());
      const otherKey = [...entries(cache)].find(([name, rows]) => rows === 15 && name !== key)?.[0];
      assert.ok(otherKey !== undefined);
      const mine = readFileSync(path.join(cache, `${key}.f32`));
      writeFileSync(path.join(cache, `${key}.f32`), readFileSync(path.join(cache, `${otherKey}.f32`)));
      writeFileSync(path.join(cache, `${otherKey}.f32`), mine);
    }, /does not match its checksum/);
  });

  it('mine --cache-dir recomputes an entry whose metadata names another entry', async () => {
    await runOverDamaged((cache, key) => {
      const meta = JSON.parse(readFileSync(path.join(cache, `${key}.json`), 'utf8')) as Record<string, unknown>;
      writeFileSync(path.join(cache, `${key}.json`), JSON.stringify({ ...meta, key: 'f'.repeat(64) }));
    }, /its metadata names entry "f{64}", not [0-9a-f]{64}/);
  });

  it('mine --cache-dir treats malformed metadata as a corrupt entry, not a crash', async () => {
    // More malformed shapes are covered by test/io/embedding-cache.test.ts without a process each.
    const cases: [(meta: Record<string, unknown>) => string, RegExp][] = [
      [(meta) => JSON.stringify({ ...meta, dim: String(DIM) }), /its metadata has dim "384", expected a positive integer/],
      [(meta) => JSON.stringify(meta).slice(0, 20), /its metadata is not valid JSON/],
    ];
    for (const [rewrite, reason] of cases) {
      await runOverDamaged((cache, key) => {
        const file = path.join(cache, `${key}.json`);
        writeFileSync(file, rewrite(JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>));
      }, reason);
    }
  });

  it('mine --cache-dir keys entries on the tokenizer bytes, not the model path', async () => {
    await ready;
    const dir = tempDir();
    const model = path.join(dir, 'model');
    cpSync(MODEL, model, { recursive: true });
    const cache = path.join(dir, 'cache');
    cpSync(populated, cache, { recursive: true });
    // A byte-identical copy under another path hits the cache.
    const copied = await mine(path.join(dir, 'copy.jsonl'), ['--cache-dir', cache], `${model}/`);
    assert.equal(events(copied, 'cache_hit').length, 2);
    // 'solar' read as 'panels': every text with that word gets another vector.
    const tokenizerFile = path.join(model, 'tokenizer.json');
    const tokenizer = JSON.parse(readFileSync(tokenizerFile, 'utf8')) as { model: { vocab: Record<string, number> } };
    tokenizer.model.vocab['solar'] = tokenizer.model.vocab['panels'] ?? 0;
    writeFileSync(tokenizerFile, JSON.stringify(tokenizer));
    const changedReference = path.join(dir, 'changed-reference.jsonl');
    await mine(changedReference, [], model);
    assert.notDeepEqual(readFileSync(changedReference), readFileSync(reference));
    const changed = await mine(path.join(dir, 'changed.jsonl'), ['--cache-dir', cache], model);
    assert.equal(events(changed, 'cache_hit').length, 0, changed.stderr);
    assert.deepEqual(readFileSync(path.join(dir, 'changed.jsonl')), readFileSync(changedReference));
  });

  it('mine --cache-dir warns and still succeeds when the cache cannot be written', async () => {
    await ready;
    const dir = tempDir();
    // Every entry blocked (a folder where its data file goes): no entry can be read or written.
    const allBlocked = path.join(dir, 'all-blocked');
    cpSync(populated, allBlocked, { recursive: true });
    for (const key of entries(allBlocked).keys()) {
      for (const suffix of ['.f32', '.json']) rmSync(path.join(allBlocked, key + suffix));
      mkdirSync(path.join(allBlocked, `${key}.f32`, 'blocked'), { recursive: true });
    }
    const output = path.join(dir, 'out.jsonl');
    const result = await mine(output, ['--cache-dir', allBlocked]);
    assert.deepEqual(events(result, 'cache_write_failed').map((event) => event['label']), ['embed corpus', 'embed queries']);
    assert.match(String(events(result, 'cache_write_failed')[0]?.['reason']), /^Cannot write embedding cache entry [0-9a-f]{64} in '.*all-blocked': E[A-Z]+$/);
    assert.deepEqual(readFileSync(output), readFileSync(reference));
    // A regular file as --cache-dir is refused before any work (the output checks).
    const notAFolder = path.join(dir, 'cache-file');
    writeFileSync(notAFolder, 'not a folder');
    const refused = await runCli(mineArgs(path.join(dir, 'refused.jsonl'), ['--cache-dir', notAFolder]));
    assert.equal(refused.code, 2, refused.stderr);
    assert.match(plainStderr(refused), /^negmine: error: Cannot use --cache-dir '.*cache-file': it is not a folder\n$/);
    // One entry blocked (a folder where its data file goes), the other written.
    const cache = path.join(dir, 'cache');
    cpSync(populated, cache, { recursive: true });
    const key = corpusEntry(cache);
    for (const suffix of ['.f32', '.json']) rmSync(path.join(cache, key + suffix));
    mkdirSync(path.join(cache, `${key}.f32`, 'blocked'), { recursive: true });
    const blocked = await mine(path.join(dir, 'blocked.jsonl'), ['--cache-dir', cache]);
    assert.deepEqual(events(blocked, 'cache_write_failed').map((event) => event['entry']), [key]);
    assert.deepEqual(readFileSync(path.join(dir, 'blocked.jsonl')), readFileSync(reference));
    assert.deepEqual(readdirSync(cache).filter((name) => name.includes('.tmp-')), []);
  });

  it('mine --cache-dir removes temp files that killed runs on this host left behind', async () => {
    await ready;
    const dir = tempDir();
    const cache = path.join(dir, 'cache');
    cpSync(populated, cache, { recursive: true });
    const dead = Number(spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']).stdout.toString());
    const host = tempHost();
    const stale = `${'0'.repeat(64)}.f32.tmp-${host}-${dead}`;
    const live = `${'1'.repeat(64)}.f32.tmp-${host}-${process.pid}`;
    writeFileSync(path.join(cache, stale), Buffer.alloc(4096));
    writeFileSync(path.join(cache, live), Buffer.alloc(4096));
    const result = await mine(path.join(dir, 'out.jsonl'), ['--cache-dir', cache]);
    assert.deepEqual(events(result, 'cache_stale_temps_removed')[0]?.['files'], [stale]);
    assert.ok(!existsSync(path.join(cache, stale)));
    assert.ok(existsSync(path.join(cache, live)), 'a live process keeps its temp file');
  });
});
