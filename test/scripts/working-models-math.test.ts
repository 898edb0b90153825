import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { normalizedBm25 } from '../../scripts/working-models/bm25.ts';
import { toFloat16Bits as toHalfBits } from '../../src/core/float16.ts';
import { orthonormalizeColumns, sparseTimes, symmetricEigen, truncatedSvd, type SparseColumns } from '../../scripts/working-models/svd.ts';

/** CSC of a dense row-major matrix. */
function sparse(rows: number, cols: number, dense: readonly number[]): SparseColumns {
  const colStart = [0];
  const rowIndex: number[] = [];
  const values: number[] = [];
  for (let c = 0; c < cols; c += 1) {
    for (let r = 0; r < rows; r += 1) {
      const value = dense[r * cols + c] ?? 0;
      if (value !== 0) {
        rowIndex.push(r);
        values.push(value);
      }
    }
    colStart.push(rowIndex.length);
  }
  return { rows, cols, colStart: Int32Array.from(colStart), rowIndex: Int32Array.from(rowIndex), values: Float64Array.from(values) };
}

describe('working-model generator math', () => {
  it('truncatedSvd finds the singular values and left vectors of a known matrix', () => {
    // A = diag(5, 3, 1) padded to 4 x 3 with a zero row, then rows permuted: singular values 5, 3, 1.
    const a = sparse(4, 3, [0, 3, 0, 0, 0, 0, 5, 0, 0, 0, 0, 1]);
    const { u, s } = truncatedSvd(a, 2, { seed: 3, oversample: 1, powerIterations: 2 });
    assert.deepEqual(Array.from(s, (x) => Number(x.toFixed(9))), [5, 3]);
    // U's first column is e_2 (the row holding 5), the second e_0 (the row holding 3), signs made positive.
    assert.deepEqual(Array.from(u.data, (x) => Number(x.toFixed(9)) + 0), [0, 1, 0, 0, 1, 0, 0, 0]);
  });

  it('truncatedSvd reproduces a random low-rank matrix: A·Aᵀ·U = U·S²', () => {
    const rows = 30;
    const cols = 20;
    const dense = Array.from({ length: rows * cols }, (_, i) => ((i * 7919) % 13) - 6);
    const a = sparse(rows, cols, dense);
    const { u, s } = truncatedSvd(a, 4, { seed: 1, powerIterations: 8 });
    const at = sparse(cols, rows, Array.from({ length: rows * cols }, (_, i) => dense[(i % rows) * cols + Math.floor(i / rows)] ?? 0));
    const aatU = sparseTimes(a, sparseTimes(at, u));
    for (let r = 0; r < rows; r += 1) for (let j = 0; j < 4; j += 1) assert.ok(Math.abs((aatU.data[r * 4 + j] ?? 0) - (u.data[r * 4 + j] ?? 0) * (s[j] ?? 0) ** 2) < 1e-6 * (s[0] ?? 1) ** 2);
    assert.ok(Array.from(s).every((x, i) => i === 0 || x <= (s[i - 1] ?? 0)));
  });

  it('symmetricEigen and orthonormalizeColumns', () => {
    const { values, vectors } = symmetricEigen(Float64Array.from([2, 1, 1, 2]), 2);
    assert.deepEqual(Array.from(values, (x) => Number(x.toFixed(12))), [3, 1]);
    assert.ok(Math.abs(Math.abs(vectors.data[0] ?? 0) - Math.SQRT1_2) < 1e-12);
    const m = orthonormalizeColumns({ rows: 3, cols: 2, data: Float64Array.from([1, 1, 0, 1, 0, 0]) });
    const dot = (i: number, j: number): number => [0, 1, 2].reduce((sum, r) => sum + (m.data[r * 2 + i] ?? 0) * (m.data[r * 2 + j] ?? 0), 0);
    assert.ok(Math.abs(dot(0, 0) - 1) < 1e-12 && Math.abs(dot(1, 1) - 1) < 1e-12 && Math.abs(dot(0, 1)) < 1e-12);
  });

  it('toHalfBits rounds to nearest even', () => {
    assert.deepEqual([1, -2, 0.5, 65504, 1e6, 2 ** -24, 1 + 2 ** -11, 1 + 3 * 2 ** -11, 0].map(toHalfBits), [0x3c00, 0xc000, 0x3800, 0x7bff, 0x7c00, 0x0001, 0x3c00, 0x3c02, 0]);
  });

  it('normalizedBm25 is 1 for a query whose pieces each occur once in a passage of average length', () => {
    const idf = Float64Array.from({ length: 2000 }, (_, id) => (id >= 1000 ? 1 + id / 1000 : 0));
    const params = { k1: 1.2, b: 0.75, avgLength: 4, idf };
    assert.ok(Math.abs(normalizedBm25([1001, 1500], [1001, 1500, 1700, 1800], params) - 1) < 1e-12);
    assert.equal(normalizedBm25([1001], [1500, 1700], params), 0);
    // [CLS]/[SEP] are not terms: they neither match nor lengthen the passage.
    assert.equal(normalizedBm25([101, 1001, 102], [1001, 1500, 1700, 1800, 102], params), normalizedBm25([1001], [1001, 1500, 1700, 1800], params));
  });
});
