/**
 * Selection + write as a share of a no-cross-encoder `negmine mine` at 50k passages (issue #11 point 4: target
 * <= 5%). Builds a BEIR dataset deterministically from the real msmarco-5k texts (bench/lib/scale-data.ts: passages
 * are recombined sentences, queries word spans of their positive passage), runs the built CLI on it with the static
 * fixture model `--repeat` times, and reads the stage seconds from --stats-json. Printed per run and as medians:
 * every stage, the share of `plan` + `select` + `write` in `total` (plan: the candidate plan with the identity and
 * near-duplicate checks, timed as its own stage), and the same share with `other` added (what no stage covers).
 *
 * Run: npm run build && node --import tsx bench/select.ts [--passages 50000] [--queries 10000] [--repeat 3] [--keep] [-- extra mine flags]
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { REPO_ROOT } from './generate-minilm.ts';
import { runMeasured } from './lib/measured-child.ts';
import { machine, median, progress, ratioLine, result, round } from './lib/report.ts';
import { writeScaleDataset } from './lib/scale-data.ts';

const STATIC_MODEL = path.join(REPO_ROOT, 'fixtures', 'models', 'static-lsa');
const CLI = path.join(REPO_ROOT, 'bin', 'negmine.js');
// plan: the candidate plan per query block (identity, repeated-text and near-duplicate checks) and the corpus text keys.
const SELECTION_STAGES = ['plan', 'select', 'write'] as const;

function share(seconds: Record<string, number>, stages: readonly string[]): number {
  const total = seconds['total'] ?? 0;
  const part = stages.reduce((sum, stage) => sum + (seconds[stage] ?? 0), 0);
  return total > 0 ? part / total : Number.NaN;
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    options: {
      passages: { type: 'string', default: '50000' },
      queries: { type: 'string', default: '10000' },
      repeat: { type: 'string', default: '3' },
      keep: { type: 'boolean', default: false },
    },
    allowPositionals: true,
  });
  if (!existsSync(path.join(REPO_ROOT, 'dist', 'cli', 'main.js'))) throw new Error("dist/ is missing: run 'npm run build' first");
  const repeat = Math.max(1, Number(values.repeat));
  const root = mkdtempSync(path.join(os.tmpdir(), 'negmine-bench-select-'));
  try {
    const data = await writeScaleDataset(path.join(root, 'data'), { passages: Number(values.passages), queries: Number(values.queries) });
    progress(`select: ${data.passages} passages x ${data.queries} queries written to ${data.dir}; ${repeat} runs of mine with ${path.relative(REPO_ROOT, STATIC_MODEL)}`);
    const runs: Record<string, number>[] = [];
    for (let r = 0; r < repeat; r += 1) {
      const out = path.join(root, `out-${r}`);
      mkdirSync(out, { recursive: true });
      const args = [CLI, 'mine', '--beir', data.dir, '--model', STATIC_MODEL, '--device', 'cpu', '--num-negatives', '3', '-o', path.join(out, 'mined.jsonl'), '--stats-json', path.join(out, 'stats.json'), ...positionals];
      const run = await runMeasured(args, { cwd: REPO_ROOT });
      if (run.code !== 0) {
        process.stderr.write(run.stderr.slice(-4000));
        throw new Error(`negmine mine exited with ${run.code ?? run.signal ?? '?'}`);
      }
      const seconds = (JSON.parse(readFileSync(path.join(out, 'stats.json'), 'utf8')) as { seconds?: Record<string, number> }).seconds ?? {};
      runs.push(seconds);
      const stages = Object.entries(seconds).map(([stage, s]) => `${stage} ${round(s, 2)}`).join(', ');
      progress(`run ${r + 1}: wall ${round(run.wallSeconds, 1)} s; stages (s): ${stages}; plan+select+write ${round(100 * share(seconds, SELECTION_STAGES), 2)}%`);
    }
    const stageNames = [...new Set(runs.flatMap((seconds) => Object.keys(seconds)))];
    result(`# select: negmine mine, ${data.passages} passages x ${data.queries} queries (bench/lib/scale-data.ts), ${path.relative(REPO_ROOT, STATIC_MODEL)}, no cross-encoder, ${repeat} runs, ${machine()}`);
    result(`median stage seconds: ${stageNames.map((stage) => `${stage} ${round(median(runs.map((seconds) => seconds[stage] ?? 0)), 3)}`).join(', ')}`);
    const shares = runs.map((seconds) => share(seconds, SELECTION_STAGES));
    const withOther = runs.map((seconds) => share(seconds, [...SELECTION_STAGES, 'other']));
    result(`plan+select+write share per run: ${shares.map((s) => s.toFixed(4)).join(' ')}; with other: ${withOther.map((s) => s.toFixed(4)).join(' ')}`);
    result(ratioLine('plan_select_write_share_of_mine', median(shares), '<=0.05'));
    result(ratioLine('plan_select_write_other_share_of_mine', median(withOther), '<=0.05'));
  } finally {
    if (values.keep) progress(`select: kept ${root}`);
    else rmSync(root, { recursive: true, force: true });
  }
}

await main();
