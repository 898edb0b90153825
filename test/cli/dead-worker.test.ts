import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { TEST_WORKER_EXIT_ENV } from '../../src/model/worker-test-exit.ts';
import { REPO_ROOT, logEvents, plainStderr, runCli, type RunResult } from '../helpers/cli.ts';
import { tempDir } from '../helpers/temp.ts';

// The encoder's worker thread dies (test-only NEGMINE_TEST_WORKER_EXIT, read by the real worker in the built CLI):
// before the model is loaded, with a call in flight, or by an uncaught error. The run must fail at once with exit 1
// and the reason on one line, not exit 13 with nothing said (promises the dead thread would never settle).
const FIXTURES = path.join(REPO_ROOT, 'fixtures');
const CASES = [
  { mode: 'before-ready', code: 'E_MODEL_LOAD', reason: /stopped before the model was loaded: the thread exited with code 70$/ },
  { mode: 'mid-call', code: 'E_MODEL_RUN', reason: /stopped while running the model: the thread exited with code 71$/ },
  { mode: 'mid-call-throw', code: 'E_MODEL_RUN', reason: /stopped while running the model: test-only crash \(NEGMINE_TEST_WORKER_EXIT=mid-call-throw\)$/ },
] as const;
// A healthy run of either command takes about a second here; a hang fails at this limit.
const LIMIT = { timeout: 30_000 };

function dying(mode: string, args: string[]): Promise<RunResult> {
  return runCli(args, { env: { [TEST_WORKER_EXIT_ENV]: mode } });
}

function assertOneErrorLine(stderr: string, model: RegExp, reason: RegExp): void {
  const lines = stderr.split('\n').filter((line) => line !== '');
  assert.equal(lines.length, 1, stderr);
  assert.match(lines[0] ?? '', /^negmine: error: ONNX worker for '/);
  assert.match(lines[0] ?? '', model);
  assert.match(lines[0] ?? '', reason);
  assert.doesNotMatch(stderr, /\bat .*\.(js|ts):\d+/, 'no stack trace');
}

describe('a dead encoder worker', () => {
  for (const { mode, code, reason } of CASES) {
    it(`mine and embed exit 1 with one ${code} line when the worker thread dies (${mode})`, LIMIT, async () => {
      const dir = tempDir();
      const mined = path.join(dir, 'mined.jsonl');
      const mine = await dying(mode, ['mine', '--beir', path.join(FIXTURES, 'data', 'mine-crafted'), '--model', path.join(FIXTURES, 'models', 'bi-encoder'), '--device', 'cpu', '-o', mined]);
      assert.equal(mine.code, 1, mine.stderr);
      assertOneErrorLine(plainStderr(mine), /bi-encoder\/onnx\/model\.onnx'/, reason);
      const errors = logEvents(mine).filter((event) => event['event'] === 'error');
      assert.deepEqual(errors.map((event) => event['code']), [code]);
      assert.equal(existsSync(mined), false, 'no output file');

      const vectors = path.join(dir, 'v.npy');
      const embed = await dying(mode, ['--quiet', 'embed', '--model', path.join(FIXTURES, 'models', 'static-lsa'), '--device', 'cpu', '--corpus', path.join(FIXTURES, 'data', 'corpus.jsonl'), '-o', vectors]);
      assert.equal(embed.code, 1, embed.stderr);
      assertOneErrorLine(embed.stderr, /static-lsa\/0_StaticEmbedding\/model\.safetensors'/, reason);
      assert.equal(existsSync(vectors), false, 'no output file');
    });
  }
});
