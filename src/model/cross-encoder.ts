import { NegmineError } from '../core/errors.ts';
import type { ModelFiles } from '../core/model-files.ts';
import { packBatch, planBatches } from './batching.ts';
import type { EmbedProgress } from './bi-encoder.ts';
import { openEncoderRuntime, type EncoderOptions } from './encoder-runtime.ts';
import type { Encoded, TokenEncoder } from './encodings.ts';
import { feedsFor } from './feeds.ts';
import { crossEncoderConfig, type CeActivation, type CrossEncoderConfig } from './model-config.ts';
import type { OnnxRunner, WeightsLoad } from './onnx-runner.ts';

/** The tokenizer and session a CrossEncoder runs on (openEncoderRuntime's result). */
export interface CrossEncoderRuntime {
  runner: OnnxRunner;
  tokenizer: TokenEncoder;
  padId: number;
}
import { checkMaxLength, checkModelRole } from './model-fit.ts';
import { firstNonFiniteRow, NonFiniteOutputError } from './non-finite.ts';
import { runPipelined } from './pipelined.ts';

export { CE_ACTIVATIONS, type CeActivation } from './model-config.ts';

export interface CrossEncoderOptions extends EncoderOptions {
  /** Applied to a single logit (default: from the model's config.json); a [batch, 2] output always becomes the softmax probability of label 1. */
  activation?: CeActivation;
  /** Pairs tokenized at a time (default CHUNK_PAIRS); the next chunk is tokenized while this one's batches run. */
  chunkPairs?: number;
}

/** (query, passage) texts, as the tokenizer takes them. */
export type TextPair = readonly [string, string];

/**
 * Pairs tokenized at a time. Batches are length-sorted within a chunk: at the CPU default of 512 tokens a batch holds
 * a few pairs, so 2,048 sort as well as all of them, while tokens held stay bounded by the chunk, not the job.
 */
export const CHUNK_PAIRS = 2_048;

function sigmoid(x: number): number {
  return 1 / (1 + Math.exp(-x));
}

/** An ONNX cross-encoder: (query, passage) pairs in, one relevance score per pair out. */
export class CrossEncoder {
  readonly config: CrossEncoderConfig;
  readonly modelPath: string;
  readonly #runner: OnnxRunner;
  readonly #tokenizer: TokenEncoder;
  readonly #options: CrossEncoderOptions;
  readonly #padId: number;
  readonly #outputName: string;

  private constructor(files: ModelFiles, runtime: CrossEncoderRuntime, config: CrossEncoderConfig, options: CrossEncoderOptions) {
    const { runner } = runtime;
    this.modelPath = files.onnxPath;
    this.config = config;
    this.#runner = runner;
    this.#tokenizer = runtime.tokenizer;
    this.#options = options;
    this.#padId = runtime.padId;
    const output = runner.outputNames.includes('logits') ? 'logits' : runner.outputNames[0];
    if (output === undefined) throw new NegmineError('E_MODEL_LOAD', `ONNX model '${files.onnxPath}' has no outputs`);
    this.#outputName = output;
  }

  static async load(files: ModelFiles, options: CrossEncoderOptions): Promise<CrossEncoder> {
    return CrossEncoder.open(files, options, (maxLength) => openEncoderRuntime(files, maxLength, options));
  }

  /** Like load, over a runtime the caller opens for the model's max length (e.g. around a tokenizer it observes). */
  static async open(files: ModelFiles, options: CrossEncoderOptions, openRuntime: (maxLength: number) => Promise<CrossEncoderRuntime>): Promise<CrossEncoder> {
    checkModelRole(files, 'cross-encoder');
    if (options.maxLength !== undefined) checkMaxLength(files, options.maxLength, '--max-length');
    const base = crossEncoderConfig(files, options.activation);
    const config = { ...base, maxLength: options.maxLength ?? base.maxLength };
    return new CrossEncoder(files, await openRuntime(config.maxLength), config, options);
  }

