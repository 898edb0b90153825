import type { Positive, StringList } from '../../core/dataset.ts';
import type { DocLists, PositiveLists } from '../../core/query-lists.ts';
import { PackedStrings } from '../../core/packed-strings.ts';
import { normalizedTextKey } from '../../mine/normalize-text.ts';
import { Float64List, Int32List } from '../../core/growable-list.ts';
import { HashIndex, textHash } from '../../mine/text-hash.ts';
import type { TextStore } from '../text-store.ts';
import { derivedId } from './corpus-builder.ts';
import { groupRows, QueryListsBuilder } from './query-lists-builder.ts';

export type AddQueryResult = { kind: 'ok'; query: number; isNew: boolean } | { kind: 'conflict'; firstPosition: number };

/** A query that ended with no positive: skipped and listed in the report. */
export interface QueryWithoutPositive {
  id: string;
  text: string;
  /** Where the query was first read (line or row of its file). */
  position: number;
}

/** The kept queries as parallel lists, plus what merging and deduplication did. */
export interface BuiltQueries {
  ids: StringList;
  /** Read from the table's text store when it has one. */
  texts: StringList;
  /** textHash(normalizedTextKey(text)) per kept query, computed while reading (identity checks need no text). */
  normalizedHashes: Float64Array;
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

/** Whether every doc's hash is known and no two are equal (their texts then differ). */
function hashesDiffer(docs: Iterable<number>, docHash: ((doc: number) => number | undefined) | undefined): boolean {
  if (docHash === undefined) return false;
  const seen = new Set<number>();
  for (const doc of docs) {
    const hash = docHash(doc);
    if (hash === undefined || seen.has(hash)) return false;
    seen.add(hash);
  }
  return true;
}

/**
 * Unique queries with their positives and given negatives, keyed by id when the input has ids, else by exact text.
 * Ids are packed, texts go to a store on disk when one is given, and judgments are kept as (query, doc, score) rows
 * in typed arrays grouped per query only when built: no Map, Set, array or string per query while millions of
 * queries are read.
 */
export class QueryTable {
  readonly #ids = new PackedStrings();
  readonly #texts: TextStore | string[];
  /** textHash(normalizedTextKey(text)) per query. */
  readonly #normalizedHashes = new Float64List();
  readonly #positiveQuery = new Int32List();
  readonly #positiveDoc = new Int32List();
  readonly #positiveScore = new Float64List();
  readonly #negativeQuery = new Int32List();
  readonly #negativeDoc = new Int32List();
  readonly #firstPosition = new Float64List();
  readonly #extras = new Map<number, Record<string, unknown>>();
  readonly #teacherScores = new Map<number, Map<number, number>>();
  /** Queries added with an id, by a hash of the id; queries added without one, by a hash of their text. */
  readonly #byId = new HashIndex();
  readonly #byText = new HashIndex();
  /** The query found or added last and its text: rows of one query usually follow each other, so no store read. */
  #lastQuery = -1;
  #lastText = '';

  /** Texts go to `store` (read back by index) when given, else stay in memory. */
  constructor(store?: TextStore) {
    this.#texts = store ?? [];
  }

  get size(): number {
    return this.#ids.length;
  }

  id(query: number): string {
    return this.#ids.at(query) ?? '';
  }

