import ort from 'onnxruntime-node';
import { NegmineError, errorMessage } from '../core/errors.ts';
import type { Logger } from '../core/logger.ts';
import { cpuThreads, spinningEntries, type CpuThreads } from './cpu-threads.ts';
import { describeTarget, type DeviceRequest, type ExecutionTarget } from './device.ts';
import { PROBE_EXPECTED, PROBE_INPUT, probeModelBytes } from './probe-model.ts';

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
  const executionProviders: ort.InferenceSession.ExecutionProviderConfig[] =
    target.provider === 'cuda' ? [{ name: 'cuda', deviceId: target.deviceId }] : ['cpu'];
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
    if (!(values instanceof Float32Array) || values.some((v, i) => v !== PROBE_EXPECTED[i])) {
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

function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

/** Backends compiled into or installable for this onnxruntime-node build (not proof that they work). */
export function listedBackends(): { name: string; bundled: boolean }[] {
  return ort.listSupportedBackends().map((b) => ({ name: b.name, bundled: b.bundled }));
}

export function onnxruntimeVersion(): string {
  return ort.env.versions.node ?? ort.env.versions.common;
}

/**
 * Turns a --device request into the provider sessions will use: auto takes CUDA only when a probe session
 * really runs there, otherwise CPU with one warning naming the reason; explicit CUDA that fails is E_EP_UNAVAILABLE.
 */
export async function resolveExecutionTarget(request: DeviceRequest, log: Logger, diagnose?: CudaDiagnosis): Promise<ExecutionTarget> {
  if (request.kind === 'cpu') return { provider: 'cpu' };
  const cuda: ExecutionTarget = { provider: 'cuda', deviceId: request.kind === 'cuda' ? request.deviceId : 0 };
  const probe = await probeExecutionProvider(cuda, diagnose);
  if (probe.usable) return cuda;
  const reason = describeProbeFailure(probe);
  if (request.kind === 'cuda') {
    throw new NegmineError(
      'E_EP_UNAVAILABLE',
      `Cannot use --device ${describeTarget(cuda)}: ${reason} (run 'negmine doctor' for details, or use --device cpu)`,
    );
  }
  // One short line; the long reason is a field (JSON logs) and `negmine doctor` explains it.
  log.warn({ event: 'device_fallback', requested: 'auto', using: 'cpu', reason }, "CUDA unavailable, running on CPU (see 'negmine doctor'; --device cpu silences this)");
  return { provider: 'cpu' };
}
