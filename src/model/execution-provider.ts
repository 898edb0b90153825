import ort from 'onnxruntime-node';
import { NegmineError, errorMessage } from '../core/errors.ts';
import type { Logger } from '../core/logger.ts';
import { cpuThreads, spinningEntries, type CpuThreads } from './cpu-threads.ts';
import { describeTarget, type DeviceRequest, type ExecutionTarget } from './device.ts';
import { isProbeAnswer, PROBE_INPUT, probeModelBytes } from './probe-model.ts';
import { probeWebGpuInChild } from './webgpu-probe.ts';

export interface ProbeResult {
  target: string;
  usable: boolean;
  /** The runtime's own error text when the provider could not create or run a session. */
  error?: string;
  /** Why, found by inspecting the installation (e.g. the exact library the loader cannot find). */
  reason?: string;
  elapsedMs: number;
}

/** Explains a CUDA failure from the installation; supplied by the caller, which may touch the filesystem. */
export type CudaDiagnosis = () => Promise<string | undefined>;

// onnxruntime prints its own colored error lines on stderr; negmine reports failures itself.
ort.env.logLevel = 'fatal';

/** Lets --verbose show onnxruntime's own log lines. */
export function setRuntimeLogLevel(level: 'verbose' | 'info' | 'warning' | 'error' | 'fatal'): void {
  ort.env.logLevel = level;
}

/** One line for a failed probe: the diagnosis first, then what onnxruntime said. */
export function describeProbeFailure(probe: ProbeResult): string {
  const runtime = probe.error ?? 'unknown error';
  return probe.reason === undefined ? runtime : `${probe.reason} [onnxruntime: ${runtime}]`;
}

/**
 * Session options for a target; exported so every session negmine creates is configured the same way. On CPU the
 * intra-op threads (--threads, else one per core) and spinning (off unless asked for) come from cpuThreads.
 */
export function sessionOptions(target: ExecutionTarget, threads?: number, spinning?: boolean): ort.InferenceSession.SessionOptions {
  // onnxruntime places the nodes a GPU provider lacks (e.g. TopK on WebGPU) on its CPU provider by itself.
  const executionProviders: ort.InferenceSession.ExecutionProviderConfig[] =
    target.provider === 'cuda' ? [{ name: 'cuda', deviceId: target.deviceId }] : target.provider === 'webgpu' ? ['webgpu'] : ['cpu'];
  // On CPU the memory-pattern cache grows with every batch shape and saves nothing measurable (docs/benchmarks.md).
  const options: ort.InferenceSession.SessionOptions = { executionProviders, graphOptimizationLevel: 'all', enableMemPattern: target.provider === 'cuda' };
  if (target.provider === 'cpu') {
    const cpu = cpuThreads(threads, spinning);
    options.intraOpNumThreads = cpu.intraOpThreads;
    options.extra = { session: spinningEntries(cpu.spinning) };
  } else if (threads !== undefined) options.intraOpNumThreads = threads;
  return options;
}

/** The CPU threading sessionOptions gives a session on this target (undefined off CPU), for logs. */
export function sessionThreads(target: ExecutionTarget, threads?: number): CpuThreads | undefined {
  return threadingOf(sessionOptions(target, threads));
}

/** The CPU threading a session built from these options runs with. */
export function threadingOf(options: ort.InferenceSession.SessionOptions): CpuThreads | undefined {
  const session = (options.extra as { session?: { intra_op?: { allow_spinning?: string } } } | undefined)?.session;
  const spinning = session?.intra_op?.allow_spinning;
  if (options.intraOpNumThreads === undefined || spinning === undefined) return undefined;
  return { intraOpThreads: options.intraOpNumThreads, spinning: spinning === '1' };
}

/** Really creates a session on the target and runs a MatMul on it; a listed backend is not proof it works. */
export async function probeExecutionProvider(target: ExecutionTarget, diagnose?: CudaDiagnosis): Promise<ProbeResult> {
  const started = performance.now();
  const elapsed = (): number => Math.round(performance.now() - started);
  let session: ort.InferenceSession | undefined;
  try {
    session = await ort.InferenceSession.create(probeModelBytes(), sessionOptions(target, 1));
    const output = await session.run({ x: new ort.Tensor('float32', PROBE_INPUT, [2, 2]) });
    const values = output['y']?.data;
    if (!(values instanceof Float32Array) || !isProbeAnswer(values)) {
      return { target: describeTarget(target), usable: false, error: 'probe MatMul returned a wrong result', elapsedMs: elapsed() };
    }
    return { target: describeTarget(target), usable: true, elapsedMs: elapsed() };
  } catch (error) {
    const result: ProbeResult = { target: describeTarget(target), usable: false, error: oneLine(errorMessage(error)), elapsedMs: elapsed() };
    const reason = target.provider === 'cuda' ? await diagnose?.() : undefined;
    if (reason !== undefined) result.reason = reason;
    return result;
  } finally {
    await session?.release();
  }
}

