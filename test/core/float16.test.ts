import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { float16ToFloat32, float32ToFloat16 } from '../../src/core/float16.ts';

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

describe('float16 narrowing', () => {
  it('float16 narrowing round-trips every finite half and rounds to nearest even', () => {
    const all = new Uint16Array(1 << 16).map((_, i) => i);
    const finite = all.filter((h) => (h & 0x7c00) !== 0x7c00);
    assert.deepEqual([...float32ToFloat16(float16ToFloat32(finite))], [...finite]);
    // 1 + 2^-11 is halfway between 1 and the next half: ties to even (1); 1 + 3 * 2^-11 rounds up to 1 + 2^-9.
    assert.deepEqual([...float32ToFloat16(Float32Array.of(1 + 2 ** -11, 1 + 3 * 2 ** -11, 65520, 1e-8, -3e-8, 2 ** -24 * 1.5, Infinity, Number.NaN))], [0x3c00, 0x3c02, 0x7c00, 0x0000, 0x8001, 0x0002, 0x7c00, 0x7e00]);
  });
});
