import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { REPO_ROOT, plainStderr, runCli } from '../helpers/cli.ts';
import { readArrow, readJsonl, readParquet, type Row } from '../helpers/read-output.ts';
import { sharedDataDir } from '../helpers/shared-data.ts';
import { tempDir } from '../helpers/temp.ts';

const CRAFTED = path.join(REPO_ROOT, 'fixtures', 'data', 'mine-crafted');
const MODELS = path.join(REPO_ROOT, 'fixtures', 'models');
const CRAFTED_INPUT = ['--beir', CRAFTED];
const BASE = ['--quiet', 'mine', ...CRAFTED_INPUT, '--model', path.join(MODELS, 'bi-encoder'), '--device', 'cpu', '--range-max', '20', '--dup-threshold', '0.9'];
const WITH_CE = ['--cross-encoder', path.join(MODELS, 'cross-encoder'), '--relabel', '--ce-max-score', '0.3'];

async function mine(args: readonly string[], output: string): Promise<void> {
  const result = await runCli([...BASE, ...args, '-o', output]);
  assert.equal(result.code, 0, result.stderr);
  assert.equal(result.stdout, '');
}

function byQuery(rows: readonly Row[]): (queryId: string) => Row {
  return (queryId) => {
    const row = rows.find((r) => r['query_id'] === queryId);
    if (row === undefined) throw new Error(`no output row for ${queryId}`);
    return row;
  };
}

