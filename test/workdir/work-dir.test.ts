import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { createStreamLogger } from '../../src/core/logger.ts';
import { NegmineError } from '../../src/core/errors.ts';
import { hostTag } from '../../src/io/stale-temp.ts';
import { writeWorkFileAtomic } from '../../src/io/work-files.ts';
import { buildManifest, type StageName, type StageSpec } from '../../src/workdir/manifest.ts';
import { chunkPath, checkWorkDir, openWorkDir } from '../../src/workdir/work-dir.ts';
import { workStatus } from '../../src/workdir/status.ts';
import { tempDir } from '../helpers/temp.ts';
import { Writable } from 'node:stream';

function manifest(margin: number) {
  const spec = (chunks: number, after: StageName[], settings: StageSpec['settings'] = {}): StageSpec => ({ settings, after, chunks });
  return buildManifest(4, {
    read: spec(0, []),
    'embed-corpus': spec(2, ['read']),
    'embed-queries': spec(1, ['read']),
    search: spec(1, ['embed-corpus', 'embed-queries']),
    rerank: spec(0, ['search']),
    select: spec(0, ['search', 'rerank'], { relativeMargin: margin }),
    write: spec(1, ['select']),
  });
}

function capture(): { log: ReturnType<typeof createStreamLogger>; events: () => Record<string, unknown>[] } {
  let text = '';
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      text += chunk.toString();
      done();
    },
  });
  return { log: createStreamLogger('debug', stream), events: () => text.split('\n').filter(Boolean).map((line) => JSON.parse(line) as Record<string, unknown>) };
}

const VECTORS = { meta: { rows: 2, dim: 2 }, arrays: [new Float32Array([1, 2, 3, 4])] };

describe('work dir', () => {
  it('work dir reuses a stored chunk, recomputes a damaged one with a warning, and counts both', async () => {
    const dir = path.join(tempDir(), 'run');
    const first = await openWorkDir(dir, manifest(0.05), capture().log);
    await first.stage('embed-corpus').save(0, () => VECTORS);
    await first.stage('embed-corpus').save(1, () => VECTORS);
    assert.deepEqual(first.counts(), { 'embed-corpus': { reused: 0, recomputed: 2 } });
    await first.close();
    const file = chunkPath(dir, 'embed-corpus', 1);
    const bytes = readFileSync(file);
    bytes[bytes.length - 3] = (bytes[bytes.length - 3] ?? 0) ^ 0xff;
    writeFileSync(file, bytes);
    const { log, events } = capture();
    const second = await openWorkDir(dir, manifest(0.05), log);
    const reused = await second.stage('embed-corpus').load(0);
    assert.deepEqual([...(reused?.arrays[0] ?? [])], [1, 2, 3, 4]);
    assert.equal(await second.stage('embed-corpus').load(1), undefined);
    const warn = events().find((event) => event['event'] === 'chunk_corrupt');
    assert.equal(warn?.['file'], file);
    assert.equal(events().find((event) => event['event'] === 'work_dir_resumed')?.['workDir'], dir);
    assert.deepEqual(second.counts(), { 'embed-corpus': { reused: 1, recomputed: 0 } });
  });

  it('work dir drops only the stages a changed setting affects and says which in one line', async () => {
    const dir = path.join(tempDir(), 'run');
    const first = await openWorkDir(dir, manifest(0.05), capture().log);
    await first.stage('search').save(0, () => VECTORS);
    await first.stage('write').save(0, () => VECTORS);
    await first.close();
    const { log, events } = capture();
    const second = await openWorkDir(dir, manifest(0.1), log);
    const line = events().filter((event) => event['event'] === 'work_dir_invalidated');
    const [event, ...more] = line;
    assert.ok(event !== undefined && more.length === 0);
    assert.deepEqual(event['stages'], ['select', 'write']);
    assert.deepEqual(event['changed'], ['select.relativeMargin']);
    assert.ok((await second.stage('search').load(0)) !== undefined);
    assert.equal(await second.stage('write').load(0), undefined);
    const status = await workStatus(dir);
    assert.deepEqual(status.stages.map((s) => [s.stage, s.done, s.total, s.stale]), [
      ['read', 0, 0, 0],
      ['embed-corpus', 0, 2, 0],
      ['embed-queries', 0, 1, 0],
      ['search', 1, 1, 0],
      ['rerank', 0, 0, 0],
      ['select', 0, 0, 0],
      ['write', 0, 1, 0],
    ]);
  });

  it('work dir refuses a non-empty folder without a manifest, and a file', async () => {
    const dir = tempDir();
    writeFileSync(path.join(dir, 'notes.txt'), 'mine');
    await assert.rejects(checkWorkDir(dir), (error: unknown) => error instanceof NegmineError && error.code === 'E_USAGE' && /not empty and holds no manifest.json/.test(error.message));
    await assert.rejects(checkWorkDir(path.join(dir, 'notes.txt')), /not a folder/);
    writeFileSync(path.join(dir, 'manifest.json'), '{"name":"x"}');
    await assert.rejects(checkWorkDir(dir), /not a work directory manifest/);
    assert.deepEqual(readdirSync(dir).sort(), ['manifest.json', 'notes.txt']);
  });

  it('atomic write replaces a file whole, leaves no temp file, and a dead writer\'s temp is removed on open', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'a.chunk');
    await writeWorkFileAtomic(file, Buffer.from('first'));
    await writeWorkFileAtomic(file, Buffer.from('second'));
    assert.equal(readFileSync(file, 'utf8'), 'second');
    assert.deepEqual(readdirSync(dir), ['a.chunk']);
    const run = path.join(dir, 'run');
    await (await openWorkDir(run, manifest(0.05), capture().log)).close();
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']).stdout.toString();
    mkdirSync(path.join(run, 'search'), { recursive: true });
    const stale = `.negmine-tmp-aaaaaaaaaaaa-${dead}@${hostTag()}_000000.chunk`;
    writeFileSync(path.join(run, 'search', stale), 'partial');
    const { log, events } = capture();
    await openWorkDir(run, manifest(0.05), log);
    assert.deepEqual(readdirSync(path.join(run, 'search')), []);
    assert.deepEqual(events().find((event) => event['event'] === 'stale_temp_removed')?.['files'], [path.join('search', stale)]);
  });

  it('work dir lock refuses a second run while one holds it and takes over a dead run\'s lock', async () => {
    const dir = path.join(tempDir(), 'run');
    const first = await openWorkDir(dir, manifest(0.05), capture().log);
    await assert.rejects(openWorkDir(dir, manifest(0.05), capture().log), (error: unknown) => error instanceof NegmineError && error.code === 'E_IO' && new RegExp(`pid ${process.pid} `).test(error.message));
    await first.close();
    assert.ok(!readdirSync(dir).includes('lock'));
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']).stdout.toString();
    writeFileSync(path.join(dir, 'lock'), JSON.stringify({ pid: Number(dead), host: hostTag() }));
    const second = await openWorkDir(dir, manifest(0.05), capture().log);
    assert.deepEqual(JSON.parse(readFileSync(path.join(dir, 'lock'), 'utf8')), { pid: process.pid, host: hostTag() });
    await second.close();
  });
});
