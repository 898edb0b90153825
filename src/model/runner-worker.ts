// Worker thread entry: hosts one ONNX session so that run() blocks this thread, not the main one.
import { parentPort, workerData } from 'node:worker_threads';
import { NegmineError } from '../core/errors.ts';
import { createSession, runSession, type RunnerOptions, type TensorData } from './onnx-runner.ts';
import type { WorkerReply, WorkerRequest } from './worker-protocol.ts';

const port = parentPort;
if (port === null) throw new Error('runner-worker must run in a worker thread');

function describe(error: unknown): WorkerReply & { kind: 'error' } {
  if (error instanceof NegmineError) return { kind: 'error', id: -1, code: error.code, message: error.message };
  return { kind: 'error', id: -1, code: 'E_MODEL_LOAD', message: error instanceof Error ? error.message : String(error) };
}

try {
  const session = await createSession(workerData as RunnerOptions);
  port.postMessage({ kind: 'ready', inputNames: [...session.inputNames], outputNames: [...session.outputNames] } satisfies WorkerReply);
  port.on('message', (request: WorkerRequest) => {
    if (request.kind === 'release') {
      void session.release().finally(() => {
        port.close();
      });
      return;
    }
    runSession(session, request.feeds, request.outputNames).then(
      (outputs: Record<string, TensorData>) => {
        port.postMessage({ kind: 'result', id: request.id, outputs } satisfies WorkerReply, Object.values(outputs).map((t) => t.data.buffer as ArrayBuffer));
      },
      (error: unknown) => {
        port.postMessage({ ...describe(error), id: request.id } satisfies WorkerReply);
      },
    );
  });
} catch (error) {
  port.postMessage(describe(error));
}
