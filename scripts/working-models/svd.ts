// Truncated SVD of a sparse matrix by randomized subspace iteration (Halko, Martinsson & Tropp 2011), in plain
// TypeScript with a seeded generator, so the same input gives the same bytes on every run.

import { seededRandom } from '../../src/core/random.ts';

/** A sparse matrix in compressed sparse column form: column c holds rows[colStart[c]..colStart[c+1]). */
export interface SparseColumns {
  rows: number;
  cols: number;
  colStart: Int32Array;
  rowIndex: Int32Array;
  values: Float64Array;
}

/** A dense row-major matrix. */
export interface Dense {
  rows: number;
  cols: number;
  data: Float64Array;
}

/** Standard normal draws (Box-Muller) from a seeded uniform generator. */
export function gaussianMatrix(rows: number, cols: number, seed: number): Dense {
  const uniform = seededRandom(seed);
  const data = new Float64Array(rows * cols);
  for (let i = 0; i < data.length; i += 2) {
    const u = 1 - uniform();
    const v = uniform();
    const radius = Math.sqrt(-2 * Math.log(u));
    data[i] = radius * Math.cos(2 * Math.PI * v);
    if (i + 1 < data.length) data[i + 1] = radius * Math.sin(2 * Math.PI * v);
  }
  return { rows, cols, data };
}

/** A · M for sparse A [r, c] and dense M [c, k]: [r, k]. */
export function sparseTimes(a: SparseColumns, m: Dense): Dense {
  const k = m.cols;
  const out = new Float64Array(a.rows * k);
  for (let c = 0; c < a.cols; c += 1) {
    const from = c * k;
    for (let p = a.colStart[c] ?? 0; p < (a.colStart[c + 1] ?? 0); p += 1) {
      const to = (a.rowIndex[p] ?? 0) * k;
      const value = a.values[p] ?? 0;
      for (let j = 0; j < k; j += 1) out[to + j] = (out[to + j] ?? 0) + value * (m.data[from + j] ?? 0);
    }
  }
  return { rows: a.rows, cols: k, data: out };
}

/** Aᵀ · M for sparse A [r, c] and dense M [r, k]: [c, k]. */
export function sparseTransposeTimes(a: SparseColumns, m: Dense): Dense {
  const k = m.cols;
  const out = new Float64Array(a.cols * k);
  for (let c = 0; c < a.cols; c += 1) {
    const to = c * k;
    for (let p = a.colStart[c] ?? 0; p < (a.colStart[c + 1] ?? 0); p += 1) {
      const from = (a.rowIndex[p] ?? 0) * k;
      const value = a.values[p] ?? 0;
      for (let j = 0; j < k; j += 1) out[to + j] = (out[to + j] ?? 0) + value * (m.data[from + j] ?? 0);
    }
  }
  return { rows: a.cols, cols: k, data: out };
}

/** Orthonormalizes the columns of M in place (modified Gram-Schmidt, twice for stability); a dependent column becomes 0. */
export function orthonormalizeColumns(m: Dense): Dense {
  const { rows, cols, data } = m;
  // Work on contiguous columns.
  const columns = Array.from({ length: cols }, (_, j) => Float64Array.from({ length: rows }, (_, r) => data[r * cols + j] ?? 0));
  for (let pass = 0; pass < 2; pass += 1) {
    columns.forEach((column, j) => {
      let before = 0;
      for (let r = 0; r < rows; r += 1) before += (column[r] ?? 0) ** 2;
      for (let i = 0; i < j; i += 1) {
        const other = columns[i] ?? column;
        let dot = 0;
        for (let r = 0; r < rows; r += 1) dot += (other[r] ?? 0) * (column[r] ?? 0);
        for (let r = 0; r < rows; r += 1) column[r] = (column[r] ?? 0) - dot * (other[r] ?? 0);
      }
      let norm = 0;
      for (let r = 0; r < rows; r += 1) norm += (column[r] ?? 0) ** 2;
      // A column (numerically) inside the span of the previous ones is dropped, not blown up into noise.
      const scale = norm > 1e-20 * before && norm > 1e-300 ? 1 / Math.sqrt(norm) : 0;
      for (let r = 0; r < rows; r += 1) column[r] = (column[r] ?? 0) * scale;
    });
  }
  columns.forEach((column, j) => {
    for (let r = 0; r < rows; r += 1) data[r * cols + j] = column[r] ?? 0;
  });
  return m;
}

/**
 * Eigen-decomposition of a symmetric n x n matrix (row-major) by cyclic Jacobi rotations: eigenvalues in descending
 * order and the eigenvectors as the columns of an n x n matrix.
 */
