import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { describe, it } from 'node:test';
import { NegmineError } from '../../src/core/errors.ts';
import { createStreamLogger, silentLogger, type Logger } from '../../src/core/logger.ts';
import { parseDevice } from '../../src/model/device.ts';
import { defaultCpuThreads } from '../../src/model/cpu-threads.ts';
import { probeExecutionProvider, resolveExecutionTarget, sessionOptions, sessionThreads } from '../../src/model/execution-provider.ts';
import os from 'node:os';
import { Writable } from 'node:stream';

const hasGpu = existsSync('/proc/driver/nvidia/version');

function capturingLogger(): { log: Logger; lines: () => Record<string, unknown>[] } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      chunks.push(chunk.toString());
      done();
    },
  });
  return { log: createStreamLogger('info', stream), lines: () => chunks.join('').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>) };
}

describe('execution provider', () => {
  it('execution provider parses every --device form and rejects others', () => {
    assert.deepEqual(parseDevice('auto'), { kind: 'auto' });
    assert.deepEqual(parseDevice('CPU'), { kind: 'cpu' });
    assert.deepEqual(parseDevice('cuda'), { kind: 'cuda', deviceId: 0 });
    assert.deepEqual(parseDevice('cuda:3'), { kind: 'cuda', deviceId: 3 });
    assert.deepEqual(parseDevice('WebGPU'), { kind: 'webgpu' });
    assert.throws(() => parseDevice('tpu'), (error: unknown) => error instanceof NegmineError && error.code === 'E_USAGE' && /expected auto, cpu, cuda, cuda:N \(e.g. cuda:1\) or webgpu/.test(error.message));
    assert.throws(() => parseDevice('cuda:x'), NegmineError);
  });

  it('execution provider session options give cpu sessions --threads (else one per core) and no spinning', () => {
    const spinningOff = { session: { intra_op: { allow_spinning: '0' }, inter_op: { allow_spinning: '0' } } };
    const byDefault = sessionOptions({ provider: 'cpu' });
    assert.equal(byDefault.intraOpNumThreads, defaultCpuThreads().intraOpThreads);
    assert.equal(defaultCpuThreads().intraOpThreads, os.availableParallelism());
    assert.deepEqual(byDefault.extra, spinningOff);
    const three = sessionOptions({ provider: 'cpu' }, 3);
    assert.equal(three.intraOpNumThreads, 3);
    assert.deepEqual(three.extra, spinningOff);
    assert.deepEqual(sessionOptions({ provider: 'cpu' }, 2, true).extra, { session: { intra_op: { allow_spinning: '1' }, inter_op: { allow_spinning: '1' } } });
    assert.deepEqual(sessionThreads({ provider: 'cpu' }, 3), { intraOpThreads: 3, spinning: false });
    // CUDA sessions keep onnxruntime's own CPU threading unless --threads is given.
    const cuda = sessionOptions({ provider: 'cuda', deviceId: 0 });
    assert.equal(cuda.intraOpNumThreads, undefined);
    assert.equal(cuda.extra, undefined);
    assert.equal(sessionThreads({ provider: 'cuda', deviceId: 0 }), undefined);
    // WebGPU sessions name only their provider: onnxruntime puts the nodes WebGPU lacks on its CPU provider itself.
    const webgpu = sessionOptions({ provider: 'webgpu' });
    assert.deepEqual(webgpu.executionProviders, ['webgpu']);
    assert.equal(webgpu.extra, undefined);
  });

  it('execution provider probe really runs a session on cpu', async () => {
    const probe = await probeExecutionProvider({ provider: 'cpu' });
    assert.equal(probe.usable, true, probe.error);
    assert.equal(probe.target, 'cpu');
  });

  it('execution provider probe on cuda carries the diagnosis when it fails', { skip: hasGpu && 'GPU host' }, async () => {
    const probe = await probeExecutionProvider({ provider: 'cuda', deviceId: 0 }, () => Promise.resolve('libcudnn.so.9: cannot open shared object file'));
    assert.equal(probe.usable, false);
    assert.ok(probe.error !== undefined && probe.error.length > 0);
    assert.equal(probe.reason, 'libcudnn.so.9: cannot open shared object file');
  });

  it('execution provider --device cpu never probes cuda', async () => {
    assert.deepEqual(await resolveExecutionTarget({ kind: 'cpu' }, silentLogger(), { diagnoseCuda: () => Promise.reject(new Error('must not run')), gpuDeviceNodes: () => { throw new Error('must not run'); } }), { provider: 'cpu' });
  });

  it('execution provider --device auto tries cuda, then webgpu, then falls back to cpu with one warning naming each reason', { skip: hasGpu && 'GPU host' }, async () => {
    const { log, lines } = capturingLogger();
    const target = await resolveExecutionTarget({ kind: 'auto' }, log, { diagnoseCuda: () => Promise.resolve('no NVIDIA driver is loaded'), gpuDeviceNodes: () => [] });
    assert.deepEqual(target, { provider: 'cpu' });
    const warnings = lines().filter((l) => l['level'] === 40);
    assert.equal(warnings.length, 1);
    const [warning] = warnings;
    assert.ok(warning !== undefined);
    assert.equal(warning['event'], 'device_fallback');
    assert.equal(warning['using'], 'cpu');
    const reasons = warning['reasons'] as Record<string, string>;
    assert.match(reasons['cuda'] ?? '', /no NVIDIA driver is loaded/);
    assert.match(reasons['webgpu'] ?? '', /no GPU device on this machine/);
    assert.ok(String(warning['msg']).length < 100);
  });

  it('execution provider --device webgpu fails with E_EP_UNAVAILABLE: without a GPU device node, or when onnxruntime finds no adapter', { skip: hasGpu && 'GPU host' }, async () => {
    await assert.rejects(
      resolveExecutionTarget({ kind: 'webgpu' }, silentLogger(), { gpuDeviceNodes: () => [] }),
      (error: unknown) => error instanceof NegmineError && error.code === 'E_EP_UNAVAILABLE' && error.exitCode === 1 && error.message.startsWith('Cannot use --device webgpu: no GPU device on this machine'),
    );
    // A device node that is there but no adapter behind it: a real WebGPU session is tried and its error reported.
    await assert.rejects(
      resolveExecutionTarget({ kind: 'webgpu' }, silentLogger(), { gpuDeviceNodes: () => ['/dev/dri/renderD128'] }),
      (error: unknown) => error instanceof NegmineError && error.code === 'E_EP_UNAVAILABLE' && /^Cannot use --device webgpu: .*adapter/i.test(error.message) && !error.message.includes('\n'),
    );
  });

  it('execution provider --device cuda fails with E_EP_UNAVAILABLE and the reason', { skip: hasGpu && 'GPU host' }, async () => {
    await assert.rejects(
      resolveExecutionTarget({ kind: 'cuda', deviceId: 1 }, silentLogger(), { diagnoseCuda: () => Promise.resolve('no NVIDIA driver is loaded') }),
      (error: unknown) =>
        error instanceof NegmineError &&
        error.code === 'E_EP_UNAVAILABLE' &&
        error.exitCode === 1 &&
        error.message.startsWith('Cannot use --device cuda:1: no NVIDIA driver is loaded'),
    );
  });
});
