import path from 'node:path';
import type { Logger } from '../core/logger.ts';
import type { DatasetInput } from '../io/dataset/load-dataset.ts';
import { checkOutputs, datasetInputPaths, type FlaggedPath } from '../io/output-guard.ts';
import { tableFormatOf, type OutputFormat } from '../io/output/open-table-writer.ts';
import { vectorOutputPlan, type VectorFormat } from '../io/output/vector-format.ts';

interface ModelChoice {
  model: string;
  modelFile?: string;
}

/** A local model folder is an input like the data (a hub id names no local path and is skipped by the check). */
function modelPaths(flag: string, fileFlag: string, choice: ModelChoice | undefined): FlaggedPath[] {
  if (choice === undefined) return [];
  return [
    { flag, path: choice.model },
    { flag: fileFlag, path: choice.modelFile === undefined ? undefined : path.join(choice.model, choice.modelFile) },
  ];
}

/** What `mine` reads and writes, as far as the output checks need it. */
export interface MineOutputs {
  input: DatasetInput;
  model: ModelChoice;
  crossEncoder?: ModelChoice;
  index: { save?: string; load?: string };
  cacheDir?: string;
  workDir?: string;
  output: string;
  outputFormat?: OutputFormat;
  statsJson?: string;
}

/** Refuses, before any work, outputs that would replace an input or each other, or that cannot be written. */
export async function checkMineOutputs(request: MineOutputs, log: Logger): Promise<void> {
  await tableFormatOf(request.output, request.outputFormat);
  await checkOutputs(
    {
      inputs: [
        ...datasetInputPaths(request.input),
        ...modelPaths('--model', '--model-file', request.model),
        ...modelPaths('--cross-encoder', '--cross-encoder-file', request.crossEncoder),
        { flag: '--load-index', path: request.index.load },
      ],
      files: [
        { flag: '-o', path: request.output },
        { flag: '--stats-json', path: request.statsJson },
      ],
      replacedFolders: [{ flag: '--save-index', path: request.index.save }],
      createdFolders: [
        { flag: '--cache-dir', path: request.cacheDir },
        { flag: '--work-dir', path: request.workDir },
      ],
    },
    log,
  );
}

/** What `embed` reads and writes. */
export interface EmbedOutputs {
  input: DatasetInput;
  model: ModelChoice;
  cacheDir?: string;
  output: string;
  outputFormat?: VectorFormat;
}

/** The checks of checkMineOutputs for `embed -o` (and the .ids.jsonl beside a .npy). */
export async function checkEmbedOutputs(request: EmbedOutputs, log: Logger): Promise<void> {
  const [output, ids] = (await vectorOutputPlan(request.output, request.outputFormat)).paths;
  await checkOutputs(
    {
      inputs: [...datasetInputPaths(request.input), ...modelPaths('--model', '--model-file', request.model)],
      files: [
        { flag: '-o', path: output },
        { flag: '-o (its ids file)', path: ids },
      ],
      createdFolders: [{ flag: '--cache-dir', path: request.cacheDir }],
    },
    log,
  );
}