describe('mine', () => {
  it('mine excludes positives, their copies, the query text and near-duplicates, and takes the top survivors', async () => {
    const dir = tempDir();
    const statsFile = path.join(dir, 'stats.json');
    await mine(['--stats-json', statsFile], path.join(dir, 'out.jsonl'));
    const rows = byQuery(readJsonl(path.join(dir, 'out.jsonl')));
    // Bi-encoder ranking for q-solar: solar-query (the query itself), solar-relabel, solar-ce-filter, solar-pos,
    // solar-copy (same text, other case/spacing), solar-near (cosine 0.94 to the positive), solar-neg-laundry...
    assert.deepEqual(rows('q-solar')['neg_ids'], ['solar-relabel', 'solar-ce-filter', 'solar-neg-laundry']);
    assert.deepEqual(rows('q-solar')['pos_ids'], ['solar-pos']);
    assert.deepEqual(rows('q-tides')['neg_ids'], ['tides-neg-causes', 'tides-neg-salt', 'tides-neg-waves']);
    const stats = JSON.parse(readFileSync(statsFile, 'utf8')) as { removed: Record<string, number>; queries: number; negatives: number; queriesWithFewerNegatives: number };
    assert.equal(stats.queries, 2);
    assert.equal(stats.negatives, 6);
    assert.equal(stats.queriesWithFewerNegatives, 0);
    assert.equal(stats.removed['positive_text'], 1);
    assert.equal(stats.removed['query_text'], 1);
    assert.equal(stats.removed['near_duplicate'], 1);
  });

  it('mine with a cross-encoder relabels candidates at least as relevant as the positive and filters by --ce-max-score', async () => {
    const dir = tempDir();
    await mine([...WITH_CE, '--stats-json', path.join(dir, 'stats.json')], path.join(dir, 'out.jsonl'));
    const rows = byQuery(readJsonl(path.join(dir, 'out.jsonl')));
    const solar = rows('q-solar');
    // Cross-encoder: solar-relabel 0.97 >= positive 0.44 -> relabeled; solar-ce-filter 0.37 >= 0.3 -> dropped.
    assert.deepEqual(solar['relabeled_ids'], ['solar-relabel']);
    assert.deepEqual(solar['neg_ids'], ['solar-neg-laundry', 'solar-neg-painter', 'solar-neg-moon']);
    const negScores = solar['neg_scores'] as number[];
    assert.ok(negScores.every((score, i) => i === 0 || score <= (negScores[i - 1] ?? 1)), 'negatives ordered by cross-encoder score');
    assert.ok(Math.abs(((solar['pos_scores'] as number[])[0] ?? 0) - 0.4363) < 1e-3);
    assert.ok(Math.abs(((solar['neg_bi_scores'] as number[])[0] ?? 0) - 0.3651) < 1e-3, 'bi-encoder scores kept beside');
    assert.deepEqual(rows('q-tides')['relabeled_ids'], ['tides-neg-causes', 'tides-neg-salt']);
    assert.equal((rows('q-tides')['neg_ids'] as string[])[0], 'tides-neg-waves');
    const stats = JSON.parse(readFileSync(path.join(dir, 'stats.json'), 'utf8')) as { removed: Record<string, number>; relabeled: number };
    assert.equal(stats.relabeled, 3);
    assert.equal(stats.removed['ce_max_score'], 1);
  });

  it('mine writes the FlagEmbedding record as JSONL, Parquet and Arrow with the same content', async () => {
    const dir = tempDir();
    await mine(WITH_CE, path.join(dir, 'out.jsonl'));
    await mine(WITH_CE, path.join(dir, 'out.parquet'));
    await mine(WITH_CE, path.join(dir, 'out.arrow'));
    const jsonl = readJsonl(path.join(dir, 'out.jsonl'));
    assert.deepEqual(Object.keys(jsonl[0] ?? {}), ['query_id', 'query', 'pos', 'pos_ids', 'neg', 'neg_ids', 'pos_scores', 'neg_scores', 'pos_bi_scores', 'neg_bi_scores', 'relabeled', 'relabeled_ids', 'relabeled_scores']);
    assert.deepEqual(await readParquet(path.join(dir, 'out.parquet')), jsonl);
    assert.deepEqual(readArrow(path.join(dir, 'out.arrow')), jsonl);
  });

  it('mine is deterministic: the same seed gives byte-identical output', async () => {
    const dir = tempDir();
    const args = ['--sampling', 'random', '--seed', '7', '--num-negatives', '2'];
    await mine(args, path.join(dir, 'a.jsonl'));
    await mine(args, path.join(dir, 'b.jsonl'));
    assert.deepEqual(readFileSync(path.join(dir, 'a.jsonl')), readFileSync(path.join(dir, 'b.jsonl')));
  });

  it('mine reuses cached embeddings and a saved index, and refuses an index built with another model', async () => {
    const dir = tempDir();
    const cache = path.join(dir, 'cache');
    const index = path.join(dir, 'index');
    const first = await runCli([...BASE.slice(1), '--cache-dir', cache, '--save-index', index, '-o', path.join(dir, 'a.jsonl')]);
    assert.equal(first.code, 0, first.stderr);
    const second = await runCli([...BASE.slice(1), '--cache-dir', cache, '--load-index', index, '--absolute-margin', '0', '-o', path.join(dir, 'b.jsonl')]);
    assert.equal(second.code, 0, second.stderr);
    const hits = second.stderr.split('\n').filter((line) => line.includes('"event":"cache_hit"'));
    assert.equal(hits.length, 2, 'corpus and queries both come from the cache');
    assert.match(second.stderr, /"event":"index_loaded"/);
    const other = await runCli([...BASE, '--model', path.join(MODELS, 'bi-encoder-sentence-embedding'), '--load-index', index, '-o', path.join(dir, 'c.jsonl')]);
    assert.equal(other.code, 2, other.stderr);
    assert.match(plainStderr(other), /^negmine: error: Cannot reuse --load-index '.*index': /);
    assert.equal(existsSync(path.join(dir, 'c.jsonl')), false);
  });

  it('mine rejects flag combinations that cannot work, before reading anything', async () => {
    const dir = tempDir();
    const cases: [string[], RegExp][] = [
      [['--relabel'], /--relabel, --ce-max-score and --ce-candidates need --cross-encoder/],
      [['--range-min', '5', '--range-max', '5'], /Invalid --range-max 5: it must be larger than --range-min 5/],
      [['--num-negatives', '0'], /Invalid --num-negatives '0': expected an integer >= 1/],
      [['--output-format', 'parquet', '-o', '-'], /Cannot write Parquet to stdout/],
    ];
    for (const [args, message] of cases) {
      const result = await runCli([...BASE, '-o', path.join(dir, 'x.jsonl'), ...args]);
      assert.equal(result.code, 2, `${args.join(' ')}: ${result.stderr}`);
      assert.match(result.stderr, message);
      assert.equal(plainStderr(result).trim().split('\n').length, 1);
    }
    assert.deepEqual(readdirSync(dir), [], 'no output file, no temp file');
  });

  it('mine --device cuda on a CPU-only machine fails with the reason and writes nothing', { skip: existsSync('/proc/driver/nvidia/version') && 'GPU host' }, async () => {
    const dir = tempDir();
    const result = await runCli([...BASE.filter((arg) => arg !== 'cpu' && arg !== '--device'), '--device', 'cuda', '-o', path.join(dir, 'out.jsonl')]);
    assert.equal(result.code, 1);
    assert.match(plainStderr(result), /^negmine: error: Cannot use --device cuda:0: .*CUDA provider/);
    assert.deepEqual(readdirSync(dir), []);
  });

  it('mine --device webgpu on a machine without a GPU fails with one clear line and writes nothing', { skip: existsSync('/proc/driver/nvidia/version') && 'GPU host' }, async () => {
    const dir = tempDir();
    const result = await runCli([...BASE.filter((arg) => arg !== 'cpu' && arg !== '--device'), '--device', 'webgpu', '-o', path.join(dir, 'out.jsonl')]);
    assert.equal(result.code, 1, result.stderr);
    const lines = plainStderr(result).trim().split('\n').filter((line) => line.startsWith('negmine'));
    assert.equal(lines.length, 1, result.stderr);
    assert.match(lines[0] ?? '', /^negmine: error: Cannot use --device webgpu: (no GPU device on this machine|.*adapter).* \(run 'negmine doctor' for details, or use --device cpu\)$/i);
    assert.deepEqual(readdirSync(dir), []);
  });

  it('mine --device auto falls back to CPU with one warning', { skip: existsSync('/proc/driver/nvidia/version') && 'GPU host' }, async () => {
    const dir = tempDir();
    const result = await runCli(['mine', ...CRAFTED_INPUT, '--model', path.join(MODELS, 'bi-encoder'), '-o', path.join(dir, 'out.jsonl')]);
    assert.equal(result.code, 0, result.stderr);
    const warnings = result.stderr.split('\n').filter((line) => line.includes('"event":"device_fallback"'));
    assert.equal(warnings.length, 1);
    // One short line: the long reason is a field of the event, not its message.
    assert.ok(String((JSON.parse(warnings[0] ?? '{}') as { msg?: string }).msg).length < 100);
  });

  it('mine --verbose logs one model_loaded event per model, saying how its weights are held', async () => {
    const dir = tempDir();
    const result = await runCli(['--verbose', 'mine', ...CRAFTED_INPUT, '--model', path.join(MODELS, 'bi-encoder'), ...WITH_CE, '--device', 'cpu', '-o', path.join(dir, 'out.jsonl')]);
    assert.equal(result.code, 0, result.stderr);
    const loaded = result.stderr
      .split('\n')
      .filter((line) => line.includes('"event":"model_loaded"'))
      .map((line) => JSON.parse(line) as { model: string; weights: string });
    assert.deepEqual(
      loaded.map((event) => path.relative(MODELS, event.model)),
      [path.join('bi-encoder', 'onnx', 'model.onnx'), path.join('cross-encoder', 'onnx', 'model.onnx')],
    );
    // The fixture models hold no initializer large enough to map.
    assert.deepEqual(loaded.map((event) => event.weights), ['copied', 'copied']);
  });

  it('mine reads a Parquet rows file with given negatives and writes Parquet', async () => {
    const dir = tempDir();
    const result = await runCli([
      '--quiet', 'mine', '--data', path.join(REPO_ROOT, 'fixtures', 'parquet', 'duckdb-flag-zstd.parquet'), '--model', path.join(MODELS, 'bi-encoder'),
      '--device', 'cpu', '--given-negatives', 'keep', '-o', path.join(dir, 'out.parquet'),
    ]);
    assert.equal(result.code, 0, result.stderr);
    const rows = await readParquet(path.join(dir, 'out.parquet'));
    assert.equal(rows.length, 8);
    assert.deepEqual(rows[0]?.['neg'], ['Negative numbers are less than zero.', 'Contrastive stains make cell structures visible under a microscope.']);
  });

  it('mine merges, keeps or replaces the negatives given in the input', async () => {
    const data = path.join(REPO_ROOT, 'fixtures', 'data', 'flagembedding.jsonl');
    const run = async (mode: string): Promise<string[]> => {
      const result = await runCli(['--quiet', 'mine', '--data', data, '--model', path.join(MODELS, 'bi-encoder'), '--device', 'cpu', '--num-negatives', '1', '--given-negatives', mode, '-o', '-']);
      assert.equal(result.code, 0, result.stderr);
      return (JSON.parse(result.stdout.split('\n')[0] ?? '{}') as { neg: string[] }).neg;
    };
    const given = ['Ice melts at 0 degrees Celsius.', 'The boiling point of ethanol is 78 degrees Celsius.'];
    const merged = await run('merge');
    assert.deepEqual(merged.slice(0, 2), given);
    assert.equal(merged.length, 3, 'the given negatives plus --num-negatives mined');
    assert.deepEqual(await run('keep'), given);
    const replaced = await run('replace');
    assert.equal(replaced.length, 1);
  });

  it('mine reads JSONL rows from stdin', async () => {
    const rows = readFileSync(path.join(REPO_ROOT, 'fixtures', 'data', 'flagembedding.jsonl'), 'utf8');
    const result = await runCli(['--quiet', 'mine', '--data', '-', '--model', path.join(MODELS, 'bi-encoder'), '--device', 'cpu', '-o', '-'], { stdin: rows });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout.trim().split('\n').length, 3);
  });

  it('mine streams JSONL to stdout with -o -', async () => {
    const result = await runCli([...BASE, '-o', '-']);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout.trim().split('\n').length, 2);
  });

  const shared = sharedDataDir();
  it('mine runs over msmarco-5k (BEIR flags) with sane statistics', { skip: shared === undefined && 'shared data not found' }, async () => {
    const dir = tempDir();
    mkdirSync(path.join(dir, 'out'));
    const beir = path.join(shared ?? '', 'msmarco-5k');
    const result = await runCli([
      'mine', '--beir', beir, '--model', path.join(MODELS, 'bi-encoder'), '--device', 'cpu',
      '--cross-encoder', path.join(MODELS, 'cross-encoder'), '--ce-candidates', '30', '--relative-margin', '0.05',
      '--num-negatives', '5', '--stats-json', path.join(dir, 'stats.json'), '-o', path.join(dir, 'out', 'mined.jsonl'),
    ]);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, /^Metric {7}Positive {7}Negative {5}Difference$/m);
    const rows = readJsonl(path.join(dir, 'out', 'mined.jsonl'));
    const stats = JSON.parse(readFileSync(path.join(dir, 'stats.json'), 'utf8')) as { queries: number; negatives: number; queriesDroppedFewerNegatives: number; scores: { positive: { count: number } } };
    // FlagEmbedding's trainer divides by len(neg): records without negatives are left out and counted.
    assert.ok(rows.every((row) => (row['neg'] as string[]).length > 0));
    assert.equal(rows.length + stats.queriesDroppedFewerNegatives, 43);
    const qrels = readFileSync(path.join(beir, 'qrels', 'test.tsv'), 'utf8').trim().split('\n').map((line) => line.split('\t'));
    const judged = new Set(qrels.map(([q, d]) => `${q}\t${d}`));
    for (const row of rows) {
      for (const neg of row['neg_ids'] as string[]) assert.equal(judged.has(`${String(row['query_id'])}\t${neg}`), false, 'a judged positive was mined as a negative');
    }
    assert.equal(stats.queries, 43);
    // 4,102 judgments, two of which repeat another positive's text for their query (deduplicated on read).
    assert.equal(stats.scores.positive.count, 4100);
    assert.ok(stats.negatives > 43, `${stats.negatives} negatives`);
  });
});
