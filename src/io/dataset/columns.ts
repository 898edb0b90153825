import { NegmineError } from '../../core/errors.ts';
import type { RecordSource } from '../record-source.ts';

export interface ColumnRequirement {
  flag: string;
  explicit: string | undefined;
  /** Defaults tried in order; empty for optional columns that are only checked when named explicitly. */
  candidates: readonly string[];
}

/**
 * For formats with a schema (Parquet), checks up front that every named column exists and that each required
 * one has a candidate: a missing column is a file-level error, not a bad row.
 */
export function requireColumns(source: RecordSource, requirements: readonly ColumnRequirement[]): void {
  const columns = source.columns;
  if (columns === undefined) return;
  for (const { flag, explicit, candidates } of requirements) {
    const wanted = explicit !== undefined ? [explicit] : candidates;
    if (wanted.length === 0 || wanted.some((name) => columns.includes(name))) continue;
    const described = explicit !== undefined ? `column '${explicit}'` : `a column named ${candidates.map((c) => `'${c}'`).join(' or ')}`;
    throw new NegmineError(
      'E_INPUT_SCHEMA',
      `Cannot read ${described} in '${source.file}': column not found (have: ${columns.join(', ')}; set ${flag})`,
    );
  }
}
