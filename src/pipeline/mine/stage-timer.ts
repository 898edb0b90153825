/**
 * Wall time per named stage, for logs and --stats-json. A stage timed inside another (a model loaded lazily by
 * the first embedding batch) is taken out of the outer stage, so the stages add up; `other` is what no stage
 * covered and `total` the wall time since the timer started.
 */
export class StageTimer {
  readonly #seconds = new Map<string, number>();
  readonly #started = performance.now();
  /** Time spent in stages nested inside the running one, per nesting level. */
  readonly #nested: number[] = [];

  async time<T>(stage: string, work: () => T | Promise<T>): Promise<T> {
    const start = this.#enter();
    try {
      return await work();
    } finally {
      this.#leave(stage, start);
    }
  }

  /** time() for synchronous work (a candidate plan computed on demand inside another stage). */
  timeSync<T>(stage: string, work: () => T): T {
    const start = this.#enter();
    try {
      return work();
    } finally {
      this.#leave(stage, start);
    }
  }

  #enter(): number {
    this.#nested.push(0);
    return performance.now();
  }

  #leave(stage: string, start: number): void {
    const elapsed = performance.now() - start;
    const inner = this.#nested.pop() ?? 0;
    this.#seconds.set(stage, (this.#seconds.get(stage) ?? 0) + (elapsed - inner) / 1000);
    const depth = this.#nested.length;
    if (depth > 0) this.#nested[depth - 1] = (this.#nested[depth - 1] ?? 0) + elapsed;
  }

  toJSON(): Record<string, number> {
    const result: Record<string, number> = {};
    let covered = 0;
    for (const [stage, seconds] of this.#seconds) {
      result[stage] = Math.round(seconds * 1000) / 1000;
      covered += seconds;
    }
    const total = (performance.now() - this.#started) / 1000;
    result['other'] = Math.round(Math.max(0, total - covered) * 1000) / 1000;
    result['total'] = Math.round(total * 1000) / 1000;
    return result;
  }
}
