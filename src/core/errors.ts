/**
 * Stable error codes; scripts may match on them (README "Exit codes"). Each code has one exit code and says
 * whether rerunning the same command can succeed (retryable) or the command or its input must change (fatal).
 */
export const ERROR_CODES = [
  'E_USAGE',
  'E_INPUT_SCHEMA',
  'E_INPUT_PARSE',
  'E_MODEL_LOAD',
  'E_MODEL_MISMATCH',
  'E_MODEL_OUTPUT',
  'E_MODEL_RUN',
  'E_EP_UNAVAILABLE',
  'E_NATIVE_DEP',
  'E_INDEX',
  'E_IO',
  'E_NETWORK',
  'E_RATE_LIMIT',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

/** Documented process exit codes (README "Exit codes"). */
export const EXIT_CODES = {
  ok: 0,
  failure: 1,
  usage: 2,
  /** BSD EX_TEMPFAIL: a network, rate-limit or I/O failure; the same command may succeed when run again. */
  retryable: 75,
  interrupted: 130,
} as const;

export type ExitCode = (typeof EXIT_CODES)[keyof typeof EXIT_CODES];

/** Usage, bad input, and a model that does not fit its role or the flags: the command must change (exit 2). */
const USAGE_CODES: ReadonlySet<ErrorCode> = new Set(['E_USAGE', 'E_INPUT_SCHEMA', 'E_INPUT_PARSE', 'E_MODEL_MISMATCH']);
/** Transient conditions: network outages, rate limits, I/O errors (disk full, read-only file system). */
const RETRYABLE_CODES: ReadonlySet<ErrorCode> = new Set(['E_IO', 'E_NETWORK', 'E_RATE_LIMIT']);

/** An error a user can act on: the message names the file, row or flag and what was expected. */
export class NegmineError extends Error {
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'NegmineError';
    this.code = code;
  }

  /** True when rerunning the same command may succeed (network, rate limit, I/O). */
  get retryable(): boolean {
    return RETRYABLE_CODES.has(this.code);
  }

  /** Usage and bad-input errors exit 2, retryable ones 75, everything else 1. */
  get exitCode(): ExitCode {
    if (USAGE_CODES.has(this.code)) return EXIT_CODES.usage;
    return this.retryable ? EXIT_CODES.retryable : EXIT_CODES.failure;
  }
}

/** Message of any thrown value, without its stack. */
export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}

/**
 * Makes text from the data safe to print in one line: control characters (C0, DEL, C1, including ESC and NUL)
 * and line/paragraph separators become visible escapes, so input cannot move the cursor, recolour the terminal
 * or split an error line.
 */
export function escapeControl(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/gu, (c) => {
    const code = c.charCodeAt(0);
    if (c === '\n') return '\\n';
    if (c === '\r') return '\\r';
    if (c === '\t') return '\\t';
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
  });
}
