import assert from 'node:assert/strict';
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { REPO_ROOT, logEvents, plainStderr, runCli, type RunResult } from '../helpers/cli.ts';
import { jsonlRows, tempDir } from '../helpers/temp.ts';

const CRAFTED = path.join(REPO_ROOT, 'fixtures', 'data', 'mine-crafted');
const MODEL = path.join(REPO_ROOT, 'fixtures', 'models', 'bi-encoder');

function mine(args: readonly string[], cwd?: string): Promise<RunResult> {
  return runCli(['mine', '--beir', CRAFTED, '--device', 'cpu', '--range-max', '10', ...args], cwd === undefined ? {} : { cwd });
}

function events(result: RunResult, name: string): Record<string, unknown>[] {
  return logEvents(result).filter((event) => event['event'] === name);
}

/** A rows file of `count` pairs whose texts mix words the fixture tokenizer knows. */
function syntheticRows(count: number): string {
  const words = ['solar', 'panels', 'ocean', 'tides', 'moon', 'river', 'mountain', 'city', 'music', 'painter', 'laundry', 'bread', 'engine', 'forest', 'winter', 'garden', 'stone', 'window', 'train', 'coffee'];
  const pick = (i: number, j: number): string => words[(i * 7 + j * 13 + ((i * j) % 5)) % words.length] ?? 'the';
  const rows = Array.from({ length: count }, (_, i) => ({ query: `q${i} ${pick(i, 1)} ${pick(i, 2)}`, positive: `${pick(i, 1)} ${pick(i, 2)} ${pick(i, 3)} ${pick(i, 4)} ${i}` }));
  return jsonlRows(rows);
}

