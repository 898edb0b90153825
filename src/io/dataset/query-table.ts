import type { Positive } from '../../core/dataset.ts';
import { normalizedTextKey } from '../../mine/normalize-text.ts';
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
  positives: Positive[][];
  givenNegatives: number[][];
  extras: (Record<string, unknown> | undefined)[];
  teacherScores: (ReadonlyMap<number, number> | undefined)[];
  /** Queries folded into an earlier query with the same normalized text under another id. */
  mergedQueries: number;
  /** Positives dropped because an earlier positive of the same query has the same normalized passage. */
  duplicatePositives: number;
  withoutPositives: QueryWithoutPositive[];
}

/** Unique queries with their positives and given negatives, keyed by id when the input has ids, else by exact text. */
export class QueryTable {
  readonly ids: string[] = [];
  readonly texts: string[] = [];
  readonly #positives: Map<number, number>[] = [];
  readonly #negatives: Set<number>[] = [];
  readonly #firstPosition: number[] = [];
  readonly #extras: (Record<string, unknown> | undefined)[] = [];
  readonly #teacherScores: (Map<number, number> | undefined)[] = [];
  readonly #byKey = new Map<string, number>();

  get size(): number {
    return this.ids.length;
  }

  /** Finds or adds a query; with an id, a repeated id must repeat the same text. */
  add(id: string | undefined, text: string, position: number): AddQueryResult {
    const key = id === undefined ? `t:${text}` : `i:${id}`;
    const existing = this.#byKey.get(key);
    if (existing !== undefined) {
      if (this.texts[existing] !== text) return { kind: 'conflict', firstPosition: this.#firstPosition[existing] ?? 0 };
      return { kind: 'ok', query: existing, isNew: false };
    }
    const query = this.ids.length;
    this.ids.push(id ?? derivedId('q', text));
    this.texts.push(text);
    this.#positives.push(new Map());
    this.#negatives.push(new Set());
    this.#firstPosition.push(position);
    this.#extras.push(undefined);
    this.#teacherScores.push(undefined);
    this.#byKey.set(key, query);
    return { kind: 'ok', query, isNew: true };
  }

  byId(id: string): number | undefined {
    return this.#byKey.get(`i:${id}`);
  }

  /** Adds a positive; a document judged twice keeps its highest grade. */
  addPositive(query: number, doc: number, score: number): void {
    const positives = this.#positives[query];
    if (positives === undefined) return;
    positives.set(doc, Math.max(score, positives.get(doc) ?? Number.NEGATIVE_INFINITY));
  }

  addNegative(query: number, doc: number): void {
    this.#negatives[query]?.add(doc);
  }

  /** The fields of the query's first row that negmine does not own. */
  setExtras(query: number, extras: Record<string, unknown>): void {
    this.#extras[query] = extras;
  }

  /** A score the input gave for (query, doc); the first one given wins. */
  addTeacherScore(query: number, doc: number, score: number): void {
    if (query < 0 || query >= this.ids.length) return;
    const scores = (this.#teacherScores[query] ??= new Map());
    if (!scores.has(doc)) scores.set(doc, score);
  }

  positiveCount(query: number): number {
    return this.#positives[query]?.size ?? 0;
  }

  firstPosition(query: number): number {
    return this.#firstPosition[query] ?? 0;
  }

  /**
   * The queries kept, in first-seen order. Queries whose texts share a normalized key are one query (as in
   * sentence-transformers): the first id and text win, positives, negatives and scores are united. A query's
   * positives with the same passage key (`docKey`) are kept once. Queries left without a positive are listed apart.
   */
  build(keep: (query: number) => boolean, docKey: (doc: number) => string): BuiltQueries {
    const result: BuiltQueries = {
      ids: [], texts: [], positives: [], givenNegatives: [], extras: [], teacherScores: [], mergedQueries: 0, duplicatePositives: 0, withoutPositives: [],
    };
    const groups = new Map<string, number[]>();
    for (let query = 0; query < this.ids.length; query += 1) {
      if (!keep(query)) continue;
      const key = normalizedTextKey(this.texts[query] ?? '');
      const group = groups.get(key);
      if (group === undefined) groups.set(key, [query]);
      else group.push(query);
    }
    for (const members of groups.values()) {
      const first = members[0] ?? 0;
      result.mergedQueries += members.length - 1;
      const positives = new Map<number, number>();
      const negatives = new Set<number>();
      let teacher: Map<number, number> | undefined;
      for (const query of members) {
        for (const [doc, score] of this.#positives[query] ?? []) positives.set(doc, Math.max(score, positives.get(doc) ?? Number.NEGATIVE_INFINITY));
        for (const doc of this.#negatives[query] ?? []) negatives.add(doc);
        for (const [doc, score] of this.#teacherScores[query] ?? []) {
          teacher ??= new Map();
          if (!teacher.has(doc)) teacher.set(doc, score);
        }
      }
      const kept = new Map<string, Positive>();
      for (const [doc, score] of positives) {
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
        result.withoutPositives.push({ id: this.ids[first] ?? '', text: this.texts[first] ?? '', position: this.#firstPosition[first] ?? 0 });
        continue;
      }
      result.ids.push(this.ids[first] ?? '');
      result.texts.push(this.texts[first] ?? '');
      result.positives.push([...kept.values()]);
      result.givenNegatives.push([...negatives]);
      result.extras.push(this.#extras[first]);
      result.teacherScores.push(teacher);
    }
    return result;
  }
}
