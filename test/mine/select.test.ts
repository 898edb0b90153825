import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { defaultRangeMax, emptyRemovalCounts, selectNegatives, type Candidate, type QueryCandidates, type SelectionConfig } from '../../src/mine/select.ts';

const BASE: SelectionConfig = { numNegatives: 3, rangeMin: 0, rangeMax: 100, sampling: 'top', seed: 42, relabel: false };

function candidates(scores: readonly number[]): Candidate[] {
  return scores.map((score, doc) => ({ doc, score, biScore: score, rescored: true }));
}

function query(scores: readonly number[], overrides: Partial<QueryCandidates> = {}): QueryCandidates {
  return { query: 0, candidates: candidates(scores), minPositiveScore: 0.8, excluded: () => undefined, textKey: (doc) => `text ${doc}`, ...overrides };
}

function docs(selection: { negatives: Candidate[] }): number[] {
  return selection.negatives.map((c) => c.doc);
}

describe('select', () => {
  it('select takes the top candidates by score', () => {
    assert.deepEqual(docs(selectNegatives(query([0.5, 0.7, 0.6, 0.4]), BASE, emptyRemovalCounts())), [1, 2, 0]);
  });

  it('select applies the absolute margin against the minimum positive score (neg + m > pos drops)', () => {
    const removed = emptyRemovalCounts();
    const selection = selectNegatives(query([0.79, 0.75, 0.69, 0.5]), { ...BASE, absoluteMargin: 0.1 }, removed);
    assert.deepEqual(docs(selection), [2, 3]);
    assert.equal(removed.absolute_margin, 2);
  });

  it('select applies the relative margin as NV-Retriever TopK-PercPos (neg > pos - |pos| * r drops)', () => {
    const removed = emptyRemovalCounts();
    // 0.8 * 0.95 = 0.76
    const selection = selectNegatives(query([0.77, 0.76, 0.75]), { ...BASE, relativeMargin: 0.05 }, removed);
    assert.deepEqual(docs(selection), [1, 2]);
    assert.equal(removed.relative_margin, 1);
    // A negative positive score: the margin still moves the bar down.
    const negative = selectNegatives(query([-0.1, -0.2], { minPositiveScore: -0.1 }), { ...BASE, relativeMargin: 0.5 }, emptyRemovalCounts());
    assert.deepEqual(docs(negative), [1]);
  });

  it('select applies max and min score and the cross-encoder cut', () => {
    const removed = emptyRemovalCounts();
    selectNegatives(query([0.95, 0.9, 0.5, 0.1]), { ...BASE, ceMaxScore: 0.95, maxScore: 0.8, minScore: 0.2 }, removed);
    assert.equal(removed.ce_max_score, 1);
    assert.equal(removed.max_score, 1);
    assert.equal(removed.min_score, 1);
  });

  it('select never mines positives, their copies, the query or near-duplicates, and counts each', () => {
    const reasons = { 0: 'positive_id', 1: 'positive_text', 2: 'query_text', 3: 'near_duplicate' } as const;
    const removed = emptyRemovalCounts();
    const selection = selectNegatives(query([0.99, 0.98, 0.97, 0.96, 0.5, 0.4], { excluded: (doc) => reasons[doc as keyof typeof reasons] }), BASE, removed);
    assert.deepEqual(docs(selection), [4, 5]);
    assert.deepEqual([removed.positive_id, removed.positive_text, removed.query_text, removed.near_duplicate], [1, 1, 1, 1]);
  });

  it('select keeps one copy of candidates with the same text and skips repeated ids', () => {
    const removed = emptyRemovalCounts();
    const input = query([0.6, 0.5, 0.4], { textKey: (doc) => (doc === 2 ? 'text 0' : `text ${doc}`) });
    const selection = selectNegatives({ ...input, candidates: [...input.candidates, ...input.candidates] }, BASE, removed);
    assert.deepEqual(docs(selection), [0, 1]);
    assert.equal(removed.repeated_text, 1);
  });

  it('select never backfills with candidates the cross-encoder did not rescore', () => {
    const removed = emptyRemovalCounts();
    const input = query([0.5, 0.4, 0.3]);
    const selection = selectNegatives({ ...input, candidates: input.candidates.map((c) => ({ ...c, rescored: c.doc === 0 })) }, BASE, removed);
    assert.deepEqual(docs(selection), [0]);
    assert.equal(removed.not_rescored, 2);
  });

  it('select relabels candidates scoring at least the minimum positive instead of mining them', () => {
    const removed = emptyRemovalCounts();
    const selection = selectNegatives(query([0.9, 0.8, 0.3]), { ...BASE, relabel: true }, removed);
    assert.deepEqual(selection.relabeled.map((c) => c.doc), [0, 1]);
    assert.deepEqual(docs(selection), [2]);
    assert.equal(removed.relabeled, 2);
  });

  it('select skips range-min survivors and stops at range-max', () => {
    const scores = [0.9, 0.8, 0.7, 0.6, 0.5, 0.4];
    assert.deepEqual(docs(selectNegatives(query(scores, { minPositiveScore: 1 }), { ...BASE, rangeMin: 2 }, emptyRemovalCounts())), [2, 3, 4]);
    assert.deepEqual(docs(selectNegatives(query(scores, { minPositiveScore: 1 }), { ...BASE, rangeMin: 1, rangeMax: 3 }, emptyRemovalCounts())), [1, 2]);
  });

  it('select samples randomly inside the window, reproducibly for a seed, sorted by score', () => {
    const scores = Array.from({ length: 20 }, (_, i) => 0.7 - i * 0.01);
    const config: SelectionConfig = { ...BASE, sampling: 'random', numNegatives: 4 };
    const first = docs(selectNegatives(query(scores), config, emptyRemovalCounts()));
    assert.deepEqual(docs(selectNegatives(query(scores), config, emptyRemovalCounts())), first);
    assert.equal(new Set(first).size, 4);
    assert.deepEqual([...first].sort((a, b) => a - b), first, 'sorted by score (descending scores = ascending docs here)');
    const others = [1, 2, 3, 4, 5].map((seed) => docs(selectNegatives(query(scores), { ...config, seed }, emptyRemovalCounts())).join());
    assert.ok(new Set(others).size > 1, 'other seeds give other samples');
  });

  it('select defaults range-max like sentence-transformers', () => {
    assert.equal(defaultRangeMax({ rangeMin: 0, numNegatives: 3 }, 1), 4);
    assert.equal(defaultRangeMax({ rangeMin: 10, numNegatives: 5, relativeMargin: 0.05 }, 2), 62);
  });
});
