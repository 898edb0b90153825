import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { float16ToFloat32 } from '../../src/core/float16.ts';

describe('float16', () => {
  it('float16 widens normal, subnormal, zero, infinite and NaN halves', () => {
    const halves = Uint16Array.from([0x3c00, 0xc000, 0x3555, 0x0001, 0x0000, 0x8000, 0x7c00, 0xfc00, 0x7e00, 0x7bff]);
    const values = [...float16ToFloat32(halves)];
    assert.deepEqual(values.slice(0, 2), [1, -2]);
    assert.ok(Math.abs((values[2] ?? 0) - 0.33325195) < 1e-7);
    assert.equal(values[3], 2 ** -24);
    assert.ok(Object.is(values[4], 0) && Object.is(values[5], -0));
    assert.deepEqual(values.slice(6, 8), [Infinity, -Infinity]);
    assert.ok(Number.isNaN(values[8]));
    assert.equal(values[9], 65504);
  });
});
