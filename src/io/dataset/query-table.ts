import type { Positive } from '../../core/dataset.ts';
import { DocLists, PositiveLists } from '../../core/query-lists.ts';
import { normalizedTextKey } from '../../mine/normalize-text.ts';
import { Float64List } from '../../core/float64-list.ts';
import { HashIndex, textHash } from '../../mine/text-hash.ts';
import { derivedId } from './corpus-builder.ts';

export type AddQueryResult = { kind: 'ok'; query: number; isNew: boolean } | { kind: 'conflict'; firstPosition: number };

/** A query that ended with no positive: skipped and listed in the report. */
export interface QueryWithoutPositive {
  id: string;
  text: string;
  /** Where the query was first read (line or row of its file). */
  position: number;
}

/** The kept queries as parallel arrays, plus what merging and deduplication did. */
export interface BuiltQueries {
  ids: string[];
  texts: string[];
  positives: PositiveLists;
  givenNegatives: DocLists;
  extras: (Record<string, unknown> | undefined)[];
  teacherScores: (ReadonlyMap<number, number> | undefined)[];
  /** Queries folded into an earlier query with the same normalized text under another id. */
  mergedQueries: number;
  /** Positives dropped because an earlier positive of the same query has the same normalized passage. */
  duplicatePositives: number;
  withoutPositives: QueryWithoutPositive[];
}

