// float32 -> IEEE half (round to nearest even) and a one-tensor safetensors file.

const scratch = new Float32Array(1);
const bits = new Uint32Array(scratch.buffer);

/** The float16 bits of a float32 value, rounded to nearest even (overflow gives infinity, tiny values subnormals). */
export function toHalfBits(value: number): number {
  scratch[0] = value;
  const x = bits[0] ?? 0;
  const sign = (x >>> 16) & 0x8000;
  const exponent = (x >>> 23) & 0xff;
  const mantissa = x & 0x7fffff;
  if (exponent === 0xff) return sign | 0x7c00 | (mantissa === 0 ? 0 : 0x200);
  const e = exponent - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    const full = mantissa | 0x800000;
    const shift = 14 - e;
    const half = full >>> shift;
    const rest = full & ((1 << shift) - 1);
    const midpoint = 1 << (shift - 1);
    return sign | (rest > midpoint || (rest === midpoint && (half & 1) === 1) ? half + 1 : half);
  }
  const half = (e << 10) | (mantissa >>> 13);
  const rest = mantissa & 0x1fff;
  return sign | (rest > 0x1000 || (rest === 0x1000 && (half & 1) === 1) ? half + 1 : half);
}

/** safetensors bytes holding one F16 tensor (header padded with spaces to a multiple of 8, as safetensors does). */
export function f16Safetensors(name: string, shape: readonly number[], values: Float32Array): Buffer {
  const data = Buffer.from(Uint16Array.from(values, toHalfBits).buffer);
  let header = JSON.stringify({ [name]: { dtype: 'F16', shape, data_offsets: [0, data.length] } });
  header += ' '.repeat((8 - (header.length % 8)) % 8);
  const length = Buffer.alloc(8);
  length.writeBigUInt64LE(BigInt(header.length));
  return Buffer.concat([length, Buffer.from(header), data]);
}
