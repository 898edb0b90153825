/** Any run of 16 digits: the only lines that can hold an integer beyond 2^53 (9007199254740992 has 16 digits). */
const LONG_DIGITS = /\d{16}/;
const NUMBER_CHAR = /[-+0-9.eE]/;

/** Unsafe integer literals (beyond ±2^53) in JSON text, quoted so that JSON.parse keeps their exact digits. */
export function quoteUnsafeIntegers(text: string): string {
  if (!LONG_DIGITS.test(text)) return text;
  let out = '';
  let copiedUpTo = 0;
  let inString = false;
  for (let i = 0; i < text.length; i += 1) {
    const char = text[i];
    if (inString) {
      if (char === '\\') i += 1;
      else if (char === '"') inString = false;
      continue;
    }
    if (char === '"') {
      inString = true;
      continue;
    }
    if (char !== '-' && (char === undefined || char < '0' || char > '9')) continue;
    let end = i + 1;
    while (end < text.length && NUMBER_CHAR.test(text[end] ?? '')) end += 1;
    const token = text.slice(i, end);
    if (/^-?\d+$/.test(token) && !Number.isSafeInteger(Number(token))) {
      out += `${text.slice(copiedUpTo, i)}"${token}"`;
      copiedUpTo = end;
    }
    i = end - 1;
  }
  return copiedUpTo === 0 ? text : out + text.slice(copiedUpTo);
}

/**
 * JSON.parse that keeps integers beyond 2^53 exact: such a literal becomes a string of its digits (ids stay
 * distinct; JSON.parse on Node 20 has no source-text access to do better).
 */
export function parseJsonExact(text: string): unknown {
  return JSON.parse(quoteUnsafeIntegers(text)) as unknown;
}
