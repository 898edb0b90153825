import type { CellValue } from '../../core/table.ts';

// Characters JSON.stringify escapes (quote, backslash, controls) or may (surrogates: lone ones are escaped).
// eslint-disable-next-line no-control-regex -- the control range is exactly what JSON escapes
const NEEDS_ESCAPE = /["\\\u0000-\u001f\ud800-\udfff]/;

/**
 * JSON.stringify(text), byte for byte, with a fast path for the usual text that needs no escape: one regex scan
 * instead of V8's per-character escape loop (about 4x faster on passage texts, docs/benchmarks.md).
 */
export function jsonString(text: string): string {
  return NEEDS_ESCAPE.test(text) ? JSON.stringify(text) : `"${text}"`;
}

function jsonScalar(value: string | number | null | undefined): string {
  if (typeof value === 'string') return jsonString(value);
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : 'null';
  return 'null';
}

/** JSON.stringify(value) for a table cell (null for a missing one). */
export function jsonCell(value: CellValue | undefined): string {
  if (!Array.isArray(value)) return jsonScalar(value as string | number | null | undefined);
  let out = '[';
  for (let i = 0; i < value.length; i += 1) out += (i === 0 ? '' : ',') + jsonScalar(value[i] as string | number | undefined);
  return `${out}]`;
}