/** Rows grouped by `owner(row)` in [0, owners): offsets[o]..offsets[o + 1] index `order`, input order kept. */
function groupRows(owners: number, rows: number, owner: (row: number) => number): { offsets: Int32Array; order: Int32Array } {
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
class PackedBuilder {
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

/**
 * Unique queries with their positives and given negatives, keyed by id when the input has ids, else by exact text.
 * Judgments are kept as (query, doc, score) rows in typed arrays and grouped per query only when built: no Map, Set
 * or key string per query while millions of queries are read.
 */
export class QueryTable {
  readonly ids: string[] = [];
  readonly texts: string[] = [];
  readonly #positiveQuery = new Float64List();
  readonly #positiveDoc = new Float64List();
  readonly #positiveScore = new Float64List();
  readonly #negativeQuery = new Float64List();
  readonly #negativeDoc = new Float64List();
  readonly #firstPosition = new Float64List();
  readonly #extras = new Map<number, Record<string, unknown>>();
  readonly #teacherScores = new Map<number, Map<number, number>>();
  /** Queries added with an id, by a hash of the id; queries added without one, by a hash of their text. */
  readonly #byId = new HashIndex();
  readonly #byText = new HashIndex();

  get size(): number {
    return this.ids.length;
  }

  /** Finds or adds a query; with an id, a repeated id must repeat the same text. */
  add(id: string | undefined, text: string, position: number): AddQueryResult {
    const existing = id === undefined ? this.#byText.find(textHash(text), (q) => this.texts[q] === text) : this.byId(id);
    if (existing !== undefined) {
      if (this.texts[existing] !== text) return { kind: 'conflict', firstPosition: this.#firstPosition.at(existing) };
      return { kind: 'ok', query: existing, isNew: false };
    }
    const query = this.ids.length;
    this.ids.push(id ?? derivedId('q', text));
    this.texts.push(text);
    this.#firstPosition.push(position);
    if (id === undefined) this.#byText.add(textHash(text), query);
    else this.#byId.add(textHash(id), query);
    return { kind: 'ok', query, isNew: true };
  }

  byId(id: string): number | undefined {
    return this.#byId.find(textHash(id), (q) => this.ids[q] === id);
  }

  /** Adds a positive; a document judged twice keeps its highest grade. */
  addPositive(query: number, doc: number, score: number): void {
    if (!this.#has(query)) return;
    this.#positiveQuery.push(query);
    this.#positiveDoc.push(doc);
    this.#positiveScore.push(score);
  }

  addNegative(query: number, doc: number): void {
    if (!this.#has(query)) return;
    this.#negativeQuery.push(query);
    this.#negativeDoc.push(doc);
  }

  /** The fields of the query's first row that negmine does not own. */
  setExtras(query: number, extras: Record<string, unknown>): void {
    if (this.#has(query)) this.#extras.set(query, extras);
  }

  /** A score the input gave for (query, doc); the first one given wins. */
  addTeacherScore(query: number, doc: number, score: number): void {
    if (!this.#has(query)) return;
    let scores = this.#teacherScores.get(query);
    if (scores === undefined) {
      scores = new Map();
      this.#teacherScores.set(query, scores);
    }
    if (!scores.has(doc)) scores.set(doc, score);
  }

  firstPosition(query: number): number {
    return this.#has(query) ? this.#firstPosition.at(query) : 0;
  }

  /**
   * The queries kept, in first-seen order. Queries whose texts share a normalized key are one query (as in
   * sentence-transformers): the first id and text win, positives, negatives and scores are united. A query's
   * positives with the same passage key (`docKey`) are kept once. Queries left without a positive are listed apart.
   */
  build(keep: (query: number) => boolean, docKey: (doc: number) => string): BuiltQueries {
    const result: Omit<BuiltQueries, 'positives' | 'givenNegatives'> = { ids: [], texts: [], extras: [], teacherScores: [], mergedQueries: 0, duplicatePositives: 0, withoutPositives: [] };
    const total = this.ids.length;
    // Members of a normalized-text group as a linked list from its first query: -1 ends it, -2 is not kept.
    const nextMember = new Int32Array(total).fill(-2);
    const lastMember = new Int32Array(total).fill(-1);
    const groups = new HashIndex();
    const firsts: number[] = [];
    for (let query = 0; query < total; query += 1) {
      if (!keep(query)) continue;
      nextMember[query] = -1;
      const key = normalizedTextKey(this.texts[query] ?? '');
      const hash = textHash(key);
      const first = groups.find(hash, (q) => normalizedTextKey(this.texts[q] ?? '') === key);
      if (first === undefined) {
        groups.add(hash, query);
        lastMember[query] = query;
        firsts.push(query);
        continue;
      }
      nextMember[lastMember[first] ?? first] = query;
      lastMember[first] = query;
      result.mergedQueries += 1;
    }
    const positives = groupRows(total, this.#positiveQuery.length, (row) => this.#positiveQuery.at(row));
    const negatives = groupRows(total, this.#negativeQuery.length, (row) => this.#negativeQuery.at(row));
    // Packed as built: there are at most as many entries as judgment rows.
    const packed = new PackedBuilder(firsts.length, this.#positiveQuery.length, this.#negativeQuery.length);
    // Reused per group: only the group being merged is ever in a Map.
    const best = new Map<number, number>();
    const given = new Set<number>();
    const kept = new Map<string, Positive>();
    for (const first of firsts) {
      best.clear();
      given.clear();
      kept.clear();
      let teacher: Map<number, number> | undefined;
      for (let query = first; query >= 0; query = nextMember[query] ?? -1) {
        for (let at = positives.offsets[query] ?? 0, end = positives.offsets[query + 1] ?? 0; at < end; at += 1) {
          const row = positives.order[at] ?? 0;
          const doc = this.#positiveDoc.at(row);
          best.set(doc, Math.max(this.#positiveScore.at(row), best.get(doc) ?? Number.NEGATIVE_INFINITY));
        }
        for (let at = negatives.offsets[query] ?? 0, end = negatives.offsets[query + 1] ?? 0; at < end; at += 1) given.add(this.#negativeDoc.at(negatives.order[at] ?? 0));
        for (const [doc, score] of this.#teacherScores.get(query) ?? []) {
          teacher ??= new Map();
          if (!teacher.has(doc)) teacher.set(doc, score);
        }
      }
      for (const [doc, score] of best) {
        const key = docKey(doc);
        const earlier = kept.get(key);
        if (earlier === undefined) {
          kept.set(key, { doc, score });
          continue;
        }
        earlier.score = Math.max(earlier.score, score);
        result.duplicatePositives += 1;
        teacher?.delete(doc);
      }
      if (kept.size === 0) {
        result.withoutPositives.push({ id: this.ids[first] ?? '', text: this.texts[first] ?? '', position: this.#firstPosition.at(first) });
        continue;
      }
      result.ids.push(this.ids[first] ?? '');
      result.texts.push(this.texts[first] ?? '');
      packed.addQuery(kept.values(), given);
      result.extras.push(this.#extras.get(first));
      result.teacherScores.push(teacher);
    }
    return { ...result, ...packed.finish() };
  }

  #has(query: number): boolean {
    return Number.isInteger(query) && query >= 0 && query < this.ids.length;
  }
}
