import assert from 'node:assert/strict';
import { existsSync, linkSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, afterEach, before, beforeEach, describe, it } from 'node:test';
import { PassThrough } from 'node:stream';
import { NegmineError, type ErrorCode } from '../../../src/core/errors.ts';
import { createStreamLogger } from '../../../src/core/logger.ts';
import { downloadHubFiles, type HubDownloadProgress, type HubFileRequest } from '../../../src/io/hub/hub-download.ts';
import type { HubSettings } from '../../../src/io/hub/hub-settings.ts';
import { parseModelId } from '../../../src/io/hub/model-id.ts';
import { gitBlobSha1, sha256Hex, startFakeHub, type FakeHub, type FakeRepo } from '../../helpers/fake-hub.ts';

const COMMIT_A = 'a'.repeat(40);
const COMMIT_B = 'b'.repeat(40);
const COMMIT_C = 'c'.repeat(40);
const TOKENIZER = '{"model":{"type":"WordPiece"}}';
const MODEL = Buffer.from(Array.from({ length: 200_000 }, (_, index) => (index * 7 + 3) % 251));
const QUANTIZED = Buffer.from(Array.from({ length: 5_000 }, (_, index) => index % 13));
const MODEL_SHA = sha256Hex(MODEL);
const CORRUPTED = Buffer.from(MODEL).reverse();
const TOKENIZER_ETAG = gitBlobSha1(TOKENIZER);
const FILES: HubFileRequest[] = [{ path: 'tokenizer.json' }, { path: 'onnx/model.onnx' }];

function miniRepo(): FakeRepo {
  return {
    refs: { main: COMMIT_A, v1: COMMIT_B },
    commits: {
      [COMMIT_A]: {
        'tokenizer.json': { content: TOKENIZER },
        'onnx/model.onnx': { content: MODEL, lfs: 'absolute' },
        'onnx/model_quantized.onnx': { content: QUANTIZED, lfs: 'relative' },
      },
      [COMMIT_B]: { 'tokenizer.json': { content: '{"v":1}' } },
    },
  };
}

function repos(): Record<string, FakeRepo> {
  return {
    'acme/mini': miniRepo(),
    'acme/private': { refs: { main: COMMIT_A }, token: 'hf_secret', commits: { [COMMIT_A]: { 'tokenizer.json': { content: TOKENIZER }, 'onnx/model.onnx': { content: MODEL, lfs: 'absolute' } } } },
    'acme/corrupt': { refs: { main: COMMIT_A }, commits: { [COMMIT_A]: { 'onnx/model.onnx': { content: CORRUPTED, lfs: 'absolute', corruptWith: MODEL } } } },
  };
}

async function rejection(promise: Promise<unknown>, code: ErrorCode = 'E_MODEL_LOAD'): Promise<NegmineError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof NegmineError, String(error));
    assert.equal(error.code, code, error.message);
    assert.ok(!error.message.includes('\n    at '), 'no stack trace in the message');
    return error;
  }
  assert.fail('expected a rejection');
}

