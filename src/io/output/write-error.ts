import { getSystemErrorMap } from 'node:util';
import { NegmineError, errorMessage } from '../../core/errors.ts';

/** "no space left on device (ENOSPC)" for a system error, else the error's message. */
export function describeSystemError(error: unknown): string {
  const { code, errno } = (error ?? {}) as NodeJS.ErrnoException;
  if (typeof code !== 'string') return errorMessage(error);
  const meaning = typeof errno === 'number' ? getSystemErrorMap().get(errno)?.[1] : undefined;
  return meaning === undefined ? code : `${meaning} (${code})`;
}

/** A failed write as a retryable E_IO naming the file the user asked for; NegmineErrors pass through. */
export function writeFailure(file: string, error: unknown): NegmineError {
  if (error instanceof NegmineError) return error;
  return new NegmineError('E_IO', `Cannot write '${file}': ${describeSystemError(error)}`, { cause: error });
}
