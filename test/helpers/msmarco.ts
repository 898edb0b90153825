// The shared msmarco-5k BEIR sample (corpus, queries, graded qrels) and nDCG@10, for tests of the working fixtures.
import { readFileSync } from 'node:fs';
import path from 'node:path';

export interface Msmarco {
  ids: string[];
  texts: string[];
  queries: { id: string; text: string }[];
  /** query id -> (corpus id -> graded relevance). */
  qrels: Map<string, Map<string, number>>;
}

function jsonlRows(file: string): { _id: string; text?: string }[] {
  return readFileSync(file, 'utf8').split('\n').filter((line) => line.trim() !== '').map((line) => JSON.parse(line) as { _id: string; text?: string });
}

export function loadMsmarco(dir: string): Msmarco {
  const corpus = jsonlRows(path.join(dir, 'corpus.jsonl'));
  const qrels = new Map<string, Map<string, number>>();
  for (const line of readFileSync(path.join(dir, 'qrels', 'test.tsv'), 'utf8').split('\n')) {
    const [query, doc, score] = line.split('\t');
    if (query === undefined || doc === undefined || score === undefined || !/^\d+$/.test(score.trim())) continue;
    const judged = qrels.get(query) ?? new Map<string, number>();
    judged.set(doc, Number(score));
    qrels.set(query, judged);
  }
  return {
    ids: corpus.map((row) => row._id),
    texts: corpus.map((row) => row.text ?? ''),
    queries: jsonlRows(path.join(dir, 'queries.jsonl')).map((row) => ({ id: row._id, text: row.text ?? '' })),
    qrels,
  };
}

/** nDCG@10 with exponential gain (2^rel - 1), the TREC / BEIR convention; 0 for a query without judgments. */
export function ndcgAt10(ranked: readonly string[], judged: ReadonlyMap<string, number>): number {
  const gain = (rel: number): number => 2 ** rel - 1;
  let dcg = 0;
  ranked.slice(0, 10).forEach((doc, i) => {
    dcg += gain(judged.get(doc) ?? 0) / Math.log2(i + 2);
  });
  let ideal = 0;
  [...judged.values()].sort((a, b) => b - a).slice(0, 10).forEach((rel, i) => {
    ideal += gain(rel) / Math.log2(i + 2);
  });
  return ideal === 0 ? 0 : dcg / ideal;
}

/** Indices of the k highest scores, best first (ties by index). */
export function topK(scores: ArrayLike<number>, k: number): number[] {
  return Array.from({ length: scores.length }, (_, i) => i)
    .sort((a, b) => (scores[b] ?? 0) - (scores[a] ?? 0) || a - b)
    .slice(0, k);
}
