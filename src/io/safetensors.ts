// safetensors (huggingface/safetensors): an 8-byte little-endian header length, a JSON header
// {name: {dtype, shape, data_offsets: [begin, end]}, __metadata__?: {...}}, then the raw little-endian tensor bytes,
// offsets counted from the end of the header.
import { NegmineError } from '../core/errors.ts';
import { float16ToFloat32 } from '../core/float16.ts';
import { openFileSource, type ByteSource } from './byte-source.ts';

/** Bytes per element of the dtypes negmine reads. */
export const SAFETENSORS_DTYPES = { F64: 8, F32: 4, F16: 2, BF16: 2, I64: 8, I32: 4, I16: 2, I8: 1, U8: 1 } as const;
export type SafetensorsDtype = keyof typeof SAFETENSORS_DTYPES;

export interface TensorInfo {
  name: string;
  dtype: SafetensorsDtype;
  shape: number[];
  /** Absolute byte range in the file. */
  begin: number;
  end: number;
}

/** A tensor's raw little-endian bytes. */
export interface RawTensor extends TensorInfo {
  bytes: Uint8Array;
}

// A header beyond this is not a model's tensor table (safetensors itself refuses headers above 100 MB).
const MAX_HEADER_BYTES = 100_000_000;

function headerError(source: ByteSource, message: string): NegmineError {
  return new NegmineError('E_MODEL_LOAD', `Cannot read safetensors file '${source.name}': ${message}`);
}

function isDtype(value: unknown): value is SafetensorsDtype {
  return typeof value === 'string' && Object.hasOwn(SAFETENSORS_DTYPES, value);
}

function parseEntry(source: ByteSource, name: string, value: unknown, dataStart: number): TensorInfo {
  if (typeof value !== 'object' || value === null) throw headerError(source, `header entry '${name}' is not an object`);
  const { dtype, shape, data_offsets: offsets } = value as Record<string, unknown>;
  if (typeof dtype !== 'string') throw headerError(source, `header entry '${name}' has no dtype`);
  if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && (d as number) >= 0)) throw headerError(source, `tensor '${name}' has shape ${JSON.stringify(shape)}; expected a list of non-negative integers`);
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((o) => Number.isSafeInteger(o) && (o as number) >= 0) || (offsets[0] as number) > (offsets[1] as number)) {
    throw headerError(source, `tensor '${name}' has data_offsets ${JSON.stringify(offsets)}; expected [begin, end]`);
  }
  const [begin, end] = offsets as [number, number];
  const info = { name, dtype: dtype as SafetensorsDtype, shape: shape as number[], begin: dataStart + begin, end: dataStart + end };
  if (isDtype(dtype)) {
    const expected = (shape as number[]).reduce((product, d) => product * d, 1) * SAFETENSORS_DTYPES[dtype];
    if (end - begin !== expected) throw headerError(source, `tensor '${name}' (${dtype} [${shape.join(', ')}]) spans ${end - begin} bytes; its shape needs ${expected}`);
  }
  if (info.end > source.byteLength) {
    throw headerError(source, `tensor '${name}' ends at byte ${info.end} but the file has ${source.byteLength} bytes (truncated download?)`);
  }
  return info;
}

/** The tensor table of a safetensors file, read from a ByteSource; tensors are read on demand. */
export class SafetensorsFile {
  readonly source: ByteSource;
  readonly tensors: ReadonlyMap<string, TensorInfo>;
  readonly metadata: Record<string, string>;

  private constructor(source: ByteSource, tensors: Map<string, TensorInfo>, metadata: Record<string, string>) {
    this.source = source;
    this.tensors = tensors;
    this.metadata = metadata;
  }

