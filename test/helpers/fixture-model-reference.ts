// Plain-TypeScript twin of the models written by scripts/generate-fixture-models.ts (see fixtures/models/README.md).
import path from 'node:path';
import { REPO_ROOT } from './cli.ts';

/** Folder holding the committed fixture models. */
export const FIXTURE_MODELS_DIR = path.join(REPO_ROOT, 'fixtures', 'models');

/** Embedding width of both bi-encoders (hidden_size in their config.json). */
export const FIXTURE_DIM = 384;

/** [PAD], [UNK], [CLS], [SEP], [MASK]: these ids never count as words. */
export const SPECIAL_TOKEN_IDS: readonly number[] = [0, 100, 101, 102, 103];

/** [SEP]: the 2-class cross-encoder splits query from passage at its first occurrence. */
export const SEP_TOKEN_ID = 102;

/** Cross-encoder logit = CROSS_ENCODER_SCALE * overlap + CROSS_ENCODER_BIAS. */
export const CROSS_ENCODER_SCALE = 10;
export const CROSS_ENCODER_BIAS = -5;

/** sigmoid(logit) >= 0.5 exactly when overlap >= this (= -bias / scale). */
export const CROSS_ENCODER_OVERLAP_THRESHOLD = -CROSS_ENCODER_BIAS / CROSS_ENCODER_SCALE;

const SPECIAL = new Set(SPECIAL_TOKEN_IDS);

/** Whether a token at this position is a real word piece (inside the mask, not a special id). */
export function isWordToken(id: number, mask: number): boolean {
  return mask !== 0 && !SPECIAL.has(id);
}

/** The bi-encoder's hash bucket for a token id. */
export function tokenBucket(id: number): number {
  return id % FIXTURE_DIM;
}

/**
 * The bi-encoder's `last_hidden_state` for one row, [seq * FIXTURE_DIM] row-major: one-hot of
 * `id mod 384` for word pieces, zeros for special ids, all ones where the attention mask is 0.
 */
export function biEncoderTokenStates(ids: readonly number[], mask: readonly number[]): Float32Array {
  const states = new Float32Array(ids.length * FIXTURE_DIM);
  ids.forEach((id, t) => {
    const m = mask[t] ?? 0;
    if (m === 0) states.fill(1, t * FIXTURE_DIM, (t + 1) * FIXTURE_DIM);
    else if (isWordToken(id, m)) states[t * FIXTURE_DIM + tokenBucket(id)] = 1;
  });
  return states;
}

/** sentence-transformers mean pooling + Normalize over [seq * dim] token states. */
export function meanPoolNormalize(states: ArrayLike<number>, mask: readonly number[], dim: number): Float64Array {
  const sum = new Float64Array(dim);
  let count = 0;
  mask.forEach((m, t) => {
    if (m === 0) return;
    count += m;
    for (let d = 0; d < dim; d++) sum[d] = (sum[d] ?? 0) + (states[t * dim + d] ?? 0) * m;
  });
  const mean = sum.map((value) => value / Math.max(count, 1e-9));
  const norm = Math.sqrt(mean.reduce((acc, value) => acc + value * value, 0));
  return mean.map((value) => value / Math.max(norm, 1e-12));
}

/**
 * The sentence embedding both bi-encoders give a row (the `sentence_embedding` output, or
 * `last_hidden_state` mean-pooled and normalised): the L2-normalised histogram of word-piece buckets.
 */
export function biEncoderEmbedding(ids: readonly number[], mask: readonly number[]): Float64Array {
  return meanPoolNormalize(biEncoderTokenStates(ids, mask), mask, FIXTURE_DIM);
}

/** Dot product; equals cosine similarity for the normalised embeddings. */
export function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let total = 0;
  for (let i = 0; i < a.length; i++) total += (a[i] ?? 0) * (b[i] ?? 0);
  return total;
}

/** Type ids the 2-class cross-encoder infers: 0 up to and including the first [SEP], 1 after it. */
export function segmentsFromFirstSep(ids: readonly number[]): number[] {
  let seen = false;
  return ids.map((id) => {
    const segment = seen ? 1 : 0;
    if (id === SEP_TOKEN_ID) seen = true;
    return segment;
  });
}

function bagOfIds(ids: readonly number[], mask: readonly number[], typeIds: readonly number[], segment: number): Map<number, number> {
  const bag = new Map<number, number>();
  ids.forEach((id, t) => {
    if (isWordToken(id, mask[t] ?? 0) && (typeIds[t] ?? 0) === segment) bag.set(id, (bag.get(id) ?? 0) + 1);
  });
  return bag;
}

/**
 * Cosine between the query's and the passage's bags of exact word-piece ids (type id 0 vs 1,
 * special ids and masked positions left out); 0 when either side has no word piece.
 */
export function crossEncoderOverlap(ids: readonly number[], mask: readonly number[], typeIds: readonly number[]): number {
  const query = bagOfIds(ids, mask, typeIds, 0);
  const passage = bagOfIds(ids, mask, typeIds, 1);
  let qp = 0;
  for (const [id, count] of query) qp += count * (passage.get(id) ?? 0);
  const squares = (bag: Map<number, number>): number => [...bag.values()].reduce((acc, count) => acc + count * count, 0);
  return qp / Math.sqrt(Math.max(squares(query) * squares(passage), 1));
}

/** The cross-encoder's single logit for one `[CLS] query [SEP] passage [SEP]` row. */
export function crossEncoderLogit(ids: readonly number[], mask: readonly number[], typeIds: readonly number[]): number {
  return CROSS_ENCODER_SCALE * crossEncoderOverlap(ids, mask, typeIds) + CROSS_ENCODER_BIAS;
}

/** The 2-class cross-encoder's logits `[0, l]`, segments taken from the first [SEP]. */
export function crossEncoder2ClassLogits(ids: readonly number[], mask: readonly number[]): [number, number] {
  return [0, crossEncoderLogit(ids, mask, segmentsFromFirstSep(ids))];
}

/** Logistic function. */
export function sigmoid(x: number): number {
  return 1 / (1 + Math.exp(-x));
}

/** Softmax of a logit vector. */
export function softmax(logits: readonly number[]): number[] {
  const top = logits.reduce((most, logit) => Math.max(most, logit), Number.NEGATIVE_INFINITY);
  const exps = logits.map((logit) => Math.exp(logit - top));
  const total = exps.reduce((acc, value) => acc + value, 0);
  return exps.map((value) => value / total);
}
