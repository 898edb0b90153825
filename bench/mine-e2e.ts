/**
 * End-to-end `negmine mine` on MS MARCO 5k with the generated MiniLM-L6-shaped bi-encoder and cross-encoder, run as a
 * child process of the built CLI (dist/). Reports wall time, the per-stage seconds from --stats-json and the peak RSS
 * against a budget: corpus embeddings (documents x 384 x 4 bytes) + both ONNX files + all text bytes.
 *
 * Peak RSS comes from the child itself (process.resourceUsage().maxRSS in an exit hook loaded with --import), with
 * /proc/<pid>/status VmHWM polled every 50 ms as a cross-check.
 *
 * Run: npm run build && node --import tsx bench/mine-e2e.ts [--beir DIR] [--ce-candidates 30] [--keep]
 *      experiments: [--cli other/bin/negmine.js] [--env KEY=VALUE]... [--node-arg=--flag]... [-- extra mine flags]
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { ensureBenchModels, MINILM, REPO_ROOT } from './generate-minilm.ts';
import { loadBeir, MSMARCO_DIR, passageOf } from './lib/msmarco.ts';
import { EXIT_HOOK, memoryKiB } from './lib/measured-child.ts';
import { machine, progress, ratioLine, result, round, seconds } from './lib/report.ts';

const MIB = 2 ** 20;

/** Newest mtime under a folder, to tell whether dist/ is older than src/. */
function newestMtimeMs(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) newest = Math.max(newest, statSync(path.join(entry.parentPath, entry.name)).mtimeMs);
  }
  return newest;
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    options: {
      beir: { type: 'string', default: MSMARCO_DIR },
      'ce-candidates': { type: 'string', default: '30' },
      'models-dir': { type: 'string' },
      keep: { type: 'boolean' },
      // Another build of the CLI (e.g. an experiment copy of bin/ + dist/), instead of bin/negmine.js.
      cli: { type: 'string' },
      env: { type: 'string', multiple: true },
      'node-arg': { type: 'string', multiple: true },
    },
    allowPositionals: true,
  });
  // Experiments: --env KEY=VALUE for the child's environment, and extra CLI flags after `--`.
  const extraEnv = Object.fromEntries((values.env ?? []).map((pair) => [pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1)]));
  const models = await ensureBenchModels(values['models-dir'] === undefined ? undefined : path.resolve(values['models-dir']));
  const cli = path.resolve(values.cli ?? path.join(REPO_ROOT, 'bin', 'negmine.js'));
  const dist = path.join(path.dirname(cli), '..', 'dist');
  if (!existsSync(path.join(dist, 'cli', 'main.js'))) throw new Error(`Cannot run the CLI: ${path.join(dist, 'cli', 'main.js')} is missing; run 'npm run build' first`);
  if (values.cli === undefined && newestMtimeMs(path.join(REPO_ROOT, 'src')) > newestMtimeMs(dist)) progress('warning: src/ has files newer than dist/; run npm run build for current code');

  const tmp = mkdtempSync(path.join(os.tmpdir(), 'negmine-bench-mine-'));
  const rssFile = path.join(tmp, 'maxrss-kib');
  const args = [
    ...(values['node-arg'] ?? []),
    '--import', EXIT_HOOK,
    cli, 'mine',
    '--beir', values.beir,
    '--model', models.biEncoderDir,
    '--cross-encoder', models.crossEncoderDir,
    '--ce-candidates', values['ce-candidates'],
    '--device', 'cpu',
    '-o', path.join(tmp, 'out.jsonl'),
    '--stats-json', path.join(tmp, 'stats.json'),
    ...positionals,
  ];
  const nodeArgs = values['node-arg'] ?? [];
  const command = `node ${nodeArgs.map((a) => `${a} `).join('')}${path.relative(REPO_ROOT, cli)} ${args.slice(3 + nodeArgs.length).map((a) => (a.startsWith(REPO_ROOT) ? path.relative(REPO_ROOT, a) : a)).join(' ')}`;
  const envNote = Object.keys(extraEnv).length === 0 ? '' : `${Object.entries(extraEnv).map(([k, v]) => `${k}=${v}`).join(' ')} `;
  progress(`mine-e2e: ${envNote}${command} (${machine()})`);

  const started = performance.now();
  const child = spawn(process.execPath, args, { cwd: REPO_ROOT, env: { ...process.env, ...extraEnv, NEGMINE_BENCH_RSS_FILE: rssFile }, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  let pending = '';
  // Peak-so-far and current RSS when each stage_end log line arrives: shows which stage raises the peak.
  const atStageEnds: string[] = [];
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => {
    stderr += chunk;
    pending += chunk;
    const lines = pending.split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines) {
      if (!line.includes('"stage_end"') || child.pid === undefined) continue;
      const event = JSON.parse(line) as { stage?: string; label?: string };
      const memory = memoryKiB(child.pid);
      atStageEnds.push(`${event.label ?? event.stage ?? '?'}: peak ${round(memory.hwm / 1024)} / now ${round(memory.rss / 1024)}`);
    }
  });
  let polledKiB = 0;
  const poll = setInterval(() => {
    if (child.pid !== undefined) polledKiB = Math.max(polledKiB, memoryKiB(child.pid).hwm);
  }, 50);
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  clearInterval(poll);
  const wallSeconds = seconds(started);
  if (code !== 0) {
    process.stderr.write(stderr.slice(-4000));
    throw new Error(`negmine mine exited with code ${code}; output kept in ${tmp}`);
  }

  const stats = JSON.parse(readFileSync(path.join(tmp, 'stats.json'), 'utf8')) as { seconds?: Record<string, number>; rows?: number; documents?: number };
  const maxRssKiB = existsSync(rssFile) ? Number(readFileSync(rssFile, 'utf8')) : polledKiB;
  const peakBytes = Math.max(maxRssKiB, polledKiB) * 1024;

  const sample = loadBeir(values.beir);
  const documents = stats.documents ?? sample.corpus.length;
  const embeddingBytes = documents * MINILM.hidden * 4;
  const modelBytes = statSync(path.join(models.biEncoderDir, 'onnx', 'model.onnx')).size + statSync(path.join(models.crossEncoderDir, 'onnx', 'model.onnx')).size;
  const textBytes = sample.corpus.reduce((sum, doc) => sum + Buffer.byteLength(passageOf(doc)), 0) + sample.queries.reduce((sum, q) => sum + Buffer.byteLength(q.text), 0);
  const budget = embeddingBytes + modelBytes + textBytes;

  result(`# mine-e2e: ${envNote}${command}`);
  result(`# ${machine()}; ${documents} documents, ${sample.queries.length} queries, ${stats.rows ?? '?'} rows written`);
  result(ratioLine('mine_peak_rss_vs_budget', peakBytes / budget, '<=2.0'));
  result(`peak RSS ${round(peakBytes / MIB)} MiB (maxRSS at exit ${round((maxRssKiB * 1024) / MIB)} MiB, polled VmHWM ${round((polledKiB * 1024) / MIB)} MiB)`);
  result(`budget ${round(budget / MIB)} MiB = embeddings ${round(embeddingBytes / MIB)} MiB + models ${round(modelBytes / MIB)} MiB + texts ${round(textBytes / MIB)} MiB`);
  result(`RSS MiB at stage ends: ${atStageEnds.join('; ')}`);
  result(`wall ${round(wallSeconds, 2)} s; stages (s): ${Object.entries(stats.seconds ?? {}).map(([stage, s]) => `${stage} ${s}`).join(', ')}`);
  writeFileSync(path.join(tmp, 'stderr.log'), stderr);
  if (values.keep === true) progress(`kept ${tmp}`);
  else rmSync(tmp, { recursive: true, force: true });
}

await main();
