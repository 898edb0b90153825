import type { CellValue, ColumnType } from '../core/table.ts';

/** An input field negmine does not own, carried into the FlagEmbedding record with one type for every row. */
export interface ExtraColumn {
  name: string;
  type: ColumnType;
  /** Values that fit no column type (objects, booleans, mixed lists) are written as their JSON text. */
  json: boolean;
}

function kindOf(value: unknown): ColumnType | 'json' | 'null' {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'string') return 'string';
  if (typeof value === 'number' && Number.isFinite(value)) return 'float64';
  if (Array.isArray(value)) {
    if (value.every((item) => typeof item === 'string')) return 'string_list';
    if (value.every((item) => typeof item === 'number' && Number.isFinite(item))) return 'float64_list';
  }
  return 'json';
}

/**
 * One column per extra field across all queries, in first-seen order; names negmine writes itself are skipped
 * (its own column wins). A field whose values disagree in type becomes a JSON-text string column.
 */
export function extraColumns(extras: readonly (Readonly<Record<string, unknown>> | undefined)[], reserved: ReadonlySet<string>): ExtraColumn[] {
  const kinds = new Map<string, ColumnType | 'json' | 'null'>();
  const emptyLists = new Set<string>();
  for (const record of extras) {
    if (record === undefined) continue;
    for (const [name, value] of Object.entries(record)) {
      if (reserved.has(name)) continue;
      const kind = kindOf(value);
      const seen = kinds.get(name);
      // An empty list fits either list type: it must not decide the column alone.
      const emptyList = Array.isArray(value) && value.length === 0;
      if (emptyList) emptyLists.add(name);
      if (seen === undefined || seen === 'null') kinds.set(name, emptyList ? (seen ?? 'null') : kind);
      else if (kind !== 'null' && !emptyList && kind !== seen) kinds.set(name, 'json');
    }
  }
  return [...kinds].map(([name, seen]) => {
    const kind = seen === 'null' && emptyLists.has(name) ? 'string_list' : seen;
    return kind === 'json' || kind === 'null' ? { name, type: 'string', json: kind === 'json' } : { name, type: kind, json: false };
  });
}

/** The cells of one record's extra fields; absent fields are null. */
export function extraCells(columns: readonly ExtraColumn[], extras: Readonly<Record<string, unknown>> | undefined): Record<string, CellValue> {
  const cells: Record<string, CellValue> = {};
  for (const column of columns) {
    const value = extras?.[column.name];
    const fits = column.json ? false : column.type === 'string' ? typeof value === 'string' : column.type === 'float64' ? typeof value === 'number' : Array.isArray(value);
    if (value === undefined || value === null) cells[column.name] = null;
    else if (fits) cells[column.name] = value as CellValue;
    else cells[column.name] = column.type === 'string' ? JSON.stringify(value) : null;
  }
  return cells;
}
