import type { CorpusTexts } from '../../core/dataset.ts';
import { NegmineError, escapeControl, errorMessage } from '../../core/errors.ts';
import type { Logger } from '../../core/logger.ts';
import { embeddingKeyHash, type EmbeddingCache } from '../../io/embedding-cache.ts';
import type { ModelDigest } from '../../io/model-digest.ts';
import { float32ToFloat16 } from '../../core/float16.ts';
import { VectorChunks, type ChunkArray, type StoredVectors, type VectorDtype } from '../../core/vector-chunks.ts';
import { SpilledVectors, VectorSpillWriter } from '../../io/vector-spill.ts';
import type { BiEncoder } from '../../model/bi-encoder.ts';
import type { BiEncoderConfig } from '../../model/model-config.ts';
import { nameNonFiniteInput } from '../../model/non-finite.ts';
import { vectorChunk, vectorsOf } from '../../workdir/chunk-kinds.ts';
import type { StageWork } from '../../workdir/work-dir.ts';
import { stageProgress } from '../progress.ts';

export interface EmbedInputs {
  label: string;
  texts: CorpusTexts;
  prefix: string;
  /** Names text i in an error (a NaN vector): "corpus id 'd7'". */
  describe: (index: number) => string;
  /** Texts per chunk: each chunk is embedded (length-sorted inside it) and stored as a unit. */
  chunkRows: number;
  config: BiEncoderConfig;
  truncateDim: number | undefined;
  /** --vector-dtype: how the vectors are kept in memory, in the work directory's chunks and in --cache-dir. */
  dtype: VectorDtype;
  digest: ModelDigest | undefined;
  cache: EmbeddingCache | undefined;
  encoder: () => Promise<BiEncoder>;
}

/** Texts [start, start + count) by index, read from the store as the encoder asks for them. */
function textRange(texts: CorpusTexts, start: number, count: number): CorpusTexts {
  return { length: count, at: (i) => (i >= 0 && i < count ? texts.at(start + i) : undefined) };
}

function cacheKey(inputs: EmbedInputs): string | undefined {
  const { cache, digest, config } = inputs;
  if (cache === undefined || digest === undefined) return undefined;
  return embeddingKeyHash({ ...digest, prefix: inputs.prefix, maxLength: config.maxLength, pooling: config.pooling, normalize: config.normalize, dtype: inputs.dtype, ...(inputs.truncateDim === undefined ? {} : { truncateDim: inputs.truncateDim }), texts: inputs.texts });
}

function cacheHit(inputs: EmbedInputs, key: string, dim: number, log: Logger): void {
  const dir = inputs.cache?.dir ?? '';
  log.info({ event: 'cache_hit', label: inputs.label, texts: inputs.texts.length, dim, cacheDir: dir, entry: key }, `${inputs.label}: embeddings reused from ${escapeControl(dir)}, skipping embedding`);
}

function cacheCorrupt(inputs: EmbedInputs, key: string, reason: string, log: Logger): void {
  const dir = inputs.cache?.dir ?? '';
  log.warn({ event: 'cache_corrupt', label: inputs.label, cacheDir: dir, entry: key, reason }, `${inputs.label}: cache entry ${key} in ${escapeControl(dir)} is corrupt (${reason}); recomputing and overwriting it`);
}

/** --cache-dir first: the same model bytes, settings and texts embedded by any earlier run. */
async function fromCache(inputs: EmbedInputs, key: string, log: Logger): Promise<VectorChunks | undefined> {
  const { cache } = inputs;
  if (cache === undefined) return undefined;
  const found = await cache.get(key, inputs.texts.length, inputs.dtype);
  if (found.status === 'hit') {
    cacheHit(inputs, key, found.dim, log);
    return VectorChunks.fromStored(found.vectors, found.dim);
  }
  if (found.status === 'corrupt') cacheCorrupt(inputs, key, found.reason, log);
  return undefined;
}

/** The encoder's float32 rows at the stored precision, in an array of their own (a chunk keeps its whole buffer). */
function toStored(vectors: Float32Array, dtype: VectorDtype): ChunkArray {
  if (dtype === 'float16') return float32ToFloat16(vectors);
  return vectors.byteOffset === 0 && vectors.byteLength === vectors.buffer.byteLength ? vectors : vectors.slice();
}

/** Where embedded chunks go: kept in memory (the corpus, which search indexes) or spilled to a file (queries). */
interface ChunkSink<T extends StoredVectors> {
  add(chunk: ChunkArray, dim: number): void;
  /** The vectors once every chunk was added (dim undefined: no texts). */
  finish(dim: number | undefined): T;
  /** The vectors of a --cache-dir entry; undefined when there is none (or it failed a check). */
  fromCache(key: string, log: Logger): Promise<T | undefined>;
}

