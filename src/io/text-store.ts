import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, mkdtempSync, openSync, readSync, rmSync, writeSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { CorpusTexts } from '../core/dataset.ts';
import { NegmineError } from '../core/errors.ts';
import { onInterrupt } from '../core/shutdown.ts';
import { hostTag, removeStaleTemps } from './stale-temp.ts';

const WRITE_CHUNK = 1 << 20;
/** Texts at most this many bytes apart are read together: copying 8 KiB from the page cache costs about one read call. */
const COALESCE_GAP = 8 * 1024;
/** The most bytes one coalesced read spans (a single longer text is still read whole). */
const COALESCE_SPAN = 1 << 20;

/**
 * Passage texts kept in one temp file (UTF-8, back to back) instead of JS strings: only the byte offsets stay in
 * memory. Texts are appended once while the corpus is read, then read back by document index with positioned
 * reads. close() removes the file; use withTextStore so that happens on error too.
 */
export class TextStore implements CorpusTexts {
  readonly path: string;
  private readonly folder: string;
  private fd: number | undefined;
  /** offsets[doc]..offsets[doc + 1]: the bytes of text `doc`. Float64 holds exact byte positions up to 2^53. */
  private offsets = new Float64Array(1024);
  private count = 0;
  private pending: Buffer = Buffer.allocUnsafe(WRITE_CHUNK);
  private pendingBytes = 0;
  private flushedBytes = 0;
  private readBuffer: Buffer = Buffer.allocUnsafe(64 * 1024);
  // One text's span for part(), reused (part is called once per text on the embedding path).
  private readonly spanStart = new Float64Array(1);
  private readonly spanEnd = new Float64Array(1);
  /** Unregisters the removal on SIGINT/SIGTERM (src/core/shutdown.ts). */
  private readonly forgetInterrupt: () => void;

  /** Stores opened beside this one (beside()): closed with it. */
  private readonly siblings: TextStore[] = [];
  /** Whether close() removes the folder (the first store of a run) or only the file (a store beside it). */
  private readonly ownsFolder: boolean;

  /** A new empty store in a `.negmine-tmp-*` folder under `parent` (default: the OS temp folder). */
  constructor(parent: string = os.tmpdir(), beside?: { folder: string; file: string }) {
    this.ownsFolder = beside === undefined;
    this.folder = beside?.folder ?? mkdtempSync(path.join(parent, `.negmine-tmp-${randomBytes(6).toString('hex')}-${process.pid}@${hostTag()}_texts-`));
    this.path = path.join(this.folder, beside?.file ?? 'texts.bin');
    this.fd = openSync(this.path, 'w+');
    // An interrupted run exits without unwinding: remove the store then too.
    this.forgetInterrupt = onInterrupt(() => {
      this.close();
    });
  }

  /** Another empty store in this store's folder (e.g. the query texts beside the passages), closed with this one. */
  beside(file: string): TextStore {
    const taken = [this.path, ...this.siblings.map((sibling) => sibling.path)].map((name) => path.basename(name));
    if (path.basename(file) !== file || taken.includes(file)) throw new RangeError(`a store beside ${this.path} needs a plain file name of its own, got '${file}'`);
    const store = new TextStore(undefined, { folder: this.folder, file });
    this.siblings.push(store);
    return store;
  }

  get length(): number {
    return this.count;
  }

  /** A path for another temp file of the same run, in the store's folder: removed with the store. */
  siblingPath(name: string): string {
    return path.join(this.folder, name);
  }

  /** Appends a text; returns its document index. */
  append(text: string): number {
    const fd = this.openFd();
    const bytes = Buffer.byteLength(text, 'utf8');
    if (this.pendingBytes + bytes > this.pending.length) this.flush(fd);
    if (bytes > this.pending.length) {
      writeSync(fd, Buffer.from(text, 'utf8'), 0, bytes, this.flushedBytes);
      this.flushedBytes += bytes;
    } else {
      this.pending.write(text, this.pendingBytes, 'utf8');
      this.pendingBytes += bytes;
    }
    if (this.count + 2 > this.offsets.length) {
      const grown = new Float64Array(this.offsets.length * 2);
      grown.set(this.offsets);
      this.offsets = grown;
    }
    this.offsets[this.count + 1] = (this.offsets[this.count] ?? 0) + bytes;
    this.count += 1;
    return this.count - 1;
  }

  /** UTF-8 byte length of text `doc` (embedding sorts batches by it without reading the texts). */
  byteLength(doc: number): number {
    if (!Number.isInteger(doc) || doc < 0 || doc >= this.count) return 0;
    return (this.offsets[doc + 1] ?? 0) - (this.offsets[doc] ?? 0);
  }

  /** Text `doc`, or undefined outside 0..length-1. */
  at(doc: number): string | undefined {
    return this.part(doc, 0, Number.POSITIVE_INFINITY);
  }

  /** Bytes fromByte..toByte-1 of text `doc` as a string (cut at UTF-8 character boundaries), or undefined outside 0..length-1. */
  part(doc: number, fromByte: number, toByte: number): string | undefined {
    const { spanStart, spanEnd } = this;
    if (!this.span(doc, fromByte, toByte, spanStart, spanEnd, 0)) return undefined;
    const start = spanStart[0] ?? 0;
    const end = spanEnd[0] ?? 0;
    if (end === start) return '';
    const fd = this.openFd();
    if (end > this.flushedBytes) this.flush(fd);
    return this.readSpan(fd, start, end, doc).toString('utf8', 0, end - start);
  }

  /** Texts of several documents in the order given, read in file order (StringList.many). */
  many(docs: ArrayLike<number>): (string | undefined)[] {
    return this.partsAt(docs);
  }

