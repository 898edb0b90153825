import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { NegmineError } from '../../core/errors.ts';

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
      this.#error = error;
    });
  }

  static toFile(file: string, label = file): ByteSink {
    return new ByteSink(createWriteStream(file, { flags: 'wx' }), label, true);
  }

  static toStdout(): ByteSink {
    return new ByteSink(process.stdout, 'stdout', false);
  }

  async write(chunk: string | Uint8Array): Promise<void> {
    this.#check();
    if (!this.#stream.write(chunk)) {
      await Promise.race([once(this.#stream, 'drain'), once(this.#stream, 'error')]);
    }
    this.#check();
  }

  async close(): Promise<void> {
    this.#check();
    if (this.#ownsStream) {
      this.#stream.end();
      await once(this.#stream, 'close');
    } else if (this.#stream.writableNeedDrain) {
      await once(this.#stream, 'drain');
    }
    this.#check();
  }

  destroy(): void {
    if (this.#ownsStream) this.#stream.destroy();
  }

  #check(): void {
    if (this.#error !== undefined) {
      const code = (this.#error as NodeJS.ErrnoException).code;
      throw new NegmineError('E_IO', `Cannot write '${this.#label}': ${code ?? this.#error.message}`, { cause: this.#error });
    }
  }
}