describe('mine index', () => {
  it('mine --load-index accepts the same model under ./m, m/ and a copied folder, and refuses another tokenizer.json', async () => {
    const dir = tempDir();
    cpSync(MODEL, path.join(dir, 'm'), { recursive: true });
    cpSync(MODEL, path.join(dir, 'copy'), { recursive: true });
    const saved = await mine(['--model', 'm', '--save-index', 'index', '-o', 'a.jsonl'], dir);
    assert.equal(saved.code, 0, saved.stderr);
    for (const model of ['./m', 'm/', path.join(dir, 'copy')]) {
      const loaded = await mine(['--model', model, '--load-index', 'index', '-o', 'b.jsonl'], dir);
      assert.equal(loaded.code, 0, `${model}: ${loaded.stderr}`);
      assert.equal(events(loaded, 'index_loaded').length, 1);
      assert.deepEqual(readFileSync(path.join(dir, 'b.jsonl')), readFileSync(path.join(dir, 'a.jsonl')));
    }
    const tokenizerFile = path.join(dir, 'copy', 'tokenizer.json');
    const tokenizer = JSON.parse(readFileSync(tokenizerFile, 'utf8')) as { model: { vocab: Record<string, number> } };
    tokenizer.model.vocab['solar'] = tokenizer.model.vocab['panels'] ?? 0;
    writeFileSync(tokenizerFile, JSON.stringify(tokenizer));
    const refused = await mine(['--quiet', '--model', 'copy', '--load-index', 'index', '-o', 'c.jsonl'], dir);
    assert.equal(refused.code, 2);
    assert.match(plainStderr(refused), /^negmine: error: Cannot reuse --load-index 'index': it was built with a different tokenizer.json \(sha256 [0-9a-f]{12}\.\.\.; this run's has [0-9a-f]{12}\.\.\.\)\n$/);
  });

  it('mine --load-index without --index searches with the saved factory, and refuses a different --index', async () => {
    const dir = tempDir();
    const saved = await mine(['--model', MODEL, '--index', 'HNSW16', '--save-index', 'index', '-o', 'a.jsonl'], dir);
    assert.equal(saved.code, 0, saved.stderr);
    const loaded = await mine(['--model', MODEL, '--load-index', 'index', '-o', 'b.jsonl'], dir);
    assert.equal(loaded.code, 0, loaded.stderr);
    assert.match(String(events(loaded, 'index_loaded')[0]?.['description']), /^IndexHNSWFlat /);
    assert.deepEqual(readFileSync(path.join(dir, 'b.jsonl')), readFileSync(path.join(dir, 'a.jsonl')));
    const other = await mine(['--quiet', '--model', MODEL, '--index', 'Flat', '--load-index', 'index', '-o', 'c.jsonl'], dir);
    assert.equal(other.code, 2);
    assert.match(plainStderr(other), /it was built with --index 'HNSW16', this run asks for exact search \(--index 'Flat'\) \(drop --index to search the saved index as it is\)\n$/);
  });

  it('mine --nprobe without an IVF index and --ef-search without an HNSW index are usage errors', async () => {
    const cases: [string[], RegExp][] = [
      [['--nprobe', '8'], /^negmine: error: --nprobe applies to IVF indexes \(e\.g\. --index 'IVF1024,Flat'\); this run uses exact search \(no --index\)\n$/],
      [['--nprobe', '8', '--index', 'HNSW32'], /^negmine: error: --nprobe applies to IVF indexes .*; this run uses --index 'HNSW32'\n$/],
      [['--ef-search', '64', '--index', 'IVF16,Flat'], /^negmine: error: --ef-search applies to HNSW indexes \(e\.g\. --index 'HNSW32'\); this run uses --index 'IVF16,Flat'\n$/],
      [['--ef-search', '64'], /^negmine: error: --ef-search applies to HNSW indexes .*; this run uses exact search \(no --index\)\n$/],
    ];
    for (const [flags, message] of cases) {
      const result = await mine(['--quiet', '--model', MODEL, ...flags, '-o', path.join(tempDir(), 'out.jsonl')]);
      assert.equal(result.code, 2, flags.join(' '));
      assert.match(plainStderr(result), message);
    }
  });

  it('mine --index IVF with too many lists warns, defaults nprobe to sqrt(nlist), and keeps stderr valid JSON lines', async () => {
    const dir = tempDir();
    writeFileSync(path.join(dir, 'rows.jsonl'), syntheticRows(400));
    const result = await runCli(['mine', '--data', path.join(dir, 'rows.jsonl'), '--model', MODEL, '--device', 'cpu', '--index', 'IVF64,Flat', '--stats-json', path.join(dir, 'stats.json'), '-o', path.join(dir, 'out.jsonl')]);
    assert.equal(result.code, 0, result.stderr);
    // FAISS's own "WARNING clustering ..." line arrives as an event, not as raw text among the JSON lines.
    const lines = result.stderr.split('\n').filter((line) => line.length > 0);
    const tableStart = lines.findIndex((line) => !line.startsWith('{'));
    const jsonLines = tableStart < 0 ? lines : lines.slice(0, tableStart);
    for (const line of jsonLines) assert.doesNotThrow(() => JSON.parse(line), line);
    assert.ok(jsonLines.some((line) => line.includes('"event":"stats"')), 'the JSON events run up to the final statistics');
    assert.ok(!result.stderr.includes('\nWARNING'), result.stderr);
    const [sparse] = events(result, 'index_sparse_training');
    assert.ok(sparse !== undefined, result.stderr);
    assert.equal(sparse['nlist'], 64);
    assert.equal(sparse['maxNlist'], 10);
    assert.match(String(sparse['msg']), /use at most IVF10 for 400 documents/);
    assert.match(String(events(result, 'faiss_output')[0]?.['text']), /^WARNING clustering 400 points to 64 centroids/);
    assert.equal(events(result, 'index_search_params')[0]?.['nprobe'], 8);
    const stats = JSON.parse(readFileSync(path.join(dir, 'stats.json'), 'utf8')) as { settings: Record<string, unknown> };
    assert.equal(stats.settings['nprobe'], 8);
    assert.equal(stats.settings['efSearch'], null);
  });
});
