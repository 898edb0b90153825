import { NegmineError, errorMessage } from '../core/errors.ts';
import { seededRandom } from '../core/random.ts';
import { asVectorChunks, VectorChunks } from '../core/vector-chunks.ts';
import { buildFlatIndex, checkFlatIndexBytes, faissNode, readIndexHeader, type FaissIndex } from './flat-index.ts';
import { trainInChild } from './train-in-child.ts';

/** Top-k per query, row-major [nq, k]; rows an approximate index could not fill end in id -1, score -Infinity. */
export interface SearchResult {
  k: number;
  scores: Float32Array;
  ids: Int32Array;
}

/** What mining searches: an inner-product index over L2-normalized vectors (so scores are cosines). */
export interface VectorIndex {
  readonly dim: number;
  readonly size: number;
  readonly description: string;
  /** The IVF lists visited per query, or undefined for an index without IVF lists. */
  readonly nprobe: number | undefined;
  /** The HNSW search depth, or undefined for an index without an HNSW graph. */
  readonly efSearch: number | undefined;
  /** Queries row-major [nq, dim]; k is capped at size. Blocks while FAISS computes. */
  search(queries: Float32Array, k: number): SearchResult;
  /** The FAISS serialization (what faiss.write_index writes). */
  toBuffer(): Buffer;
}

/** Search-time settings FAISS stores in the index itself. */
export interface SearchParams {
  /** IVF: inverted lists visited per query (FAISS default 1). */
  nprobe?: number;
  /** HNSW: candidate list size per query (FAISS default 16; FAISS uses max(efSearch, k)). */
  efSearch?: number;
}

export interface BuildIndexOptions extends SearchParams {
  /** A FAISS index_factory string ('HNSW32', 'IVF4096,Flat', 'IVF256,PQ16'); absent: exact IndexFlatIP. */
  factory?: string;
  /** Rows to train on when the index needs training (default: see defaultTrainRows). */
  trainSampleSize?: number;
  /** Seed of the training sample. */
  seed?: number;
  /** Called after each added chunk with rows added so far. */
  onProgress?: (done: number, total: number) => void;
  /** Called before training with fewer than 39 vectors per k-means centroid, where FAISS's clustering is unreliable. */
  onSparseTraining?: (warning: SparseTraining) => void;
  /** Each line FAISS itself printed while training (it writes to stderr, which negmine keeps for JSON logs). */
  onFaissMessage?: (line: string) => void;
}

/** Training data too thin for the centroids a factory trains. */
export interface SparseTraining {
  centroids: number;
  trainingVectors: number;
  /** FAISS's minimum: 39 vectors per centroid. */
  minimumVectors: number;
  /** The IVF list count, when the factory has one. */
  nlist?: number;
  /** The largest IVF list count this corpus trains properly (corpus size / 39). */
  maxNlist?: number;
}

/** Stored search settings of a serialized index, where negmine can find them. */
export interface IndexLayout {
  fourcc: string;
  /** FAISS MetricType of the top-level index, when its header is readable. */
  metric?: number;
  nlist?: number;
  nprobe?: number;
  nprobeOffset?: number;
  efSearch?: number;
  efSearchOffset?: number;
}

// Caps the number[] faiss-node copies queries into and results out of (2^20 elements: 2730 queries at dim 384, k <= 384).
const SEARCH_BATCH_ELEMENTS = 1 << 20;
// FAISS's flat search switches from its scalar loop to BLAS at 20 queries.
const MIN_SEARCH_BATCH_ROWS = 20;
const ADD_CHUNK_FLOATS = 1 << 20;
// A training sample is passed as one number[]: 2^26 floats is a 512 MiB array.
const TRAIN_FLOATS_BUDGET = 1 << 26;
// FAISS's k-means keeps at most 256 points per centroid and warns below 39.
const MAX_POINTS_PER_CENTROID = 256;
const MIN_POINTS_PER_CENTROID = 39;
const DEFAULT_SEED = 42;
const INT32_MAX = 2 ** 31 - 1;
const METRIC_INNER_PRODUCT = 0;

