import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { memorySource } from '../../src/io/byte-source.ts';
import { SafetensorsFile, tensorToFloat32, tensorToInt64, withSafetensorsFile } from '../../src/io/safetensors.ts';
import { negmineError } from '../helpers/errors.ts';
import { safetensorsBytes } from '../helpers/static-model.ts';
import { tempDir } from '../helpers/temp.ts';

const VALUES = [0.5, -1, 0.015625, 2, -0.25, 0];

function header(json: string): Buffer {
  const length = Buffer.alloc(8);
  length.writeBigUInt64LE(BigInt(Buffer.byteLength(json)));
  return Buffer.concat([length, Buffer.from(json)]);
}

async function open(bytes: Uint8Array): Promise<SafetensorsFile> {
  return SafetensorsFile.open(memorySource('m.safetensors', bytes));
}

describe('safetensors', () => {
  it('safetensors reads F32, F16, BF16 and F64 tensors as float32, and integer tensors as int64', async () => {
    const bytes = safetensorsBytes(
      [
        { name: 'f32', dtype: 'F32', shape: [2, 3], values: VALUES },
        { name: 'f16', dtype: 'F16', shape: [3, 2], values: VALUES },
        { name: 'bf16', dtype: 'BF16', shape: [6], values: VALUES },
        { name: 'f64', dtype: 'F64', shape: [1, 6], values: VALUES },
        { name: 'ids', dtype: 'I64', shape: [3], values: [7, 0, 30_521] },
      ],
      { format: 'pt' },
    );
    const file = await open(bytes);
    assert.deepEqual(file.metadata, { format: 'pt' });
    assert.deepEqual([...file.tensors.keys()], ['f32', 'f16', 'bf16', 'f64', 'ids']);
    for (const name of ['f32', 'f16', 'bf16', 'f64']) {
      const tensor = await file.read(name);
      assert.deepEqual([...tensorToFloat32(tensor)], VALUES, name);
    }
    assert.deepEqual((await file.read('f16')).shape, [3, 2]);
    assert.deepEqual([...tensorToInt64(await file.read('ids'))], [7n, 0n, 30_521n]);
  });

  it('safetensors accepts a header padded with spaces and an empty tensor', async () => {
    const json = JSON.stringify({ empty: { dtype: 'F32', shape: [0, 4], data_offsets: [0, 0] }, one: { dtype: 'F32', shape: [1], data_offsets: [0, 4] } });
    const file = await open(Buffer.concat([header(`${json}    `), Buffer.from(Float32Array.of(3).buffer)]));
    assert.equal((await file.read('empty')).bytes.byteLength, 0);
    assert.deepEqual([...tensorToFloat32(await file.read('one'))], [3]);
  });

  it('safetensors refuses broken files with one line naming the file and what is wrong', async () => {
    const good = safetensorsBytes([{ name: 'embeddings', dtype: 'F32', shape: [2, 2], values: [1, 2, 3, 4] }]);
    const cases: [string, Uint8Array, RegExp][] = [
      ['a file shorter than the length field', Buffer.from([1, 2, 3]), /^Cannot read safetensors file 'm\.safetensors': the file has 3 bytes, too few for a header/],
      ['a header longer than the file', good.subarray(0, 20), /its header needs \d+ bytes but the file has 12 after the length \(truncated\?\)$/],
      ['tensor data cut short', good.subarray(0, good.length - 4), /tensor 'embeddings' ends at byte \d+ but the file has \d+ bytes \(truncated download\?\)$/],
      ['a header that is not JSON', header('{"embeddings": {'), /its header is not valid JSON/],
      ['a header that is a list', header('[1, 2]'), /its header is not a JSON object$/],
      ['an absurd header length', Buffer.concat([Buffer.from([0, 0, 0, 0, 0, 0, 0, 0x10]), Buffer.alloc(8)]), /its header length field says \d+ bytes \(not safetensors\?\)$/],
      ['offsets that do not fit the shape', header(JSON.stringify({ t: { dtype: 'F32', shape: [3], data_offsets: [0, 8] } })), /tensor 't' \(F32 \[3\]\) spans 8 bytes; its shape needs 12$/],
      ['reversed offsets', header(JSON.stringify({ t: { dtype: 'F32', shape: [1], data_offsets: [4, 0] } })), /tensor 't' has data_offsets \[4,0\]; expected \[begin, end\]$/],
      ['a bad shape', header(JSON.stringify({ t: { dtype: 'F32', shape: [-1], data_offsets: [0, 0] } })), /tensor 't' has shape \[-1\]; expected a list of non-negative integers$/],
    ];
    for (const [name, bytes, message] of cases) await assert.rejects(open(bytes), negmineError('E_MODEL_LOAD', message), name);
  });

  it('safetensors names the tensors a file has when one is missing, and refuses dtypes it does not read', async () => {
    const file = await open(
      Buffer.concat([header(JSON.stringify({ 'embedding.weight': { dtype: 'F32', shape: [1], data_offsets: [0, 4] }, flags: { dtype: 'BOOL', shape: [4], data_offsets: [4, 8] } })), Buffer.alloc(8)]),
    );
    assert.throws(() => file.info('embeddings'), negmineError('E_MODEL_LOAD', /^Cannot read safetensors file 'm\.safetensors': no tensor 'embeddings' \(have: embedding\.weight, flags\)$/));
    await assert.rejects(file.read('flags'), negmineError('E_MODEL_LOAD', /tensor 'flags' has dtype BOOL; negmine reads F64, F32, F16, BF16, I64, I32, I16, I8, U8 here$/));
    await assert.rejects(file.read('embedding.weight', ['F16']), negmineError('E_MODEL_LOAD', /tensor 'embedding\.weight' has dtype F32; negmine reads F16 here$/));
  });

  it('safetensors opens a file through the file adapter and names a missing one', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'model.safetensors');
    writeFileSync(file, safetensorsBytes([{ name: 'embeddings', dtype: 'F16', shape: [2], values: [0.5, -2] }]));
    const values = await withSafetensorsFile(file, async (tensors) => tensorToFloat32(await tensors.read('embeddings')));
    assert.deepEqual([...values], [0.5, -2]);
    await assert.rejects(
      withSafetensorsFile(path.join(dir, 'absent.safetensors'), () => Promise.resolve(0)),
      negmineError('E_MODEL_LOAD', /^Cannot read safetensors file '.*absent\.safetensors': ENOENT$/),
    );
  });
});