/**
 * Embeds texts chunk by chunk: a chunk stored in the work directory is reused, the others are embedded and stored
 * as they finish. A text's vector does not depend on its chunk (padding is masked), so chunking keeps the output.
 * Each chunk goes to its stored precision (--vector-dtype) as soon as it is embedded: no full float32 copy of the
 * texts' vectors is ever built, and the work directory holds the same precision.
 */
async function embedChunks<T extends StoredVectors>(inputs: EmbedInputs, work: StageWork, log: Logger, sink: ChunkSink<T>): Promise<T> {
  const key = cacheKey(inputs);
  const cached = key === undefined ? undefined : await sink.fromCache(key, log);
  if (cached !== undefined) return cached;
  const { dtype, chunkRows } = inputs;
  const total = inputs.texts.length;
  const started = performance.now();
  const progress = stageProgress(log, { label: inputs.label, total });
  let dim: number | undefined;
  let embedded = 0;
  for (let chunk = 0, start = 0; start < total; chunk += 1, start += chunkRows) {
    const rows = Math.min(chunkRows, total - start);
    let vectors = await work.load(chunk).then((data) => (data === undefined ? undefined : vectorsOf(data, rows, dtype)));
    if (vectors === undefined) {
      const encoder = await inputs.encoder();
      const from = start;
      const data = await nameNonFiniteInput(encoder.embed(textRange(inputs.texts, start, rows), { prefix: inputs.prefix, onProgress: ({ done }) => { progress.update(from + done); } }), (i) => inputs.describe(from + i));
      const computed = { vectors: toStored(data, dtype), dim: encoder.dimension ?? 0 };
      await work.save(chunk, () => vectorChunk(computed.vectors, rows, computed.dim));
      vectors = computed;
      embedded += rows;
    }
    dim ??= vectors.dim;
    if (vectors.dim !== dim) throw new NegmineError('E_MODEL_OUTPUT', `${inputs.label}: chunk ${chunk} has ${vectors.dim}-dimensional vectors, the others ${dim}`);
    if (dim === 0) throw new NegmineError('E_MODEL_LOAD', `${inputs.label}: the bi-encoder produced 0-dimensional vectors`);
    sink.add(vectors.vectors, dim);
    progress.update(start + rows);
  }
  progress.finish();
  const seconds = (performance.now() - started) / 1000;
  log.info({ event: 'stage_end', label: inputs.label, texts: total, embedded, dim: dim ?? 0, seconds: Math.round(seconds * 100) / 100, textsPerSecond: Math.round((embedded / Math.max(seconds, 1e-6)) * 10) / 10 }, `${inputs.label}: ${total} texts`);
  const vectors = sink.finish(dim);
  if (inputs.cache !== undefined && key !== undefined && dim !== undefined) {
    try {
      await inputs.cache.put(key, vectors, dim);
    } catch (error) {
      const reason = errorMessage(error);
      log.warn({ event: 'cache_write_failed', label: inputs.label, cacheDir: inputs.cache.dir, entry: key, reason }, `${inputs.label}: ${escapeControl(reason)}; continuing without caching these embeddings`);
    }
  }
  return vectors;
}

/** Embeds texts into memory-resident chunks (the corpus: search indexes them and the plan reads them by row). */
export function embedStage(inputs: EmbedInputs, work: StageWork, log: Logger): Promise<VectorChunks> {
  const chunks: ChunkArray[] = [];
  return embedChunks(inputs, work, log, {
    add: (chunk) => chunks.push(chunk),
    finish: (dim) => (dim === undefined ? new VectorChunks(1, inputs.dtype, 1, []) : new VectorChunks(dim, inputs.dtype, inputs.chunkRows, chunks)),
    fromCache: (key, cacheLog) => fromCache(inputs, key, cacheLog),
  });
}

/**
 * Embeds texts into a spill file (`file`, in a temp folder the caller removes), read back one query block at a time:
 * query vectors never all stay in memory, whatever the number of queries. Close the result when done.
 */
export async function embedToSpill(inputs: EmbedInputs, file: string, work: StageWork, log: Logger, windowRows: number): Promise<SpilledVectors> {
  const writer = new VectorSpillWriter(file, inputs.dtype);
  try {
    return await embedChunks(inputs, work, log, {
      add: (chunk, dim) => { writer.append(chunk, dim); },
      finish: (dim) => writer.finish(dim ?? 1, windowRows),
      fromCache: async (key, cacheLog) => {
        const { cache } = inputs;
        if (cache === undefined) return undefined;
        const found = await cache.stream(key, inputs.texts.length, inputs.dtype, (piece, dim) => { writer.append(piece, dim); });
        if (found.status === 'hit') {
          cacheHit(inputs, key, found.dim, cacheLog);
          return writer.finish(found.dim, windowRows);
        }
        writer.reset();
        if (found.status === 'corrupt') cacheCorrupt(inputs, key, found.reason, cacheLog);
        return undefined;
      },
    });
  } catch (error) {
    writer.abandon();
    throw error;
  }
}
