import type { Corpus, CorpusTexts, Dataset, TextHashKind } from '../core/dataset.ts';
import type { VectorRows } from '../core/vector-chunks.ts';
import { normalizedTextKey } from './normalize-text.ts';
import { HashIndex, textHash } from './text-hash.ts';
import type { ExclusionMode } from './select.ts';

/** Why a candidate is the positive (or the query) itself and never a negative. */
export type IdentityExclusion = 'positive_id' | 'positive_text' | 'query_text' | 'near_duplicate';

/**
 * Text keys of corpus documents: the normalized text (the exact text under --exclusions st), known by a 53-bit
 * hash per document (computed when the corpus was read, or here on first use). Equal hashes are confirmed on the
 * real texts, read back from the corpus texts, so a hash collision never makes two texts one.
 */
export class TextKeys {
  readonly #hashes: Float64Array;
  readonly #given: boolean;
  constructor(
    readonly texts: CorpusTexts,
    readonly mode: ExclusionMode = 'strict',
    /** hashes[doc] = hash(key(doc)), from the loader; computed lazily when absent. */
    hashes?: Float64Array,
    /** The hash of a key text (injectable so tests can force collisions). */
    readonly hash: (key: string) => number = textHash,
  ) {
    this.#given = hashes !== undefined && hashes.length >= texts.length;
    this.#hashes = this.#given && hashes !== undefined ? hashes : new Float64Array(texts.length).fill(-1);
  }

  /** The keys of a loaded corpus under an exclusion mode, with the hashes the loader computed. */
  static forCorpus(corpus: Corpus, mode: ExclusionMode = 'strict'): TextKeys {
    return new TextKeys(corpus.texts, mode, corpus.textHashes?.[TextKeys.hashKind(mode)]);
  }

  /** The per-document hash an exclusion mode's keys use (what `mine` asks the loader to keep). */
  static hashKind(mode: ExclusionMode): TextHashKind {
    return mode === 'st' ? 'exact' : 'normalized';
  }

  /** The key's hash of document `doc`. */
  of(doc: number): number {
    let hash = this.#hashes[doc] ?? -1;
    if (hash < 0 && !this.#given) {
      hash = this.hash(this.key(doc));
      this.#hashes[doc] = hash;
    }
    return hash;
  }

  /** The key text of document `doc`, read from the corpus texts. */
  key(doc: number): string {
    return this.keyOfText(this.texts.at(doc) ?? '');
  }

  keyOfText(text: string): string {
    return this.mode === 'st' ? text : normalizedTextKey(text);
  }

  /** Whether two documents have the same key: hashes first, the real texts only when the hashes are equal. */
  same(a: number, b: number): boolean {
    return a === b || (this.of(a) === this.of(b) && this.key(a) === this.key(b));
  }
}

/** A set of document text keys (collision-safe): has(doc) when some member has doc's key. */
export class TextKeySet {
  #index = new HashIndex();
  constructor(readonly keys: TextKeys) {}

  has(doc: number): boolean {
    return this.#index.find(this.keys.of(doc), (member) => this.keys.same(doc, member)) !== undefined;
  }

  /** Adds doc unless its key is already in (returns false then). */
  add(doc: number): boolean {
    const hash = this.keys.of(doc);
    if (this.#index.find(hash, (member) => this.keys.same(doc, member)) !== undefined) return false;
    this.#index.add(hash, doc);
    return true;
  }

  clear(): void {
    this.#index.clear();
  }

  /** Becomes a copy of `other` (a set of the same keys). */
  copyFrom(other: TextKeySet): void {
    this.#index.copyFrom(other.#index);
  }

  clone(): TextKeySet {
    const copy = new TextKeySet(this.keys);
    copy.#index = this.#index.clone();
    return copy;
  }
}

/** Positives past this count are looked up in a Set instead of a scan. */
const SCAN_LIMIT = 16;

/**
 * One query's identity checks: a candidate is never a negative when it is a positive (id) or has a positive's text;
 * in strict mode also when it has the query's text (normalized) or is a near-duplicate of a positive (cosine >=
 * dupThreshold; a threshold of 1 or more turns that check off, as rounding lifts identical vectors' dot products
 * above 1). The cheap checks (id, text key) run per document; the near-duplicate check runs on a block of
 * candidates at once, as one candidates x positives product.
 */
export class QueryIdentity {
  /** The query's positives (a view of the dataset's packed lists). */
  positives: Int32Array = new Int32Array(0);
  #positiveSet: Set<number> | undefined;
  readonly #positiveKeys: TextKeySet;
  /** The query, its normalized text (read only when a candidate's hash matches) and its hash (-1: not strict mode). */
  #query = -1;
  #queryKey: string | undefined;
  #queryHash = -1;
  #nearDuplicates = false;
  /** The positives' vectors, contiguous [positives, dim] (float32, whatever the corpus's storage). */
  #positiveVectors = new Float32Array(0);
  /** One candidate's row as float32: only the rows the check needs are widened, never the corpus. */
  readonly #candidate: Float32Array;

