import type { ErrorCode } from '../core/errors.ts';
import type { RunnerOptions, TensorData, WeightsLoad } from './onnx-runner.ts';
import type { PackedEncodings } from './encodings.ts';
import type { PoolRequest } from './pooling.ts';
import type { StaticTokenRules } from './static-tokenizer.ts';

/** What the worker loads: the session and the model's tokenizer. */
export interface WorkerOptions extends RunnerOptions {
  /** A transformer's tokenizer truncates to maxLength with special tokens; a static model's follows its rules. */
  tokenizer: { path: string; maxLength: number } | { path: string; static: StaticTokenRules };
  /** Int32 flag set to 1 by the parent on interrupt: queued runs are dropped, not started. */
  stop?: SharedArrayBuffer;
}

export type WorkerRequest =
  | { kind: 'run'; id: number; feeds: Record<string, TensorData>; outputNames: readonly string[]; pool?: PoolRequest }
  | { kind: 'encode'; id: number; texts: readonly string[] }
  | { kind: 'encode-pairs'; id: number; pairs: readonly (readonly [string, string])[] }
  | { kind: 'release' };

export type WorkerReply =
  | { kind: 'ready'; inputNames: string[]; outputNames: string[]; weights: WeightsLoad; vocabSize: number }
  | { kind: 'result'; id: number; outputs: Record<string, TensorData> }
  | { kind: 'encoded'; id: number; encodings: PackedEncodings }
  | { kind: 'error'; id: number; code: ErrorCode; message: string };