const IVF_FOURCCS = ['IwFl', 'IwFd', 'IwSq', 'IwLS', 'IwRQ', 'IwPL', 'IwPR', 'IwSh', 'IwPQ', 'IwQR', 'IwPf', 'IVLf', 'IVRf', 'NPLf', 'NPRf'];
const HNSW_FOURCCS = ['IHNf', 'IHNp', 'IHNs', 'IHN2'];
// Types that write their inner index right after the header.
const WRAPPER_FOURCCS = ['IxMp', 'IxM2', 'IxRF'];
// Types whose writer puts the common header right after the fourcc (faiss/impl/index_write.cpp, 1.7.3).
const HEADER_FIRST: ReadonlySet<string> = new Set([
  ...IVF_FOURCCS, ...HNSW_FOURCCS, ...WRAPPER_FOURCCS,
  'IxFI', 'IxF2', 'IxFl', 'IxHe', 'IxPq', 'IxRq', 'IxLS', 'IxPR', 'IxPL', 'ImRQ', 'Ix2L', 'IxSQ', 'IxPT', 'Imiq',
  'INSf', 'INSp', 'INSs', 'INNf', 'IPfs', 'IRMf', 'IRMh',
]);
// HNSW struct: assign_probas (double), cum_nneighbor_per_level (int), levels (int), offsets (size_t), neighbors (int32),
// each a uint64 count then the elements; then int32 entry_point, max_level, efConstruction, efSearch, upper_beam.
const HNSW_VECTOR_ELEMENT_BYTES = [8, 4, 4, 8, 4] as const;
const HNSW_EF_SEARCH_AFTER_VECTORS = 12;
// FAISS 1.7.3's NSG build crashes the process (SIGFPE, abort) on small or unlucky data: nothing to catch.
const UNSAFE_BUILD_FOURCCS: ReadonlySet<string> = new Set(['INSf', 'INSp', 'INSs', 'INNf']);
const FLAT_FOURCCS: ReadonlySet<string> = new Set(['IxFI', 'IxF2', 'IxFl']);
const ID_MAP_FOURCCS: ReadonlySet<string> = new Set(['IxMp', 'IxM2']);
const TYPE_NAMES: Readonly<Record<string, string>> = {
  IxFI: 'IndexFlatIP', IxF2: 'IndexFlatL2', IxFl: 'IndexFlat', IwFl: 'IndexIVFFlat', IwPQ: 'IndexIVFPQ',
  IwSq: 'IndexIVFScalarQuantizer', IwPf: 'IndexIVFPQFastScan', IHNf: 'IndexHNSWFlat', IHNp: 'IndexHNSWPQ',
  IHNs: 'IndexHNSWSQ', IHN2: 'IndexHNSW2Level', IxPT: 'IndexPreTransform', IxMp: 'IndexIDMap', IxM2: 'IndexIDMap2',
  IxRF: 'IndexRefine', IxPq: 'IndexPQ', IPfs: 'IndexPQFastScan', IxSQ: 'IndexScalarQuantizer', IxHe: 'IndexLSH',
  INSf: 'IndexNSGFlat', INNf: 'IndexNNDescentFlat', IxRq: 'IndexResidualQuantizer', IwRQ: 'IndexIVFResidualQuantizer',
  IxLS: 'IndexLocalSearchQuantizer', IwLS: 'IndexIVFLocalSearchQuantizer', IwQR: 'IndexIVFPQR', IwFd: 'IndexIVFFlatDedup',
};
const METRIC_NAMES: Readonly<Record<number, string>> = { 0: 'inner product', 1: 'L2', 2: 'L1', 3: 'Linf', 4: 'Lp' };

class FaissVectorIndex implements VectorIndex {
  readonly dim: number;
  readonly size: number;

  readonly nprobe: number | undefined;
  readonly efSearch: number | undefined;

  constructor(
    private readonly index: FaissIndex,
    readonly description: string,
    layout: IndexLayout,
  ) {
    this.dim = index.getDimension();
    this.size = index.ntotal();
    this.flat = FLAT_FOURCCS.has(layout.fourcc);
    this.nprobe = layout.nlist === undefined ? undefined : (layout.nprobe ?? 1);
    this.efSearch = layout.efSearch;
  }

  private readonly flat: boolean;

