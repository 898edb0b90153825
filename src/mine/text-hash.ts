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

/**
 * Docs by hash; one doc per hash unless two different texts share it. An open-addressing table in typed arrays
 * (linear probing, 8 bytes a slot at most 3/4 full): millions of documents cost no JS objects and no V8 Map, whose
 * 2^24-entry limit a 21M-passage corpus would pass.
 */
export class HashIndex {
  /** doc + 1 per slot; 0 is an empty slot. */
  #docs = new Int32Array(16);
  /** Low 32 bits of the hash per slot, so most probes need no `same` call. */
  #hashes = new Uint32Array(16);
  /** 32 - log2(slots): home slots are the top bits of a Fibonacci hash of the low 32 bits. */
  #shift = 28;
  #size = 0;

  /** The first doc added under `hash` for which `same(doc)` holds. */
  find(hash: number, same: (doc: number) => boolean): number | undefined {
    const mask = this.#docs.length - 1;
    const low = hash >>> 0;
    for (let slot = this.#home(low); ; slot = (slot + 1) & mask) {
      const stored = this.#docs[slot] ?? 0;
      if (stored === 0) return undefined;
      if (this.#hashes[slot] === low && same(stored - 1)) return stored - 1;
    }
  }

  add(hash: number, doc: number): void {
    if (!Number.isInteger(doc) || doc < 0 || doc >= 0x7fff_ffff) throw new RangeError(`HashIndex holds docs 0..2^31-2, got ${doc}`);
    if ((this.#size + 1) * 4 > this.#docs.length * 3) this.#grow();
    this.#place(hash >>> 0, doc + 1);
    this.#size += 1;
  }

  /** Empties the table (a small one keeps its arrays: per-query sets are reused, not reallocated). */
  clear(): void {
    if (this.#docs.length > 256) {
      this.#docs = new Int32Array(16);
      this.#hashes = new Uint32Array(16);
      this.#shift = 28;
    } else {
      this.#docs.fill(0);
    }
    this.#size = 0;
  }

  /** Becomes a copy of `other`. */
  copyFrom(other: HashIndex): void {
    if (this.#docs.length === other.#docs.length) {
      this.#docs.set(other.#docs);
      this.#hashes.set(other.#hashes);
    } else {
      this.#docs = other.#docs.slice();
      this.#hashes = other.#hashes.slice();
    }
    this.#shift = other.#shift;
    this.#size = other.#size;
  }

  clone(): HashIndex {
    const copy = new HashIndex();
    copy.#docs = this.#docs.slice();
    copy.#hashes = this.#hashes.slice();
    copy.#shift = this.#shift;
    copy.#size = this.#size;
    return copy;
  }

  get size(): number {
    return this.#size;
  }

  #home(low: number): number {
    return Math.imul(low, 0x9e3779b1) >>> this.#shift;
  }

  #place(low: number, stored: number): void {
    const mask = this.#docs.length - 1;
    let slot = this.#home(low);
    while ((this.#docs[slot] ?? 0) !== 0) slot = (slot + 1) & mask;
    this.#docs[slot] = stored;
    this.#hashes[slot] = low;
  }

  /**
   * Doubles the table. Slots are re-placed cluster by cluster from an empty slot on, so docs sharing a hash keep
   * their probe order (find's "first added").
   */
  #grow(): void {
    const docs = this.#docs;
    const hashes = this.#hashes;
    this.#docs = new Int32Array(docs.length * 2);
    this.#hashes = new Uint32Array(docs.length * 2);
    this.#shift -= 1;
    const start = docs.indexOf(0);
    for (let i = 0; i < docs.length; i += 1) {
      const slot = (start + i) % docs.length;
      const stored = docs[slot] ?? 0;
      if (stored === 0) continue;
      this.#place(hashes[slot] ?? 0, stored);
    }
  }
}
