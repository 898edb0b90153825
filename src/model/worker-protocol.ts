import type { ErrorCode } from '../core/errors.ts';
import type { TensorData } from './onnx-runner.ts';

export type WorkerRequest = { kind: 'run'; id: number; feeds: Record<string, TensorData>; outputNames: readonly string[] } | { kind: 'release' };

export type WorkerReply =
  | { kind: 'ready'; inputNames: string[]; outputNames: string[] }
  | { kind: 'result'; id: number; outputs: Record<string, TensorData> }
  | { kind: 'error'; id: number; code: ErrorCode; message: string };
