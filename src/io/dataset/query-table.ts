import type { Positive } from '../../core/dataset.ts';
import { derivedId } from './corpus-builder.ts';

export type AddQueryResult = { kind: 'ok'; query: number } | { kind: 'conflict'; firstPosition: number };

/** Unique queries with their positives and given negatives, keyed by id when the input has ids, else by exact text. */
export class QueryTable {
  readonly ids: string[] = [];
  readonly texts: string[] = [];
  readonly #positives: Map<number, number>[] = [];
  readonly #negatives: Set<number>[] = [];
  readonly #firstPosition: number[] = [];
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
      return { kind: 'ok', query: existing };
    }
    const query = this.ids.length;
    this.ids.push(id ?? derivedId('q', text));
    this.texts.push(text);
    this.#positives.push(new Map());
    this.#negatives.push(new Set());
    this.#firstPosition.push(position);
    this.#byKey.set(key, query);
    return { kind: 'ok', query };
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

  positiveCount(query: number): number {
    return this.#positives[query]?.size ?? 0;
  }

  firstPosition(query: number): number {
    return this.#firstPosition[query] ?? 0;
  }

  /** The queries kept (in first-seen order), with positives and negatives as arrays. */
  build(keep: (query: number) => boolean): { ids: string[]; texts: string[]; positives: Positive[][]; givenNegatives: number[][] } {
    const result = { ids: [] as string[], texts: [] as string[], positives: [] as Positive[][], givenNegatives: [] as number[][] };
    for (let query = 0; query < this.ids.length; query += 1) {
      if (!keep(query)) continue;
      result.ids.push(this.ids[query] ?? '');
      result.texts.push(this.texts[query] ?? '');
      result.positives.push([...(this.#positives[query] ?? new Map<number, number>())].map(([doc, score]) => ({ doc, score })));
      result.givenNegatives.push([...(this.#negatives[query] ?? new Set<number>())]);
    }
    return result;
  }
}
