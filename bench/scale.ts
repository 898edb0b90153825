/**
 * `negmine mine` at MS MARCO-like scale on one machine (not a test). Builds BEIR datasets deterministically from the
 * real msmarco-5k texts (bench/lib/scale-data.ts), runs the built CLI on them as a child process, and prints per size:
 * wall time per stage (--stats-json), peak RSS against the memory target
 *   1.25 x (corpus vectors at their stored precision + model files) + 300 MiB,
 * bytes of peak RSS per document, and growth factors from the smaller size to the larger. Then kill -9 at three
 * points of a --work-dir run and a resume each: the output must be byte-identical to an uninterrupted run and the
 * resumed run must reuse chunks. Last, the same shape on a subset with the MiniLM-shaped transformer.
 *
 * Run: npm run build && node --import tsx bench/scale.ts
 *      [--passages 1000000] [--queries 50000] [--small 100000] [--kill-size small|large] [--vector-dtype float32]
 *      [--transformer-passages 20000] [--transformer-queries 2000] [--skip-kill] [--skip-transformer] [--keep]
 */
import { createHash } from 'node:crypto';
import { createReadStream, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { ensureBenchModels, MINILM, REPO_ROOT } from './generate-minilm.ts';
import { runMeasured } from './lib/measured-child.ts';
import { machine, progress, ratioLine, result, round } from './lib/report.ts';
import { writeScaleDataset, type ScaleDataset } from './lib/scale-data.ts';

const MIB = 2 ** 20;
const STATIC_MODEL = path.join(REPO_ROOT, 'fixtures', 'models', 'static-lsa');
const CLI = path.join(REPO_ROOT, 'bin', 'negmine.js');

interface Stats {
  seconds?: Record<string, number>;
  rows?: number;
  documents?: number;
  /** Chunks reused and recomputed per stage. */
  workDir?: Record<string, { reused: number; recomputed: number }>;
}

interface SizeResult {
  passages: number;
  queries: number;
  wallSeconds: number;
  peakRssBytes: number;
  budgetBytes: number;
  stageSeconds: Record<string, number>;
  outputSha256: string;
}

function folderBytes(dir: string): number {
  let total = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile() && !entry.name.endsWith('.json')) total += statSync(path.join(entry.parentPath, entry.name)).size;
  }
  return total;
}

/** Width of a StaticEmbedding model's vectors, from its safetensors header. */
function staticDim(dir: string): number {
  const buffer = readFileSync(path.join(dir, '0_StaticEmbedding', 'model.safetensors'));
  const headerLength = Number(buffer.readBigUInt64LE(0));
  const header = JSON.parse(buffer.subarray(8, 8 + headerLength).toString('utf8')) as Record<string, { shape?: number[] }>;
  return header['embedding.weight']?.shape?.[1] ?? 0;
}

