// The corpus as WordPiece ids, tokenized the way negmine feeds a static model (no special tokens), and its term
// statistics: document frequencies, lengths, idf.
import { readFileSync } from 'node:fs';
import { StaticTokenizer } from '../../src/model/static-tokenizer.ts';

/** Special ids of the BERT-uncased vocabulary: [PAD] [UNK] [CLS] [SEP] [MASK]; they are never terms. */
export const SPECIAL_IDS: readonly number[] = [0, 100, 101, 102, 103];

export interface TokenizedCorpus {
  vocabSize: number;
  /** Word-piece ids per passage, special ids removed, in corpus order. */
  docs: Int32Array[];
}

/** Reads a BEIR corpus.jsonl (title + ' ' + text when a title is set, as negmine joins them) and tokenizes it. */
export async function tokenizeCorpus(corpusPath: string, tokenizerPath: string): Promise<TokenizedCorpus> {
  const texts = readFileSync(corpusPath, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => {
      const row = JSON.parse(line) as { title?: string; text?: string };
      const title = row.title?.trim() ?? '';
      return title === '' ? (row.text ?? '') : `${row.title ?? ''} ${row.text ?? ''}`;
    });
  const tokenizer = StaticTokenizer.fromFile(tokenizerPath, { maxTokens: 0, model2vec: null });
  const encoded = await tokenizer.encode(texts);
  const special = new Set(SPECIAL_IDS);
  return { vocabSize: tokenizer.vocabSize, docs: encoded.map((e) => Int32Array.from(Array.from(e.ids).filter((id) => !special.has(id)))) };
}

export interface TermStats {
  /** Documents containing each id. */
  df: Int32Array;
  docCount: number;
  /** Mean passage length in word pieces. */
  avgLength: number;
}

export function termStats(corpus: TokenizedCorpus): TermStats {
  const df = new Int32Array(corpus.vocabSize);
  let total = 0;
  for (const doc of corpus.docs) {
    total += doc.length;
    for (const id of new Set(doc)) df[id] = (df[id] ?? 0) + 1;
  }
  return { df, docCount: corpus.docs.length, avgLength: total / Math.max(corpus.docs.length, 1) };
}

/** BM25's idf, ln(1 + (N - df + 0.5) / (df + 0.5)) (always positive); 0 for ids never seen and for special ids. */
export function bm25Idf(stats: TermStats): Float64Array {
  const idf = new Float64Array(stats.df.length);
  stats.df.forEach((df, id) => {
    if (df > 0 && !SPECIAL_IDS.includes(id)) idf[id] = Math.log(1 + (stats.docCount - df + 0.5) / (df + 0.5));
  });
  return idf;
}
