import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { REPO_ROOT, runCli } from '../helpers/cli.ts';
import { startFakeHub, type FakeFile, type FakeHub } from '../helpers/fake-hub.ts';
import { tempDir } from '../helpers/temp.ts';

const MODEL_DIR = path.join(REPO_ROOT, 'fixtures', 'models', 'bi-encoder');
const COMMIT = 'a'.repeat(40);

function repoFiles(): Record<string, FakeFile> {
  const files: Record<string, FakeFile> = {};
  for (const name of ['tokenizer.json', 'modules.json', 'config.json', 'sentence_bert_config.json', 'tokenizer_config.json', '1_Pooling/config.json']) {
    files[name] = { content: readFileSync(path.join(MODEL_DIR, name)) };
  }
  files['onnx/model.onnx'] = { content: readFileSync(path.join(MODEL_DIR, 'onnx', 'model.onnx')), lfs: 'absolute' };
  return files;
}

describe('hub model', () => {
  let hub: FakeHub;
  before(async () => {
    hub = await startFakeHub({ 'acme/mini-encoder': { refs: { main: COMMIT }, commits: { [COMMIT]: repoFiles() } } });
  });
  after(async () => {
    await hub.close();
  });

  it('hub model downloads a Hub id into the HF cache, embeds with it, then works offline from the cache', async () => {
    const dir = tempDir();
    const env = { HF_ENDPOINT: hub.url, HF_HOME: path.join(dir, 'hf'), HF_HUB_OFFLINE: '' };
    const args = ['--quiet', 'embed', '--model', 'acme/mini-encoder', '--device', 'cpu', '--corpus', path.join(REPO_ROOT, 'fixtures', 'data', 'corpus.jsonl')];
    const online = await runCli([...args, '-o', path.join(dir, 'a.npy')], { env });
    assert.equal(online.code, 0, online.stderr);
    const snapshot = path.join(dir, 'hf', 'hub', 'models--acme--mini-encoder', 'snapshots', COMMIT);
    assert.ok(existsSync(path.join(snapshot, 'onnx', 'model.onnx')));
    assert.ok(readdirSync(path.join(dir, 'hf', 'hub', 'models--acme--mini-encoder', 'blobs')).length >= 6);
    const requestsBefore = hub.requests.length;
    const offline = await runCli([...args, '-o', path.join(dir, 'b.npy')], { env: { ...env, HF_HUB_OFFLINE: '1' } });
    assert.equal(offline.code, 0, offline.stderr);
    assert.equal(hub.requests.length, requestsBefore, 'offline run made no request');
    assert.deepEqual(readFileSync(path.join(dir, 'b.npy')), readFileSync(path.join(dir, 'a.npy')));
  });

  it('hub model reports a missing repo and an offline cache miss in one line each', async () => {
    const dir = tempDir();
    const base = ['embed', '--device', 'cpu', '--corpus', path.join(REPO_ROOT, 'fixtures', 'data', 'corpus.jsonl'), '-o', path.join(dir, 'x.npy')];
    const missing = await runCli([...base, '--model', 'acme/nope'], { env: { HF_ENDPOINT: hub.url, HF_HOME: path.join(dir, 'hf') } });
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /negmine: error: Model acme\/nope (not found on|on) .*/);
    const offline = await runCli([...base, '--model', 'acme/mini-encoder'], { env: { HF_ENDPOINT: hub.url, HF_HOME: path.join(dir, 'empty'), HF_HUB_OFFLINE: '1' } });
    assert.equal(offline.code, 1);
    assert.match(offline.stderr, /^negmine: error: HF_HUB_OFFLINE=1 and acme\/mini-encoder has no tokenizer\.json in the cache at .*: run once online or unset HF_HUB_OFFLINE$/m);
    assert.equal(existsSync(path.join(dir, 'x.npy')), false);
  });
});