  constructor(
    readonly dataset: Dataset,
    query: number,
    readonly corpus: VectorRows,
    readonly keys: TextKeys,
    readonly dupThreshold: number,
  ) {
    this.#positiveKeys = new TextKeySet(keys);
    this.#candidate = new Float32Array(keys.mode === 'strict' && dupThreshold < 1 ? corpus.dim : 0);
    this.reset(query);
  }

  /** Makes this the identity of another query (a plan reuses one instance and its buffers for all its queries). */
  reset(query: number): void {
    const { dataset, corpus, keys } = this;
    const strict = keys.mode === 'strict';
    const list = dataset.positives.docsOf(query);
    this.positives = list;
    this.#positiveSet = list.length > SCAN_LIMIT ? new Set(this.positives) : undefined;
    this.#positiveKeys.clear();
    for (const doc of this.positives) this.#positiveKeys.add(doc);
    this.#query = query;
    this.#queryKey = undefined;
    // The loader's hash of the query's normalized text, when these keys hash the same way; else hashed here.
    const known = keys.hash === textHash ? dataset.queries.normalizedHashes?.[query] : undefined;
    this.#queryHash = !strict ? -1 : (known ?? keys.hash(this.#queryKeyText()));
    this.#nearDuplicates = strict && this.dupThreshold < 1 && list.length > 0;
    if (!this.#nearDuplicates) return;
    const { dim } = corpus;
    if (this.#positiveVectors.length < list.length * dim) this.#positiveVectors = new Float32Array(Math.max(list.length, 4) * dim);
    this.positives.forEach((doc, i) => {
      corpus.readRow(doc, this.#positiveVectors, i * dim);
    });
  }

  /** The query's normalized text, read (from the store, on disk for `mine`) the first time it is needed. */
  #queryKeyText(): string {
    this.#queryKey ??= normalizedTextKey(this.dataset.queries.texts.at(this.#query) ?? '');
    return this.#queryKey;
  }

  isPositive(doc: number): boolean {
    if (this.#positiveSet !== undefined) return this.#positiveSet.has(doc);
    for (const positive of this.positives) if (positive === doc) return true;
    return false;
  }

  /** The checks that need no vectors (id, then text keys by hash, confirmed on the texts). */
  cheap(doc: number): IdentityExclusion | undefined {
    if (this.isPositive(doc)) return 'positive_id';
    if (this.#positiveKeys.has(doc)) return 'positive_text';
    if (this.#queryHash !== -1 && this.keys.of(doc) === this.#queryHash && this.keys.key(doc) === this.#queryKeyText()) return 'query_text';
    return undefined;
  }

  /** out[i] = 1 when docs[i] (i < count) is a near-duplicate of a positive, else 0. */
  nearDuplicates(docs: Int32Array, count: number, out: Uint8Array): void {
    out.fill(0, 0, count);
    if (!this.#nearDuplicates) return;
    const { dim } = this.corpus;
    const pv = this.#positiveVectors;
    const data = this.#candidate;
    const positives = this.positives.length;
    const threshold = this.dupThreshold;
    for (let i = 0; i < count; i += 1) {
      this.corpus.readRow(docs[i] ?? 0, data);
      for (let p = 0; p < positives; p += 1) {
        const po = p * dim;
        let s0 = 0;
        let s1 = 0;
        let s2 = 0;
        let s3 = 0;
        let d = 0;
        for (; d + 3 < dim; d += 4) {
          s0 += (data[d] ?? 0) * (pv[po + d] ?? 0);
          s1 += (data[d + 1] ?? 0) * (pv[po + d + 1] ?? 0);
          s2 += (data[d + 2] ?? 0) * (pv[po + d + 2] ?? 0);
          s3 += (data[d + 3] ?? 0) * (pv[po + d + 3] ?? 0);
        }
        for (; d < dim; d += 1) s0 += (data[d] ?? 0) * (pv[po + d] ?? 0);
        if (s0 + s1 + s2 + s3 >= threshold) {
          out[i] = 1;
          break;
        }
      }
    }
  }

  /** Every identity check for one document (given negatives). */
  check(doc: number): IdentityExclusion | undefined {
    const cheap = this.cheap(doc);
    if (cheap !== undefined) return cheap;
    const flag = new Uint8Array(1);
    this.nearDuplicates(Int32Array.of(doc), 1, flag);
    return flag[0] === 1 ? 'near_duplicate' : undefined;
  }
}
