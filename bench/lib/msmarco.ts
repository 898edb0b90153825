// Reads the shared MS MARCO 5k sample (BEIR layout) for the benchmarks: plain arrays, no validation beyond shape.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

// ../shared/data beside the repository, as in the workplace's layout.
export const MSMARCO_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'shared', 'data', 'msmarco-5k');
export const MSMARCO_CORPUS = path.join(MSMARCO_DIR, 'corpus.jsonl');

export interface BeirSample {
  corpus: { id: string; title: string; text: string }[];
  queries: { id: string; text: string }[];
  /** Relevance grade by query id, then corpus id (qrels/test.tsv has no header row). */
  qrels: Map<string, Map<string, number>>;
}

function readJsonl(file: string): Record<string, unknown>[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

function text(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

export function loadBeir(dir = MSMARCO_DIR): BeirSample {
  const corpus = readJsonl(path.join(dir, 'corpus.jsonl')).map((row) => ({ id: String(row['_id']), title: text(row['title']), text: text(row['text']) }));
  const queries = readJsonl(path.join(dir, 'queries.jsonl')).map((row) => ({ id: String(row['_id']), text: text(row['text']) }));
  const qrels = new Map<string, Map<string, number>>();
  for (const line of readFileSync(path.join(dir, 'qrels', 'test.tsv'), 'utf8').split('\n')) {
    const [queryId, docId, grade] = line.split('\t');
    if (queryId === undefined || docId === undefined || grade === undefined) continue;
    let forQuery = qrels.get(queryId);
    if (forQuery === undefined) {
      forQuery = new Map();
      qrels.set(queryId, forQuery);
    }
    forQuery.set(docId, Number(grade));
  }
  return { corpus, queries, qrels };
}

/** The passage as negmine's default `--title-join space` builds it. */
export function passageOf(doc: { title: string; text: string }): string {
  return doc.title === '' ? doc.text : `${doc.title} ${doc.text}`;
}
