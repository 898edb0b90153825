import { emptyLoadReport, type Corpus, type LoadReport, type StringList } from '../../core/dataset.ts';
import { NegmineError } from '../../core/errors.ts';
import type { Logger } from '../../core/logger.ts';
import { openRecordSource } from '../open-source.ts';
import type { TextStore } from '../text-store.ts';
import { BadRows, type BadRowPolicy } from './bad-rows.ts';
import { CorpusBuilder } from './corpus-builder.ts';
import { loadQueries } from './load-beir.ts';
import { loadCorpus, type CorpusFieldOptions } from './load-corpus.ts';
import { QueryTable } from './query-table.ts';

/** Reads a corpus file alone (for `negmine embed --corpus`); texts go to `textStore` when one is given. */
export async function loadCorpusFile(file: string, fields: CorpusFieldOptions, policy: BadRowPolicy, log?: Logger, textStore?: TextStore): Promise<{ corpus: Corpus; report: LoadReport }> {
  const report = emptyLoadReport();
  const badRows = new BadRows(policy, report, log);
  const corpus = new CorpusBuilder(textStore);
  await loadCorpus(await openRecordSource(file), fields, corpus, badRows, report);
  badRows.finish();
  if (corpus.size === 0) throw new NegmineError('E_INPUT_SCHEMA', `No usable documents in '${file}'`);
  return { corpus: corpus.build(), report };
}

/** Reads a queries file alone (for `negmine embed --queries`). */
export async function loadQueriesFile(file: string, policy: BadRowPolicy, log?: Logger): Promise<{ ids: StringList; texts: StringList; report: LoadReport }> {
  const report = emptyLoadReport();
  const badRows = new BadRows(policy, report, log);
  const queries = new QueryTable();
  await loadQueries(await openRecordSource(file), queries, badRows, report);
  badRows.finish();
  if (queries.size === 0) throw new NegmineError('E_INPUT_SCHEMA', `No usable queries in '${file}'`);
  return { ...queries.lists(), report };
}
