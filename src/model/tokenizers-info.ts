import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

export function tokenizersVersion(): string {
  return (require('tokenizers/package.json') as { version: string }).version;
}

// A one-word WordLevel tokenizer: enough to prove the native binding loads and encodes.
const TINY_TOKENIZER = JSON.stringify({
  version: '1.0',
  truncation: null,
  padding: null,
  added_tokens: [],
  normalizer: null,
  pre_tokenizer: { type: 'Whitespace' },
  post_processor: null,
  decoder: null,
  model: { type: 'WordLevel', vocab: { '[UNK]': 0, negmine: 1 }, unk_token: '[UNK]' },
});

/** Loads the native tokenizers binding and encodes one word; returns the error text when it cannot. */
export async function checkTokenizers(): Promise<{ usable: boolean; error?: string }> {
  try {
    const { Tokenizer } = await import('tokenizers');
    const tokenizer = Tokenizer.fromString(TINY_TOKENIZER);
    const encoding = await tokenizer.encode('negmine');
    const ids = encoding.getIds();
    return ids[0] === 1 ? { usable: true } : { usable: false, error: `unexpected ids ${JSON.stringify(ids)}` };
  } catch (error) {
    return { usable: false, error: error instanceof Error ? error.message : String(error) };
  }
}