describe('hub-download', () => {
  let hub: FakeHub;
  let cacheDir: string;
  const repoDir = (repoId = 'acme/mini'): string => path.join(cacheDir, `models--${repoId.replace('/', '--')}`);
  const settings = (overrides: Partial<HubSettings> = {}): HubSettings => ({
    endpoint: hub.url,
    endpointBasicAuth: undefined,
    token: undefined,
    hfHome: cacheDir,
    cacheDir,
    offline: false,
    metadataTimeoutMs: 5000,
    downloadTimeoutMs: 5000,
    ...overrides,
  });
  const count = (method?: string): number => hub.requests.filter((request) => method === undefined || request.method === method).length;

  before(async () => {
    hub = await startFakeHub(repos(), { 'old-acme/mini': 'acme/mini' });
  });
  after(async () => {
    await hub.close();
  });
  beforeEach(() => {
    cacheDir = mkdtempSync(path.join(os.tmpdir(), 'negmine-hub-'));
    hub.repos = repos();
    hub.requests.length = 0;
    hub.rangeSupport = true;
    hub.cutAfterBytes = undefined;
    hub.stallAfterBytes = undefined;
    hub.stallMetadata = false;
    hub.extraBytes = undefined;
    outside = mkdtempSync(path.join(os.tmpdir(), 'negmine-hub-outside-'));
  });
  afterEach(() => {
    rmSync(cacheDir, { recursive: true, force: true });
    rmSync(outside, { recursive: true, force: true });
  });
  // A folder outside the cache holding files a planted link points at.
  let outside: string;
  const victim = (name = 'victim.txt'): string => {
    const file = path.join(outside, name);
    writeFileSync(file, 'precious bytes');
    return file;
  };

  it('hub-download fetches files into the huggingface_hub cache layout', async () => {
    const result = await downloadHubFiles({ repoId: 'acme/mini', revision: 'main', files: FILES }, settings());
    const snapshotDir = path.join(repoDir(), 'snapshots', COMMIT_A);
    assert.equal(result.commit, COMMIT_A);
    assert.equal(result.snapshotDir, snapshotDir);
    assert.deepEqual(result.files, { 'tokenizer.json': path.join(snapshotDir, 'tokenizer.json'), 'onnx/model.onnx': path.join(snapshotDir, 'onnx', 'model.onnx') });
    assert.equal(readFileSync(path.join(repoDir(), 'refs', 'main'), 'utf8'), COMMIT_A);
    assert.deepEqual(readdirSync(path.join(repoDir(), 'blobs')).sort(), [MODEL_SHA, TOKENIZER_ETAG].sort());
    assert.ok(lstatSync(path.join(snapshotDir, 'tokenizer.json')).isSymbolicLink());
    assert.equal(readlinkSync(path.join(snapshotDir, 'tokenizer.json')), `../../blobs/${TOKENIZER_ETAG}`);
    assert.equal(readlinkSync(path.join(snapshotDir, 'onnx', 'model.onnx')), `../../../blobs/${MODEL_SHA}`);
    assert.equal(readFileSync(path.join(snapshotDir, 'tokenizer.json'), 'utf8'), TOKENIZER);
    assert.deepEqual(readFileSync(path.join(snapshotDir, 'onnx', 'model.onnx')), MODEL);
    // Sizes are checked against Content-Length, so nothing may arrive compressed.
    assert.ok(hub.requests.every((request) => request.headers['accept-encoding'] === 'identity'));
    // The LFS file came from the CDN origin, via the 302's absolute Location.
    assert.equal(hub.requests.filter((request) => request.server === 'cdn' && request.method === 'GET').length, 1);
  });

  it('hub-download follows a relative CDN redirect and reports progress', async () => {
    const events: HubDownloadProgress[] = [];
    const result = await downloadHubFiles({ repoId: 'acme/mini', revision: 'main', files: [{ path: 'onnx/model_quantized.onnx' }] }, settings(), {
      onProgress: (event) => events.push(event),
    });
    assert.deepEqual(readFileSync(result.files['onnx/model_quantized.onnx'] ?? ''), QUANTIZED);
    assert.ok(hub.requests.some((request) => request.server === 'hub' && request.url === `/cdn/${sha256Hex(QUANTIZED)}`));
    assert.deepEqual(events.at(0), { path: 'onnx/model_quantized.onnx', receivedBytes: 0, totalBytes: QUANTIZED.length });
    assert.deepEqual(events.at(-1), { path: 'onnx/model_quantized.onnx', receivedBytes: QUANTIZED.length, totalBytes: QUANTIZED.length });
  });

  it('hub-download reuses cached files: one HEAD online at a branch, no request offline or at a commit', async () => {
    await downloadHubFiles({ repoId: 'acme/mini', revision: 'main', files: FILES }, settings());
    hub.requests.length = 0;
    const online = await downloadHubFiles({ repoId: 'acme/mini', revision: 'main', files: FILES }, settings());
    assert.equal(count('HEAD'), 1, 'one HEAD tells the commit; the rest of that commit is in the cache');
    assert.equal(count('GET'), 0);
    hub.requests.length = 0;
    const offline = await downloadHubFiles({ repoId: 'acme/mini', revision: 'main', files: FILES }, settings({ offline: true }));
    const pinned = await downloadHubFiles({ repoId: 'acme/mini', revision: COMMIT_A, files: FILES }, settings());
    assert.equal(count(), 0);
    assert.deepEqual(offline, online);
    assert.deepEqual(pinned, online);
  });

  it('hub-download fetches only what changed when a branch moves', async () => {
    await downloadHubFiles({ repoId: 'acme/mini', revision: 'main', files: FILES }, settings());
    const repo = hub.repos['acme/mini'];
    assert.ok(repo !== undefined);
    repo.refs['main'] = COMMIT_C;
    repo.commits[COMMIT_C] = { 'tokenizer.json': { content: '{"new":true}' }, 'onnx/model.onnx': { content: MODEL, lfs: 'absolute' } };
    hub.requests.length = 0;
    const result = await downloadHubFiles({ repoId: 'acme/mini', revision: 'main', files: FILES }, settings());
    assert.equal(result.commit, COMMIT_C);
    assert.equal(readFileSync(path.join(repoDir(), 'refs', 'main'), 'utf8'), COMMIT_C);
    assert.equal(readFileSync(result.files['tokenizer.json'] ?? '', 'utf8'), '{"new":true}');
    assert.equal(count('GET'), 1, 'the model blob is shared with the old commit');
    // Files after the first are asked for at the resolved commit, so all come from one commit.
    assert.ok(hub.requests.some((request) => request.url === `/acme/mini/resolve/${COMMIT_C}/onnx/model.onnx`));
  });

  it('hub-download serves HF_HUB_OFFLINE from the cache and names the way out on a miss', async () => {
    const missing = await rejection(downloadHubFiles({ repoId: 'acme/mini', revision: 'main', files: FILES }, settings({ offline: true })));
    assert.equal(
      missing.message,
      `HF_HUB_OFFLINE=1 and acme/mini has no tokenizer.json in the cache at ${repoDir()}: run once online or unset HF_HUB_OFFLINE`,
    );
    await downloadHubFiles({ repoId: 'acme/mini', revision: 'main', files: [{ path: 'tokenizer.json' }] }, settings());
    const hit = await downloadHubFiles({ repoId: 'acme/mini', revision: 'main', files: [{ path: 'tokenizer.json' }] }, settings({ offline: true }));
    assert.equal(readFileSync(hit.files['tokenizer.json'] ?? '', 'utf8'), TOKENIZER);
    hub.requests.length = 0;
    const partial = await rejection(downloadHubFiles({ repoId: 'acme/mini', revision: 'main', files: FILES }, settings({ offline: true })));
    assert.match(partial.message, /^HF_HUB_OFFLINE=1 and acme\/mini has no onnx\/model\.onnx in the cache at /);
    assert.equal(count(), 0);
  });

  it('hub-download sends HF_TOKEN to the Hub only, and explains 401', async () => {
    const files = FILES;
    const denied = await rejection(downloadHubFiles({ repoId: 'acme/private', revision: 'main', files }, settings()));
    assert.match(denied.message, /^Model acme\/private on http:\/\/127\.0\.0\.1:\d+ is private or gated \(HTTP 401, or it does not exist\): set HF_TOKEN to a token that can read it/);
    const refused = await rejection(downloadHubFiles({ repoId: 'acme/private', revision: 'main', files }, settings({ token: 'hf_wrong' })));
    assert.match(refused.message, /HF_TOKEN was refused/);
    hub.requests.length = 0;
    const result = await downloadHubFiles({ repoId: 'acme/private', revision: 'main', files }, settings({ token: 'hf_secret' }));
    assert.deepEqual(readFileSync(result.files['onnx/model.onnx'] ?? ''), MODEL);
    for (const request of hub.requests) {
      assert.equal(request.headers.authorization, request.server === 'hub' ? 'Bearer hf_secret' : undefined, `${request.server} ${request.url}`);
    }
    assert.ok(hub.requests.some((request) => request.server === 'cdn'));
  });

  it('hub-download tells a missing repo or revision from a missing file, and returns null for a missing optional file', async () => {
    const noRepo = await rejection(downloadHubFiles({ repoId: 'acme/nothing', revision: 'main', files: FILES }, settings()));
    assert.equal(noRepo.message, `Model acme/nothing not found on ${hub.url}: check the id and revision`);
    const noRevision = await rejection(downloadHubFiles({ repoId: 'acme/mini', revision: 'v9', files: FILES }, settings()));
    assert.equal(noRevision.message, `Model acme/mini@v9 not found on ${hub.url}: check the id and revision`);
    const noFile = await rejection(downloadHubFiles({ repoId: 'acme/mini', revision: 'main', files: [{ path: 'onnx/model_O4.onnx' }] }, settings()));
    assert.equal(noFile.message, 'Model acme/mini has no onnx/model_O4.onnx: check the file name, or pick a model or revision that has it');

    const optional = [{ path: 'tokenizer.json' }, { path: 'modules.json', optional: true }];
    const result = await downloadHubFiles({ repoId: 'acme/mini', revision: 'main', files: optional }, settings());
    assert.equal(result.files['modules.json'], null);
    assert.ok(existsSync(path.join(repoDir(), '.no_exist', COMMIT_A, 'modules.json')), 'absence recorded like huggingface_hub');
    hub.requests.length = 0;
    const offline = await downloadHubFiles({ repoId: 'acme/mini', revision: 'main', files: optional }, settings({ offline: true }));
    assert.deepEqual(offline, result);
    assert.equal(count(), 0);
  });

  it('hub-download resumes a partial .incomplete with Range', async () => {
    const blobs = path.join(repoDir(), 'blobs');
    mkdirSync(blobs, { recursive: true });
    writeFileSync(path.join(blobs, `${MODEL_SHA}.incomplete`), MODEL.subarray(0, 120_000));
    const events: HubDownloadProgress[] = [];
    const result = await downloadHubFiles({ repoId: 'acme/mini', revision: 'main', files: [{ path: 'onnx/model.onnx' }] }, settings(), { onProgress: (event) => events.push(event) });
    assert.deepEqual(readFileSync(result.files['onnx/model.onnx'] ?? ''), MODEL);
    const get = hub.requests.find((request) => request.method === 'GET');
    assert.equal(get?.headers.range, 'bytes=120000-');
    assert.equal(events.at(0)?.receivedBytes, 120_000);
    assert.deepEqual(readdirSync(blobs), [MODEL_SHA]);
  });

  it('hub-download starts over when the server ignores Range', async () => {
    hub.rangeSupport = false;
    const blobs = path.join(repoDir(), 'blobs');
    mkdirSync(blobs, { recursive: true });
    // Bytes that would fail the sha256 check if they were kept.
    writeFileSync(path.join(blobs, `${MODEL_SHA}.incomplete`), Buffer.alloc(50_000, 9));
    const result = await downloadHubFiles({ repoId: 'acme/mini', revision: 'main', files: [{ path: 'onnx/model.onnx' }] }, settings());
    assert.deepEqual(readFileSync(result.files['onnx/model.onnx'] ?? ''), MODEL);
    assert.equal(hub.requests.filter((request) => request.method === 'GET').length, 1);
  });

  it('hub-download keeps an interrupted download and resumes it on the next run', async () => {
    hub.cutAfterBytes = 64_000;
    const interrupted = await rejection(downloadHubFiles({ repoId: 'acme/mini', revision: 'main', files: [{ path: 'onnx/model.onnx' }] }, settings()), 'E_NETWORK');
    assert.match(interrupted.message, /^Download of onnx\/model\.onnx from acme\/mini stopped after \d+ of 200000 bytes \(.+\): run again to resume$/);
    const incomplete = path.join(repoDir(), 'blobs', `${MODEL_SHA}.incomplete`);
    const kept = readFileSync(incomplete).length;
    assert.ok(kept > 0 && kept <= 64_000, String(kept));
    assert.deepEqual(readFileSync(incomplete), MODEL.subarray(0, kept));
    hub.cutAfterBytes = undefined;
    hub.requests.length = 0;
    const result = await downloadHubFiles({ repoId: 'acme/mini', revision: 'main', files: [{ path: 'onnx/model.onnx' }] }, settings());
    assert.deepEqual(readFileSync(result.files['onnx/model.onnx'] ?? ''), MODEL);
    assert.equal(hub.requests.find((request) => request.method === 'GET')?.headers.range, `bytes=${kept}-`);
  });

  it('hub-download rejects a sha256 mismatch and leaves no blob behind', async () => {
    const error = await rejection(downloadHubFiles({ repoId: 'acme/corrupt', revision: 'main', files: [{ path: 'onnx/model.onnx' }] }, settings()), 'E_NETWORK');
    assert.equal(
      error.message,
      `Download of onnx/model.onnx from acme/corrupt has sha256 ${MODEL_SHA} but the Hub announced ${sha256Hex(CORRUPTED)}: it was corrupted on the way; run again to download it afresh`,
    );
    assert.deepEqual(readdirSync(path.join(repoDir('acme/corrupt'), 'blobs')), []);
    assert.equal(existsSync(path.join(repoDir('acme/corrupt'), 'snapshots', COMMIT_A, 'onnx', 'model.onnx')), false);
  });

  it('hub-download takes model ids with a tag or a commit hash', async () => {
    const tagged = await downloadHubFiles({ ...parseModelId('acme/mini@v1'), files: [{ path: 'tokenizer.json' }] }, settings());
    assert.equal(tagged.commit, COMMIT_B);
    assert.equal(readFileSync(path.join(repoDir(), 'refs', 'v1'), 'utf8'), COMMIT_B);
    assert.equal(readFileSync(tagged.files['tokenizer.json'] ?? '', 'utf8'), '{"v":1}');
    const pinned = await downloadHubFiles({ ...parseModelId(`acme/mini@${COMMIT_A}`), files: [{ path: 'tokenizer.json' }] }, settings());
    assert.equal(pinned.commit, COMMIT_A);
    assert.deepEqual(readdirSync(path.join(repoDir(), 'refs')), ['v1'], 'a commit needs no ref');
    assert.ok(hub.requests.some((request) => request.url === `/acme/mini/resolve/${COMMIT_A}/tokenizer.json`));
  });

  it('hub-download follows the relative redirect of a renamed repo and caches under the requested id', async () => {
    const result = await downloadHubFiles({ repoId: 'old-acme/mini', revision: 'main', files: FILES }, settings());
    assert.equal(result.snapshotDir, path.join(repoDir('old-acme/mini'), 'snapshots', COMMIT_A));
    assert.deepEqual(readFileSync(result.files['onnx/model.onnx'] ?? ''), MODEL);
  });

  it('hub-download falls back on the cache when the Hub is unreachable, and says what to do when it cannot', async () => {
    const closed = await startFakeHub({});
    const deadEndpoint = closed.url;
    await closed.close();
    const error = await rejection(downloadHubFiles({ repoId: 'acme/mini', revision: 'main', files: FILES }, settings({ endpoint: deadEndpoint })), 'E_NETWORK');
    assert.match(error.message, /^Cannot reach http:\/\/127\.0\.0\.1:\d+ for acme\/mini \(.*ECONNREFUSED.*\) and tokenizer\.json is not in the cache at .+: check the network, set HF_ENDPOINT to a reachable mirror, or pre-fill the cache \(then set HF_HUB_OFFLINE=1\)$/);
    const online = await downloadHubFiles({ repoId: 'acme/mini', revision: 'main', files: FILES }, settings());
    const logStream = new PassThrough();
    const log = createStreamLogger('info', logStream);
    const fallback = await downloadHubFiles({ repoId: 'acme/mini', revision: 'main', files: FILES }, settings({ endpoint: deadEndpoint }), { log });
    assert.deepEqual(fallback, online);
    const events = String(logStream.read()).trim().split('\n').map((line) => JSON.parse(line) as { event: string; level: number; stage: string });
    assert.deepEqual(events.map((event) => [event.event, event.level, event.stage]), [['hub.unavailable', 40, 'hub']], 'one warning, then the cache answers');
  });

  it('hub-download gives up on a silent Hub after the metadata timeout and on a stalled download after the download timeout', async () => {
    hub.stallMetadata = true;
    const silent = await rejection(downloadHubFiles({ repoId: 'acme/mini', revision: 'main', files: FILES }, settings({ metadataTimeoutMs: 300 })), 'E_NETWORK');
    assert.match(silent.message, /^Cannot reach http:\/\/127\.0\.0\.1:\d+ for acme\/mini \(no answer for 0\.3 s\) and tokenizer\.json is not in the cache/);
    hub.stallMetadata = false;
    hub.stallAfterBytes = 10_000;
    const stalled = await rejection(downloadHubFiles({ repoId: 'acme/mini', revision: 'main', files: FILES }, settings({ downloadTimeoutMs: 300 })), 'E_NETWORK');
    assert.match(stalled.message, /^Download of onnx\/model\.onnx from acme\/mini stopped after 10000 of 200000 bytes \(no answer for 0\.3 s\): run again to resume$/);
  });

  it('hub-download passes the caller\'s abort through unchanged', async () => {
    hub.stallMetadata = true;
    const controller = new AbortController();
    const reason = new Error('interrupted by SIGINT');
    setTimeout(() => {
      controller.abort(reason);
    }, 20);
    await assert.rejects(downloadHubFiles({ repoId: 'acme/mini', revision: 'main', files: FILES }, settings(), { signal: controller.signal }), (error) => error === reason);
  });

  it('hub-download never writes through a symlink or hard link planted at the partial file', async () => {
    const blobs = path.join(repoDir(), 'blobs');
    mkdirSync(blobs, { recursive: true });
    const linked = victim('symlinked.txt');
    const hardLinked = victim('hard-linked.txt');
    symlinkSync(linked, path.join(blobs, `${MODEL_SHA}.incomplete`));
    linkSync(hardLinked, path.join(blobs, `${TOKENIZER_ETAG}.incomplete`));
    const result = await downloadHubFiles({ repoId: 'acme/mini', revision: 'main', files: FILES }, settings());
    assert.equal(readFileSync(linked, 'utf8'), 'precious bytes');
    assert.equal(readFileSync(hardLinked, 'utf8'), 'precious bytes');
    assert.deepEqual(readFileSync(result.files['onnx/model.onnx'] ?? ''), MODEL);
    assert.equal(readFileSync(result.files['tokenizer.json'] ?? '', 'utf8'), TOKENIZER);
    assert.ok(lstatSync(path.join(blobs, MODEL_SHA)).isFile(), 'the blob is a file of its own, not the planted link');
    assert.ok(hub.requests.every((request) => request.headers.range === undefined), 'nothing was resumed from the planted files');
  });

  it('hub-download never writes through links planted at its refs and absence markers', async () => {
    const marker = path.join(repoDir(), '.no_exist', COMMIT_A, 'modules.json');
    const refTemp = path.join(repoDir(), 'refs', `main.${process.pid}.tmp`);
    mkdirSync(path.dirname(marker), { recursive: true });
    mkdirSync(path.dirname(refTemp), { recursive: true });
    const markerVictim = victim('marker.txt');
    const refVictim = victim('ref.txt');
    symlinkSync(markerVictim, marker);
    symlinkSync(refVictim, refTemp);
    const result = await downloadHubFiles({ repoId: 'acme/mini', revision: 'main', files: [{ path: 'tokenizer.json' }, { path: 'modules.json', optional: true }] }, settings());
    assert.equal(result.files['modules.json'], null);
    assert.equal(readFileSync(markerVictim, 'utf8'), 'precious bytes');
    assert.equal(readFileSync(refVictim, 'utf8'), 'precious bytes');
    assert.equal(readFileSync(path.join(repoDir(), 'refs', 'main'), 'utf8'), COMMIT_A);
  });

  it('hub-download refuses a cache folder that leads outside the repo folder and writes nothing there', async () => {
    mkdirSync(repoDir(), { recursive: true });
    symlinkSync(outside, path.join(repoDir(), 'blobs'));
    const error = await rejection(downloadHubFiles({ repoId: 'acme/mini', revision: 'main', files: FILES }, settings()));
    assert.equal(
      error.message,
      `Refusing to use the Hugging Face cache at ${repoDir()}: ${path.join(repoDir(), 'blobs')} leads to ${realpathSync(outside)}, outside the repo's cache folder (a symlink planted or left by another tool): remove that link and run again`,
    );
    assert.deepEqual(readdirSync(outside), []);
  });

  it('hub-download fetches again a snapshot file whose link leads outside the repo folder, and fails offline naming it', async () => {
    await downloadHubFiles({ repoId: 'acme/mini', revision: 'main', files: FILES }, settings());
    const pointer = path.join(repoDir(), 'snapshots', COMMIT_A, 'tokenizer.json');
    const target = victim();
    rmSync(pointer);
    symlinkSync(target, pointer);
    const logStream = new PassThrough();
    const result = await downloadHubFiles({ repoId: 'acme/mini', revision: 'main', files: FILES }, settings(), { log: createStreamLogger('info', logStream) });
    assert.equal(readFileSync(result.files['tokenizer.json'] ?? '', 'utf8'), TOKENIZER);
    assert.equal(readlinkSync(pointer), `../../blobs/${TOKENIZER_ETAG}`);
    assert.equal(readFileSync(target, 'utf8'), 'precious bytes');
    const events = String(logStream.read()).trim().split('\n').map((line) => JSON.parse(line) as { event: string; target?: string });
    assert.deepEqual(events.filter((event) => event.event === 'hub.cache-link-removed').map((event) => event.target), [realpathSync(target)]);

    rmSync(pointer);
    symlinkSync(path.relative(path.dirname(pointer), target), pointer);
    const offline = await rejection(downloadHubFiles({ repoId: 'acme/mini', revision: 'main', files: FILES }, settings({ offline: true })));
    assert.equal(
      offline.message,
      `HF_HUB_OFFLINE=1 and acme/mini has no tokenizer.json in the cache at ${repoDir()} (its cached link led outside the cache folder, to ${realpathSync(target)}, and was removed): run once online or unset HF_HUB_OFFLINE`,
    );
    assert.equal(readFileSync(target, 'utf8'), 'precious bytes');
  });

  it('hub-download stops a body longer than announced without writing past the announced size', async () => {
    hub.extraBytes = 4_000_000;
    for (const [file, size] of [['onnx/model.onnx', MODEL.length], ['tokenizer.json', Buffer.byteLength(TOKENIZER)]] as const) {
      const events: HubDownloadProgress[] = [];
      const error = await rejection(downloadHubFiles({ repoId: 'acme/mini', revision: 'main', files: [{ path: file }] }, settings(), { onProgress: (event) => events.push(event) }), 'E_NETWORK');
      assert.match(error.message, new RegExp(`^Download of ${file.replace('.', '\\.')} from acme/mini sent more than the ${size} bytes the Hub announced \\(at least \\d+\\): stopped and discarded; run again, or check HF_ENDPOINT and any proxy in between$`));
      assert.ok(events.length > 0 && events.every((event) => event.receivedBytes <= size), `written: ${events.map((event) => event.receivedBytes).join(', ')}`);
      assert.deepEqual(readdirSync(path.join(repoDir(), 'blobs')), [], 'nothing kept');
    }
  });

  it('hub-download reports a cache it cannot write as E_IO naming the path', async () => {
    mkdirSync(repoDir(), { recursive: true });
    writeFileSync(path.join(repoDir(), 'blobs'), 'a file where the blobs folder belongs');
    const error = await rejection(downloadHubFiles({ repoId: 'acme/mini', revision: 'main', files: FILES }, settings()), 'E_IO');
    assert.match(error.message, new RegExp(`^Cannot write ${path.join(repoDir(), 'blobs').replaceAll('/', '\\/')}\\S* in the Hugging Face cache \\((EEXIST|ENOTDIR)\\): free disk space or fix the permissions of the cache \\(HF_HUB_CACHE\\), then run again$`));
  });

  it('hub-download sends HF_ENDPOINT credentials as Basic auth to the Hub only, and HF_TOKEN instead when set', async () => {
    hub.repos['acme/mirrored'] = { ...miniRepo(), basicAuth: 'mirror-user:pa55' };
    const basic = `Basic ${Buffer.from('mirror-user:pa55').toString('base64')}`;
    const result = await downloadHubFiles({ repoId: 'acme/mirrored', revision: 'main', files: FILES }, settings({ endpointBasicAuth: basic }));
    assert.deepEqual(readFileSync(result.files['onnx/model.onnx'] ?? ''), MODEL);
    for (const request of hub.requests) assert.equal(request.headers.authorization, request.server === 'hub' ? basic : undefined, `${request.server} ${request.url}`);
    const refused = await rejection(downloadHubFiles({ repoId: 'acme/mirrored', revision: 'main', files: FILES }, settings({ cacheDir: path.join(cacheDir, 'empty'), endpointBasicAuth: `Basic ${Buffer.from('mirror-user:wrong').toString('base64')}` })));
    assert.match(refused.message, /the user and password in HF_ENDPOINT were refused/);
    hub.requests.length = 0;
    await downloadHubFiles({ repoId: 'acme/private', revision: 'main', files: FILES }, settings({ token: 'hf_secret', endpointBasicAuth: basic }));
    assert.ok(hub.requests.every((request) => request.headers.authorization === (request.server === 'hub' ? 'Bearer hf_secret' : undefined)));
  });

  it('hub-download rejects file paths that leave the snapshot', async () => {
    await assert.rejects(downloadHubFiles({ repoId: 'acme/mini', revision: 'main', files: [{ path: '../../etc/passwd' }] }, settings()), { code: 'E_USAGE' });
    await assert.rejects(downloadHubFiles({ repoId: 'acme mini', revision: 'main', files: FILES }, settings()), { code: 'E_USAGE' });
    assert.equal(count(), 0);
  });
});
