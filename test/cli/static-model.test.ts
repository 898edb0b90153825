import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { REPO_ROOT, logEvents, plainStderr, runCli, type RunResult } from '../helpers/cli.ts';
import { startFakeHub, type FakeFile, type FakeHub } from '../helpers/fake-hub.ts';
import { bucketTable, referenceVector, writeStaticModel, type StaticModelSpec } from '../helpers/static-model.ts';
import { jsonl, tempDir } from '../helpers/temp.ts';

const CRAFTED = path.join(REPO_ROOT, 'fixtures', 'data', 'mine-crafted');
const FIXTURE_BI_ENCODER = path.join(REPO_ROOT, 'fixtures', 'models', 'bi-encoder');
const COMMIT = 'b'.repeat(40);
const FOX = 'brown fox jumps over the lazy dog';
const FOX_IDS = [2829, 4419, 14523, 2058, 1996, 13971, 3899];
const ST_SPEC: StaticModelSpec = { layout: 'sentence-transformers', dim: 8, normalize: true };
const M2V_SPEC: StaticModelSpec = { layout: 'model2vec', dim: 6, dtype: 'F16' };

function corpusFile(dir: string): string {
  const file = path.join(dir, 'corpus.jsonl');
  writeFileSync(file, jsonl({ _id: 'fox', text: FOX }, { _id: 'dog', text: 'dog' }));
  return file;
}

function vectors(file: string): Map<string, number[]> {
  const rows = readFileSync(file, 'utf8').trim().split('\n').map((line) => JSON.parse(line) as { id: string; embedding: number[] });
  return new Map(rows.map((row) => [row.id, row.embedding]));
}

function assertClose(actual: readonly number[] | undefined, expected: readonly number[], label: string): void {
  assert.ok(actual !== undefined, label);
  assert.equal(actual.length, expected.length, label);
  actual.forEach((value, i) => {
    assert.ok(Math.abs(value - (expected[i] ?? Number.NaN)) < 1e-6, `${label}[${i}]: ${value} vs ${expected[i]}`);
  });
}

function errorLine(result: RunResult): { exitCode: number | null; code: unknown; line: string } {
  return { exitCode: result.code, code: logEvents(result).find((event) => event['event'] === 'error')?.['code'], line: plainStderr(result).trim() };
}

/** Repo files of a static model folder written by the helper, for the fake hub. */
function hubFiles(dir: string, paths: readonly string[]): Record<string, FakeFile> {
  return Object.fromEntries(paths.map((file) => [file, { content: readFileSync(path.join(dir, file)), ...(file.endsWith('.safetensors') ? { lfs: 'absolute' as const } : {}) }]));
}

