import { createHash } from 'node:crypto';
import type { Corpus } from '../../core/dataset.ts';

/** Ids negmine derives for texts that come without one: a prefix and 16 hex digits of the text's SHA-256. */
export function derivedId(prefix: 'q' | 'd', text: string): string {
  return `${prefix}-${createHash('sha256').update(text).digest('hex').slice(0, 16)}`;
}

export type AddDocumentResult = { kind: 'added'; doc: number } | { kind: 'repeated'; doc: number } | { kind: 'conflict'; firstPosition: number };

/** Collects the corpus: documents by id from a corpus file, plus texts (positives, negatives) deduplicated by exact text. */
export class CorpusBuilder {
  readonly ids: string[] = [];
  readonly texts: string[] = [];
  readonly titles: (string | null)[] = [];
  readonly #positions: number[] = [];
  readonly #byId = new Map<string, number>();
  readonly #byText = new Map<string, number>();

  get size(): number {
    return this.ids.length;
  }

  /** Adds a document read from a corpus file; a repeated id must repeat the same text. */
  addDocument(id: string, text: string, title: string | null, position: number): AddDocumentResult {
    const existing = this.#byId.get(id);
    if (existing !== undefined) {
      if (this.texts[existing] === text && this.titles[existing] === title) return { kind: 'repeated', doc: existing };
      return { kind: 'conflict', firstPosition: this.#positions[existing] ?? 0 };
    }
    return { kind: 'added', doc: this.#push(id, text, title, position) };
  }

  /** The document with exactly this text, adding it under a derived id when there is none. */
  internText(text: string): { doc: number; added: boolean } {
    const existing = this.#byText.get(text);
    if (existing !== undefined) return { doc: existing, added: false };
    let id = derivedId('d', text);
    // A user id that happens to equal a derived id keeps its own document.
    for (let suffix = 2; this.#byId.has(id); suffix += 1) id = `${derivedId('d', text)}-${suffix}`;
    return { doc: this.#push(id, text, null, 0), added: true };
  }

  byId(id: string): number | undefined {
    return this.#byId.get(id);
  }

  build(): Corpus {
    return { ids: this.ids, texts: this.texts, titles: this.titles };
  }

  #push(id: string, text: string, title: string | null, position: number): number {
    const doc = this.ids.length;
    this.ids.push(id);
    this.texts.push(text);
    this.titles.push(title);
    this.#positions.push(position);
    this.#byId.set(id, doc);
    if (!this.#byText.has(text)) this.#byText.set(text, doc);
    return doc;
  }
}
