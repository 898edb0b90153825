// Test-only. NEGMINE_TEST_WORKER_EXIT makes the ONNX worker thread die the way a crashed or out-of-memory worker
// does, so that the parent's handling of a dead worker is tested on the real worker through the real CLI
// (test/model/worker-runner.test.ts, test/cli/dead-worker.test.ts). Unset, as in every normal run, it does nothing.
//   before-ready    the thread calls process.exit(70) before it loads the model
//   mid-call        the thread calls process.exit(71) on its first request (tokenize or run), leaving it unanswered
//   mid-call-throw  the thread throws an uncaught error on its first request (an 'error' event, then exit code 1)

export const TEST_WORKER_EXIT_ENV = 'NEGMINE_TEST_WORKER_EXIT';

export const TEST_WORKER_EXIT_CODES = { 'before-ready': 70, 'mid-call': 71 } as const;

/** Called by the worker before loading (`load`) and on each request (`request`). */
export function testWorkerExit(point: 'load' | 'request'): void {
  const mode = process.env[TEST_WORKER_EXIT_ENV];
  if (mode === undefined || mode === '') return;
  if (point === 'load' && mode === 'before-ready') process.exit(TEST_WORKER_EXIT_CODES['before-ready']);
  if (point === 'request' && mode === 'mid-call') process.exit(TEST_WORKER_EXIT_CODES['mid-call']);
  if (point === 'request' && mode === 'mid-call-throw') {
    setImmediate(() => {
      throw new Error(`test-only crash (${TEST_WORKER_EXIT_ENV}=mid-call-throw)`);
    });
  }
}
