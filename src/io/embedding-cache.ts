import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { CorpusTexts } from '../core/dataset.ts';
import { NegmineError, errorMessage } from '../core/errors.ts';
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
  /** How the vectors are stored; float32 is the only storage today. */
  dtype: 'float32';
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

/** `<key>.json`, written after `<key>.f32`. */
interface CacheMeta {
  format: typeof CACHE_FORMAT;
  /** The entry's own key: a metadata file moved to another entry's name is caught. */
  key: string;
  rows: number;
  dim: number;
  dtype: 'float32';
  /** sha256 over the key and the data bytes: binds the data to this entry, so edited, rotated or swapped data fails. */
  sha256: string;
}

/** What a cache lookup found: usable vectors, nothing, or an entry that failed a check (with the reason). */
export type CacheLookup = { status: 'hit'; vectors: Float32Array; dim: number } | { status: 'miss' } | { status: 'corrupt'; reason: string };

function entrySha256(key: string, data: Uint8Array): string {
  return createHash('sha256').update(key).update(data).digest('hex');
}

/** Why a parsed metadata value is not a CacheMeta for `key`, or null when it is one. */
function metaProblem(value: unknown, key: string): string | null {
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
  if (meta['dtype'] !== 'float32') return `its metadata has dtype ${JSON.stringify(meta['dtype'])}, expected "float32"`;
  if (typeof meta['sha256'] !== 'string' || !/^[0-9a-f]{64}$/.test(meta['sha256'])) return 'its metadata has no valid sha256';
  return null;
}

/**
 * Embeddings kept in `--cache-dir`: `<key>.f32` (raw little-endian float32, row-major) and `<key>.json` (rows, dim,
 * checksum). Every read is verified; the cache is optional, so callers treat write failures as warnings.
 */
export class EmbeddingCache {
  private constructor(readonly dir: string) {}

  /** Opens the cache folder, removing temp files that dead processes of this host left behind. */
  static async open(dir: string): Promise<{ cache: EmbeddingCache; removedTemps: string[] }> {
    return { cache: new EmbeddingCache(dir), removedTemps: await removeStaleTemps(dir, cacheTempOwner) };
  }

  /** The entry for `key`, verified against its metadata and checksum; `rows` is how many vectors the caller needs. */
  async get(key: string, rows: number): Promise<CacheLookup> {
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
    const problem = metaProblem(value, key);
    if (problem !== null) return { status: 'corrupt', reason: problem };
    const meta = value as CacheMeta;
    if (meta.rows !== rows) return { status: 'corrupt', reason: `it holds ${meta.rows} vectors, this run embeds ${rows} texts` };
    let bytes: Buffer;
    try {
      bytes = await readFile(path.join(this.dir, `${key}.f32`));
    } catch (error) {
      return { status: 'corrupt', reason: `cannot read its data file ${key}.f32: ${errorMessage(error)}` };
    }
    const expectedBytes = meta.rows * meta.dim * 4;
    if (bytes.byteLength !== expectedBytes) return { status: 'corrupt', reason: `its data file has ${bytes.byteLength} bytes, expected ${expectedBytes} (${meta.rows} x ${meta.dim} float32)` };
    if (entrySha256(key, bytes) !== meta.sha256) return { status: 'corrupt', reason: 'its data does not match its checksum (changed, truncated or moved from another entry)' };
    const vectors = new Float32Array(bytes.byteLength / 4);
    new Uint8Array(vectors.buffer).set(bytes);
    const bad = vectors.findIndex((x) => !Number.isFinite(x));
    if (bad >= 0) return { status: 'corrupt', reason: `it holds a non-finite value in row ${Math.floor(bad / meta.dim)}` };
    return { status: 'hit', vectors, dim: meta.dim };
  }

  /**
   * Writes (or overwrites) an entry: the old metadata goes first, then data and metadata each through a temp file and
   * a rename, so a reader never pairs new data with old metadata. Throws E_IO; leaves no temp file behind.
   */
  async put(key: string, vectors: Float32Array, dim: number): Promise<void> {
    const dataFile = path.join(this.dir, `${key}.f32`);
    const metaFile = path.join(this.dir, `${key}.json`);
    const temps = [tempName(dataFile), tempName(metaFile)] as const;
    try {
      await mkdir(this.dir, { recursive: true });
      await rm(metaFile, { force: true });
      const data = new Uint8Array(vectors.buffer, vectors.byteOffset, vectors.byteLength);
      await writeFile(temps[0], data);
      await rename(temps[0], dataFile);
      const meta: CacheMeta = { format: CACHE_FORMAT, key, rows: vectors.length / dim, dim, dtype: 'float32', sha256: entrySha256(key, data) };
      await writeFile(temps[1], JSON.stringify(meta));
      await rename(temps[1], metaFile);
    } catch (error) {
      await Promise.all(temps.map((temp) => rm(temp, { force: true }).catch(() => undefined)));
      const reason = (error as NodeJS.ErrnoException).code ?? errorMessage(error);
      throw new NegmineError('E_IO', `Cannot write embedding cache entry ${key} in '${this.dir}': ${reason}`, { cause: error });
    }
  }
}
