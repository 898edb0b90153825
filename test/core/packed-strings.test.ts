import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PackedStrings } from '../../src/core/packed-strings.ts';

describe('PackedStrings', () => {
  it('returns every string it was given, by index, across buffer growth', () => {
    const values = Array.from({ length: 5000 }, (_, i) => (i % 7 === 0 ? '' : `doc-${i}-${'é☃𝄞'.repeat(i % 4)}`));
    const packed = PackedStrings.from(values);
    assert.equal(packed.length, values.length);
    assert.deepEqual(packed.toArray(), values);
    assert.equal(packed.at(-1), undefined);
    assert.equal(packed.at(values.length), undefined);
    assert.equal(packed.at(1.5), undefined);
  });

  it('refuses a lone surrogate instead of storing a replacement character', () => {
    const packed = new PackedStrings();
    assert.throws(() => packed.push('a\uD800b'), /lone surrogate/);
    assert.equal(packed.length, 0);
  });
});
