import type { StaticModelFiles, StaticTables } from '../core/model-files.ts';
import { NegmineError } from '../core/errors.ts';
import { BiEncoder, checkTruncateDim, type BiEncoderOptions } from './bi-encoder.ts';
import type { TokenEncoder } from './encodings.ts';
import { staticEncoderConfig, type BiEncoderConfig } from './model-config.ts';
import { createLocalRunner, type OnnxRunner } from './onnx-runner.ts';
import { STATIC_OUTPUT, staticEmbeddingGraph } from './static-graph.ts';
import { StaticTokenizer, type StaticTokenRules } from './static-tokenizer.ts';
import { createWorkerRunner } from './worker-runner.ts';

/** The settings a static model embeds with: its own, with --max-length and --normalize applied. */
export function staticConfigFor(files: StaticModelFiles, options: Pick<BiEncoderOptions, 'maxLength' | 'normalize'>): BiEncoderConfig {
  const base = staticEncoderConfig(files);
  return { ...base, maxLength: options.maxLength ?? base.maxLength, normalize: base.normalize || options.normalize === true };
}

/** Rows the tokenizer's ids index: the mapping's length under vocabulary quantization, else the table's. */
function indexedRows(tables: StaticTables): { rows: number; what: string } {
  if (tables.mapping !== undefined) return { rows: tables.mapping.length, what: `its ${tables.mapping.length}-entry token mapping` };
  return { rows: tables.embeddings.shape[0], what: `its ${tables.embeddings.shape[0]}-row embedding table` };
}

function checkTables(files: StaticModelFiles, tables: StaticTables, vocabSize: number): void {
  const { rows, what } = indexedRows(tables);
  if (vocabSize > rows) {
    throw new NegmineError('E_MODEL_MISMATCH', `Tokenizer '${files.tokenizerPath}' has ${vocabSize} tokens but static model '${files.dir}' embeds only ${rows} (${what} in ${files.weightsPath}): the tokenizer.json belongs to another model`);
  }
  const tableRows = BigInt(tables.embeddings.shape[0]);
  const bad = tables.mapping?.findIndex((row) => row < 0n || row >= tableRows) ?? -1;
  if (bad >= 0) throw new NegmineError('E_MODEL_LOAD', `Cannot load static model '${files.dir}': its token mapping sends token ${bad} to row ${String(tables.mapping?.[bad])}, outside its ${tableRows}-row table`);
  if (tables.weights !== undefined && tables.weights.length < vocabSize) {
    throw new NegmineError('E_MODEL_LOAD', `Cannot load static model '${files.dir}': its token weights hold ${tables.weights.length} values for ${vocabSize} tokens`);
  }
}

/**
 * A static embedding model as a BiEncoder: the embedding-bag graph is built from its table in memory and run by
 * onnxruntime (in the worker by default), fed by its tokenizer without special tokens (src/model/static-tokenizer.ts).
 */
export async function loadStaticEmbedding(files: StaticModelFiles, tables: StaticTables, options: BiEncoderOptions): Promise<BiEncoder> {
  const config = staticConfigFor(files, options);
  const dimension = tables.embeddings.shape[1];
  checkTruncateDim(files.weightsPath, dimension, options.truncateDim);
  const rules: StaticTokenRules = { maxTokens: config.maxLength, model2vec: files.layout === 'model2vec' ? { unkToken: tables.unkToken } : null };
  const runnerOptions = {
    modelPath: files.weightsPath,
    modelBytes: staticEmbeddingGraph(tables),
    target: options.target,
    ...(options.threads === undefined ? {} : { threads: options.threads }),
  };
  let tokenizer: TokenEncoder;
  let runner: OnnxRunner;
  if (options.worker === false) {
    tokenizer = StaticTokenizer.fromFile(files.tokenizerPath, rules);
    runner = await createLocalRunner(runnerOptions);
  } else {
    const worker = await createWorkerRunner({ ...runnerOptions, tokenizer: { path: files.tokenizerPath, static: rules } });
    tokenizer = worker.tokenizer;
    runner = worker;
  }
  try {
    checkTables(files, tables, tokenizer.vocabSize);
  } catch (error) {
    await runner.release();
    throw error;
  }
  return BiEncoder.fromRuntime(
    { kind: 'static embedding', modelPath: files.weightsPath, runner, tokenizer, padId: 0, output: { name: STATIC_OUTPUT, pooled: true }, dimension },
    config,
    options,
  );
}
