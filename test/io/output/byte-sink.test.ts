import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { ByteSink } from '../../../src/io/output/byte-sink.ts';
import { tempDir } from '../../helpers/temp.ts';

describe('byte sink', () => {
  it('byte sink waits for drain many times without piling up error listeners', async () => {
    const warnings: Error[] = [];
    const onWarning = (warning: Error): void => {
      warnings.push(warning);
    };
    process.on('warning', onWarning);
    try {
      const file = path.join(tempDir(), 'big.bin');
      const sink = ByteSink.toFile(file);
      // Each chunk is far above the stream's high-water mark, so every write waits for 'drain'.
      const chunk = new Uint8Array(1 << 20).fill(7);
      for (let i = 0; i < 40; i += 1) await sink.write(chunk);
      await sink.close();
      await new Promise((resolve) => setImmediate(resolve));
      assert.equal(statSync(file).size, 40 << 20);
      assert.deepEqual(
        warnings.filter((warning) => warning.name === 'MaxListenersExceededWarning').map((warning) => warning.message),
        [],
      );
    } finally {
      process.off('warning', onWarning);
    }
  });
});
