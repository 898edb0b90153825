/** Wall time per named stage, for logs and --stats-json. */
export class StageTimer {
  readonly #seconds = new Map<string, number>();
  readonly #started = performance.now();

  async time<T>(stage: string, work: () => T | Promise<T>): Promise<T> {
    const start = performance.now();
    try {
      return await work();
    } finally {
      this.#seconds.set(stage, (this.#seconds.get(stage) ?? 0) + (performance.now() - start) / 1000);
    }
  }

  toJSON(): Record<string, number> {
    const result: Record<string, number> = {};
    for (const [stage, seconds] of this.#seconds) result[stage] = Math.round(seconds * 1000) / 1000;
    result['total'] = Math.round((performance.now() - this.#started)) / 1000;
    return result;
  }
}