// onnxruntime's failed checks read "/onnxruntime_src/.../file.cc:136 Function(...)::<lambda()> condition was false. Why";
// the why is the part worth a line.
const FAILED_CHECK = /^\S+\.(?:cc|cpp|h):\d+ .*? was false\. (?=\S)/;

function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim().replace(FAILED_CHECK, '');
}

/** Backends compiled into or installable for this onnxruntime-node build (not proof that they work). */
export function listedBackends(): { name: string; bundled: boolean }[] {
  return ort.listSupportedBackends().map((b) => ({ name: b.name, bundled: b.bundled }));
}

export function onnxruntimeVersion(): string {
  return ort.env.versions.node ?? ort.env.versions.common;
}

/** What resolving a --device value may inspect (the caller supplies it: it touches the filesystem). */
export interface DeviceChecks {
  /** Explains a CUDA failure from the installation. */
  diagnoseCuda?: CudaDiagnosis;
  /** The GPU device nodes visible here (src/io/gpu-devices.ts); none means WebGPU is not tried. */
  gpuDeviceNodes?: () => string[];
}

/**
 * A real WebGPU session, tried in a child process so that Dawn's own stderr lines (e.g. "Couldn't load Vulkan")
 * become part of the reason instead of noise on negmine's stderr; not tried when no GPU device node is visible.
 */
export async function probeWebGpu(checks: DeviceChecks = {}): Promise<ProbeResult> {
  if (checks.gpuDeviceNodes !== undefined && checks.gpuDeviceNodes().length === 0) {
    return { target: 'webgpu', usable: false, reason: 'no GPU device on this machine (no /dev/nvidia* or /dev/dri/renderD* node)', error: 'not tried', elapsedMs: 0 };
  }
  const started = performance.now();
  const outcome = await probeWebGpuInChild();
  const result: ProbeResult = { target: 'webgpu', usable: outcome.usable, elapsedMs: Math.round(performance.now() - started) };
  if (outcome.usable) return result;
  result.error = oneLine(outcome.error ?? 'unknown error');
  if (outcome.dawn.length > 0) result.reason = `Dawn: ${outcome.dawn.join('; ')}`;
  return result;
}

function unavailable(target: ExecutionTarget, probe: ProbeResult): NegmineError {
  return new NegmineError('E_EP_UNAVAILABLE', `Cannot use --device ${describeTarget(target)}: ${describeProbeFailure(probe)} (run 'negmine doctor' for details, or use --device cpu)`);
}

/**
 * Turns a --device request into the provider sessions will use. auto tries CUDA, then WebGPU, each only taken when
 * a probe session really runs there, else CPU with one warning (each fallback's reason is a field); an explicit GPU
 * device that fails is E_EP_UNAVAILABLE.
 */
export async function resolveExecutionTarget(request: DeviceRequest, log: Logger, checks: DeviceChecks = {}): Promise<ExecutionTarget> {
  if (request.kind === 'cpu') return { provider: 'cpu' };
  const webgpu: ExecutionTarget = { provider: 'webgpu' };
  if (request.kind === 'webgpu') {
    const probe = await probeWebGpu(checks);
    if (probe.usable) return webgpu;
    throw unavailable(webgpu, probe);
  }
  const cuda: ExecutionTarget = { provider: 'cuda', deviceId: request.kind === 'cuda' ? request.deviceId : 0 };
  const cudaProbe = await probeExecutionProvider(cuda, checks.diagnoseCuda);
  if (cudaProbe.usable) return cuda;
  if (request.kind === 'cuda') throw unavailable(cuda, cudaProbe);
  const cudaReason = describeProbeFailure(cudaProbe);
  const webgpuProbe = await probeWebGpu(checks);
  if (webgpuProbe.usable) {
    log.warn({ event: 'device_fallback', requested: 'auto', using: 'webgpu', reasons: { cuda: cudaReason } }, "CUDA unavailable, running on WebGPU (see 'negmine doctor')");
    return webgpu;
  }
  // One short line; the long reasons are fields (JSON logs) and `negmine doctor` explains them.
  const reasons = { cuda: cudaReason, webgpu: describeProbeFailure(webgpuProbe) };
  log.warn({ event: 'device_fallback', requested: 'auto', using: 'cpu', reason: `cuda: ${reasons.cuda}; webgpu: ${reasons.webgpu}`, reasons }, "no GPU usable, running on CPU (see 'negmine doctor'; --device cpu silences this)");
  return { provider: 'cpu' };
}
