import { createHash } from 'node:crypto';
import type { Corpus } from '../../core/dataset.ts';
import { normalizedTextKey } from '../../mine/normalize-text.ts';
import { HashIndex, textHash } from '../../mine/text-hash.ts';
import type { TextStore } from '../text-store.ts';
import { CorpusTextTable } from './corpus-text-table.ts';

/** Ids negmine derives for texts that come without one: a prefix and 16 hex digits of the text's SHA-256. */
export function derivedId(prefix: 'q' | 'd', text: string): string {
  return `${prefix}-${createHash('sha256').update(text).digest('hex').slice(0, 16)}`;
}

export type AddDocumentResult = { kind: 'added'; doc: number } | { kind: 'repeated'; doc: number } | { kind: 'conflict'; firstPosition: number };

/** A Float64Array that grows as values are pushed. */
class Float64List {
  #data = new Float64Array(1024);
  length = 0;
  push(value: number): void {
    if (this.length === this.#data.length) {
      const grown = new Float64Array(this.#data.length * 2);
      grown.set(this.#data);
      this.#data = grown;
    }
    this.#data[this.length] = value;
    this.length += 1;
  }
  at(i: number): number {
    return this.#data[i] ?? -1;
  }
  toArray(): Float64Array {
    return this.#data.slice(0, this.length);
  }
}

/**
 * Collects the corpus: documents by id from a corpus file, plus texts (positives, negatives) deduplicated by exact
 * text. Texts go to a CorpusTextTable (a TextStore on disk when one is given); per document only the id, the
 * hashes of the exact and the normalized text and the table's offsets stay resident.
 */
export class CorpusBuilder {
  readonly ids: string[] = [];
  readonly table: CorpusTextTable;
  readonly #exactHashes = new Float64List();
  readonly #normalizedHashes = new Float64List();
  readonly #positions: number[] = [];
  readonly #byId = new Map<string, number>();
  readonly #byText = new HashIndex();

  constructor(store?: TextStore) {
    this.table = new CorpusTextTable(store);
  }

  get size(): number {
    return this.ids.length;
  }

  /** Adds a document read from a corpus file; a repeated id must repeat the same text. */
  addDocument(id: string, text: string, title: string | null, position: number): AddDocumentResult {
    const existing = this.#byId.get(id);
    const hash = textHash(text);
    if (existing !== undefined) {
      if (this.#exactHashes.at(existing) === hash && this.table.text(existing) === text && this.table.title(existing) === title) return { kind: 'repeated', doc: existing };
      return { kind: 'conflict', firstPosition: this.#positions[existing] ?? 0 };
    }
    return { kind: 'added', doc: this.#push(id, text, hash, title, position) };
  }

  /** The document with exactly this text, adding it under a derived id when there is none. */
  internText(text: string): { doc: number; added: boolean } {
    const hash = textHash(text);
    const existing = this.#findText(hash, text);
    if (existing !== undefined) return { doc: existing, added: false };
    let id = derivedId('d', text);
    // A user id that happens to equal a derived id keeps its own document.
    for (let suffix = 2; this.#byId.has(id); suffix += 1) id = `${derivedId('d', text)}-${suffix}`;
    return { doc: this.#push(id, text, hash, null, 0), added: true };
  }

  byId(id: string): number | undefined {
    return this.#byId.get(id);
  }

  text(doc: number): string {
    return this.table.text(doc) ?? '';
  }

  title(doc: number): string | null {
    return this.table.title(doc) ?? null;
  }

  build(): Corpus {
    return { ids: this.ids, texts: this.table.texts, titles: this.table.titles, textHashes: { exact: this.#exactHashes.toArray(), normalized: this.#normalizedHashes.toArray() } };
  }

  #findText(hash: number, text: string): number | undefined {
    return this.#byText.find(hash, (doc) => this.table.text(doc) === text);
  }

  #push(id: string, text: string, hash: number, title: string | null, position: number): number {
    const doc = this.ids.length;
    const firstWithText = this.#findText(hash, text) === undefined;
    this.ids.push(id);
    this.table.append(text, title);
    this.#exactHashes.push(hash);
    this.#normalizedHashes.push(textHash(normalizedTextKey(text)));
    this.#positions.push(position);
    this.#byId.set(id, doc);
    if (firstWithText) this.#byText.add(hash, doc);
    return doc;
  }
}