  /** Reads and checks the header: every tensor's byte range must fit its shape and the file. */
  static async open(source: ByteSource): Promise<SafetensorsFile> {
    if (source.byteLength < 8) throw headerError(source, `the file has ${source.byteLength} bytes, too few for a header (truncated or not safetensors)`);
    const lengthBytes = await source.read(0, 8);
    const headerLength = Number(new DataView(lengthBytes.buffer, lengthBytes.byteOffset, 8).getBigUint64(0, true));
    if (headerLength > MAX_HEADER_BYTES) throw headerError(source, `its header length field says ${headerLength} bytes (not safetensors?)`);
    if (8 + headerLength > source.byteLength) throw headerError(source, `its header needs ${headerLength} bytes but the file has ${source.byteLength - 8} after the length (truncated?)`);
    let header: unknown;
    try {
      header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(await source.read(8, headerLength)));
    } catch (error) {
      throw headerError(source, `its header is not valid JSON (${error instanceof Error ? error.message : String(error)})`);
    }
    if (typeof header !== 'object' || header === null || Array.isArray(header)) throw headerError(source, 'its header is not a JSON object');
    const tensors = new Map<string, TensorInfo>();
    let metadata: Record<string, string> = {};
    for (const [name, value] of Object.entries(header)) {
      if (name === '__metadata__') {
        if (typeof value === 'object' && value !== null) metadata = Object.fromEntries(Object.entries(value as Record<string, unknown>).filter((entry): entry is [string, string] => typeof entry[1] === 'string'));
        continue;
      }
      tensors.set(name, parseEntry(source, name, value, 8 + headerLength));
    }
    return new SafetensorsFile(source, tensors, metadata);
  }

  /** A tensor's info, or an E_MODEL_LOAD naming the file and the tensors it has. */
  info(name: string): TensorInfo {
    const info = this.tensors.get(name);
    if (info === undefined) throw headerError(this.source, `no tensor '${name}' (have: ${[...this.tensors.keys()].join(', ') || 'none'})`);
    return info;
  }

  /** A tensor's raw bytes; its dtype must be one of `accepted`. */
  async read(name: string, accepted: readonly SafetensorsDtype[] = Object.keys(SAFETENSORS_DTYPES) as SafetensorsDtype[]): Promise<RawTensor> {
    const info = this.info(name);
    if (!accepted.includes(info.dtype)) throw headerError(this.source, `tensor '${name}' has dtype ${info.dtype}; negmine reads ${accepted.join(', ')} here`);
    const bytes = await this.source.read(info.begin, info.end - info.begin);
    if (bytes.byteLength !== info.end - info.begin) throw headerError(this.source, `tensor '${name}' is cut short (truncated file?)`);
    return { ...info, bytes };
  }
}

/** A tensor's values widened to float32 (F64, F32, F16, BF16, integer dtypes). */
export function tensorToFloat32(tensor: RawTensor): Float32Array {
  const { bytes } = tensor;
  const aligned = bytes.byteOffset % 8 === 0 ? bytes : new Uint8Array(bytes);
  const count = bytes.byteLength / SAFETENSORS_DTYPES[tensor.dtype];
  const view = (Type: { new (buffer: ArrayBufferLike, offset: number, length: number): ArrayLike<number | bigint> }): ArrayLike<number | bigint> => new Type(aligned.buffer, aligned.byteOffset, count);
  switch (tensor.dtype) {
    case 'F32':
      return new Float32Array(view(Float32Array) as Float32Array);
    case 'F16':
      return float16ToFloat32(view(Uint16Array) as Uint16Array);
    case 'BF16': {
      // bfloat16 is the high half of a float32.
      const halves = view(Uint16Array) as Uint16Array;
      const words = new Uint32Array(count);
      for (let i = 0; i < count; i += 1) words[i] = (halves[i] ?? 0) << 16;
      return new Float32Array(words.buffer);
    }
    case 'F64':
      return Float32Array.from(view(Float64Array) as Float64Array);
    case 'I64':
      return Float32Array.from(view(BigInt64Array) as BigInt64Array, Number);
    case 'I32':
      return Float32Array.from(view(Int32Array) as Int32Array);
    case 'I16':
      return Float32Array.from(view(Int16Array) as Int16Array);
    case 'I8':
      return Float32Array.from(view(Int8Array) as Int8Array);
    case 'U8':
      return Float32Array.from(view(Uint8Array) as Uint8Array);
  }
}

/** An integer tensor (I64, I32, I16, I8, U8) as int64 values. */
export function tensorToInt64(tensor: RawTensor): BigInt64Array {
  const aligned = tensor.bytes.byteOffset % 8 === 0 ? tensor.bytes : new Uint8Array(tensor.bytes);
  const count = aligned.byteLength / SAFETENSORS_DTYPES[tensor.dtype];
  switch (tensor.dtype) {
    case 'I64':
      return new BigInt64Array(aligned.buffer.slice(aligned.byteOffset, aligned.byteOffset + aligned.byteLength));
    case 'I32':
      return BigInt64Array.from(new Int32Array(aligned.buffer, aligned.byteOffset, count), BigInt);
    case 'I16':
      return BigInt64Array.from(new Int16Array(aligned.buffer, aligned.byteOffset, count), BigInt);
    case 'I8':
      return BigInt64Array.from(new Int8Array(aligned.buffer, aligned.byteOffset, count), BigInt);
    case 'U8':
      return BigInt64Array.from(aligned, BigInt);
    default:
      throw new NegmineError('E_MODEL_LOAD', `Cannot read tensor '${tensor.name}': dtype ${tensor.dtype} is not an integer type`);
  }
}

/** Opens a safetensors file, reads what `use` needs, and closes it; fs errors become E_MODEL_LOAD naming the file. */
export async function withSafetensorsFile<T>(file: string, use: (tensors: SafetensorsFile) => Promise<T>): Promise<T> {
  let source: Awaited<ReturnType<typeof openFileSource>>;
  try {
    source = await openFileSource(file);
  } catch (error) {
    throw new NegmineError('E_MODEL_LOAD', `Cannot read safetensors file '${file}': ${(error as NodeJS.ErrnoException).code ?? String(error)}`, { cause: error });
  }
  try {
    return await use(await SafetensorsFile.open(source));
  } finally {
    await source.close();
  }
}
