// Output helpers shared by the benchmarks: results on stdout (machine-greppable RATIO lines), progress on stderr.
import os from 'node:os';

export function progress(message: string): void {
  process.stderr.write(`[bench] ${message}\n`);
}

export function result(line: string): void {
  process.stdout.write(`${line}\n`);
}

/** `RATIO <name> <value> target>=2.0`, the line scripts and docs grep for. */
export function ratioLine(name: string, value: number, target: `${'>=' | '<='}${number}`): string {
  const bound = Number(target.slice(2));
  const holds = target.startsWith('>=') ? value >= bound : value <= bound;
  return `RATIO ${name} ${value.toFixed(3)} target${target} ${holds ? 'HOLDS' : 'MISSED'}`;
}

/** The machine in one line; the load average shows whether other work shared the cores (timings then inflate). */
export function machine(): string {
  const cpu = os.cpus()[0]?.model ?? 'unknown cpu';
  const load = os.loadavg().map((value) => value.toFixed(2)).join(' ');
  return `${os.availableParallelism()} cores (${cpu}), ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.versions.node}, load average ${load}`;
}

export function seconds(startedMs: number): number {
  return (performance.now() - startedMs) / 1000;
}

/** Share of real tokens among padded ones (1 = no padding) for batches given as lists of token lengths. */
export function paddingEfficiency(batches: readonly (readonly number[])[]): number {
  let real = 0;
  let padded = 0;
  for (const lengths of batches) {
    const longest = lengths.reduce((most, n) => Math.max(most, n), 0);
    padded += longest * lengths.length;
    for (const length of lengths) real += length;
  }
  return padded === 0 ? 1 : real / padded;
}

/** Splits items into consecutive groups of `size`. */
export function chunks<T>(items: readonly T[], size: number): T[][] {
  const groups: T[][] = [];
  for (let start = 0; start < items.length; start += size) groups.push(items.slice(start, start + size));
  return groups;
}

export function round(value: number, digits = 1): string {
  return value.toFixed(digits);
}

/** The median (the mean of the two middle values for an even count); NaN for no values. */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  if (sorted.length === 0) return Number.NaN;
  return sorted.length % 2 === 1 ? (sorted[mid] ?? Number.NaN) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}
