import type { CorpusTexts, CorpusTitles } from '../../core/dataset.ts';
import type { TextStore } from '../text-store.ts';

/**
 * The corpus texts and titles as the loader appends them: JS strings, or a TextStore on disk (text of doc d at
 * entry 2d, its title at 2d + 1) so that only offsets stay resident. `texts` and `titles` read them by index.
 */
export class CorpusTextTable {
  readonly texts: CorpusTexts;
  readonly titles: CorpusTitles;
  readonly #store: TextStore | undefined;
  readonly #memoryTexts: string[] = [];
  readonly #memoryTitles: (string | null)[] = [];
  #hasTitle = new Uint8Array(1024);
  #count = 0;

  constructor(store?: TextStore) {
    this.#store = store;
    const length = (): number => this.#count;
    this.texts = { get length() { return length(); }, at: (doc) => this.text(doc) };
    this.titles = { get length() { return length(); }, at: (doc) => this.title(doc) };
  }

  get length(): number {
    return this.#count;
  }

  /** Whether the texts live on disk. */
  get stored(): boolean {
    return this.#store !== undefined;
  }

  append(text: string, title: string | null): number {
    const doc = this.#count;
    if (this.#store === undefined) {
      this.#memoryTexts.push(text);
      this.#memoryTitles.push(title);
    } else {
      this.#store.append(text);
      this.#store.append(title ?? '');
      if (doc >= this.#hasTitle.length) {
        const grown = new Uint8Array(this.#hasTitle.length * 2);
        grown.set(this.#hasTitle);
        this.#hasTitle = grown;
      }
      this.#hasTitle[doc] = title === null ? 0 : 1;
    }
    this.#count += 1;
    return doc;
  }

  text(doc: number): string | undefined {
    if (!Number.isInteger(doc) || doc < 0 || doc >= this.#count) return undefined;
    return this.#store === undefined ? this.#memoryTexts[doc] : this.#store.at(2 * doc);
  }

  title(doc: number): string | null | undefined {
    if (!Number.isInteger(doc) || doc < 0 || doc >= this.#count) return undefined;
    if (this.#store === undefined) return this.#memoryTitles[doc];
    return this.#hasTitle[doc] === 1 ? (this.#store.at(2 * doc + 1) ?? null) : null;
  }

  /** UTF-8 bytes of doc's text and title (no text read). */
  byteLength(doc: number): number {
    if (this.#store !== undefined) return this.#store.byteLength(2 * doc) + this.#store.byteLength(2 * doc + 1);
    return Buffer.byteLength(this.#memoryTexts[doc] ?? '', 'utf8') + Buffer.byteLength(this.#memoryTitles[doc] ?? '', 'utf8');
  }
}
