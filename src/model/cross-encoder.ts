import { NegmineError } from '../core/errors.ts';
import type { ModelFiles } from '../core/model-files.ts';
import { packBatch, planBatches } from './batching.ts';
import type { EmbedProgress } from './bi-encoder.ts';
import { openEncoderRuntime, type EncoderOptions } from './encoder-runtime.ts';
import type { TokenEncoder } from './encodings.ts';
import { feedsFor } from './feeds.ts';
import { crossEncoderConfig, type CeActivation, type CrossEncoderConfig } from './model-config.ts';
import type { OnnxRunner, WeightsLoad } from './onnx-runner.ts';
import { checkMaxLength, checkModelRole } from './model-fit.ts';
import { firstNonFiniteRow, NonFiniteOutputError } from './non-finite.ts';
import { runPipelined } from './pipelined.ts';

export { CE_ACTIVATIONS, type CeActivation } from './model-config.ts';

export interface CrossEncoderOptions extends EncoderOptions {
  /** Applied to a single logit (default: from the model's config.json); a [batch, 2] output always becomes the softmax probability of label 1. */
  activation?: CeActivation;
}

const CHUNK_PAIRS = 16_384;

function sigmoid(x: number): number {
  return 1 / (1 + Math.exp(-x));
}

/** (query, passage) pairs by index; a plain array of pairs is one. */
export interface PairTexts {
  readonly length: number;
  at(index: number): readonly [string, string] | undefined;
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

  private constructor(files: ModelFiles, runtime: { runner: OnnxRunner; tokenizer: TokenEncoder; padId: number }, config: CrossEncoderConfig, options: CrossEncoderOptions) {
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
    checkModelRole(files, 'cross-encoder');
    if (options.maxLength !== undefined) checkMaxLength(files, options.maxLength, '--max-length');
    const base = crossEncoderConfig(files, options.activation);
    const config = { ...base, maxLength: options.maxLength ?? base.maxLength };
    return new CrossEncoder(files, await openEncoderRuntime(files, config.maxLength, options), config, options);
  }

  /**
   * Scores pairs in input order (an array, or pairs read by index so their texts need not all be resident; they
   * are read CHUNK_PAIRS at a time). The pairs of a chunk are length-sorted together into batches (not per query),
   * which is what keeps padding, and so wasted compute, low. A NaN or infinite logit throws NonFiniteOutputError
   * with the pair's index.
   */
  async score(pairs: PairTexts, options: { onProgress?: (progress: EmbedProgress) => void } = {}): Promise<Float32Array> {
    const scores = new Float32Array(pairs.length);
    let done = 0;
    for (let start = 0; start < pairs.length; start += CHUNK_PAIRS) {
      const chunk: (readonly [string, string])[] = [];
      for (let i = start; i < Math.min(pairs.length, start + CHUNK_PAIRS); i += 1) chunk.push(pairs.at(i) ?? ['', '']);
      const encodings = await this.#tokenizer.encodePairs(chunk);
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
          done += indices.length;
          options.onProgress?.({ done, total: pairs.length });
        },
      );
    }
    return scores;
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
