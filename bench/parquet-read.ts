/**
 * Parquet read benchmark: which library should negmine read Parquet with?
 *
 * Generates a file of corpus-like rows (string id, ~300-character text, list<string> positives) with DuckDB
 * from the shared MS MARCO passages, once per codec, under os.tmpdir(); then reads it fully, row group by row
 * group, into plain JS rows with each candidate, each in its own child process so peak RSS is its own.
 *
 * Run: node --import tsx bench/parquet-read.ts [--rows 600000] [--row-group-size 50000] [--codecs snappy,zstd] [--repeat 3] [--keep]
 *   (the DuckDB candidate and the file generation need DuckDB: npm install --no-save @duckdb/node-api@1.5.6-r.1)
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, openAsBlob, rmSync, statSync } from 'node:fs';
import { open } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { REPO_ROOT } from './generate-minilm.ts';
import { loadDuckdb } from './lib/duckdb.ts';
import { MSMARCO_CORPUS } from './lib/msmarco.ts';

const CANDIDATES = ['hyparquet', 'negmine', 'parquet-wasm', 'duckdb'] as const;
type Candidate = (typeof CANDIDATES)[number];


interface Row {
  id: unknown;
  text: unknown;
  positives: unknown;
}

/** What a child reports: the checksum proves every reader saw the same data. */
interface ChildResult {
  rows: number;
  rowGroups: number;
  seconds: number;
  /** User + system CPU time of the read: steadier than wall time on a shared machine, and shows DuckDB's threads. */
  cpuSeconds: number;
  peakRssMiB: number;
  checksum: number;
}

/** Characters in id, text and positives: touches every value, so lazy decoders cannot skip work. */
class Tally {
  rows = 0;
  rowGroups = 0;
  checksum = 0;

  add(rows: Iterable<Row>): void {
    this.rowGroups += 1;
    for (const row of rows) {
      this.rows += 1;
      this.checksum += String(row.id).length + (row.text as string).length;
      for (const positive of row.positives as string[]) this.checksum += positive.length;
    }
  }
}

async function readHyparquet(file: string, tally: Tally): Promise<void> {
  const { parquetMetadataAsync, parquetRead } = await import('hyparquet');
  const { compressors } = await import('hyparquet-compressors');
  const handle = await open(file, 'r');
  const byteLength = (await handle.stat()).size;
  const buffer = {
    byteLength,
    async slice(start: number, end: number = byteLength): Promise<ArrayBuffer> {
      const bytes = new Uint8Array(end - start);
      let filled = 0;
      while (filled < bytes.length) filled += (await handle.read(bytes, filled, bytes.length - filled, start + filled)).bytesRead;
      return bytes.buffer;
    },
  };
  const metadata = await parquetMetadataAsync(buffer);
  let rowStart = 0;
  for (const group of metadata.row_groups) {
    const rowEnd = rowStart + Number(group.num_rows);
    const rows = await new Promise<Row[]>((resolve, reject) => {
      parquetRead({ file: buffer, metadata, rowStart, rowEnd, rowFormat: 'object', compressors, onComplete: (objects) => { resolve(objects as Row[]); } }).catch(reject);
    });
    tally.add(rows);
    rowStart = rowEnd;
  }
  await handle.close();
}

async function readNegmine(file: string, tally: Tally): Promise<void> {
  const { openParquetSource } = await import('../src/io/parquet-source.ts');
  const source = await openParquetSource(file);
  for await (const batch of source.batches()) tally.add(batch.map((record) => record.value as Row));
}

async function readParquetWasm(file: string, tally: Tally): Promise<void> {
  const parquetWasm = await import('parquet-wasm');
  const arrow = await import('apache-arrow');
  const parquetFile = await parquetWasm.ParquetFile.fromFile(await openAsBlob(file));
  const groups = parquetFile.metadata().numRowGroups();
  for (let group = 0; group < groups; group += 1) {
    const table = arrow.tableFromIPC((await parquetFile.read({ rowGroups: [group] })).intoIPCStream());
    const ids = table.getChild('id');
    const texts = table.getChild('text');
    const positives = table.getChild('positives');
    if (ids === null || texts === null || positives === null) throw new Error('missing column');
    const rows: Row[] = new Array<Row>(table.numRows);
    for (let i = 0; i < table.numRows; i += 1) {
      const list = positives.get(i) as Iterable<string> | null;
      rows[i] = { id: ids.get(i), text: texts.get(i), positives: list === null ? [] : Array.from(list) };
    }
    tally.add(rows);
  }
  parquetFile.free();
}

