import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { NegmineError } from '../core/errors.ts';

/** What an embedding depends on; any change gives a different cache entry. */
export interface EmbeddingKey {
  modelSha256: string;
  prefix: string;
  maxLength: number;
  pooling: readonly string[];
  normalize: boolean;
  texts: readonly string[];
}

/** SHA-256 of a file, streamed (model files can be large). */
export async function fileSha256(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

export function embeddingKeyHash(key: EmbeddingKey): string {
  const hash = createHash('sha256');
  hash.update(JSON.stringify({ model: key.modelSha256, prefix: key.prefix, maxLength: key.maxLength, pooling: key.pooling, normalize: key.normalize, count: key.texts.length }));
  for (const text of key.texts) hash.update(`\u0000${text}`);
  return hash.digest('hex');
}

interface CacheMeta {
  format: 1;
  rows: number;
  dim: number;
}

/** Embeddings kept in `--cache-dir` as raw float32 files named by the key hash. */
export class EmbeddingCache {
  constructor(readonly dir: string) {}

  async get(hash: string, rows: number): Promise<{ vectors: Float32Array; dim: number } | undefined> {
    let meta: CacheMeta;
    try {
      meta = JSON.parse(await readFile(path.join(this.dir, `${hash}.json`), 'utf8')) as CacheMeta;
    } catch {
      return undefined;
    }
    if (meta.rows !== rows) return undefined;
    let bytes: Buffer;
    try {
      bytes = await readFile(path.join(this.dir, `${hash}.f32`));
    } catch {
      return undefined;
    }
    // A truncated entry (disk full, killed writer) is ignored, not trusted.
    if (bytes.byteLength !== meta.rows * meta.dim * 4) return undefined;
    const vectors = new Float32Array(bytes.byteLength / 4);
    new Uint8Array(vectors.buffer).set(bytes);
    return { vectors, dim: meta.dim };
  }

  async put(hash: string, vectors: Float32Array, dim: number): Promise<void> {
    try {
      await mkdir(this.dir, { recursive: true });
      const data = path.join(this.dir, `${hash}.f32`);
      const temp = `${data}.tmp-${process.pid}`;
      await writeFile(temp, new Uint8Array(vectors.buffer, vectors.byteOffset, vectors.byteLength));
      await rename(temp, data);
      const meta: CacheMeta = { format: 1, rows: vectors.length / Math.max(dim, 1), dim };
      await writeFile(path.join(this.dir, `${hash}.json`), JSON.stringify(meta));
    } catch (error) {
      await rm(path.join(this.dir, `${hash}.json`), { force: true });
      throw new NegmineError('E_IO', `Cannot write the embedding cache in '${this.dir}': ${(error as NodeJS.ErrnoException).code ?? String(error)}`, { cause: error });
    }
  }
}
