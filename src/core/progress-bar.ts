export type ProgressUnit = 'bytes' | 'items';

/** The part of a tty.WriteStream a progress bar uses; stderr in the CLI. */
export interface ProgressStream {
  write(chunk: string): boolean;
  isTTY?: boolean;
  columns?: number;
  fd?: number;
}

export interface ProgressBarOptions {
  label: string;
  /** Undefined when the total is not known: no bar, percentage or ETA then. */
  total: number | undefined;
  stream: ProgressStream;
  unit: ProgressUnit;
  /** Milliseconds clock; tests pass their own. */
  now?: () => number;
  /** Least time between two redraws. */
  minIntervalMs?: number;
}

export interface ProgressBar {
  /** False when the stream is not a TTY: nothing is drawn and the caller should log instead. */
  readonly enabled: boolean;
  /** Sets the amount done so far (not an increment), and the total when it becomes known. */
  update(done: number, total?: number): void;
  /** Draws the final state and ends the line. */
  finish(): void;
}

const BAR_WIDTH = 24;
const BYTE_UNITS = ['B', 'kB', 'MB', 'GB', 'TB'] as const;

/** `1.5 MB`-style size (powers of 1000, as the Hub shows sizes). */
export function formatBytes(bytes: number): string {
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < BYTE_UNITS.length - 1) {
    value /= 1000;
    unit += 1;
  }
  return `${unit === 0 ? String(Math.round(value)) : value.toFixed(1)} ${BYTE_UNITS[unit] ?? 'B'}`;
}

/** `42s`, `3m05s`, `2h10m`. */
export function formatDuration(seconds: number): string {
  const whole = Math.max(0, Math.round(seconds));
  if (whole < 60) return `${whole}s`;
  if (whole < 3600) return `${Math.floor(whole / 60)}m${String(whole % 60).padStart(2, '0')}s`;
  return `${Math.floor(whole / 3600)}h${String(Math.floor((whole % 3600) / 60)).padStart(2, '0')}m`;
}

function formatAmount(value: number, unit: ProgressUnit): string {
  return unit === 'bytes' ? formatBytes(value) : Math.round(value).toLocaleString('en-US');
}

const disabledBar: ProgressBar = { enabled: false, update: () => undefined, finish: () => undefined };

/**
 * A one-line progress bar (amount, rate, ETA) redrawn in place on a TTY stream; a no-op bar when the stream
 * is not a TTY. Throws a TypeError if given stdout, which carries data.
 */
export function createProgressBar(options: ProgressBarOptions): ProgressBar {
  const { label, stream, unit } = options;
  if (stream === process.stdout || stream.fd === 1) throw new TypeError('createProgressBar: progress goes to stderr, never to stdout');
  if (stream.isTTY !== true) return disabledBar;
  const now = options.now ?? Date.now;
  const minIntervalMs = options.minIntervalMs ?? 100;
  const startedAt = now();
  let total = options.total;
  let done = 0;
  // Resumed work (bytes already on disk) must not count towards the rate.
  let firstDone: number | undefined;
  let lastDrawAt = Number.NEGATIVE_INFINITY;
  let finished = false;

  const render = (): string => {
    const elapsedSeconds = (now() - startedAt) / 1000;
    const rate = elapsedSeconds > 0 ? (done - (firstDone ?? 0)) / elapsedSeconds : 0;
    const rateText = `${formatAmount(rate, unit)}${unit === 'items' ? ' items' : ''}/s`;
    if (total === undefined || total <= 0) return `${label} ${formatAmount(done, unit)} ${rateText}`;
    const fraction = Math.min(1, done / total);
    const filled = Math.round(fraction * BAR_WIDTH);
    const bar = `[${'#'.repeat(filled)}${'.'.repeat(BAR_WIDTH - filled)}]`;
    const eta = rate > 0 && done < total ? ` ETA ${formatDuration((total - done) / rate)}` : '';
    return `${label} ${bar} ${Math.floor(fraction * 100)}% ${formatAmount(done, unit)}/${formatAmount(total, unit)} ${rateText}${eta}`;
  };

  const draw = (): void => {
    lastDrawAt = now();
    const line = render();
    const columns = stream.columns ?? 80;
    // \r redraws in place; \x1b[K clears what a longer previous line left.
    stream.write(`\r${line.length >= columns ? line.slice(0, columns - 1) : line}\x1b[K`);
  };

  return {
    enabled: true,
    update(value, newTotal) {
      if (finished) return;
      done = value;
      firstDone ??= value;
      if (newTotal !== undefined) total = newTotal;
      if (now() - lastDrawAt >= minIntervalMs || (total !== undefined && done >= total)) draw();
    },
    finish() {
      if (finished) return;
      finished = true;
      draw();
      stream.write('\n');
    },
  };
}
