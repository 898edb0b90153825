/**
 * Streaming input benchmark: negmine's Parquet and JSONL readers keep memory bounded by a batch (a row group, or
 * 4,096 lines), not by the file. Generates a multi-GB Parquet file and a multi-GB JSONL file of corpus rows with
 * DuckDB (from the shared MS MARCO passages), plus files 1/8 that size, then reads each through negmine's
 * RecordSource in its own child process and prints peak RSS. Bounded memory = the big file's peak is close to
 * the small file's.
 *
 * Run: node --import tsx bench/stream-read.ts [--rows 16000000] [--keep]   (needs DuckDB: npm install --no-save @duckdb/node-api@1.5.6-r.1)
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { REPO_ROOT } from './generate-minilm.ts';
import { loadDuckdb } from './lib/duckdb.ts';
import { MSMARCO_CORPUS } from './lib/msmarco.ts';


interface ChildResult {
  rows: number;
  seconds: number;
  peakRssMiB: number;
}

async function child(format: 'parquet' | 'jsonl', file: string): Promise<void> {
  const { openRecordSource } = await import('../src/io/open-source.ts');
  const source = await openRecordSource(file, { format });
  const started = performance.now();
  let rows = 0;
  let checksum = 0;
  for await (const batch of source.batches()) {
    for (const record of batch) {
      rows += 1;
      checksum += (record.value as { text: string }).text.length;
    }
  }
  const result: ChildResult = { rows, seconds: (performance.now() - started) / 1000, peakRssMiB: process.resourceUsage().maxRSS / 1024 };
  process.stdout.write(`${JSON.stringify({ ...result, checksum })}\n`);
}

async function generate(dir: string, rows: number): Promise<Record<'parquet' | 'jsonl', string>> {
  const { DuckDBInstance } = await loadDuckdb('Generating the multi-GB files');
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  const parquet = path.join(dir, `corpus-${rows}.parquet`);
  const jsonl = path.join(dir, `corpus-${rows}.jsonl`);
  const select = `SELECT 'doc-' || i AS _id, p.title AS title, p.text || ' #' || i AS text
    FROM range(${rows}) t(i) JOIN (SELECT row_number() OVER () - 1 AS n, title, text FROM read_json_auto('${MSMARCO_CORPUS}')) p ON p.n = i % 5000`;
  await connection.run(`COPY (${select}) TO '${parquet}' (FORMAT parquet, COMPRESSION snappy, ROW_GROUP_SIZE 100000)`);
  await connection.run(`COPY (${select}) TO '${jsonl}' (FORMAT json)`);
  connection.closeSync();
  return { parquet, jsonl };
}

function runChild(format: 'parquet' | 'jsonl', file: string): ChildResult {
  const result = spawnSync(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), '--child', format, file], { cwd: REPO_ROOT, encoding: 'utf8', maxBuffer: 1 << 20 });
  if (result.status !== 0) throw new Error(`child failed: ${result.stderr}`);
  return JSON.parse(result.stdout.trim().split('\n').pop() ?? '{}') as ChildResult;
}

const { values } = parseArgs({ options: { rows: { type: 'string', default: '16000000' }, keep: { type: 'boolean', default: false }, child: { type: 'string' } }, allowPositionals: true });
if (values.child !== undefined) {
  await child(values.child as 'parquet' | 'jsonl', process.argv[process.argv.length - 1] ?? '');
} else {
  const rows = Number(values.rows);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'negmine-stream-'));
  try {
    console.log(`generating ${rows.toLocaleString('en-US')} and ${(rows / 8).toLocaleString('en-US')} rows with DuckDB under ${dir}...`);
    const large = await generate(dir, rows);
    const small = await generate(dir, rows / 8);
    for (const format of ['parquet', 'jsonl'] as const) {
      const big = runChild(format, large[format]);
      const little = runChild(format, small[format]);
      const gib = statSync(large[format]).size / 1024 ** 3;
      console.log(`RATIO stream_peak_rss_${format}_8x_file ${(big.peakRssMiB / little.peakRssMiB).toFixed(2)} target<=1.5`);
      console.log(`  ${format}: ${gib.toFixed(2)} GiB, ${big.rows.toLocaleString('en-US')} rows in ${big.seconds.toFixed(1)} s (${Math.round(big.rows / big.seconds).toLocaleString('en-US')} rows/s), peak RSS ${big.peakRssMiB.toFixed(0)} MiB`);
      console.log(`  ${format}: ${(statSync(small[format]).size / 1024 ** 3).toFixed(2)} GiB, ${little.rows.toLocaleString('en-US')} rows, peak RSS ${little.peakRssMiB.toFixed(0)} MiB`);
    }
  } finally {
    if (!values.keep) rmSync(dir, { recursive: true, force: true });
  }
}
