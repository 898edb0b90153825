import ort from 'onnxruntime-node';
import type { MappedOnnx } from '../core/model-files.ts';
import { NegmineError, errorMessage } from '../core/errors.ts';
import { describeTarget, type ExecutionTarget } from './device.ts';
import { sessionOptions } from './execution-provider.ts';
import { float16ToFloat32 } from '../core/float16.ts';
import { poolTokenStates, type PoolRequest } from './pooling.ts';

/** A tensor as plain typed data, so it can cross a worker boundary. */
export interface TensorData {
  type: 'int64' | 'float32';
  data: BigInt64Array | Float32Array;
  dims: number[];
}

/** Runs one ONNX model; implemented in-thread or in a worker (onnxruntime's run() blocks its thread). */
export interface OnnxRunner {
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  /** With pool, the one output named is token states and comes back pooled ([rows, hidden * modes]). */
  run(feeds: Record<string, TensorData>, outputNames: readonly string[], pool?: PoolRequest): Promise<Record<string, TensorData>>;
  release(): Promise<void>;
  /** How the session holds its weights: mapped from the model file, or copied onto the heap (and why). */
  readonly weights: WeightsLoad;
}

export interface WeightsLoad {
  mapped: boolean;
  /** onnxruntime's error when a mapped load was tried and failed (the session then loaded the file itself). */
  mapError?: string;
}

export interface RunnerOptions {
  modelPath: string;
  /** modelPath re-encoded so that onnxruntime maps its weights (ModelFiles.onnxMapped). */
  mapped?: MappedOnnx;
  /** The model built in memory (a static embedding graph); modelPath then only names it in errors. */
  modelBytes?: Uint8Array;
  target: ExecutionTarget;
  threads?: number;
}

/** Creates the session, turning onnxruntime's errors into E_MODEL_LOAD / E_EP_UNAVAILABLE with the model path. */
export async function createSession(options: RunnerOptions): Promise<{ session: ort.InferenceSession; weights: WeightsLoad }> {
  const settings = sessionOptions(options.target, options.threads);
  let mapError: string | undefined;
  if (options.modelBytes !== undefined) {
    try {
      return { session: await ort.InferenceSession.create(options.modelBytes, settings), weights: { mapped: false } };
    } catch (error) {
      throw sessionError(options, error);
    }
  }
  if (options.mapped !== undefined) {
    // onnxruntime maps the weights from the model file's pages instead of parsing a copy of them onto the heap.
    const session = (settings.extra as { session?: Record<string, unknown> } | undefined)?.session;
    const mapped = { ...settings, extra: { ...settings.extra, session: { ...session, model_external_initializers_file_folder_path: options.mapped.weightsFolder } } };
    try {
      return { session: await ort.InferenceSession.create(options.mapped.graph, mapped), weights: { mapped: true } };
    } catch (error) {
      // Loading the file itself is the reference: a failure there is the one worth reporting.
      mapError = oneLine(errorMessage(error));
    }
  }
  try {
    return { session: await ort.InferenceSession.create(options.modelPath, settings), weights: mapError === undefined ? { mapped: false } : { mapped: false, mapError } };
  } catch (error) {
    throw sessionError(options, error);
  }
}

function sessionError(options: RunnerOptions, error: unknown): NegmineError {
  const message = oneLine(errorMessage(error));
  if (options.target.provider !== 'cpu' && /provider|cuda|webgpu|adapter|shared library/i.test(message)) {
    return new NegmineError('E_EP_UNAVAILABLE', `Cannot run '${options.modelPath}' on ${describeTarget(options.target)}: ${message}`, { cause: error });
  }
  return new NegmineError('E_MODEL_LOAD', `Cannot load ONNX model '${options.modelPath}': ${message}`, { cause: error });
}

/** Runs a session and copies the requested outputs into plain tensors, pooling them when asked. */
export async function runSession(session: ort.InferenceSession, feeds: Record<string, TensorData>, outputNames: readonly string[], pool?: PoolRequest): Promise<Record<string, TensorData>> {
  const outputs = await runOutputs(session, feeds, outputNames);
  if (pool === undefined) return outputs;
  for (const [name, tensor] of Object.entries(outputs)) {
    if (!(tensor.data instanceof Float32Array)) throw new NegmineError('E_MODEL_LOAD', `ONNX output '${name}' is not float32`);
    outputs[name] = { type: 'float32', ...poolTokenStates(name, tensor.data, tensor.dims, pool) };
  }
  return outputs;
}

async function runOutputs(session: ort.InferenceSession, feeds: Record<string, TensorData>, outputNames: readonly string[]): Promise<Record<string, TensorData>> {
  const inputs: Record<string, ort.Tensor> = {};
  for (const [name, tensor] of Object.entries(feeds)) inputs[name] = new ort.Tensor(tensor.type, tensor.data, tensor.dims);
  const results = await session.run(inputs, [...outputNames]);
  const outputs: Record<string, TensorData> = {};
  for (const name of outputNames) {
    const tensor = results[name];
    if (tensor === undefined) throw new NegmineError('E_MODEL_LOAD', `ONNX model returned no output '${name}'`);
    if (tensor.type === 'float16') {
      // fp16 (O4-style) exports: widen once here, so pooling and scores stay float32 everywhere.
      const raw = tensor.data as unknown as ArrayLike<number> & { buffer: ArrayBufferLike; byteOffset: number; length: number };
      const halves = raw instanceof Uint16Array ? raw : new Uint16Array(raw.buffer, raw.byteOffset, raw.length);
      outputs[name] = { type: 'float32', data: float16ToFloat32(halves), dims: [...tensor.dims] };
      continue;
    }
    if (tensor.type !== 'float32' && tensor.type !== 'int64') {
      throw new NegmineError('E_MODEL_LOAD', `ONNX output '${name}' has type ${tensor.type}; negmine reads float32 and float16 outputs`);
    }
    outputs[name] = { type: tensor.type, data: tensor.data as Float32Array | BigInt64Array, dims: [...tensor.dims] };
  }
  return outputs;
}

/** A runner on the calling thread (used inside workers, and where blocking does not matter). */
export async function createLocalRunner(options: RunnerOptions): Promise<OnnxRunner> {
  const { session, weights } = await createSession(options);
  return {
    inputNames: session.inputNames,
    outputNames: session.outputNames,
    weights,
    run: (feeds, outputNames, pool) => runSession(session, feeds, outputNames, pool),
    release: () => session.release(),
  };
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}
