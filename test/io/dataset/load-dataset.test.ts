import assert from 'node:assert/strict';
import path from 'node:path';
import { Readable } from 'node:stream';
import { describe, it } from 'node:test';
import { passageText, passageTexts, readMany, sliceStrings, TITLE_JOINS, type Dataset } from '../../../src/core/dataset.ts';
import { NegmineError } from '../../../src/core/errors.ts';
import { derivedId } from '../../../src/io/dataset/corpus-builder.ts';
import { loadDataset, type DatasetInput } from '../../../src/io/dataset/load-dataset.ts';
import { withTextStore } from '../../../src/io/text-store.ts';
import { REPO_ROOT } from '../../helpers/cli.ts';
import { jsonl, tempDir, tempFiles } from '../../helpers/temp.ts';
import { existsSync, truncateSync } from 'node:fs';

const DATA = path.join(REPO_ROOT, 'fixtures', 'data');

function input(overrides: Partial<DatasetInput>): DatasetInput {
  return { rowFields: {}, corpusFields: {}, qrelsMinScore: 1, split: 'test', onBadRow: 'error', ...overrides };
}

/** Each query's positives as {doc, score} objects. */
function positiveObjects(dataset: Dataset): { doc: number; score: number }[][] {
  return Array.from({ length: dataset.positives.length }, (_, q) => dataset.positives.at(q));
}

/** The corpus ids of each query's list. */
function idLists(dataset: Dataset, lists: { length: number; docsOf(query: number): Int32Array }): (string | undefined)[][] {
  return Array.from({ length: lists.length }, (_, q) => Array.from(lists.docsOf(q), (doc) => dataset.corpus.ids.at(doc)));
}

/** Each query as text -> its positive texts and given negative texts, for readable assertions. */
function byQuery(dataset: Dataset): Record<string, { pos: string[]; neg: string[] }> {
  const result: Record<string, { pos: string[]; neg: string[] }> = {};
  sliceStrings(dataset.queries.texts).forEach((query, q) => {
    result[query] = {
      pos: Array.from(dataset.positives.docsOf(q), (doc) => dataset.corpus.texts.at(doc) ?? '?'),
      neg: Array.from(dataset.givenNegatives.docsOf(q), (doc) => dataset.corpus.texts.at(doc) ?? '?'),
    };
  });
  return result;
}

function schemaError(message: string | RegExp) {
  return (error: unknown) =>
    error instanceof NegmineError && error.code === 'E_INPUT_SCHEMA' && (typeof message === 'string' ? error.message === message : message.test(error.message));
}

