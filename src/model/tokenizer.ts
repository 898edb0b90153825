import { Tokenizer } from 'tokenizers';
import { NegmineError } from '../core/errors.ts';

/** Token ids of one text or pair, unpadded. */
export interface Encoded {
  ids: Int32Array;
  typeIds: Int32Array;
}

/** A Hugging Face tokenizer.json with truncation to the model's length and no padding (batches pad themselves). */
export class TextTokenizer {
  readonly #tokenizer: Tokenizer;
  readonly maxLength: number;

  private constructor(tokenizer: Tokenizer, maxLength: number) {
    this.#tokenizer = tokenizer;
    this.maxLength = maxLength;
  }

  /** Loads tokenizer.json (WordPiece, Unigram, BPE; the legacy format without model.type too). */
  static fromFile(file: string, maxLength: number): TextTokenizer {
    let tokenizer: Tokenizer;
    try {
      tokenizer = Tokenizer.fromFile(file);
    } catch (error) {
      throw new NegmineError('E_MODEL_LOAD', `Cannot load tokenizer '${file}': ${error instanceof Error ? error.message : String(error)}`, { cause: error });
    }
    tokenizer.disablePadding();
    tokenizer.setTruncation(maxLength);
    return new TextTokenizer(tokenizer, maxLength);
  }

  /** Encodes texts with the tokenizer's post-processor (e.g. [CLS] text [SEP]). */
  async encode(texts: readonly string[]): Promise<Encoded[]> {
    return Promise.all(texts.map(async (text) => toEncoded(await this.#tokenizer.encode(text))));
  }

  /** Encodes (query, passage) pairs as the post-processor defines: [CLS] q [SEP] p [SEP] for BERT, <s> q </s></s> p </s> for XLM-R. */
  async encodePairs(pairs: readonly (readonly [string, string])[]): Promise<Encoded[]> {
    return Promise.all(pairs.map(async ([first, second]) => toEncoded(await this.#tokenizer.encode(first, second))));
  }
}

function toEncoded(encoding: { getIds(): number[]; getTypeIds(): number[] }): Encoded {
  return { ids: Int32Array.from(encoding.getIds()), typeIds: Int32Array.from(encoding.getTypeIds()) };
}
