import { Worker } from 'node:worker_threads';
import { NegmineError } from '../core/errors.ts';
import { isInterrupted, onInterruptAsync } from '../core/shutdown.ts';
import { unpackEncodings, type Encoded, type TokenEncoder } from './encodings.ts';
import type { OnnxRunner } from './onnx-runner.ts';
import type { WorkerOptions, WorkerReply, WorkerRequest } from './worker-protocol.ts';

// The build runs runner-worker.js directly. Under tsx (tests) the worker must register tsx's loader before
// importing the .ts entry, which a one-line data: URL bootstrap does.
function workerEntry(): URL {
  if (!import.meta.url.endsWith('.ts')) return new URL('./runner-worker.js', import.meta.url);
  const tsx = import.meta.resolve('tsx/esm/api');
  const entry = new URL('./runner-worker.ts', import.meta.url).href;
  return new URL(`data:text/javascript,${encodeURIComponent(`import { register } from '${tsx}'; register(); await import('${entry}');`)}`);
}

type Pending = { resolve: (reply: WorkerReply) => void; reject: (error: Error) => void };

/** The worker's session and tokenizer. */
export interface WorkerRunner extends OnnxRunner {
  readonly tokenizer: TokenEncoder;
}

// The tokenizer's native encodings are small JS objects holding kilobytes of native memory each, which V8 does not
// see: with Node's default young generation thousands pile up (~13 KB per text) before a scavenge frees them. A small
// young generation in the worker collects them every few hundred texts (docs/benchmarks.md, "Second round").
const WORKER_YOUNG_GENERATION_MB = 2;

/**
 * Hosts the ONNX session (and the model's tokenizer) in a worker thread: run() computes there while the main thread
 * packs the next batch, reads input and writes output. Output buffers come back transferred, not copied.
 */
export function createWorkerRunner(options: WorkerOptions): Promise<WorkerRunner> {
  const stop = new SharedArrayBuffer(4);
  // A graph built in memory moves to the worker rather than being copied (the caller's bytes are detached).
  const bytes = options.modelBytes;
  const transferList = bytes !== undefined && bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength && bytes.buffer instanceof ArrayBuffer ? [bytes.buffer] : [];
  const worker = new Worker(workerEntry(), { workerData: { ...options, stop }, transferList, resourceLimits: { maxYoungGenerationSizeMb: WORKER_YOUNG_GENERATION_MB } });
  const pending = new Map<number, Pending>();
  let nextId = 0;
  let ready = false;
  // Set once (the first failure wins): every pending call is rejected with it, and every later call at once.
  let failure: Error | undefined;
  // We asked the thread to end (release or interrupt): its exit is expected, not a failure.
  let stopping = false;
  let hasExited = false;
  const exited = new Promise<void>((resolve) => worker.once('exit', () => {
    hasExited = true;
    resolve();
  }));
  const stopWorker = async (): Promise<void> => {
    if (hasExited) return;
    stopping = true;
    worker.postMessage({ kind: 'release' } satisfies WorkerRequest);
    await exited;
  };
  // On SIGINT/SIGTERM the process exits only after this thread has left onnxruntime's run() and ended.
  const unregisterDrain = onInterruptAsync(async () => {
    Atomics.store(new Int32Array(stop), 0, 1);
    await stopWorker();
  });
  void exited.then(unregisterDrain);

  return new Promise((resolveReady, rejectReady) => {
    const failAll = (error: Error): void => {
      failure ??= error;
      rejectReady(failure);
      for (const request of pending.values()) request.reject(failure);
      pending.clear();
    };
    // A thread that dies (uncaught error, out of memory, process.exit, an exit before 'ready') fails the load or the
    // calls in flight with the reason, instead of leaving them unsettled until the event loop empties (exit 13).
    const died = (reason: string, cause?: Error): NegmineError => {
      const wrapped = cause === undefined ? undefined : { cause };
      if (!ready) return new NegmineError('E_MODEL_LOAD', `ONNX worker for '${options.modelPath}' stopped before the model was loaded: ${reason}`, wrapped);
      return new NegmineError('E_MODEL_RUN', `ONNX worker for '${options.modelPath}' stopped while running the model: ${reason}`, wrapped);
    };
    worker.on('error', (error) => {
      failAll(died(error.message, error));
    });
    worker.on('exit', (code) => {
      // Interrupted: pending work stays pending while the process exits 130, so nothing reports a failure.
      if (isInterrupted()) return;
      if (stopping) failAll(new Error(`ONNX worker for '${options.modelPath}' was released`));
      else failAll(died(`the thread exited with code ${code}`));
    });
    const send = (request: (id: number) => WorkerRequest): Promise<WorkerReply> => {
      if (failure !== undefined) return Promise.reject(failure);
      const id = nextId++;
      return new Promise((resolve, reject) => {
        pending.set(id, { resolve, reject });
        worker.postMessage(request(id));
      });
    };
    const encodings = async (request: (id: number) => WorkerRequest): Promise<Encoded[]> => unpackEncodings(expect(await send(request), 'encoded').encodings);
    let vocabSize = 0;
    const tokenizer: TokenEncoder = {
      get vocabSize() {
        return vocabSize;
      },
      encode: (texts) => encodings((id) => ({ kind: 'encode', id, texts })),
      encodePairs: (pairs) => encodings((id) => ({ kind: 'encode-pairs', id, pairs })),
    };
    worker.on('message', (reply: WorkerReply) => {
      if (reply.kind === 'ready') {
        ready = true;
        vocabSize = reply.vocabSize;
        resolveReady({
          inputNames: reply.inputNames,
          outputNames: reply.outputNames,
          weights: reply.weights,
          tokenizer,
          // Inputs are copied, not transferred: one batch of ids and masks is small.
          run: async (feeds, outputNames, pool) => expect(await send((id) => ({ kind: 'run', id, feeds, outputNames, ...(pool === undefined ? {} : { pool }) })), 'result').outputs,
          // Resolves at once when the thread has already ended.
          release: stopWorker,
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
      if (reply.kind === 'error') request.reject(new NegmineError(reply.code, reply.message));
      else request.resolve(reply);
    });
  });
}

function expect<K extends WorkerReply['kind']>(reply: WorkerReply, kind: K): WorkerReply & { kind: K } {
  if (reply.kind !== kind) throw new NegmineError('E_MODEL_LOAD', `ONNX worker answered '${reply.kind}' where '${kind}' was expected`);
  return reply as WorkerReply & { kind: K };
}
