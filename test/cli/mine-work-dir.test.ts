import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import { seededRandom } from '../../src/core/random.ts';
import { BIN, logEvents, plainStderr, REPO_ROOT, runCli, type RunResult } from '../helpers/cli.ts';
import { tempDir } from '../helpers/temp.ts';

const MODELS = path.join(REPO_ROOT, 'fixtures', 'models');
const WORDS = (
  'water boils sea level degrees celsius planet jupiter moon gas giant river mountain forest ocean island desert city ' +
  'music guitar piano song history war empire king queen bread cheese wine coffee tea sugar salt engine car train ' +
  'plane ship rocket star galaxy computer program memory network disease doctor hospital medicine school teacher ' +
  'student book library paper money bank market price tax law court judge animal dog cat horse bird fish insect'
).split(' ');
const QUERIES = 40;
const EXTRA_PASSAGES = 160;
const CHUNK_ROWS = '8';

function sentence(random: () => number, words: number): string {
  return Array.from({ length: words }, () => WORDS[Math.floor(random() * WORDS.length)] ?? 'water').join(' ');
}

/** 40 queries with one positive each, and 160 more passages: 25 corpus chunks and 5 query blocks of 8. */
function writeDataset(dir: string): string[] {
  const random = seededRandom(11);
  const rows = Array.from({ length: QUERIES }, (_, i) => {
    const query = `${sentence(random, 3)} ${i}`;
    return { query, positive: `${query} ${sentence(random, 12)}` };
  });
  const corpus = Array.from({ length: EXTRA_PASSAGES }, (_, i) => ({ _id: `p${i}`, text: sentence(random, 14) }));
  writeFileSync(path.join(dir, 'rows.jsonl'), rows.map((row) => JSON.stringify(row)).join('\n') + '\n');
  writeFileSync(path.join(dir, 'corpus.jsonl'), corpus.map((row) => JSON.stringify(row)).join('\n') + '\n');
  return ['--data', path.join(dir, 'rows.jsonl'), '--corpus', path.join(dir, 'corpus.jsonl')];
}

let input: string[] = [];
let root = '';
const MODEL_ARGS = ['--model', path.join(MODELS, 'static-lsa'), '--device', 'cpu', '--cross-encoder', path.join(MODELS, 'cross-encoder-bm25'), '--num-negatives', '3'];

function mineArgs(output: string, extra: readonly string[] = []): string[] {
  return ['--log-level', 'debug', 'mine', ...input, ...MODEL_ARGS, '--relative-margin', '0.05', '--chunk-rows', CHUNK_ROWS, ...extra, '-o', output];
}

function stats(file: string): { workDir?: Record<string, { reused: number; recomputed: number }> } {
  return JSON.parse(readFileSync(file, 'utf8')) as { workDir?: Record<string, { reused: number; recomputed: number }> };
}

/** Starts a run that pauses after each stored chunk, and kills it (SIGKILL) right after the first chunk of `stage`. */
function killAfterChunk(args: readonly string[], stage: string, signal: NodeJS.Signals = 'SIGKILL'): Promise<{ killed: boolean; code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: REPO_ROOT, env: { ...process.env, NEGMINE_CHUNK_PAUSE_MS: '40' }, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    let killed = false;
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      if (!killed && stderr.split('\n').some((line) => line.includes('"event":"chunk_written"') && line.includes(`"stage":"${stage}"`))) {
        killed = true;
        child.kill(signal);
      }
    });
    child.on('error', reject);
    child.on('close', (code, exitSignal) => {
      resolve({ killed: killed && (exitSignal === 'SIGKILL' || code === 130), code, stderr });
    });
  });
}

let reference: Buffer = Buffer.alloc(0);

async function mineOk(args: readonly string[]): Promise<RunResult> {
  const result = await runCli(args);
  assert.equal(result.code, 0, result.stderr);
  return result;
}

