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
