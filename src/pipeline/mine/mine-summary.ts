import type { Dataset, LoadReport } from '../../core/dataset.ts';
import type { SelectionConfig } from '../../mine/select.ts';
import type { MiningStats } from '../../mine/stats.ts';
import type { StageName } from '../../workdir/manifest.ts';
import type { ChunkCounts, Work } from '../../workdir/work-dir.ts';
import type { SearchOutputs } from '../stages/search.ts';
import type { WriteOutputs } from '../stages/write.ts';
import type { MineRequest } from './mine-request.ts';

/** What the statistics report needs beside the statistics (src/cli/report.ts formats it). */
export interface MineReportData {
  numNegatives: number;
  minNegatives: number;
  /** The search settings: an IVF index makes --nprobe part of the "find more" hint. */
  index: { factory?: string; nprobe?: number };
  read: LoadReport;
  stageSeconds: Record<string, number>;
  /** With --work-dir: chunks reused and recomputed per stage. */
  workDir?: Partial<Record<StageName, ChunkCounts>>;
}

/** The run's statistics as --stats-json and the final log event carry them, and the data of the printed report. */
export function mineSummary(
  request: MineRequest,
  run: { dataset: Dataset; selection: SelectionConfig; searched: SearchOutputs; written: WriteOutputs; minNegatives: number; work: Work; seconds: Record<string, number> },
): { summary: Record<string, unknown>; report: { stats: MiningStats; context: MineReportData } } {
  const { dataset, selection, searched, written } = run;
  const workDir = run.work.dir === undefined ? undefined : run.work.counts();
  const summary = {
    ...written.stats.toJSON(selection.numNegatives),
    rows: written.rows,
    documents: dataset.corpus.ids.length,
    retrievedPerQuery: searched.retrievedPerQuery,
    settings: {
      ...selection,
      exclusions: request.exclusions,
      dupThreshold: request.dupThreshold,
      minNegatives: run.minNegatives,
      givenNegatives: request.givenNegatives,
      crossEncoder: request.crossEncoder?.model ?? null,
      layout: request.layout,
      index: request.index.factory ?? 'exact',
      nprobe: searched.nprobe ?? null,
      efSearch: searched.efSearch ?? null,
      vectorDtype: request.model.vectorDtype ?? 'float32',
    },
    read: dataset.report,
    seconds: run.seconds,
    ...(workDir === undefined ? {} : { workDir }),
  };
  const index = searched.nprobe === undefined ? request.index : { ...request.index, factory: request.index.factory ?? 'IVF', nprobe: searched.nprobe };
  return {
    summary,
    report: { stats: written.stats, context: { numNegatives: selection.numNegatives, minNegatives: run.minNegatives, index, read: dataset.report, stageSeconds: run.seconds, ...(workDir === undefined ? {} : { workDir }) } },
  };
}
