type NumberArray = Float64Array | Float32Array | Int32Array;

/** A typed array that grows as values are pushed (doubling), read back as a view of the values pushed so far. */
class GrowableList<T extends NumberArray> {
  #data: T;
  length = 0;

  constructor(readonly allocate: (size: number) => T) {
    this.#data = allocate(1024);
  }

  push(value: number): void {
    if (this.length === this.#data.length) this.#grow(this.length + 1);
    this.#data[this.length] = value;
    this.length += 1;
  }

  pushAll(values: ArrayLike<number>): void {
    const needed = this.length + values.length;
    if (needed > this.#data.length) this.#grow(needed);
    this.#data.set(values, this.length);
    this.length = needed;
  }

  at(i: number): number {
    return this.#data[i] ?? -1;
  }

  /** The values pushed so far (a view: the unused tail of the buffer was never written, so it is not resident). */
  values(): T {
    return this.#data.subarray(0, this.length) as T;
  }

  #grow(needed: number): void {
    let size = this.#data.length * 2;
    while (size < needed) size *= 2;
    const grown = this.allocate(size);
    grown.set(this.values());
    this.#data = grown;
  }
}

/** Float64 values (exact for integers up to 2^53: row indexes, byte offsets). */
export class Float64List extends GrowableList<Float64Array> {
  constructor() {
    super((size) => new Float64Array(size));
  }
}

/** Float32 values (scores the models computed in float32: stored exactly). */
export class Float32List extends GrowableList<Float32Array> {
  constructor() {
    super((size) => new Float32Array(size));
  }
}

/** Int32 values (counts, row indexes below 2^31). */
export class Int32List extends GrowableList<Int32Array> {
  constructor() {
    super((size) => new Int32Array(size));
  }
}
