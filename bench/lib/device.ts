import { parseDevice, type ExecutionTarget } from '../../src/model/device.ts';

/** The benchmark's --device: cpu (and auto) run on CPU, cuda / cuda:N on that GPU. */
export function benchTarget(value: string): ExecutionTarget {
  const request = parseDevice(value);
  return request.kind === 'cuda' ? { provider: 'cuda', deviceId: request.deviceId } : { provider: 'cpu' };
}
