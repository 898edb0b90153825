import { createHash } from 'node:crypto';
import { mkdir, open, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { CorpusTexts } from '../core/dataset.ts';
import { NegmineError, errorMessage } from '../core/errors.ts';
import { bytesOf, storedArray, type ChunkArray, type StoredVectors, type VectorDtype } from '../core/vector-chunks.ts';
import { cacheTempOwner, removeStaleTemps, tempName } from './stale-temp.ts';

/** Bumped whenever an entry's layout or the way negmine computes vectors changes: old entries then miss. */
export const CACHE_FORMAT = 2;

/** What an embedding depends on; any change gives a different cache entry. */
export interface EmbeddingKey {
  /** sha256 of the ONNX file and its external data (modelDigest). */
  modelSha256: string;
  tokenizerSha256: string;
  prefix: string;
  maxLength: number;
  pooling: readonly string[];
  normalize: boolean;
  /** How the vectors are stored (--vector-dtype): float16 entries hold other values, so they get other keys. */
  dtype: VectorDtype;
  /** --truncate-dim; absent without it (so entries written before the flag existed still match). */
  truncateDim?: number;
  /** Texts by index (a string[] or a text store). */
  texts: CorpusTexts;
}

/** The entry name for a key: sha256 over the settings and every text, each text length-prefixed. */
export function embeddingKeyHash(key: EmbeddingKey): string {
  const hash = createHash('sha256');
  const settings = { format: CACHE_FORMAT, model: key.modelSha256, tokenizer: key.tokenizerSha256, prefix: key.prefix, maxLength: key.maxLength, pooling: key.pooling, normalize: key.normalize, dtype: key.dtype, ...(key.truncateDim === undefined ? {} : { truncateDim: key.truncateDim }), count: key.texts.length };
  hash.update(JSON.stringify(settings));
  const length = Buffer.alloc(8);
  for (let i = 0; i < key.texts.length; i += 1) {
    const bytes = Buffer.from(key.texts.at(i) ?? '', 'utf8');
    length.writeBigUInt64LE(BigInt(bytes.length));
    hash.update(length);
    hash.update(bytes);
  }
  return hash.digest('hex');
}

/** `<key>.json`, written after `<key>.f32` (float32) or `<key>.f16` (float16 bits). */
interface CacheMeta {
  format: typeof CACHE_FORMAT;
  /** The entry's own key: a metadata file moved to another entry's name is caught. */
  key: string;
  rows: number;
  dim: number;
  dtype: VectorDtype;
  /** sha256 over the key and the data bytes: binds the data to this entry, so edited, rotated or swapped data fails. */
  sha256: string;
}

/** What a cache lookup found: usable vectors, nothing, or an entry that failed a check (with the reason). */
export type CacheLookup = { status: 'hit'; vectors: Float32Array | Uint16Array; dim: number } | { status: 'miss' } | { status: 'corrupt'; reason: string };

const EXTENSIONS: Readonly<Record<VectorDtype, string>> = { float32: 'f32', float16: 'f16' };
const BYTES: Readonly<Record<VectorDtype, number>> = { float32: 4, float16: 2 };
// Data files are read and hashed 16 MiB at a time.
const READ_PIECE_BYTES = 1 << 24;

function firstNonFinite(values: Float32Array | Uint16Array): number {
  if (values instanceof Float32Array) return values.findIndex((x) => !Number.isFinite(x));
  // A half with every exponent bit set is an infinity or a NaN.
  return values.findIndex((h) => (h & 0x7c00) === 0x7c00);
}

/** Why a parsed metadata value is not a CacheMeta for `key`, or null when it is one. */
function metaProblem(value: unknown, key: string, dtype: VectorDtype): string | null {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'its metadata is not a JSON object';
  const meta = value as Record<string, unknown>;
  if (meta['format'] !== CACHE_FORMAT) return `its metadata has format ${JSON.stringify(meta['format'])}, expected ${CACHE_FORMAT}`;
  if (meta['key'] !== key) return `its metadata names entry ${JSON.stringify(meta['key'])}, not ${key}`;
  for (const field of ['rows', 'dim'] as const) {
    const number = meta[field];
    if (typeof number !== 'number' || !Number.isSafeInteger(number) || number < (field === 'dim' ? 1 : 0)) {
      return `its metadata has ${field} ${JSON.stringify(number)}, expected a ${field === 'dim' ? 'positive' : 'non-negative'} integer`;
    }
  }
  if (meta['dtype'] !== dtype) return `its metadata has dtype ${JSON.stringify(meta['dtype'])}, expected "${dtype}"`;
  if (typeof meta['sha256'] !== 'string' || !/^[0-9a-f]{64}$/.test(meta['sha256'])) return 'its metadata has no valid sha256';
  return null;
}

/**
 * Embeddings kept in `--cache-dir`: `<key>.f32` (raw little-endian float32, row-major) or `<key>.f16` (float16 bits,
 * under --vector-dtype float16) and `<key>.json` (rows, dim, dtype, checksum). Every read is verified; the cache is optional, so callers treat write failures as warnings.
 */
export class EmbeddingCache {
  private constructor(readonly dir: string) {}

  /** Opens the cache folder, removing temp files that dead processes of this host left behind. */
  static async open(dir: string): Promise<{ cache: EmbeddingCache; removedTemps: string[] }> {
    return { cache: new EmbeddingCache(dir), removedTemps: await removeStaleTemps(dir, cacheTempOwner) };
  }

  /**
   * The entry for `key`, verified against its metadata and checksum; `rows` is how many vectors the caller needs and
   * `dtype` how they are stored (float16 entries come back as Uint16Array bits).
   */
  async get(key: string, rows: number, dtype: VectorDtype = 'float32'): Promise<CacheLookup> {
    let vectors: ChunkArray | undefined;
    // Read straight into the vectors' own memory, hashing piece by piece: no second full-size copy.
    const found = await this.#scan(key, rows, dtype, (meta) => {
      vectors = storedArray(dtype, meta.rows * meta.dim);
      const whole = bytesOf(vectors);
      return (at, length) => whole.subarray(at, at + length);
    });
    if (found.status !== 'verified') return found;
    if (vectors === undefined) return { status: 'corrupt', reason: 'it holds no vectors' };
    const bad = firstNonFinite(vectors);
    if (bad >= 0) return { status: 'corrupt', reason: `it holds a non-finite value in row ${Math.floor(bad / found.dim)}` };
    return { status: 'hit', vectors, dim: found.dim };
  }

  /**
   * The entry for `key` passed to `sink` in pieces of whole rows (one reused buffer, about 16 MiB), so vectors of any
   * size are never resident. The checksum is known only at the end: on a corrupt result the caller discards what
   * `sink` took.
   */
  async stream(key: string, rows: number, dtype: VectorDtype, sink: (piece: ChunkArray, dim: number) => void): Promise<{ status: 'hit'; dim: number } | { status: 'miss' } | { status: 'corrupt'; reason: string }> {
    let buffer: ChunkArray | undefined;
    let nonFinite: string | undefined;
    const found = await this.#scan(
      key,
      rows,
      dtype,
      (meta) => {
        const rowsPerPiece = Math.max(1, Math.floor(READ_PIECE_BYTES / (meta.dim * BYTES[dtype])));
        buffer = storedArray(dtype, rowsPerPiece * meta.dim);
        const bytes = bytesOf(buffer);
        return (_at, length) => bytes.subarray(0, length);
      },
      (piece, at, dim) => {
        if (buffer === undefined || nonFinite !== undefined) return;
        const values = buffer.subarray(0, piece.length / BYTES[dtype]);
        const bad = firstNonFinite(values);
        if (bad >= 0) nonFinite = `it holds a non-finite value in row ${Math.floor((at / BYTES[dtype] + bad) / dim)}`;
        else sink(values, dim);
      },
    );
    if (found.status !== 'verified') return found;
    if (nonFinite !== undefined) return { status: 'corrupt', reason: nonFinite };
    return { status: 'hit', dim: found.dim };
  }

  /**
   * Checks an entry's metadata, then reads its data file in pieces of whole rows into `target(meta)(at, length)`,
   * hashing each and handing it to `consume`; verified when size and checksum match.
   */
  async #scan(
    key: string,
    rows: number,
    dtype: VectorDtype,
    target: (meta: CacheMeta) => (at: number, length: number) => Uint8Array,
    consume?: (piece: Uint8Array, at: number, dim: number) => void,
  ): Promise<{ status: 'verified'; dim: number } | { status: 'miss' } | { status: 'corrupt'; reason: string }> {
    const metaFile = path.join(this.dir, `${key}.json`);
    let text: string;
    try {
      text = await readFile(metaFile, 'utf8');
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') return { status: 'miss' };
      return { status: 'corrupt', reason: `cannot read its metadata: ${errorMessage(error)}` };
    }
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (error) {
      return { status: 'corrupt', reason: `its metadata is not valid JSON (${errorMessage(error)})` };
    }
    const problem = metaProblem(value, key, dtype);
    if (problem !== null) return { status: 'corrupt', reason: problem };
    const meta = value as CacheMeta;
    if (meta.rows !== rows) return { status: 'corrupt', reason: `it holds ${meta.rows} vectors, this run embeds ${rows} texts` };
    const dataName = `${key}.${EXTENSIONS[dtype]}`;
    const expectedBytes = meta.rows * meta.dim * BYTES[dtype];
    const rowBytes = meta.dim * BYTES[dtype];
    const pieceBytes = Math.max(1, Math.floor(READ_PIECE_BYTES / rowBytes)) * rowBytes;
    const hash = createHash('sha256').update(key);
    let size: number;
    try {
      const handle = await open(path.join(this.dir, dataName), 'r');
      try {
        size = (await handle.stat()).size;
        if (size === expectedBytes) {
          const into = target(meta);
          for (let at = 0; at < expectedBytes; at += pieceBytes) {
            const piece = into(at, Math.min(pieceBytes, expectedBytes - at));
            for (let filled = 0; filled < piece.length; ) {
              const { bytesRead } = await handle.read(piece, filled, piece.length - filled, at + filled);
              if (bytesRead === 0) return { status: 'corrupt', reason: `its data file ${dataName} ends before byte ${expectedBytes}` };
              filled += bytesRead;
            }
            hash.update(piece);
            consume?.(piece, at, meta.dim);
          }
        }
      } finally {
        await handle.close();
      }
    } catch (error) {
      return { status: 'corrupt', reason: `cannot read its data file ${dataName}: ${errorMessage(error)}` };
    }
    if (size !== expectedBytes) return { status: 'corrupt', reason: `its data file has ${size} bytes, expected ${expectedBytes} (${meta.rows} x ${meta.dim} ${dtype})` };
    if (hash.digest('hex') !== meta.sha256) return { status: 'corrupt', reason: 'its data does not match its checksum (changed, truncated or moved from another entry)' };
    return { status: 'verified', dim: meta.dim };
  }

  /**
   * Writes (or overwrites) an entry: the old metadata goes first, then data and metadata each through a temp file and
   * a rename, so a reader never pairs new data with old metadata. Throws E_IO; leaves no temp file behind.
   */
  async put(key: string, vectors: Float32Array | StoredVectors, dim: number): Promise<void> {
    const dtype = vectors instanceof Float32Array ? 'float32' : vectors.dtype;
    const dataFile = path.join(this.dir, `${key}.${EXTENSIONS[dtype]}`);
    const metaFile = path.join(this.dir, `${key}.json`);
    const temps = [tempName(dataFile), tempName(metaFile)] as const;
    try {
      await mkdir(this.dir, { recursive: true });
      await rm(metaFile, { force: true });
      const parts: Iterable<ChunkArray> = vectors instanceof Float32Array ? [vectors] : vectors.storedParts();
      // Chunk by chunk: no contiguous copy of the vectors is made to write them.
      const hash = createHash('sha256').update(key);
      const handle = await open(temps[0], 'w');
      let values = 0;
      try {
        for (const part of parts) {
          const bytes = bytesOf(part);
          hash.update(bytes);
          await handle.write(bytes);
          values += part.length;
        }
      } finally {
        await handle.close();
      }
      await rename(temps[0], dataFile);
      const meta: CacheMeta = { format: CACHE_FORMAT, key, rows: values / dim, dim, dtype, sha256: hash.digest('hex') };
      await writeFile(temps[1], JSON.stringify(meta));
      await rename(temps[1], metaFile);
    } catch (error) {
      await Promise.all(temps.map((temp) => rm(temp, { force: true }).catch(() => undefined)));
      const reason = (error as NodeJS.ErrnoException).code ?? errorMessage(error);
      throw new NegmineError('E_IO', `Cannot write embedding cache entry ${key} in '${this.dir}': ${reason}`, { cause: error });
    }
  }
}
