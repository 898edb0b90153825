import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { createParquetWriter } from '../../src/io/parquet-writer.ts';
import { REPO_ROOT, logEvents, plainStderr, runCli } from '../helpers/cli.ts';
import { sharedDataDir } from '../helpers/shared-data.ts';
import { jsonl, jsonlRows, tempFiles } from '../helpers/temp.ts';

const DATA = path.join(REPO_ROOT, 'fixtures', 'data');

interface BadInputCase {
  name: string;
  files: Record<string, string | Buffer>;
  args: (dir: string) => string[];
  /** The whole stderr line, with {dir} standing for the temp folder. */
  error: RegExp;
}

const corpus = jsonl({ _id: 'd1', text: 'first passage' }, { _id: 'd2', text: 'second passage' });

const BAD_INPUTS: BadInputCase[] = [
  {
    name: 'malformed JSON line',
    files: { 'train.jsonl': `${jsonl({ query: 'q', pos: ['p'] })}{"query": "q2", "pos": [}\n` },
    args: (dir) => ['--data', path.join(dir, 'train.jsonl')],
    error: /^negmine: error: Cannot read '.*train\.jsonl' line 2: invalid JSON \(.+\)$/,
  },
  {
    name: 'missing column',
    files: { 'train.jsonl': jsonl({ question_text: 'q', pos: ['p'] }) },
    args: (dir) => ['--data', path.join(dir, 'train.jsonl')],
    error: /^negmine: error: Cannot read '.*train\.jsonl' line 1: no query field \(tried: query\|anchor\|question; set --query-field; have: question_text, pos\)$/,
  },
  {
    name: 'wrong type where text is expected',
    files: { 'train.jsonl': jsonl({ query: 'q', pos: [{ text: 'p' }] }) },
    args: (dir) => ['--data', path.join(dir, 'train.jsonl')],
    error: /^negmine: error: Cannot read '.*train\.jsonl' line 1: field 'pos\[0\]': expected a non-empty string, found an object$/,
  },
  {
    name: 'null text',
    files: { 'train.jsonl': jsonl({ query: null, pos: ['p'] }) },
    args: (dir) => ['--data', path.join(dir, 'train.jsonl')],
    error: /^negmine: error: Cannot read '.*train\.jsonl' line 1: field 'query': expected a non-empty string, found null$/,
  },
  {
    name: 'empty text',
    files: { 'train.jsonl': jsonl({ query: 'q', pos: ['p'] }, { query: 'q2', pos: '' }) },
    args: (dir) => ['--data', path.join(dir, 'train.jsonl')],
    error: /^negmine: error: Cannot read '.*train\.jsonl' line 2: field 'pos': expected a non-empty string, found an empty string$/,
  },
  {
    name: 'duplicate corpus id with a different text',
    files: { 'corpus.jsonl': jsonl({ _id: 'd1', text: 'one' }, { _id: 'd1', text: 'two' }), 'train.jsonl': jsonl({ query: 'q', pos: ['one'] }) },
    args: (dir) => ['--data', path.join(dir, 'train.jsonl'), '--corpus', path.join(dir, 'corpus.jsonl')],
    error: /^negmine: error: Cannot read '.*corpus\.jsonl' line 2: duplicate id 'd1' with a different text than line 1$/,
  },
  {
    name: 'positive id not in the corpus',
    files: { 'corpus.jsonl': corpus, 'train.jsonl': jsonl({ query: 'q', pos_ids: ['d1', 'd9'] }) },
    args: (dir) => ['--data', path.join(dir, 'train.jsonl'), '--corpus', path.join(dir, 'corpus.jsonl'), '--positive-id-field', 'pos_ids'],
    error: /^negmine: error: Cannot read '.*train\.jsonl' line 1: field 'pos_ids': unknown corpus id 'd9' \(not in '.*corpus\.jsonl'\)$/,
  },
  {
    name: 'qrels referencing an unknown corpus id',
    files: { 'corpus.jsonl': corpus, 'queries.jsonl': jsonl({ _id: 'q1', text: 'q' }), 'qrels.tsv': 'q1\td1\t1\nq1\td7\t1\n' },
    args: (dir) => ['--queries', path.join(dir, 'queries.jsonl'), '--qrels', path.join(dir, 'qrels.tsv'), '--corpus', path.join(dir, 'corpus.jsonl')],
    error: /^negmine: error: Cannot read '.*qrels\.tsv' line 2: corpus id 'd7' is not in '.*corpus\.jsonl'$/,
  },
  {
    name: 'qrels referencing an unknown query id',
    files: { 'corpus.jsonl': corpus, 'queries.jsonl': jsonl({ _id: 'q1', text: 'q' }), 'qrels.tsv': 'q2\td1\t1\n' },
    args: (dir) => ['--queries', path.join(dir, 'queries.jsonl'), '--qrels', path.join(dir, 'qrels.tsv'), '--corpus', path.join(dir, 'corpus.jsonl')],
    error: /^negmine: error: Cannot read '.*qrels\.tsv' line 1: query id 'q2' is not in '.*queries\.jsonl'$/,
  },
  {
    name: 'empty file',
    files: { 'train.jsonl': '' },
    args: (dir) => ['--data', path.join(dir, 'train.jsonl')],
    error: /^negmine: error: Cannot read '.*train\.jsonl': file is empty$/,
  },
  {
    name: 'invalid UTF-8',
    files: { 'train.jsonl': Buffer.concat([Buffer.from('{"query": "caf'), Buffer.from([0xe9]), Buffer.from('", "pos": ["p"]}\n')]) },
    args: (dir) => ['--data', path.join(dir, 'train.jsonl')],
    error: /^negmine: error: Cannot read '.*train\.jsonl' line 1: invalid UTF-8$/,
  },
  {
    name: 'missing file',
    files: {},
    args: (dir) => ['--data', path.join(dir, 'nope.jsonl')],
    error: /^negmine: error: Cannot read '.*nope\.jsonl': no such file$/,
  },
  {
    name: 'malformed qrels line',
    files: { 'corpus.jsonl': corpus, 'queries.jsonl': jsonl({ _id: 'q1', text: 'q' }), 'qrels.tsv': 'q1\td1\t1\nq1 d2\n' },
    args: (dir) => ['--queries', path.join(dir, 'queries.jsonl'), '--qrels', path.join(dir, 'qrels.tsv'), '--corpus', path.join(dir, 'corpus.jsonl')],
    error: /^negmine: error: Cannot read '.*qrels\.tsv' line 2: expected 'query-id<TAB>corpus-id<TAB>score' .*found 'q1 d2'$/,
  },
  {
    name: 'a TSV file given as --data',
    files: { 'train.tsv': 'query\tpositive\nq\tp\n' },
    args: (dir) => ['--data', path.join(dir, 'train.tsv')],
    error: /^negmine: error: Cannot read '.*train\.tsv': the file is tab-separated text, neither JSONL nor Parquet \(negmine reads JSONL: \.jsonl, \.ndjson, \.json; and Parquet: \.parquet, \.pq\); convert it, or name the format with --input-format jsonl\|parquet$/,
  },
  {
    name: 'a CSV file given as --corpus',
    files: { 'corpus.csv': '_id,text\nd1,first passage\n', 'train.jsonl': jsonl({ query: 'q', pos: ['p'] }) },
    args: (dir) => ['--data', path.join(dir, 'train.jsonl'), '--corpus', path.join(dir, 'corpus.csv')],
    error: /^negmine: error: Cannot read '.*corpus\.csv': the file is comma-separated text, neither JSONL nor Parquet \(.*\); convert it, or give the file a \.jsonl or \.parquet name$/,
  },
  {
    name: 'TSV content in a .jsonl file',
    files: { 'train.jsonl': 'query\tpositive\nq\tp\n' },
    args: (dir) => ['--data', path.join(dir, 'train.jsonl')],
    error: /^negmine: error: Cannot read '.*train\.jsonl' line 1: invalid JSON \(.+\); the line is tab-separated text: negmine reads JSONL and Parquet, not TSV$/,
  },
];

