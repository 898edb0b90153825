import type { Logger } from '../core/logger.ts';
import { createProgressBar, type ProgressUnit } from '../core/progress-bar.ts';

export interface StageProgress {
  update(done: number, total?: number): void;
  finish(): void;
}

const LOG_INTERVAL_MS = 10_000;

/**
 * Progress for one stage: a bar with rate and ETA when stderr is a terminal, otherwise an info line at most
 * every 10 s (CI logs and pipes get events, not carriage returns). Nothing at all below log level info.
 */
export function stageProgress(log: Logger, options: { label: string; total: number | undefined; unit?: ProgressUnit }): StageProgress {
  // --quiet (or any level above info) silences progress too.
  if (!log.isLevelEnabled('info')) return { update: () => undefined, finish: () => undefined };
  const bar = createProgressBar({ label: options.label, total: options.total, stream: process.stderr, unit: options.unit ?? 'items' });
  if (bar.enabled) return bar;
  const started = Date.now();
  let lastLog = started;
  let total = options.total;
  let done = 0;
  return {
    update(value, newTotal) {
      done = value;
      if (newTotal !== undefined) total = newTotal;
      const now = Date.now();
      if (now - lastLog < LOG_INTERVAL_MS) return;
      lastLog = now;
      const rate = done / Math.max((now - started) / 1000, 1e-3);
      log.info({ event: 'progress', label: options.label, done, total, ratePerSecond: Math.round(rate * 10) / 10 }, `${options.label}: ${done}${total === undefined ? '' : `/${total}`}`);
    },
    finish() {
      // The stage's own end event reports the totals.
    },
  };
}
