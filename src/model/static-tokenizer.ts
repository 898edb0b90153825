import { Tokenizer } from 'tokenizers';
import { NegmineError } from '../core/errors.ts';
import type { Encoded, TokenEncoder } from './encodings.ts';

/** How a static model tokenizes, after sentence-transformers' StaticEmbedding or model2vec's StaticModel. */
export interface StaticTokenRules {
  /** Keep at most this many tokens per text; 0 = all (StaticEmbedding without --max-length). */
  maxTokens: number;
  /**
   * model2vec: texts are first cut to maxTokens x the median token length (in code points), and the tokenizer
   * model's unknown token is dropped before the cut to maxTokens.
   */
  model2vec: { unkToken: string | null } | null;
}

const SLICE = 512;

/** A code-point prefix, as Python's str slicing counts (a surrogate pair is one character). */
function codePointPrefix(text: string, count: number): string {
  if (text.length <= count) return text;
  let units = 0;
  for (let seen = 0; seen < count && units < text.length; seen += 1) {
    const code = text.charCodeAt(units);
    units += code >= 0xd800 && code <= 0xdbff && units + 1 < text.length ? 2 : 1;
  }
  return text.slice(0, units);
}

function codePointLength(text: string): number {
  let count = 0;
  for (let i = 0; i < text.length; i += 1) {
    const code = text.charCodeAt(i);
    if (!(code >= 0xdc00 && code <= 0xdfff && i > 0)) count += 1;
  }
  return count;
}

/** int(np.median(...)) of the code-point lengths of every token, added tokens included. */
function medianTokenLength(tokenizer: Tokenizer): number {
  const lengths = Object.keys(tokenizer.getVocab(true)).map(codePointLength).sort((a, b) => a - b);
  if (lengths.length === 0) return 0;
  const middle = lengths.length >> 1;
  const median = lengths.length % 2 === 1 ? (lengths[middle] ?? 0) : ((lengths[middle - 1] ?? 0) + (lengths[middle] ?? 0)) / 2;
  return Math.trunc(median);
}

/** A static model's tokenizer: no special tokens, no padding, the tokenizer.json's own truncation, then the rules. */
export class StaticTokenizer implements TokenEncoder {
  readonly #tokenizer: Tokenizer;
  readonly #maxTokens: number;
  readonly #charLimit: number;
  readonly #dropId: number | null;
  readonly vocabSize: number;

  private constructor(tokenizer: Tokenizer, rules: StaticTokenRules) {
    this.#tokenizer = tokenizer;
    this.#maxTokens = rules.maxTokens;
    this.vocabSize = tokenizer.getVocabSize(true);
    const unk = rules.model2vec?.unkToken ?? null;
    this.#dropId = unk === null ? null : tokenizer.tokenToId(unk);
    this.#charLimit = rules.model2vec !== null && rules.maxTokens > 0 ? rules.maxTokens * medianTokenLength(tokenizer) : 0;
  }

  static fromFile(file: string, rules: StaticTokenRules): StaticTokenizer {
    let tokenizer: Tokenizer;
    try {
      tokenizer = Tokenizer.fromFile(file);
    } catch (error) {
      throw new NegmineError('E_MODEL_LOAD', `Cannot load tokenizer '${file}': ${error instanceof Error ? error.message : String(error)}`, { cause: error });
    }
    tokenizer.disablePadding();
    return new StaticTokenizer(tokenizer, rules);
  }

  async encode(texts: readonly string[]): Promise<Encoded[]> {
    const encoded: Encoded[] = [];
    for (let start = 0; start < texts.length; start += SLICE) {
      const slice = texts.slice(start, start + SLICE).map((text) => (this.#charLimit > 0 ? codePointPrefix(text, this.#charLimit) : text));
      const encodings = await this.#tokenizer.encodeBatch(slice, { addSpecialTokens: false });
      for (const encoding of encodings) encoded.push(this.#toEncoded(encoding.getIds()));
    }
    return encoded;
  }

  encodePairs(): Promise<Encoded[]> {
    return Promise.reject(new NegmineError('E_MODEL_MISMATCH', 'A static embedding model embeds single texts; it cannot score (query, passage) pairs as a cross-encoder'));
  }

  #toEncoded(raw: number[]): Encoded {
    let ids = this.#dropId === null ? raw : raw.filter((id) => id !== this.#dropId);
    if (this.#maxTokens > 0 && ids.length > this.#maxTokens) ids = ids.slice(0, this.#maxTokens);
    return { ids: Int32Array.from(ids), typeIds: new Int32Array(ids.length) };
  }
}