async function readDuckdb(file: string, tally: Tally): Promise<void> {
  const { DuckDBInstance } = await loadDuckdb('The DuckDB reader candidate');
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  // DuckDB streams 2,048-row vectors (decoding row groups on all cores), not one batch per row group.
  const result = await connection.stream(`SELECT id, text, positives FROM read_parquet('${file.replaceAll("'", "''")}')`);
  for await (const rows of result.yieldRowObjectJs()) tally.add(rows as unknown as Row[]);
  tally.rowGroups = -1;
  connection.closeSync();
  instance.closeSync();
}

const READERS: Record<Candidate, (file: string, tally: Tally) => Promise<void>> = {
  hyparquet: readHyparquet,
  negmine: readNegmine,
  'parquet-wasm': readParquetWasm,
  duckdb: readDuckdb,
};

async function runChild(candidate: Candidate, file: string): Promise<void> {
  const tally = new Tally();
  const cpuStarted = process.cpuUsage();
  const started = performance.now();
  await READERS[candidate](file, tally);
  const seconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuStarted);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  // maxRSS is the process's peak resident set in KiB (imports and WASM instantiation included).
  const result: ChildResult = { rows: tally.rows, rowGroups: tally.rowGroups, seconds, cpuSeconds, peakRssMiB: process.resourceUsage().maxRSS / 1024, checksum: tally.checksum };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

function vowelPermutations(letters: string): string[] {
  if (letters.length <= 1) return [letters];
  return Array.from({ length: letters.length }, (_, index) => index).flatMap((index) =>
    vowelPermutations(letters.slice(0, index) + letters.slice(index + 1)).map((rest) => (letters[index] ?? '') + rest),
  );
}

/** Real MS MARCO text cut at row-dependent offsets: realistic compression, and (almost) every value distinct. */
async function generate(files: readonly { file: string; codec: string }[], rows: number, rowGroupSize: number): Promise<void> {
  const { DuckDBInstance } = await loadDuckdb('Generating the benchmark file');
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  if (existsSync(MSMARCO_CORPUS)) {
    await connection.run(`CREATE TABLE passages AS SELECT row_number() OVER () - 1 AS k, text FROM read_json('${MSMARCO_CORPUS}', columns = {text: 'VARCHAR'})`);
  } else {
    // Without the shared MS MARCO sample: hex "words", which compress worse than text.
    await connection.run("CREATE TABLE passages AS SELECT i AS k, array_to_string([md5(i::VARCHAR), md5((i + 1)::VARCHAR), md5((i + 2)::VARCHAR)], ' ') AS text FROM range(5000) t(i)");
  }
  const [first, ...rest] = files;
  if (first === undefined) return;
  const count = Number((await connection.runAndReadAll('SELECT count(*) AS n FROM passages')).getRowObjectsJS()[0]?.['n']);
  // A constant modulus keeps these hash joins (a subquery there turns them into nested loops).
  const pick = (alias: string, seed: number): string => `JOIN passages ${alias} ON ${alias}.k = hash(i * 5 + ${seed}) % ${count}`;
  // 5,000 passages repeat within a row group, which zstd's large window would exploit; a row-dependent vowel
  // permutation (120 of them) keeps English letter statistics but makes repeats rare, as in a real corpus.
  const permutations = vowelPermutations('aeiou').map((permutation) => `'${permutation}'`).join(', ');
  const vary = (expression: string, seed: number): string => `translate(${expression}, 'aeiou', [${permutations}][1 + (hash(i * 7 + ${seed}) % 120)::BIGINT])`;
  // Text ~300 characters; 1-3 positives of ~150 characters.
  await connection.run(`COPY (
      SELECT 'doc-' || i AS id,
        ${vary("substr(a.text || ' ' || b.text, 1 + i % 40, 300)", 0)} AS text,
        list_slice([${vary('substr(c.text, 1 + i % 50, 150)', 1)}, ${vary('substr(d.text, 1 + i % 30, 150)', 2)}, ${vary('substr(e.text, 1 + i % 20, 150)', 3)}], 1, 1 + i % 3) AS positives
      FROM range(${rows}) t(i) ${pick('a', 0)} ${pick('b', 1)} ${pick('c', 2)} ${pick('d', 3)} ${pick('e', 4)}
      ORDER BY i
    ) TO '${first.file}' (FORMAT parquet, COMPRESSION ${first.codec}, ROW_GROUP_SIZE ${rowGroupSize})`);
  for (const { file, codec } of rest) {
    await connection.run(`COPY (SELECT * FROM read_parquet('${first.file}')) TO '${file}' (FORMAT parquet, COMPRESSION ${codec}, ROW_GROUP_SIZE ${rowGroupSize})`);
  }
  connection.closeSync();
  instance.closeSync();
}