describe('mine --work-dir (CLI)', () => {
  before(async () => {
    root = tempDir();
    input = writeDataset(root);
    const output = path.join(root, 'reference.jsonl');
    await mineOk(mineArgs(output));
    reference = readFileSync(output);
    assert.ok(reference.length > 0);
  });

  it('mine --work-dir gives the bytes of a run without it, and a rerun reuses every chunk', async () => {
    const work = path.join(root, 'fresh');
    const output = path.join(root, 'fresh.jsonl');
    await mineOk(mineArgs(output, ['--work-dir', work, '--stats-json', path.join(root, 'fresh.json')]));
    assert.deepEqual(readFileSync(output), reference);
    assert.deepEqual(stats(path.join(root, 'fresh.json')).workDir, {
      'embed-corpus': { reused: 0, recomputed: 25 },
      'embed-queries': { reused: 0, recomputed: 5 },
      search: { reused: 0, recomputed: 5 },
      rerank: { reused: 0, recomputed: 5 },
      write: { reused: 0, recomputed: 5 },
    });
    const again = await mineOk(mineArgs(output, ['--work-dir', work, '--stats-json', path.join(root, 'again.json')]));
    assert.deepEqual(readFileSync(output), reference);
    // Every output part is stored, so no query block needs its hits or scores again.
    assert.deepEqual(stats(path.join(root, 'again.json')).workDir, { 'embed-corpus': { reused: 25, recomputed: 0 }, 'embed-queries': { reused: 5, recomputed: 0 }, write: { reused: 5, recomputed: 0 } });
    assert.ok(logEvents(again).some((event) => event['event'] === 'work_dir_resumed'));
    assert.ok(!logEvents(again).some((event) => event['event'] === 'model_loaded'), 'no model is loaded when every chunk is stored');
  });

  it('mine streams query blocks: each block is searched, reranked and written before the next is searched', async () => {
    const work = path.join(root, 'streamed');
    const result = await mineOk(mineArgs(path.join(root, 'streamed.jsonl'), ['--work-dir', work]));
    const order = logEvents(result)
      .filter((event) => event['event'] === 'chunk_written' && ['search', 'rerank', 'write'].includes(String(event['stage'])))
      .map((event) => `${String(event['stage'])}:${String(event['chunk'])}`);
    const expected = [0, 1, 2, 3, 4].flatMap((block) => [`search:${block}`, `rerank:${block}`, `write:${block}`]);
    assert.deepEqual(order, expected);
  });

  it('mine --work-dir re-encodes stored parts into another output format with the bytes of a direct run', async () => {
    const work = path.join(root, 'fresh');
    for (const ext of ['parquet', 'arrow']) {
      const direct = path.join(root, `direct.${ext}`);
      const fromParts = path.join(root, `parts.${ext}`);
      await mineOk(mineArgs(direct));
      const statsFile = path.join(root, `parts-${ext}.json`);
      await mineOk(mineArgs(fromParts, ['--work-dir', work, '--stats-json', statsFile]));
      assert.deepEqual(readFileSync(fromParts), readFileSync(direct), ext);
      assert.deepEqual(stats(statsFile).workDir?.['write'], { reused: 5, recomputed: 0 });
    }
  });

  it('mine vectors and hits do not depend on the chunk size (static and transformer models, scores written)', async () => {
    for (const model of ['static-lsa', 'bi-encoder']) {
      const outputs = ['8', '16384'].map((rows) => path.join(root, `chunks-${model}-${rows}.jsonl`));
      await Promise.all(['8', '16384'].map((rows, i) => mineOk(['--quiet', 'mine', ...input, '--model', path.join(MODELS, model), '--device', 'cpu', '--scores', '--chunk-rows', rows, '-o', outputs[i] ?? ''])));
      assert.deepEqual(readFileSync(outputs[0] ?? ''), readFileSync(outputs[1] ?? ''), model);
    }
  });

  it('mine --work-dir --vector-dtype float16 stores half-precision vector chunks and gives the bytes of a float16 run without it', async () => {
    const direct = path.join(root, 'f16-direct.jsonl');
    await mineOk(mineArgs(direct, ['--vector-dtype', 'float16']));
    const work = path.join(root, 'f16-work');
    const output = path.join(root, 'f16-work.jsonl');
    await mineOk(mineArgs(output, ['--vector-dtype', 'float16', '--work-dir', work]));
    assert.deepEqual(readFileSync(output), readFileSync(direct));
    for (const stage of ['embed-corpus', 'embed-queries']) {
      const files = readdirSync(path.join(work, stage)).filter((name) => name.endsWith('.chunk'));
      assert.ok(files.length > 0, stage);
      for (const name of files) {
        const bytes = readFileSync(path.join(work, stage, name));
        const header = JSON.parse(bytes.toString('utf8', 12, 12 + bytes.readUInt32LE(8))) as { meta: { rows: number; dim: number }; arrays: { type: string; length: number }[] };
        assert.deepEqual(header.arrays, [{ type: 'u16', length: header.meta.rows * header.meta.dim }], `${stage}/${name}`);
      }
    }
    const resumed = path.join(root, 'f16-resumed.jsonl');
    const statsFile = path.join(root, 'f16-resumed.json');
    await mineOk(mineArgs(resumed, ['--vector-dtype', 'float16', '--work-dir', work, '--stats-json', statsFile]));
    assert.deepEqual(readFileSync(resumed), readFileSync(direct));
    assert.deepEqual(stats(statsFile).workDir?.['embed-corpus'], { reused: 25, recomputed: 0 });
  });

  for (const stage of ['embed-corpus', 'search', 'write']) {
    it(`mine --work-dir resumes after kill -9 during ${stage} with identical bytes`, async () => {
      const work = path.join(root, `killed-${stage}`);
      const output = path.join(root, `killed-${stage}.jsonl`);
      const killed = await killAfterChunk(mineArgs(output, ['--work-dir', work]), stage);
      assert.ok(killed.killed, `the run was not killed during ${stage}:\n${killed.stderr.slice(-2000)}`);
      assert.ok(!existsSync(output), 'a killed run leaves no output under the final name');
      const status = await runCli(['status', '--work-dir', work, '--json']);
      assert.equal(status.code, 0, status.stderr);
      const progress = (JSON.parse(status.stdout) as { stages: { stage: string; done: number; total: number }[] }).stages.find((s) => s.stage === stage);
      assert.ok(progress !== undefined && progress.done >= 1 && progress.done < progress.total, JSON.stringify(progress));
      const statsFile = path.join(root, `killed-${stage}.json`);
      const resumed = await mineOk(mineArgs(output, ['--work-dir', work, '--stats-json', statsFile]));
      assert.deepEqual(readFileSync(output), reference);
      const counts = stats(statsFile).workDir?.[stage];
      assert.ok(counts !== undefined && counts.reused >= 1 && counts.recomputed >= 1, JSON.stringify(counts));
      assert.match(plainStderr(resumed), new RegExp(`Work directory chunks: .*${stage} ${counts.reused} reused, ${counts.recomputed} recomputed`));
    });
  }

  it('mine --work-dir interrupted by SIGTERM exits 130, leaves no lock, and resumes', async () => {
    const work = path.join(root, 'terminated');
    const output = path.join(root, 'terminated.jsonl');
    const stopped = await killAfterChunk(mineArgs(output, ['--work-dir', work]), 'search', 'SIGTERM');
    assert.equal(stopped.code, 130, stopped.stderr.slice(-2000));
    assert.ok(!existsSync(path.join(work, 'lock')), 'the lock is removed on SIGTERM');
    const statsFile = path.join(root, 'terminated.json');
    await mineOk(mineArgs(output, ['--work-dir', work, '--stats-json', statsFile]));
    assert.deepEqual(readFileSync(output), reference);
    assert.equal(stats(statsFile).workDir?.['embed-corpus']?.reused, 25);
  });

  it('mine --work-dir detects a damaged chunk, warns naming it, recomputes it, same bytes', async () => {
    const work = path.join(root, 'damaged');
    const output = path.join(root, 'damaged.jsonl');
    await mineOk(mineArgs(output, ['--work-dir', work]));
    const file = path.join(work, 'search', '000002.chunk');
    const bytes = readFileSync(file);
    bytes[bytes.length - 20] = (bytes[bytes.length - 20] ?? 0) ^ 0x01;
    writeFileSync(file, bytes);
    const truncated = path.join(work, 'embed-corpus', '000003.chunk');
    writeFileSync(truncated, readFileSync(truncated).subarray(0, 100));
    // Without block 2's output part, its hits are needed again (and its stored scores still fit the recomputed plan).
    rmSync(path.join(work, 'write', '000002.chunk'));
    const statsFile = path.join(root, 'damaged.json');
    const result = await mineOk(mineArgs(output, ['--work-dir', work, '--stats-json', statsFile]));
    assert.deepEqual(readFileSync(output), reference);
    const warned = logEvents(result).filter((event) => event['event'] === 'chunk_corrupt').map((event) => event['file']);
    assert.deepEqual(warned.sort(), [truncated, file].sort());
    assert.deepEqual(stats(statsFile).workDir?.['search'], { reused: 0, recomputed: 1 });
    assert.deepEqual(stats(statsFile).workDir?.['rerank'], { reused: 1, recomputed: 0 });
    assert.deepEqual(stats(statsFile).workDir?.['write'], { reused: 4, recomputed: 1 });
    assert.deepEqual(stats(statsFile).workDir?.['embed-corpus'], { reused: 24, recomputed: 1 });
  });

  it('mine --work-dir with another --relative-margin reruns only select and write, and says so', async () => {
    const work = path.join(root, 'margin');
    await mineOk(mineArgs(path.join(root, 'margin-a.jsonl'), ['--work-dir', work]));
    const output = path.join(root, 'margin-b.jsonl');
    const statsFile = path.join(root, 'margin.json');
    const result = await mineOk([...mineArgs(output, ['--work-dir', work, '--stats-json', statsFile]), '--relative-margin', '0.2']);
    const lines = logEvents(result).filter((event) => event['event'] === 'work_dir_invalidated');
    const [line, ...more] = lines;
    assert.ok(line !== undefined && more.length === 0, 'one line names the invalidated stages');
    assert.deepEqual(line['stages'], ['select', 'write']);
    assert.deepEqual(line['changed'], ['select.relativeMargin']);
    assert.match(String(line['msg']), /select\.relativeMargin changed; recomputing select, write/);
    const counts = stats(statsFile).workDir ?? {};
    for (const stage of ['embed-corpus', 'embed-queries', 'search', 'rerank']) assert.equal(counts[stage]?.recomputed, 0, stage);
    assert.deepEqual(counts['write'], { reused: 0, recomputed: 5 });
    const plain = path.join(root, 'margin-plain.jsonl');
    await mineOk([...mineArgs(plain), '--relative-margin', '0.2']);
    assert.deepEqual(readFileSync(output), readFileSync(plain));
  });

  it('mine --work-dir refuses a non-empty folder that is not a work directory (exit 2, one line)', async () => {
    const foreign = tempDir();
    writeFileSync(path.join(foreign, 'thesis.tex'), 'keep me');
    const result = await runCli(['mine', ...input, ...MODEL_ARGS, '--work-dir', foreign, '-o', path.join(root, 'foreign.jsonl')]);
    assert.equal(result.code, 2);
    const lines = plainStderr(result).trim().split('\n');
    assert.equal(lines.length, 1, result.stderr);
    assert.match(lines[0] ?? '', /^negmine: error: Cannot use --work-dir '.*': it is not empty and holds no manifest.json/);
    assert.deepEqual(readdirSync(foreign), ['thesis.tex']);
  });

  it('status prints per-stage progress as text and JSON', async () => {
    const work = path.join(root, 'fresh');
    const text = await runCli(['status', '--work-dir', work]);
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /^Work directory .* \(chunks of 8 rows\)\n/);
    assert.match(text.stdout, /\nembed-corpus +25\/25 +0 +complete\n/);
    assert.match(text.stdout, /\nsearch +5\/5 +0 +complete\n/);
    assert.match(text.stdout, /\nselect +- +0 +nothing stored/);
    const json = await runCli(['status', '--work-dir', work, '--json']);
    const parsed = JSON.parse(json.stdout) as { chunkRows: number; stages: { stage: string; done: number; total: number; stale: number }[] };
    assert.equal(parsed.chunkRows, 8);
    assert.deepEqual(parsed.stages.find((s) => s.stage === 'rerank'), { stage: 'rerank', total: 5, done: 5, stale: 0 });
    const missing = await runCli(['status', '--work-dir', path.join(root, 'nothing-here')]);
    assert.equal(missing.code, 2);
    assert.match(plainStderr(missing), /holds no negmine run yet/);
  });
});
