import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { REPO_ROOT, logEvents, plainStderr, runCli } from '../helpers/cli.ts';
import { readJsonl, type Row } from '../helpers/read-output.ts';
import { tempDir } from '../helpers/temp.ts';

const CRAFTED = path.join(REPO_ROOT, 'fixtures', 'data', 'mine-crafted');
const MODEL = ['--model', path.join(REPO_ROOT, 'fixtures', 'models', 'bi-encoder'), '--device', 'cpu'];

interface Stats {
  queries: number;
  candidates: number;
  removed: Record<string, number>;
  queriesWithFewerNegatives: number;
  queriesDroppedFewerNegatives: number;
  negativesPerQuery: Record<string, number>;
  scores: { positive: { count: number }; negative: { count: number }; difference: { count: number } };
  seconds: Record<string, number>;
}

/** A BEIR folder: one query per positive, plus extra corpus documents. */
function beir(dir: string, pairs: readonly { query: string; positive: string }[], others: readonly string[]): string {
  mkdirSync(path.join(dir, 'qrels'), { recursive: true });
  const corpus = [...pairs.map((p, i) => ({ _id: `pos-${i}`, text: p.positive })), ...others.map((text, i) => ({ _id: `doc-${i}`, text }))];
  writeFileSync(path.join(dir, 'corpus.jsonl'), corpus.map((row) => JSON.stringify(row)).join('\n'));
  writeFileSync(path.join(dir, 'queries.jsonl'), pairs.map((p, i) => JSON.stringify({ _id: `q-${i}`, text: p.query })).join('\n'));
  writeFileSync(path.join(dir, 'qrels', 'test.tsv'), ['query-id\tcorpus-id\tscore', ...pairs.map((_, i) => `q-${i}\tpos-${i}\t1`)].join('\n'));
  return dir;
}

async function mine(args: readonly string[], quiet = true): Promise<{ rows: Row[]; stats: Stats; stderr: string; events: Record<string, unknown>[] }> {
  const dir = tempDir();
  const output = path.join(dir, 'out.jsonl');
  const statsFile = path.join(dir, 'stats.json');
  const result = await runCli([...(quiet ? ['--quiet'] : []), 'mine', ...MODEL, ...args, '--stats-json', statsFile, '-o', output]);
  assert.equal(result.code, 0, result.stderr);
  return { rows: readJsonl(output), stats: JSON.parse(readFileSync(statsFile, 'utf8')) as Stats, stderr: plainStderr(result), events: logEvents(result) };
}