  search(queries: Float32Array, k: number): SearchResult {
    if (queries.length % this.dim !== 0) throw new RangeError(`queries has ${queries.length} floats, not a multiple of dim ${this.dim}`);
    if (!Number.isInteger(k) || k < 0) throw new RangeError(`k must be a non-negative integer, got ${k}`);
    const rows = queries.length / this.dim;
    const kept = Math.min(k, this.size);
    const scores = new Float32Array(rows * kept);
    const ids = new Int32Array(rows * kept);
    if (kept === 0 || rows === 0) return { k: kept, scores, ids };
    // Equal batches, so no small tail batch falls below FAISS's BLAS threshold.
    const batches = Math.ceil(rows / Math.max(MIN_SEARCH_BATCH_ROWS, Math.floor(SEARCH_BATCH_ELEMENTS / Math.max(this.dim, kept))));
    const batchRows = Math.ceil(rows / batches);
    for (let start = 0; start < rows; start += batchRows) {
      const end = Math.min(rows, start + batchRows);
      const batch = Array.from(queries.subarray(start * this.dim, end * this.dim));
      // A flat index scores 20+ queries with one BLAS product, ~20x faster per query than its scalar loop below 20.
      if (this.flat) while (batch.length < MIN_SEARCH_BATCH_ROWS * this.dim) batch.push(0);
      const result = this.index.search(batch, kept);
      const base = start * kept;
      for (let i = 0; i < (end - start) * kept; i++) {
        const label = result.labels[i] ?? -1;
        ids[base + i] = label;
        scores[base + i] = label < 0 ? -Infinity : (result.distances[i] ?? -Infinity);
      }
    }
    return { k: kept, scores, ids };
  }

  toBuffer(): Buffer {
    return this.index.toBuffer();
  }
}

/**
 * Builds an inner-product index over row-major vectors [n, dim]. Without a factory: an exact IndexFlatIP loaded
 * from serialized bytes. With one: FAISS's index_factory, trained on a seeded sample when it needs training, then
 * filled in chunks. nprobe / efSearch are written into the serialized index before the vectors are added.
 */
export function buildIndex(matrix: Float32Array | VectorChunks, dim: number, options: BuildIndexOptions = {}): VectorIndex {
  if (!Number.isInteger(dim) || dim <= 0) throw new RangeError(`dim must be a positive integer, got ${dim}`);
  if (!(matrix instanceof VectorChunks) && matrix.length % dim !== 0) throw new RangeError(`vectors has ${matrix.length} floats, not a multiple of dim ${dim}`);
  const vectors = asVectorChunks(matrix, dim);
  if (vectors.dim !== dim) throw new RangeError(`vectors have dim ${vectors.dim}, expected ${dim}`);
  const rows = vectors.rows;
  if (rows > INT32_MAX) throw new RangeError(`at most ${INT32_MAX} vectors fit an index with int32 ids, got ${rows}`);
  checkSearchParams(options);
  const factory = options.factory?.trim();
  if (factory === undefined || factory === 'Flat') {
    const label = factory === undefined ? 'exact search' : "index 'Flat'";
    checkApplicable({ fourcc: 'IxFI' }, options, label);
    const index = buildFlatIndex(vectors, dim);
    options.onProgress?.(rows, rows);
    return new FaissVectorIndex(index, describe({ fourcc: 'IxFI' }, rows, dim), { fourcc: 'IxFI' });
  }

  const faiss = faissNode();
  let index: FaissIndex;
  try {
    index = faiss.Index.fromFactory(dim, factory, faiss.MetricType.METRIC_INNER_PRODUCT);
  } catch (error) {
    throw new NegmineError('E_USAGE', `Invalid --index '${factory}': ${faissReason(error)}`, { cause: error });
  }
  // The empty index serializes small, so reading its layout (and patching it) costs little.
  let layout = readLayout(index.toBuffer());
  if (ID_MAP_FOURCCS.has(layout.fourcc)) {
    throw new NegmineError('E_USAGE', `Invalid --index '${factory}': negmine numbers rows itself; drop the IDMap prefix`);
  }
  if (UNSAFE_BUILD_FOURCCS.has(layout.fourcc)) {
    throw new NegmineError('E_USAGE', `Invalid --index '${factory}': FAISS 1.7.3 can crash while building NSG graphs; use HNSW (e.g. 'HNSW32') instead`);
  }
  checkApplicable(layout, options, `index '${factory}'`);
  if (!index.isTrained()) index = faiss.Index.fromBuffer(trainIndex(vectors, dim, factory, layout.nlist, options));
  const params: SearchParams = { ...options, ...(layout.nlist !== undefined && options.nprobe === undefined ? { nprobe: defaultNprobe(layout.nlist) } : {}) };
  if (params.nprobe !== undefined || params.efSearch !== undefined) {
    const patched = withSearchParams(index.toBuffer(), params, `index '${factory}'`);
    index = faiss.Index.fromBuffer(patched);
    layout = readLayout(patched);
  }
  addInChunks(index, vectors, dim, options.onProgress);
  return new FaissVectorIndex(index, `'${factory}': ${describe(layout, rows, dim)}`, layout);
}

