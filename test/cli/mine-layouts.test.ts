import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { REPO_ROOT, runCli } from '../helpers/cli.ts';
import { readJsonl, type Row } from '../helpers/read-output.ts';
import { jsonl, tempDir, tempFiles } from '../helpers/temp.ts';

const CRAFTED = path.join(REPO_ROOT, 'fixtures', 'data', 'mine-crafted');
const EXPECTED = path.join(CRAFTED, 'expected');
const MODELS = path.join(REPO_ROOT, 'fixtures', 'models');
const BASE = ['--quiet', 'mine', '--beir', CRAFTED, '--model', path.join(MODELS, 'bi-encoder'), '--device', 'cpu', '--range-max', '20', '--dup-threshold', '0.9'];
const WITH_CE = ['--cross-encoder', path.join(MODELS, 'cross-encoder'), '--relabel', '--ce-max-score', '0.3'];

/** Equal as JSON, numbers within 1e-5 (scores come from onnxruntime's CPU kernels, which may round differently per CPU). */
function assertClose(actual: unknown, expected: unknown, where: string): void {
  if (typeof expected === 'number' && typeof actual === 'number') {
    assert.ok(Math.abs(actual - expected) < 1e-5, `${where}: ${actual} is not ${expected}`);
    return;
  }
  if (Array.isArray(expected)) {
    assert.ok(Array.isArray(actual) && actual.length === expected.length, `${where}: ${JSON.stringify(actual)} is not ${JSON.stringify(expected)}`);
    expected.forEach((item, i) => {
      assertClose((actual as unknown[])[i], item, `${where}[${i}]`);
    });
    return;
  }
  if (expected !== null && typeof expected === 'object') {
    assert.ok(actual !== null && typeof actual === 'object', `${where}: not an object`);
    assert.deepEqual(Object.keys(actual), Object.keys(expected), `${where}: columns`);
    for (const [key, value] of Object.entries(expected)) assertClose((actual as Row)[key], value, `${where}.${key}`);
    return;
  }
  assert.equal(actual, expected, where);
}

describe('mine layouts', () => {
  it('mine layouts match the golden output of every layout, with and without --scores', async () => {
    const dir = tempDir();
    const goldens = readdirSync(EXPECTED).filter((name) => name.endsWith('.jsonl'));
    assert.equal(goldens.length, 9);
    for (const golden of goldens) {
      const name = golden.replace(/\.jsonl$/, '');
      const layout = name.replace(/-scores$/, '');
      const output = path.join(dir, golden);
      const result = await runCli([...BASE, ...WITH_CE, '--format', layout, ...(name.endsWith('-scores') ? ['--scores'] : []), '-o', output]);
      assert.equal(result.code, 0, result.stderr);
      const actual = readJsonl(output);
      const expected = readJsonl(path.join(EXPECTED, golden));
      assert.equal(actual.length, expected.length, `${golden}: row count`);
      expected.forEach((row, i) => {
        assertClose(actual[i], row, `${golden} row ${i + 1}`);
      });
    }
  });

  it('mine layouts with --scores pair each triplet with its positive and negative scores from the FlagEmbedding record', async () => {
    const dir = tempDir();
    const run = async (args: string[]): Promise<Row[]> => {
      const output = path.join(dir, `out${args.join('')}.jsonl`);
      const result = await runCli([...BASE, ...WITH_CE, ...args, '-o', output]);
      assert.equal(result.code, 0, result.stderr);
      return readJsonl(output);
    };
    const [record] = await run([]);
    const [triplet] = await run(['--format', 'triplet', '--scores']);
    assert.deepEqual(Object.keys(triplet ?? {}), ['anchor', 'positive', 'negative', 'scores']);
    assert.equal(triplet?.['negative'], (record?.['neg'] as string[])[0]);
    assert.deepEqual(triplet?.['scores'], [(record?.['pos_scores'] as number[])[0], (record?.['neg_scores'] as number[])[0]]);
  });

  it('mine layouts add --relabel candidates as extra positive rows in sentence-transformers layouts', async () => {
    const record = readJsonl(path.join(EXPECTED, 'flagembedding.jsonl')).find((row) => row['query_id'] === 'q-solar') ?? {};
    assert.deepEqual(record['relabeled'], ['how do solar panels work at night']);
    const dir = tempDir();
    const result = await runCli([...BASE, ...WITH_CE, '--format', 'triplet', '-o', path.join(dir, 'out.jsonl')]);
    assert.equal(result.code, 0, result.stderr);
    const positives = new Set(readJsonl(path.join(dir, 'out.jsonl')).map((row) => row['positive']));
    assert.ok(positives.has('how do solar panels work at night'), 'the relabeled candidate is a positive');
    assert.ok(positives.has('solar panels work by turning sunlight into electricity'));
  });

  it('mine keeps FlagEmbedding prompt, type and teacher scores end to end, and the input column names in triplets', async () => {
    const dir = tempFiles({
      'train.jsonl': jsonl(
        { query: 'what is the boiling point of water', pos: ['Water boils at 100 degrees Celsius at sea level.'], neg: ['Ice melts at 0 degrees Celsius.'], pos_scores: [9.5], neg_scores: [-3.25], prompt: 'Represent this query: ', type: 'normal' },
        { query: 'who wrote pride and prejudice', pos: ['Pride and Prejudice is a novel by Jane Austen, published in 1813.'], neg: [], pos_scores: [8], neg_scores: [], prompt: 'Represent this query: ', type: 'symmetric' },
      ),
    });
    const common = ['--quiet', 'mine', '--data', path.join(dir, 'train.jsonl'), '--corpus', path.join(REPO_ROOT, 'fixtures', 'data', 'corpus.jsonl'), '--model', path.join(MODELS, 'bi-encoder'), '--device', 'cpu', '--num-negatives', '2'];
    const fe = await runCli([...common, '-o', path.join(dir, 'fe.jsonl')]);
    assert.equal(fe.code, 0, fe.stderr);
    const records = readJsonl(path.join(dir, 'fe.jsonl'));
    assert.deepEqual(records.map((r) => [r['prompt'], r['type']]), [['Represent this query: ', 'normal'], ['Represent this query: ', 'symmetric']]);
    const water: Row = records[0] ?? {};
    const austen: Row = records[1] ?? {};
    assert.deepEqual(water['pos_scores'], [9.5], 'the teacher score of a positive is kept');
    const waterNeg = water['neg'] as string[];
    const waterNegScores = water['neg_scores'] as number[];
    assert.equal(waterNeg[0], 'Ice melts at 0 degrees Celsius.');
    assert.equal(waterNegScores[0], -3.25, 'the teacher score of a given negative is kept');
    assert.equal(waterNegScores.length, waterNeg.length, 'neg_scores stay aligned with neg');
    assert.ok(waterNeg.length > 1, 'new negatives were mined beside the given one');
    assert.equal((water['mined_neg_scores'] as number[]).length, waterNeg.length);
    assert.deepEqual(austen['pos_scores'], [8]);
    const triplet = await runCli([...common, '--format', 'triplet', '-o', path.join(dir, 't.jsonl')]);
    assert.equal(triplet.code, 0, triplet.stderr);
    assert.deepEqual(Object.keys(readJsonl(path.join(dir, 't.jsonl'))[0] ?? {}), ['query', 'pos', 'negative']);
  });
});
