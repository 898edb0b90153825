// The shape of all-MiniLM-L6-v2 / ms-marco-MiniLM-L6-v2, which bench/generate-minilm.ts reproduces.

/** Sizes of the generated benchmark models (and the max lengths their folders declare). */
export const MINILM = {
  vocab: 30_522,
  hidden: 384,
  layers: 6,
  heads: 12,
  ffn: 1_536,
  maxPositions: 512,
  tokenTypes: 2,
  layerNormEps: 1e-12,
  biMaxSeqLength: 256,
  ceMaxLength: 512,
} as const;
