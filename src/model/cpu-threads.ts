import os from 'node:os';

/** How a CPU session computes: intra-op threads, and whether idle pool threads spin waiting for work. */
export interface CpuThreads {
  intraOpThreads: number;
  spinning: boolean;
}

/**
 * negmine's CPU default: one intra-op thread per core, none spinning. Spinning threads burn the cores that the
 * tokenizer, the main thread and other processes need (docs/decisions.md, "onnxruntime CPU threads").
 */
export function defaultCpuThreads(cores = os.availableParallelism()): CpuThreads {
  return { intraOpThreads: Math.max(1, cores), spinning: false };
}

/** The threading a CPU session gets: --threads sets the count, spinning stays off unless asked for. */
export function cpuThreads(threads?: number, spinning?: boolean): CpuThreads {
  const fallback = defaultCpuThreads();
  return { intraOpThreads: threads ?? fallback.intraOpThreads, spinning: spinning ?? fallback.spinning };
}

/** onnxruntime session config entries for the spinning setting of the intra-op and inter-op pools. */
export function spinningEntries(spinning: boolean): { intra_op: { allow_spinning: string }; inter_op: { allow_spinning: string } } {
  const value = spinning ? '1' : '0';
  return { intra_op: { allow_spinning: value }, inter_op: { allow_spinning: value } };
}