describe('inspect', () => {
  for (const testCase of BAD_INPUTS) {
    it(`inspect rejects ${testCase.name} with one line and exit 2`, async () => {
      const dir = tempFiles(testCase.files);
      const result = await runCli(['--quiet', 'inspect', ...testCase.args(dir)]);
      assert.equal(result.code, 2, result.stderr);
      assert.equal(result.stdout, '');
      const lines = result.stderr.trimEnd().split('\n');
      assert.equal(lines.length, 1, result.stderr);
      assert.match(lines[0] ?? '', testCase.error);
      assert.doesNotMatch(result.stderr, /\bat .+:\d+:\d+/, 'no stack trace');
    });
  }

  it('inspect --on-bad-row skip reports skipped rows by reason and exits 0', async () => {
    const dir = tempFiles({ 'train.jsonl': `${jsonl({ query: 'q', pos: ['p'] }, { query: 'q2', pos: [3] })}not json\n` });
    const result = await runCli(['--quiet', 'inspect', '--data', path.join(dir, 'train.jsonl'), '--on-bad-row', 'skip', '--json']);
    assert.equal(result.code, 0, result.stderr);
    const report = JSON.parse(result.stdout) as { queries: number; skippedRows: { total: number; byReason: Record<string, number> } };
    assert.equal(report.queries, 1);
    assert.deepEqual(report.skippedRows, { total: 2, byReason: { invalid_json: 1, wrong_type: 1 } });
  });

  it('inspect logs skipped rows as warnings on stderr', async () => {
    const dir = tempFiles({ 'train.jsonl': `${jsonl({ query: 'q', pos: ['p'] })}not json\n` });
    const result = await runCli(['inspect', '--data', path.join(dir, 'train.jsonl'), '--on-bad-row', 'skip']);
    assert.equal(result.code, 0, result.stderr);
    const events = result.stderr.trim().split('\n').map((line) => JSON.parse(line) as { level: number; event: string; reason?: string; line?: number });
    assert.ok(events.some((e) => e.level === 40 && e.event === 'row_skipped' && e.reason === 'invalid_json' && e.line === 2));
  });

  it('inspect merges queries with the same text under two ids and counts positives that repeat a text', async () => {
    const dir = tempFiles({
      'corpus.jsonl': jsonl({ _id: 'd1', text: 'Paris is the capital.' }, { _id: 'd2', text: 'Paris is the capital.' }, { _id: 'd3', text: 'Lyon is a city.' }),
      'queries.jsonl': jsonl({ _id: 'q1', text: 'capital of france' }, { _id: 'q2', text: 'Capital of France' }, { _id: 'q3', text: 'a city' }),
      'qrels.tsv': 'q1\td1\t1\nq1\td2\t1\nq2\td3\t1\nq3\td3\t1\n',
    });
    const args = ['--quiet', 'inspect', '--queries', path.join(dir, 'queries.jsonl'), '--qrels', path.join(dir, 'qrels.tsv'), '--corpus', path.join(dir, 'corpus.jsonl')];
    const json = await runCli([...args, '--json']);
    assert.equal(json.code, 0, json.stderr);
    const report = JSON.parse(json.stdout) as { queries: number; mergedQueries: number; duplicatePositives: number; positives: { total: number } };
    assert.deepEqual([report.queries, report.mergedQueries, report.duplicatePositives, report.positives.total], [2, 1, 1, 3]);
    const text = await runCli(args);
    assert.match(text.stdout, /^merged queries {4}1 queries repeat an earlier query's text under another id \(merged into it\)$/m);
    assert.match(text.stdout, /^dup positives {5}1 positives repeat another positive's text for the same query \(kept once\)$/m);
  });

  it('inspect skips queries without positives, lists them all and warns once with the count', async () => {
    const lonely = Array.from({ length: 7 }, (_, i) => ({ query_id: `lonely-${i + 1}`, query: `lonely ${i + 1}`, pos: [] }));
    const dir = tempFiles({ 'train.jsonl': jsonlRows([{ query_id: 'ok', query: 'q', pos: ['p'] }, ...lonely]) });
    const args = ['inspect', '--data', path.join(dir, 'train.jsonl')];
    const json = await runCli([...args, '--json']);
    assert.equal(json.code, 0, json.stderr);
    const report = JSON.parse(json.stdout) as { queries: number; queriesWithoutPositives: { total: number; ids: string[] } };
    assert.equal(report.queries, 1);
    assert.deepEqual(report.queriesWithoutPositives, { total: 7, ids: lonely.map((row) => row.query_id) });
    const warnings = logEvents(json).filter((event) => event.level === 40);
    assert.equal(warnings.length, 1, json.stderr);
    assert.equal(warnings[0]?.msg, 'skipped queries: 7 queries have no positive (negmine inspect lists them)');
    const text = await runCli(['--quiet', ...args]);
    assert.match(text.stdout, /^no positive {7}7 queries skipped: 'lonely-1', 'lonely-2', 'lonely-3', 'lonely-4', 'lonely-5' and 2 more$/m);
  });

  it('inspect treats BEIR queries judged only below --qrels-min-score like queries without qrels: skipped and listed', async () => {
    const dir = tempFiles({
      'corpus.jsonl': corpus,
      'queries.jsonl': jsonl({ _id: 'q1', text: 'first' }, { _id: 'q2', text: 'second' }, { _id: 'q3', text: 'other split' }),
      'qrels.tsv': 'q1\td1\t2\nq2\td2\t1\n',
    });
    const result = await runCli(['inspect', '--queries', path.join(dir, 'queries.jsonl'), '--qrels', path.join(dir, 'qrels.tsv'), '--corpus', path.join(dir, 'corpus.jsonl'), '--qrels-min-score', '2', '--json']);
    assert.equal(result.code, 0, result.stderr);
    const report = JSON.parse(result.stdout) as { queries: number; queriesWithoutQrels: number; queriesWithoutPositives: { ids: string[] } };
    assert.deepEqual([report.queries, report.queriesWithoutQrels, report.queriesWithoutPositives.ids], [1, 1, ['q2']]);
    const warnings = logEvents(result).filter((event) => event.level === 40).map((event) => event.msg);
    assert.deepEqual(warnings, [
      'skipped queries: 1 query has no qrels judgment with score >= 2 (see --qrels-min-score); 1 query in the queries file has no qrels in this split (negmine inspect lists them)',
    ]);
  });

  it('inspect --on-bad-row skip logs the first 5 skipped rows of a reason, then one "and N more" line with counts by reason', async () => {
    const dir = tempFiles({ 'train.jsonl': `${jsonl({ query: 'q', pos: ['p'] }, { query: 3, pos: ['p'] })}${'not json\n'.repeat(8)}` });
    const result = await runCli(['inspect', '--data', path.join(dir, 'train.jsonl'), '--on-bad-row', 'skip']);
    assert.equal(result.code, 0, result.stderr);
    const warnings = logEvents(result).filter((event) => event.level === 40);
    assert.equal(warnings.filter((event) => event.event === 'row_skipped').length, 6);
    const more = warnings.filter((event) => event.event === 'rows_skipped');
    assert.equal(more.length, 1, result.stderr);
    const [summary] = more;
    assert.equal(summary?.msg, 'and 3 more skipped rows (skipped by reason: invalid_json 8, wrong_type 1)');
    assert.deepEqual(summary.byReason, { invalid_json: 8, wrong_type: 1 });
  });

  it('inspect tells JSONL and Parquet apart by content when the extension is unknown', async () => {
    const dir = tempFiles({
      'rows.data': readFileSync(path.join(REPO_ROOT, 'fixtures', 'parquet', 'duckdb-flag-zstd.parquet')),
      'rows.txt': jsonl({ query: 'q', pos: ['p'] }),
    });
    const parquet = await runCli(['--quiet', 'inspect', '--data', path.join(dir, 'rows.data'), '--json']);
    assert.equal(parquet.code, 0, parquet.stderr);
    assert.equal((JSON.parse(parquet.stdout) as { queries: number }).queries, 8);
    const text = await runCli(['--quiet', 'inspect', '--data', path.join(dir, 'rows.txt'), '--json']);
    assert.equal(text.code, 0, text.stderr);
    assert.equal((JSON.parse(text.stdout) as { queries: number }).queries, 1);
  });

  it('inspect keeps JSONL integer ids beyond 2^53 distinct, in the corpus, the queries and the qrels', async () => {
    const dir = tempFiles({
      'corpus.jsonl': '{"_id": 9007199254740993, "text": "first passage"}\n{"_id": 9007199254740992, "text": "second passage"}\n',
      'queries.jsonl': '{"_id": 18014398509481985, "text": "first query"}\n{"_id": 18014398509481984, "text": "second query"}\n',
      'qrels.tsv': '18014398509481985\t9007199254740993\t1\n18014398509481984\t9007199254740992\t1\n',
    });
    const result = await runCli(['--quiet', 'inspect', '--queries', path.join(dir, 'queries.jsonl'), '--qrels', path.join(dir, 'qrels.tsv'), '--corpus', path.join(dir, 'corpus.jsonl'), '--json']);
    assert.equal(result.code, 0, result.stderr);
    const report = JSON.parse(result.stdout) as { queries: number; positives: { total: number }; corpus: { documents: number } };
    assert.deepEqual([report.queries, report.positives.total, report.corpus.documents], [2, 2, 2]);
  });

  it('inspect rejects invalid text the same way in Parquet and JSONL: invalid UTF-8 bytes and lone surrogates are bad rows', async () => {
    const parquet = path.join(REPO_ROOT, 'fixtures', 'parquet', 'hyparquet-invalid-utf8-uncompressed.parquet');
    const dir = tempFiles({ 'rows.jsonl': `${jsonl({ query: 'ok', pos: ['p'] })}{"query": "x\\ud800y", "pos": ["p"]}\n{"query": "z", "pos": ["\\udc00"]}\n` });
    const jsonlFile = path.join(dir, 'rows.jsonl');
    const failed = await runCli(['--quiet', 'inspect', '--data', parquet]);
    assert.equal(failed.code, 2);
    assert.equal(failed.stderr, `negmine: error: Cannot read '${parquet}' row 2: field 'query': invalid UTF-8 (bytes 63 61 66 c3 28 20 61 75 20 6c 61 69 74)\n`);
    const surrogate = await runCli(['--quiet', 'inspect', '--data', jsonlFile]);
    assert.equal(surrogate.code, 2);
    assert.equal(surrogate.stderr, `negmine: error: Cannot read '${jsonlFile}' line 2: field 'query': invalid UTF-8 (lone surrogate U+D800, which UTF-8 cannot encode)\n`);
    for (const file of [parquet, jsonlFile]) {
      const skipped = await runCli(['--quiet', 'inspect', '--data', file, '--on-bad-row', 'skip', '--json']);
      assert.equal(skipped.code, 0, skipped.stderr);
      const report = JSON.parse(skipped.stdout) as { queries: number; skippedRows: unknown };
      assert.deepEqual([report.queries, report.skippedRows], [1, { total: 2, byReason: { invalid_utf8: 2 } }], file);
    }
  });

  it('inspect verifies Parquet page CRCs: a flipped page byte is one error naming file, column and row group', async () => {
    const parquet = path.join(REPO_ROOT, 'fixtures', 'parquet');
    const good = await runCli(['--quiet', 'inspect', '--data', path.join(parquet, 'hyparquet-crc-flag-snappy.parquet'), '--json']);
    assert.equal(good.code, 0, good.stderr);
    assert.equal((JSON.parse(good.stdout) as { queries: number }).queries, 8);
    const bad = path.join(parquet, 'bad-page-crc.parquet');
    const result = await runCli(['--quiet', 'inspect', '--data', bad]);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /^negmine: error: Cannot read '.*bad-page-crc\.parquet': page checksum mismatch in column 'query', row group 2, page 1 \(stored CRC-32 [0-9a-f]{8}, computed [0-9a-f]{8}\): the file is corrupt\n$/);
  });

  it('inspect names Parquet positions as rows, not lines', async () => {
    const dir = tempFiles({ 'corpus.jsonl': corpus, 'qrels.tsv': 'q1\td1\t1\n' });
    const queries = path.join(dir, 'queries.parquet');
    const writer = createParquetWriter(queries, [{ name: '_id', type: 'string' }, { name: 'text', type: 'string' }], { codec: 'uncompressed' });
    await writer.write([{ _id: 'q1', text: 'first' }, { _id: 'q1', text: 'other text' }]);
    await writer.close();
    const result = await runCli(['--quiet', 'inspect', '--queries', queries, '--qrels', path.join(dir, 'qrels.tsv'), '--corpus', path.join(dir, 'corpus.jsonl')]);
    assert.equal(result.code, 2);
    assert.equal(result.stderr, `negmine: error: Cannot read '${queries}' row 2: duplicate query id 'q1' with a different text than row 1\n`);
  });

  const shared = sharedDataDir();
  it('inspect prints counts for the msmarco-5k BEIR folder', { skip: shared === undefined && 'shared data not found' }, async () => {
    const result = await runCli(['--quiet', 'inspect', '--beir', path.join(shared ?? '', 'msmarco-5k'), '--json']);
    assert.equal(result.code, 0, result.stderr);
    const report = JSON.parse(result.stdout) as { queries: number; queriesWithoutQrels: number; positives: { total: number }; duplicatePositives: number; corpus: { documents: number } };
    assert.equal(report.queries, 43);
    assert.equal(report.queriesWithoutQrels, 7);
    assert.equal(report.positives.total, 4100, 'two judged passages repeat another positive text of their query');
    assert.equal(report.duplicatePositives, 2);
    assert.equal(report.corpus.documents, 5000);
  });

  it('inspect reads Parquet rows and a Parquet corpus with int64 ids', async () => {
    const parquet = path.join(REPO_ROOT, 'fixtures', 'parquet');
    const rows = await runCli(['--quiet', 'inspect', '--data', path.join(parquet, 'duckdb-flag-zstd.parquet'), '--json']);
    assert.equal(rows.code, 0, rows.stderr);
    const report = JSON.parse(rows.stdout) as { queries: number; positives: { total: number }; givenNegatives: { total: number } };
    assert.deepEqual([report.queries, report.positives.total, report.givenNegatives.total], [8, 9, 15]);
    const dir = tempFiles({ 'rows.jsonl': jsonl({ query: 'milk coffee', pos_ids: [1] }) });
    const withCorpus = await runCli(['--quiet', 'inspect', '--data', path.join(dir, 'rows.jsonl'), '--corpus', path.join(parquet, 'duckdb-corpus-int64-id-zstd.parquet'), '--positive-id-field', 'pos_ids', '--json']);
    assert.equal(withCorpus.code, 0, withCorpus.stderr);
    assert.equal((JSON.parse(withCorpus.stdout) as { corpus: { documents: number } }).corpus.documents, 10);
  });

  it('inspect rejects a truncated Parquet file and a Parquet file without the needed column', async () => {
    const parquet = path.join(REPO_ROOT, 'fixtures', 'parquet');
    const truncated = await runCli(['inspect', '--data', path.join(parquet, 'bad-truncated.parquet')]);
    assert.equal(truncated.code, 2);
    assert.match(plainStderr(truncated), /^negmine: error: Cannot read '.*bad-truncated\.parquet': truncated or corrupt file \(missing PAR1 footer\)\n$/);
    const wrongShape = await runCli(['inspect', '--data', path.join(parquet, 'duckdb-corpus-int64-id-zstd.parquet')]);
    assert.equal(wrongShape.code, 2);
    assert.match(plainStderr(wrongShape), /column not found \(have: _id, title, text; set --query-field\)\n$/);
  });

  it('inspect prints a readable report for the bundled fixtures', async () => {
    const result = await runCli(['--quiet', 'inspect', '--data', path.join(DATA, 'rows-with-ids.jsonl'), '--corpus', path.join(DATA, 'corpus.jsonl'), '--positive-id-field', 'pos_ids']);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /^queries {11}3$/m);
    // d1 'Water' + text and d6 (no title) share a text: one passage under --title-join space, two under none.
    assert.match(result.stdout, /^duplicate texts {3}1 exact, 1 after normalizing case, spacing and Unicode$/m);
    assert.match(result.stdout, /^positive copies {3}2 positives have a copy under another id/m);
  });

  it('inspect --title-join decides which passages count as duplicates, as mining embeds them', async () => {
    const args = ['--quiet', 'inspect', '--data', path.join(DATA, 'rows-with-ids.jsonl'), '--corpus', path.join(DATA, 'corpus.jsonl'), '--positive-id-field', 'pos_ids', '--json'];
    const counts = async (join: string): Promise<unknown> => {
      const result = await runCli([...args, '--title-join', join]);
      assert.equal(result.code, 0, result.stderr);
      const { corpus } = JSON.parse(result.stdout) as { corpus: { duplicateTexts: number; nearDuplicateTexts: number } };
      return [corpus.duplicateTexts, corpus.nearDuplicateTexts];
    };
    assert.deepEqual(await counts('space'), [1, 1]);
    assert.deepEqual(await counts('none'), [1, 2]);
  });
});
