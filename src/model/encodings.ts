// Token ids as plain typed arrays: what tokenizers produce, batches pack, and workers transfer.

/** Token ids of one text or pair, unpadded. */
export interface Encoded {
  ids: Int32Array;
  typeIds: Int32Array;
}

/** Turns texts and (query, passage) pairs into token ids; hosted on the calling thread or in the encoder's worker. */
export interface TokenEncoder {
  /** Tokens the tokenizer can emit, added tokens included. */
  readonly vocabSize: number;
  encode(texts: readonly string[]): Promise<Encoded[]>;
  encodePairs(pairs: readonly (readonly [string, string])[]): Promise<Encoded[]>;
}

/** Many encodings in three flat arrays, so they cross a worker boundary as three transferred buffers. */
export interface PackedEncodings {
  ids: Int32Array;
  typeIds: Int32Array;
  lengths: Int32Array;
}

export function packEncodings(encodings: readonly Encoded[]): PackedEncodings {
  const lengths = Int32Array.from(encodings, (e) => e.ids.length);
  const total = lengths.reduce((sum, n) => sum + n, 0);
  const ids = new Int32Array(total);
  const typeIds = new Int32Array(total);
  let offset = 0;
  for (const e of encodings) {
    ids.set(e.ids, offset);
    typeIds.set(e.typeIds, offset);
    offset += e.ids.length;
  }
  return { ids, typeIds, lengths };
}

/** Views into the packed arrays, one per encoding (nothing is copied). */
export function unpackEncodings(packed: PackedEncodings): Encoded[] {
  const encodings: Encoded[] = [];
  let offset = 0;
  for (const length of packed.lengths) {
    encodings.push({ ids: packed.ids.subarray(offset, offset + length), typeIds: packed.typeIds.subarray(offset, offset + length) });
    offset += length;
  }
  return encodings;
}
