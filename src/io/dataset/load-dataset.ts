import path from 'node:path';
import { emptyLoadReport, type Dataset, type TextHashKind } from '../../core/dataset.ts';
import { NegmineError } from '../../core/errors.ts';
import type { Logger } from '../../core/logger.ts';
import { normalizedTextKey } from '../../mine/normalize-text.ts';
import type { JsonlSourceOptions } from '../jsonl-source.ts';
import { openRecordSource, type InputFormat } from '../open-source.ts';
import type { TextStore } from '../text-store.ts';
import { BadRows, type BadRowPolicy } from './bad-rows.ts';
import { CorpusBuilder } from './corpus-builder.ts';
import { loadCorpus, type CorpusFieldOptions } from './load-corpus.ts';
import { loadQrels, loadQueries } from './load-beir.ts';
import { loadRows, type RowsFieldOptions } from './load-rows.ts';
import { QueryTable } from './query-table.ts';

/** Every input flag, already parsed. */
export interface DatasetInput {
  data?: string;
  inputFormat?: InputFormat;
  rowFields: RowsFieldOptions;
  corpus?: string;
  corpusFields: CorpusFieldOptions;
  queries?: string;
  qrels?: string;
  qrelsMinScore: number;
  beir?: string;
  split: string;
  onBadRow: BadRowPolicy;
}

function usage(message: string): NegmineError {
  return new NegmineError('E_USAGE', message);
}

/** Which files to read, after checking that the flags describe exactly one input shape. */
function planInput(input: DatasetInput): { kind: 'rows'; data: string; corpus?: string } | { kind: 'beir'; queries: string; qrels: string; corpus: string } {
  if (input.beir !== undefined) {
    if (input.data !== undefined || input.queries !== undefined || input.qrels !== undefined || input.corpus !== undefined) {
      throw usage('--beir DIR names all the files itself: do not combine it with --data, --queries, --qrels or --corpus');
    }
    return {
      kind: 'beir',
      queries: path.join(input.beir, 'queries.jsonl'),
      qrels: path.join(input.beir, 'qrels', `${input.split}.tsv`),
      corpus: path.join(input.beir, 'corpus.jsonl'),
    };
  }
  if (input.queries !== undefined || input.qrels !== undefined) {
    if (input.data !== undefined) throw usage('give either --data (rows file) or --queries/--qrels/--corpus (BEIR files), not both');
    if (input.queries === undefined || input.qrels === undefined || input.corpus === undefined) {
      throw usage('BEIR input needs all of --queries FILE, --qrels FILE and --corpus FILE (or --beir DIR)');
    }
    return { kind: 'beir', queries: input.queries, qrels: input.qrels, corpus: input.corpus };
  }
  if (input.data === undefined) throw usage('no input: give --data FILE, or --queries FILE --qrels FILE --corpus FILE, or --beir DIR');
  if (input.rowFields.positiveIdField !== undefined && input.corpus === undefined) throw usage('--positive-id-field needs --corpus FILE to look the ids up in');
  if (input.data === '-' && input.corpus === '-') throw usage("only one input can be read from stdin ('-')");
  return input.corpus === undefined ? { kind: 'rows', data: input.data } : { kind: 'rows', data: input.data, corpus: input.corpus };
}

export interface LoadOptions extends Pick<JsonlSourceOptions, 'stdin' | 'readBytes' | 'batchLines'> {
  /** Corpus texts and titles go to this store, query texts to one beside it (the caller closes it); without one they stay in memory. */
  textStore?: TextStore;
  /** Per-document text hashes to keep in Corpus.textHashes (default both; `mine` keeps the one its --exclusions use). */
  textHashes?: readonly TextHashKind[];
}

/**
 * Reads and validates any supported input shape into the normalized dataset. Under --on-bad-row error the first
 * bad row throws E_INPUT_SCHEMA; under skip, bad rows are counted in the report by reason.
 */
