import { NegmineError } from '../core/errors.ts';

/** What `--device` accepts: auto, cpu, cuda, cuda:N or webgpu. */
export type DeviceRequest = { kind: 'auto' } | { kind: 'cpu' } | { kind: 'cuda'; deviceId: number } | { kind: 'webgpu' };

/** An execution provider negmine can run a session on. */
export type ExecutionTarget = { provider: 'cpu' } | { provider: 'cuda'; deviceId: number } | { provider: 'webgpu' };

/** Parses a `--device` value; throws E_USAGE with the accepted forms otherwise. */
export function parseDevice(value: string): DeviceRequest {
  const text = value.trim().toLowerCase();
  if (text === 'auto') return { kind: 'auto' };
  if (text === 'cpu') return { kind: 'cpu' };
  if (text === 'cuda' || text === 'gpu') return { kind: 'cuda', deviceId: 0 };
  if (text === 'webgpu') return { kind: 'webgpu' };
  const match = /^cuda:(\d+)$/.exec(text);
  if (match?.[1] !== undefined) return { kind: 'cuda', deviceId: Number(match[1]) };
  throw new NegmineError('E_USAGE', `Invalid --device '${value}': expected auto, cpu, cuda, cuda:N (e.g. cuda:1) or webgpu`);
}

export function describeTarget(target: ExecutionTarget): string {
  return target.provider === 'cuda' ? `cuda:${target.deviceId}` : target.provider;
}
