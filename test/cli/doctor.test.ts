import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import os from 'node:os';
import { describe, it } from 'node:test';
import { plainStderr, runCli } from '../helpers/cli.ts';
import { gpuDeviceNodes } from '../../src/io/gpu-devices.ts';

// CI and these machines have no NVIDIA driver; on a GPU host the CUDA assertions flip.
const hasGpu = existsSync('/proc/driver/nvidia/version');

interface DoctorJson {
  ok: boolean;
  node: { version: string };
  onnxruntime: { version: string; cpuThreads: { intraOpThreads: number; spinning: boolean }; providers: Record<'cpu' | 'cuda' | 'webgpu', { usable: boolean; error?: string; reason?: string }> };
  faiss: { version: string; usable: boolean; build: { source: string } };
  tokenizers: { version: string; usable: boolean };
  cuda: { driver: string | null; runtimeLibraries: { name: string; path: string | null }[] };
  system: { cpuCores: number; memoryTotalBytes: number };
}

describe('doctor', () => {
  it('doctor reports cpu usable, cuda with its real reason, faiss and tokenizers', async () => {
    const result = await runCli(['doctor']);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /^ {2}cpu +usable \(session created and run in \d+ ms\)$/m);
    assert.match(result.stdout, /^onnxruntime +onnxruntime-node 1\.30\.0/m);
    assert.match(result.stdout, /^faiss +faiss-node 0\.5\.1, .*: usable$/m);
    assert.match(result.stdout, /^tokenizers +tokenizers 0\.23\.2: usable$/m);
    assert.match(result.stdout, /^system +\d+ cores/m);
    assert.match(result.stdout, new RegExp(`^cpu threads +${os.availableParallelism()} intra-op threads per session, spinning off \\(--threads overrides the count\\)$`, 'm'));
    if (hasGpu) {
      assert.match(result.stdout, /^ {2}cuda:0 +(usable|unusable: .+)$/m);
    } else {
      assert.match(result.stdout, /^ {2}cuda:0 +unusable: .+\[onnxruntime: .+\]$/m);
      assert.match(result.stdout, /^status +ok: CPU works; CUDA unavailable; WebGPU unavailable$/m);
      // A real WebGPU session was tried, and its failure is onnxruntime's own words (here: no adapter).
      assert.match(result.stdout, /^ {2}webgpu +unusable: .*adapter/im);
      if (gpuDeviceNodes().length === 0) assert.match(result.stdout, /^gpu devices +none \(no \/dev\/nvidia\* or \/dev\/dri\/renderD\*\)/m);
    }
    // onnxruntime's own colored log lines must not leak onto stderr.
    assert.doesNotMatch(result.stderr, /onnxruntime/);
  });

  it('doctor --json says the same as one JSON object', async () => {
    const result = await runCli(['doctor', '--json']);
    assert.equal(result.code, 0, result.stderr);
    const report = JSON.parse(result.stdout) as DoctorJson;
    assert.equal(report.ok, true);
    assert.equal(report.node.version, process.version);
    assert.equal(report.onnxruntime.version, '1.30.0');
    assert.equal(report.onnxruntime.providers.cpu.usable, true);
    assert.equal(report.faiss.usable, true);
    assert.ok(['prebuilt', 'system-libfaiss'].includes(report.faiss.build.source));
    assert.equal(report.tokenizers.usable, true);
    assert.ok(report.system.cpuCores >= 1 && report.system.memoryTotalBytes > 0);
    assert.deepEqual(report.onnxruntime.cpuThreads, { intraOpThreads: os.availableParallelism(), spinning: false });
    assert.ok(report.cuda.runtimeLibraries.some((lib) => lib.name === 'libcudnn.so.9'));
    if (!hasGpu) {
      const webgpu = report.onnxruntime.providers.webgpu;
      assert.equal(webgpu.usable, false);
      assert.ok(webgpu.error !== undefined && webgpu.error.length > 0);
      const cuda = report.onnxruntime.providers.cuda;
      assert.equal(cuda.usable, false);
      assert.ok(cuda.error !== undefined && cuda.error.length > 0);
      assert.ok(cuda.reason !== undefined && cuda.reason.length > 0);
    }
  });

  it('doctor rejects a bad --cuda-device with exit 2', async () => {
    const result = await runCli(['doctor', '--cuda-device', 'first']);
    assert.equal(result.code, 2);
    assert.equal(result.stdout, '');
    assert.equal(plainStderr(result), "negmine: error: Invalid --cuda-device 'first': expected a device index (0, 1, ...)\n");
  });
});