/**
 * Loads any FAISS index serialized by FAISS (faiss-node's toBuffer, Python's faiss.write_index), optionally with new
 * nprobe / efSearch. Refuses indexes with a metric other than inner product.
 */
export function loadIndex(buffer: Buffer, params: SearchParams = {}): VectorIndex {
  checkSearchParams(params);
  const faiss = faissNode();
  let layout = readLayout(buffer);
  if (layout.metric !== undefined && layout.metric !== METRIC_INNER_PRODUCT) {
    const metric = METRIC_NAMES[layout.metric] ?? `metric ${layout.metric}`;
    throw new NegmineError('E_INDEX', `Cannot use FAISS index ${typeName(layout.fourcc)}: it ranks by ${metric}; negmine needs inner product (METRIC_INNER_PRODUCT)`);
  }
  checkFlatIndexBytes(buffer);
  const bytes = withSearchParams(buffer, params, 'the loaded index', layout);
  if (bytes !== buffer) layout = readLayout(bytes);
  if (layout.nprobe === 0) throw new NegmineError('E_INDEX', 'Cannot use FAISS index: it stores nprobe 0 (set --nprobe)');
  let index: FaissIndex;
  try {
    index = faiss.Index.fromBuffer(bytes);
  } catch (error) {
    throw new NegmineError('E_INDEX', `Cannot load FAISS index: ${faissReason(error)}`, { cause: error });
  }
  return new FaissVectorIndex(index, describe(layout, index.ntotal(), index.getDimension()), layout);
}

/** Where nprobe (IVF) and efSearch (HNSW) sit in a serialized index, and their values; absent where not found. */
export function readLayout(buffer: Buffer): IndexLayout {
  need(buffer, 4, 'its type code');
  const layout: IndexLayout = { fourcc: buffer.toString('latin1', 0, 4) };
  if (HEADER_FIRST.has(layout.fourcc)) layout.metric = readIndexHeader(buffer).metric;
  locate(buffer, 0, layout, 0);
  return layout;
}

/**
 * A copy of a serialized index with nprobe / efSearch overwritten in place (the input itself when neither is set).
 * nprobe is the uint64 after nlist in the IVF header; efSearch the 4th int32 after the HNSW struct's vectors.
 */
export function withSearchParams(buffer: Buffer, params: SearchParams, label: string, layout = readLayout(buffer)): Buffer {
  const { nprobe, efSearch } = params;
  if (nprobe === undefined && efSearch === undefined) return buffer;
  checkSearchParams(params);
  checkApplicable(layout, params, label);
  const patched = Buffer.from(buffer);
  if (nprobe !== undefined && layout.nprobeOffset !== undefined) patched.writeBigUInt64LE(BigInt(nprobe), layout.nprobeOffset);
  if (efSearch !== undefined && layout.efSearchOffset !== undefined) patched.writeInt32LE(efSearch, layout.efSearchOffset);
  return patched;
}

/** `count` distinct row numbers out of n, ascending, the same for the same seed (selection sampling, Knuth's S). */
export function sampleRows(n: number, count: number, seed: number): Int32Array {
  const picked = new Int32Array(Math.min(n, count));
  const random = seededRandom(seed);
  let taken = 0;
  for (let row = 0; row < n && taken < picked.length; row++) {
    if ((n - row) * random() < picked.length - taken) picked[taken++] = row;
  }
  return picked;
}

