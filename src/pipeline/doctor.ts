import os from 'node:os';
import { checkFaiss, type FaissStatus } from '../ann/faiss-info.ts';
import { diagnoseCuda, inspectCudaLibraries, type CudaLibraryReport } from '../io/cuda-libraries.ts';
import { defaultCpuThreads, type CpuThreads } from '../model/cpu-threads.ts';
import { gpuDeviceNodes } from '../io/gpu-devices.ts';
import { listedBackends, onnxruntimeVersion, probeExecutionProvider, probeWebGpu, type ProbeResult } from '../model/execution-provider.ts';
import { checkTokenizers, tokenizersVersion } from '../model/tokenizers-info.ts';

export interface DoctorReport {
  negmine: string;
  node: { version: string; platform: string; arch: string };
  onnxruntime: {
    version: string;
    listedBackends: { name: string; bundled: boolean }[];
    /** Providers that really created a session and ran a MatMul (WebGPU is tried even without a GPU device node). */
    providers: { cpu: ProbeResult; cuda: ProbeResult; webgpu: ProbeResult };
    /** GPU device nodes visible here (/dev/nvidia*, /dev/dri/renderD*): without one, `--device auto` skips WebGPU. */
    gpuDeviceNodes: string[];
    /** What CPU sessions run with unless --threads says otherwise. */
    cpuThreads: CpuThreads;
  };
  cuda: CudaLibraryReport;
  faiss: FaissStatus;
  tokenizers: { version: string; usable: boolean; error?: string };
  system: { cpuModel: string; cpuCores: number; memoryTotalBytes: number; memoryFreeBytes: number };
  /** True when everything negmine needs on CPU works; CUDA and WebGPU are optional. */
  ok: boolean;
}

/** Runs every environment check `negmine doctor` reports. */
export async function runDoctor(negmineVersion: string, cudaDeviceId = 0): Promise<DoctorReport> {
  const cudaLibraries = await inspectCudaLibraries();
  const cpu = await probeExecutionProvider({ provider: 'cpu' });
  const cuda = await probeExecutionProvider({ provider: 'cuda', deviceId: cudaDeviceId }, () => Promise.resolve(diagnoseCuda(cudaLibraries)));
  const webgpu = await probeWebGpu();
  const [faiss, tokenizers] = await Promise.all([checkFaiss(), checkTokenizers()]);
  const cpus = os.cpus();
  return {
    negmine: negmineVersion,
    node: { version: process.version, platform: process.platform, arch: process.arch },
    onnxruntime: { version: onnxruntimeVersion(), listedBackends: listedBackends(), providers: { cpu, cuda, webgpu }, gpuDeviceNodes: gpuDeviceNodes(), cpuThreads: defaultCpuThreads() },
    cuda: cudaLibraries,
    faiss,
    tokenizers: { version: tokenizersVersion(), ...tokenizers },
    system: {
      cpuModel: cpus[0]?.model.trim() ?? 'unknown',
      cpuCores: os.availableParallelism(),
      memoryTotalBytes: os.totalmem(),
      memoryFreeBytes: os.freemem(),
    },
    ok: cpu.usable && faiss.usable && tokenizers.usable,
  };
}
