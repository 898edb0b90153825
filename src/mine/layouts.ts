import type { ColumnSpec, TableRow } from '../core/table.ts';

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
}

/** One query's mining result: its positives and its negatives in rank order. */
export interface MinedQuery {
  queryId: string;
  query: string;
  positives: readonly ScoredText[];
  negatives: readonly ScoredText[];
  /** Candidates the cross-encoder promoted to positives (--relabel); never negatives. */
  relabeled?: readonly ScoredText[];
}

export interface LayoutOptions {
  /** Add score columns to the sentence-transformers layouts (the FlagEmbedding record always has them). */
  scores: boolean;
  /** n-tuple: the number of negative columns; a row needs that many negatives. */
  numNegatives: number;
  /** FlagEmbedding record: add pos_bi_scores / neg_bi_scores (a cross-encoder scored pos_scores / neg_scores). */
  biScores?: boolean;
  /** FlagEmbedding record: add relabeled / relabeled_ids / relabeled_scores. */
  relabeled?: boolean;
}

/** The columns of a layout; sentence-transformers layouts carry no id columns because its trainers treat every non-label column as an input. */
export function layoutSchema(layout: OutputLayout, options: LayoutOptions): ColumnSpec[] {
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
        ...(options.biScores === true ? ([{ name: 'pos_bi_scores', type: 'float64_list' }, { name: 'neg_bi_scores', type: 'float64_list' }] as const) : []),
        ...(options.relabeled === true
          ? ([{ name: 'relabeled', type: 'string_list' }, { name: 'relabeled_ids', type: 'string_list' }, { name: 'relabeled_scores', type: 'float64_list' }] as const)
          : []),
      ];
    case 'triplet':
      return [
        { name: 'anchor', type: 'string' },
        { name: 'positive', type: 'string' },
        { name: 'negative', type: 'string' },
        ...(options.scores ? ([{ name: 'positive_score', type: 'float64' }, { name: 'negative_score', type: 'float64' }] as const) : []),
      ];
    case 'n-tuple':
      return [
        { name: 'anchor', type: 'string' },
        { name: 'positive', type: 'string' },
        ...Array.from({ length: options.numNegatives }, (_, i) => ({ name: `negative_${i + 1}`, type: 'string' as const })),
        ...(options.scores ? ([{ name: 'score', type: 'float64_list' }] as const) : []),
      ];
    case 'labeled-pair':
      return [
        { name: 'anchor', type: 'string' },
        { name: 'positive', type: 'string' },
        { name: 'label', type: 'int32' },
        ...(options.scores ? ([{ name: 'score', type: 'float64' }] as const) : []),
      ];
    case 'labeled-list':
      return [
        { name: 'anchor', type: 'string' },
        { name: 'positive', type: 'string_list' },
        { name: 'labels', type: 'int32_list' },
        ...(options.scores ? ([{ name: 'scores', type: 'float64_list' }] as const) : []),
      ];
  }
}

/**
 * The rows one query contributes, following sentence-transformers' rules: triplet = one row per (positive,
 * negative); n-tuple = one row per positive, only with the full number of negatives; labeled-pair = one row per
 * positive (label 1) and per negative (label 0); labeled-list = one row per positive, only with a negative.
 */
export function layoutRows(layout: OutputLayout, mined: MinedQuery, options: LayoutOptions): TableRow[] {
  const { query, positives, negatives } = mined;
  switch (layout) {
    case 'flagembedding':
      return [
        {
          query_id: mined.queryId,
          query,
          pos: positives.map((p) => p.text),
          pos_ids: positives.map((p) => p.id),
          neg: negatives.map((n) => n.text),
          neg_ids: negatives.map((n) => n.id),
          pos_scores: positives.map((p) => p.score),
          neg_scores: negatives.map((n) => n.score),
          ...(options.biScores === true ? { pos_bi_scores: positives.map((p) => p.biScore ?? p.score), neg_bi_scores: negatives.map((n) => n.biScore ?? n.score) } : {}),
          ...(options.relabeled === true
            ? {
                relabeled: (mined.relabeled ?? []).map((r) => r.text),
                relabeled_ids: (mined.relabeled ?? []).map((r) => r.id),
                relabeled_scores: (mined.relabeled ?? []).map((r) => r.score),
              }
            : {}),
        },
      ];
    case 'triplet':
      return positives.flatMap((positive) =>
        negatives.map((negative) => ({
          anchor: query,
          positive: positive.text,
          negative: negative.text,
          ...(options.scores ? { positive_score: positive.score, negative_score: negative.score } : {}),
        })),
      );
    case 'n-tuple': {
      if (negatives.length < options.numNegatives) return [];
      const kept = negatives.slice(0, options.numNegatives);
      return positives.map((positive) => {
        const row: TableRow = { anchor: query, positive: positive.text };
        kept.forEach((negative, i) => (row[`negative_${i + 1}`] = negative.text));
        if (options.scores) row['score'] = [positive.score, ...kept.map((n) => n.score)];
        return row;
      });
    }
    case 'labeled-pair':
      return [
        ...positives.map((p) => ({ anchor: query, positive: p.text, label: 1, ...(options.scores ? { score: p.score } : {}) })),
        ...negatives.map((n) => ({ anchor: query, positive: n.text, label: 0, ...(options.scores ? { score: n.score } : {}) })),
      ];
    case 'labeled-list':
      if (negatives.length === 0) return [];
      return positives.map((positive) => ({
        anchor: query,
        positive: [positive.text, ...negatives.map((n) => n.text)],
        labels: [1, ...negatives.map(() => 0)],
        ...(options.scores ? { scores: [positive.score, ...negatives.map((n) => n.score)] } : {}),
      }));
  }
}
