import { escapeControl, errorMessage } from '../../core/errors.ts';
import type { Logger } from '../../core/logger.ts';
import { VectorChunks, type VectorDtype } from '../../core/vector-chunks.ts';
import { embeddingKeyHash, type EmbeddingCache } from '../../io/embedding-cache.ts';
import type { ModelDigest } from '../../io/model-digest.ts';
import type { BiEncoder } from '../../model/bi-encoder.ts';
import type { BiEncoderConfig } from '../../model/model-config.ts';
import { stageProgress } from '../progress.ts';

export interface EmbedStageOptions {
  label: string;
  prefix: string;
  config: BiEncoderConfig;
  /** --truncate-dim: part of the cache key. */
  truncateDim: number | undefined;
  /** --vector-dtype: how the vectors are kept (and cached). */
  dtype: VectorDtype;
  digest: ModelDigest | undefined;
  cache: EmbeddingCache | undefined;
  encoder: () => Promise<BiEncoder>;
  log: Logger;
}

/**
 * Embeds texts, or reads them from --cache-dir when the same model bytes, tokenizer, settings and texts were embedded
 * before. A corrupt entry is reported and recomputed; a failed cache write is a warning, never a failed run.
 */
export async function embedStage(texts: readonly string[], options: EmbedStageOptions): Promise<{ vectors: VectorChunks; dim: number; cached: boolean }> {
  const { cache, digest, config, log } = options;
  const key =
    cache === undefined || digest === undefined
      ? undefined
      : embeddingKeyHash({ ...digest, prefix: options.prefix, maxLength: config.maxLength, pooling: config.pooling, normalize: config.normalize, dtype: options.dtype, ...(options.truncateDim === undefined ? {} : { truncateDim: options.truncateDim }), texts });
  if (cache !== undefined && key !== undefined) {
    const found = await cache.get(key, texts.length, options.dtype);
    if (found.status === 'hit') {
      log.info({ event: 'cache_hit', label: options.label, texts: texts.length, dim: found.dim, cacheDir: cache.dir, entry: key }, `${options.label}: embeddings reused from ${escapeControl(cache.dir)}, skipping embedding`);
      return { vectors: VectorChunks.fromStored(found.vectors, found.dim), dim: found.dim, cached: true };
    }
    if (found.status === 'corrupt') {
      log.warn(
        { event: 'cache_corrupt', label: options.label, cacheDir: cache.dir, entry: key, reason: found.reason },
        `${options.label}: cache entry ${key} in ${escapeControl(cache.dir)} is corrupt (${found.reason}); recomputing and overwriting it`,
      );
    }
  }
  const encoder = await options.encoder();
  const started = performance.now();
  const progress = stageProgress(log, { label: options.label, total: texts.length });
  const embedded = await encoder.embed(texts, { prefix: options.prefix, onProgress: ({ done }) => {
      progress.update(done);
    },
  });
  progress.finish();
  const seconds = (performance.now() - started) / 1000;
  const dim = encoder.dimension ?? 0;
  // float16: the float32 output is narrowed chunk by chunk and dropped.
  const vectors = dim === 0 ? new VectorChunks(1, options.dtype, 1, []) : VectorChunks.fromFloat32(embedded, dim, { dtype: options.dtype });
  log.info({ event: 'stage_end', label: options.label, texts: texts.length, dim, seconds: Math.round(seconds * 100) / 100, textsPerSecond: Math.round((texts.length / Math.max(seconds, 1e-6)) * 10) / 10 }, `${options.label}: ${texts.length} texts`);
  if (cache !== undefined && key !== undefined && dim > 0) {
    try {
      await cache.put(key, vectors, dim);
    } catch (error) {
      const reason = errorMessage(error);
      log.warn({ event: 'cache_write_failed', label: options.label, cacheDir: cache.dir, entry: key, reason }, `${options.label}: ${escapeControl(reason)}; continuing without caching these embeddings`);
    }
  }
  return { vectors, dim, cached: false };
}