export async function loadDataset(input: DatasetInput, log?: Logger, options: LoadOptions = {}): Promise<Dataset> {
  const { textStore, textHashes, ...lineOptions } = options;
  const plan = planInput(input);
  const report = emptyLoadReport();
  const badRows = new BadRows(input.onBadRow, report, log);
  const corpus = new CorpusBuilder(textStore, textHashes);
  const queries = new QueryTable(textStore?.beside('queries.bin'));
  // Only --data takes --input-format; the other files are told apart by name or content.
  const sourceOptions = (file: string, isData = false): Parameters<typeof openRecordSource>[1] => ({
    ...lineOptions,
    ...(isData ? { formatFlag: '--input-format', ...(input.inputFormat === undefined ? {} : { format: input.inputFormat }) } : {}),
    ...(input.onBadRow === 'skip'
      ? { onInvalidLine: (reason, lineNumber, problem) => { badRows.reject(reason, { file, unit: 'line', position: lineNumber }, problem); } }
      : {}),
  });

  if (plan.corpus !== undefined) {
    await loadCorpus(await openRecordSource(plan.corpus, sourceOptions(plan.corpus)), input.corpusFields, corpus, badRows, report);
  }
  let keep: (query: number) => boolean = () => true;
  let columns: { query: string; positive: string } | undefined;
  if (plan.kind === 'rows') {
    const source = await openRecordSource(plan.data, sourceOptions(plan.data, true));
    columns = await loadRows(source, input.rowFields, { corpus, corpusFile: plan.corpus, queries, badRows, report });
  } else {
    await loadQueries(await openRecordSource(plan.queries, sourceOptions(plan.queries)), queries, badRows, report);
    const judged = await loadQrels(plan.qrels, input.qrelsMinScore, { queries, corpus, queriesFile: plan.queries, corpusFile: plan.corpus, badRows, report });
    report.queriesWithoutQrels = queries.size - judged.count;
    keep = (query) => judged.flags[query] === 1;
  }
  badRows.finish();

  // The normalized text is part of the key: positives whose text hashes differ are never copies.
  const built = queries.build(keep, (doc) => passageKey(corpus, doc), (doc) => corpus.normalizedHash(doc));
  report.mergedQueries = built.mergedQueries;
  report.duplicatePositives = built.duplicatePositives;
  report.queriesWithoutPositives = built.withoutPositives.map((query) => query.id);
  warnQueriesWithoutPositives(built.withoutPositives.length, report.queriesWithoutQrels, plan.kind === 'rows' ? undefined : input.qrelsMinScore, log);
  if (built.ids.length === 0) throw new NegmineError('E_INPUT_SCHEMA', `No usable queries in the input (${report.files.join(', ')}): every query was skipped or has no positive`);
  const dataset: Dataset = {
    queries: { ids: built.ids, texts: built.texts, normalizedHashes: built.normalizedHashes },
    corpus: corpus.build(),
    positives: built.positives,
    givenNegatives: built.givenNegatives,
    report,
  };
  if (built.extras.some((extras) => extras !== undefined)) dataset.extras = built.extras;
  if (built.teacherScores.some((scores) => scores !== undefined)) dataset.teacherScores = built.teacherScores;
  if (columns !== undefined) dataset.columns = columns;
  return dataset;
}

/** Two positives are one when their texts and titles match after normalization. */
function passageKey(corpus: CorpusBuilder, doc: number): string {
  return `${normalizedTextKey(corpus.title(doc) ?? '')}\u0000${normalizedTextKey(corpus.text(doc))}`;
}

/** One warning for every query dropped for lack of a positive (the ids are in the report). */
function warnQueriesWithoutPositives(withoutPositives: number, withoutQrels: number, minScore: number | undefined, log: Logger | undefined): void {
  if (withoutPositives === 0 && withoutQrels === 0) return;
  const parts: string[] = [];
  if (withoutPositives > 0) {
    const why = minScore === undefined ? 'no positive' : `no qrels judgment with score >= ${minScore} (see --qrels-min-score)`;
    parts.push(`${withoutPositives} ${withoutPositives === 1 ? 'query has' : 'queries have'} ${why}`);
  }
  if (withoutQrels > 0) parts.push(`${withoutQrels} ${withoutQrels === 1 ? 'query in the queries file has' : 'queries in the queries file have'} no qrels in this split`);
  log?.warn({ event: 'queries_skipped', withoutPositives, withoutQrels }, `skipped queries: ${parts.join('; ')} (negmine inspect lists them)`);
}
