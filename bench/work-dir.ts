// Cost of --work-dir: a fresh run with it against a run without it, and a resumed run (every chunk stored) against a
// fresh one; the CLI as child processes, interleaved in one process, median of 3. msmarco-5k with static-lsa.
// Usage: node --import tsx bench/work-dir.ts [--chunk-rows N] [--cross-encoder]
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runMeasured } from './lib/measured-child.ts';
import { MSMARCO_DIR } from './lib/msmarco.ts';
import { machine, progress, result } from './lib/report.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const MODELS = path.join(ROOT, 'fixtures', 'models');
const REPEATS = 3;

function flag(name: string): string | undefined {
  const at = process.argv.indexOf(name);
  return at < 0 ? undefined : process.argv[at + 1];
}

const chunkRows = flag('--chunk-rows') ?? '16384';
const withCe = process.argv.includes('--cross-encoder');
const tmp = mkdtempSync(path.join(os.tmpdir(), 'negmine-bench-workdir-'));

function args(output: string, workDir?: string): string[] {
  return [
    path.join(ROOT, 'bin', 'negmine.js'),
    '--quiet',
    'mine',
    '--beir',
    MSMARCO_DIR,
    '--model',
    path.join(MODELS, 'static-lsa'),
    '--device',
    'cpu',
    '--threads',
    '1',
    ...(withCe ? ['--cross-encoder', path.join(MODELS, 'cross-encoder-bm25'), '--relative-margin', '0.05'] : []),
    '--chunk-rows',
    chunkRows,
    ...(workDir === undefined ? [] : ['--work-dir', workDir]),
    '-o',
    output,
  ];
}

async function timed(label: string, argv: string[]): Promise<number> {
  const run = await runMeasured(argv, { cwd: ROOT });
  if (run.code !== 0) throw new Error(`${label} failed (${run.code}): ${run.stderr.slice(-2000)}`);
  return run.wallSeconds;
}

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? Number.NaN;

const none: number[] = [];
const fresh: number[] = [];
const resumed: number[] = [];
progress(`msmarco-5k (5,000 passages, 50 queries), static-lsa${withCe ? ' + cross-encoder-bm25' : ''}, --chunk-rows ${chunkRows}; ${machine()}`);
for (let i = 0; i < REPEATS; i += 1) {
  const work = path.join(tmp, `work-${i}`);
  none.push(await timed('no work dir', args(path.join(tmp, `none-${i}.jsonl`))));
  fresh.push(await timed('fresh work dir', args(path.join(tmp, `fresh-${i}.jsonl`), work)));
  resumed.push(await timed('resumed work dir', args(path.join(tmp, `resumed-${i}.jsonl`), work)));
  const same = readFileSync(path.join(tmp, `none-${i}.jsonl`)).equals(readFileSync(path.join(tmp, `resumed-${i}.jsonl`)));
  if (!same) throw new Error('the resumed output differs from the run without --work-dir');
  progress(`round ${i + 1}: none ${none[i]?.toFixed(2)} s, fresh ${fresh[i]?.toFixed(2)} s, resumed ${resumed[i]?.toFixed(2)} s`);
}
rmSync(tmp, { recursive: true, force: true });
result(`wall seconds (median of ${REPEATS}): none ${median(none).toFixed(2)}, --work-dir fresh ${median(fresh).toFixed(2)}, --work-dir resumed ${median(resumed).toFixed(2)}`);
result(`RATIO work_dir_fresh_over_none ${(median(fresh) / median(none)).toFixed(3)}`);
result(`RATIO work_dir_resumed_over_fresh ${(median(resumed) / median(fresh)).toFixed(3)}`);
