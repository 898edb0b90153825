// A one-tensor F16 safetensors file; the half rounding is negmine's own (src/core/float16.ts).
import { toFloat16Bits } from '../../src/core/float16.ts';

/** safetensors bytes holding one F16 tensor (header padded with spaces to a multiple of 8, as safetensors does). */
export function f16Safetensors(name: string, shape: readonly number[], values: Float32Array): Buffer {
  const data = Buffer.from(Uint16Array.from(values, toFloat16Bits).buffer);
  let header = JSON.stringify({ [name]: { dtype: 'F16', shape, data_offsets: [0, data.length] } });
  header += ' '.repeat((8 - (header.length % 8)) % 8);
  const length = Buffer.alloc(8);
  length.writeBigUInt64LE(BigInt(header.length));
  return Buffer.concat([length, Buffer.from(header), data]);
}
