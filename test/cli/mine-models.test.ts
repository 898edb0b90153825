import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { BIN, REPO_ROOT, logEvents, plainStderr, runCli, type RunResult } from '../helpers/cli.ts';
import { readJsonl } from '../helpers/read-output.ts';
import { jsonlRows, tempDir } from '../helpers/temp.ts';
import { sigmoid } from '../helpers/fixture-model-reference.ts';

const MODELS = path.join(REPO_ROOT, 'fixtures', 'models');
const CRAFTED = path.join(REPO_ROOT, 'fixtures', 'data', 'mine-crafted');
const model = (name: string): string => path.join(MODELS, name);

interface Beir {
  corpus: { _id: string; text: string }[];
  queries: { _id: string; text: string }[];
  qrels: [string, string][];
}

/** A BEIR folder in a temp dir. */
function beirDir(data: Beir): string {
  const dir = tempDir();
  writeFileSync(path.join(dir, 'corpus.jsonl'), jsonlRows(data.corpus));
  writeFileSync(path.join(dir, 'queries.jsonl'), jsonlRows(data.queries));
  mkdirSync(path.join(dir, 'qrels'));
  writeFileSync(path.join(dir, 'qrels', 'test.tsv'), `query-id\tcorpus-id\tscore\n${data.qrels.map(([q, d]) => `${q}\t${d}\t1\n`).join('')}`);
  return dir;
}

const CLEAN: Beir = {
  corpus: [
    { _id: 'd1', text: 'solar panels turn sunlight into electricity' },
    { _id: 'd2', text: 'tides are caused by the moon' },
    { _id: 'd3', text: 'bread is baked in an oven' },
    { _id: 'd4', text: 'rivers flow into the sea' },
  ],
  queries: [
    { _id: 'q1', text: 'how do solar panels work' },
    { _id: 'q2', text: 'what causes tides' },
  ],
  qrels: [
    ['q1', 'd1'],
    ['q2', 'd2'],
  ],
};

function withPoison(data: Beir, where: 'corpus' | 'queries', id: string): Beir {
  const poison = (rows: { _id: string; text: string }[]): { _id: string; text: string }[] => rows.map((row) => (row._id === id ? { ...row, text: `${row.text} poison` } : row));
  return where === 'corpus' ? { ...data, corpus: poison(data.corpus) } : { ...data, queries: poison(data.queries) };
}

async function mineIn(dir: string, args: readonly string[]): Promise<{ result: RunResult; output: string }> {
  const output = path.join(dir, 'out.jsonl');
  const result = await runCli(['mine', '--beir', dir, '--device', 'cpu', '--range-max', '3', ...args, '-o', output]);
  return { result, output };
}

function assertFailed(result: RunResult, output: string, code: string, exitCode: number, pattern: RegExp): void {
  assert.equal(result.code, exitCode, result.stderr);
  assert.match(plainStderr(result), pattern);
  assert.equal(logEvents(result).find((event) => event['event'] === 'error')?.['code'], code);
  assert.doesNotMatch(result.stderr, /at .*\.(js|ts):\d+/, 'no stack trace');
  assert.equal(existsSync(output), false, 'no output file');
  assert.deepEqual(readdirSync(path.dirname(output)).filter((name) => name.includes('tmp')), [], 'no temp files left');
}

/** A copy of a fixture model whose config.json is changed by `edit`. */
function editedModel(name: string, edit: (config: Record<string, unknown>) => void): string {
  const dir = path.join(tempDir(), name);
  cpSync(model(name), dir, { recursive: true });
  const config = JSON.parse(readFileSync(path.join(dir, 'config.json'), 'utf8')) as Record<string, unknown>;
  edit(config);
  writeFileSync(path.join(dir, 'config.json'), JSON.stringify(config));
  return dir;
}

function assertNoEmbedding(result: RunResult): void {
  assert.equal(logEvents(result).some((event) => event['stage'] === 'embed' || event['event'] === 'model_loaded'), false, 'failed before any model work');
}

