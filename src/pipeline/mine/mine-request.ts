import type { TitleJoin } from '../../core/dataset.ts';
import type { DatasetInput } from '../../io/dataset/load-dataset.ts';
import type { OutputFormat } from '../../io/output/open-table-writer.ts';
import type { GivenNegativesMode } from '../../mine/candidate-plan.ts';
import type { OutputLayout } from '../../mine/layouts.ts';
import type { ExclusionMode, SelectionConfig } from '../../mine/select.ts';
import type { CeActivation } from '../../model/cross-encoder.ts';
import type { ModelRunSettings } from '../embed.ts';
import type { IndexSettings } from './index-stage.ts';

/** Rows of queries or corpus per work-directory chunk when --chunk-rows is not given. */
export const DEFAULT_CHUNK_ROWS = 16_384;

/** Everything `negmine mine` was asked to do, flags parsed. */
export interface MineRequest {
  input: DatasetInput;
  titleJoin: TitleJoin;
  model: ModelRunSettings;
  /** activation absent: from the model's config.json (crossEncoderActivation). */
  crossEncoder?: { model: string; modelFile?: string; activation?: CeActivation; candidates?: number };
  selection: Omit<SelectionConfig, 'rangeMax'> & { rangeMax?: number };
  dupThreshold: number;
  exclusions: ExclusionMode;
  /** Queries with fewer negatives are left out of the output; undefined: what the layout needs (see minNegativesFor). */
  minNegatives?: number;
  givenNegatives: GivenNegativesMode;
  index: IndexSettings;
  cacheDir?: string;
  /** --work-dir: the run's state, persisted in chunks so that the same command resumes after a kill. */
  workDir?: string;
  /** Rows of queries or corpus per chunk (query blocks hold at most 1,024 of them). */
  chunkRows: number;
  output: string;
  outputFormat?: OutputFormat;
  layout: OutputLayout;
  scores: boolean;
  statsJson?: string;
}
