// Worker thread entry: hosts one ONNX session and the model's tokenizer, so that run() blocks this thread, not the main one.
import { parentPort, workerData } from 'node:worker_threads';
import { NegmineError } from '../core/errors.ts';
import { createSession, runSession, type TensorData } from './onnx-runner.ts';
import { packEncodings, type Encoded } from './encodings.ts';
import { StaticTokenizer } from './static-tokenizer.ts';
import { TextTokenizer } from './tokenizer.ts';
import type { WorkerOptions, WorkerReply, WorkerRequest } from './worker-protocol.ts';
import { testWorkerExit } from './worker-test-exit.ts';

const port = parentPort;
if (port === null) throw new Error('runner-worker must run in a worker thread');

function describe(error: unknown, id = -1): WorkerReply & { kind: 'error' } {
  if (error instanceof NegmineError) return { kind: 'error', id, code: error.code, message: error.message };
  return { kind: 'error', id, code: 'E_MODEL_LOAD', message: error instanceof Error ? error.message : String(error) };
}

function reply(id: number, work: Promise<WorkerReply>): void {
  work.then(
    (message) => {
      const transfer = message.kind === 'result' ? Object.values(message.outputs).map((t) => t.data.buffer) : message.kind === 'encoded' ? [message.encodings.ids.buffer, message.encodings.typeIds.buffer, message.encodings.lengths.buffer] : [];
      port?.postMessage(message, transfer as ArrayBuffer[]);
    },
    (error: unknown) => {
      port?.postMessage(describe(error, id));
    },
  );
}

async function encoded(id: number, encodings: Promise<Encoded[]>): Promise<WorkerReply> {
  return { kind: 'encoded', id, encodings: packEncodings(await encodings) };
}

try {
  testWorkerExit('load');
  const options = workerData as WorkerOptions;
  const tokenizer = 'static' in options.tokenizer ? StaticTokenizer.fromFile(options.tokenizer.path, options.tokenizer.static) : TextTokenizer.fromFile(options.tokenizer.path, options.tokenizer.maxLength);
  const { session, weights } = await createSession(options);
  const stop = options.stop === undefined ? undefined : new Int32Array(options.stop);
  port.postMessage({ kind: 'ready', inputNames: [...session.inputNames], outputNames: [...session.outputNames], weights, vocabSize: tokenizer.vocabSize } satisfies WorkerReply);
  port.on('message', (request: WorkerRequest) => {
    if (request.kind !== 'release') testWorkerExit('request');
    switch (request.kind) {
      case 'release':
        void session.release().finally(() => {
          port.close();
        });
        return;
      case 'run':
        // Interrupted: the parent is waiting for this thread to end, not for results.
        if (stop !== undefined && Atomics.load(stop, 0) === 1) return;
        reply(request.id, runSession(session, request.feeds, request.outputNames, request.pool).then((outputs: Record<string, TensorData>) => ({ kind: 'result', id: request.id, outputs })));
        return;
      case 'encode':
      case 'encode-pairs':
        reply(request.id, encoded(request.id, request.kind === 'encode' ? tokenizer.encode(request.texts) : tokenizer.encodePairs(request.pairs)));
        return;
    }
  });
} catch (error) {
  port.postMessage(describe(error));
}
