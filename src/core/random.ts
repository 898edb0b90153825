/** A small seeded PRNG (mulberry32): the same seed gives the same sequence on every platform. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Seed for one query, from the run's seed and the query's id: independent of the query's position, so batching,
 * sharding, or reordering and filtering the input never changes a query's sample.
 */
export function querySeed(seed: number, queryId: string): number {
  // FNV-1a over the id's UTF-16 code units, then mixed with the seed (murmur3's finalizer).
  let hash = 0x811c9dc5;
  for (let i = 0; i < queryId.length; i += 1) hash = Math.imul(hash ^ queryId.charCodeAt(i), 0x01000193);
  let h = (hash ^ Math.imul(seed >>> 0, 0x9e3779b1)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** k distinct indices from [0, n), in sampled order (partial Fisher-Yates). */
export function sampleIndices(n: number, k: number, random: () => number): number[] {
  const pool = Array.from({ length: n }, (_, i) => i);
  const count = Math.min(k, n);
  for (let i = 0; i < count; i += 1) {
    const j = i + Math.floor(random() * (n - i));
    [pool[i], pool[j]] = [pool[j] ?? 0, pool[i] ?? 0];
  }
  return pool.slice(0, count);
}