  /**
   * Scores `total` pairs in input order, read from `pairs` as they are needed: chunkPairs at a time are tokenized and
   * length-sorted into batches (which keeps padding, and so wasted compute, low), and the next chunk is tokenized
   * while this one runs, so memory holds two chunks of tokens, not every pair. A NaN or infinite logit throws
   * NonFiniteOutputError with the pair's index.
   */
  async score(pairs: Iterable<TextPair>, options: { total?: number; onProgress?: (progress: EmbedProgress) => void } = {}): Promise<Float32Array> {
    const total = options.total ?? (Array.isArray(pairs) ? pairs.length : undefined);
    if (total === undefined) throw new TypeError('CrossEncoder.score: pass options.total with a pair iterator');
    const scores = new Float32Array(total);
    const size = this.#chunkPairs;
    const iterator = pairs[Symbol.iterator]();
    const nextChunk = (): Promise<Encoded[]> | undefined => {
      const chunk: TextPair[] = [];
      for (let item = iterator.next(); item.done !== true; item = iterator.next()) {
        chunk.push(item.value);
        if (chunk.length === size) break;
      }
      if (chunk.length === 0) return undefined;
      const encoded = this.#tokenizer.encodePairs(chunk);
      // Awaited on its chunk's turn; this only keeps an earlier failure from reporting it as unhandled.
      encoded.catch(() => undefined);
      return encoded;
    };
    let done = 0;
    let start = 0;
    for (let tokenizing = nextChunk(); tokenizing !== undefined; ) {
      const encodings = await tokenizing;
      if (start + encodings.length > total) throw new RangeError(`CrossEncoder.score: more pairs than the ${total} announced`);
      tokenizing = nextChunk();
      await this.#scoreChunk(encodings, start, scores, (rows) => {
        done += rows;
        options.onProgress?.({ done, total });
      });
      start += encodings.length;
    }
    if (start !== total) throw new RangeError(`CrossEncoder.score: ${start} pairs where ${total} were announced`);
    return scores;
  }

  get #chunkPairs(): number {
    return Math.max(1, this.#options.chunkPairs ?? CHUNK_PAIRS);
  }

  async #scoreChunk(encodings: readonly Encoded[], start: number, scores: Float32Array, onRows: (rows: number) => void): Promise<void> {
    const batches = planBatches(encodings.map((e) => e.ids.length), this.#options.batch);
    await runPipelined(
      batches,
      (indices) => {
        const packed = packBatch(indices.map((i) => encodings[i] ?? { ids: new Int32Array(), typeIds: new Int32Array() }), this.#padId);
        return [packed.rows, this.#runner.run(feedsFor(packed, this.#runner.inputNames), [this.#outputName])];
      },
      (indices, rows, outputs) => {
        const output = outputs[this.#outputName];
        if (output === undefined || !(output.data instanceof Float32Array)) throw new NegmineError('E_MODEL_LOAD', `ONNX output '${this.#outputName}' is not float32`);
        const labels = output.dims.length === 1 ? 1 : (output.dims[1] ?? 1);
        if (output.data.length !== rows * labels) throw new NegmineError('E_MODEL_LOAD', `ONNX output '${this.#outputName}' has shape [${output.dims.join(', ')}] for ${rows} pairs`);
        const bad = firstNonFiniteRow(output.data, labels);
        if (bad !== undefined) throw new NonFiniteOutputError(this.modelPath, start + (indices[bad.row] ?? 0), bad.value);
        indices.forEach((index, row) => {
          scores[start + index] = this.#activate(output.data as Float32Array, row, labels);
        });
        onRows(rows);
      },
    );
  }

  #activate(logits: Float32Array, row: number, labels: number): number {
    if (labels === 1) {
      const logit = logits[row] ?? 0;
      if (this.config.activation === 'sigmoid') return sigmoid(logit);
      return this.config.activation === 'tanh' ? Math.tanh(logit) : logit;
    }
    if (labels === 2) {
      // softmax(l)[1] == sigmoid(l1 - l0)
      return sigmoid((logits[row * 2 + 1] ?? 0) - (logits[row * 2] ?? 0));
    }
    throw new NegmineError('E_MODEL_LOAD', `Cross-encoder '${this.modelPath}' outputs ${labels} labels; negmine scores models with 1 logit or 2 classes`);
  }

  /** Whether the session maps its weights from the model file (see src/io/onnx-weights.ts). */
  get weights(): WeightsLoad {
    return this.#runner.weights;
  }

  async release(): Promise<void> {
    await this.#runner.release();
  }
}
