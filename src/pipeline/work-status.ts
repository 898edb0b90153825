import { workStatus, type WorkStatus } from '../workdir/status.ts';

export type { StageProgress, WorkStatus } from '../workdir/status.ts';

/** `negmine status`: per-stage progress of a work directory, from its manifest and chunk headers. */
export function runStatus(workDir: string): Promise<WorkStatus> {
  return workStatus(workDir);
}
