/** A positive document of a query: its corpus row and its relevance grade (1 when the input has no grades). */
export interface Positive {
  doc: number;
  score: number;
}

/**
 * Per-query lists of corpus rows packed in typed arrays: query q's entries are [offsets[q], offsets[q + 1]). Millions
 * of queries cost 4 bytes per query and per entry, with no array or object per query.
 */
abstract class PackedLists {
  readonly offsets: Int32Array;
  readonly docs: Int32Array;

  constructor(offsets: Int32Array, docs: Int32Array) {
    if (offsets.length === 0 || offsets[0] !== 0 || offsets[offsets.length - 1] !== docs.length) {
      throw new RangeError(`offsets must run from 0 to ${docs.length} (the entries), got ${offsets[0]}..${offsets[offsets.length - 1]}`);
    }
    this.offsets = offsets;
    this.docs = docs;
  }

  /** Queries. */
  get length(): number {
    return this.offsets.length - 1;
  }

  /** Entries of query q (0 outside the lists). */
  count(query: number): number {
    return this.#end(query) - this.#start(query);
  }

  /** Query q's corpus rows, in input order (a view, not a copy). */
  docsOf(query: number): Int32Array {
    return this.docs.subarray(this.#start(query), this.#end(query));
  }

  protected range(query: number): [number, number] {
    return [this.#start(query), this.#end(query)];
  }

  #start(query: number): number {
    return Number.isInteger(query) && query >= 0 && query < this.length ? (this.offsets[query] ?? 0) : 0;
  }

  #end(query: number): number {
    return Number.isInteger(query) && query >= 0 && query < this.length ? (this.offsets[query + 1] ?? 0) : 0;
  }
}

/** Offsets of lists with the given lengths. */
function offsetsOf(lengths: readonly number[]): Int32Array {
  const offsets = new Int32Array(lengths.length + 1);
  for (const [q, length] of lengths.entries()) offsets[q + 1] = (offsets[q] ?? 0) + length;
  return offsets;
}

/** Corpus rows per query (given negatives). */
export class DocLists extends PackedLists {
  /** Packs plain lists (tests, small inputs). */
  static of(lists: readonly (readonly number[])[]): DocLists {
    return new DocLists(offsetsOf(lists.map((list) => list.length)), Int32Array.from(lists.flat()));
  }
}

/** Positives per query: corpus rows and their grades, side by side. */
export class PositiveLists extends PackedLists {
  readonly scores: Float64Array;

  constructor(offsets: Int32Array, docs: Int32Array, scores: Float64Array) {
    super(offsets, docs);
    if (scores.length !== docs.length) throw new RangeError(`${docs.length} positives need as many scores, got ${scores.length}`);
    this.scores = scores;
  }

  /** Query q's positives as objects, built on each call: for code off the per-candidate path. */
  at(query: number): Positive[] {
    const [start, end] = this.range(query);
    const positives: Positive[] = [];
    for (let i = start; i < end; i += 1) positives.push({ doc: this.docs[i] ?? -1, score: this.scores[i] ?? Number.NaN });
    return positives;
  }

  /** Packs plain lists (tests, small inputs). */
  static of(lists: readonly (readonly Positive[])[]): PositiveLists {
    const flat = lists.flat();
    return new PositiveLists(
      offsetsOf(lists.map((list) => list.length)),
      Int32Array.from(flat, (p) => p.doc),
      Float64Array.from(flat, (p) => p.score),
    );
  }
}
