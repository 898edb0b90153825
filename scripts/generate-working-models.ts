// Writes the working fixture models under fixtures/models (semantics in fixtures/models/README.md), built from the
// msmarco-5k corpus alone (no queries, no qrels):
//   static-lsa/          a static bi-encoder (sentence-transformers StaticEmbedding layout): LSA token rows
//   cross-encoder-bm25/  a lexical cross-encoder: BM25 of the query word pieces over the passage, in an ONNX graph
// Usage: node --import tsx scripts/generate-working-models.ts [outDir] [corpus.jsonl]
// Deterministic: the same corpus gives the same bytes (seeded generators, no timestamps).
import { copyFileSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { bm25Graph } from './working-models/bm25-graph.ts';
import { calibrate } from './working-models/calibrate.ts';
import { bm25Idf, SPECIAL_IDS, termStats, tokenizeCorpus } from './working-models/corpus-tokens.ts';
import { lsaTokenRows } from './working-models/lsa.ts';
import { f16Safetensors } from './working-models/safetensors-f16.ts';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const TOKENIZER = path.join(REPO_ROOT, 'fixtures', 'models', 'tokenizer.json');
const LSA = { dim: 64, seed: 11, powerIterations: 3, singularPower: 1, idfPower: 1 };
const BM25 = { k1: 1.2, b: 0.75 };
const CALIBRATION = { samples: 2000, spanLength: 6, seed: 7 };

function sharedCorpus(): string {
  const candidates = [process.env['NEGMINE_SHARED_DATA'], path.join(REPO_ROOT, '..', 'shared', 'data'), '/work/shared/data'];
  const found = candidates.find((dir) => dir !== undefined && existsSync(path.join(dir, 'msmarco-5k', 'corpus.jsonl')));
  if (found === undefined) throw new Error('msmarco-5k not found: pass its corpus.jsonl or set NEGMINE_SHARED_DATA');
  return path.join(found, 'msmarco-5k', 'corpus.jsonl');
}

function writeJson(file: string, value: unknown): void {
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(value, null, 2)}\n`);
}

const outDir = path.resolve(process.argv[2] ?? path.join(REPO_ROOT, 'fixtures', 'models'));
const corpusPath = path.resolve(process.argv[3] ?? sharedCorpus());
const corpus = await tokenizeCorpus(corpusPath, TOKENIZER);
const stats = termStats(corpus);

// static-lsa
const lsaDir = path.join(outDir, 'static-lsa');
const { rows, singularValues } = lsaTokenRows(corpus, stats, LSA);
mkdirSync(path.join(lsaDir, '0_StaticEmbedding'), { recursive: true });
writeFileSync(path.join(lsaDir, '0_StaticEmbedding', 'model.safetensors'), f16Safetensors('embedding.weight', [corpus.vocabSize, LSA.dim], rows));
copyFileSync(TOKENIZER, path.join(lsaDir, '0_StaticEmbedding', 'tokenizer.json'));
writeJson(path.join(lsaDir, 'modules.json'), [
  { idx: 0, name: '0', path: '0_StaticEmbedding', type: 'sentence_transformers.models.StaticEmbedding' },
  { idx: 1, name: '1', path: '1_Normalize', type: 'sentence_transformers.models.Normalize' },
]);
console.log(`static-lsa: ${corpus.docs.length} passages, avg ${stats.avgLength.toFixed(1)} word pieces, ${LSA.dim} dims, top singular values ${Array.from(singularValues.subarray(0, 3), (s) => s.toFixed(3)).join(', ')}`);

// cross-encoder-bm25
const ceDir = path.join(outDir, 'cross-encoder-bm25');
const idf = bm25Idf(stats);
const params = { ...BM25, avgLength: stats.avgLength, idf };
const calibration = calibrate(corpus.docs, params, CALIBRATION);
const isWord = Float64Array.from({ length: corpus.vocabSize }, (_, id) => (SPECIAL_IDS.includes(id) ? 0 : 1));
mkdirSync(path.join(ceDir, 'onnx'), { recursive: true });
writeFileSync(path.join(ceDir, 'onnx', 'model.onnx'), bm25Graph({ ...params, isWord, scale: calibration.scale, bias: calibration.bias }));
copyFileSync(TOKENIZER, path.join(ceDir, 'tokenizer.json'));
writeJson(path.join(ceDir, 'tokenizer_config.json'), { tokenizer_class: 'BertTokenizer', do_lower_case: true, model_max_length: 512, cls_token: '[CLS]', sep_token: '[SEP]', pad_token: '[PAD]', unk_token: '[UNK]', mask_token: '[MASK]' });
writeJson(path.join(ceDir, 'config.json'), {
  architectures: ['BertForSequenceClassification'],
  model_type: 'bert',
  max_position_embeddings: 512,
  pad_token_id: 0,
  type_vocab_size: 2,
  vocab_size: corpus.vocabSize,
  num_labels: 1,
  id2label: { 0: 'LABEL_0' },
  label2id: { LABEL_0: 0 },
  sentence_transformers: { activation_fn: 'torch.nn.modules.activation.Sigmoid' },
  negmine_fixture: 'Not a transformer: BM25 of the query word pieces over the passage word pieces in an ONNX graph. See fixtures/models/README.md.',
  bm25: { k1: BM25.k1, b: BM25.b, avg_passage_length: Number(stats.avgLength.toFixed(6)), passages: stats.docCount },
  calibration: {
    method: `normalized BM25 of ${calibration.samples} pseudo-queries (${calibration.spanLength}-word-piece spans of seeded random passages): sigmoid 0.5 at the 99th percentile against a random passage, sigmoid 0.88 at the 10th percentile against the source passage`,
    source_median: Number(calibration.source.median.toFixed(6)),
    source_q10: Number(calibration.source.q10.toFixed(6)),
    random_median: Number(calibration.random.median.toFixed(6)),
    random_q90: Number(calibration.random.q90.toFixed(6)),
    random_q99: Number(calibration.random.q99.toFixed(6)),
    logit_scale: Number(calibration.scale.toFixed(6)),
    logit_bias: Number(calibration.bias.toFixed(6)),
  },
});
console.log(`cross-encoder-bm25: avgdl ${stats.avgLength.toFixed(2)}, calibration ${JSON.stringify(calibration)}`);
