import type { Logger } from '../core/logger.ts';
import { diagnoseCuda, inspectCudaLibraries } from '../io/cuda-libraries.ts';
import { parseDevice, type ExecutionTarget } from '../model/device.ts';
import { resolveExecutionTarget } from '../model/execution-provider.ts';

/** Resolves a --device value to the provider every session of the run will use (see resolveExecutionTarget). */
export async function selectDevice(device: string, log: Logger): Promise<ExecutionTarget> {
  return resolveExecutionTarget(parseDevice(device), log, async () => diagnoseCuda(await inspectCudaLibraries()));
}
