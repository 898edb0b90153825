import type { StringList } from './dataset.ts';

/**
 * Strings packed back to back as UTF-8 in one growing buffer, read back by index. Millions of ids cost their bytes
 * plus 8 bytes of offset each, outside the V8 heap, instead of a JS string (~32 bytes with its array slot) each.
 */
export class PackedStrings implements StringList {
  #bytes = Buffer.alloc(4096);
  /** ends[i]: the byte after string i (string i starts at ends[i - 1], or 0). */
  #ends = new Float64Array(256);
  #length = 0;
  #usedBytes = 0;

  static from(values: Iterable<string>): PackedStrings {
    const packed = new PackedStrings();
    for (const value of values) packed.push(value);
    return packed;
  }

  get length(): number {
    return this.#length;
  }

  /** Appends a string (well-formed Unicode: a lone surrogate has no UTF-8 form); returns its index. */
  push(value: string): number {
    if (!value.isWellFormed()) throw new RangeError(`PackedStrings cannot store a string with a lone surrogate: ${JSON.stringify(value)}`);
    const most = value.length * 3;
    if (this.#usedBytes + most > this.#bytes.length) {
      const grown = Buffer.alloc(Math.max(this.#bytes.length * 2, this.#usedBytes + most));
      this.#bytes.copy(grown, 0, 0, this.#usedBytes);
      this.#bytes = grown;
    }
    this.#usedBytes += this.#bytes.write(value, this.#usedBytes, 'utf8');
    if (this.#length === this.#ends.length) {
      const grown = new Float64Array(this.#ends.length * 2);
      grown.set(this.#ends);
      this.#ends = grown;
    }
    this.#ends[this.#length] = this.#usedBytes;
    this.#length += 1;
    return this.#length - 1;
  }

  at(index: number): string | undefined {
    if (!Number.isInteger(index) || index < 0 || index >= this.#length) return undefined;
    const start = index === 0 ? 0 : (this.#ends[index - 1] ?? 0);
    return this.#bytes.toString('utf8', start, this.#ends[index] ?? 0);
  }

  toArray(): string[] {
    return Array.from({ length: this.#length }, (_, index) => this.at(index) ?? '');
  }
}
