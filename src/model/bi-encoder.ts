import type { ModelFiles } from '../core/model-files.ts';
import { NegmineError } from '../core/errors.ts';
import { packBatch, planBatches, type BatchLimits } from './batching.ts';
import { openEncoderRuntime, type EncoderOptions } from './encoder-runtime.ts';
import type { TokenEncoder } from './encodings.ts';
import { feedsFor } from './feeds.ts';
import { biEncoderConfig, type BiEncoderConfig } from './model-config.ts';
import { checkMaxLength, checkModelRole } from './model-fit.ts';
import type { OnnxRunner, WeightsLoad } from './onnx-runner.ts';
import { firstNonFiniteRow, NonFiniteOutputError } from './non-finite.ts';
import { normalizeRows } from './pooling.ts';
import { runPipelined } from './pipelined.ts';

export type { EncoderOptions } from './encoder-runtime.ts';

export interface BiEncoderOptions extends EncoderOptions {
  /** L2-normalize even when the model has no Normalize module. */
  normalize?: boolean;
}

export interface EmbedProgress {
  done: number;
  total: number;
}

// Texts are tokenized and length-sorted in chunks of this many, so memory does not grow with the corpus.
const CHUNK_TEXTS = 16_384;

const TOKEN_OUTPUTS = ['last_hidden_state', 'token_embeddings'] as const;

/** An ONNX bi-encoder: texts in, one (pooled, optionally normalized) vector per text out. */
export class BiEncoder {
  readonly config: BiEncoderConfig;
  readonly modelPath: string;
  readonly #runner: OnnxRunner;
  readonly #tokenizer: TokenEncoder;
  readonly #batch: BatchLimits;
  readonly #padId: number;
  readonly #output: { name: string; pooled: boolean };
  #dimension: number | undefined;

  private constructor(files: ModelFiles, runtime: { runner: OnnxRunner; tokenizer: TokenEncoder; padId: number }, config: BiEncoderConfig, batch: BatchLimits) {
    const { runner } = runtime;
    this.modelPath = files.onnxPath;
    this.config = config;
    this.#runner = runner;
    this.#tokenizer = runtime.tokenizer;
    this.#batch = batch;
    this.#padId = runtime.padId;
    const names = runner.outputNames;
    if (names.includes('sentence_embedding')) this.#output = { name: 'sentence_embedding', pooled: true };
    else {
      const tokenOutput = TOKEN_OUTPUTS.find((name) => names.includes(name)) ?? names[0];
      if (tokenOutput === undefined) throw new NegmineError('E_MODEL_LOAD', `ONNX model '${files.onnxPath}' has no outputs`);
      this.#output = { name: tokenOutput, pooled: false };
    }
  }

  static async load(files: ModelFiles, options: BiEncoderOptions): Promise<BiEncoder> {
    checkModelRole(files, 'bi-encoder');
    if (options.maxLength !== undefined) checkMaxLength(files, options.maxLength, '--max-length');
    const base = biEncoderConfig(files);
    const config: BiEncoderConfig = {
      ...base,
      maxLength: options.maxLength ?? base.maxLength,
      normalize: base.normalize || options.normalize === true,
    };
    return new BiEncoder(files, await openEncoderRuntime(files, config.maxLength, options), config, options.batch);
  }

  /** Embedding width; known after the first batch. */
  get dimension(): number | undefined {
    return this.#dimension;
  }

  /** Whether the model computes the sentence embedding itself (a sentence_embedding output). */
  get outputName(): string {
    return this.#output.name;
  }

  /**
   * Embeds texts (with an optional prefix such as "query: ") into a row-major [texts, dim] matrix in input order.
   * A NaN or infinite vector throws NonFiniteOutputError with the text's index.
   */
  async embed(texts: readonly string[], options: { prefix?: string; onProgress?: (progress: EmbedProgress) => void } = {}): Promise<Float32Array> {
    const prefix = options.prefix ?? '';
    let result: Float32Array | undefined;
    let done = 0;
    for (let start = 0; start < texts.length; start += CHUNK_TEXTS) {
      const chunk = texts.slice(start, start + CHUNK_TEXTS).map((text) => prefix + text);
      const encodings = await this.#tokenizer.encode(chunk);
      const batches = planBatches(encodings.map((e) => e.ids.length), this.#batch);
      await runPipelined(
        batches,
        (indices) => {
          const packed = packBatch(indices.map((i) => encodings[i] ?? { ids: new Int32Array(), typeIds: new Int32Array() }), this.#padId);
          // Token states are pooled where the session runs: only [rows, dim] crosses back, not [rows, seq, hidden].
          const pool = this.#output.pooled ? undefined : { modes: this.config.pooling, mask: packed.attentionMask, rows: packed.rows, seq: packed.seq };
          return [packed.rows, this.#runner.run(feedsFor(packed, this.#runner.inputNames), [this.#output.name], pool)];
        },
        (indices, rows, outputs) => {
          const output = outputs[this.#output.name];
          if (output === undefined || !(output.data instanceof Float32Array)) throw new NegmineError('E_MODEL_LOAD', `ONNX output '${this.#output.name}' is not float32`);
          const vectors = this.#toVectors(output.data, output.dims, rows);
          const dim = this.#dimension ?? 0;
          const bad = firstNonFiniteRow(vectors, dim);
          if (bad !== undefined) throw new NonFiniteOutputError(this.modelPath, start + (indices[bad.row] ?? 0), bad.value);
          result ??= new Float32Array(texts.length * dim);
          indices.forEach((index, row) => result?.set(vectors.subarray(row * dim, (row + 1) * dim), (start + index) * dim));
          done += indices.length;
          options.onProgress?.({ done, total: texts.length });
        },
      );
    }
    return result ?? new Float32Array(0);
  }

  /** Pooled vectors [rows, dim] (pooled by the model, or by the runner), normalized when the model says so. */
  #toVectors(data: Float32Array, dims: readonly number[], rows: number): Float32Array {
    const dim = dims[dims.length - 1] ?? 0;
    if (dims.length !== 2 || dims[0] !== rows) throw new NegmineError('E_MODEL_LOAD', `ONNX output '${this.#output.name}' has shape [${dims.join(', ')}]; expected [${rows}, dim]`);
    if (this.#dimension !== undefined && this.#dimension !== dim) throw new NegmineError('E_MODEL_LOAD', `ONNX model returned ${dim}-dimensional vectors after ${this.#dimension}-dimensional ones`);
    this.#dimension = dim;
    const vectors = new Float32Array(data);
    return this.config.normalize ? normalizeRows(vectors, dim) : vectors;
  }

  /** Whether the session maps its weights from the model file (see src/io/onnx-weights.ts). */
  get weights(): WeightsLoad {
    return this.#runner.weights;
  }

  async release(): Promise<void> {
    await this.#runner.release();
  }
}
