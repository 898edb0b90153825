import assert from 'node:assert/strict';
import { createReadStream, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { describe, it } from 'node:test';
import { REPO_ROOT, runCli } from '../helpers/cli.ts';
import { sharedDataDir } from '../helpers/shared-data.ts';
import { tempDir } from '../helpers/temp.ts';

const QUERIES = 250_000;
const MANY_POSITIVES = 400;
const MODEL = path.join(REPO_ROOT, 'fixtures', 'models', 'static-lsa');
const shared = sharedDataDir();

interface Doc {
  id: string;
  text: string;
  words: string[];
}

/** 250k queries over msmarco-5k: each a span of its positive's words plus its number, one query with 400 positives; returns query text -> positive texts. */
function writeRows(corpusFile: string, rowsFile: string): Map<string, Set<string>> {
  const docs: Doc[] = readFileSync(corpusFile, 'utf8')
    .trim()
    .split('\n')
    .map((line) => {
      const record = JSON.parse(line) as { _id: string; text: string };
      return { id: record._id, text: record.text, words: record.text.split(/\s+/).filter(Boolean) };
    });
  const positives = new Map<string, Set<string>>();
  const lines: string[] = [];
  for (let q = 0; q < QUERIES; q += 1) {
    const doc = docs[(q * 7919) % docs.length] as Doc;
    const start = (q * 31) % Math.max(1, doc.words.length - 6);
    const chosen = q === 0 ? docs.slice(0, MANY_POSITIVES) : [doc];
    const query = `${doc.words.slice(start, start + 6).join(' ')} ${q}`;
    positives.set(query, new Set(chosen.map((d) => d.text)));
    lines.push(JSON.stringify({ query_id: `q${q}`, query, positive_ids: chosen.map((d) => d.id) }));
  }
  writeFileSync(rowsFile, lines.join('\n') + '\n');
  return positives;
}

describe('mine at scale', () => {
  it('mine handles 250,000 queries (one with 400 positives) with the static model, each query searching only as deep as it needs', { skip: shared === undefined && 'shared data not found', timeout: 180_000 }, async () => {
    const dir = tempDir();
    const corpus = path.join(shared ?? '', 'msmarco-5k', 'corpus.jsonl');
    const rowsFile = path.join(dir, 'rows.jsonl');
    const positives = writeRows(corpus, rowsFile);
    const output = path.join(dir, 'out.jsonl');
    const statsFile = path.join(dir, 'stats.json');
    // --dup-threshold 1: the 64-d static model calls many msmarco passages near-duplicates; this test is about scale.
    const result = await runCli(['--quiet', 'mine', '--data', rowsFile, '--corpus', corpus, '--positive-id-field', 'positive_ids', '--model', MODEL, '--device', 'cpu', '--format', 'triplet', '--num-negatives', '1', '--dup-threshold', '1', '--threads', '1', '--stats-json', statsFile, '-o', output]);
    assert.equal(result.code, 0, result.stderr.slice(-2000));
    let rows = 0;
    let positivesAsNegatives = 0;
    const lines = createInterface({ input: createReadStream(output) });
    for await (const line of lines) {
      // Columns in order: anchor, positive, negative (the first two keep the input's column names).
      const [anchor, positive, negative] = Object.values(JSON.parse(line) as Record<string, string>);
      rows += 1;
      const known = positives.get(anchor ?? '');
      assert.ok(known?.has(positive ?? ''), `row ${rows}: positive of '${anchor}' is not one of its positives`);
      if (known?.has(negative ?? '')) positivesAsNegatives += 1;
    }
    // Triplets: one row per (query, positive) with one negative each.
    assert.equal(rows, QUERIES - 1 + MANY_POSITIVES);
    assert.equal(positivesAsNegatives, 0);
    const stats = JSON.parse(readFileSync(statsFile, 'utf8')) as { queries: number; retrievedPerQuery: { min: number; max: number } };
    assert.equal(stats.queries, QUERIES);
    // Default range-max: window 1 negative + own positives, depth window + own positives; only query 0 goes deep.
    assert.deepEqual([stats.retrievedPerQuery.min, stats.retrievedPerQuery.max], [3, 1 + 2 * MANY_POSITIVES]);
  });
});
