import { NegmineError } from '../core/errors.ts';
import type { ModelFiles } from '../core/model-files.ts';
import { poolingModesFromConfig, type PoolingMode } from './pooling.ts';

export interface BiEncoderConfig {
  pooling: PoolingMode[];
  normalize: boolean;
  maxLength: number;
  /** Prompts from config_sentence_transformers.json, by name. */
  prompts: Record<string, string>;
}

export interface CrossEncoderConfig {
  numLabels: number;
  maxLength: number;
}

const FALLBACK_MAX_LENGTH = 512;

function positiveInteger(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isInteger(value) && value > 0 && value < 1_000_000 ? value : undefined;
}

/** max_seq_length (sentence_bert_config.json), else the tokenizer's model_max_length, else max_position_embeddings. */
export function modelMaxLength(files: ModelFiles): number {
  return (
    positiveInteger(files.sentenceBertConfig?.['max_seq_length']) ??
    positiveInteger(files.tokenizerConfig?.['model_max_length']) ??
    positiveInteger(files.config?.['max_position_embeddings']) ??
    FALLBACK_MAX_LENGTH
  );
}

/** How a bi-encoder's output becomes a sentence embedding, from its sentence-transformers files. */
export function biEncoderConfig(files: ModelFiles): BiEncoderConfig {
  const pooling = files.pooling === null ? undefined : poolingModesFromConfig(files.pooling);
  if (files.pooling !== null && pooling === undefined) {
    throw new NegmineError('E_MODEL_LOAD', `Cannot load model '${files.dir}': its pooling config names no pooling mode negmine knows (cls, mean, max, mean_sqrt_len, weightedmean, lasttoken)`);
  }
  const rawPrompts = files.sentenceTransformersConfig?.['prompts'];
  const prompts: Record<string, string> = {};
  if (typeof rawPrompts === 'object' && rawPrompts !== null) {
    for (const [name, text] of Object.entries(rawPrompts)) if (typeof text === 'string') prompts[name] = text;
  }
  return {
    // Without a Pooling module, mean pooling is what sentence-transformers falls back to.
    pooling: pooling ?? ['mean'],
    normalize: files.modules?.some((m) => m.type.endsWith('.Normalize')) ?? false,
    maxLength: modelMaxLength(files),
    prompts,
  };
}

/** A cross-encoder's label count, from config.json (num_labels or id2label); 1 when unknown. */
export function crossEncoderConfig(files: ModelFiles): CrossEncoderConfig {
  const numLabels = positiveInteger(files.config?.['num_labels']);
  const id2label = files.config?.['id2label'];
  const fromLabels = typeof id2label === 'object' && id2label !== null ? Object.keys(id2label).length : undefined;
  return { numLabels: numLabels ?? fromLabels ?? 1, maxLength: modelMaxLength(files) };
}