async function sha256(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

function mineArgs(data: ScaleDataset, model: string, out: string, extra: readonly string[]): string[] {
  return [CLI, 'mine', '--beir', data.dir, '--model', model, '--device', 'cpu', '--num-negatives', '3', '-o', path.join(out, 'mined.jsonl'), '--stats-json', path.join(out, 'stats.json'), ...extra];
}

function readStats(out: string): Stats {
  return JSON.parse(readFileSync(path.join(out, 'stats.json'), 'utf8')) as Stats;
}

async function mineOnce(data: ScaleDataset, model: { dir: string; dim: number; bytesPerValue: number }, out: string, extra: readonly string[]): Promise<SizeResult> {
  const run = await runMeasured(mineArgs(data, model.dir, out, extra), { cwd: REPO_ROOT });
  if (run.code !== 0) {
    process.stderr.write(run.stderr.slice(-4000));
    throw new Error(`negmine mine exited with ${run.code ?? run.signal ?? '?'} on ${data.dir}`);
  }
  const stats = readStats(out);
  const vectorBytes = data.passages * model.dim * model.bytesPerValue;
  return {
    passages: data.passages,
    queries: data.queries,
    wallSeconds: run.wallSeconds,
    peakRssBytes: run.peakRssBytes,
    budgetBytes: 1.25 * (vectorBytes + folderBytes(model.dir)) + 300 * MIB,
    stageSeconds: stats.seconds ?? {},
    outputSha256: await sha256(path.join(out, 'mined.jsonl')),
  };
}

function printSize(label: string, size: SizeResult): void {
  const stages = Object.entries(size.stageSeconds).map(([stage, s]) => `${stage} ${round(s, 2)}`).join(', ');
  result(`${label}: ${size.passages.toLocaleString('en-US')} passages x ${size.queries.toLocaleString('en-US')} queries: wall ${round(size.wallSeconds, 1)} s; stages (s): ${stages}`);
  result(`  peak RSS ${round(size.peakRssBytes / MIB)} MiB, target ${round(size.budgetBytes / MIB)} MiB, ${round(size.peakRssBytes / size.passages, 0)} bytes per document`);
}

async function killAndResume(data: ScaleDataset, model: string, root: string, reference: string, extra: readonly string[]): Promise<void> {
  const uninterrupted = path.join(root, 'kill-reference');
  const work = path.join(root, 'kill-reference-work');
  const base = await runMeasured([...mineArgs(data, model, ensureDir(uninterrupted), extra), '--work-dir', work], { cwd: REPO_ROOT });
  if (base.code !== 0) throw new Error(`uninterrupted --work-dir run failed: ${base.stderr.slice(-2000)}`);
  const expected = await sha256(path.join(uninterrupted, 'mined.jsonl'));
  result(`kill -9: uninterrupted --work-dir run ${round(base.wallSeconds, 1)} s, output ${expected === reference ? 'identical to' : 'DIFFERENT from'} the run without --work-dir`);
  for (const fraction of [0.2, 0.5, 0.85]) {
    const out = ensureDir(path.join(root, `kill-${fraction}`));
    const dir = path.join(root, `kill-${fraction}-work`);
    const args = [...mineArgs(data, model, out, extra), '--work-dir', dir];
    const deadline = performance.now() + fraction * base.wallSeconds * 1000;
    const killed = await runMeasured(args, { cwd: REPO_ROOT, killWhen: () => performance.now() >= deadline });
    const stage = killed.killedAt === undefined ? undefined : ((JSON.parse(killed.killedAt) as { stage?: string }).stage ?? '?');
    const resumed = await runMeasured(args, { cwd: REPO_ROOT });
    if (resumed.code !== 0) throw new Error(`resume after kill -9 at ${fraction} failed: ${resumed.stderr.slice(-2000)}`);
    const stats = readStats(out);
    const same = (await sha256(path.join(out, 'mined.jsonl'))) === expected;
    result(
      `kill -9 at ${Math.round(fraction * 100)}% of the run (${stage === undefined ? 'the run finished before it' : `during ${stage}`}, after ${round(killed.wallSeconds, 1)} s): resumed in ${round(resumed.wallSeconds, 1)} s, chunks reused ${chunkTotal(stats, 'reused')}, recomputed ${chunkTotal(stats, 'recomputed')}, output ${same ? 'byte-identical' : 'DIFFERENT'}`,
    );
  }
}

/** An empty folder at `dir` (removed first when it exists). */
function ensureDir(dir: string): string {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** Chunks reused or recomputed over all stages, '?' when the stats have no work-dir counts. */
function chunkTotal(stats: { workDir?: Record<string, { reused: number; recomputed: number }> }, field: 'reused' | 'recomputed'): number | string {
  if (stats.workDir === undefined) return '?';
  let total = 0;
  for (const counts of Object.values(stats.workDir)) total += counts[field];
  return total;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      passages: { type: 'string', default: '1000000' },
      queries: { type: 'string', default: '50000' },
      small: { type: 'string', default: '100000' },
      'kill-size': { type: 'string', default: 'small' },
      'vector-dtype': { type: 'string', default: 'float32' },
      'transformer-passages': { type: 'string', default: '20000' },
      'transformer-queries': { type: 'string', default: '2000' },
      'skip-kill': { type: 'boolean', default: false },
      'skip-transformer': { type: 'boolean', default: false },
      keep: { type: 'boolean', default: false },
    },
  });
  if (!existsSync(path.join(REPO_ROOT, 'dist', 'cli', 'main.js'))) throw new Error("dist/ is missing: run 'npm run build' first");
  const root = mkdtempSync(path.join(os.tmpdir(), 'negmine-bench-scale-'));
  const queries = Number(values.queries);
  const dtypeFlags = ['--vector-dtype', values['vector-dtype']];
  const bytesPerValue = values['vector-dtype'] === 'float16' ? 2 : 4;
  const staticModel = { dir: STATIC_MODEL, dim: staticDim(STATIC_MODEL), bytesPerValue };
  progress(`scale: ${machine()}; data and outputs in ${root}`);
  try {
    const sizes: SizeResult[] = [];
    const datasets: ScaleDataset[] = [];
    for (const passages of [Number(values.small), Number(values.passages)]) {
      const data = await writeScaleDataset(path.join(root, `data-${passages}`), { passages, queries });
      datasets.push(data);
      progress(`scale: ${passages} passages written (${round(data.textBytes / MIB)} MiB of text); mining with ${path.relative(REPO_ROOT, STATIC_MODEL)}`);
      const size = await mineOnce(data, staticModel, ensureDir(path.join(root, `out-${passages}`)), dtypeFlags);
      sizes.push(size);
      printSize(`static ${values['vector-dtype']}`, size);
      result(ratioLine(`scale_peak_rss_vs_target_${passages}`, size.peakRssBytes / size.budgetBytes, '<=1.0'));
    }
    const [small, large] = sizes;
    if (small !== undefined && large !== undefined) {
      const x = large.passages / small.passages;
      result(`growth x${round(x, 1)} passages: wall x${round(large.wallSeconds / small.wallSeconds, 2)}, peak RSS x${round(large.peakRssBytes / small.peakRssBytes, 2)}`);
      for (const stage of Object.keys(large.stageSeconds)) {
        const before = small.stageSeconds[stage] ?? 0;
        if (before > 0.05) result(`  ${stage}: x${round((large.stageSeconds[stage] ?? 0) / before, 2)}`);
      }
    }
    if (!values['skip-kill']) {
      const index = values['kill-size'] === 'large' ? 1 : 0;
      const data = datasets[index];
      const reference = sizes[index];
      if (data !== undefined && reference !== undefined) await killAndResume(data, STATIC_MODEL, root, reference.outputSha256, dtypeFlags);
    }
    if (!values['skip-transformer']) {
      const models = await ensureBenchModels();
      const data = await writeScaleDataset(path.join(root, 'data-transformer'), { passages: Number(values['transformer-passages']), queries: Number(values['transformer-queries']) });
      const size = await mineOnce(data, { dir: models.biEncoderDir, dim: MINILM.hidden, bytesPerValue }, ensureDir(path.join(root, 'out-transformer')), dtypeFlags);
      printSize(`MiniLM-shaped transformer ${values['vector-dtype']}`, size);
      result(ratioLine('scale_transformer_peak_rss_vs_target', size.peakRssBytes / size.budgetBytes, '<=1.0'));
    }
  } finally {
    if (values.keep) progress(`scale: kept ${root}`);
    else rmSync(root, { recursive: true, force: true });
  }
}

await main();
