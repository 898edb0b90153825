/** Prompt names sentence-transformers' encode_document tries, in order. */
const PASSAGE_PROMPT_NAMES = ['document', 'passage', 'corpus'] as const;

export interface Prefixes {
  query: string;
  passage: string;
}

/**
 * The text prepended to queries and passages: --query-prefix / --passage-prefix when given, else the model's
 * named prompts ("query"; "document", "passage" or "corpus"), as sentence-transformers' encode_query/encode_document do.
 */
export function resolvePrefixes(prompts: Readonly<Record<string, string>>, flags: { queryPrefix?: string; passagePrefix?: string }): Prefixes {
  const passagePrompt = PASSAGE_PROMPT_NAMES.map((name) => prompts[name]).find((text) => text !== undefined);
  return {
    query: flags.queryPrefix ?? prompts['query'] ?? '',
    passage: flags.passagePrefix ?? passagePrompt ?? '',
  };
}
