// Reading typed values out of loosely typed input rows, with the wording the error messages use.

export type Row = Record<string, unknown>;

export function isRow(value: unknown): value is Row {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The first candidate field present in the row (an explicit flag value is the only candidate). */
export function pickField(row: Row, explicit: string | undefined, candidates: readonly string[]): string | undefined {
  if (explicit !== undefined) return explicit in row ? explicit : undefined;
  return candidates.find((name) => name in row);
}

export function fieldNames(row: Row): string {
  const names = Object.keys(row);
  return names.length === 0 ? 'none' : names.join(', ');
}

/** "number 3", "null", "an object", "an empty string", "string 'abc'" — for "found ..." in messages. */
export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'nothing';
  if (Array.isArray(value)) return value.length === 0 ? 'an empty list' : 'a list';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'string') {
    if (value.trim() === '') return value === '' ? 'an empty string' : 'a blank string';
    return `string '${value.length > 40 ? `${value.slice(0, 40)}…` : value}'`;
  }
  if (typeof value === 'bigint') return `number ${value.toString()}`;
  if (typeof value === 'number' || typeof value === 'boolean') return `${typeof value} ${String(value)}`;
  return typeof value;
}

export type Checked<T> = { ok: true; value: T } | { ok: false; reason: 'wrong_type' | 'empty_text'; problem: string };

function problem(field: string, expected: string, found: unknown): string {
  return `field '${field}': expected ${expected}, found ${describeValue(found)}`;
}

/** A non-blank string. */
export function checkText(field: string, value: unknown): Checked<string> {
  if (typeof value !== 'string') return { ok: false, reason: 'wrong_type', problem: problem(field, 'a non-empty string', value) };
  if (value.trim() === '') return { ok: false, reason: 'empty_text', problem: problem(field, 'a non-empty string', value) };
  return { ok: true, value };
}

/** A string or a list of strings, each non-blank; an empty list is allowed (the caller decides). */
export function checkTextList(field: string, value: unknown): Checked<string[]> {
  if (typeof value === 'string') {
    const text = checkText(field, value);
    return text.ok ? { ok: true, value: [text.value] } : text;
  }
  if (!Array.isArray(value)) return { ok: false, reason: 'wrong_type', problem: problem(field, 'a string or a list of strings', value) };
  const texts: string[] = [];
  for (const [index, item] of value.entries()) {
    const text = checkText(`${field}[${index}]`, item);
    if (!text.ok) return text;
    texts.push(text.value);
  }
  return { ok: true, value: texts };
}

/** An id: a non-blank string or an integer (Parquet int64 ids arrive as bigint). */
export function checkId(field: string, value: unknown): Checked<string> {
  if (typeof value === 'number' && Number.isInteger(value)) return { ok: true, value: String(value) };
  if (typeof value === 'bigint') return { ok: true, value: value.toString() };
  if (typeof value === 'string') {
    if (value.trim() === '') return { ok: false, reason: 'empty_text', problem: problem(field, 'an id (string or integer)', value) };
    return { ok: true, value };
  }
  return { ok: false, reason: 'wrong_type', problem: problem(field, 'an id (string or integer)', value) };
}

/** An id or a list of ids. */
export function checkIdList(field: string, value: unknown): Checked<string[]> {
  if (!Array.isArray(value)) {
    const id = checkId(field, value);
    return id.ok ? { ok: true, value: [id.value] } : { ok: false, reason: id.reason, problem: problem(field, 'an id or a list of ids', value) };
  }
  const ids: string[] = [];
  for (const [index, item] of value.entries()) {
    const id = checkId(`${field}[${index}]`, item);
    if (!id.ok) return id;
    ids.push(id.value);
  }
  return { ok: true, value: ids };
}

// A high surrogate not followed by a low one, or a low one not preceded by a high one.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Where the row holds text that cannot be written as UTF-8: invalid bytes (Parquet) or a lone surrogate (a JSON escape). */
export function findInvalidText(value: unknown, field: string, isInvalidBytes: (value: unknown) => string | undefined): string | undefined {
  if (typeof value === 'string') {
    const match = LONE_SURROGATE.exec(value);
    if (match === null) return undefined;
    const code = match[0].charCodeAt(0).toString(16).toUpperCase();
    return `field '${field}': invalid UTF-8 (lone surrogate U+${code}, which UTF-8 cannot encode)`;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const bytes = isInvalidBytes(value);
  if (bytes !== undefined) return `field '${field}': invalid UTF-8 (bytes ${bytes})`;
  if (Array.isArray(value)) {
    for (const [index, item] of value.entries()) {
      const found = findInvalidText(item, `${field}[${index}]`, isInvalidBytes);
      if (found !== undefined) return found;
    }
    return undefined;
  }
  if (ArrayBuffer.isView(value) || value instanceof Date) return undefined;
  for (const [key, item] of Object.entries(value)) {
    const found = findInvalidText(item, field === '' ? key : `${field}.${key}`, isInvalidBytes);
    if (found !== undefined) return found;
  }
  return undefined;
}
