import { Tokenizer } from 'tokenizers';
import { NegmineError } from '../core/errors.ts';
import type { Encoded, TokenEncoder } from './encodings.ts';

/** A Hugging Face tokenizer.json with truncation to the model's length and no padding (batches pad themselves). */
export class TextTokenizer implements TokenEncoder {
  readonly #tokenizer: Tokenizer;
  readonly maxLength: number;
  /** Tokens the tokenizer can emit, added tokens included: ids run from 0 to vocabSize - 1. */
  readonly vocabSize: number;

  private constructor(tokenizer: Tokenizer, maxLength: number) {
    this.#tokenizer = tokenizer;
    this.maxLength = maxLength;
    this.vocabSize = tokenizer.getVocabSize(true);
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

  /** Encodes texts with the tokenizer's post-processor (e.g. [CLS] text [SEP]); long texts are cut first (see #head). */
  async encode(texts: readonly string[]): Promise<Encoded[]> {
    return this.#inSlices(texts, async (text) => this.#tokenizer.encode(await this.#head(text)));
  }

  /** Encodes (query, passage) pairs as the post-processor defines: [CLS] q [SEP] p [SEP] for BERT, <s> q </s></s> p </s> for XLM-R. */
  async encodePairs(pairs: readonly (readonly [string, string])[]): Promise<Encoded[]> {
    // Longest-first pair truncation depends only on min(tokens, maxLength) per side, which each side's head keeps.
    return this.#inSlices(pairs, async ([first, second]) => this.#tokenizer.encode(await this.#head(first), await this.#head(second)));
  }

  /**
   * The shortest head of `text` cut just before a whitespace that still yields maxLength tokens, so its first
   * maxLength tokens are the whole text's: a 50 MB text is not tokenized whole only to be truncated. Short texts,
   * and texts without whitespace past the cut, are returned whole.
   */
  async #head(text: string): Promise<string> {
    for (let limit = this.maxLength * CUT_CHARS_PER_TOKEN; text.length > limit; limit *= 4) {
      WHITESPACE.lastIndex = limit;
      const cut = WHITESPACE.exec(text)?.index;
      if (cut === undefined) return text;
      const head = text.slice(0, cut);
      if ((await this.#tokenizer.encode(head)).getLength() >= this.maxLength) return head;
    }
    return text;
  }

  // Each native encoding holds kilobytes (tokens, offsets, masks) until V8 collects its small JS wrapper, so a few
  // hundred are in flight at a time rather than the whole input.
  async #inSlices<T>(inputs: readonly T[], encodeOne: (input: T) => Promise<NativeEncoding>): Promise<Encoded[]> {
    const encoded: Encoded[] = [];
    for (let start = 0; start < inputs.length; start += SLICE) {
      const slice = await Promise.all(inputs.slice(start, start + SLICE).map(async (input) => toEncoded(await encodeOne(input))));
      for (const encoding of slice) encoded.push(encoding);
    }
    return encoded;
  }
}

const SLICE = 512;
// Texts above maxLength x this many characters are cut before tokenizing (and the cut widened until it holds
// maxLength tokens); shorter texts are tokenized as they are.
const CUT_CHARS_PER_TOKEN = 16;
const WHITESPACE = /\s/gu;

type NativeEncoding = { getIds(): number[]; getTypeIds(): number[] };

function toEncoded(encoding: NativeEncoding): Encoded {
  return { ids: Int32Array.from(encoding.getIds()), typeIds: Int32Array.from(encoding.getTypeIds()) };
}
