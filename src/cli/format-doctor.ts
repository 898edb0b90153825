import { describeProbeFailure, type ProbeResult } from '../model/execution-provider.ts';
import type { DoctorReport } from '../pipeline/doctor.ts';

const GIB = 1024 ** 3;

function row(label: string, value: string): string {
  return `${label.padEnd(16)}${value}`;
}

function providerLine(probe: ProbeResult): string {
  return row(`  ${probe.target}`, probe.usable ? `usable (session created and run in ${probe.elapsedMs} ms)` : `unusable: ${describeProbeFailure(probe)}`);
}

function cudaLines(report: DoctorReport): string[] {
  const { cuda } = report;
  const lines = [row('nvidia driver', cuda.driver ?? 'not loaded (no /proc/driver/nvidia/version)')];
  const missingProvider = cuda.providerLibraries.filter((lib) => !lib.present);
  if (missingProvider.length > 0) {
    lines.push(
      row(
        'cuda provider',
        `not installed (${missingProvider.map((lib) => lib.file).join(', ')} missing in ${cuda.providerDir}); ` +
          'on a GPU host reinstall with ONNXRUNTIME_NODE_INSTALL=cuda12 npm run setup',
      ),
    );
  } else {
    const unresolved = cuda.providerLibraries.flatMap((lib) => lib.unresolved);
    lines.push(row('cuda provider', unresolved.length === 0 ? 'installed, all linked libraries resolve' : `installed, unresolved: ${[...new Set(unresolved)].join(', ')}`));
  }
  const found = cuda.runtimeLibraries.filter((lib) => lib.path !== null).map((lib) => lib.name);
  const missing = cuda.runtimeLibraries.filter((lib) => lib.path === null).map((lib) => lib.name);
  lines.push(row('cuda libraries', missing.length === 0 ? `all found (${found.join(', ')})` : `missing: ${missing.join(', ')}${found.length > 0 ? `; found: ${found.join(', ')}` : ''}`));
  return lines;
}

function faissLine(report: DoctorReport): string {
  const { faiss } = report;
  const build =
    faiss.build.source === 'prebuilt'
      ? 'prebuilt binary'
      : faiss.build.source === 'system-libfaiss'
        ? `built against system libfaiss ${faiss.build.libfaissVersion ?? ''} (${faiss.build.libfaiss ?? ''})`
        : 'build origin unknown';
  return row('faiss', `faiss-node ${faiss.version}, ${build}: ${faiss.usable ? 'usable' : `unusable: ${faiss.error ?? ''}`}`);
}

/** The human-readable doctor report, one fact per line. */
export function formatDoctorReport(report: DoctorReport): string {
  const { onnxruntime, system } = report;
  const backends = onnxruntime.listedBackends.map((b) => (b.bundled ? b.name : `${b.name} (not bundled)`)).join(', ');
  const gpuState = `${onnxruntime.providers.cuda.usable ? 'CUDA available' : 'CUDA unavailable'}; ${onnxruntime.providers.webgpu.usable ? 'WebGPU available' : 'WebGPU unavailable'}`;
  const nodes = onnxruntime.gpuDeviceNodes;
  const lines = [
    row('negmine', report.negmine),
    row('node', `${report.node.version} (${report.node.platform} ${report.node.arch})`),
    row('onnxruntime', `onnxruntime-node ${onnxruntime.version}; listed backends: ${backends}`),
    providerLine(onnxruntime.providers.cpu),
    providerLine(onnxruntime.providers.cuda),
    providerLine(onnxruntime.providers.webgpu),
    row('gpu devices', nodes.length === 0 ? 'none (no /dev/nvidia* or /dev/dri/renderD*): --device auto does not try WebGPU' : nodes.join(', ')),
    row('cpu threads', `${onnxruntime.cpuThreads.intraOpThreads} intra-op threads per session, spinning ${onnxruntime.cpuThreads.spinning ? 'on' : 'off'} (--threads overrides the count)`),
    ...cudaLines(report),
    faissLine(report),
    row('tokenizers', `tokenizers ${report.tokenizers.version}: ${report.tokenizers.usable ? 'usable' : `unusable: ${report.tokenizers.error ?? ''}`}`),
    row('system', `${system.cpuCores} cores (${system.cpuModel}), ${(system.memoryTotalBytes / GIB).toFixed(1)} GiB memory (${(system.memoryFreeBytes / GIB).toFixed(1)} GiB free)`),
    row('status', report.ok ? `ok: CPU works; ${gpuState}` : 'broken: see the unusable lines above'),
  ];
  return `${lines.join('\n')}\n`;
}