describe('static embedding model (CLI)', () => {
  const root = tempDir();
  const stModel = writeStaticModel(path.join(root, 'st'), ST_SPEC);
  const m2vModel = writeStaticModel(path.join(root, 'm2v'), M2V_SPEC);
  const corpus = corpusFile(root);
  let hub: FakeHub;
  before(async () => {
    hub = await startFakeHub({
      'acme/static-retrieval': { refs: { main: COMMIT }, commits: { [COMMIT]: hubFiles(stModel, ['modules.json', '0_StaticEmbedding/model.safetensors', '0_StaticEmbedding/tokenizer.json']) } },
      'acme/potion': { refs: { main: COMMIT }, commits: { [COMMIT]: hubFiles(m2vModel, ['config.json', 'model.safetensors', 'tokenizer.json']) } },
    });
  });
  after(async () => {
    await hub.close();
  });

  it('static embedding model embed writes the mean of the token rows for both layouts, local and from the Hub', async () => {
    const env = { HF_ENDPOINT: hub.url, HF_HOME: path.join(root, 'hf'), HF_HUB_OFFLINE: '', HF_TOKEN: '' };
    const runs: [string, StaticModelSpec, string[]][] = [
      [stModel, ST_SPEC, []],
      ['acme/static-retrieval', ST_SPEC, []],
      [m2vModel, M2V_SPEC, []],
      ['acme/potion', M2V_SPEC, []],
      [m2vModel, { ...M2V_SPEC, normalize: true }, ['--normalize']],
    ];
    const results = await Promise.all(runs.map(([model, , extra], i) => runCli(['embed', '--model', model, '--device', 'cpu', '--corpus', corpus, ...extra, '-o', path.join(root, `embed-${i}.jsonl`)], { env })));
    runs.forEach(([model, spec], i) => {
      const result = results[i];
      assert.equal(result?.code, 0, `${model}: ${result?.stderr ?? ''}`);
      const found = vectors(path.join(root, `embed-${i}.jsonl`));
      assertClose(found.get('fox'), referenceVector(FOX_IDS, spec), `${model} fox`);
      assertClose(found.get('dog'), referenceVector([3899], spec), `${model} dog`);
    });
    assert.ok(existsSync(path.join(root, 'hf', 'hub', 'models--acme--static-retrieval', 'snapshots', COMMIT, '0_StaticEmbedding', 'model.safetensors')));
    const fetched = hub.requests.filter((request) => request.method === 'GET').map((request) => request.url);
    assert.ok(!fetched.some((url) => url.includes('onnx')), `no ONNX file asked for: ${fetched.join(', ')}`);
  });

  it('static embedding model --truncate-dim keeps the first n dimensions, then normalizes; 0 or beyond the width is a usage error', async () => {
    const output = path.join(root, 'truncated.jsonl');
    const ok = await runCli(['embed', '--model', stModel, '--device', 'cpu', '--corpus', corpus, '--truncate-dim', '3', '-o', output]);
    assert.equal(ok.code, 0, ok.stderr);
    assertClose(vectors(output).get('fox'), referenceVector(FOX_IDS, { ...ST_SPEC, truncateDim: 3 }), 'fox');
    const zero = await runCli(['embed', '--model', stModel, '--device', 'cpu', '--corpus', corpus, '--truncate-dim', '0', '-o', path.join(root, 'zero.jsonl')]);
    assert.deepEqual(errorLine(zero), { exitCode: 2, code: 'E_USAGE', line: "negmine: error: Invalid --truncate-dim '0': expected an integer >= 1" });
    const wide = await runCli(['mine', '--beir', CRAFTED, '--model', stModel, '--device', 'cpu', '--truncate-dim', '9', '-o', path.join(root, 'wide.jsonl')]);
    const seen = errorLine(wide);
    assert.deepEqual({ exitCode: seen.exitCode, code: seen.code }, { exitCode: 2, code: 'E_USAGE' }, wide.stderr);
    assert.match(seen.line, /^negmine: error: --truncate-dim 9 is beyond the 8 dimensions of model '.*model\.safetensors'; use 1 to 8$/);
    assert.equal(existsSync(path.join(root, 'wide.jsonl')), false);
  });

  it('static embedding model mines like the transformer it reproduces, and says so in its model_loaded event', async () => {
    // One-hot bucket rows embed exactly like fixtures/models/bi-encoder: the same negatives must come out.
    const bucket = writeStaticModel(path.join(root, 'bucket'), { layout: 'sentence-transformers', dim: 384, values: bucketTable(384) });
    const args = (model: string, output: string): string[] => ['--verbose', 'mine', '--beir', CRAFTED, '--model', model, '--device', 'cpu', '--range-max', '10', '-o', output];
    const [transformer, staticRun] = await Promise.all([runCli(args(FIXTURE_BI_ENCODER, path.join(root, 'transformer.jsonl'))), runCli(args(bucket, path.join(root, 'static.jsonl')))]);
    assert.equal(transformer.code, 0, transformer.stderr);
    assert.equal(staticRun.code, 0, staticRun.stderr);
    const ids = (file: string): unknown[] => readFileSync(file, 'utf8').trim().split('\n').map((line) => {
      const row = JSON.parse(line) as { query_id: string; pos_ids: string[]; neg_ids: string[] };
      return [row.query_id, row.pos_ids, row.neg_ids];
    });
    const expected = ids(path.join(root, 'transformer.jsonl'));
    assert.ok(expected.length > 0);
    assert.deepEqual(ids(path.join(root, 'static.jsonl')), expected);
    const loaded = logEvents(staticRun).find((event) => event['event'] === 'model_loaded');
    assert.ok(loaded !== undefined);
    assert.equal(loaded['kind'], 'static embedding');
    assert.match(String(loaded['msg']), /^loaded static embedding model .*0_StaticEmbedding\/model\.safetensors \(sentence-transformers StaticEmbedding rules/);
  });

  it('static embedding model --truncate-dim is part of the embedding cache key and of the saved index fingerprint', async () => {
    const cache = path.join(root, 'cache');
    const index = path.join(root, 'index');
    const mine = (extra: string[], output: string): Promise<RunResult> => runCli(['mine', '--beir', CRAFTED, '--model', stModel, '--device', 'cpu', '--range-max', '10', ...extra, '-o', path.join(root, output)]);
    const first = await mine(['--cache-dir', cache, '--save-index', index], 'c1.jsonl');
    assert.equal(first.code, 0, first.stderr);
    const truncated = await mine(['--cache-dir', cache, '--truncate-dim', '4'], 'c2.jsonl');
    assert.equal(truncated.code, 0, truncated.stderr);
    assert.equal(logEvents(truncated).filter((event) => event['event'] === 'cache_hit').length, 0, 'another --truncate-dim reuses no vectors');
    const again = await mine(['--cache-dir', cache, '--truncate-dim', '4'], 'c3.jsonl');
    assert.equal(logEvents(again).filter((event) => event['event'] === 'cache_hit').length, 2, 'the same --truncate-dim reuses both');
    // Truncating to the full width gives the same vectors, yet the fingerprint still tells the runs apart.
    const full = await mine(['--load-index', index, '--truncate-dim', '8'], 'c4.jsonl');
    const seen = errorLine(full);
    assert.equal(seen.exitCode, 2, full.stderr);
    assert.match(seen.line, /it was built with full-width vectors \(no --truncate-dim\), this run uses --truncate-dim 8/);
  });

  it('static embedding model refuses a role it cannot play and a broken safetensors file with one line', async () => {
    const asCrossEncoder = await runCli(['mine', '--beir', CRAFTED, '--model', FIXTURE_BI_ENCODER, '--cross-encoder', stModel, '--device', 'cpu', '-o', path.join(root, 'ce.jsonl')]);
    assert.deepEqual(errorLine(asCrossEncoder), {
      exitCode: 2,
      code: 'E_MODEL_MISMATCH',
      line: `negmine: error: Model '${stModel}' is a static embedding model (a bi-encoder); pass it with --model, and a cross-encoder with --cross-encoder`,
    });
    const broken = writeStaticModel(path.join(root, 'broken'), { layout: 'model2vec', dim: 4 });
    const weights = path.join(broken, 'model.safetensors');
    writeFileSync(weights, readFileSync(weights).subarray(0, 5_000));
    const result = await runCli(['embed', '--model', broken, '--device', 'cpu', '--corpus', corpus, '-o', path.join(root, 'broken.jsonl')]);
    const seen = errorLine(result);
    assert.deepEqual({ exitCode: seen.exitCode, code: seen.code }, { exitCode: 1, code: 'E_MODEL_LOAD' }, result.stderr);
    assert.match(seen.line, /^negmine: error: Cannot read safetensors file '.*broken\/model\.safetensors': tensor 'embeddings' ends at byte \d+ but the file has 5000 bytes \(truncated download\?\)$/);
    assert.ok(!result.stderr.includes('    at '));
  });
});
