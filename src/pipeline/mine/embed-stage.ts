import type { Logger } from '../../core/logger.ts';
import { embeddingKeyHash, type EmbeddingCache } from '../../io/embedding-cache.ts';
import type { BiEncoder } from '../../model/bi-encoder.ts';
import type { BiEncoderConfig } from '../../model/model-config.ts';
import { stageProgress } from '../progress.ts';

export interface EmbedStageOptions {
  label: string;
  prefix: string;
  config: BiEncoderConfig;
  modelSha256: string | undefined;
  cache: EmbeddingCache | undefined;
  encoder: () => Promise<BiEncoder>;
  log: Logger;
}

/** Embeds texts, or reads them from --cache-dir when the same model, settings and texts were embedded before. */
export async function embedStage(texts: readonly string[], options: EmbedStageOptions): Promise<{ vectors: Float32Array; dim: number; cached: boolean }> {
  const { cache, log } = options;
  const hash =
    cache === undefined || options.modelSha256 === undefined
      ? undefined
      : embeddingKeyHash({ modelSha256: options.modelSha256, prefix: options.prefix, maxLength: options.config.maxLength, pooling: options.config.pooling, normalize: options.config.normalize, texts });
  if (cache !== undefined && hash !== undefined) {
    const hit = await cache.get(hash, texts.length);
    if (hit !== undefined) {
      log.info({ event: 'cache_hit', label: options.label, texts: texts.length, dim: hit.dim, cacheDir: cache.dir }, `${options.label}: embeddings reused from ${cache.dir}, skipping embedding`);
      return { ...hit, cached: true };
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
  if (cache !== undefined && hash !== undefined) await cache.put(hash, vectors, dim);
  return { vectors, dim, cached: false };
}
