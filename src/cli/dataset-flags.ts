import type { BadRowPolicy } from '../io/dataset/bad-rows.ts';
import type { DatasetInput } from '../io/dataset/load-dataset.ts';
import type { InputFormat } from '../io/open-source.ts';
import { parseNumberFlag } from './parse-flags.ts';

/** The input flags as commander hands them over (see addInputOptions). */
export interface InputFlags {
  data?: string;
  inputFormat?: InputFormat;
  queryField?: string;
  queryIdField?: string;
  positiveField?: string;
  positiveIdField?: string;
  negativeField?: string;
  corpus?: string;
  corpusIdField?: string;
  corpusTextField?: string;
  corpusTitleField?: string;
  queries?: string;
  qrels?: string;
  qrelsMinScore: string;
  beir?: string;
  split: string;
  onBadRow: BadRowPolicy;
}

/** Drops undefined properties, so optional fields stay absent (exactOptionalPropertyTypes). */
export function defined<T extends Record<string, unknown>>(value: T): { [K in keyof T]?: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as { [K in keyof T]?: Exclude<T[K], undefined> };
}

/** Turns the parsed flags into the dataset loader's input description. */
export function datasetInputFromFlags(flags: InputFlags): DatasetInput {
  return {
    ...defined({ data: flags.data, inputFormat: flags.inputFormat, corpus: flags.corpus, queries: flags.queries, qrels: flags.qrels, beir: flags.beir }),
    rowFields: defined({
      queryField: flags.queryField,
      queryIdField: flags.queryIdField,
      positiveField: flags.positiveField,
      positiveIdField: flags.positiveIdField,
      negativeField: flags.negativeField,
    }),
    corpusFields: defined({ idField: flags.corpusIdField, textField: flags.corpusTextField, titleField: flags.corpusTitleField }),
    qrelsMinScore: parseNumberFlag('--qrels-min-score', flags.qrelsMinScore),
    split: flags.split,
    onBadRow: flags.onBadRow,
  };
}
