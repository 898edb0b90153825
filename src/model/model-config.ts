import { NegmineError } from '../core/errors.ts';
import type { ModelFiles, StaticModelFiles } from '../core/model-files.ts';
import { positionLimit } from './model-fit.ts';
import { poolingModesFromConfig, type PoolingMode } from './pooling.ts';

export interface BiEncoderConfig {
  pooling: PoolingMode[];
  normalize: boolean;
  /** Tokens kept per text; 0: all of them (a StaticEmbedding model without --max-length). */
  maxLength: number;
  /** Prompts from config_sentence_transformers.json, by name. */
  prompts: Record<string, string>;
}

export interface CrossEncoderConfig {
  numLabels: number;
  maxLength: number;
  /** Applied to a single logit, as sentence-transformers reads it from config.json (see crossEncoderActivation). */
  activation: CeActivation;
  /** Where the activation came from: the config key, or 'default' (Sigmoid for 1 logit). */
  activationSource: string;
}

/** Activations negmine applies to a single cross-encoder logit ('none' is torch's Identity). */
export const CE_ACTIVATIONS = ['sigmoid', 'none', 'tanh'] as const;
export type CeActivation = (typeof CE_ACTIVATIONS)[number];

const TORCH_ACTIVATIONS: Record<string, CeActivation> = {
  'torch.nn.modules.activation.Sigmoid': 'sigmoid',
  'torch.nn.modules.linear.Identity': 'none',
  'torch.nn.modules.activation.Tanh': 'tanh',
};

const FALLBACK_MAX_LENGTH = 512;

function positiveInteger(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isInteger(value) && value > 0 && value < 1_000_000 ? value : undefined;
}

/**
 * max_seq_length (sentence_bert_config.json), else the tokenizer's model_max_length, else max_position_embeddings;
 * never beyond the usable positions (RoBERTa's 514-row table holds 512), as transformers would index past the table.
 */
export function modelMaxLength(files: ModelFiles): number {
  const configured =
    positiveInteger(files.sentenceBertConfig?.['max_seq_length']) ??
    positiveInteger(files.tokenizerConfig?.['model_max_length']) ??
    positiveInteger(files.config?.['max_position_embeddings']) ??
    FALLBACK_MAX_LENGTH;
  const positions = positionLimit(files);
  return positions === undefined ? configured : Math.min(configured, positions.limit);
}

function promptsOf(files: Pick<ModelFiles, 'sentenceTransformersConfig'>): Record<string, string> {
  const rawPrompts = files.sentenceTransformersConfig?.['prompts'];
  const prompts: Record<string, string> = {};
  if (typeof rawPrompts === 'object' && rawPrompts !== null) {
    for (const [name, text] of Object.entries(rawPrompts)) if (typeof text === 'string') prompts[name] = text;
  }
  return prompts;
}

/** model2vec's StaticModel.encode cuts texts to 512 tokens unless told otherwise. */
export const MODEL2VEC_MAX_LENGTH = 512;

/**
 * A static embedding model's settings: mean pooling; normalized when modules.json has a Normalize module
 * (StaticEmbedding) or config.json says `normalize` (model2vec); max length 0 (no cut) for StaticEmbedding, whose
 * max_seq_length is infinite, and 512 for model2vec.
 */
export function staticEncoderConfig(files: StaticModelFiles): BiEncoderConfig {
  const normalize = files.layout === 'model2vec' ? files.config?.['normalize'] === true : (files.modules?.some((m) => m.type.endsWith('.Normalize')) ?? false);
  return { pooling: ['mean'], normalize, maxLength: files.layout === 'model2vec' ? MODEL2VEC_MAX_LENGTH : 0, prompts: promptsOf(files) };
}

/** How a bi-encoder's output becomes a sentence embedding, from its sentence-transformers files. */
export function biEncoderConfig(files: ModelFiles): BiEncoderConfig {
  const pooling = files.pooling === null ? undefined : poolingModesFromConfig(files.pooling);
  if (files.pooling !== null && pooling === undefined) {
    throw new NegmineError('E_MODEL_LOAD', `Cannot load model '${files.dir}': its pooling config names no pooling mode negmine knows (cls, mean, max, mean_sqrt_len, weightedmean, lasttoken)`);
  }
  const prompts = promptsOf(files);
  return {
    // Without a Pooling module, mean pooling is what sentence-transformers falls back to.
    pooling: pooling ?? ['mean'],
    normalize: files.modules?.some((m) => m.type.endsWith('.Normalize')) ?? false,
    maxLength: modelMaxLength(files),
    prompts,
  };
}

/**
 * The activation sentence-transformers (>= 4) applies to a 1-logit cross-encoder: config.json
 * `sentence_transformers.activation_fn`, else the legacy `sbert_ce_default_activation_function` (or a top-level
 * `activation_fn`); a path outside `torch.` is ignored as ST does without trust_remote_code; else Sigmoid.
 */
export function crossEncoderActivation(files: ModelFiles): { activation: CeActivation; source: string } {
  const config = files.config ?? {};
  const st = config['sentence_transformers'];
  const candidates: [string, unknown][] = [
    ['sentence_transformers.activation_fn', typeof st === 'object' && st !== null ? (st as Record<string, unknown>)['activation_fn'] : undefined],
    ['sbert_ce_default_activation_function', config['sbert_ce_default_activation_function']],
    ['activation_fn', config['activation_fn']],
  ];
  const found = candidates.find(([, value]) => typeof value === 'string');
  if (found === undefined || !(found[1] as string).startsWith('torch.')) return { activation: 'sigmoid', source: 'default' };
  const [key, name] = found as [string, string];
  const activation = TORCH_ACTIVATIONS[name];
  if (activation === undefined) {
    throw new NegmineError(
      'E_MODEL_MISMATCH',
      `Cannot score with cross-encoder '${files.dir}': config.json ${key} is '${name}'; negmine applies ${Object.keys(TORCH_ACTIVATIONS).join(', ')} (choose one with --ce-activation sigmoid|none|tanh)`,
    );
  }
  return { activation, source: `config.json ${key}` };
}

/** A cross-encoder's label count (num_labels or id2label in config.json; 1 when unknown) and its 1-logit activation. */
export function crossEncoderConfig(files: ModelFiles, activation?: CeActivation): CrossEncoderConfig {
  const numLabels = positiveInteger(files.config?.['num_labels']);
  const id2label = files.config?.['id2label'];
  const fromLabels = typeof id2label === 'object' && id2label !== null ? Object.keys(id2label).length : undefined;
  const fromConfig = activation === undefined ? crossEncoderActivation(files) : { activation, source: '--ce-activation' };
  return { numLabels: numLabels ?? fromLabels ?? 1, maxLength: modelMaxLength(files), activation: fromConfig.activation, activationSource: fromConfig.source };
}
