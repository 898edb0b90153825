import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createProgressBar, formatBytes, formatDuration, type ProgressStream } from '../../src/core/progress-bar.ts';

function fakeStream(isTTY: boolean): ProgressStream & { output: string } {
  const stream = {
    output: '',
    isTTY,
    columns: 120,
    write(chunk: string): boolean {
      stream.output += chunk;
      return true;
    },
  };
  return stream;
}

describe('progress-bar', () => {
  it('progress-bar draws nothing when the stream is not a TTY', () => {
    const stream = fakeStream(false);
    const bar = createProgressBar({ label: 'model.onnx', total: 100, stream, unit: 'bytes' });
    bar.update(50);
    bar.finish();
    assert.equal(bar.enabled, false);
    assert.equal(stream.output, '');
  });

  it('progress-bar refuses stdout', () => {
    assert.throws(() => createProgressBar({ label: 'x', total: 1, stream: process.stdout, unit: 'items' }), TypeError);
  });

  it('progress-bar shows amount, percentage, rate and ETA in place', () => {
    const stream = fakeStream(true);
    let clock = 0;
    const bar = createProgressBar({ label: 'model.onnx', total: 10_000_000, stream, unit: 'bytes', now: () => clock });
    bar.update(0);
    clock = 2000;
    bar.update(4_000_000);
    const line = stream.output.split('\r').at(-1) ?? '';
    assert.equal(line, `model.onnx [${'#'.repeat(10)}${'.'.repeat(14)}] 40% 4.0 MB/10.0 MB 2.0 MB/s ETA 3s\u001b[K`);
    clock = 3000;
    bar.update(10_000_000);
    bar.finish();
    assert.ok(stream.output.endsWith('\n'));
    assert.match(stream.output, /100% 10\.0 MB\/10\.0 MB/);
  });

  it('progress-bar counts items and handles an unknown total', () => {
    const stream = fakeStream(true);
    let clock = 0;
    const bar = createProgressBar({ label: 'queries', total: undefined, stream, unit: 'items', now: () => clock, minIntervalMs: 0 });
    bar.update(0);
    clock = 1000;
    bar.update(1500);
    assert.match(stream.output.split('\r').at(-1) ?? '', /^queries 1,500 1,500 items\/s/);
  });

  it('progress-bar formats sizes and durations', () => {
    assert.equal(formatBytes(999), '999 B');
    assert.equal(formatBytes(90_900_000), '90.9 MB');
    assert.equal(formatDuration(42), '42s');
    assert.equal(formatDuration(185), '3m05s');
    assert.equal(formatDuration(7800), '2h10m');
  });
});
