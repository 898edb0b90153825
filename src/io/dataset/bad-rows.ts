import { NegmineError } from '../../core/errors.ts';
import type { LoadReport, SkipReason } from '../../core/dataset.ts';
import type { Logger } from '../../core/logger.ts';
import type { PositionUnit } from '../record-source.ts';

export const BAD_ROW_POLICIES = ['error', 'skip'] as const;
export type BadRowPolicy = (typeof BAD_ROW_POLICIES)[number];

/** Where a record came from, for messages: "'train.jsonl' line 3". */
export interface RowLocation {
  file: string;
  unit: PositionUnit;
  position: number;
}

export function describeLocation(location: RowLocation): string {
  return `'${location.file}' ${location.unit} ${location.position}`;
}

const WARNINGS_PER_REASON = 5;

/**
 * Applies --on-bad-row: with 'error' the first bad row throws E_INPUT_SCHEMA naming file, line/row, field and
 * what was expected; with 'skip' it is counted by reason, logged, and the caller drops it.
 */
export class BadRows {
  readonly #policy: BadRowPolicy;
  readonly #report: LoadReport;
  readonly #log: Logger | undefined;
  #unlogged = 0;

  constructor(policy: BadRowPolicy, report: LoadReport, log?: Logger) {
    this.#policy = policy;
    this.#report = report;
    this.#log = log;
  }

  /** Throws under 'error'; under 'skip' records the row as skipped and returns. */
  reject(reason: SkipReason, location: RowLocation, problem: string): void {
    const message = `Cannot read ${describeLocation(location)}: ${problem}`;
    if (this.#policy === 'error') throw new NegmineError('E_INPUT_SCHEMA', message);
    const count = (this.#report.skipped[reason] += 1);
    const event = { event: 'row_skipped', reason, file: location.file, [location.unit]: location.position };
    if (count <= WARNINGS_PER_REASON) {
      this.#log?.warn(event, `skipped: ${message}`);
      return;
    }
    this.#unlogged += 1;
    this.#log?.debug(event, `skipped: ${message}`);
  }

  /** After the last row: one warning for the skipped rows beyond the first few of each reason, with counts by reason. */
  finish(): void {
    if (this.#unlogged === 0) return;
    const byReason = Object.fromEntries(Object.entries(this.#report.skipped).filter(([, n]) => n > 0));
    const counts = Object.entries(byReason).map(([reason, n]) => `${reason} ${n}`).join(', ');
    this.#log?.warn({ event: 'rows_skipped', more: this.#unlogged, byReason }, `and ${this.#unlogged} more skipped rows (skipped by reason: ${counts})`);
    this.#unlogged = 0;
  }
}
