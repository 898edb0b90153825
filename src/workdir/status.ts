import path from 'node:path';
import { NegmineError } from '../core/errors.ts';
import { listWorkFolder, readWorkFileHead } from '../io/work-files.ts';
import { peekChunkIdentity } from './chunk-file.ts';
import { STAGES, type StageName } from './manifest.ts';
import { checkWorkDir } from './work-dir.ts';

/** One stage's progress as the stored chunk headers tell it (checksums are verified by the run that reuses them). */
export interface StageProgress {
  stage: StageName;
  /** Chunks the stage writes; 0 for stages that persist nothing (read, select) or do not run (rerank without a cross-encoder). */
  total: number;
  /** Chunks stored under the manifest's current key for this stage. */
  done: number;
  /** Files that name another key or position, or have no readable header: the next run replaces them. */
  stale: number;
}

export interface WorkStatus {
  workDir: string;
  chunkRows: number;
  stages: StageProgress[];
}

const HEAD_BYTES = 64 * 1024;

/** Per-stage progress of a work directory; a folder that is not one throws E_USAGE. */
export async function workStatus(dir: string): Promise<WorkStatus> {
  const manifest = await checkWorkDir(dir);
  if (manifest === undefined) throw new NegmineError('E_USAGE', `Cannot read --work-dir '${dir}': it holds no negmine run yet (no manifest.json)`);
  const stages: StageProgress[] = [];
  for (const stage of STAGES) {
    const { key, chunks } = manifest.stages[stage];
    let done = 0;
    let stale = 0;
    for (const name of await listWorkFolder(path.join(dir, stage))) {
      if (!name.endsWith('.chunk')) continue;
      const head = await readWorkFileHead(path.join(dir, stage, name), HEAD_BYTES);
      const identity = head === undefined ? undefined : peekChunkIdentity(head);
      const fits = identity !== undefined && identity.stage === stage && identity.key === key && `${String(identity.chunk).padStart(6, '0')}.chunk` === name && identity.chunk < chunks;
      if (fits) done += 1;
      else stale += 1;
    }
    stages.push({ stage, total: chunks, done, stale });
  }
  return { workDir: dir, chunkRows: manifest.chunkRows, stages };
}
