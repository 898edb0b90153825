import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { NegmineError } from '../../src/core/errors.ts';
import { normalizeRows, pool, poolingModesFromConfig, poolTokenStates } from '../../src/model/pooling.ts';

// One text of 3 positions (the last one padding), hidden size 2.
const STATES = Float32Array.from([1, 2, 3, 4, 100, 100]);
const MASK = [1, 1, 0];

describe('pooling', () => {
  it('pooling computes every mode over unmasked tokens only', () => {
    const run = (mode: Parameters<typeof pool>[5][number]) => [...pool(STATES, MASK, 1, 3, 2, [mode])];
    assert.deepEqual(run('cls'), [1, 2]);
    assert.deepEqual(run('lasttoken'), [3, 4]);
    assert.deepEqual(run('max'), [3, 4]);
    assert.deepEqual(run('mean'), [2, 3]);
    assert.deepEqual(run('mean_sqrt_len').map((v) => Number(v.toFixed(5))), [Number((4 / Math.SQRT2).toFixed(5)), Number((6 / Math.SQRT2).toFixed(5))]);
    // weights 1 and 2: (1*1 + 2*3) / 3, (1*2 + 2*4) / 3
    assert.deepEqual(run('weightedmean').map((v) => Number(v.toFixed(5))), [Number((7 / 3).toFixed(5)), Number((10 / 3).toFixed(5))]);
  });

  it('pooling concatenates several modes in sentence-transformers order', () => {
    assert.deepEqual([...pool(STATES, MASK, 1, 3, 2, ['cls', 'mean'])], [1, 2, 2, 3]);
  });

  it('pooling token states for a runner gives [rows, hidden * modes] and rejects outputs that are not token states', () => {
    const request = { modes: ['cls', 'mean'] as const, mask: BigInt64Array.from([1n, 1n, 0n]), rows: 1, seq: 3 };
    const pooled = poolTokenStates('last_hidden_state', STATES, [1, 3, 2], request);
    assert.deepEqual(pooled.dims, [1, 4]);
    assert.deepEqual([...pooled.data], [1, 2, 2, 3]);
    const wrong = (dims: number[]) => () => poolTokenStates('pooler_output', STATES, dims, request);
    const named = (error: unknown) => error instanceof NegmineError && error.code === 'E_MODEL_LOAD' && error.message.startsWith("ONNX output 'pooler_output' has shape [1, 6]");
    assert.throws(wrong([1, 6]), named);
    assert.throws(wrong([2, 3, 1]), (error: unknown) => error instanceof NegmineError && error.message.includes('[2, 3, 1]'));
  });

  it('pooling of a text without tokens gives zeros', () => {
    assert.deepEqual([...pool(STATES, [0, 0, 0], 1, 3, 2, ['max'])], [0, 0]);
    assert.deepEqual([...pool(STATES, [0, 0, 0], 1, 3, 2, ['mean'])], [0, 0]);
  });

  it('pooling reads legacy and new pooling configs', () => {
    assert.deepEqual(poolingModesFromConfig({ pooling_mode_mean_tokens: true, pooling_mode_cls_token: false }), ['mean']);
    assert.deepEqual(poolingModesFromConfig({ pooling_mode_cls_token: true, pooling_mode_mean_tokens: true }), ['cls', 'mean']);
    assert.deepEqual(poolingModesFromConfig({ pooling_mode: 'lasttoken' }), ['lasttoken']);
    assert.deepEqual(poolingModesFromConfig({ pooling_mode: 'mean_sqrt_len_tokens' }), ['mean_sqrt_len']);
    assert.equal(poolingModesFromConfig({ word_embedding_dimension: 384 }), undefined);
  });

  it('pooling normalizes rows to unit length and leaves zero rows alone', () => {
    assert.deepEqual([...normalizeRows(Float32Array.from([3, 4, 0, 0]), 2)], [0.6000000238418579, 0.800000011920929, 0, 0]);
  });
});
