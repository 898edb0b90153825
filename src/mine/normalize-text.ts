/**
 * The key under which two texts count as the same passage: Unicode NFKC, case-folded, whitespace collapsed.
 * Catches copies of a positive that differ only in case, spacing or compatibility characters.
 */
export function normalizedTextKey(text: string): string {
  return text.normalize('NFKC').toLowerCase().replace(/\s+/gu, ' ').trim();
}