  text(query: number): string {
    if (query === this.#lastQuery) return this.#lastText;
    return this.#texts.at(query) ?? '';
  }

  /** Every query read, in order (before merging: what `negmine embed --queries` embeds). */
  lists(): { ids: StringList; texts: StringList } {
    return { ids: this.#ids, texts: this.#texts };
  }

  /** Finds or adds a query; with an id, a repeated id must repeat the same text. */
  add(id: string | undefined, text: string, position: number): AddQueryResult {
    const existing = id === undefined ? this.#byText.find(textHash(text), (q) => this.text(q) === text) : this.byId(id);
    if (existing !== undefined) {
      if (this.text(existing) !== text) return { kind: 'conflict', firstPosition: this.#firstPosition.at(existing) };
      this.#remember(existing, text);
      return { kind: 'ok', query: existing, isNew: false };
    }
    const query = this.#ids.length;
    this.#ids.push(id ?? derivedId('q', text));
    if (Array.isArray(this.#texts)) this.#texts.push(text);
    else this.#texts.append(text);
    this.#normalizedHashes.push(textHash(normalizedTextKey(text)));
    this.#firstPosition.push(position);
    this.#remember(query, text);
    if (id === undefined) this.#byText.add(textHash(text), query);
    else this.#byId.add(textHash(id), query);
    return { kind: 'ok', query, isNew: true };
  }

  byId(id: string): number | undefined {
    return this.#byId.find(textHash(id), (q) => this.#ids.at(q) === id);
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
  build(keep: (query: number) => boolean, docKey: (doc: number) => string, docHash?: (doc: number) => number | undefined): BuiltQueries {
    const result: Omit<BuiltQueries, 'ids' | 'texts' | 'normalizedHashes' | 'positives' | 'givenNegatives'> = { extras: [], teacherScores: [], mergedQueries: 0, duplicatePositives: 0, withoutPositives: [] };
    const total = this.#ids.length;
    // Members of a normalized-text group as a linked list from its first query: -1 ends it, -2 is not kept.
    const nextMember = new Int32Array(total).fill(-2);
    const lastMember = new Int32Array(total).fill(-1);
    const groups = new HashIndex();
    const firsts: number[] = [];
    for (let query = 0; query < total; query += 1) {
      if (!keep(query)) continue;
      nextMember[query] = -1;
      const hash = this.#normalizedHashes.at(query);
      // Texts are read (from the store) only when two queries' hashes agree.
      const first = groups.find(hash, (q) => normalizedTextKey(this.text(q)) === normalizedTextKey(this.text(query)));
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
    const packed = new QueryListsBuilder(firsts.length, this.#positiveQuery.length, this.#negativeQuery.length);
    const keptQueries = new Int32List();
    // Reused per group: only the group being merged is ever in a Map.
    const best = new Map<number, number>();
    const given = new Set<number>();
    const kept = new Map<string | number, Positive>();
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
      // Keys (passages read back from the store) only when two positives may be copies: a lone positive, or ones whose
      // normalized texts hash apart, are told apart by row.
      const needKeys = best.size > 1 && !hashesDiffer(best.keys(), docHash);
      for (const [doc, score] of best) {
        const key = needKeys ? docKey(doc) : doc;
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
        result.withoutPositives.push({ id: this.id(first), text: this.text(first), position: this.#firstPosition.at(first) });
        continue;
      }
      keptQueries.push(first);
      packed.addQuery(kept.values(), given);
      result.extras.push(this.#extras.get(first));
      result.teacherScores.push(teacher);
    }
    return { ...result, ...this.#keptTexts(keptQueries.values()), ...packed.finish() };
  }

  /** Ids, texts and hashes of the kept queries: when all are kept in order, the table's own lists (no copy). */
  #keptTexts(kept: Int32Array): Pick<BuiltQueries, 'ids' | 'texts' | 'normalizedHashes'> {
    const store = this.#texts;
    const all = kept.length === this.#ids.length && kept.every((query, i) => query === i);
    if (all) return { ids: this.#ids, texts: store, normalizedHashes: this.#normalizedHashes.values() };
    const ids = new PackedStrings();
    const normalizedHashes = new Float64Array(kept.length);
    for (const [i, query] of kept.entries()) {
      ids.push(this.id(query));
      normalizedHashes[i] = this.#normalizedHashes.at(query);
    }
    if (Array.isArray(store)) return { ids, texts: Array.from(kept, (query) => store[query] ?? ''), normalizedHashes };
    const rows = kept.slice();
    const inRange = (i: number): boolean => Number.isInteger(i) && i >= 0 && i < rows.length;
    return {
      ids,
      normalizedHashes,
      texts: { length: rows.length, at: (i) => (inRange(i) ? store.at(rows[i] ?? -1) : undefined), many: (indexes) => store.partsAt(Array.from(indexes, (i) => (inRange(i) ? (rows[i] ?? -1) : -1))) },
    };
  }

  #remember(query: number, text: string): void {
    this.#lastQuery = query;
    this.#lastText = text;
  }

  #has(query: number): boolean {
    return Number.isInteger(query) && query >= 0 && query < this.#ids.length;
  }
}
