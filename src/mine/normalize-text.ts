// ASCII is its own NFKC form; only a text with another character needs normalizing.
const NON_ASCII = /[\u0080-\uffff]/;
// Whitespace that collapsing and trimming would change: a run, any whitespace but a plain space, or one at either end.
const UNTIDY_SPACE = /\s\s|[^\S ]|^\s|\s$/u;

/**
 * The key under which two texts count as the same passage: Unicode NFKC, case-folded, whitespace collapsed.
 * Catches copies of a positive that differ only in case, spacing or compatibility characters. Steps that would
 * change nothing are skipped (the key is computed for every candidate).
 */
export function normalizedTextKey(text: string): string {
  const folded = (NON_ASCII.test(text) ? text.normalize('NFKC') : text).toLowerCase();
  return UNTIDY_SPACE.test(folded) ? folded.replace(/\s+/gu, ' ').trim() : folded;
}
