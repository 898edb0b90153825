import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { REPO_ROOT, runCli } from '../helpers/cli.ts';
import { loadMsmarco } from '../helpers/msmarco.ts';
import { sharedDataDir } from '../helpers/shared-data.ts';
import { tempDir } from '../helpers/temp.ts';

const MODELS = path.join(REPO_ROOT, 'fixtures', 'models');
const shared = sharedDataDir();
const NUM_NEGATIVES = 5;
const RANGE_MAX = 300;
const CE_MAX_SCORE = 0.3;

describe('working fixture models (CLI)', { skip: shared === undefined && 'shared data (msmarco-5k) not found' }, () => {
  it('the BM25 cross-encoder filter keeps most hidden positives out of static-lsa negatives at the same --num-negatives', async () => {
    const beir = path.join(shared ?? '', 'msmarco-5k');
    const data = loadMsmarco(beir);
    // Keep one positive per query (the first of its highest grade); hide every other passage graded >= 2.
    const kept = new Map<string, string>();
    const hidden = new Map<string, Set<string>>();
    for (const [query, judged] of data.qrels) {
      const best = [...judged].reduce((top, entry) => (entry[1] > top[1] ? entry : top));
      kept.set(query, best[0]);
      hidden.set(query, new Set([...judged].filter(([doc, grade]) => grade >= 2 && doc !== best[0]).map(([doc]) => doc)));
    }
    const dir = tempDir();
    const qrels = path.join(dir, 'one-positive.tsv');
    writeFileSync(qrels, ['query-id\tcorpus-id\tscore', ...[...kept].map(([query, doc]) => `${query}\t${doc}\t1`)].join('\n') + '\n');
    const mine = (name: string, extra: string[]): Promise<{ code: number | null; stderr: string; output: string }> => {
      const output = path.join(dir, `${name}.jsonl`);
      const inputs = ['--corpus', path.join(beir, 'corpus.jsonl'), '--queries', path.join(beir, 'queries.jsonl'), '--qrels', qrels];
      const settings = ['--model', path.join(MODELS, 'static-lsa'), '--device', 'cpu', '--num-negatives', String(NUM_NEGATIVES), '--range-max', String(RANGE_MAX)];
      const args = ['--quiet', 'mine', ...inputs, ...settings, ...extra, '-o', output];
      return runCli(args).then((result) => ({ ...result, output }));
    };
    const runs = await Promise.all([mine('plain', []), mine('filtered', ['--cross-encoder', path.join(MODELS, 'cross-encoder-bm25'), '--ce-max-score', String(CE_MAX_SCORE)])]);
    const shares = runs.map((run) => {
      assert.equal(run.code, 0, run.stderr);
      let negatives = 0;
      let hiddenNegatives = 0;
      for (const line of readFileSync(run.output, 'utf8').trim().split('\n')) {
        const row = JSON.parse(line) as { query_id: string; pos_ids: string[]; neg_ids: string[] };
        assert.deepEqual(row.pos_ids, [kept.get(row.query_id)]);
        negatives += row.neg_ids.length;
        hiddenNegatives += row.neg_ids.filter((doc) => hidden.get(row.query_id)?.has(doc) === true).length;
      }
      return { negatives, hiddenNegatives, share: hiddenNegatives / negatives };
    });
    const [plain, filtered] = shares;
    assert.ok(plain !== undefined && filtered !== undefined);
    console.log(`hidden positives among negatives: ${plain.hiddenNegatives}/${plain.negatives} (${plain.share.toFixed(3)}) without the filter, ${filtered.hiddenNegatives}/${filtered.negatives} (${filtered.share.toFixed(3)}) with --ce-max-score ${CE_MAX_SCORE}`);
    assert.equal(filtered.negatives, plain.negatives, 'the filter still fills --num-negatives from the window');
    assert.ok(plain.negatives >= 0.9 * kept.size * NUM_NEGATIVES, `${plain.negatives} negatives`);
    // static-lsa ranks many hidden positives high (~half its negatives); the filter must at least halve that.
    assert.ok(plain.share > 0.3, `unfiltered share ${plain.share}`);
    assert.ok(filtered.share <= plain.share / 2, `filtered share ${filtered.share} vs ${plain.share}`);
  });
});
