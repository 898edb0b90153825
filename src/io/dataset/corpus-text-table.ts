import type { CorpusTexts, CorpusTitles } from '../../core/dataset.ts';
import type { TextStore } from '../text-store.ts';

/**
 * The corpus texts and titles as the loader appends them: JS strings, or a TextStore on disk so that only offsets
 * stay resident. A stored document is one entry, its title's bytes then its text's; the title byte counts are kept
 * only once some document has a title. `texts` and `titles` read them by index.
 */
export class CorpusTextTable {
  readonly texts: CorpusTexts;
  readonly titles: CorpusTitles;
  readonly #store: TextStore | undefined;
  readonly #memoryTexts: string[] = [];
  readonly #memoryTitles: (string | null)[] = [];
  #hasTitle = new Uint8Array(1024);
  /** UTF-8 bytes of each stored document's title; absent while no document has one. */
  #titleBytes: Uint32Array | undefined;
  #count = 0;

  constructor(store?: TextStore) {
    this.#store = store;
    const length = (): number => this.#count;
    this.texts = { get length() { return length(); }, at: (doc) => this.text(doc), many: (docs) => this.textsOf(docs) };
    this.titles = { get length() { return length(); }, at: (doc) => this.title(doc), many: (docs) => this.titlesOf(docs) };
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
      if (doc >= this.#hasTitle.length) this.#hasTitle = grown(this.#hasTitle, Uint8Array);
      if (title === null || title === '') {
        this.#store.append(text);
      } else {
        this.#titleBytes ??= new Uint32Array(this.#hasTitle.length);
        this.#store.append(title + text);
      }
      if (this.#titleBytes !== undefined) {
        if (doc >= this.#titleBytes.length) this.#titleBytes = grown(this.#titleBytes, Uint32Array);
        this.#titleBytes[doc] = title === null ? 0 : Buffer.byteLength(title, 'utf8');
      }
      this.#hasTitle[doc] = title === null ? 0 : 1;
    }
    this.#count += 1;
    return doc;
  }

  text(doc: number): string | undefined {
    if (!Number.isInteger(doc) || doc < 0 || doc >= this.#count) return undefined;
    if (this.#store === undefined) return this.#memoryTexts[doc];
    return this.#store.part(doc, this.#titleBytes?.[doc] ?? 0, Number.POSITIVE_INFINITY);
  }

  title(doc: number): string | null | undefined {
    if (!Number.isInteger(doc) || doc < 0 || doc >= this.#count) return undefined;
    if (this.#store === undefined) return this.#memoryTitles[doc];
    if (this.#hasTitle[doc] !== 1) return null;
    return this.#store.part(doc, 0, this.#titleBytes?.[doc] ?? 0) ?? null;
  }

  /** Texts of several documents (a stored table reads them in file order, neighbours together). */
  textsOf(docs: ArrayLike<number>): (string | undefined)[] {
    const skip = this.#titleBytes;
    if (this.#store === undefined) return Array.from(docs, (doc) => this.text(doc));
    return this.#store.partsAt(docs, skip === undefined ? undefined : Array.from(docs, (doc) => skip[doc] ?? 0));
  }

  /** Titles of several documents; only titled documents are read. */
  titlesOf(docs: ArrayLike<number>): (string | null | undefined)[] {
    const skip = this.#titleBytes;
    if (this.#store === undefined || skip === undefined) return Array.from(docs, (doc) => this.title(doc));
    const valid = (doc: number): boolean => Number.isInteger(doc) && doc >= 0 && doc < this.#count;
    const titled = Array.from(docs).filter((doc) => valid(doc) && this.#hasTitle[doc] === 1);
    const read = this.#store.partsAt(titled, undefined, titled.map((doc) => skip[doc] ?? 0));
    let next = 0;
    return Array.from(docs, (doc) => (!valid(doc) ? undefined : this.#hasTitle[doc] === 1 ? (read[next++] ?? null) : null));
  }

  /** UTF-8 bytes of doc's text and title (no text read). */
  byteLength(doc: number): number {
    if (this.#store !== undefined) return this.#store.byteLength(doc);
    return Buffer.byteLength(this.#memoryTexts[doc] ?? '', 'utf8') + Buffer.byteLength(this.#memoryTitles[doc] ?? '', 'utf8');
  }
}

/** A copy of `array` twice as long. */
function grown<T extends Uint8Array | Uint32Array>(array: T, make: new (length: number) => T): T {
  const copy = new make(array.length * 2);
  copy.set(array);
  return copy;
}
