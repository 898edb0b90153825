import type { HitBlock } from '../core/hits.ts';
import type { TableRow } from '../core/table.ts';
import type { StatsSnapshot } from '../mine/stats.ts';
import type { ChunkData } from './chunk-file.ts';
import type { ChunkArray, VectorDtype } from '../core/vector-chunks.ts';

/** The content of each stage's chunks, and the checks that a decoded chunk fits the rows asked for. */

export function vectorChunk(vectors: ChunkArray, rows: number, dim: number): ChunkData {
  return { meta: { rows, dim }, arrays: [vectors] };
}

/**
 * Vectors of a chunk of `rows` rows at the run's stored precision (float32 values, or float16 bits in a
 * Uint16Array), undefined when the stored chunk holds another shape or precision.
 */
export function vectorsOf(data: ChunkData, rows: number, dtype: VectorDtype): { vectors: ChunkArray; dim: number } | undefined {
  const [vectors] = data.arrays;
  const dim = data.meta['dim'];
  const stored = dtype === 'float32' ? vectors instanceof Float32Array : vectors instanceof Uint16Array;
  if (!stored || vectors === undefined || data.meta['rows'] !== rows || typeof dim !== 'number' || vectors.length !== rows * dim) return undefined;
  return { vectors: vectors as ChunkArray, dim };
}

/** A hit block, with the searcher's probe settings (IVF nprobe, HNSW efSearch; -1 for none) for the report. */
export function hitChunk(block: HitBlock, probes: { nprobe?: number; efSearch?: number }): ChunkData {
  return { meta: { start: block.start, count: block.count, k: block.k, nprobe: probes.nprobe ?? -1, efSearch: probes.efSearch ?? -1 }, arrays: [block.scores, block.ids] };
}

export function hitsOf(data: ChunkData, start: number, count: number): { block: HitBlock; nprobe?: number; efSearch?: number } | undefined {
  const [scores, ids] = data.arrays;
  const { k, nprobe, efSearch } = data.meta;
  if (!(scores instanceof Float32Array) || !(ids instanceof Int32Array) || typeof k !== 'number' || data.meta['start'] !== start || data.meta['count'] !== count) return undefined;
  if (scores.length !== count * k || ids.length !== count * k) return undefined;
  return {
    block: { start, count, k, scores, ids },
    ...(typeof nprobe === 'number' && nprobe >= 0 ? { nprobe } : {}),
    ...(typeof efSearch === 'number' && efSearch >= 0 ? { efSearch } : {}),
  };
}

export function scoreChunk(scores: Float32Array): ChunkData {
  return { meta: { pairs: scores.length }, arrays: [scores] };
}

export function scoresOf(data: ChunkData, pairs: number): Float32Array | undefined {
  const [scores] = data.arrays;
  return scores instanceof Float32Array && scores.length === pairs && data.meta['pairs'] === pairs ? scores : undefined;
}

/**
 * One query block's output: its rows, rows per written query (the writer groups by queries), its statistics and the
 * searcher's probe settings, so a run that finds every part stored reports what the run that made them did.
 */
export interface OutputPart {
  rows: TableRow[];
  rowsPerQuery: number[];
  stats: StatsSnapshot;
  probes?: { nprobe?: number; efSearch?: number };
}

// JSON has no NaN, Infinity or -0; rows and statistics may hold them (a NaN score is written as such to Parquet).
const SPECIAL = '~number';

function replacer(_key: string, value: unknown): unknown {
  if (typeof value !== 'number') return value;
  if (Number.isNaN(value)) return { [SPECIAL]: 'NaN' };
  if (value === Number.POSITIVE_INFINITY) return { [SPECIAL]: 'Infinity' };
  if (value === Number.NEGATIVE_INFINITY) return { [SPECIAL]: '-Infinity' };
  if (Object.is(value, -0)) return { [SPECIAL]: '-0' };
  return value;
}

function reviver(_key: string, value: unknown): unknown {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return value;
  const special = (value as Record<string, unknown>)[SPECIAL];
  return typeof special === 'string' && Object.keys(value).length === 1 ? Number(special) : value;
}

export function partChunk(part: OutputPart): ChunkData {
  const bytes = Buffer.from(JSON.stringify(part, replacer), 'utf8');
  return { meta: { rows: part.rows.length }, arrays: [new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength)] };
}

export function partOf(data: ChunkData): OutputPart | undefined {
  const [bytes] = data.arrays;
  if (!(bytes instanceof Uint8Array)) return undefined;
  try {
    const part = JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8'), reviver) as OutputPart;
    // A part stored by an earlier layout of the statistics is not this one's: it is recomputed.
    const stats = part.stats as Partial<StatsSnapshot> | undefined;
    const statsOk = Array.isArray(stats?.rowNegativeScores) && Array.isArray(stats.positiveCounts) && Array.isArray(stats.rowNegativeCounts);
    return Array.isArray(part.rows) && Array.isArray(part.rowsPerQuery) && part.rows.length === data.meta['rows'] && statsOk ? part : undefined;
  } catch {
    return undefined;
  }
}
