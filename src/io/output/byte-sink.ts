import { constants, createWriteStream } from 'node:fs';
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { writeFailure } from './write-error.ts';

// Bytes a file stream buffers before write() waits: one query block's output (about 1.5 MB at 1,024 queries) goes to
// the file while the next block is mined, instead of the miner waiting for each block to reach the disk.
const BUFFER_BYTES = 8 * 1024 * 1024;

/** Writes bytes with backpressure to a file or stdout; write errors surface as E_IO naming the destination. */
export class ByteSink {
  readonly #stream: Writable;
  readonly #label: string;
  readonly #ownsStream: boolean;
  #error: Error | undefined;

  private constructor(stream: Writable, label: string, ownsStream: boolean) {
    this.#stream = stream;
    this.#label = label;
    this.#ownsStream = ownsStream;
    stream.on('error', (error: Error) => {
      this.#error ??= error;
    });
  }

  /**
   * A new file (exclusive create, for temp files), or with `inPlace` an existing device or FIFO opened for
   * writing as it is (no create, no truncate of anything else). `label` is the name errors show.
   */
  static toFile(file: string, label = file, options: { inPlace?: boolean } = {}): ByteSink {
    // O_WRONLY alone: no O_CREAT, so a device or FIFO that vanished is not recreated as a file. fs.open takes
    // numeric flags; the typings only list strings.
    const flags = options.inPlace === true ? (constants.O_WRONLY as unknown as string) : 'wx';
    return new ByteSink(createWriteStream(file, { flags, highWaterMark: BUFFER_BYTES }), label, true);
  }

  static toStdout(): ByteSink {
    return new ByteSink(process.stdout, 'stdout', false);
  }

  async write(chunk: string | Uint8Array): Promise<void> {
    this.#check();
    if (!this.#stream.write(chunk)) await this.#wait('drain');
    this.#check();
  }

  async close(): Promise<void> {
    this.#check();
    if (this.#ownsStream) {
      this.#stream.end();
      await this.#wait('close');
    } else if (this.#stream.writableNeedDrain) {
      await this.#wait('drain');
    }
    this.#check();
  }

  /**
   * Stops writing and resolves once the file is closed: a stream destroyed before its open finished still creates
   * the file, so a caller that removes the file must wait for this first.
   */
  async destroy(): Promise<void> {
    if (!this.#ownsStream) return;
    const stream = this.#stream;
    if (stream.closed) return;
    await new Promise<void>((resolve) => {
      stream.once('close', () => {
        resolve();
      });
      stream.destroy();
    });
  }

  // events.once rejects with the raw stream error; the error listener has kept it for #check to name. The losing
  // listener is removed (abort), or every drain would leave one more 'error' listener on the stream.
  async #wait(event: string): Promise<void> {
    const controller = new AbortController();
    const { signal } = controller;
    try {
      await Promise.race([once(this.#stream, event, { signal }), once(this.#stream, 'error', { signal })]);
    } catch (error) {
      this.#error ??= error instanceof Error ? error : new Error(String(error));
    } finally {
      controller.abort();
    }
  }

  #check(): void {
    if (this.#error !== undefined) throw writeFailure(this.#label, this.#error);
  }
}
