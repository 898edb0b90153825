/** Seeded standard normals (mulberry32 + Box-Muller), so failures reproduce. */
export function normals(count: number, seed: number): Float32Array {
  let state = seed >>> 0;
  const uniform = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = Math.imul(state ^ (state >>> 15), state | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (((t ^ (t >>> 14)) >>> 0) + 1) / 4294967297;
  };
  return Float32Array.from({ length: count }, () => Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform()));
}

/** Euclidean length, by a loop (Math.hypot(...v) would spread the vector into arguments). */
export function euclideanNorm(values: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += (values[i] ?? 0) ** 2;
  return Math.sqrt(sum);
}

/** Scales each row of a row-major [rows, dim] matrix to unit length, in place. */
export function normalizeRows(vectors: Float32Array, dim: number): Float32Array {
  for (let row = 0; row < vectors.length / dim; row++) {
    const v = vectors.subarray(row * dim, (row + 1) * dim);
    const norm = euclideanNorm(v);
    for (let j = 0; j < dim; j++) v[j] = (v[j] ?? 0) / norm;
  }
  return vectors;
}

/** Seeded random unit vectors, row-major [rows, dim]. */
export function unitVectors(rows: number, dim: number, seed: number): Float32Array {
  return normalizeRows(normals(rows * dim, seed), dim);
}

/** Top-k by inner product in plain TypeScript, in double precision. */
export function bruteForce(vectors: Float32Array, queries: Float32Array, dim: number, k: number): { ids: number[]; scores: number[] } {
  const ids: number[] = [];
  const scores: number[] = [];
  for (let q = 0; q < queries.length / dim; q++) {
    const scored: { id: number; score: number }[] = [];
    for (let row = 0; row < vectors.length / dim; row++) {
      let dot = 0;
      for (let j = 0; j < dim; j++) dot += (queries[q * dim + j] ?? 0) * (vectors[row * dim + j] ?? 0);
      scored.push({ id: row, score: dot });
    }
    scored.sort((a, b) => b.score - a.score);
    for (const hit of scored.slice(0, k)) {
      ids.push(hit.id);
      scores.push(hit.score);
    }
  }
  return { ids, scores };
}

/** Share of `reference`'s top-k ids per query that `result`'s top-k also holds, over all queries. */
export function topKOverlap(result: { ids: Int32Array; k: number }, reference: { ids: Int32Array; k: number }, k: number): number {
  const rows = reference.ids.length / reference.k;
  let shared = 0;
  for (let q = 0; q < rows; q += 1) {
    const want = new Set(reference.ids.subarray(q * reference.k, q * reference.k + k));
    for (const id of result.ids.subarray(q * result.k, q * result.k + k)) if (want.has(id)) shared += 1;
  }
  return shared / (rows * k);
}
