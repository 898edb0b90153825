/**
 * Peak RSS of `negmine mine` against the corpus text volume (not a test): a long-text corpus built deterministically
 * from the real msmarco-5k sentences (bench/lib/scale-data.ts, 12-19 sentences per passage) at two sizes, the static
 * fixture model (fixtures/models/static-lsa), no cross-encoder. Prints the median peak RSS of --repeat runs per size
 * and the bytes per document from the growth between the sizes (fixed costs cancel; keep both sizes above the 16,384
 * texts embedded per chunk, whose tokenization sets the peak). With --baseline DIR (another checkout, built, e.g. the
 * commit before the text store) both binaries run alternately on the same data and the bytes-per-document ratio is
 * printed.
 *
 * Then, per size, what reading leaves resident: a child process loads the dataset (src/io/dataset/load-dataset.ts)
 * with corpus texts in memory and, in another child, on a text store, and reports the V8 heap plus external memory
 * after a full GC (low noise, unlike peak RSS); bytes per document again from the growth between the sizes.
 *
 * Run: npm run build && node --import tsx bench/text-memory.ts [--small 20000] [--large 50000] [--queries 200]
 *        [--repeat 3] [--baseline /path/to/other/checkout] [--candidate /path/to/this/build] [--skip-rss] [--keep]
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { loadDataset } from '../src/io/dataset/load-dataset.ts';
import { TextStore } from '../src/io/text-store.ts';
import { REPO_ROOT } from './generate-minilm.ts';
import { runMeasured } from './lib/measured-child.ts';
import { machine, median, progress, ratioLine, result, round } from './lib/report.ts';
import { writeScaleDataset, type ScaleDataset } from './lib/scale-data.ts';

const KIB = 1024;
const MIB = 2 ** 20;
const MODEL = path.join(REPO_ROOT, 'fixtures', 'models', 'static-lsa');
const LONG_TEXTS = { min: 12, spread: 8 };

async function peakRss(root: string, data: ScaleDataset, out: string): Promise<number> {
  const cli = path.join(root, 'bin', 'negmine.js');
  const args = [cli, '--quiet', 'mine', '--beir', data.dir, '--model', MODEL, '--device', 'cpu', '--num-negatives', '3', '-o', path.join(out, 'mined.jsonl')];
  const run = await runMeasured(args, { cwd: root });
  if (run.code !== 0) {
    process.stderr.write(run.stderr.slice(-4000));
    throw new Error(`${cli} mine exited with ${run.code ?? run.signal ?? '?'}`);
  }
  return run.peakRssBytes;
}

/** In a child: loads the BEIR folder, collects garbage, prints the retained heap + external bytes as JSON. */
async function probe(mode: string, dir: string): Promise<void> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) throw new Error('the probe needs node --expose-gc');
  const store = mode === 'store' ? new TextStore(os.tmpdir()) : undefined;
  try {
    gc();
    const before = process.memoryUsage();
    const dataset = await loadDataset({ beir: dir, rowFields: {}, corpusFields: {}, qrelsMinScore: 1, split: 'test', onBadRow: 'error' }, undefined, store === undefined ? {} : { textStore: store });
    // Stream buffers are released a tick after the last read; collect after that.
    await new Promise((resolve) => setTimeout(resolve, 100));
    gc();
    gc();
    const after = process.memoryUsage();
    process.stdout.write(`${JSON.stringify({ documents: dataset.corpus.ids.length, retained: after.heapUsed + after.external - before.heapUsed - before.external })}\n`);
  } finally {
    store?.close();
  }
}