  /** Texts of several documents, in the order given ('' outside 0..length-1). */
  textsAt(docs: ArrayLike<number>): string[] {
    return this.partsAt(docs).map((text) => text ?? '');
  }

  /**
   * Bytes from[i]..to[i]-1 of text docs[i] (whole texts without from/to), in the order given; undefined for a doc
   * outside 0..length-1. The file is read in offset order, texts less than COALESCE_GAP bytes apart in one read, so
   * a block of output rows costs a few reads instead of one per text.
   */
  partsAt(docs: ArrayLike<number>, from?: ArrayLike<number>, to?: ArrayLike<number>): (string | undefined)[] {
    const texts: (string | undefined)[] = new Array<string | undefined>(docs.length).fill(undefined);
    const starts = new Float64Array(docs.length);
    const ends = new Float64Array(docs.length);
    const order: number[] = [];
    let lastEnd = 0;
    for (let i = 0; i < docs.length; i += 1) {
      if (!this.span(docs[i] ?? -1, from?.[i] ?? 0, to?.[i] ?? Number.POSITIVE_INFINITY, starts, ends, i)) continue;
      const end = ends[i] ?? 0;
      if (end === starts[i]) texts[i] = '';
      else order.push(i);
      lastEnd = Math.max(lastEnd, end);
    }
    if (order.length === 0) return texts;
    order.sort((a, b) => (starts[a] ?? 0) - (starts[b] ?? 0));
    const fd = this.openFd();
    if (lastEnd > this.flushedBytes) this.flush(fd);
    for (let k = 0; k < order.length; ) {
      const spanStart = starts[order[k] ?? 0] ?? 0;
      let spanEnd = ends[order[k] ?? 0] ?? 0;
      let j = k + 1;
      for (; j < order.length; j += 1) {
        const next = order[j] ?? 0;
        const nextEnd = Math.max(spanEnd, ends[next] ?? 0);
        if ((starts[next] ?? 0) - spanEnd > COALESCE_GAP || nextEnd - spanStart > COALESCE_SPAN) break;
        spanEnd = nextEnd;
      }
      const buffer = this.readSpan(fd, spanStart, spanEnd, docs[order[k] ?? 0] ?? 0);
      for (; k < j; k += 1) {
        const i = order[k] ?? 0;
        texts[i] = buffer.toString('utf8', (starts[i] ?? 0) - spanStart, (ends[i] ?? 0) - spanStart);
      }
    }
    return texts;
  }

  /**
   * File bytes of text `doc` from fromByte to toByte (clamped to the text) into starts[at] and ends[at]; false (and
   * nothing written) for a doc outside 0..length-1.
   */
  private span(doc: number, fromByte: number, toByte: number, starts: Float64Array, ends: Float64Array, at: number): boolean {
    if (!Number.isInteger(doc) || doc < 0 || doc >= this.count) return false;
    const first = this.offsets[doc] ?? 0;
    const last = this.offsets[doc + 1] ?? 0;
    const start = Math.min(last, first + fromByte);
    starts[at] = start;
    ends[at] = Math.max(start, Math.min(last, first + toByte));
    return true;
  }

  /** Bytes start..end-1 of the file in the reused read buffer; `doc` names the first text in the error. */
  private readSpan(fd: number, start: number, end: number, doc: number): Buffer {
    const bytes = end - start;
    if (bytes > this.readBuffer.length) this.readBuffer = Buffer.allocUnsafe(Math.max(bytes, this.readBuffer.length * 2));
    let read = 0;
    while (read < bytes) {
      const got = readSync(fd, this.readBuffer, read, bytes - read, start + read);
      if (got === 0) throw new NegmineError('E_IO', `Cannot read text ${doc} from the text store ${this.path}: the file ends at byte ${start + read}, expected ${end} (truncated while negmine ran?)`);
      read += got;
    }
    return this.readBuffer;
  }

  /** Closes and removes the file, and the stores beside it (idempotent). */
  close(): void {
    this.forgetInterrupt();
    for (const sibling of this.siblings) sibling.close();
    if (this.fd !== undefined) {
      closeSync(this.fd);
      this.fd = undefined;
    }
    rmSync(this.ownsFolder ? this.folder : this.path, { recursive: true, force: true });
  }

  private openFd(): number {
    if (this.fd === undefined) throw new Error(`text store ${this.path} is closed`);
    return this.fd;
  }

  private flush(fd: number): void {
    let written = 0;
    while (written < this.pendingBytes) written += writeSync(fd, this.pending, written, this.pendingBytes - written, this.flushedBytes + written);
    this.flushedBytes += this.pendingBytes;
    this.pendingBytes = 0;
  }
}

/** Where `mine` keeps its corpus text store by default: beside the output file, or the OS temp folder for stdout. */
export function textStoreFolder(output: string): string {
  if (output === '-') return os.tmpdir();
  const folder = path.dirname(path.resolve(output));
  return existsSync(folder) ? folder : os.tmpdir();
}

/**
 * Runs `work` with a fresh store in `parent` and removes it afterwards, on success and on error. Stores that killed
 * runs left in `parent` are removed first (removeStaleTemps: only dead processes' of this host).
 */
export async function withStaleCheckedTextStore<T>(parent: string, work: (store: TextStore, removedStale: string[]) => Promise<T> | T): Promise<T> {
  const removed = await removeStaleTemps(parent);
  return withTextStore(parent, (store) => work(store, removed));
}

/** Runs `work` with a fresh store and removes its file afterwards, on success and on error. */
export async function withTextStore<T>(parent: string | undefined, work: (store: TextStore) => Promise<T> | T): Promise<T> {
  const store = new TextStore(parent);
  try {
    return await work(store);
  } finally {
    store.close();
  }
}
