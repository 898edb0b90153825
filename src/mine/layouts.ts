import type { ColumnSpec, TableRow } from '../core/table.ts';
import { extraCells, type ExtraColumn } from './extra-columns.ts';

/** How mined data is laid out: FlagEmbedding's per-query record, or one of sentence-transformers' formats. */
export const OUTPUT_LAYOUTS = ['flagembedding', 'triplet', 'n-tuple', 'labeled-pair', 'labeled-list'] as const;
export type OutputLayout = (typeof OUTPUT_LAYOUTS)[number];

export interface ScoredText {
  id: string;
  text: string;
  /** The score selection used: the cross-encoder's when one ran, else the bi-encoder's. */
  score: number;
  /** The bi-encoder's cosine, kept beside a cross-encoder score. */
  biScore?: number;
  /** The score the input gave (`pos_scores` / `neg_scores`, e.g. a teacher reranker's), written back unchanged. */
  inputScore?: number;
}

/** One query's mining result: its positives and its negatives in rank order. */
export interface MinedQuery {
  queryId: string;
  query: string;
  positives: readonly ScoredText[];
  negatives: readonly ScoredText[];
  /** Candidates the cross-encoder promoted to positives (--relabel); never negatives. */
  relabeled?: readonly ScoredText[];
  /** Fields of the input row negmine does not own (FlagEmbedding's `prompt`, `type`), written back in the record. */
  extras?: Readonly<Record<string, unknown>>;
}

export interface LayoutOptions {
  /** sentence-transformers' output_scores: scores replace labels, or a `scores` column is added (FlagEmbedding always has them). */
  scores: boolean;
  /** n-tuple: the number of negative columns; a row needs that many negatives. */
  numNegatives: number;
  /** FlagEmbedding record: add pos_bi_scores / neg_bi_scores (a cross-encoder scored pos_scores / neg_scores). */
  biScores?: boolean;
  /** FlagEmbedding record: add relabeled / relabeled_ids / relabeled_scores. */
  relabeled?: boolean;
  /** FlagEmbedding record: the input had pos_scores / neg_scores; add mined_pos_scores / mined_neg_scores beside them. */
  inputScores?: boolean;
  /** FlagEmbedding record: the input's extra fields, in first-seen order. */
  extras?: readonly ExtraColumn[];
  /** sentence-transformers layouts: the input's anchor and positive column names (default anchor / positive). */
  columns?: { query: string; positive: string };
}

const ST_RESERVED = new Set(['negative', 'scores', 'score', 'label', 'labels']);

/** The anchor and positive column names: the input's, as sentence-transformers keeps them, unless they clash. */
export function stColumns(columns: LayoutOptions['columns']): { anchor: string; positive: string } {
  if (columns === undefined || columns.query === columns.positive) return { anchor: 'anchor', positive: 'positive' };
  const clash = (name: string): boolean => name === '' || ST_RESERVED.has(name) || /^negative_\d+$/.test(name);
  if (clash(columns.query) || clash(columns.positive)) return { anchor: 'anchor', positive: 'positive' };
  return { anchor: columns.query, positive: columns.positive };
}

/**
 * The columns of a layout. sentence-transformers layouts carry no id columns because its trainers treat every
 * non-label column as an input; with scores they follow ST 6.1's output_scores formats.
 */
export function layoutSchema(layout: OutputLayout, options: LayoutOptions): ColumnSpec[] {
  const { anchor, positive } = stColumns(options.columns);
  switch (layout) {
    case 'flagembedding':
      return [
        { name: 'query_id', type: 'string' },
        { name: 'query', type: 'string' },
        { name: 'pos', type: 'string_list' },
        { name: 'pos_ids', type: 'string_list' },
        { name: 'neg', type: 'string_list' },
        { name: 'neg_ids', type: 'string_list' },
        { name: 'pos_scores', type: 'float64_list' },
        { name: 'neg_scores', type: 'float64_list' },
        ...(options.inputScores === true ? ([{ name: 'mined_pos_scores', type: 'float64_list' }, { name: 'mined_neg_scores', type: 'float64_list' }] as const) : []),
        ...(options.biScores === true ? ([{ name: 'pos_bi_scores', type: 'float64_list' }, { name: 'neg_bi_scores', type: 'float64_list' }] as const) : []),
        ...(options.relabeled === true
          ? ([{ name: 'relabeled', type: 'string_list' }, { name: 'relabeled_ids', type: 'string_list' }, { name: 'relabeled_scores', type: 'float64_list' }] as const)
          : []),
        ...(options.extras ?? []).map((column) => ({ name: column.name, type: column.type })),
      ];
    case 'triplet':
      return [
        { name: anchor, type: 'string' },
        { name: positive, type: 'string' },
        { name: 'negative', type: 'string' },
        ...(options.scores ? ([{ name: 'scores', type: 'float64_list' }] as const) : []),
      ];
    case 'n-tuple':
      return [
        { name: anchor, type: 'string' },
        { name: positive, type: 'string' },
        ...Array.from({ length: options.numNegatives }, (_, i) => ({ name: `negative_${i + 1}`, type: 'string' as const })),
        ...(options.scores ? ([{ name: 'scores', type: 'float64_list' }] as const) : []),
      ];
    case 'labeled-pair':
      return [{ name: anchor, type: 'string' }, { name: positive, type: 'string' }, options.scores ? { name: 'score', type: 'float64' } : { name: 'label', type: 'int32' }];
    case 'labeled-list':
      return [
        { name: anchor, type: 'string' },
        { name: positive, type: 'string_list' },
        options.scores ? { name: 'scores', type: 'float64_list' } : { name: 'labels', type: 'int32_list' },
      ];
  }
}

