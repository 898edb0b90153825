import { createHash } from 'node:crypto';
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, readdirSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import path from 'node:path';
import { loadIndex, type SearchParams, type VectorIndex } from '../ann/vector-index.ts';
import { NegmineError, errorMessage, type ErrorCode } from '../core/errors.ts';
import { sliceStrings, type StringList } from '../core/dataset.ts';
import { describeFingerprintMismatch, isIndexFingerprint, type ExpectedFingerprint, type IndexFingerprint } from '../core/index-fingerprint.ts';
import { describeSystemError } from './output/write-error.ts';
import { tempPathFor } from './stale-temp.ts';

/** File names inside an index folder. */
export const INDEX_FILES = { index: 'index.faiss', ids: 'ids.json', meta: 'meta.json' } as const;

/** What saveIndex records next to the FAISS bytes. */
export interface IndexMeta {
  fingerprint: IndexFingerprint;
  /** Corpus id of each index row. */
  ids: StringList;
}

/** meta.json: no timestamps, so the same inputs give the same files. */
interface MetaFile {
  format: 1;
  fingerprint: IndexFingerprint;
  size: number;
  /** sha256 of index.faiss: a damaged file is refused before FAISS, which can abort on some bad sizes, reads it. */
  indexSha256: string;
}

/**
 * Writes dir/index.faiss (FAISS bytes, readable by faiss.read_index), dir/ids.json and dir/meta.json into a temporary
 * folder beside dir, then renames it into place: dir never holds a half-written index. Replaces an earlier index
 * folder; refuses to replace a folder that is not one.
 */
export function saveIndex(dir: string, index: VectorIndex, meta: IndexMeta): void {
  if (meta.ids.length !== index.size) throw new RangeError(`saveIndex got ${meta.ids.length} ids for an index of ${index.size} vectors`);
  if (meta.fingerprint.dim !== index.dim) throw new RangeError(`saveIndex got fingerprint dim ${meta.fingerprint.dim} for an index of dim ${index.dim}`);
  const finalDir = path.resolve(dir);
  const parent = path.dirname(finalDir);
  // pid and host in the name: a later run removes what a killed one left (stale-temp.ts).
  const tempDir = tempPathFor(finalDir);
  let created = false;
  // Everything below is synchronous, so no signal handler can run between the writes and the rename.
  try {
    checkReplaceable(finalDir);
    mkdirSync(parent, { recursive: true });
    mkdirSync(tempDir);
    created = true;
    writeDurably(path.join(tempDir, INDEX_FILES.ids), JSON.stringify(sliceStrings(meta.ids)));
    const bytes = index.toBuffer();
    writeDurably(path.join(tempDir, INDEX_FILES.index), bytes);
    const metaFile: MetaFile = { format: 1, fingerprint: meta.fingerprint, size: index.size, indexSha256: sha256(bytes) };
    writeDurably(path.join(tempDir, INDEX_FILES.meta), JSON.stringify(metaFile, null, 2) + '\n');
    moveIntoPlace(tempDir, finalDir);
  } catch (error) {
    if (created) rmSync(tempDir, { recursive: true, force: true });
    if (error instanceof NegmineError) throw error;
    throw new NegmineError('E_IO', `Cannot save index to '${dir}': ${describeSystemError(error)}`, { cause: error });
  }
}

/**
 * Loads an index folder written by saveIndex, refusing (with the reason) one built from another model, settings or
 * corpus, one with missing files, and one whose index.faiss is damaged.
 */
