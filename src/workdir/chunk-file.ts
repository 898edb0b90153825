import { createHash } from 'node:crypto';

/** A chunk's typed arrays and small scalar facts (rows, k, ...). */
export interface ChunkData {
  meta: Record<string, number | string>;
  arrays: (Float32Array | Int32Array | Uint16Array | Uint8Array)[];
}

/** Which chunk a file must be: a chunk of another stage, key or position is never reused. */
export interface ChunkIdentity {
  stage: string;
  key: string;
  chunk: number;
}

const MAGIC = 'NMCHUNK1';
const ARRAY_TYPES = { f32: Float32Array, i32: Int32Array, u16: Uint16Array, u8: Uint8Array } as const;
type ArrayType = keyof typeof ARRAY_TYPES;

interface ChunkHeader extends ChunkIdentity {
  meta: Record<string, number | string>;
  arrays: { type: ArrayType; length: number }[];
  /** sha256 over the header fields above (as JSON) and every array's bytes. */
  sha256: string;
}

function typeOf(array: ChunkData['arrays'][number]): ArrayType {
  if (array instanceof Float32Array) return 'f32';
  if (array instanceof Int32Array) return 'i32';
  if (array instanceof Uint16Array) return 'u16';
  return 'u8';
}

function bytesOf(array: ChunkData['arrays'][number]): Uint8Array {
  return new Uint8Array(array.buffer, array.byteOffset, array.byteLength);
}

function digest(identity: Omit<ChunkHeader, 'sha256'>, bodies: readonly Uint8Array[]): string {
  const hash = createHash('sha256').update(JSON.stringify(identity));
  for (const body of bodies) hash.update(body);
  return hash.digest('hex');
}

const pad8 = (n: number): number => (n + 7) & ~7;

/**
 * A chunk file: "NMCHUNK1", a uint32 header length, a JSON header (stage, key, chunk, meta, array types and lengths,
 * sha256), then each array's little-endian bytes, 8-byte aligned. The checksum covers header and data.
 */
export function encodeChunk(identity: ChunkIdentity, data: ChunkData): Uint8Array {
  const bodies = data.arrays.map(bytesOf);
  const fields = { stage: identity.stage, key: identity.key, chunk: identity.chunk, meta: data.meta, arrays: data.arrays.map((a) => ({ type: typeOf(a), length: a.length })) };
  const header = Buffer.from(JSON.stringify({ ...fields, sha256: digest(fields, bodies) }), 'utf8');
  let size = pad8(12 + header.length);
  const offsets = bodies.map((body) => {
    const at = size;
    size = pad8(size + body.length);
    return at;
  });
  const out = Buffer.alloc(size);
  out.write(MAGIC, 0, 'latin1');
  out.writeUInt32LE(header.length, 8);
  header.copy(out, 12);
  bodies.forEach((body, i) => {
    out.set(body, offsets[i] ?? 0);
  });
  return out;
}

/** The chunk's data, or why the bytes are not the expected chunk (truncated, changed, another stage's or key's). */
export function decodeChunk(bytes: Uint8Array, expected: ChunkIdentity): { data: ChunkData } | { problem: string } {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buffer.length < 12 || buffer.toString('latin1', 0, 8) !== MAGIC) return { problem: 'it does not start with a negmine chunk header' };
  const headerLength = buffer.readUInt32LE(8);
  if (12 + headerLength > buffer.length) return { problem: `it is truncated (${buffer.length} bytes, header alone needs ${12 + headerLength})` };
  let header: ChunkHeader;
  try {
    header = JSON.parse(buffer.toString('utf8', 12, 12 + headerLength)) as ChunkHeader;
  } catch {
    return { problem: 'its header is not valid JSON' };
  }
  if (header.stage !== expected.stage || header.key !== expected.key || header.chunk !== expected.chunk) {
    return { problem: `it belongs to ${JSON.stringify(header.stage)} chunk ${JSON.stringify(header.chunk)} of settings ${JSON.stringify(header.key)}, not this run's` };
  }
  if (!Array.isArray(header.arrays) || header.arrays.some((a) => !(a.type in ARRAY_TYPES) || !Number.isSafeInteger(a.length) || a.length < 0)) return { problem: 'its header lists invalid arrays' };
  let at = pad8(12 + headerLength);
  const arrays: ChunkData['arrays'] = [];
  const bodies: Uint8Array[] = [];
  for (const { type, length } of header.arrays) {
    const Type = ARRAY_TYPES[type];
    const byteLength = length * Type.BYTES_PER_ELEMENT;
    if (at + byteLength > buffer.length) return { problem: `it is truncated (${buffer.length} bytes, its arrays need ${at + byteLength})` };
    // A copy: aligned for any array type and independent of the file's buffer.
    const array = new Type(length);
    const body = bytesOf(array);
    body.set(buffer.subarray(at, at + byteLength));
    arrays.push(array);
    bodies.push(body);
    at = pad8(at + byteLength);
  }
  if (at !== buffer.length) return { problem: `it has ${buffer.length - at} bytes past its last array` };
  const { sha256, ...fields } = header;
  if (digest(fields, bodies) !== sha256) return { problem: 'its checksum does not match its content (changed or damaged)' };
  return { data: { meta: header.meta, arrays } };
}

/** The stage, key and chunk a file's header names (from its first bytes only), undefined when it has no readable header. */
export function peekChunkIdentity(head: Uint8Array): ChunkIdentity | undefined {
  const buffer = Buffer.from(head.buffer, head.byteOffset, head.byteLength);
  if (buffer.length < 12 || buffer.toString('latin1', 0, 8) !== MAGIC) return undefined;
  const headerLength = buffer.readUInt32LE(8);
  if (12 + headerLength > buffer.length) return undefined;
  try {
    const header = JSON.parse(buffer.toString('utf8', 12, 12 + headerLength)) as Partial<ChunkHeader>;
    return typeof header.stage === 'string' && typeof header.key === 'string' && typeof header.chunk === 'number' ? { stage: header.stage, key: header.key, chunk: header.chunk } : undefined;
  } catch {
    return undefined;
  }
}