describe('mine selection', () => {
  it('mine --sampling random draws per query from (seed, query id): reordering or leaving out other queries changes nothing', async () => {
    const words = ['river', 'stone', 'cloud', 'paper', 'garden', 'engine', 'music', 'winter', 'bridge', 'market', 'silver', 'forest'];
    const pairs = Array.from({ length: 12 }, (_, i) => ({ query: `${words[i]} ${words[(i + 3) % 12]} question`, positive: `${words[i]} ${words[(i + 3) % 12]} ${words[(i + 5) % 12]} answer` }));
    const others = Array.from({ length: 40 }, (_, i) => `${words[i % 12]} ${words[(i * 7) % 12]} ${words[(i * 5 + 1) % 12]} note ${i}`);
    // A static model embeds each text alone, so other queries in its batch cannot move its scores in the last bit.
    const args = ['--sampling', 'random', '--seed', '5', '--num-negatives', '2', '--range-max', '10', '--model', path.join(REPO_ROOT, 'fixtures', 'models', 'static-lsa')];
    const all = await mine(['--beir', beir(tempDir(), pairs, others), ...args]);
    // The same queries under the same ids, in reverse order and with every third one left out.
    const dir = beir(tempDir(), pairs, others);
    const kept = pairs.map((pair, i) => ({ ...pair, id: `q-${i}` })).filter((_, i) => i % 3 !== 0).reverse();
    writeFileSync(path.join(dir, 'queries.jsonl'), kept.map((p) => JSON.stringify({ _id: p.id, text: p.query })).join('\n'));
    writeFileSync(path.join(dir, 'qrels', 'test.tsv'), kept.map((p) => `${p.id}\tpos-${p.id.slice(2)}\t1`).join('\n'));
    const some = await mine(['--beir', dir, ...args]);
    const byId = (rows: Row[]): Map<unknown, unknown> => new Map(rows.map((row) => [row['query_id'], row['neg_ids']]));
    const whole = byId(all.rows);
    assert.equal(some.rows.length, 8);
    for (const [id, negatives] of byId(some.rows)) assert.deepEqual(negatives, whole.get(id), `query ${String(id)}`);
    // The draws are not the top two: sampling really chose inside the window.
    const top = byId((await mine(['--beir', beir(tempDir(), pairs, others), ...args, '--sampling', 'top'])).rows);
    assert.ok([...whole].some(([id, negatives]) => JSON.stringify(negatives) !== JSON.stringify(top.get(id))));
  });

  it('mine --exclusions st keeps only what sentence-transformers masks: positives by id and by exact text', async () => {
    const strict = await mine(['--beir', CRAFTED, '--range-max', '20', '--dup-threshold', '0.9']);
    assert.deepEqual(strict.rows[0]?.['neg_ids'], ['solar-relabel', 'solar-ce-filter', 'solar-neg-laundry']);
    const st = await mine(['--beir', CRAFTED, '--range-max', '20', '--exclusions', 'st']);
    // The query's own text and the case/spacing copy of the positive are negatives for sentence-transformers.
    assert.deepEqual(st.rows[0]?.['neg_ids'], ['solar-query', 'solar-relabel', 'solar-ce-filter']);
    assert.deepEqual(Object.keys(st.stats.removed), ['positive_id']);
    // An exact copy of a positive under another id is the positive for sentence-transformers (its corpus is deduplicated by text).
    const dir = beir(tempDir(), [{ query: 'story stone question', positive: 'story stone paper cloud' }], ['story stone paper cloud', 'story paper stone cloud', 'the work of a painter']);
    const copy = await mine(['--beir', dir, '--exclusions', 'st', '--num-negatives', '3', '--range-max', '4']);
    assert.deepEqual(copy.rows[0]?.['neg_ids'], ['doc-1', 'doc-2']);
    assert.equal(copy.stats.removed['positive_text'], 1);
  });

  it('mine --dup-threshold 1 turns the near-duplicate check off, even where a dot product rounds above 1', async () => {
    // Same word pieces in another order: the fixture bi-encoder gives both texts the same vector.
    const dir = beir(tempDir(), [{ query: 'story stone question', positive: 'story stone paper cloud' }], ['story paper stone cloud', 'how to do laundry at home', 'the work of a painter']);
    const off = await mine(['--beir', dir, '--dup-threshold', '1', '--num-negatives', '3']);
    assert.deepEqual(off.rows[0]?.['neg_ids'], ['doc-0', 'doc-1', 'doc-2']);
    assert.equal(off.stats.removed['near_duplicate'], undefined);
    const on = await mine(['--beir', dir, '--dup-threshold', '0.999', '--num-negatives', '3']);
    assert.deepEqual(on.rows[0]?.['neg_ids'], ['doc-1', 'doc-2']);
    assert.equal(on.stats.removed['near_duplicate'], 1);
  });

  it('mine warns once, before any work, when the window cannot hold --num-negatives', async () => {
    const result = await mine(['--beir', CRAFTED, '--num-negatives', '5', '--range-min', '3', '--range-max', '5'], false);
    const warnings = result.events.filter((event) => event['event'] === 'window_too_small');
    assert.equal(warnings.length, 1);
    assert.match(String(warnings[0]?.['msg']), /--num-negatives 5 cannot fit in the window \[--range-min 3, --range-max 5\): at most 2 negatives per query/);
    assert.ok(result.events.findIndex((event) => event['event'] === 'window_too_small') < result.events.findIndex((event) => event['stage'] === 'read'));
  });

  it('mine --given-negatives merge searches past the given negatives and reports the new-negative shortfall', async () => {
    const dir = tempDir();
    const rows = [
      { query: 'red apple pie recipe', pos: ['red apple pie recipe with cinnamon'], neg: ['red apple pie recipe history', 'red apple pie recipe contest'] },
      { query: 'blue ocean boat trip', pos: ['blue ocean boat trip for families'], neg: ['blue ocean boat trip prices', 'blue ocean boat trip reviews'] },
    ];
    writeFileSync(path.join(dir, 'rows.jsonl'), rows.map((row) => JSON.stringify(row)).join('\n'));
    writeFileSync(path.join(dir, 'corpus.jsonl'), ['apple pie', 'red car', 'ocean boat', 'blue sky', 'pie chart', 'boat engine'].map((text, i) => JSON.stringify({ _id: `d${i}`, text })).join('\n'));
    const input = ['--data', path.join(dir, 'rows.jsonl'), '--corpus', path.join(dir, 'corpus.jsonl'), '--num-negatives', '1', '--range-max', '1'];
    const merged = await mine(input);
    assert.deepEqual(merged.rows.map((row) => (row['neg'] as string[]).length), [3, 3], 'both given negatives plus one new');
    assert.equal(merged.stats.queriesWithFewerNegatives, 0);
    // Nothing new passes --min-score: the given negatives must not hide that from the report.
    const short = await mine([...input, '--min-score', '0.99'], false);
    assert.equal(short.stats.queriesWithFewerNegatives, 2);
    assert.deepEqual(short.stats.negativesPerQuery, { 0: 2 });
    assert.match(short.stderr, /Could not find 1 new negatives for 2 of 2 mined queries \(2 got 0\)/);
  });

  it('mine leaves out FlagEmbedding records without negatives by default, counts them, and --min-negatives sets the bar for every layout', async () => {
    const input = ['--beir', CRAFTED, '--range-max', '20', '--dup-threshold', '0.9', '--min-score', '0.51'];
    // q-solar keeps negatives scoring 0.85 and 0.55; all of q-tides' score 0.5 or less.
    const fe = await mine(input, false);
    assert.deepEqual(fe.rows.map((row) => row['query_id']), ['q-solar']);
    assert.equal(fe.stats.queriesDroppedFewerNegatives, 1);
    assert.match(fe.stderr, /Left out 1 of 2 queries with fewer than 1 negatives \(--min-negatives\)/);
    const kept = await mine([...input, '--min-negatives', '0']);
    assert.deepEqual(kept.rows.map((row) => row['neg']), [kept.rows[0]?.['neg'], []]);
    const pairs = await mine([...input, '--format', 'labeled-pair', '--min-negatives', '3']);
    assert.deepEqual(pairs.rows, [], 'no query has 3 negatives');
    assert.equal(pairs.stats.queriesDroppedFewerNegatives, 2);
  });

  it('mine statistics count one negative per (positive, negative) row and share one denominator', async () => {
    const data = path.join(REPO_ROOT, 'fixtures', 'data', 'flagembedding.jsonl');
    const result = await mine(['--data', data, '--num-negatives', '2', '--min-negatives', '0'], false);
    const pairs = result.rows.reduce((sum, row) => sum + (row['pos'] as string[]).length * (row['neg'] as string[]).length, 0);
    assert.equal(result.stats.scores.negative.count, pairs);
    assert.equal(result.stats.scores.difference.count, pairs);
    assert.equal(result.stats.scores.positive.count, 4);
    const removed = Object.values(result.stats.removed).reduce((sum, n) => sum + n, 0);
    assert.ok(removed > 0 && removed <= result.stats.candidates, `${removed} of ${result.stats.candidates}`);
    const shares = [...result.stderr.matchAll(/^Skipped (\d+) of (\d+) candidates \(([\d.]+)%\)/gm)];
    assert.ok(shares.length > 0, result.stderr);
    for (const [, count, total, share] of shares) {
      assert.equal(Number(total), result.stats.candidates);
      assert.equal(share, ((100 * Number(count)) / Number(total)).toFixed(2));
    }
  });

  it('mine stage times include model loading and add up to the wall time', async () => {
    const { stats } = await mine(['--beir', CRAFTED]);
    assert.ok(stats.seconds['load_models'] !== undefined && stats.seconds['load_models'] > 0);
    const { total, ...stages } = stats.seconds;
    const sum = Object.values(stages).reduce((a, b) => a + b, 0);
    assert.ok(total !== undefined && Math.abs(sum - total) < 0.01, `${sum} vs ${total}`);
  });
});
