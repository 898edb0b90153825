import type { StageProgress, WorkStatus } from '../pipeline/work-status.ts';

function state(stage: StageProgress): string {
  if (stage.total === 0) return stage.stage === 'rerank' ? 'not used (no --cross-encoder)' : 'nothing stored (recomputed from its inputs)';
  if (stage.done >= stage.total) return 'complete';
  return stage.done === 0 ? 'not started' : 'partial';
}

/** The status table: one line per stage, chunks done of total, files the next run replaces. */
export function formatWorkStatus(status: WorkStatus): string {
  const lines = [`Work directory ${status.workDir} (chunks of ${status.chunkRows.toLocaleString('en-US')} rows)`, `${'stage'.padEnd(14)} ${'chunks'.padStart(13)} ${'stale'.padStart(6)}  state`];
  for (const stage of status.stages) {
    const chunks = stage.total === 0 ? '-' : `${stage.done.toLocaleString('en-US')}/${stage.total.toLocaleString('en-US')}`;
    lines.push(`${stage.stage.padEnd(14)} ${chunks.padStart(13)} ${String(stage.stale).padStart(6)}  ${state(stage)}`);
  }
  return `${lines.join('\n')}\n`;
}
