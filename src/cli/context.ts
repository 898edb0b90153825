import { NegmineError, type ExitCode } from '../core/errors.ts';
import { LOG_LEVELS, createLogger, type LogLevel, type Logger } from '../core/logger.ts';

export interface GlobalOptions {
  logLevel?: string;
  quiet?: boolean;
  verbose?: boolean;
}

/** What every command receives: the version, the logger, and whether stack traces are wanted. */
export interface CliContext {
  version: string;
  verbose: boolean;
  /** --quiet: only errors on stderr (no statistics table either). */
  quiet: boolean;
  /** Logs are JSON lines (stderr is not a terminal). */
  jsonLogs: boolean;
  log: Logger;
}

/** Resolves the global flags: --quiet beats --verbose, an explicit --log-level beats both. */
export function resolveLogLevel(options: GlobalOptions): LogLevel {
  if (options.logLevel !== undefined) {
    const level = LOG_LEVELS.find((l) => l === options.logLevel);
    if (level === undefined) {
      throw new NegmineError('E_USAGE', `Invalid --log-level '${options.logLevel}': expected one of ${LOG_LEVELS.join(', ')}`);
    }
    return level;
  }
  if (options.quiet === true) return 'error';
  if (options.verbose === true) return 'debug';
  return 'info';
}

export function createContext(version: string, options: GlobalOptions): CliContext {
  const pretty = process.stderr.isTTY;
  const log = createLogger({ level: resolveLogLevel(options), pretty });
  return { version, verbose: options.verbose === true, quiet: options.quiet === true || options.logLevel === 'silent' || options.logLevel === 'error', jsonLogs: !pretty, log };
}

/** Runs a command's action with the CLI context and turns errors into the exit code. */
export type Runner = (action: (context: CliContext) => Promise<ExitCode>) => Promise<void>;
