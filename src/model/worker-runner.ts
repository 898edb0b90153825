import { Worker } from 'node:worker_threads';
import { NegmineError } from '../core/errors.ts';
import type { OnnxRunner, RunnerOptions, TensorData } from './onnx-runner.ts';
import type { WorkerReply, WorkerRequest } from './worker-protocol.ts';

// The build runs runner-worker.js directly. Under tsx (tests) the worker must register tsx's loader before
// importing the .ts entry, which a one-line data: URL bootstrap does.
function workerEntry(): URL {
  if (!import.meta.url.endsWith('.ts')) return new URL('./runner-worker.js', import.meta.url);
  const tsx = import.meta.resolve('tsx/esm/api');
  const entry = new URL('./runner-worker.ts', import.meta.url).href;
  return new URL(`data:text/javascript,${encodeURIComponent(`import { register } from '${tsx}'; register(); await import('${entry}');`)}`);
}

type Pending = { resolve: (outputs: Record<string, TensorData>) => void; reject: (error: Error) => void };

/**
 * Hosts the ONNX session in a worker thread: run() computes there while the main thread tokenizes the next
 * batch, reads input and writes output. Output buffers come back transferred, not copied.
 */
export function createWorkerRunner(options: RunnerOptions): Promise<OnnxRunner> {
  const worker = new Worker(workerEntry(), { workerData: options });
  const pending = new Map<number, Pending>();
  let nextId = 0;
  let failure: Error | undefined;

  return new Promise((resolveReady, rejectReady) => {
    const failAll = (error: Error): void => {
      failure = error;
      rejectReady(error);
      for (const request of pending.values()) request.reject(error);
      pending.clear();
    };
    worker.on('error', (error) => {
      failAll(new NegmineError('E_MODEL_LOAD', `ONNX worker for '${options.modelPath}' failed: ${error.message}`, { cause: error }));
    });
    worker.on('exit', (code) => {
      if (pending.size > 0) failAll(new NegmineError('E_MODEL_LOAD', `ONNX worker for '${options.modelPath}' exited with code ${code}`));
    });
    worker.on('message', (reply: WorkerReply) => {
      if (reply.kind === 'ready') {
        resolveReady({
          inputNames: reply.inputNames,
          outputNames: reply.outputNames,
          run(feeds, outputNames) {
            if (failure !== undefined) return Promise.reject(failure);
            const id = nextId++;
            return new Promise((resolve, reject) => {
              pending.set(id, { resolve, reject });
              const request: WorkerRequest = { kind: 'run', id, feeds, outputNames };
              // Inputs are copied, not transferred: callers still read the attention mask for pooling.
              worker.postMessage(request);
            });
          },
          async release() {
            worker.postMessage({ kind: 'release' } satisfies WorkerRequest);
            await new Promise<void>((resolve) => worker.once('exit', () => {
              resolve();
            }));
          },
        });
        return;
      }
      if (reply.kind === 'error' && reply.id === -1) {
        worker.unref();
        void worker.terminate();
        failAll(new NegmineError(reply.code, reply.message));
        return;
      }
      const request = pending.get(reply.id);
      if (request === undefined) return;
      pending.delete(reply.id);
      if (reply.kind === 'result') request.resolve(reply.outputs);
      else request.reject(new NegmineError(reply.code, reply.message));
    });
  });
}
