import { NegmineError } from '../core/errors.ts';

export interface NumberRule {
  integer?: boolean;
  min?: number;
  max?: number;
}

/** Parses a numeric flag value or throws E_USAGE naming the flag, the value and the accepted range. */
export function parseNumberFlag(flag: string, value: string, rule: NumberRule = {}): number {
  const number = value.trim() === '' ? Number.NaN : Number(value);
  const kind = rule.integer === true ? 'an integer' : 'a number';
  const range =
    rule.min !== undefined && rule.max !== undefined
      ? ` between ${rule.min} and ${rule.max}`
      : rule.min !== undefined
        ? ` >= ${rule.min}`
        : rule.max !== undefined
          ? ` <= ${rule.max}`
          : '';
  const valid =
    Number.isFinite(number) &&
    (rule.integer !== true || Number.isInteger(number)) &&
    (rule.min === undefined || number >= rule.min) &&
    (rule.max === undefined || number <= rule.max);
  if (!valid) throw new NegmineError('E_USAGE', `Invalid ${flag} '${value}': expected ${kind}${range}`);
  return number;
}
