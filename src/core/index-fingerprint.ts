import { createHash } from 'node:crypto';
import type { CorpusTexts, StringList } from './dataset.ts';
import { VECTOR_DTYPES, type VectorDtype } from './vector-chunks.ts';

/** Everything that decides an index's contents: a saved index is reused only when all of it matches. */
export interface IndexFingerprint {
  /** Bi-encoder as the user named it (hub id or path): shown in messages, never compared (paths differ, bytes decide). */
  model: string;
  /** sha256 of the model's ONNX file and its external data (src/io/model-digest.ts). */
  modelSha256: string;
  /** sha256 of the model's tokenizer.json. */
  tokenizerSha256: string;
  dim: number;
  normalize: boolean;
  pooling: string;
  maxLength: number;
  /** --truncate-dim, 0 without it; indexes saved before the flag existed lack it and count as 0. */
  truncateDim?: number;
  /** --vector-dtype the vectors were kept in before indexing; indexes saved before the flag existed lack it (float32). */
  vectorDtype?: VectorDtype;
  passagePrefix: string;
  corpusSize: number;
  /** hashCorpus(ids, texts). */
  corpusSha256: string;
  /** FAISS factory string; 'Flat' for exact search (with or without --index, the same IndexFlatIP). */
  factory: string;
}

const STRING_FIELDS = ['model', 'modelSha256', 'tokenizerSha256', 'pooling', 'passagePrefix', 'corpusSha256', 'factory'] as const;
const NUMBER_FIELDS = ['dim', 'maxLength', 'corpusSize'] as const;

/** Whether a parsed meta.json value has every fingerprint field with the right type. */
export function isIndexFingerprint(value: unknown): value is IndexFingerprint {
  if (typeof value !== 'object' || value === null) return false;
  const record = value as Record<string, unknown>;
  return (
    STRING_FIELDS.every((field) => typeof record[field] === 'string') &&
    NUMBER_FIELDS.every((field) => Number.isSafeInteger(record[field])) &&
    typeof record.normalize === 'boolean' &&
    (record.vectorDtype === undefined || (VECTOR_DTYPES as readonly unknown[]).includes(record.vectorDtype))
  );
}

/** What a run expects of a saved index; without a factory (no --index) it takes the saved one. */
export type ExpectedFingerprint = Omit<IndexFingerprint, 'factory'> & { factory?: string };

/**
 * Why an index built with `saved` cannot serve a run that expects `expected` ("it was built with another
 * tokenizer.json"), or null when they match. Only contents are compared: the same model under another path or in a
 * copied folder matches. Fields are checked model first, corpus last.
 */
export function describeFingerprintMismatch(saved: IndexFingerprint, expected: ExpectedFingerprint): string | null {
  if (saved.modelSha256 !== expected.modelSha256) {
    return `it was built with a different ONNX model ('${saved.model}', sha256 ${short(saved.modelSha256)}; this run's '${expected.model}' has ${short(expected.modelSha256)})`;
  }
  if (saved.tokenizerSha256 !== expected.tokenizerSha256) {
    return `it was built with a different tokenizer.json (sha256 ${short(saved.tokenizerSha256)}; this run's has ${short(expected.tokenizerSha256)})`;
  }
  if (saved.dim !== expected.dim) return `it has dimension ${saved.dim}, this run's embeddings have dimension ${expected.dim}`;
  if (saved.normalize !== expected.normalize) {
    return `it was built with normalize ${String(saved.normalize)}, this run uses normalize ${String(expected.normalize)}`;
  }
  if (saved.pooling !== expected.pooling) return `it was built with pooling '${saved.pooling}', this run uses '${expected.pooling}'`;
  if (saved.maxLength !== expected.maxLength) return `it was built with max length ${saved.maxLength}, this run uses ${expected.maxLength}`;
  if ((saved.truncateDim ?? 0) !== (expected.truncateDim ?? 0)) return `it was built with ${truncation(saved.truncateDim)}, this run uses ${truncation(expected.truncateDim)}`;
  if ((saved.vectorDtype ?? 'float32') !== (expected.vectorDtype ?? 'float32')) {
    return `it was built from ${saved.vectorDtype ?? 'float32'} vectors, this run keeps ${expected.vectorDtype ?? 'float32'} vectors (--vector-dtype)`;
  }
  if (saved.passagePrefix !== expected.passagePrefix) {
    return `it was built with passage prefix ${JSON.stringify(saved.passagePrefix)}, this run uses ${JSON.stringify(expected.passagePrefix)}`;
  }
  if (saved.corpusSize !== expected.corpusSize) return `it indexes ${saved.corpusSize} passages, this run's corpus has ${expected.corpusSize}`;
  if (saved.corpusSha256 !== expected.corpusSha256) return 'it indexes a different corpus (same size, but ids or texts differ)';
  if (expected.factory !== undefined && saved.factory !== expected.factory) {
    return `it was built with ${indexKind(saved.factory)}, this run asks for ${indexKind(expected.factory)} (drop --index to search the saved index as it is)`;
  }
  return null;
}

/** sha256 of a corpus's ids and texts in order; each string is length-prefixed so no two corpora collide by concatenation. */
export function hashCorpus(ids: StringList, texts: CorpusTexts): string {
  if (ids.length !== texts.length) throw new RangeError(`hashCorpus got ${ids.length} ids and ${texts.length} texts`);
  const hash = createHash('sha256');
  const length = Buffer.alloc(8);
  const update = (value: string): void => {
    const bytes = Buffer.from(value, 'utf8');
    length.writeBigUInt64LE(BigInt(bytes.length));
    hash.update(length);
    hash.update(bytes);
  };
  for (let i = 0; i < ids.length; i++) {
    update(ids.at(i) ?? '');
    update(texts.at(i) ?? '');
  }
  return hash.digest('hex');
}

function indexKind(factory: string): string {
  return factory === 'Flat' ? "exact search (--index 'Flat')" : `--index '${factory}'`;
}

function truncation(truncateDim: number | undefined): string {
  return truncateDim === undefined || truncateDim === 0 ? 'full-width vectors (no --truncate-dim)' : `--truncate-dim ${truncateDim}`;
}

function short(sha256: string): string {
  return `${sha256.slice(0, 12)}...`;
}