/** Default training rows: 256 per centroid (FAISS ignores more), capped by TRAIN_FLOATS_BUDGET but not below 39. */
export function defaultTrainRows(centroids: number, dim: number): number {
  if (centroids === 0) return Math.min(MAX_POINTS_PER_CENTROID * 256, Math.floor(TRAIN_FLOATS_BUDGET / dim));
  const budgetRows = Math.max(MIN_POINTS_PER_CENTROID * centroids, Math.floor(TRAIN_FLOATS_BUDGET / dim));
  return Math.min(MAX_POINTS_PER_CENTROID * centroids, budgetRows);
}

/**
 * nprobe when --nprobe is not given: round(sqrt(nlist)), at least 1 and at most nlist (IVF4096 -> 64, IVF256 -> 16).
 * FAISS itself keeps 1, which on a small corpus with many lists misses most neighbours.
 */
export function defaultNprobe(nlist: number): number {
  return Math.min(nlist, Math.max(1, Math.round(Math.sqrt(nlist))));
}

/** The most k-means centroids a factory string trains at once (IVF lists, 2^bits per PQ / IMI / RQ subquantizer). */
export function trainedCentroids(factory: string): number {
  let most = 0;
  for (const match of factory.matchAll(/IVF(\d+)/g)) most = Math.max(most, Number(match[1]));
  for (const match of factory.matchAll(/(?:PQ|RQ|LSQ)\d+(?:x(\d+))?/g)) most = Math.max(most, 2 ** Number(match[1] ?? 8));
  for (const match of factory.matchAll(/IMI\d+x(\d+)/g)) most = Math.max(most, 2 ** Number(match[1]));
  return most;
}

/** Trains in a child process (see train-in-child.ts) and returns the trained index's bytes. */
function trainIndex(vectors: VectorChunks, dim: number, factory: string, nlist: number | undefined, options: BuildIndexOptions): Buffer {
  const rows = vectors.rows;
  const centroids = trainedCentroids(factory);
  const requested = options.trainSampleSize;
  if (requested !== undefined && !(Number.isSafeInteger(requested) && requested > 0)) {
    throw new NegmineError('E_USAGE', `Invalid training sample size ${requested}: expected a positive integer`);
  }
  const sampleSize = Math.min(rows, requested ?? defaultTrainRows(centroids, dim));
  // FAISS aborts the process (not a catchable throw) when k-means gets fewer points than centroids.
  if (sampleSize < Math.max(1, centroids)) {
    const what = centroids > 0 ? `training ${centroids} centroids needs at least ${centroids} vectors` : 'training needs vectors';
    const got = sampleSize < rows ? `the training sample has ${sampleSize}` : `the corpus has ${rows}`;
    throw new NegmineError('E_USAGE', `Invalid --index '${factory}': ${what}, ${got} (FAISS recommends ${MIN_POINTS_PER_CENTROID} or more per centroid)`);
  }
  if (sampleSize < MIN_POINTS_PER_CENTROID * centroids) {
    options.onSparseTraining?.({
      centroids,
      trainingVectors: sampleSize,
      minimumVectors: MIN_POINTS_PER_CENTROID * centroids,
      ...(nlist === undefined ? {} : { nlist, maxNlist: Math.max(1, Math.floor(rows / MIN_POINTS_PER_CENTROID)) }),
    });
  }
  const picked = sampleRows(rows, sampleSize, options.seed ?? DEFAULT_SEED);
  const sample = new Float32Array(sampleSize * dim);
  for (let i = 0; i < picked.length; i++) vectors.readRow(picked[i] ?? 0, sample, i * dim);
  const trained = trainInChild(factory, dim, sample);
  for (const line of trained.messages) options.onFaissMessage?.(line);
  return trained.bytes;
}

function addInChunks(index: FaissIndex, vectors: VectorChunks, dim: number, onProgress?: (done: number, total: number) => void): void {
  const rows = vectors.rows;
  const step = Math.max(1, Math.floor(ADD_CHUNK_FLOATS / dim));
  for (let start = 0; start < rows; start += step) {
    const end = Math.min(rows, start + step);
    index.add(Array.from(vectors.readRows(start, end - start)));
    onProgress?.(end, rows);
  }
}