export function symmetricEigen(matrix: Float64Array, n: number): { values: Float64Array; vectors: Dense } {
  const a = Float64Array.from(matrix);
  const v = new Float64Array(n * n);
  for (let i = 0; i < n; i += 1) v[i * n + i] = 1;
  for (let sweep = 0; sweep < 100; sweep += 1) {
    let off = 0;
    for (let p = 0; p < n; p += 1) for (let q = p + 1; q < n; q += 1) off += (a[p * n + q] ?? 0) ** 2;
    if (off < 1e-30) break;
    for (let p = 0; p < n; p += 1) {
      for (let q = p + 1; q < n; q += 1) {
        const apq = a[p * n + q] ?? 0;
        if (Math.abs(apq) < 1e-300) continue;
        const theta = ((a[q * n + q] ?? 0) - (a[p * n + p] ?? 0)) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < n; k += 1) {
          const akp = a[k * n + p] ?? 0;
          const akq = a[k * n + q] ?? 0;
          a[k * n + p] = c * akp - s * akq;
          a[k * n + q] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k += 1) {
          const apk = a[p * n + k] ?? 0;
          const aqk = a[q * n + k] ?? 0;
          a[p * n + k] = c * apk - s * aqk;
          a[q * n + k] = s * apk + c * aqk;
        }
        for (let k = 0; k < n; k += 1) {
          const vkp = v[k * n + p] ?? 0;
          const vkq = v[k * n + q] ?? 0;
          v[k * n + p] = c * vkp - s * vkq;
          v[k * n + q] = s * vkp + c * vkq;
        }
      }
    }
  }
  const order = Array.from({ length: n }, (_, i) => i).sort((x, y) => (a[y * n + y] ?? 0) - (a[x * n + x] ?? 0) || x - y);
  const values = Float64Array.from(order, (i) => a[i * n + i] ?? 0);
  const vectors = new Float64Array(n * n);
  order.forEach((from, to) => {
    for (let k = 0; k < n; k += 1) vectors[k * n + to] = v[k * n + from] ?? 0;
  });
  return { values, vectors: { rows: n, cols: n, data: vectors } };
}

export interface TruncatedSvd {
  /** Left singular vectors [rows, rank], column j for singular value j. */
  u: Dense;
  /** Singular values, descending. */
  s: Float64Array;
}

/**
 * The top `rank` singular triplets' left side of A: Y = A·Ω, `powerIterations` rounds of Y = A·(Aᵀ·Y) with
 * re-orthonormalization, Q = orth(Y), then the eigen-decomposition of (QᵀA)(QᵀA)ᵀ gives U = Q·W and S = sqrt(λ).
 */
export function truncatedSvd(a: SparseColumns, rank: number, options: { oversample?: number; powerIterations?: number; seed?: number } = {}): TruncatedSvd {
  const width = Math.min(rank + (options.oversample ?? 16), a.rows, a.cols);
  let q = orthonormalizeColumns(sparseTimes(a, gaussianMatrix(a.cols, width, options.seed ?? 1)));
  for (let round = 0; round < (options.powerIterations ?? 4); round += 1) {
    const z = orthonormalizeColumns(sparseTransposeTimes(a, q));
    q = orthonormalizeColumns(sparseTimes(a, z));
  }
  const bt = sparseTransposeTimes(a, q); // (QᵀA)ᵀ = AᵀQ: [cols, width]
  const gram = new Float64Array(width * width);
  for (let r = 0; r < bt.rows; r += 1) {
    for (let i = 0; i < width; i += 1) {
      const bi = bt.data[r * width + i] ?? 0;
      if (bi === 0) continue;
      for (let j = i; j < width; j += 1) gram[i * width + j] = (gram[i * width + j] ?? 0) + bi * (bt.data[r * width + j] ?? 0);
    }
  }
  for (let i = 0; i < width; i += 1) for (let j = 0; j < i; j += 1) gram[i * width + j] = gram[j * width + i] ?? 0;
  const { values, vectors } = symmetricEigen(gram, width);
  const kept = Math.min(rank, width);
  const u = new Float64Array(a.rows * kept);
  for (let r = 0; r < a.rows; r += 1) {
    for (let j = 0; j < kept; j += 1) {
      let sum = 0;
      for (let i = 0; i < width; i += 1) sum += (q.data[r * width + i] ?? 0) * (vectors.data[i * width + j] ?? 0);
      u[r * kept + j] = sum;
    }
  }
  // Fix each vector's sign (largest-magnitude entry positive) so the result does not depend on rotation signs.
  for (let j = 0; j < kept; j += 1) {
    let best = 0;
    for (let r = 0; r < a.rows; r += 1) if (Math.abs(u[r * kept + j] ?? 0) > Math.abs(best)) best = u[r * kept + j] ?? 0;
    if (best < 0) for (let r = 0; r < a.rows; r += 1) u[r * kept + j] = -(u[r * kept + j] ?? 0);
  }
  return { u: { rows: a.rows, cols: kept, data: u }, s: Float64Array.from(values.subarray(0, kept), (x) => Math.sqrt(Math.max(x, 0))) };
}