describe('mine models', () => {
  it('mine models refuse a cross-encoder given as --model before embedding, naming the mix-up', async () => {
    const { result, output } = await mineIn(beirDir(CLEAN), ['--log-level', 'debug', '--model', model('cross-encoder')]);
    assertFailed(result, output, 'E_MODEL_MISMATCH', 2, /negmine: error: Model '.*cross-encoder' looks like a cross-encoder \(output 'logits' \[batch_size, 1\]\); pass it with --cross-encoder/);
    assertNoEmbedding(result);
  });

  it('mine models refuse a bi-encoder given as --cross-encoder before embedding, naming the mix-up', async () => {
    const { result, output } = await mineIn(beirDir(CLEAN), ['--log-level', 'debug', '--model', model('bi-encoder'), '--cross-encoder', model('bi-encoder-sentence-embedding'), '--relative-margin', '0.05']);
    assertFailed(result, output, 'E_MODEL_MISMATCH', 2, /Model '.*bi-encoder-sentence-embedding' looks like a bi-encoder \(output 'token_embeddings' \[batch_size, sequence_length, 384\]\); pass it with --model/);
    assertNoEmbedding(result);
  });

  it('mine models refuse --max-length beyond the position table before embedding', async () => {
    const { result, output } = await mineIn(beirDir(CLEAN), ['--log-level', 'debug', '--model', model('bi-encoder'), '--max-length', '1000']);
    assertFailed(result, output, 'E_MODEL_MISMATCH', 2, /--max-length 1000 is beyond the 512 token positions of model '.*bi-encoder' \(config.json max_position_embeddings 512\)/);
    assertNoEmbedding(result);
  });

  it('mine models refuse a tokenizer larger than the embedding table, naming both files', async () => {
    const small = editedModel('bi-encoder', (config) => {
      config['vocab_size'] = 1000;
    });
    const { result, output } = await mineIn(beirDir(CLEAN), ['--model', small]);
    assertFailed(result, output, 'E_MODEL_MISMATCH', 2, /Tokenizer '.*tokenizer\.json' has 30522 tokens but model '.*' embeds only 1000 \(config\.json vocab_size 1000\)/);
  });

  it('mine models stop with E_MODEL_OUTPUT naming the model and the corpus id when the bi-encoder yields NaN', async () => {
    const dir = beirDir(withPoison(CLEAN, 'corpus', 'd3'));
    const { result, output } = await mineIn(dir, ['--model', model('bi-encoder-nan')]);
    assertFailed(result, output, 'E_MODEL_OUTPUT', 1, /negmine: error: Model '.*bi-encoder-nan.*model\.onnx' produced NaN for corpus id 'd3'/);
  });

  it('mine models stop with E_MODEL_OUTPUT naming the query id when a query embeds as NaN', async () => {
    const dir = beirDir(withPoison(CLEAN, 'queries', 'q2'));
    const { result, output } = await mineIn(dir, ['--model', model('bi-encoder-nan')]);
    assertFailed(result, output, 'E_MODEL_OUTPUT', 1, /produced NaN for query id 'q2'/);
  });

  it('mine models stop with E_MODEL_OUTPUT naming the pair when the cross-encoder yields NaN', async () => {
    const dir = beirDir(withPoison(CLEAN, 'corpus', 'd4'));
    const { result, output } = await mineIn(dir, ['--model', model('bi-encoder'), '--cross-encoder', model('cross-encoder-nan'), '--relative-margin', '0.05']);
    assertFailed(result, output, 'E_MODEL_OUTPUT', 1, /Model '.*cross-encoder-nan.*' produced NaN for the pair of query id 'q\d' and corpus id 'd4'/);
  });

  it('mine models embed with a NaN-capable model when no text triggers it', async () => {
    const dir = beirDir(CLEAN);
    const { result, output } = await mineIn(dir, ['--quiet', '--model', model('bi-encoder-nan'), '--cross-encoder', model('cross-encoder-nan'), '--relative-margin', '0.05']);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(readJsonl(output).length, 2);
  });

  it('mine models apply the cross-encoder activation from config.json, Identity or Sigmoid, and --ce-activation overrides it', async () => {
    const dir = tempDir();
    const run = async (name: string, extra: string[] = []): Promise<number[]> => {
      const output = path.join(dir, `${name}-${extra.join('')}.jsonl`);
      const result = await runCli(['--quiet', 'mine', '--beir', CRAFTED, '--model', model('bi-encoder'), '--device', 'cpu', '--range-max', '10', '--cross-encoder', model(name), '--max-score', '100', ...extra, '-o', output]);
      assert.equal(result.code, 0, result.stderr);
      return readJsonl(output).flatMap((row) => [...(row['pos_scores'] as number[]), ...(row['neg_scores'] as number[])]);
    };
    const identity = await run('cross-encoder-identity');
    const sigmoidConfig = await run('cross-encoder');
    assert.ok(identity.some((score) => score < 0), `Identity keeps raw logits (some negative): ${identity.join(', ')}`);
    assert.ok(sigmoidConfig.every((score) => score > 0 && score < 1));
    assert.deepEqual(
      identity.map((logit) => sigmoid(logit).toFixed(5)),
      sigmoidConfig.map((score) => score.toFixed(5)),
    );
    assert.deepEqual(await run('cross-encoder-identity', ['--ce-activation', 'sigmoid']), sigmoidConfig);
  });

  // A batch of bi-encoder-slow takes ~100+ ms: signals land while a worker thread is inside onnxruntime's run().
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    it(`mine models exit 130 on ${signal} during embedding, leaving no output or temp files`, async () => {
      const words = 'alpha beta gamma delta epsilon zeta eta theta iota kappa lambda'.split(' ');
      const corpus = Array.from({ length: 2000 }, (_, i) => ({ _id: `d${i}`, text: Array.from({ length: 60 }, (_, j) => words[(i + j * 3) % words.length]).join(' ') }));
      const dir = beirDir({ corpus, queries: [{ _id: 'q0', text: 'alpha beta' }], qrels: [['q0', 'd0']] });
      const outDir = tempDir();
      for (let attempt = 0; attempt < 2; attempt += 1) {
        const child = spawn(process.execPath, [BIN, '--log-level', 'debug', 'mine', '--beir', dir, '--model', model('bi-encoder-slow'), '--device', 'cpu', '--threads', '1', '--cache-dir', path.join(outDir, 'cache'), '-o', path.join(outDir, 'out.jsonl')], { stdio: ['ignore', 'ignore', 'pipe'] });
        let stderr = '';
        const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
        await new Promise<void>((resolve) => {
          child.stderr.on('data', (chunk: Buffer) => {
            stderr += chunk.toString();
            // model_loaded comes just before the first batch: tokenizing takes a few hundred ms, then batches run: 400 and 800 ms land inside run().
            if (stderr.includes('"event":"model_loaded"')) setTimeout(resolve, 400 + attempt * 400);
          });
        });
        child.kill(signal);
        assert.equal(await exited, 130, stderr);
        assert.doesNotMatch(stderr, /terminate called|Napi::Error|internal error/);
        assert.match(stderr, new RegExp(`"event":"interrupted","signal":"${signal}"`));
        const left = readdirSync(outDir, { recursive: true }).map(String).filter((name) => !['cache'].includes(name));
        assert.deepEqual(left, [], 'no output or temp files');
      }
    });
  }
});
