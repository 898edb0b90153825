import type { CorpusTexts } from '../core/dataset.ts';
import type { ModelFiles } from '../core/model-files.ts';
import { NegmineError } from '../core/errors.ts';
import { packBatch, planBatches, type BatchLimits } from './batching.ts';
import { openEncoderRuntime, type EncoderOptions } from './encoder-runtime.ts';
import type { Encoded, TokenEncoder } from './encodings.ts';
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
  /** Matryoshka: keep the first n dimensions of each vector (then normalize, when normalizing). */
  truncateDim?: number;
}

/** What computes the vectors: an ONNX transformer export, or a static embedding model's embedding bag. */
export type EncoderKind = 'transformer' | 'static embedding';

/** The session and tokenizer a BiEncoder runs on, and which output holds the vectors. */
export interface EncoderRuntime {
  kind: EncoderKind;
  /** The file the model comes from, named in errors (the ONNX file, or a static model's safetensors). */
  modelPath: string;
  runner: OnnxRunner;
  tokenizer: TokenEncoder;
  padId: number;
  /** Output name; pooled: already [rows, dim] (sentence_embedding), else token states pooled by the runner. */
  output: { name: string; pooled: boolean };
  /** Vector width when known before the first batch (a static model's table). */
  dimension?: number;
}

export interface EmbedProgress {
  done: number;
  total: number;
}

// Texts are tokenized and length-sorted in chunks of this many (the next while this one runs), so memory does not
// grow with the corpus.
const CHUNK_TEXTS = 16_384;

const TOKEN_OUTPUTS = ['last_hidden_state', 'token_embeddings'] as const;

/** Refuses a --truncate-dim beyond the model's width (E_USAGE); returns the width. */
export function checkTruncateDim(modelPath: string, dimension: number, truncateDim: number | undefined): number {
  if (truncateDim !== undefined && truncateDim > dimension) {
    throw new NegmineError('E_USAGE', `--truncate-dim ${truncateDim} is beyond the ${dimension} dimensions of model '${modelPath}'; use 1 to ${dimension}`);
  }
  return dimension;
}

/** A bi-encoder (ONNX transformer or static embedding model): texts in, one (pooled, optionally normalized) vector per text out. */
export class BiEncoder {
  readonly kind: EncoderKind;
  readonly config: BiEncoderConfig;
  readonly modelPath: string;
  readonly #runner: OnnxRunner;
  readonly #tokenizer: TokenEncoder;
  readonly #batch: BatchLimits;
  readonly #padId: number;
  readonly #output: { name: string; pooled: boolean };
  readonly #truncateDim: number | undefined;
  /** The model's own width, before --truncate-dim. */
  #fullDimension: number | undefined;
  #dimension: number | undefined;

  private constructor(runtime: EncoderRuntime, config: BiEncoderConfig, batch: BatchLimits, truncateDim: number | undefined) {
    this.kind = runtime.kind;
    this.modelPath = runtime.modelPath;
    this.config = config;
    this.#runner = runtime.runner;
    this.#tokenizer = runtime.tokenizer;
    this.#batch = batch;
    this.#padId = runtime.padId;
    this.#output = runtime.output;
    this.#truncateDim = truncateDim;
    if (runtime.dimension !== undefined) this.#fullDimension = checkTruncateDim(runtime.modelPath, runtime.dimension, truncateDim);
  }

  /** A BiEncoder over a runtime built elsewhere (src/model/static-embedding.ts). */
  static fromRuntime(runtime: EncoderRuntime, config: BiEncoderConfig, options: Pick<BiEncoderOptions, 'batch' | 'truncateDim'>): BiEncoder {
    return new BiEncoder(runtime, config, options.batch, options.truncateDim);
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
    const runtime = await openEncoderRuntime(files, config.maxLength, options);
    const names = runtime.runner.outputNames;
    let output: EncoderRuntime['output'];
    if (names.includes('sentence_embedding')) output = { name: 'sentence_embedding', pooled: true };
    else {
      const tokenOutput = TOKEN_OUTPUTS.find((name) => names.includes(name)) ?? names[0];
      if (tokenOutput === undefined) {
        await runtime.runner.release();
        throw new NegmineError('E_MODEL_LOAD', `ONNX model '${files.onnxPath}' has no outputs`);
      }
      output = { name: tokenOutput, pooled: false };
    }
    return new BiEncoder({ kind: 'transformer', modelPath: files.onnxPath, ...runtime, output }, config, options.batch, options.truncateDim);
  }

  /** Width of the vectors embed() returns (after --truncate-dim); known after the first batch. */
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
  async embed(texts: CorpusTexts, options: { prefix?: string; onProgress?: (progress: EmbedProgress) => void } = {}): Promise<Float32Array> {
    const prefix = options.prefix ?? '';
    let result: Float32Array | undefined;
    let done = 0;
    const tokenize = (start: number): Promise<Encoded[]> | undefined => {
      if (start >= texts.length) return undefined;
      const chunk: string[] = [];
      for (let i = start; i < Math.min(texts.length, start + CHUNK_TEXTS); i += 1) chunk.push(prefix + (texts.at(i) ?? ''));
      const encoded = this.#tokenizer.encode(chunk);
      // Awaited on its chunk's turn; this only keeps a failure from being reported as unhandled before then.
      encoded.catch(() => undefined);
      return encoded;
    };
    let next = tokenize(0);
    for (let start = 0; next !== undefined; start += CHUNK_TEXTS) {
      const encodings = await next;
      // The next chunk is tokenized while this one's batches run.
      next = tokenize(start + CHUNK_TEXTS);
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

  /** Pooled vectors [rows, dim] (pooled by the model, or by the runner), truncated to --truncate-dim, normalized when the model says so. */
  #toVectors(data: Float32Array, dims: readonly number[], rows: number): Float32Array {
    const full = dims[dims.length - 1] ?? 0;
    if (dims.length !== 2 || dims[0] !== rows) throw new NegmineError('E_MODEL_LOAD', `ONNX output '${this.#output.name}' has shape [${dims.join(', ')}]; expected [${rows}, dim]`);
    if (this.#fullDimension !== undefined && this.#fullDimension !== full) throw new NegmineError('E_MODEL_LOAD', `ONNX model returned ${full}-dimensional vectors after ${this.#fullDimension}-dimensional ones`);
    this.#fullDimension = checkTruncateDim(this.modelPath, full, this.#truncateDim);
    const dim = this.#truncateDim ?? full;
    this.#dimension = dim;
    let vectors: Float32Array;
    if (dim === full) vectors = new Float32Array(data);
    else {
      vectors = new Float32Array(rows * dim);
      for (let row = 0; row < rows; row += 1) vectors.set(data.subarray(row * full, row * full + dim), row * dim);
    }
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
