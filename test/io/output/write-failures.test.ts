import assert from 'node:assert/strict';
import { readdirSync, statSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { NegmineError } from '../../../src/core/errors.ts';
import { writeJsonFile } from '../../../src/io/output/json-file.ts';
import { openTableWriter, type OutputFormat } from '../../../src/io/output/open-table-writer.ts';
import { writeVectors, type VectorFormat } from '../../../src/io/output/vector-writer.ts';
import { tempDir } from '../../helpers/temp.ts';

// /dev/full fails every write with ENOSPC, for real; written in place, it is never renamed over.
function enospc(file: string): (error: unknown) => boolean {
  return (error) => error instanceof NegmineError && error.code === 'E_IO' && error.exitCode === 75 && error.message === `Cannot write '${file}': no space left on device (ENOSPC)`;
}

describe('write failures', () => {
  for (const format of ['jsonl', 'arrow', 'parquet'] as OutputFormat[]) {
    it(`write failures of the ${format} table writer are E_IO naming the path and the errno`, async () => {
      const writer = await openTableWriter('/dev/full', [{ name: 'query', type: 'string' }], format);
      await assert.rejects(async () => {
        await writer.write([{ query: 'q'.repeat(1 << 17) }]);
        await writer.close();
      }, enospc('/dev/full'));
      await writer.abort();
      assert.ok(statSync('/dev/full').isCharacterDevice());
    });
  }

  for (const format of ['jsonl', 'arrow', 'parquet', 'npy'] as VectorFormat[]) {
    it(`write failures of the ${format} vector writer are E_IO and leave no file under the final name`, async () => {
      const dir = tempDir();
      const output = path.join(dir, `v.${format}`);
      symlinkSync('/dev/full', output);
      await assert.rejects(writeVectors(output, ['a', 'b'], new Float32Array(8), 4, format), enospc(output));
      assert.deepEqual(readdirSync(dir), [`v.${format}`], 'no ids file, no temp file');
    });
  }

  it('write failures of the JSON file writer are E_IO', async () => {
    await assert.rejects(writeJsonFile('/dev/full', { a: 1 }), enospc('/dev/full'));
  });
});
