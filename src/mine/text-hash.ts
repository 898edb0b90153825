/**
 * A 53-bit hash of a string's UTF-16 code units (FNV-1a 32 bits + a multiply-xorshift 21 bits), exact as a JS
 * number so it keys a Map. A filter only: equal hashes are confirmed by comparing the real texts.
 */
export function textHash(text: string): number {
  let a = 0x811c9dc5;
  let b = 0x9e3779b9;
  for (let i = 0; i < text.length; i += 1) {
    const c = text.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995);
    b ^= b >>> 15;
  }
  return (b & 0x1fffff) * 0x1_0000_0000 + (a >>> 0);
}

/** Docs by hash; one doc per hash unless two different texts share it. */
export class HashIndex {
  readonly #first = new Map<number, number>();
  readonly #more = new Map<number, number[]>();

  /** The first doc added under `hash` for which `same(doc)` holds. */
  find(hash: number, same: (doc: number) => boolean): number | undefined {
    const first = this.#first.get(hash);
    if (first === undefined) return undefined;
    if (same(first)) return first;
    for (const doc of this.#more.get(hash) ?? []) if (same(doc)) return doc;
    return undefined;
  }

  add(hash: number, doc: number): void {
    if (!this.#first.has(hash)) {
      this.#first.set(hash, doc);
      return;
    }
    const more = this.#more.get(hash);
    if (more === undefined) this.#more.set(hash, [doc]);
    else more.push(doc);
  }

  clone(): HashIndex {
    const copy = new HashIndex();
    for (const [hash, doc] of this.#first) copy.#first.set(hash, doc);
    for (const [hash, more] of this.#more) copy.#more.set(hash, [...more]);
    return copy;
  }

  get size(): number {
    let size = this.#first.size;
    for (const more of this.#more.values()) size += more.length;
    return size;
  }
}
