import { pino, type Logger, type LevelWithSilent } from 'pino';
import pinoPretty from 'pino-pretty';

export type { Logger } from 'pino';

export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const satisfies readonly LevelWithSilent[];
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface LoggerOptions {
  level: LogLevel;
  /** Human-readable lines instead of JSON; the CLI sets it when stderr is a TTY. */
  pretty: boolean;
  /** File descriptor to write to; stdout carries data, so the CLI always uses 2. */
  fd?: number;
  /** Pretty mode: ANSI colours (default true). */
  colorize?: boolean;
}

const HIDDEN_KEYS = new Set(['level', 'time', 'pid', 'hostname', 'name', 'msg', 'event', 'stage']);
const MAX_PRETTY_VALUE = 40;

/**
 * One pretty line per event: the message, then its short scalar fields (counts, rates, paths); nested objects such
 * as the final statistics stay in JSON logs and --stats-json.
 */
export function prettyLine(log: Record<string, unknown>): string {
  const fields: string[] = [];
  for (const [key, value] of Object.entries(log)) {
    if (HIDDEN_KEYS.has(key)) continue;
    if (typeof value === 'number' || typeof value === 'boolean' || (typeof value === 'string' && value.length <= MAX_PRETTY_VALUE)) fields.push(`${key}=${String(value)}`);
  }
  const stage = typeof log['stage'] === 'string' ? `[${log['stage']}] ` : '';
  const message = typeof log['msg'] === 'string' ? log['msg'] : '';
  return `${stage}${message}${fields.length === 0 ? '' : ` (${fields.join(', ')})`}`;
}

/** One synchronous pino logger on stderr: nothing is lost when the process exits right after a log call. */
export function createLogger(options: LoggerOptions): Logger {
  const fd = options.fd ?? 2;
  const destination = options.pretty
    ? pinoPretty({
        destination: fd,
        sync: true,
        colorize: options.colorize ?? true,
        translateTime: 'HH:MM:ss.l',
        hideObject: true,
        messageFormat: (log) => prettyLine(log),
      })
    : pino.destination({ dest: fd, sync: true });
  return pino({ level: options.level, base: { name: 'negmine' } }, destination);
}

/** A logger that drops everything, for library callers and tests that do not care. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}

/** A JSON logger writing to any stream (tests capture events this way). */
export function createStreamLogger(level: LogLevel, stream: NodeJS.WritableStream): Logger {
  return pino({ level, base: { name: 'negmine' } }, stream);
}
