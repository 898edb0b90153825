/** Widens IEEE 754 half-precision values (as onnxruntime hands float16 tensors to JS: raw uint16) to float32. */
export function float16ToFloat32(halves: Uint16Array): Float32Array {
  const out = new Float32Array(halves.length);
  for (let i = 0; i < halves.length; i += 1) out[i] = halfValue(halves[i] ?? 0);
  return out;
}

function halfValue(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exponent = (h >> 10) & 0x1f;
  const fraction = h & 0x3ff;
  if (exponent === 0) return sign * 2 ** -14 * (fraction / 1024);
  if (exponent === 0x1f) return fraction === 0 ? sign * Number.POSITIVE_INFINITY : Number.NaN;
  return sign * 2 ** (exponent - 15) * (1 + fraction / 1024);
}

let halfTable: Float32Array | undefined;

/** Every half's float32 value, indexed by its bits (256 KiB, built on first use): widening is one lookup per value. */
export function float16Table(): Float32Array {
  if (halfTable !== undefined) return halfTable;
  const table = new Float32Array(1 << 16);
  for (let h = 0; h < table.length; h += 1) table[h] = halfValue(h);
  halfTable = table;
  return table;
}

/** Widens halves[from, from + count) into out[at, at + count), reusing the caller's buffer. */
export function widenFloat16Into(halves: Uint16Array, from: number, count: number, out: Float32Array, at = 0): void {
  const table = float16Table();
  for (let i = 0; i < count; i += 1) out[at + i] = table[halves[from + i] ?? 0] ?? 0;
}

const scratchFloat = new Float32Array(1);
const scratchBits = new Uint32Array(scratchFloat.buffer);

/** The half-precision bits nearest to x (round to nearest, ties to even; overflow to infinity, NaN kept as NaN). */
export function toFloat16Bits(x: number): number {
  scratchFloat[0] = x;
  const bits = scratchBits[0] ?? 0;
  const sign = (bits >>> 16) & 0x8000;
  const exponent32 = (bits >>> 23) & 0xff;
  const mantissa = bits & 0x7fffff;
  if (exponent32 === 0xff) return sign | 0x7c00 | (mantissa === 0 ? 0 : 0x200);
  const exponent = exponent32 - 127 + 15;
  if (exponent >= 0x1f) return sign | 0x7c00;
  if (exponent <= 0) {
    // Subnormal half: the mantissa with its implicit bit, shifted into 10 bits, rounded.
    if (exponent < -10) return sign;
    const full = mantissa | 0x800000;
    const shift = 14 - exponent;
    let half = full >>> shift;
    const rest = full & ((1 << shift) - 1);
    const halfway = 1 << (shift - 1);
    if (rest > halfway || (rest === halfway && (half & 1) === 1)) half += 1;
    return sign | half;
  }
  let half = (exponent << 10) | (mantissa >>> 13);
  const rest = mantissa & 0x1fff;
  // A carry out of the mantissa rolls into the exponent, up to infinity: the right result.
  if (rest > 0x1000 || (rest === 0x1000 && (half & 1) === 1)) half += 1;
  return sign | half;
}

/** Narrows float32 values to half-precision bits (round to nearest even), into `out` when given. */
export function float32ToFloat16(values: Float32Array, out: Uint16Array = new Uint16Array(values.length)): Uint16Array {
  if (out.length < values.length) throw new RangeError(`float32ToFloat16 needs ${values.length} output slots, got ${out.length}`);
  for (let i = 0; i < values.length; i += 1) out[i] = toFloat16Bits(values[i] ?? 0);
  return out;
}
