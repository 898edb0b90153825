import path from 'node:path';
import { emptyLoadReport, type Dataset } from '../../core/dataset.ts';
import { NegmineError } from '../../core/errors.ts';
import type { Logger } from '../../core/logger.ts';
import type { JsonlSourceOptions } from '../jsonl-source.ts';
import { openRecordSource, type InputFormat } from '../open-source.ts';
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

/**
 * Reads and validates any supported input shape into the normalized dataset. Under --on-bad-row error the first
 * bad row throws E_INPUT_SCHEMA; under skip, bad rows are counted in the report by reason.
 */
export async function loadDataset(input: DatasetInput, log?: Logger, lineOptions: Pick<JsonlSourceOptions, 'stdin'> = {}): Promise<Dataset> {
  const plan = planInput(input);
  const report = emptyLoadReport();
  const badRows = new BadRows(input.onBadRow, report, log);
  const corpus = new CorpusBuilder();
  const queries = new QueryTable();
  const sourceOptions = (file: string, format?: InputFormat): Parameters<typeof openRecordSource>[1] => ({
    ...lineOptions,
    ...(format === undefined ? {} : { format }),
    ...(input.onBadRow === 'skip'
      ? { onInvalidLine: (reason, lineNumber, problem) => { badRows.reject(reason, { file, unit: 'line', position: lineNumber }, problem); } }
      : {}),
  });

  if (plan.corpus !== undefined) {
    await loadCorpus(await openRecordSource(plan.corpus, sourceOptions(plan.corpus)), input.corpusFields, corpus, badRows, report);
  }
  let keep: (query: number) => boolean = () => true;
  if (plan.kind === 'rows') {
    const source = await openRecordSource(plan.data, sourceOptions(plan.data, input.inputFormat));
    await loadRows(source, input.rowFields, { corpus, corpusFile: plan.corpus, queries, badRows, report });
  } else {
    await loadQueries(await openRecordSource(plan.queries, sourceOptions(plan.queries)), queries, badRows, report);
    const judged = await loadQrels(plan.qrels, input.qrelsMinScore, { queries, corpus, queriesFile: plan.queries, corpusFile: plan.corpus, badRows, report });
    report.queriesWithoutQrels = queries.size - judged.size;
    keep = (query) => judged.has(query);
  }

  const noPositive: number[] = [];
  for (let query = 0; query < queries.size; query += 1) {
    if (keep(query) && queries.positiveCount(query) === 0) noPositive.push(query);
  }
  const firstFile = plan.kind === 'rows' ? plan.data : plan.qrels;
  for (const query of noPositive) {
    const where = plan.kind === 'rows'
      ? { file: firstFile, unit: 'line' as const, position: queries.firstPosition(query) }
      : { file: plan.queries, unit: 'line' as const, position: queries.firstPosition(query) };
    const detail = plan.kind === 'rows' ? 'has no positive' : `has no qrels judgment with score >= ${input.qrelsMinScore} (see --qrels-min-score)`;
    badRows.reject('no_positive', where, `query '${queries.texts[query]?.slice(0, 60) ?? ''}' ${detail}`);
  }
  const dropped = new Set(noPositive);
  const built = queries.build((query) => keep(query) && !dropped.has(query));
  if (built.ids.length === 0) throw new NegmineError('E_INPUT_SCHEMA', `No usable queries in the input (${report.files.join(', ')}): every query was skipped or has no positive`);
  return {
    queries: { ids: built.ids, texts: built.texts },
    corpus: corpus.build(),
    positives: built.positives,
    givenNegatives: built.givenNegatives,
    report,
  };
}
