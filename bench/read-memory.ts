// Peak RSS of reading a large BEIR corpus (`loadDataset` with the corpus texts in a text store, as `mine` reads it),
// each variant in its own child process, interleaved per repeat: the old line reader (1 MiB reads, 4,096-line
// batches), the shipped one (64 KiB reads, 512-line batches), and the shipped one under the V8 heap growth that
// bin/negmine.js sets (--heap-growing-percent=30). Prints peak RSS and read seconds per variant, and ratios.
// Run: node --import tsx bench/read-memory.ts [--passages 300000] [--repeats 2]
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import v8 from 'node:v8';
import { loadDataset } from '../src/io/dataset/load-dataset.ts';
import { withTextStore } from '../src/io/text-store.ts';
import { REPO_ROOT } from './generate-minilm.ts';
import { runMeasured } from './lib/measured-child.ts';
import { machine, median, progress, ratioLine, result, round } from './lib/report.ts';
import { writeScaleDataset } from './lib/scale-data.ts';

const VARIANTS = {
  'reads-1MiB-batches-4096': { readBytes: 1 << 20, batchLines: 4096, heapGrowingPercent: undefined },
  'reads-64KiB-batches-512': { readBytes: 1 << 16, batchLines: 512, heapGrowingPercent: undefined },
  'shipped-heap-growing-30': { readBytes: 1 << 16, batchLines: 512, heapGrowingPercent: 30 },
} as const;
type Variant = keyof typeof VARIANTS;
const MIB = 2 ** 20;

const { values: flags } = parseArgs({ options: { child: { type: 'string' }, data: { type: 'string' }, passages: { type: 'string', default: '300000' }, repeats: { type: 'string', default: '2' } } });

async function child(variant: Variant, dir: string): Promise<void> {
  const settings = VARIANTS[variant];
  if (settings.heapGrowingPercent !== undefined) v8.setFlagsFromString(`--heap-growing-percent=${settings.heapGrowingPercent}`);
  const started = performance.now();
  const documents = await withTextStore(os.tmpdir(), async (textStore) => {
    const input = { beir: dir, rowFields: {}, corpusFields: {}, qrelsMinScore: 1, split: 'test', onBadRow: 'error' as const };
    const dataset = await loadDataset(input, undefined, { textStore, readBytes: settings.readBytes, batchLines: settings.batchLines });
    return dataset.corpus.ids.length;
  });
  process.stderr.write(`RESULT ${JSON.stringify({ seconds: (performance.now() - started) / 1000, documents })}\n`);
}

async function measure(variant: Variant, dir: string): Promise<{ peakMiB: number; seconds: number; documents: number }> {
  const run = await runMeasured(['--import', 'tsx', fileURLToPath(import.meta.url), '--child', variant, '--data', dir], { cwd: REPO_ROOT });
  if (run.code !== 0) throw new Error(`child ${variant} exited ${run.code ?? run.signal}: ${run.stderr}`);
  const line = run.stderr.split('\n').find((text) => text.startsWith('RESULT '));
  const reported = JSON.parse(line?.slice('RESULT '.length) ?? '{}') as { seconds?: number; documents?: number };
  return { peakMiB: run.peakRssBytes / MIB, seconds: reported.seconds ?? Number.NaN, documents: reported.documents ?? 0 };
}

if (flags.child !== undefined) {
  await child(flags.child as Variant, flags.data ?? '');
} else {
  const root = mkdtempSync(path.join(os.tmpdir(), 'negmine-bench-read-'));
  try {
    const data = await writeScaleDataset(path.join(root, 'data'), { passages: Number(flags.passages), queries: 5000 });
    result(`read memory: loadDataset of ${data.passages} passages (${round(data.textBytes / MIB)} MiB of text) x ${data.queries} queries into a text store; ${machine()}, ${new Date().toISOString()}`);
    const peaks = new Map<Variant, number[]>();
    const times = new Map<Variant, number[]>();
    for (let r = 0; r < Number(flags.repeats); r += 1) {
      for (const variant of Object.keys(VARIANTS) as Variant[]) {
        const measured = await measure(variant, data.dir);
        if (measured.documents !== data.passages) throw new Error(`${variant} read ${measured.documents} passages, expected ${data.passages}`);
        peaks.set(variant, [...(peaks.get(variant) ?? []), measured.peakMiB]);
        times.set(variant, [...(times.get(variant) ?? []), measured.seconds]);
        progress(`repeat ${r + 1}: ${variant} peak ${round(measured.peakMiB)} MiB, read ${round(measured.seconds, 2)} s`);
      }
    }
    const peak = (variant: Variant): number => median(peaks.get(variant) ?? []);
    const time = (variant: Variant): number => median(times.get(variant) ?? []);
    for (const variant of Object.keys(VARIANTS) as Variant[]) {
      result(`${variant}: peak RSS median ${round(peak(variant))} MiB (runs ${(peaks.get(variant) ?? []).map((v) => round(v)).join(', ')}), read median ${round(time(variant), 2)} s (runs ${(times.get(variant) ?? []).map((v) => round(v, 2)).join(', ')})`);
    }
    result(ratioLine('read_peak_rss_shipped_vs_old', peak('shipped-heap-growing-30') / peak('reads-1MiB-batches-4096'), '<=0.8'));
    result(ratioLine('read_seconds_shipped_vs_old', time('shipped-heap-growing-30') / time('reads-1MiB-batches-4096'), '<=1.15'));
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}
