/**
 * Search output of one block of consecutive queries, row-major [count, k]; id -1 marks an empty slot.
 * Search streams these blocks (k may differ between blocks: the deepest query of the block decides it),
 * so no stage ever holds the hits of every query at once.
 */
export interface HitBlock {
  /** Index of the block's first query. */
  start: number;
  /** Queries in the block. */
  count: number;
  /** Slots per query. */
  k: number;
  scores: Float32Array;
  ids: Int32Array;
}

/** One query's row of a block: views, not copies. */
export interface HitRow {
  ids: Int32Array;
  scores: Float32Array;
}

/** The row of query `query` (an index over all queries) in `block`. */
export function hitRow(block: HitBlock, query: number): HitRow {
  const row = query - block.start;
  if (row < 0 || row >= block.count) throw new RangeError(`query ${query} is outside the hit block [${block.start}, ${block.start + block.count})`);
  return { ids: block.ids.subarray(row * block.k, (row + 1) * block.k), scores: block.scores.subarray(row * block.k, (row + 1) * block.k) };
}
