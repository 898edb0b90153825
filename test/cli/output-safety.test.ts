import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { cpSync, existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, it } from 'node:test';
import { hostTag } from '../../src/io/stale-temp.ts';
import { REPO_ROOT, logEvents, plainStderr, runCli, type RunResult } from '../helpers/cli.ts';
import { readParquet } from '../helpers/read-output.ts';
import { tempDir } from '../helpers/temp.ts';

const DATA = path.join(REPO_ROOT, 'fixtures', 'data');
const MODEL = path.join(REPO_ROOT, 'fixtures', 'models', 'bi-encoder');
const MINE = ['mine', '--model', MODEL, '--device', 'cpu'];
const EMBED = ['embed', '--model', MODEL, '--device', 'cpu', '--corpus', path.join(DATA, 'corpus.jsonl')];
const CRAFTED = ['--beir', path.join(DATA, 'mine-crafted')];

/** Every file under dir (links as their target's bytes), so a test can show that nothing changed. */
function snapshot(dir: string): Record<string, string> {
  const files: Record<string, string> = {};
  for (const name of readdirSync(dir, { recursive: true, encoding: 'utf8' }).sort()) {
    const file = path.join(dir, name);
    files[name] = statSync(file).isFile() ? readFileSync(file, 'base64') : '<folder>';
  }
  return files;
}

function assertOneLineError(result: RunResult, code: number, message: RegExp, what: string): void {
  assert.equal(result.code, code, `${what}: ${result.stderr}`);
  const lines = plainStderr(result).trim().split('\n');
  assert.equal(lines.length, 1, `${what}: one error line, got ${plainStderr(result)}`);
  assert.match(lines[0] ?? '', message, what);
}

/** Creates a FIFO and starts reading it to the end, as `cat fifo` would. */
function fifoWithReader(file: string): Promise<Buffer> {
  execFileSync('mkfifo', [file]);
  return readFile(file);
}

function negmineTemps(dir: string): string[] {
  return readdirSync(dir).filter((name) => name.startsWith('.negmine-tmp-'));
}

