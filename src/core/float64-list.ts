/** A Float64Array that grows as values are pushed (exact for integers up to 2^53: row indexes, byte offsets). */
export class Float64List {
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

  pushAll(values: ArrayLike<number>): void {
    const needed = this.length + values.length;
    if (needed > this.#data.length) {
      let size = this.#data.length * 2;
      while (size < needed) size *= 2;
      const grown = new Float64Array(size);
      grown.set(this.values());
      this.#data = grown;
    }
    this.#data.set(values, this.length);
    this.length = needed;
  }

  at(i: number): number {
    return this.#data[i] ?? -1;
  }

  set(i: number, value: number): void {
    if (i >= 0 && i < this.length) this.#data[i] = value;
  }

  /** The values pushed so far (a view: the unused tail of the buffer was never written, so it is not resident). */
  values(): Float64Array {
    return this.#data.subarray(0, this.length);
  }
}