describe('load dataset', () => {
  it('load dataset reads FlagEmbedding JSONL with no flags: corpus = positives + negatives, deduplicated', async () => {
    const dataset = await loadDataset(input({ data: path.join(DATA, 'flagembedding.jsonl') }));
    assert.deepEqual(byQuery(dataset), {
      'what is the boiling point of water': {
        pos: ['Water boils at 100 degrees Celsius at sea level.'],
        neg: ['Ice melts at 0 degrees Celsius.', 'The boiling point of ethanol is 78 degrees Celsius.'],
      },
      'who wrote pride and prejudice': { pos: ['Pride and Prejudice is a novel by Jane Austen, published in 1813.'], neg: ['Charlotte Bronte wrote Jane Eyre.'] },
      'capital of australia': { pos: ['Canberra is the capital city of Australia.', 'The Australian capital is Canberra, not Sydney.'], neg: [] },
    });
    assert.equal(dataset.corpus.ids.length, 7);
    assert.equal(dataset.queries.ids.at(0), derivedId('q', 'what is the boiling point of water'));
    assert.match(dataset.corpus.ids.at(0) ?? '', /^d-[0-9a-f]{16}$/);
    assert.equal(dataset.report.positivesAddedToCorpus, 0, 'nothing is "added" when there is no corpus file');
  });

  it('load dataset merges rows repeating a query and keeps one copy of a repeated pair', async () => {
    const dataset = await loadDataset(input({ data: path.join(DATA, 'pairs.jsonl') }));
    assert.deepEqual(byQuery(dataset), {
      'how do vaccines work': {
        pos: ['Vaccines train the immune system to recognize a pathogen.', 'A vaccine exposes the body to a harmless piece of a germ so it learns to fight it.'],
        neg: [],
      },
      'largest planet in the solar system': { pos: ['Jupiter is the largest planet in the solar system.'], neg: [] },
    });
    assert.equal(dataset.report.recordsRead, 4);
  });

  it('load dataset resolves positive ids against --corpus and maps given negative texts onto corpus documents', async () => {
    const dataset = await loadDataset(
      input({ data: path.join(DATA, 'rows-with-ids.jsonl'), corpus: path.join(DATA, 'corpus.jsonl'), rowFields: { positiveIdField: 'pos_ids' } }),
    );
    assert.deepEqual(sliceStrings(dataset.queries.ids), ['q1', 'q2', 'q3']);
    assert.deepEqual(idLists(dataset, dataset.positives), [['d1'], ['d3'], ['d4']]);
    assert.deepEqual(idLists(dataset, dataset.givenNegatives), [[], [], ['d5']]);
    assert.equal(dataset.corpus.ids.length, 7);
    assert.equal(dataset.corpus.titles.at(0), 'Water');
    assert.equal(dataset.corpus.titles.at(1), null, 'an empty title is no title');
    assert.equal(passageText(dataset.corpus, 0, 'space'), 'Water Water boils at 100 degrees Celsius at sea level.');
    assert.equal(passageText(dataset.corpus, 0, 'newline'), 'Water\nWater boils at 100 degrees Celsius at sea level.');
    assert.equal(passageText(dataset.corpus, 0, 'none'), 'Water boils at 100 degrees Celsius at sea level.');
  });

  it('load dataset with a text store on disk gives the same dataset as in memory, titles and hashes included', async () => {
    const dir = tempFiles({
      'c.jsonl': jsonl({ id: 'a', title: 'T', text: 'same text' }, { id: 'b', text: 'same text' }, { id: 'a', title: 'T', text: 'same text' }, { id: 'c', text: 'Ünïcode 🚀' }, { id: 'e', title: 'Tïtle 🚀', text: 'après' }),
      'rows.jsonl': jsonl({ query: 'q1', pos: ['same text', 'new positive'], neg: ['Ünïcode 🚀'] }, { query: 'q2', pos: ['new positive'] }),
    });
    const inputs = [
      input({ data: path.join(DATA, 'rows-with-ids.jsonl'), corpus: path.join(DATA, 'corpus.jsonl'), rowFields: { positiveIdField: 'pos_ids' } }),
      input({ data: path.join(DATA, 'flagembedding.jsonl'), corpus: path.join(DATA, 'corpus.jsonl') }),
      input({ beir: path.join(DATA, 'beir-mini') }),
      input({ data: path.join(dir, 'rows.jsonl'), corpus: path.join(dir, 'c.jsonl') }),
    ];
    const plain = (dataset: Dataset): unknown => {
      const { corpus, queries, ...rest } = dataset;
      const queryRows = { ids: sliceStrings(queries.ids), texts: sliceStrings(queries.texts), normalizedHashes: queries.normalizedHashes };
      const docs = Array.from({ length: corpus.texts.length }, (_, doc) => [corpus.ids.at(doc), corpus.texts.at(doc), corpus.titles.at(doc)]);
      // A block read (in file order) gives what reading one by one gives, in the order asked.
      const asked = [...docs.keys()].reverse().concat([-1, docs.length, 0]);
      for (const join of TITLE_JOINS) {
        const passages = passageTexts(corpus, join);
        assert.deepEqual(readMany(passages, asked), asked.map((doc) => passages.at(doc)));
      }
      return { ...rest, queryRows, docs, hashes: corpus.textHashes };
    };
    for (const given of inputs) {
      const inMemory = await loadDataset(given);
      const parent = tempDir();
      let storePath = '';
      const onDisk = await withTextStore(parent, async (store) => {
        storePath = store.path;
        const dataset = await loadDataset(given, undefined, { textStore: store });
        assert.equal(store.length, dataset.corpus.ids.length, 'one store entry per document, title and text together');
        assert.ok(readMany(dataset.queries.texts, [0]).length === 1 && !Array.isArray(dataset.queries.texts), 'query texts are read from a store beside it');
        return plain(dataset);
      });
      assert.deepEqual(onDisk, plain(inMemory));
      assert.equal(existsSync(storePath), false);
    }
    const repeated = await loadDataset(inputs[3] ?? input({}));
    assert.equal(repeated.report.repeatedCorpusRows, 1, 'a repeated id with the same text and title is one document');
    assert.deepEqual(byQuery(repeated), { q1: { pos: ['same text', 'new positive'], neg: ['Ünïcode 🚀'] }, q2: { pos: ['new positive'], neg: [] } });
  });

  it('load dataset on a text store: a store truncated underneath is one E_IO error naming the store', async () => {
    await withTextStore(tempDir(), async (store) => {
      const dataset = await loadDataset(input({ data: path.join(DATA, 'flagembedding.jsonl') }), undefined, { textStore: store });
      // A first read puts every pending text on disk; then the file loses its tail underneath.
      assert.ok(passageText(dataset.corpus, 0, 'space').length > 3);
      truncateSync(store.path, 3);
      assert.throws(() => passageText(dataset.corpus, 1, 'space'), (error: unknown) => error instanceof NegmineError && error.code === 'E_IO' && error.message.includes(store.path) && !error.message.includes('\n'));
    });
  });

  it('load dataset adds positive texts missing from --corpus and counts them', async () => {
    const dataset = await loadDataset(input({ data: path.join(DATA, 'flagembedding.jsonl'), corpus: path.join(DATA, 'corpus.jsonl') }));
    // Found in corpus.jsonl: the water, Austen and Canberra positives and the ice negative.
    assert.equal(dataset.report.positivesAddedToCorpus, 1);
    assert.equal(dataset.report.negativesAddedToCorpus, 2);
    assert.equal(dataset.corpus.ids.length, 7 + 3);
    assert.equal(dataset.corpus.ids.at(dataset.positives.docsOf(0)[0] ?? -1), 'd1');
  });

  it('load dataset reads a BEIR folder: header row, graded qrels, min score, other splits ignored', async () => {
    const dataset = await loadDataset(input({ beir: path.join(DATA, 'beir-mini') }));
    assert.deepEqual(sliceStrings(dataset.queries.ids), ['1', '2']);
    assert.deepEqual(positiveObjects(dataset), [[{ doc: 0, score: 2 }], [{ doc: 2, score: 1 }]]);
    assert.equal(dataset.report.queriesWithoutQrels, 1);
    assert.equal(dataset.report.judgmentsBelowMinScore, 2);
    const strict = await loadDataset(input({ beir: path.join(DATA, 'beir-mini'), qrelsMinScore: 2 }));
    assert.deepEqual(sliceStrings(strict.queries.ids), ['1']);
    assert.deepEqual(strict.report.queriesWithoutPositives, ['2'], 'judged below the minimum: skipped and listed, not fatal');
  });

  it('load dataset reads TREC-style qrels without a header through --queries/--qrels/--corpus', async () => {
    const dir = tempFiles({
      'q.jsonl': jsonl({ _id: 7, text: 'boiling point of water' }),
      'c.jsonl': jsonl({ id: 100, contents: 'Water boils at 100 degrees Celsius.' }, { id: 101, contents: 'Ice melts at 0 degrees.' }),
      'qrels.txt': '7 0 100 1\n7 0 101 0\n',
    });
    const dataset = await loadDataset(input({ queries: path.join(dir, 'q.jsonl'), qrels: path.join(dir, 'qrels.txt'), corpus: path.join(dir, 'c.jsonl') }));
    assert.deepEqual(sliceStrings(dataset.queries.ids), ['7']);
    assert.deepEqual(sliceStrings(dataset.corpus.ids), ['100', '101']);
    assert.deepEqual(positiveObjects(dataset), [[{ doc: 0, score: 1 }]]);
  });

  it('load dataset reads JSONL rows from stdin', async () => {
    const stdin = Readable.from([jsonl({ question: 'q?', positives: ['p1', 'p2'], negative: 'n1' })]);
    const dataset = await loadDataset(input({ data: '-' }), undefined, { stdin });
    assert.deepEqual(byQuery(dataset), { 'q?': { pos: ['p1', 'p2'], neg: ['n1'] } });
  });

  it('load dataset honours explicit field flags', async () => {
    const dir = tempFiles({ 'custom.jsonl': jsonl({ q: 'question one', answer: ['a1'], hard: ['h1'], qid: 'Q1' }) });
    const dataset = await loadDataset(
      input({ data: path.join(dir, 'custom.jsonl'), rowFields: { queryField: 'q', positiveField: 'answer', negativeField: 'hard', queryIdField: 'qid' } }),
    );
    assert.deepEqual(sliceStrings(dataset.queries.ids), ['Q1']);
    assert.deepEqual(byQuery(dataset), { 'question one': { pos: ['a1'], neg: ['h1'] } });
  });

  it('load dataset rejects flag combinations that name no single input shape', async () => {
    const usage = (message: RegExp) => (error: unknown) => error instanceof NegmineError && error.code === 'E_USAGE' && message.test(error.message);
    await assert.rejects(loadDataset(input({})), usage(/^no input: give --data FILE/));
    await assert.rejects(loadDataset(input({ beir: 'x', data: 'y' })), usage(/--beir DIR names all the files itself/));
    await assert.rejects(loadDataset(input({ queries: 'q' })), usage(/BEIR input needs all of --queries FILE, --qrels FILE and --corpus FILE/));
    await assert.rejects(loadDataset(input({ data: 'd', rowFields: { positiveIdField: 'ids' } })), usage(/--positive-id-field needs --corpus FILE/));
  });

  it('load dataset with --on-bad-row skip counts each bad row by reason and keeps the good ones', async () => {
    const dir = tempFiles({
      'mixed.jsonl': [
        JSON.stringify({ query: 'good', pos: ['p'] }),
        '{"query": broken',
        JSON.stringify({ query: 3, pos: ['p'] }),
        JSON.stringify({ query: '  ', pos: ['p'] }),
        JSON.stringify({ text: 'no query field' }),
        JSON.stringify(['not', 'an', 'object']),
        JSON.stringify({ query: 'no positive at all', pos: [] }),
      ].join('\n'),
    });
    const dataset = await loadDataset(input({ data: path.join(dir, 'mixed.jsonl'), onBadRow: 'skip' }));
    assert.deepEqual(sliceStrings(dataset.queries.texts), ['good']);
    const skipped = Object.fromEntries(Object.entries(dataset.report.skipped).filter(([, n]) => n > 0));
    assert.deepEqual(skipped, { invalid_json: 1, wrong_type: 1, empty_text: 1, missing_field: 1, not_an_object: 1 });
    assert.deepEqual(dataset.report.queriesWithoutPositives, [derivedId('q', 'no positive at all')]);
  });

  it('load dataset fills the Dataset slots: column names, extra fields of the first row, teacher scores by corpus row', async () => {
    const dir = tempFiles({
      'fe.jsonl': jsonl(
        { query: 'q1', pos: ['p1', 'p2'], neg: ['n1'], pos_scores: [0.9, 0.8], neg_scores: [0.1], prompt: 'Represent this', type: 'normal' },
        { query: 'q1', pos: ['p3'], prompt: 'ignored: not the first row' },
        { query: 'q2', pos: ['p1'] },
      ),
      'st.jsonl': jsonl({ anchor: 'a', positive: 'b', label: 1 }),
    });
    const fe = await loadDataset(input({ data: path.join(dir, 'fe.jsonl') }));
    assert.deepEqual(fe.columns, { query: 'query', positive: 'pos' });
    assert.deepEqual(fe.extras, [{ prompt: 'Represent this', type: 'normal' }, undefined]);
    const doc = (text: string): number => Array.from({ length: fe.corpus.texts.length }, (_, i) => fe.corpus.texts.at(i)).indexOf(text);
    assert.deepEqual([...(fe.teacherScores?.[0] ?? [])], [[doc('p1'), 0.9], [doc('p2'), 0.8], [doc('n1'), 0.1]]);
    assert.equal(fe.teacherScores?.[1], undefined);
    const st = await loadDataset(input({ data: path.join(dir, 'st.jsonl') }));
    assert.deepEqual(st.columns, { query: 'anchor', positive: 'positive' });
    assert.deepEqual(st.extras, [{ label: 1 }]);
    assert.equal(st.teacherScores, undefined);
    const beir = await loadDataset(input({ beir: path.join(DATA, 'beir-mini') }));
    assert.deepEqual([beir.columns, beir.extras, beir.teacherScores], [undefined, undefined, undefined]);
  });

  it('load dataset rejects teacher scores that are not numbers or do not match their list', async () => {
    const cases: [unknown, unknown, RegExp][] = [
      [[0.9, 0.8], undefined, /line 1: field 'pos_scores': expected a list of 1 number \(one per 'pos' item\), found 2$/],
      [['high'], undefined, /line 1: field 'pos_scores\[0\]': expected a finite number, found string 'high'$/],
      [undefined, [0.1], /line 1: field 'neg_scores': expected a list of 2 numbers \(one per 'neg' item\), found 1$/],
      ['0.9', undefined, /line 1: field 'pos_scores': expected a list of 1 number \(one per 'pos' item\), found string '0.9'$/],
    ];
    for (const [posScores, negScores, message] of cases) {
      const dir = tempFiles({ 'rows.jsonl': jsonl({ query: 'q', pos: ['p'], neg: ['n1', 'n2'], pos_scores: posScores, neg_scores: negScores }) });
      await assert.rejects(loadDataset(input({ data: path.join(dir, 'rows.jsonl') })), schemaError(message));
    }
  });

  it('load dataset merges queries with the same normalized text under two ids and deduplicates positives by text', async () => {
    const dir = tempFiles({
      'corpus.jsonl': jsonl({ _id: 'd1', text: 'Paris is the capital.' }, { _id: 'd2', text: 'paris  is the capital.' }, { _id: 'd3', text: 'Lyon is a city.' }),
      'rows.jsonl': jsonl(
        { query_id: 'a', query: 'Capital of France?', pos_ids: ['d1', 'd2'] },
        { query_id: 'b', query: 'capital of  france?', pos_ids: ['d3'] },
      ),
    });
    const dataset = await loadDataset(input({ data: path.join(dir, 'rows.jsonl'), corpus: path.join(dir, 'corpus.jsonl'), rowFields: { positiveIdField: 'pos_ids' } }));
    assert.deepEqual([sliceStrings(dataset.queries.ids), sliceStrings(dataset.queries.texts)], [['a'], ['Capital of France?']]);
    assert.deepEqual(positiveObjects(dataset), [[{ doc: 0, score: 1 }, { doc: 2, score: 1 }]]);
    assert.equal(dataset.report.mergedQueries, 1);
    assert.equal(dataset.report.duplicatePositives, 1);
  });

  it('load dataset fails when every query is skipped', async () => {
    const dir = tempFiles({ 'bad.jsonl': jsonl({ query: 'q', pos: [] }) });
    await assert.rejects(loadDataset(input({ data: path.join(dir, 'bad.jsonl'), onBadRow: 'skip' })), schemaError(/^No usable queries in the input/));
  });
});
