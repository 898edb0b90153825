import assert from 'node:assert/strict';
import path from 'node:path';
import { afterEach, describe, it } from 'node:test';
import { createWorkerRunner, type WorkerRunner } from '../../src/model/worker-runner.ts';
import { REPO_ROOT } from '../helpers/cli.ts';
import { negmineError } from '../helpers/errors.ts';

// The real worker thread and onnxruntime session, made to die by the test-only NEGMINE_TEST_WORKER_EXIT (read by the
// worker, which copies the environment when it starts).
const MODELS = path.join(REPO_ROOT, 'fixtures', 'models');
const MODEL = path.join(MODELS, 'bi-encoder', 'onnx', 'model.onnx');
const OPTIONS = { modelPath: MODEL, target: { provider: 'cpu' as const }, tokenizer: { path: path.join(MODELS, 'tokenizer.json'), maxLength: 32 } };
// Each case settles in well under a second; a hang (the bug: promises that never settle) fails at this limit.
const LIMIT = { timeout: 20_000 };

function startDying(mode: string): Promise<WorkerRunner> {
  process.env.NEGMINE_TEST_WORKER_EXIT = mode;
  try {
    return createWorkerRunner(OPTIONS);
  } finally {
    delete process.env.NEGMINE_TEST_WORKER_EXIT;
  }
}

/** Settles within ms, or rejects saying it did not. */
async function within<T>(ms: number, work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      reject(new Error(`did not settle within ${ms} ms`));
    }, ms);
  });
  try {
    return await Promise.race([work, late]);
  } finally {
    clearTimeout(timer);
  }
}

describe('worker runner: a worker thread that dies', () => {
  afterEach(() => {
    delete process.env.NEGMINE_TEST_WORKER_EXIT;
  });

  it('rejects the load with E_MODEL_LOAD naming the model and the exit code when the thread exits before ready', LIMIT, async () => {
    await assert.rejects(startDying('before-ready'), negmineError('E_MODEL_LOAD', /ONNX worker for '.*model\.onnx' stopped before the model was loaded: the thread exited with code 70$/));
  });

  it('rejects the call in flight with E_MODEL_RUN, later calls at once, and release() resolves at once', LIMIT, async () => {
    const runner = await startDying('mid-call');
    const died = negmineError('E_MODEL_RUN', /ONNX worker for '.*model\.onnx' stopped while running the model: the thread exited with code 71$/);
    await assert.rejects(runner.tokenizer.encode(['brown fox']), died);
    await assert.rejects(within(100, runner.tokenizer.encode(['lazy dog'])), died);
    const feeds = { input_ids: { type: 'int64' as const, data: new BigInt64Array([101n, 102n]), dims: [1, 2] } };
    await assert.rejects(within(100, runner.run(feeds, runner.outputNames)), died);
    await within(100, runner.release());
    await within(100, runner.release());
  });

  it("rejects the call in flight with E_MODEL_RUN carrying the thread's uncaught error", LIMIT, async () => {
    const runner = await startDying('mid-call-throw');
    await assert.rejects(runner.tokenizer.encode(['brown fox']), (error: unknown) => {
      negmineError('E_MODEL_RUN', /stopped while running the model: test-only crash \(NEGMINE_TEST_WORKER_EXIT=mid-call-throw\)$/)(error);
      assert.ok(error instanceof Error && error.cause instanceof Error, 'the worker error is the cause');
      return true;
    });
    await assert.rejects(within(100, runner.tokenizer.encode(['again'])), negmineError('E_MODEL_RUN', /test-only crash/));
    await within(1000, runner.release());
  });

  it('a healthy worker answers, then after release() rejects calls at once instead of hanging', LIMIT, async () => {
    const runner = await createWorkerRunner(OPTIONS);
    try {
      const [encoded] = await runner.tokenizer.encode(['brown fox jumps over the lazy dog']);
      assert.deepEqual(Array.from(encoded?.ids ?? []), [101, 2829, 4419, 14523, 2058, 1996, 13971, 3899, 102]);
    } finally {
      await within(5000, runner.release());
    }
    await assert.rejects(within(100, runner.tokenizer.encode(['after'])), /was released/);
    await within(100, runner.release());
  });
});
