type Json = Record<string, unknown>;

/** The files of a model folder in sentence-transformers / Optimum layout, parsed (read by src/io/model-files.ts). */
export interface ModelFiles {
  dir: string;
  onnxPath: string;
  /**
   * The model at onnxPath with its large initializers as external data pointing back into onnxPath, for onnxruntime
   * to map rather than copy (src/io/onnx-weights.ts); null: load onnxPath as it is.
   */
  onnxGraph: Uint8Array | null;
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
