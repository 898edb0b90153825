import type { DocLists, PositiveLists } from './query-lists.ts';

/** How a document's title and text combine into the passage the models see. */
export const TITLE_JOINS = ['space', 'newline', 'none'] as const;
export type TitleJoin = (typeof TITLE_JOINS)[number];

/** Strings read by index: a plain string[], or a packed or on-disk store when there are millions of them. */
export interface StringList {
  readonly length: number;
  at(index: number): string | undefined;
  /** The strings at several indexes in one call (a store on disk reads them in file order); same as at() each. */
  many?(indexes: ArrayLike<number>): (string | undefined)[];
}

/** list.many(indexes), or at() per index for a list without it (texts, titles). */
export function readMany<T>(list: { at(index: number): T; many?(indexes: ArrayLike<number>): T[] }, indexes: ArrayLike<number>): T[] {
  return list.many?.(indexes) ?? Array.from(indexes, (index) => list.at(index));
}

/**
 * Corpus texts read by document index: a plain string[] (small, in-memory cases) or a store on disk
 * (src/io/text-store.ts) so that the texts need not all be resident.
 */
export type CorpusTexts = StringList;

/** Strings start..end-1 of a list as an array (a block of rows for a writer). */
export function sliceStrings(list: StringList, start = 0, end = list.length): string[] {
  const values: string[] = [];
  for (let i = start; i < Math.min(end, list.length); i += 1) values.push(list.at(i) ?? '');
  return values;
}

/** Corpus titles by document index: null when the document has no title. */
export interface CorpusTitles {
  readonly length: number;
  at(doc: number): string | null | undefined;
  /** The titles of several documents in one call; same as at() each. */
  many?(docs: ArrayLike<number>): (string | null | undefined)[];
}

/**
 * The corpus by document index; a document's row index is its integer id everywhere downstream. Texts and titles
 * are read by index (a string[] works; `negmine mine` reads them from a text store on disk).
 */
export interface Corpus {
  /** Document ids by row (src/core/packed-strings.ts when read from files: no JS string per document). */
  ids: StringList;
  texts: CorpusTexts;
  titles: CorpusTitles;
  /**
   * Per-document hashes (src/mine/text-hash.ts) of the exact text and of its normalized key, computed while
   * reading, so identity checks need not read texts back; absent: computed on first use.
   */
  textHashes?: { exact?: Float64Array; normalized?: Float64Array };
}

/** The kinds of per-document text hash a loader can keep (Corpus.textHashes). */
export type TextHashKind = 'exact' | 'normalized';

export type { Positive } from './query-lists.ts';

/** Why a row was skipped under --on-bad-row skip (invalid_utf8 also covers lone surrogates: text that is not valid Unicode). */
export const SKIP_REASONS = [
  'invalid_json',
  'invalid_utf8',
  'not_an_object',
  'missing_field',
  'wrong_type',
  'empty_text',
  'unknown_id',
  'conflicting_duplicate',
  'malformed_qrels_line',
] as const;
export type SkipReason = (typeof SKIP_REASONS)[number];

export interface LoadReport {
  /** Input files in the order they were read. */
  files: string[];
  /** Records read from all files (JSON lines, Parquet rows, qrels lines). */
  recordsRead: number;
  skipped: Record<SkipReason, number>;
  /** Positive texts from the rows file that were not in --corpus and were added to it. */
  positivesAddedToCorpus: number;
  /** Given negative texts that were not in the corpus and were added to it. */
  negativesAddedToCorpus: number;
  /** Corpus rows repeating an earlier id with the same text (ignored). */
  repeatedCorpusRows: number;
  /** Queries present in a queries file but absent from the qrels (BEIR: other splits). */
  queriesWithoutQrels: number;
  /** qrels judgments below --qrels-min-score (not positives). */
  judgmentsBelowMinScore: number;
  /** Ids of the queries skipped because they have no positive (empty list, or every judgment below --qrels-min-score). */
  queriesWithoutPositives: string[];
  /** Queries folded into an earlier query with the same normalized text under another id (one query, as in sentence-transformers). */
  mergedQueries: number;
  /** Positives dropped because an earlier positive of the same query has the same normalized text (and title). */
  duplicatePositives: number;
}

/** The normalized dataset every command works on, whatever the input shape. */
export interface Dataset {
  /** Query ids and texts by query index (texts in a store on disk when read for `mine`). */
  queries: {
    ids: StringList;
    texts: StringList;
    /** textHash(normalizedTextKey(text)) per query, from the loader: identity checks then read no query text. */
    normalizedHashes?: Float64Array;
  };
  corpus: Corpus;
  /** The positives of each query, at least one each (packed: no array per query). */
  positives: PositiveLists;
  /** The corpus rows given as negatives for each query in the input. */
  givenNegatives: DocLists;
  /**
   * extras[q]: fields of query q's input row that negmine does not own (e.g. FlagEmbedding's `prompt`, `type`),
   * kept as read and written back into the FlagEmbedding record; undefined when there are none.
   */
  extras?: (Record<string, unknown> | undefined)[];
  /** teacherScores[q]: scores the input gave (`pos_scores` / `neg_scores`) by corpus row; undefined when none. */
  teacherScores?: (ReadonlyMap<number, number> | undefined)[];
  /** The input's column names for the query and positive texts; sentence-transformers layouts keep them. */
  columns?: { query: string; positive: string };
  report: LoadReport;
}

/** A document's title and text joined as the models see them. */
function joinPassage(title: string | null | undefined, text: string, join: TitleJoin): string {
  if (join === 'none' || title === null || title === undefined || title.trim() === '') return text;
  return `${title}${join === 'space' ? ' ' : '\n'}${text}`;
}

/** The passage a model sees for corpus row `doc`. */
export function passageText(corpus: Pick<Corpus, 'texts' | 'titles'>, doc: number, join: TitleJoin): string {
  return joinPassage(join === 'none' ? null : corpus.titles.at(doc), corpus.texts.at(doc) ?? '', join);
}

/** The passages of a corpus as the models see them, read one by one or a block at a time (nothing is built up front). */
export function passageTexts(corpus: Pick<Corpus, 'texts' | 'titles'>, join: TitleJoin): CorpusTexts {
  const inRange = (doc: number): boolean => Number.isInteger(doc) && doc >= 0 && doc < corpus.texts.length;
  return {
    length: corpus.texts.length,
    at: (doc) => (inRange(doc) ? passageText(corpus, doc, join) : undefined),
    many: (docs) => {
      const texts = readMany(corpus.texts, docs);
      const titles = join === 'none' ? [] : readMany(corpus.titles, docs);
      return texts.map((text, i) => (inRange(docs[i] ?? -1) ? joinPassage(titles[i], text ?? '', join) : undefined));
    },
  };
}

export function emptyLoadReport(): LoadReport {
  return {
    files: [],
    recordsRead: 0,
    skipped: Object.fromEntries(SKIP_REASONS.map((reason) => [reason, 0])) as Record<SkipReason, number>,
    positivesAddedToCorpus: 0,
    negativesAddedToCorpus: 0,
    repeatedCorpusRows: 0,
    queriesWithoutQrels: 0,
    judgmentsBelowMinScore: 0,
    queriesWithoutPositives: [],
    mergedQueries: 0,
    duplicatePositives: 0,
  };
}
