import type { Positive } from '../../core/dataset.ts';
import { DocLists, PositiveLists } from '../../core/query-lists.ts';

/** Rows grouped by `owner(row)` in [0, owners): offsets[o]..offsets[o + 1] index `order`, input order kept. */
export function groupRows(owners: number, rows: number, owner: (row: number) => number): { offsets: Int32Array; order: Int32Array } {
  const offsets = new Int32Array(owners + 1);
  for (let row = 0; row < rows; row += 1) {
    const o = owner(row) + 1;
    offsets[o] = (offsets[o] ?? 0) + 1;
  }
  for (let o = 0; o < owners; o += 1) offsets[o + 1] = (offsets[o + 1] ?? 0) + (offsets[o] ?? 0);
  const next = offsets.slice(0, owners);
  const order = new Int32Array(rows);
  for (let row = 0; row < rows; row += 1) {
    const o = owner(row);
    order[next[o] ?? 0] = row;
    next[o] = (next[o] ?? 0) + 1;
  }
  return { offsets, order };
}

/** Fills the packed positive and given-negative lists query by query, into arrays sized for every judgment row. */
export class QueryListsBuilder {
  readonly #positiveOffsets: Int32Array;
  readonly #positiveDocs: Int32Array;
  readonly #positiveScores: Float64Array;
  readonly #negativeOffsets: Int32Array;
  readonly #negativeDocs: Int32Array;
  #queries = 0;

  constructor(queries: number, positiveRows: number, negativeRows: number) {
    this.#positiveOffsets = new Int32Array(queries + 1);
    this.#positiveDocs = new Int32Array(positiveRows);
    this.#positiveScores = new Float64Array(positiveRows);
    this.#negativeOffsets = new Int32Array(queries + 1);
    this.#negativeDocs = new Int32Array(negativeRows);
  }

  addQuery(positives: Iterable<Positive>, negatives: Iterable<number>): void {
    const q = this.#queries;
    let at = this.#positiveOffsets[q] ?? 0;
    for (const { doc, score } of positives) {
      this.#positiveDocs[at] = doc;
      this.#positiveScores[at] = score;
      at += 1;
    }
    this.#positiveOffsets[q + 1] = at;
    at = this.#negativeOffsets[q] ?? 0;
    for (const doc of negatives) {
      this.#negativeDocs[at] = doc;
      at += 1;
    }
    this.#negativeOffsets[q + 1] = at;
    this.#queries = q + 1;
  }

  /** The lists of the queries added (queries without positives were never added, so the offsets are cut short). */
  finish(): { positives: PositiveLists; givenNegatives: DocLists } {
    const q = this.#queries;
    const positiveEnd = this.#positiveOffsets[q] ?? 0;
    const negativeEnd = this.#negativeOffsets[q] ?? 0;
    return {
      positives: new PositiveLists(fit(this.#positiveOffsets, q + 1), fit(this.#positiveDocs, positiveEnd), fit(this.#positiveScores, positiveEnd)),
      givenNegatives: new DocLists(fit(this.#negativeOffsets, q + 1), fit(this.#negativeDocs, negativeEnd)),
    };
  }
}

/** The first `length` values, copied only when that frees a part worth freeing. */
function fit<T extends Int32Array | Float64Array>(values: T, length: number): T {
  if (length === values.length) return values;
  return (length < values.length * 0.9 ? values.slice(0, length) : values.subarray(0, length)) as T;
}
