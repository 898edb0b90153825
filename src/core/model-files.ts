type Json = Record<string, unknown>;

/**
 * An ONNX model whose large initializers are external data pointing into the model file itself
 * (src/io/onnx-weights.ts): load `graph` from memory with `weightsFolder` as the external data folder.
 */
export interface MappedOnnx {
  graph: Uint8Array;
  /** The folder of the real file behind onnxPath (symlinks resolved, as in the Hugging Face cache). */
  weightsFolder: string;
}

/** A graph input or output: its name and shape (a string is a symbolic dimension such as 'batch_size'). */
export interface OnnxValue {
  name: string;
  dims: (number | string)[];
}

/** An ONNX graph's signature, read without its weights (src/io/onnx-graph.ts). */
export interface OnnxGraph {
  inputs: OnnxValue[];
  outputs: OnnxValue[];
  initializers: { name: string; dims: number[] }[];
}

/** The files of a model folder in sentence-transformers / Optimum layout, parsed (read by src/io/model-files.ts). */
export interface ModelFiles {
  dir: string;
  onnxPath: string;
  /** onnxPath re-encoded for onnxruntime to map its weights rather than copy them; null: load onnxPath as it is. */
  onnxMapped: MappedOnnx | null;
  /** The ONNX graph's inputs, outputs and initializer shapes; null when it could not be read (onnxruntime then reports). */
  graph: OnnxGraph | null;
  tokenizerPath: string;
  /** modules.json (bi-encoders); null when absent (cross-encoders, plain transformers exports). */
  modules: { type: string; path: string }[] | null;
  /** The Pooling module's config.json, from the folder modules.json names (or 1_Pooling). */
  pooling: Json | null;
  sentenceBertConfig: Json | null;
  config: Json | null;
  tokenizerConfig: Json | null;
  /** config_sentence_transformers.json: prompts and similarity function. */
  sentenceTransformersConfig: Json | null;
}

/** Where a static embedding model's rules come from: sentence-transformers' StaticEmbedding, or model2vec's StaticModel. */
export type StaticLayout = 'sentence-transformers' | 'model2vec';

/**
 * A static embedding model (an embedding bag: the mean of per-token rows): sentence-transformers `StaticEmbedding`
 * (modules.json, `0_StaticEmbedding/model.safetensors` holding `embedding.weight`) or model2vec (`model.safetensors`
 * holding `embeddings`, optional `weights` and `mapping`, with `config.json`). Read by src/io/static-model-files.ts.
 */
export interface StaticModelFiles {
  kind: 'static';
  layout: StaticLayout;
  dir: string;
  weightsPath: string;
  /** The embedding table's tensor name in weightsPath. */
  tensorName: string;
  tokenizerPath: string;
  modules: { type: string; path: string }[] | null;
  /** model2vec's config.json (its `normalize`). */
  config: Json | null;
  /** config_sentence_transformers.json: prompts. */
  sentenceTransformersConfig: Json | null;
}

/** What `--model` names: an ONNX transformer folder or a static embedding model. */
export type BiEncoderFiles = ModelFiles | StaticModelFiles;

export function isStaticModel(files: BiEncoderFiles): files is StaticModelFiles {
  return 'kind' in files;
}

/** A static model's tensors, ready for the embedding-bag graph (src/model/static-graph.ts). */
export interface StaticTables {
  /** [rows, dim], little-endian float32 or float16 bytes (other stored dtypes are widened to float32). */
  embeddings: { dtype: 'F32' | 'F16'; shape: [number, number]; bytes: Uint8Array };
  /** model2vec: one weight per token id, multiplying its row. */
  weights?: Float32Array;
  /** model2vec vocabulary quantization: token id -> table row. */
  mapping?: BigInt64Array;
  /** model2vec: the tokenizer model's unknown token, which model2vec drops from every text. */
  unkToken: string | null;
}