/** Positives as sentence-transformers layouts see them: the labeled ones, then the relabeled candidates (--relabel). */
export function stPositives(mined: MinedQuery): readonly ScoredText[] {
  return mined.relabeled === undefined || mined.relabeled.length === 0 ? mined.positives : [...mined.positives, ...mined.relabeled];
}

function flagEmbeddingRecord(mined: MinedQuery, options: LayoutOptions): TableRow {
  const { positives, negatives } = mined;
  const given = (item: ScoredText): number => item.inputScore ?? item.score;
  return {
    query_id: mined.queryId,
    query: mined.query,
    pos: positives.map((p) => p.text),
    pos_ids: positives.map((p) => p.id),
    neg: negatives.map((n) => n.text),
    neg_ids: negatives.map((n) => n.id),
    pos_scores: positives.map(given),
    neg_scores: negatives.map(given),
    ...(options.inputScores === true ? { mined_pos_scores: positives.map((p) => p.score), mined_neg_scores: negatives.map((n) => n.score) } : {}),
    ...(options.biScores === true ? { pos_bi_scores: positives.map((p) => p.biScore ?? p.score), neg_bi_scores: negatives.map((n) => n.biScore ?? n.score) } : {}),
    ...(options.relabeled === true
      ? {
          relabeled: (mined.relabeled ?? []).map((r) => r.text),
          relabeled_ids: (mined.relabeled ?? []).map((r) => r.id),
          relabeled_scores: (mined.relabeled ?? []).map((r) => r.score),
        }
      : {}),
    ...extraCells(options.extras ?? [], mined.extras),
  };
}

/**
 * The rows one query contributes, following sentence-transformers' rules: triplet = one row per (positive,
 * negative); n-tuple = one row per positive, only with the full number of negatives; labeled-pair = one row per
 * positive (label 1) and per negative (label 0); labeled-list = one row per positive, only with a negative.
 * Relabeled candidates count as positives in these layouts.
 */
export function layoutRows(layout: OutputLayout, mined: MinedQuery, options: LayoutOptions): TableRow[] {
  if (layout === 'flagembedding') return [flagEmbeddingRecord(mined, options)];
  const { anchor, positive: positiveColumn } = stColumns(options.columns);
  const { query, negatives } = mined;
  const positives = stPositives(mined);
  switch (layout) {
    case 'triplet':
      return positives.flatMap((positive) =>
        negatives.map((negative) => ({
          [anchor]: query,
          [positiveColumn]: positive.text,
          negative: negative.text,
          ...(options.scores ? { scores: [positive.score, negative.score] } : {}),
        })),
      );
    case 'n-tuple': {
      if (negatives.length < options.numNegatives) return [];
      const kept = negatives.slice(0, options.numNegatives);
      return positives.map((positive) => {
        const row: TableRow = { [anchor]: query, [positiveColumn]: positive.text };
        kept.forEach((negative, i) => (row[`negative_${i + 1}`] = negative.text));
        if (options.scores) row['scores'] = [positive.score, ...kept.map((n) => n.score)];
        return row;
      });
    }
    case 'labeled-pair': {
      const row = (item: ScoredText, label: number): TableRow => ({ [anchor]: query, [positiveColumn]: item.text, ...(options.scores ? { score: item.score } : { label }) });
      return [...positives.map((p) => row(p, 1)), ...negatives.map((n) => row(n, 0))];
    }
    case 'labeled-list':
      if (negatives.length === 0) return [];
      return positives.map((positive) => ({
        [anchor]: query,
        [positiveColumn]: [positive.text, ...negatives.map((n) => n.text)],
        ...(options.scores ? { scores: [positive.score, ...negatives.map((n) => n.score)] } : { labels: [1, ...negatives.map(() => 0)] }),
      }));
  }
}

/**
 * The fewest negatives a query needs to be written: --min-negatives when given, else what the layout needs
 * (FlagEmbedding's trainer divides by len(neg), so 1; n-tuple n; labeled-list 1, as sentence-transformers drops
 * rows without negatives; triplet and labeled-pair 0). An n-tuple never goes below n.
 */
export function minNegativesFor(layout: OutputLayout, numNegatives: number, requested: number | undefined): number {
  const needed = layout === 'n-tuple' ? numNegatives : layout === 'flagembedding' || layout === 'labeled-list' ? 1 : 0;
  if (requested === undefined) return needed;
  return layout === 'n-tuple' ? Math.max(requested, needed) : requested;
}

/** The negative scores a query's written rows pair with each positive: n-tuple rows hold only the first n. */
export function rowNegativeScores(layout: OutputLayout, mined: MinedQuery, numNegatives: number): number[] {
  const negatives = layout === 'n-tuple' ? (mined.negatives.length < numNegatives ? [] : mined.negatives.slice(0, numNegatives)) : mined.negatives;
  return negatives.map((n) => n.score);
}