describe('output safety', () => {
  it('mine refuses an output that is one of its inputs, linked or inside a --beir folder, and leaves the inputs intact', async () => {
    const dir = tempDir();
    const beir = path.join(dir, 'beir');
    cpSync(path.join(DATA, 'mine-crafted'), beir, { recursive: true });
    const rows = path.join(dir, 'rows.jsonl');
    cpSync(path.join(DATA, 'pairs.jsonl'), rows);
    symlinkSync(rows, path.join(dir, 'link.jsonl'));
    const before = snapshot(dir);
    const cases: [string[], RegExp][] = [
      [['--data', path.join(dir, 'link.jsonl'), '-o', rows], /^negmine: error: Refusing -o '.*\/rows\.jsonl': it is the input --data '.*\/link\.jsonl', which the output would replace; write to another file$/],
      [['--beir', beir, '-o', path.join(beir, 'corpus.jsonl')], /Refusing -o '.*\/beir\/corpus\.jsonl': it is the input --beir '.*\/beir\/corpus\.jsonl'/],
      [['--beir', beir, '-o', path.join(dir, 'out.jsonl'), '--save-index', beir], /^negmine: error: Refusing --save-index '.*\/beir': it holds the input --beir '.*', which saving the index would delete; use another folder$/],
    ];
    for (const [args, message] of cases) {
      const result = await runCli(['--quiet', ...MINE, ...args]);
      assertOneLineError(result, 2, message, args.join(' '));
    }
    assert.deepEqual(snapshot(dir), before, 'every input is intact and nothing was written');
  });

  it('mine refuses -o and --stats-json naming the same file', async () => {
    const dir = tempDir();
    const out = path.join(dir, 'out.jsonl');
    const result = await runCli(['--quiet', ...MINE, ...CRAFTED, '-o', out, '--stats-json', out]);
    assertOneLineError(result, 2, /^negmine: error: Refusing --stats-json '.*\/out\.jsonl': -o '.*\/out\.jsonl' names the same file$/, 'same file');
    assert.deepEqual(readdirSync(dir), []);
  });

  it('embed refuses an output that is its input, the .ids.jsonl beside a .npy included', async () => {
    const dir = tempDir();
    const corpus = path.join(dir, 'v.ids.jsonl');
    cpSync(path.join(DATA, 'corpus.jsonl'), corpus);
    const before = snapshot(dir);
    const result = await runCli(['--quiet', 'embed', '--model', MODEL, '--device', 'cpu', '--corpus', corpus, '-o', path.join(dir, 'v.npy')]);
    assertOneLineError(result, 2, /^negmine: error: Refusing -o \(its ids file\) '.*\/v\.ids\.jsonl': it is the input --corpus '.*\/v\.ids\.jsonl'/, 'ids file');
    assert.deepEqual(snapshot(dir), before);
  });

  it('mine and embed check every output folder before reading data or loading a model', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'a-file');
    writeFileSync(file, '');
    const cases: [string[], string[], RegExp][] = [
      [MINE, ['-o', path.join(dir, 'missing', 'out.jsonl')], /^negmine: error: Cannot write -o '.*\/missing\/out\.jsonl': folder '.*\/missing' does not exist$/],
      [MINE, ['-o', path.join(dir, 'out.jsonl'), '--cache-dir', path.join(file, 'cache')], /Cannot write --cache-dir '.*a-file\/cache': '.*a-file' is not a folder/],
      [EMBED, ['-o', path.join(dir, 'missing', 'v.npy')], /Cannot write -o '.*\/missing\/v\.npy': folder '.*\/missing' does not exist/],
    ];
    for (const [command, args, message] of cases) {
      const result = await runCli([...command, ...(command === MINE ? CRAFTED : []), ...args]);
      assertOneLineError(result, 2, message, args.join(' '));
      const events = logEvents(result).map((event) => event['event']);
      assert.ok(!events.includes('stage_end') && !events.includes('model_loaded'), `${args.join(' ')}: refused before any work (${events.join(', ')})`);
    }
    assert.deepEqual(readdirSync(dir), ['a-file']);
  });

  it('mine writes in place to /dev/null and to FIFOs, whose reader gets every byte and which stay FIFOs', async () => {
    const dir = tempDir();
    const fifo = path.join(dir, 'out.jsonl');
    const received = fifoWithReader(fifo);
    const result = await runCli(['--quiet', ...MINE, ...CRAFTED, '-o', fifo, '--stats-json', '/dev/null']);
    assert.equal(result.code, 0, result.stderr);
    const rows = (await received).toString('utf8').trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    assert.deepEqual(rows.map((row) => row['query_id']), ['q-solar', 'q-tides']);
    assert.ok(lstatSync(fifo).isFIFO(), 'the FIFO was not replaced');

    // Parquet's writer only appends (the footer comes last), so it streams into a FIFO as well.
    const parquetFifo = path.join(dir, 'out.parquet');
    const parquetBytes = fifoWithReader(parquetFifo);
    const parquet = await runCli(['--quiet', ...MINE, ...CRAFTED, '-o', parquetFifo]);
    assert.equal(parquet.code, 0, parquet.stderr);
    writeFileSync(path.join(dir, 'copy.parquet'), await parquetBytes);
    assert.deepEqual(await readParquet(path.join(dir, 'copy.parquet')), rows);
    assert.ok(lstatSync(parquetFifo).isFIFO());

    const devNull = await runCli(['--quiet', ...MINE, ...CRAFTED, '-o', '/dev/null']);
    assert.equal(devNull.code, 0, devNull.stderr);
    assert.ok(statSync('/dev/null').isCharacterDevice(), '/dev/null is still a character device');
    assert.deepEqual(negmineTemps('/dev'), []);
    assert.deepEqual(negmineTemps(dir), []);
  });

  it('embed writes vectors in place to a FIFO and refuses .npy to a device, where its ids file has no place', async () => {
    const dir = tempDir();
    const fifo = path.join(dir, 'v.jsonl');
    const received = fifoWithReader(fifo);
    const result = await runCli(['--quiet', ...EMBED, '-o', fifo]);
    assert.equal(result.code, 0, result.stderr);
    const rows = (await received).toString('utf8').trim().split('\n').map((line) => JSON.parse(line) as { id: string; embedding: number[] });
    assert.deepEqual(rows.map((row) => row.id), ['d1', 'd2', 'd3', 'd4', 'd5', 'd6', 'd7']);
    assert.equal(rows[0]?.embedding.length, 384);
    assert.ok(lstatSync(fifo).isFIFO());

    const npy = await runCli(['--quiet', ...EMBED, '-o', '/dev/null', '--output-format', 'npy']);
    assertOneLineError(npy, 2, /^negmine: error: Cannot write \.npy vectors to '\/dev\/null' \(not a regular file\): its ids go to a second file named after it; use -o NAME\.npy, or --output-format parquet\|arrow\|jsonl$/, 'npy to /dev/null');
    assert.equal(existsSync('/dev/null.ids.jsonl'), false);
    assert.ok(statSync('/dev/null').isCharacterDevice());
  });

  it('mine and embed report write failures as E_IO naming the path and the errno meaning, exit 75, with no partial file', async () => {
    const ENOSPC = (file: string): RegExp => new RegExp(`^negmine: error: Cannot write '${file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}': no space left on device \\(ENOSPC\\)$`);
    const parquet = await runCli(['--quiet', ...MINE, ...CRAFTED, '-o', '/dev/full', '--output-format', 'parquet']);
    assertOneLineError(parquet, 75, ENOSPC('/dev/full'), 'mine parquet');
    const dir = tempDir();
    const stats = await runCli([...MINE, ...CRAFTED, '-o', path.join(dir, 'out.jsonl'), '--stats-json', '/dev/full']);
    assert.equal(stats.code, 75, stats.stderr);
    assert.match(plainStderr(stats).trim().split('\n').at(-1) ?? '', ENOSPC('/dev/full'));
    assert.equal(logEvents(stats).find((event) => event['event'] === 'error')?.['code'], 'E_IO');
    assert.deepEqual(readdirSync(dir), ['out.jsonl'], 'the mined rows were written whole; no temp file');
    // A .npy name that links to /dev/full: the matrix fails, so its ids file never appears either.
    const npy = path.join(dir, 'v.npy');
    symlinkSync('/dev/full', npy);
    const result = await runCli(['--quiet', ...EMBED, '-o', npy]);
    assertOneLineError(result, 75, ENOSPC(npy), 'embed npy');
    assert.deepEqual(readdirSync(dir).sort(), ['out.jsonl', 'v.npy']);
    assert.ok(statSync('/dev/full').isCharacterDevice());
  });

  it('mine removes the temp files of killed runs of this host on start and keeps live or foreign ones', async () => {
    const dir = tempDir();
    const out = path.join(dir, 'out.jsonl');
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(REPO_ROOT, 'test', 'helpers', 'killed-writer.ts'), out], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise<void>((resolve) => {
      child.stdout.on('data', (chunk: Buffer) => {
        if (chunk.toString().includes('ready')) resolve();
      });
    });
    const exited = new Promise((resolve) => child.on('close', resolve));
    child.kill('SIGKILL');
    await exited;
    const [killed, ...others] = negmineTemps(dir);
    assert.ok(killed !== undefined && others.length === 0, 'the killed writer left its temp file');
    assert.ok(statSync(path.join(dir, killed)).size >= 1 << 16);
    const deadPid = child.pid ?? 0;
    const live = `.negmine-tmp-aaaaaaaaaaaa-${process.pid}@${hostTag()}_out.jsonl`;
    const foreign = `.negmine-tmp-bbbbbbbbbbbb-${deadPid}@other-host.example_out.jsonl`;
    const deadFolder = `.negmine-tmp-cccccccccccc-${deadPid}@${hostTag()}_index`;
    writeFileSync(path.join(dir, live), 'live');
    writeFileSync(path.join(dir, foreign), 'foreign');
    mkdirSync(path.join(dir, deadFolder));
    writeFileSync(path.join(dir, deadFolder, 'index.faiss'), 'partial');

    const result = await runCli([...MINE, ...CRAFTED, '-o', out]);
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(readdirSync(dir).sort(), [live, foreign, 'out.jsonl'].sort());
    const removed = logEvents(result).find((event) => event['event'] === 'stale_temp_removed');
    assert.deepEqual((removed?.['files'] as string[] | undefined)?.sort(), [killed, deadFolder].sort());
  });
});