function retainedBytes(mode: 'memory' | 'store', dir: string): number {
  const child = spawnSync(process.execPath, ['--expose-gc', '--import', 'tsx', path.join(REPO_ROOT, 'bench', 'text-memory.ts'), '--probe', mode, '--probe-dir', dir], { cwd: REPO_ROOT, encoding: 'utf8' });
  if (child.status !== 0) throw new Error(`probe ${mode} failed: ${child.stderr.slice(-2000)}`);
  return (JSON.parse(child.stdout.trim().split('\n').pop() ?? '{}') as { retained: number }).retained;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      small: { type: 'string', default: '20000' },
      large: { type: 'string', default: '50000' },
      queries: { type: 'string', default: '200' },
      repeat: { type: 'string', default: '3' },
      baseline: { type: 'string' },
      candidate: { type: 'string' },
      'skip-rss': { type: 'boolean' },
      keep: { type: 'boolean' },
      probe: { type: 'string' },
      'probe-dir': { type: 'string' },
    },
  });
  if (values.probe !== undefined) {
    await probe(values.probe, values['probe-dir'] ?? '');
    return;
  }
  const sizes = [Number(values.small), Number(values.large)];
  const queries = Number(values.queries);
  const repeat = Number(values.repeat);
  const root = mkdtempSync(path.join(os.tmpdir(), 'negmine-text-memory-'));
  progress(`text-memory: ${machine()}; data in ${root}`);
  const builds = [{ name: 'this', root: values.candidate === undefined ? REPO_ROOT : path.resolve(values.candidate) }, ...(values.baseline === undefined ? [] : [{ name: 'baseline', root: path.resolve(values.baseline) }])];
  try {
    const peaks = new Map<string, number[]>();
    const datasets: ScaleDataset[] = [];
    for (const passages of sizes) {
      const data = await writeScaleDataset(path.join(root, `data-${passages}`), { passages, queries, sentences: LONG_TEXTS });
      datasets.push(data);
      result(`corpus ${passages.toLocaleString('en-US')} passages: ${round(data.textBytes / MIB)} MiB of text, ${round(data.textBytes / passages / KIB, 2)} KiB per passage`);
      for (const build of builds) peaks.set(`${build.name}:${passages}`, []);
      if (values['skip-rss'] === true) continue;
      // Alternate the builds run by run, so load on the shared machine hits both alike.
      for (let r = 0; r < repeat; r += 1) {
        for (const build of builds) {
          const out = path.join(root, `out-${build.name}-${passages}-${r}`);
          mkdirSync(out, { recursive: true });
          const peak = await peakRss(build.root, data, out);
          peaks.get(`${build.name}:${passages}`)?.push(peak);
          rmSync(out, { recursive: true, force: true });
          progress(`  ${build.name} ${passages} run ${r + 1}: peak ${round(peak / MIB)} MiB`);
        }
      }
    }
    const [small, large] = datasets;
    if (small === undefined || large === undefined) return;
    const retained = (mode: 'memory' | 'store'): number[] => datasets.map((data) => median(Array.from({ length: repeat }, () => retainedBytes(mode, data.dir))));
    const [memorySmall = 0, memoryLarge = 0] = retained('memory');
    const [storeSmall = 0, storeLarge = 0] = retained('store');
    const span = large.passages - small.passages;
    result(`retained after reading, texts in memory: ${round(memorySmall / MIB)} MiB at ${small.passages}, ${round(memoryLarge / MIB)} MiB at ${large.passages}: ${round((memoryLarge - memorySmall) / span / KIB, 2)} KiB per document`);
    result(`retained after reading, text store: ${round(storeSmall / MIB)} MiB at ${small.passages}, ${round(storeLarge / MIB)} MiB at ${large.passages}: ${round((storeLarge - storeSmall) / span / KIB, 2)} KiB per document`);
    if (memoryLarge > memorySmall) result(ratioLine('text_memory_retained_per_doc_store_vs_memory', (storeLarge - storeSmall) / (memoryLarge - memorySmall), '<=1.0'));
    if (values['skip-rss'] === true) return;
    const perDoc = new Map<string, number>();
    const textPerDoc = (large.textBytes - small.textBytes) / (large.passages - small.passages);
    for (const build of builds) {
      const low = median(peaks.get(`${build.name}:${small.passages}`) ?? []);
      const high = median(peaks.get(`${build.name}:${large.passages}`) ?? []);
      const bytesPerDoc = (high - low) / (large.passages - small.passages);
      perDoc.set(build.name, bytesPerDoc);
      result(`${build.name}: median peak RSS ${round(low / MIB)} MiB at ${small.passages}, ${round(high / MIB)} MiB at ${large.passages}: ${round(bytesPerDoc / KIB, 2)} KiB per document (text ${round(textPerDoc / KIB, 2)} KiB per document)`);
    }
    const base = perDoc.get('baseline');
    const mine = perDoc.get('this');
    if (base !== undefined && mine !== undefined && base > 0) result(ratioLine('text_memory_bytes_per_doc_vs_baseline', mine / base, '<=1.0'));
  } finally {
    if (values.keep !== true) rmSync(root, { recursive: true, force: true });
  }
}

await main();
