import type { Logger } from '../core/logger.ts';
import { diagnoseCuda, inspectCudaLibraries } from '../io/cuda-libraries.ts';
import { gpuDeviceNodes } from '../io/gpu-devices.ts';
import { parseDevice, type ExecutionTarget } from '../model/device.ts';
import { resolveExecutionTarget } from '../model/execution-provider.ts';

const resolved = new Map<string, Promise<ExecutionTarget>>();

/**
 * Resolves a --device value to the provider every session of the run will use (see resolveExecutionTarget); the
 * probe, and so the CPU-fallback warning, happens once per process and device value.
 */
export function selectDevice(device: string, log: Logger): Promise<ExecutionTarget> {
  let target = resolved.get(device);
  if (target === undefined) {
    target = resolveExecutionTarget(parseDevice(device), log, { diagnoseCuda: async () => diagnoseCuda(await inspectCudaLibraries()), gpuDeviceNodes: () => gpuDeviceNodes() });
    resolved.set(device, target);
    // A failed probe is not remembered: the error reaches the caller, and a retry probes again.
    target.catch(() => resolved.delete(device));
  }
  return target;
}