function locate(buffer: Buffer, offset: number, layout: IndexLayout, depth: number): void {
  if (depth > 8 || offset + 4 > buffer.length) return;
  const fourcc = buffer.toString('latin1', offset, offset + 4);
  if (!HEADER_FIRST.has(fourcc)) return;
  const { end } = readIndexHeader(buffer, offset);
  if (IVF_FOURCCS.includes(fourcc)) {
    need(buffer, end + 16, 'its IVF header');
    if (layout.nprobeOffset === undefined) {
      layout.nlist = Number(buffer.readBigUInt64LE(end));
      layout.nprobeOffset = end + 8;
      layout.nprobe = Number(buffer.readBigUInt64LE(end + 8));
    }
    // The coarse quantizer follows (an HNSW one carries efSearch).
    locate(buffer, end + 16, layout, depth + 1);
  } else if (HNSW_FOURCCS.includes(fourcc)) {
    let cursor = end;
    for (const elementBytes of HNSW_VECTOR_ELEMENT_BYTES) {
      need(buffer, cursor + 8, 'its HNSW graph');
      cursor += 8 + Number(buffer.readBigUInt64LE(cursor)) * elementBytes;
    }
    const efSearchOffset = cursor + HNSW_EF_SEARCH_AFTER_VECTORS;
    need(buffer, efSearchOffset + 4, 'its HNSW settings');
    if (layout.efSearchOffset === undefined) {
      layout.efSearchOffset = efSearchOffset;
      layout.efSearch = buffer.readInt32LE(efSearchOffset);
    }
  } else if (WRAPPER_FOURCCS.includes(fourcc)) {
    locate(buffer, end, layout, depth + 1);
  }
}

function checkSearchParams(params: SearchParams): void {
  const { nprobe, efSearch } = params;
  if (nprobe !== undefined && !(Number.isSafeInteger(nprobe) && nprobe > 0)) {
    throw new NegmineError('E_USAGE', `Invalid --nprobe ${nprobe}: expected a positive integer`);
  }
  if (efSearch !== undefined && !(Number.isInteger(efSearch) && efSearch > 0 && efSearch <= INT32_MAX)) {
    throw new NegmineError('E_USAGE', `Invalid --ef-search ${efSearch}: expected a positive integer`);
  }
}

function checkApplicable(layout: IndexLayout, params: SearchParams, label: string): void {
  // negmine does not parse vector transforms, so an IVF or HNSW index under an IndexPreTransform is out of reach.
  const hidden = layout.fourcc === 'IxPT' ? ' negmine cannot reach one inside an IndexPreTransform (OPQ, PCA, ...).' : '';
  if (params.nprobe !== undefined && layout.nprobeOffset === undefined) {
    throw new NegmineError('E_USAGE', `Cannot set --nprobe on ${label}: no IVF index found in ${typeName(layout.fourcc)}; --nprobe applies to IVF indexes.${hidden}`);
  }
  if (params.efSearch !== undefined && layout.efSearchOffset === undefined) {
    throw new NegmineError('E_USAGE', `Cannot set --ef-search on ${label}: no HNSW graph found in ${typeName(layout.fourcc)}; --ef-search applies to HNSW indexes.${hidden}`);
  }
}

function describe(layout: IndexLayout, size: number, dim: number): string {
  const parts = [`${size} vectors`, `dim ${dim}`];
  if (layout.nlist !== undefined) parts.push(`nlist ${layout.nlist}`, `nprobe ${layout.nprobe ?? 1}`);
  if (layout.efSearch !== undefined) parts.push(`efSearch ${layout.efSearch}`);
  return `${TYPE_NAMES[layout.fourcc] ?? `FAISS '${layout.fourcc}'`} (${parts.join(', ')})`;
}

function typeName(fourcc: string): string {
  const name = TYPE_NAMES[fourcc];
  return name === undefined ? `'${fourcc}'` : `${name} ('${fourcc}')`;
}

function need(buffer: Buffer, end: number, what: string): void {
  if (end > buffer.length) throw new NegmineError('E_INDEX', `Cannot read FAISS index: truncated in ${what} (needs byte ${end}, has ${buffer.length})`);
}

/** FAISS's own sentence, without its "Error in <function> at <file>:<line>: " prefix. */
function faissReason(error: unknown): string {
  return errorMessage(error).replace(/^Error in [\s\S]*? at \S+:\d+: /, '').replace(/^Error: /, '');
}