export function loadIndexFiles(dir: string, expected: ExpectedFingerprint, searchParams: SearchParams = {}): { index: VectorIndex; ids: string[]; fingerprint: IndexFingerprint } {
  const refuse = (reason: string, code: ErrorCode = 'E_INDEX', cause?: unknown): NegmineError =>
    new NegmineError(code, `Cannot reuse --load-index '${dir}': ${reason}`, cause === undefined ? {} : { cause });
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw refuse('no such folder');
  const missing = Object.values(INDEX_FILES).filter((name) => !existsSync(path.join(dir, name)));
  if (missing.length > 0) throw refuse(`missing ${missing.join(', ')}`);

  const meta = readJson(path.join(dir, INDEX_FILES.meta), refuse);
  if (typeof meta !== 'object' || meta === null || (meta as { format?: unknown }).format !== 1) {
    throw refuse(`${INDEX_FILES.meta} is not a format 1 negmine index description`);
  }
  const { fingerprint, size, indexSha256 } = meta as Partial<MetaFile>;
  const saved: unknown = fingerprint;
  if (typeof saved === 'object' && saved !== null && !('tokenizerSha256' in saved)) {
    throw refuse(`${INDEX_FILES.meta} has no tokenizer hash (saved by an older negmine); build it again with --save-index`);
  }
  if (!isIndexFingerprint(fingerprint) || typeof size !== 'number' || typeof indexSha256 !== 'string') {
    throw refuse(`${INDEX_FILES.meta} lacks fields (fingerprint, size, indexSha256)`);
  }
  const mismatch = describeFingerprintMismatch(fingerprint, expected);
  if (mismatch !== null) throw refuse(mismatch, 'E_USAGE');

  const ids = readJson(path.join(dir, INDEX_FILES.ids), refuse);
  if (!Array.isArray(ids) || ids.length !== size || !ids.every((id) => typeof id === 'string')) {
    throw refuse(`${INDEX_FILES.ids} is not an array of ${size} string ids`);
  }
  const bytes = readFileSync(path.join(dir, INDEX_FILES.index));
  if (sha256(bytes) !== indexSha256) throw refuse(`${INDEX_FILES.index} is corrupt (its sha256 differs from the one in ${INDEX_FILES.meta})`);
  let index: VectorIndex;
  try {
    index = loadIndex(bytes, searchParams);
  } catch (error) {
    if (error instanceof NegmineError && error.code !== 'E_INDEX') throw error;
    throw refuse(`${INDEX_FILES.index} is unreadable: ${errorMessage(error)}`, 'E_INDEX', error);
  }
  if (index.size !== size || index.dim !== fingerprint.dim) {
    throw refuse(`${INDEX_FILES.index} holds ${index.size} x ${index.dim} vectors, ${INDEX_FILES.meta} says ${size} x ${fingerprint.dim}`);
  }
  return { index, ids, fingerprint };
}

function checkReplaceable(finalDir: string): void {
  if (!existsSync(finalDir)) return;
  if (!statSync(finalDir).isDirectory()) throw new NegmineError('E_USAGE', `Cannot save index to '${finalDir}': it exists and is not a folder`);
  const entries = readdirSync(finalDir);
  if (entries.length > 0 && !entries.includes(INDEX_FILES.meta)) {
    throw new NegmineError('E_USAGE', `Cannot save index to '${finalDir}': it exists and is not an index folder (no ${INDEX_FILES.meta}); refusing to replace it`);
  }
}

/** Renames tempDir to finalDir; an earlier index there is moved aside first and removed only once the new one is in. */
function moveIntoPlace(tempDir: string, finalDir: string): void {
  if (!existsSync(finalDir)) {
    renameSync(tempDir, finalDir);
    return;
  }
  const oldDir = `${tempDir}-old`;
  renameSync(finalDir, oldDir);
  try {
    renameSync(tempDir, finalDir);
  } catch (error) {
    renameSync(oldDir, finalDir);
    throw error;
  }
  rmSync(oldDir, { recursive: true, force: true });
}

function writeDurably(file: string, data: string | Buffer): void {
  const fd = openSync(file, 'wx');
  try {
    const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    let written = 0;
    while (written < bytes.length) written += writeSync(fd, bytes, written, bytes.length - written);
    // Without fsync a crash after the rename could leave the final name pointing at empty files.
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

function readJson(file: string, refuse: (reason: string, code?: ErrorCode, cause?: unknown) => NegmineError): unknown {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as unknown;
  } catch (error) {
    throw refuse(`${path.basename(file)} is not valid JSON: ${errorMessage(error)}`, 'E_INDEX', error);
  }
}

function sha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}
