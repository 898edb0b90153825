import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { NegmineError } from '../../../src/core/errors.ts';
import { linkSnapshotFile, lookupCachedFile, repoCacheDir, repoFolderName, withBlobLock } from '../../../src/io/hub/hub-cache.ts';

const COMMIT = '1'.repeat(40);

describe('hub-cache', () => {
  let repoDir: string;
  let cacheDir: string;

  beforeEach(() => {
    cacheDir = mkdtempSync(path.join(os.tmpdir(), 'negmine-hub-cache-'));
    repoDir = repoCacheDir(cacheDir, 'sentence-transformers/all-MiniLM-L6-v2');
  });
  afterEach(() => {
    rmSync(cacheDir, { recursive: true, force: true });
  });

  // The layout huggingface_hub leaves behind, written by hand.
  function fillLikeHuggingfaceHub(): void {
    mkdirSync(path.join(repoDir, 'blobs'), { recursive: true });
    mkdirSync(path.join(repoDir, 'refs', 'refs', 'pr'), { recursive: true });
    mkdirSync(path.join(repoDir, 'snapshots', COMMIT, 'onnx'), { recursive: true });
    writeFileSync(path.join(repoDir, 'blobs', 'e'.repeat(64)), 'onnx bytes');
    writeFileSync(path.join(repoDir, 'refs', 'main'), COMMIT);
    writeFileSync(path.join(repoDir, 'refs', 'refs', 'pr', '1'), `${COMMIT}\n`);
    symlinkSync(`../../../blobs/${'e'.repeat(64)}`, path.join(repoDir, 'snapshots', COMMIT, 'onnx', 'model.onnx'));
    symlinkSync('../../blobs/gone', path.join(repoDir, 'snapshots', COMMIT, 'tokenizer.json'));
    mkdirSync(path.join(repoDir, '.no_exist', COMMIT), { recursive: true });
    writeFileSync(path.join(repoDir, '.no_exist', COMMIT, 'modules.json'), '');
  }

  it('hub-cache names repo folders like huggingface_hub', () => {
    assert.equal(repoFolderName('sentence-transformers/all-MiniLM-L6-v2'), 'models--sentence-transformers--all-MiniLM-L6-v2');
    assert.equal(repoDir, path.join(cacheDir, 'models--sentence-transformers--all-MiniLM-L6-v2'));
  });

  it('hub-cache finds files huggingface_hub cached, by ref or by commit, without any network', async () => {
    fillLikeHuggingfaceHub();
    const model = path.join(repoDir, 'snapshots', COMMIT, 'onnx', 'model.onnx');
    assert.deepEqual(await lookupCachedFile(repoDir, 'main', 'onnx/model.onnx'), { status: 'hit', commit: COMMIT, path: model });
    assert.deepEqual(await lookupCachedFile(repoDir, 'refs/pr/1', 'onnx/model.onnx'), { status: 'hit', commit: COMMIT, path: model });
    assert.deepEqual(await lookupCachedFile(repoDir, COMMIT, 'onnx/model.onnx'), { status: 'hit', commit: COMMIT, path: model });
    assert.deepEqual(await lookupCachedFile(repoDir, 'main', 'modules.json'), { status: 'absent', commit: COMMIT });
    assert.deepEqual(await lookupCachedFile(repoDir, 'main', 'tokenizer.json'), { status: 'miss', commit: COMMIT }, 'a dangling symlink is a miss');
    assert.deepEqual(await lookupCachedFile(repoDir, 'v2', 'onnx/model.onnx'), { status: 'miss', commit: undefined });
  });

  it('hub-cache removes a snapshot link that leads outside the repo folder, never its target', async () => {
    const outside = mkdtempSync(path.join(os.tmpdir(), 'negmine-hub-outside-'));
    try {
      const victim = path.join(outside, 'victim.onnx');
      writeFileSync(victim, 'precious');
      const pointer = path.join(repoDir, 'snapshots', COMMIT, 'onnx', 'model.onnx');
      mkdirSync(path.dirname(pointer), { recursive: true });
      symlinkSync(victim, pointer);
      assert.deepEqual(await lookupCachedFile(repoDir, COMMIT, 'onnx/model.onnx'), { status: 'miss', commit: COMMIT, removed: { link: pointer, target: realpathSync(victim) } });
      assert.equal(existsSync(pointer), false);
      assert.equal(readFileSync(victim, 'utf8'), 'precious');

      // A snapshot folder that leads outside: nothing is removed through it, the lookup fails naming it.
      rmSync(path.join(repoDir, 'snapshots', COMMIT), { recursive: true });
      symlinkSync(outside, path.join(repoDir, 'snapshots', COMMIT));
      writeFileSync(path.join(outside, 'tokenizer.json'), '{}');
      symlinkSync(victim, path.join(outside, 'config.json'));
      for (const file of ['tokenizer.json', 'config.json']) {
        await assert.rejects(lookupCachedFile(repoDir, COMMIT, file), (error: unknown) => {
          assert.ok(error instanceof NegmineError);
          assert.equal(error.code, 'E_MODEL_LOAD');
          assert.equal(error.message, `Refusing to use the Hugging Face cache at ${repoDir}: ${path.join(repoDir, 'snapshots', COMMIT)} leads to ${realpathSync(outside)}, outside the repo's cache folder (a symlink planted or left by another tool): remove that link and run again`);
          return true;
        });
      }
      assert.ok(lstatSync(path.join(outside, 'config.json')).isSymbolicLink());
      assert.equal(readFileSync(path.join(outside, 'tokenizer.json'), 'utf8'), '{}');
    } finally {
      rmSync(outside, { recursive: true, force: true });
    }
  });

  it('hub-cache links snapshot files to blobs with relative symlinks', async () => {
    mkdirSync(path.join(repoDir, 'blobs'), { recursive: true });
    writeFileSync(path.join(repoDir, 'blobs', 'abc'), 'x');
    const pointer = await linkSnapshotFile(repoDir, COMMIT, '1_Pooling/deep/config.json', 'abc');
    assert.equal(pointer, path.join(repoDir, 'snapshots', COMMIT, '1_Pooling', 'deep', 'config.json'));
    assert.deepEqual(await lookupCachedFile(repoDir, COMMIT, '1_Pooling/deep/config.json'), { status: 'hit', commit: COMMIT, path: pointer });
    // Linking again (a re-download) replaces the link instead of failing.
    await linkSnapshotFile(repoDir, COMMIT, '1_Pooling/deep/config.json', 'abc');
  });

  it('hub-cache lock serializes writers of one blob', async () => {
    const events: string[] = [];
    const task = (name: string) => async (): Promise<void> => {
      events.push(`${name} start`);
      await sleep(30);
      events.push(`${name} end`);
    };
    await Promise.all([withBlobLock(repoDir, 'abc', task('a')), withBlobLock(repoDir, 'abc', task('b'))]);
    // Either writer may take the lock first; the other must not start until the first has ended.
    const first = events[0]?.split(' ')[0] === 'b' ? 'b' : 'a';
    const second = first === 'a' ? 'b' : 'a';
    assert.deepEqual(events, [`${first} start`, `${first} end`, `${second} start`, `${second} end`]);
    assert.equal(existsSync(path.join(repoDir, 'blobs', 'abc.lock')), false);
  });

  it('hub-cache lock waits for a live holder and takes over the lock of a dead one', async () => {
    const lock = path.join(repoDir, 'blobs', 'abc.lock');
    mkdirSync(path.dirname(lock), { recursive: true });
    writeFileSync(lock, `${os.hostname()} ${process.ppid}\n`);
    let ran = false;
    const waiting = withBlobLock(repoDir, 'abc', () => {
      ran = true;
      return Promise.resolve();
    });
    await sleep(150);
    assert.equal(ran, false, 'a live process holds the lock');
    rmSync(lock);
    await waiting;
    assert.equal(ran, true);

    const deadPid = spawnSync(process.execPath, ['-e', '']).pid;
    writeFileSync(lock, `${os.hostname()} ${deadPid}\n`);
    assert.equal(await withBlobLock(repoDir, 'abc', () => Promise.resolve('taken over')), 'taken over');
  });
});
