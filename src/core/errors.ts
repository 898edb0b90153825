/** Stable error codes; scripts may match on them. */
export const ERROR_CODES = [
  'E_USAGE',
  'E_INPUT_SCHEMA',
  'E_INPUT_PARSE',
  'E_MODEL_LOAD',
  'E_EP_UNAVAILABLE',
  'E_NATIVE_DEP',
  'E_NOT_IMPLEMENTED',
  'E_IO',
  'E_INDEX',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

/** Documented process exit codes (README "Exit codes"). */
export const EXIT_CODES = {
  ok: 0,
  failure: 1,
  usage: 2,
  interrupted: 130,
} as const;

export type ExitCode = (typeof EXIT_CODES)[keyof typeof EXIT_CODES];

const USAGE_CODES: ReadonlySet<ErrorCode> = new Set(['E_USAGE', 'E_INPUT_SCHEMA', 'E_INPUT_PARSE']);

/** An error a user can act on: the message names the file, row or flag and what was expected. */
export class NegmineError extends Error {
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'NegmineError';
    this.code = code;
  }

  /** Usage and bad-input errors exit 2, everything else 1. */
  get exitCode(): ExitCode {
    return USAGE_CODES.has(this.code) ? EXIT_CODES.usage : EXIT_CODES.failure;
  }
}

/** Message of any thrown value, without its stack. */
export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}
