import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { REPO_ROOT, logEvents, plainStderr, runCli, type RunResult } from '../helpers/cli.ts';
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

const CORPUS = path.join(REPO_ROOT, 'fixtures', 'data', 'corpus.jsonl');
const SECRET = 'pa55-w0rd-s3cret';

interface FailureCase {
  name: string;
  env: NodeJS.ProcessEnv;
  model?: string;
  args?: string[];
  code: string;
  exitCode: number;
}

/** The error a user sees: the exit status, the code in the JSON error event, the plain line. */
function errorOf(result: RunResult): { exitCode: number | null; code: unknown; line: string } {
  const event = logEvents(result).find((entry) => entry.event === 'error');
  return { exitCode: result.code, code: event?.code, line: plainStderr(result).trim() };
}

describe('hub model', () => {
  let hub: FakeHub;
  let deadEndpoint: string;
  before(async () => {
    const encoder = { refs: { main: COMMIT }, commits: { [COMMIT]: repoFiles() } };
    hub = await startFakeHub({
      'acme/mini-encoder': encoder,
      'acme/mirrored': { ...encoder, basicAuth: `mirror-user:${SECRET}` },
      'acme/down': { ...encoder, status: 500 },
      'acme/unavailable': { ...encoder, status: 503 },
      'acme/busy': { ...encoder, status: 429 },
      'acme/forbidden': { ...encoder, status: 403 },
      'acme/odd-redirect': { ...encoder, redirectTo: 'file:///etc/passwd' },
    });
    const closed = await startFakeHub({});
    deadEndpoint = closed.url;
    await closed.close();
  });
  after(async () => {
    await hub.close();
  });

  async function expectFailures(cases: FailureCase[]): Promise<void> {
    const dir = tempDir();
    const results = await Promise.all(
      cases.map((entry, index) =>
        runCli(['embed', '--model', entry.model ?? 'acme/mini-encoder', '--device', 'cpu', '--corpus', CORPUS, '-o', path.join(dir, `${index}.npy`), ...(entry.args ?? [])], {
          env: { HF_HOME: path.join(dir, `hf-${index}`), HF_HUB_OFFLINE: '', HF_TOKEN: '', ...entry.env },
        }),
      ),
    );
    cases.forEach((entry, index) => {
      const result = results[index];
      assert.ok(result !== undefined);
      const seen = errorOf(result);
      assert.deepEqual({ exitCode: seen.exitCode, code: seen.code }, { exitCode: entry.exitCode, code: entry.code }, `${entry.name}: ${result.stderr}`);
      assert.match(seen.line, /^negmine: error: \S/, entry.name);
      assert.ok(!result.stderr.includes('    at '), `${entry.name}: no stack trace`);
      assert.equal(existsSync(path.join(dir, `${index}.npy`)), false, `${entry.name}: no output`);
    });
  }

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

  it('hub model reports network outages, server errors and truncated downloads as retryable E_NETWORK, 429 as E_RATE_LIMIT (exit 75)', async () => {
    const stalled = await startFakeHub({});
    stalled.stallMetadata = true;
    const cut = await startFakeHub({ 'acme/mini-encoder': { refs: { main: COMMIT }, commits: { [COMMIT]: repoFiles() } } });
    cut.cutAfterBytes = 2_000;
    try {
      await expectFailures([
        { name: 'connection refused', env: { HF_ENDPOINT: deadEndpoint }, code: 'E_NETWORK', exitCode: 75 },
        { name: 'DNS failure', env: { HF_ENDPOINT: 'http://negmine-no-such-host.invalid' }, code: 'E_NETWORK', exitCode: 75 },
        { name: 'timeout', env: { HF_ENDPOINT: stalled.url, HF_HUB_ETAG_TIMEOUT: '0.3' }, code: 'E_NETWORK', exitCode: 75 },
        { name: 'HTTP 500', env: { HF_ENDPOINT: hub.url }, model: 'acme/down', code: 'E_NETWORK', exitCode: 75 },
        { name: 'HTTP 503', env: { HF_ENDPOINT: hub.url }, model: 'acme/unavailable', code: 'E_NETWORK', exitCode: 75 },
        { name: 'truncated download', env: { HF_ENDPOINT: cut.url }, code: 'E_NETWORK', exitCode: 75 },
        { name: 'HTTP 429', env: { HF_ENDPOINT: hub.url }, model: 'acme/busy', code: 'E_RATE_LIMIT', exitCode: 75 },
      ]);
    } finally {
      await Promise.all([stalled.close(), cut.close()]);
    }
  });

  it('hub model reports refused, missing and uncached models as E_MODEL_LOAD (exit 1) and an unwritable cache as E_IO (exit 75)', async () => {
    const dir = tempDir();
    const blocked = path.join(dir, 'blocked');
    writeFileSync(blocked, 'a file where the cache folder belongs');
    await expectFailures([
      { name: 'HTTP 401', env: { HF_ENDPOINT: hub.url }, model: 'acme/mirrored', code: 'E_MODEL_LOAD', exitCode: 1 },
      { name: 'HTTP 403', env: { HF_ENDPOINT: hub.url }, model: 'acme/forbidden', code: 'E_MODEL_LOAD', exitCode: 1 },
      { name: 'HTTP 404', env: { HF_ENDPOINT: hub.url }, model: 'acme/nope', code: 'E_MODEL_LOAD', exitCode: 1 },
      { name: 'EntryNotFound', env: { HF_ENDPOINT: hub.url }, args: ['--model-file', 'onnx/model_O9.onnx'], code: 'E_MODEL_LOAD', exitCode: 1 },
      { name: 'offline without cache', env: { HF_ENDPOINT: hub.url, HF_HUB_OFFLINE: '1' }, code: 'E_MODEL_LOAD', exitCode: 1 },
      { name: 'bad redirect', env: { HF_ENDPOINT: hub.url }, model: 'acme/odd-redirect', code: 'E_MODEL_LOAD', exitCode: 1 },
      { name: 'cache not writable', env: { HF_ENDPOINT: hub.url, HF_HUB_CACHE: path.join(blocked, 'hub') }, code: 'E_IO', exitCode: 75 },
    ]);
  });

  it('hub model sends HF_ENDPOINT credentials as Basic auth and never shows them on stderr', async () => {
    const dir = tempDir();
    const withSecret = (url: string): string => url.replace('http://', `http://mirror-user:${SECRET}@`);
    const run = (endpoint: string, model: string, name: string): Promise<RunResult> =>
      runCli(['--verbose', 'embed', '--model', model, '--device', 'cpu', '--corpus', CORPUS, '-o', path.join(dir, `${name}.npy`)], {
        env: { HF_ENDPOINT: endpoint, HF_HOME: path.join(dir, `hf-${name}`), HF_HUB_OFFLINE: '', HF_TOKEN: '' },
      });
    const [refused, denied, down, redirected, ok] = await Promise.all([
      run(withSecret(deadEndpoint), 'acme/mirrored', 'refused'),
      run(hub.url.replace('http://', 'http://mirror-user:wrong-but-secret@'), 'acme/mirrored', 'denied'),
      run(withSecret(hub.url), 'acme/down', 'down'),
      run(withSecret(hub.url), 'acme/odd-redirect', 'redirected'),
      run(withSecret(hub.url), 'acme/mirrored', 'ok'),
    ]);
    assert.deepEqual([refused, denied, down, redirected].map((result) => [result.code, errorOf(result).code]), [
      [75, 'E_NETWORK'],
      [1, 'E_MODEL_LOAD'],
      [75, 'E_NETWORK'],
      [1, 'E_MODEL_LOAD'],
    ]);
    assert.match(plainStderr(refused), /negmine: error: Cannot reach http:\/\/127\.0\.0\.1:\d+ for acme\/mirrored \(/);
    assert.match(plainStderr(denied), /the user and password in HF_ENDPOINT were refused/);
    assert.equal(ok.code, 0, ok.stderr);
    for (const result of [refused, denied, down, redirected, ok]) {
      assert.ok(!result.stderr.includes(SECRET) && !result.stderr.includes('wrong-but-secret') && !result.stderr.includes('mirror-user'), result.stderr);
    }
    const basic = `Basic ${Buffer.from(`mirror-user:${SECRET}`).toString('base64')}`;
    const mirrored = hub.requests.filter((request) => request.url.startsWith('/acme/mirrored/') || request.url.startsWith('/cdn/'));
    assert.ok(mirrored.some((request) => request.server === 'hub' && request.headers.authorization === basic));
    assert.ok(mirrored.filter((request) => request.server === 'cdn').every((request) => request.headers.authorization === undefined), 'the CDN never gets them');
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