function runCandidate(candidate: Candidate, file: string): ChildResult {
  const child = spawnSync(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), '--child', candidate, file], { cwd: REPO_ROOT, encoding: 'utf8', maxBuffer: 1 << 20 });
  if (child.status !== 0) throw new Error(`${candidate} failed (exit ${String(child.status)}): ${child.stderr}`);
  const line = child.stdout.trim().split('\n').at(-1) ?? '';
  return JSON.parse(line) as ChildResult;
}

function pad(value: string, width: number, right = false): string {
  return right ? value.padStart(width) : value.padEnd(width);
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      child: { type: 'string' },
      rows: { type: 'string', default: '600000' },
      'row-group-size': { type: 'string', default: '50000' },
      codecs: { type: 'string', default: 'snappy,zstd' },
      repeat: { type: 'string', default: '3' },
      keep: { type: 'boolean', default: false },
    },
    allowPositionals: true,
  });
  if (values.child !== undefined) {
    const file = process.argv.at(-1) ?? '';
    await runChild(values.child as Candidate, file);
    return;
  }
  const rows = Number(values.rows);
  const rowGroupSize = Number(values['row-group-size']);
  const repeats = Number(values.repeat);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'negmine-bench-parquet-'));
  console.log(`# parquet-read: ${rows} rows, row groups of ${rowGroupSize}, median of ${repeats} runs, ${os.cpus().length} cores, Node ${process.version}`);
  console.log(`# command: node --import tsx bench/parquet-read.ts ${process.argv.slice(2).join(' ')}`.trimEnd());
  try {
    const files = values.codecs.split(',').map((codec) => ({ codec, file: path.join(dir, `bench-${codec}.parquet`) }));
    const started = performance.now();
    await generate(files, rows, rowGroupSize);
    console.log(`# generated ${files.length} files in ${((performance.now() - started) / 1000).toFixed(1)} s under ${dir}`);
    for (const { codec, file } of files) {
      const megabytes = statSync(file).size / 2 ** 20;
      console.log(`\n## ${codec}: ${megabytes.toFixed(0)} MiB file`);
      console.log(`${pad('reader', 14)}${pad('rows', 10, true)}${pad('groups', 8, true)}${pad('seconds', 9, true)}${pad('(min-max)', 13, true)}${pad('cpu s', 8, true)}${pad('rows/s', 11, true)}${pad('vs hyparquet', 14, true)}${pad('peak RSS MiB', 14, true)}`);
      // Round-robin repeats, so drift (page cache, thermal) spreads over all readers; report the median time.
      const runs = new Map<Candidate, ChildResult[]>(CANDIDATES.map((candidate) => [candidate, []]));
      let checksum: number | undefined;
      for (let repeat = 0; repeat < repeats; repeat += 1) {
        for (const candidate of CANDIDATES) {
          const result = runCandidate(candidate, file);
          checksum ??= result.checksum;
          if (result.checksum !== checksum || result.rows !== rows) throw new Error(`${candidate} read different data (${result.rows} rows, checksum ${result.checksum})`);
          runs.get(candidate)?.push(result);
        }
      }
      let baseline: number | undefined;
      for (const candidate of CANDIDATES) {
        const results = runs.get(candidate) ?? [];
        const median = (values: number[]): number => values.sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? Number.NaN;
        const seconds = median(results.map((result) => result.seconds));
        const cpuSeconds = median(results.map((result) => result.cpuSeconds));
        const fastest = results.reduce((best, result) => Math.min(best, result.seconds), Number.POSITIVE_INFINITY);
        const slowest = results.reduce((worst, result) => Math.max(worst, result.seconds), Number.NEGATIVE_INFINITY);
        const spread = `${fastest.toFixed(2)}-${slowest.toFixed(2)}`;
        const peakRssMiB = results.reduce((most, result) => Math.max(most, result.peakRssMiB), Number.NEGATIVE_INFINITY);
        const rate = rows / seconds;
        baseline ??= rate;
        const groups = (results[0]?.rowGroups ?? -1) < 0 ? 'n/a' : String(results[0]?.rowGroups);
        console.log(
          `${pad(candidate, 14)}${pad(String(rows), 10, true)}${pad(groups, 8, true)}${pad(seconds.toFixed(2), 9, true)}${pad(spread, 13, true)}${pad(cpuSeconds.toFixed(2), 8, true)}${pad(Math.round(rate).toLocaleString('en-US'), 11, true)}${pad(`${(rate / baseline).toFixed(2)}x`, 14, true)}${pad(peakRssMiB.toFixed(0), 14, true)}`,
        );
      }
    }
  } finally {
    if (values.keep) console.log(`\n# kept ${dir}`);
    else rmSync(dir, { recursive: true, force: true });
  }
}

await main();
