import type { CorpusTexts } from '../../core/dataset.ts';
import { escapeControl, errorMessage } from '../../core/errors.ts';
import type { Logger } from '../../core/logger.ts';
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
  digest: ModelDigest | undefined;
  cache: EmbeddingCache | undefined;
  encoder: () => Promise<BiEncoder>;
  log: Logger;
}

/**
 * Embeds texts, or reads them from --cache-dir when the same model bytes, tokenizer, settings and texts were embedded
 * before. A corrupt entry is reported and recomputed; a failed cache write is a warning, never a failed run.
 */
export async function embedStage(texts: CorpusTexts, options: EmbedStageOptions): Promise<{ vectors: Float32Array; dim: number; cached: boolean }> {
  const { cache, digest, config, log } = options;
  const key =
    cache === undefined || digest === undefined
      ? undefined
      : embeddingKeyHash({ ...digest, prefix: options.prefix, maxLength: config.maxLength, pooling: config.pooling, normalize: config.normalize, dtype: 'float32', ...(options.truncateDim === undefined ? {} : { truncateDim: options.truncateDim }), texts });
  if (cache !== undefined && key !== undefined) {
    const found = await cache.get(key, texts.length);
    if (found.status === 'hit') {
      log.info({ event: 'cache_hit', label: options.label, texts: texts.length, dim: found.dim, cacheDir: cache.dir, entry: key }, `${options.label}: embeddings reused from ${escapeControl(cache.dir)}, skipping embedding`);
      return { vectors: found.vectors, dim: found.dim, cached: true };
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
  const vectors = await encoder.embed(texts, { prefix: options.prefix, onProgress: ({ done }) => {
      progress.update(done);
    },
  });
  progress.finish();
  const seconds = (performance.now() - started) / 1000;
  const dim = encoder.dimension ?? 0;
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
