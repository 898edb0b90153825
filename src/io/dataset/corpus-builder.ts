import { createHash } from 'node:crypto';
import type { Corpus, TextHashKind } from '../../core/dataset.ts';
import { Float64List } from '../../core/growable-list.ts';
import { PackedStrings } from '../../core/packed-strings.ts';
import { normalizedTextKey } from '../../mine/normalize-text.ts';
import { HashIndex, textHash } from '../../mine/text-hash.ts';
import type { TextStore } from '../text-store.ts';
import { CorpusTextTable } from './corpus-text-table.ts';

/** Ids negmine derives for texts that come without one: a prefix and 16 hex digits of the text's SHA-256. */
export function derivedId(prefix: 'q' | 'd', text: string): string {
  return `${prefix}-${createHash('sha256').update(text).digest('hex').slice(0, 16)}`;
}

export type AddDocumentResult = { kind: 'added'; doc: number } | { kind: 'repeated'; doc: number } | { kind: 'conflict'; firstPosition: number };

/**
 * Collects the corpus: documents by id from a corpus file, plus texts (positives, negatives) deduplicated by exact
 * text. Texts go to a CorpusTextTable (a TextStore on disk when one is given); per document only the id, the
 * hashes asked for (of the exact and/or the normalized text) and the table's offsets stay resident, all packed.
 */
export class CorpusBuilder {
  readonly ids = new PackedStrings();
  readonly table: CorpusTextTable;
  readonly #exactHashes: Float64List | undefined;
  readonly #normalizedHashes: Float64List | undefined;
  readonly #positions = new Float64List();
  readonly #byId = new HashIndex();
  readonly #byText = new HashIndex();

  constructor(store?: TextStore, keepHashes: readonly TextHashKind[] = ['exact', 'normalized']) {
    this.table = new CorpusTextTable(store);
    if (keepHashes.includes('exact')) this.#exactHashes = new Float64List();
    if (keepHashes.includes('normalized')) this.#normalizedHashes = new Float64List();
  }

  get size(): number {
    return this.ids.length;
  }

  /** Adds a document read from a corpus file; a repeated id must repeat the same text. */
  addDocument(id: string, text: string, title: string | null, position: number): AddDocumentResult {
    const existing = this.byId(id);
    if (existing !== undefined) {
      if (this.table.text(existing) === text && this.table.title(existing) === title) return { kind: 'repeated', doc: existing };
      return { kind: 'conflict', firstPosition: this.#positions.at(existing) };
    }
    return { kind: 'added', doc: this.#push(id, text, textHash(text), title, position) };
  }

  /** The document with exactly this text, adding it under a derived id when there is none. */
  internText(text: string): { doc: number; added: boolean } {
    const hash = textHash(text);
    const existing = this.#findText(hash, text);
    if (existing !== undefined) return { doc: existing, added: false };
    let id = derivedId('d', text);
    // A user id that happens to equal a derived id keeps its own document.
    for (let suffix = 2; this.byId(id) !== undefined; suffix += 1) id = `${derivedId('d', text)}-${suffix}`;
    return { doc: this.#push(id, text, hash, null, 0), added: true };
  }

  byId(id: string): number | undefined {
    return this.#byId.find(textHash(id), (doc) => this.ids.at(doc) === id);
  }

  /** textHash(normalizedTextKey(text)) of document `doc`, when the builder keeps those hashes. */
  normalizedHash(doc: number): number | undefined {
    return this.#normalizedHashes === undefined || doc < 0 || doc >= this.#normalizedHashes.length ? undefined : this.#normalizedHashes.at(doc);
  }

  text(doc: number): string {
    return this.table.text(doc) ?? '';
  }

  title(doc: number): string | null {
    return this.table.title(doc) ?? null;
  }

  build(): Corpus {
    const textHashes: NonNullable<Corpus['textHashes']> = {};
    if (this.#exactHashes !== undefined) textHashes.exact = this.#exactHashes.values();
    if (this.#normalizedHashes !== undefined) textHashes.normalized = this.#normalizedHashes.values();
    return { ids: this.ids, texts: this.table.texts, titles: this.table.titles, textHashes };
  }

  #findText(hash: number, text: string): number | undefined {
    return this.#byText.find(hash, (doc) => this.table.text(doc) === text);
  }

  #push(id: string, text: string, hash: number, title: string | null, position: number): number {
    const doc = this.ids.length;
    const firstWithText = this.#findText(hash, text) === undefined;
    this.ids.push(id);
    this.table.append(text, title);
    this.#exactHashes?.push(hash);
    this.#normalizedHashes?.push(textHash(normalizedTextKey(text)));
    this.#positions.push(position);
    this.#byId.add(textHash(id), doc);
    if (firstWithText) this.#byText.add(hash, doc);
    return doc;
  }
}
