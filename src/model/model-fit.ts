// Up-front checks that a model fits its role and the flags, from config.json and the ONNX graph's signature: the
// mistakes otherwise surface late (after all embedding) or as onnxruntime's raw Gather errors.
import { NegmineError } from '../core/errors.ts';
import type { ModelFiles, OnnxValue } from '../core/model-files.ts';

export type ModelRole = 'bi-encoder' | 'cross-encoder';

const TOKEN_OUTPUTS = ['last_hidden_state', 'token_embeddings'];
const WORD_TABLE = /(^|[./_])(word_embeddings|embed_tokens|wte|shared)([./_]weight)?$/;
const POSITION_TABLE = /(^|[./_])(position_embeddings|wpe|embed_positions)([./_]weight)?$/;
// RoBERTa-family position tables start at padding_idx + 1: 514 rows give 512 usable positions.
const OFFSET_POSITIONS = /roberta|camembert|longformer|xlm-r|mpnet/;

function shape(value: OnnxValue): string {
  return `'${value.name}' [${value.dims.join(', ')}]`;
}

function isLogits(value: OnnxValue): boolean {
  const last = value.dims[value.dims.length - 1];
  return value.dims.length === 2 && (last === 1 || last === 2) && !value.name.includes('embedding');
}

function isEmbedding(value: OnnxValue): boolean {
  return TOKEN_OUTPUTS.includes(value.name) || value.name === 'sentence_embedding' || value.dims.length === 3;
}

/**
 * Checks that the model's outputs fit its role: a bi-encoder needs token or sentence embeddings, a cross-encoder a
 * [batch, 1] or [batch, 2] logits output. E_MODEL_MISMATCH names the likely mix-up; a graph that could not be read is
 * left to onnxruntime.
 */
export function checkModelRole(files: ModelFiles, role: ModelRole): void {
  const outputs = files.graph?.outputs;
  if (outputs === undefined || outputs.length === 0) return;
  const have = outputs.map(shape).join(', ');
  if (role === 'bi-encoder') {
    if (outputs.some(isEmbedding)) return;
    const logits = outputs.find(isLogits);
    if (logits !== undefined) throw new NegmineError('E_MODEL_MISMATCH', `Model '${files.dir}' looks like a cross-encoder (output ${shape(logits)}); pass it with --cross-encoder, and a bi-encoder with --model`);
    throw new NegmineError('E_MODEL_MISMATCH', `Model '${files.dir}' given as --model has no token-embedding or sentence-embedding output (have: ${have})`);
  }
  const output = outputs.find((o) => o.name === 'logits') ?? outputs[0];
  if (output === undefined) return;
  if (isLogits(output) || output.dims.length === 1 || (output.dims.length === 2 && typeof output.dims[1] === 'string' && !isEmbedding(output))) return;
  if (outputs.some(isEmbedding)) throw new NegmineError('E_MODEL_MISMATCH', `Model '${files.dir}' looks like a bi-encoder (output ${shape(outputs.find(isEmbedding) ?? output)}); pass it with --model, and a cross-encoder with --cross-encoder`);
  throw new NegmineError('E_MODEL_MISMATCH', `Cross-encoder '${files.dir}' outputs ${shape(output)}; negmine scores models with a [batch, 1] logit or [batch, 2] classes (have: ${have})`);
}

function positiveInteger(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isInteger(value) && value > 0 ? value : undefined;
}

function tableRows(files: ModelFiles, pattern: RegExp): { rows: number; name: string } | undefined {
  const table = files.graph?.initializers.find((t) => t.dims.length === 2 && pattern.test(t.name));
  return table === undefined ? undefined : { rows: table.dims[0] ?? 0, name: table.name };
}

/** Usable token positions: config.json max_position_embeddings, or the graph's position table (less RoBERTa's offset). */
export function positionLimit(files: ModelFiles): { limit: number; source: string } | undefined {
  const rawType = files.config?.['model_type'];
  const modelType = typeof rawType === 'string' ? rawType : '';
  const padId = positiveInteger(files.config?.['pad_token_id']) ?? 1;
  const offset = OFFSET_POSITIONS.test(modelType) ? padId + 1 : 0;
  const fromConfig = positiveInteger(files.config?.['max_position_embeddings']);
  if (fromConfig !== undefined) return { limit: fromConfig - offset, source: `config.json max_position_embeddings ${fromConfig}` };
  const table = tableRows(files, POSITION_TABLE);
  return table === undefined ? undefined : { limit: table.rows - offset, source: `the ${table.rows}-row position table '${table.name}' in ${files.onnxPath}` };
}

/** Refuses a --max-length beyond the model's position table (exit 2, naming the flag). */
export function checkMaxLength(files: ModelFiles, maxLength: number, flag: string): void {
  const positions = positionLimit(files);
  if (positions === undefined || maxLength <= positions.limit) return;
  throw new NegmineError('E_MODEL_MISMATCH', `${flag} ${maxLength} is beyond the ${positions.limit} token positions of model '${files.dir}' (${positions.source}); use ${flag} ${positions.limit} or less`);
}

/** Refuses a tokenizer that can emit ids past the model's embedding table (config.json vocab_size, or the graph's table). */
export function checkVocabulary(files: ModelFiles, tokenizerVocabSize: number): void {
  const fromConfig = positiveInteger(files.config?.['vocab_size']);
  const table = tableRows(files, WORD_TABLE);
  const limits = [
    ...(fromConfig === undefined ? [] : [{ rows: fromConfig, source: `config.json vocab_size ${fromConfig}` }]),
    ...(table === undefined ? [] : [{ rows: table.rows, source: `the ${table.rows}-row embedding table '${table.name}' in ${files.onnxPath}` }]),
  ];
  const exceeded = limits.find((limit) => tokenizerVocabSize > limit.rows);
  if (exceeded === undefined) return;
  throw new NegmineError(
    'E_MODEL_MISMATCH',
    `Tokenizer '${files.tokenizerPath}' has ${tokenizerVocabSize} tokens but model '${files.dir}' embeds only ${exceeded.rows} (${exceeded.source}): the tokenizer.json belongs to another model`,
  );
}
