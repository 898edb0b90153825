import path from 'node:path';
import { passageTexts, type CorpusTexts, type Dataset, type TextHashKind, type TitleJoin } from '../../core/dataset.ts';
import { NegmineError } from '../../core/errors.ts';
import type { Logger } from '../../core/logger.ts';
import { loadDataset, type DatasetInput } from '../../io/dataset/load-dataset.ts';
import { datasetInputPaths } from '../../io/output-guard.ts';
import type { TextStore } from '../../io/text-store.ts';
import { filesUnder, sha256OfFile } from '../../io/work-files.ts';

export interface ReadInputs {
  input: DatasetInput;
  titleJoin: TitleJoin;
  /** Hash the input files' bytes (a persistent work directory pins them); false skips the extra pass. */
  hashInputs: boolean;
  /** Corpus texts go to this store on disk instead of staying in memory. */
  textStore?: TextStore;
  /** The per-document text hashes to keep (the exclusion mode's). */
  textHashes: readonly TextHashKind[];
}

export interface ReadOutputs {
  dataset: Dataset;
  /** Corpus texts as embedded and written (title joined). */
  passages: CorpusTexts;
  /** sha256 of each input file's bytes, by flag (and file inside a --beir folder); empty unless asked for. */
  inputSha256: Record<string, string>;
}

/** sha256 of every file the input flags name, streamed (size and mtime can stay the same while bytes change). */
async function hashInputFiles(input: DatasetInput): Promise<Record<string, string>> {
  const hashes: Record<string, string> = {};
  for (const { flag, path: target } of datasetInputPaths(input)) {
    if (target === undefined) continue;
    if (target === '-') throw new NegmineError('E_USAGE', `--work-dir needs ${flag} to name a file: stdin cannot be hashed and read again on resume`);
    for (const inner of await filesUnder(target)) hashes[inner === '' ? flag : `${flag}/${inner}`] = await sha256OfFile(inner === '' ? target : path.join(target, inner));
  }
  return hashes;
}

/** Reads the dataset (never persisted: the work directory pins the input bytes instead). */
export async function readStage(inputs: ReadInputs, log: Logger): Promise<ReadOutputs> {
  const inputSha256 = inputs.hashInputs ? await hashInputFiles(inputs.input) : {};
  const dataset = await loadDataset(inputs.input, log, { textHashes: inputs.textHashes, ...(inputs.textStore === undefined ? {} : { textStore: inputs.textStore }) });
  const passages = passageTexts(dataset.corpus, inputs.titleJoin);
  log.info({ event: 'stage_end', queries: dataset.queries.ids.length, documents: dataset.corpus.ids.length, ...(inputs.textStore === undefined ? {} : { textStore: inputs.textStore.path }) }, 'dataset read');
  return { dataset, passages, inputSha256 };
}
