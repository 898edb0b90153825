// Writes the ONNX fixture models under fixtures/models (semantics in fixtures/models/README.md).
// Usage: node --import tsx scripts/generate-fixture-models.ts [outDir]   (default: fixtures/models)
import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import onnxProto from 'onnx-proto';

const { onnx } = onnxProto;
type Node = onnxProto.onnx.INodeProto;
type Tensor = onnxProto.onnx.ITensorProto;
type ValueInfo = onnxProto.onnx.IValueInfoProto;

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const TOKENIZER_SOURCE = path.join(REPO_ROOT, 'fixtures', 'models', 'tokenizer.json');
// The special ids below are only right for this exact vocabulary (BERT uncased, all-MiniLM-L6-v2).
const TOKENIZER_SHA256 = 'ff27f5d127a8530e893603522c04398a15ec14b73c6f59d4af2020af526b5100';

const DIM = 384;
const SPECIAL_IDS = [0, 100, 101, 102, 103]; // [PAD] [UNK] [CLS] [SEP] [MASK]
const SEP_ID = 102;
const LOGIT_SCALE = 10;
const LOGIT_BIAS = -5;
// 'poison' in the BERT-uncased vocabulary: the -nan fixtures give NaN for every text (or pair) containing it.
const POISON_ID = 9947;
// MatMuls of the slow bi-encoder: enough that one 512-token batch takes ~100+ ms on one core.
const SLOW_MATMULS = 48;

const FLOAT = onnx.TensorProto.DataType.FLOAT;
const INT64 = onnx.TensorProto.DataType.INT64;
const BATCH = 'batch_size';
const SEQUENCE = 'sequence_length';

function node(opType: string, inputs: string[], output: string, attribute: onnxProto.onnx.IAttributeProto[] = []): Node {
  return { opType, name: `${opType}_${output}`, input: inputs, output: [output], attribute };
}

function intAttr(name: string, value: number): onnxProto.onnx.IAttributeProto {
  return { name, type: onnx.AttributeProto.AttributeType.INT, i: value };
}

function intsAttr(name: string, values: number[]): onnxProto.onnx.IAttributeProto {
  return { name, type: onnx.AttributeProto.AttributeType.INTS, ints: values };
}

function int64Tensor(name: string, dims: number[], values: number[]): Tensor {
  return { name, dataType: INT64, dims, int64Data: values };
}

function floatTensor(name: string, dims: number[], values: number[]): Tensor {
  return { name, dataType: FLOAT, dims, floatData: values };
}

function tensorInfo(name: string, elemType: number, dims: (string | number)[]): ValueInfo {
  const dim = dims.map((d) => (typeof d === 'string' ? { dimParam: d } : { dimValue: d }));
  return { name, type: { tensorType: { elemType, shape: { dim } } } };
}

/** Constants shared by every graph; unused ones are dropped per model so no initializer dangles. */
function constants(): Tensor[] {
  return [
    int64Tensor('axes_1', [1], [1]),
    int64Tensor('axes_2', [1], [2]),
    int64Tensor('axes_1_2', [2], [1, 2]),
    int64Tensor('special_ids', [SPECIAL_IDS.length], SPECIAL_IDS),
    int64Tensor('sep_id', [], [SEP_ID]),
    int64Tensor('dim', [], [DIM]),
    int64Tensor('seq_axis', [], [1]),
    floatTensor('one', [], [1]),
    floatTensor('half', [], [0.5]),
    floatTensor('onehot_values', [2], [0, 1]),
    floatTensor('count_floor', [], [1e-9]),
    floatTensor('norm_floor', [], [1e-12]),
    floatTensor('logit_scale', [], [LOGIT_SCALE]),
    floatTensor('logit_bias', [], [LOGIT_BIAS]),
    floatTensor('two_class', [1, 2], [0, 1]),
    int64Tensor('poison_id', [], [POISON_ID]),
    floatTensor('rotation', [DIM, DIM], Array.from({ length: DIM * DIM }, (_, i) => (Math.floor(i / DIM) + 1) % DIM === i % DIM ? 1 : 0)),
  ];
}

/** word[b,t] = attention_mask * (input_id is not a special id): 1 exactly for real word pieces. */
function wordMaskNodes(): Node[] {
  return [
    node('Unsqueeze', ['input_ids', 'axes_2'], 'ids_column'),
    node('Equal', ['ids_column', 'special_ids'], 'special_hits'),
    node('Cast', ['special_hits'], 'special_hits_f', [intAttr('to', FLOAT)]),
    node('ReduceMax', ['special_hits_f'], 'is_special', [intsAttr('axes', [2]), intAttr('keepdims', 0)]),
    node('Sub', ['one', 'is_special'], 'not_special'),
    node('Cast', ['attention_mask'], 'mask_f', [intAttr('to', FLOAT)]),
    node('Mul', ['mask_f', 'not_special'], 'word'),
  ];
}

/** One-hot of (id mod DIM) for word pieces, 0 for special tokens, all ones where attention_mask is 0. */
function tokenStateNodes(output: string): Node[] {
  return [
    node('Mod', ['input_ids', 'dim'], 'bucket'),
    node('OneHot', ['bucket', 'dim', 'onehot_values'], 'onehot', [intAttr('axis', -1)]),
    node('Unsqueeze', ['word', 'axes_2'], 'word_column'),
    node('Mul', ['onehot', 'word_column'], 'word_states'),
    node('Sub', ['one', 'mask_f'], 'padding'),
    node('Unsqueeze', ['padding', 'axes_2'], 'padding_column'),
    // Real encoders emit non-zero states at padded positions: pooling that ignores the mask must show.
    node('Add', ['word_states', 'padding_column'], output),
  ];
}

/** sentence-transformers Pooling(mean) then Normalize: sum(h*m)/max(sum m,1e-9), divided by max(L2,1e-12). */
function poolingNodes(states: string): Node[] {
  return [
    node('Unsqueeze', ['mask_f', 'axes_2'], 'mask_column'),
    node('Mul', [states, 'mask_column'], 'masked_states'),
    node('ReduceSum', ['masked_states', 'axes_1'], 'state_sum', [intAttr('keepdims', 0)]),
    node('ReduceSum', ['mask_f', 'axes_1'], 'token_count', [intAttr('keepdims', 1)]),
    node('Max', ['token_count', 'count_floor'], 'token_count_floored'),
    node('Div', ['state_sum', 'token_count_floored'], 'mean_state'),
    node('Mul', ['mean_state', 'mean_state'], 'mean_squared'),
    node('ReduceSum', ['mean_squared', 'axes_1'], 'squared_norm', [intAttr('keepdims', 1)]),
    node('Sqrt', ['squared_norm'], 'norm'),
    node('Max', ['norm', 'norm_floor'], 'norm_floored'),
    node('Div', ['mean_state', 'norm_floored'], 'sentence_embedding'),
  ];
}

/** Given float [B,S] segment indicators `passage_side`, logit[b] = scale * cosine(query bag, passage bag) + bias. */
function overlapLogitNodes(): Node[] {
  return [
    node('Mul', ['word', 'passage_side'], 'passage_word'),
    node('Sub', ['word', 'passage_word'], 'query_word'),
    node('Unsqueeze', ['input_ids', 'axes_1'], 'ids_row'),
    // same[b,i,j] = (id_i == id_j): exact ids, so the pair score has no hash collisions.
    node('Equal', ['ids_column', 'ids_row'], 'same_id'),
    node('Cast', ['same_id'], 'same_id_f', [intAttr('to', FLOAT)]),
    node('Unsqueeze', ['query_word', 'axes_2'], 'query_column'),
    node('Unsqueeze', ['passage_word', 'axes_2'], 'passage_column'),
    node('MatMul', ['same_id_f', 'query_column'], 'query_matches'),
    node('MatMul', ['same_id_f', 'passage_column'], 'passage_matches'),
    node('Mul', ['query_column', 'passage_matches'], 'qp_terms'),
    node('Mul', ['query_column', 'query_matches'], 'qq_terms'),
    node('Mul', ['passage_column', 'passage_matches'], 'pp_terms'),
    node('ReduceSum', ['qp_terms', 'axes_1_2'], 'qp', [intAttr('keepdims', 0)]),
    node('ReduceSum', ['qq_terms', 'axes_1_2'], 'qq', [intAttr('keepdims', 0)]),
    node('ReduceSum', ['pp_terms', 'axes_1_2'], 'pp', [intAttr('keepdims', 0)]),
    node('Mul', ['qq', 'pp'], 'norm_product'),
    // Counts are integers, so max(.., 1) only changes the empty-segment case (overlap 0, not NaN).
    node('Max', ['norm_product', 'one'], 'norm_product_floored'),
    node('Sqrt', ['norm_product_floored'], 'norm_root'),
    node('Div', ['qp', 'norm_root'], 'overlap'),
    node('Mul', ['overlap', 'logit_scale'], 'scaled_overlap'),
    node('Add', ['scaled_overlap', 'logit_bias'], 'logit'),
    node('Unsqueeze', ['logit', 'axes_1'], 'logit_column'),
  ];
}

/** poison_nan[b,1] = sqrt(-has_poison[b]): NaN for a row containing POISON_ID, -0 (adds nothing) otherwise. */
function poisonNodes(): Node[] {
  return [
    node('Equal', ['input_ids', 'poison_id'], 'is_poison'),
    node('Cast', ['is_poison'], 'is_poison_f', [intAttr('to', FLOAT)]),
    node('ReduceMax', ['is_poison_f'], 'has_poison', [intsAttr('axes', [1]), intAttr('keepdims', 1)]),
    node('Neg', ['has_poison'], 'minus_poison'),
    node('Sqrt', ['minus_poison'], 'poison_nan'),
  ];
}

function tokenInputs(withTypeIds: boolean): ValueInfo[] {
  const names = withTypeIds ? ['input_ids', 'attention_mask', 'token_type_ids'] : ['input_ids', 'attention_mask'];
  return names.map((name) => tensorInfo(name, INT64, [BATCH, SEQUENCE]));
}

function modelBytes(name: string, docString: string, nodes: Node[], inputs: ValueInfo[], outputs: ValueInfo[]): Uint8Array {
  const used = new Set(nodes.flatMap((n) => n.input ?? []));
  const graph = { name, docString, node: nodes, input: inputs, output: outputs, initializer: constants().filter((t) => used.has(t.name ?? '')) };
  const model = {
    irVersion: 8,
    opsetImport: [{ domain: '', version: 17 }],
    producerName: 'negmine scripts/generate-fixture-models.ts',
    docString: `${docString} See fixtures/models/README.md.`,
    graph,
  };
  return onnx.ModelProto.encode(model).finish();
}

function biEncoderModel(): Uint8Array {
  const nodes = [...wordMaskNodes(), ...tokenStateNodes('last_hidden_state')];
  const doc = `Hashed bag-of-words encoder: token state = one-hot(input_id mod ${DIM}); special ids ${SPECIAL_IDS.join(',')} give zeros, padding gives ones.`;
  return modelBytes('negmine-fixture-bi-encoder', doc, nodes, tokenInputs(true), [tensorInfo('last_hidden_state', FLOAT, [BATCH, SEQUENCE, DIM])]);
}

/** The bi-encoder with a float16 output, as Optimum's O4 (fp16) exports have: consumers must widen it. */
/** The bi-encoder, but every state of a text containing 'poison' is NaN. */
function nanBiEncoderModel(): Uint8Array {
  const nodes = [...wordMaskNodes(), ...tokenStateNodes('clean_states'), ...poisonNodes(), node('Unsqueeze', ['poison_nan', 'axes_2'], 'poison_nan_column'), node('Add', ['clean_states', 'poison_nan_column'], 'last_hidden_state')];
  const doc = `The bi-encoder with NaN token states for every text containing id ${POISON_ID} ('poison').`;
  return modelBytes('negmine-fixture-bi-encoder-nan', doc, nodes, tokenInputs(true), [tensorInfo('last_hidden_state', FLOAT, [BATCH, SEQUENCE, DIM])]);
}

/** The bi-encoder with its states rotated SLOW_MATMULS times by a permutation matrix: same buckets, permuted; slow. */
function slowBiEncoderModel(): Uint8Array {
  const nodes = [...wordMaskNodes(), ...tokenStateNodes('states_0')];
  for (let i = 0; i < SLOW_MATMULS; i += 1) nodes.push(node('MatMul', [`states_${i}`, 'rotation'], i === SLOW_MATMULS - 1 ? 'last_hidden_state' : `states_${i + 1}`));
  const doc = `The bi-encoder with ${SLOW_MATMULS} MatMuls by a ${DIM}x${DIM} permutation: a batch takes long enough to be interrupted mid-run.`;
  return modelBytes('negmine-fixture-bi-encoder-slow', doc, nodes, tokenInputs(true), [tensorInfo('last_hidden_state', FLOAT, [BATCH, SEQUENCE, DIM])]);
}

function float16BiEncoderModel(): Uint8Array {
  const FLOAT16 = onnx.TensorProto.DataType.FLOAT16;
  const nodes = [...wordMaskNodes(), ...tokenStateNodes('last_hidden_state_f32'), node('Cast', ['last_hidden_state_f32'], 'last_hidden_state', [intAttr('to', FLOAT16)])];
  const doc = 'The bi-encoder with its last_hidden_state cast to float16 (0 and 1 are exact in float16).';
  return modelBytes('negmine-fixture-bi-encoder-fp16', doc, nodes, tokenInputs(true), [tensorInfo('last_hidden_state', FLOAT16, [BATCH, SEQUENCE, DIM])]);
}

function sentenceEmbeddingModel(): Uint8Array {
  const nodes = [...wordMaskNodes(), ...tokenStateNodes('token_embeddings'), ...poolingNodes('token_embeddings')];
  const doc = `The bi-encoder's token states (as token_embeddings) plus masked mean pooling and L2 normalisation (sentence_embedding).`;
  const outputs = [tensorInfo('token_embeddings', FLOAT, [BATCH, SEQUENCE, DIM]), tensorInfo('sentence_embedding', FLOAT, [BATCH, DIM])];
  return modelBytes('negmine-fixture-bi-encoder-sentence-embedding', doc, nodes, tokenInputs(false), outputs);
}

function crossEncoderModel(): Uint8Array {
  const nodes = [
    ...wordMaskNodes(),
    node('Cast', ['token_type_ids'], 'passage_side', [intAttr('to', FLOAT)]),
    ...overlapLogitNodes(),
    node('Identity', ['logit_column'], 'logits'),
  ];
  const doc = `Token-overlap cross-encoder: logit = ${LOGIT_SCALE} * cosine(query bag of ids, passage bag of ids) + (${LOGIT_BIAS}); segments from token_type_ids.`;
  return modelBytes('negmine-fixture-cross-encoder', doc, nodes, tokenInputs(true), [tensorInfo('logits', FLOAT, [BATCH, 1])]);
}

/** The cross-encoder, but the logit of every pair containing 'poison' is NaN. */
function nanCrossEncoderModel(): Uint8Array {
  const nodes = [
    ...wordMaskNodes(),
    node('Cast', ['token_type_ids'], 'passage_side', [intAttr('to', FLOAT)]),
    ...overlapLogitNodes(),
    ...poisonNodes(),
    node('Add', ['logit_column', 'poison_nan'], 'logits'),
  ];
  const doc = `The cross-encoder with a NaN logit for every pair containing id ${POISON_ID} ('poison').`;
  return modelBytes('negmine-fixture-cross-encoder-nan', doc, nodes, tokenInputs(true), [tensorInfo('logits', FLOAT, [BATCH, 1])]);
}

function twoClassCrossEncoderModel(): Uint8Array {
  const nodes = [
    ...wordMaskNodes(),
    node('Equal', ['input_ids', 'sep_id'], 'is_sep'),
    node('Cast', ['is_sep'], 'is_sep_f', [intAttr('to', FLOAT)]),
    node('CumSum', ['is_sep_f', 'seq_axis'], 'seps_so_far'),
    node('Greater', ['seps_so_far', 'half'], 'after_first_sep'),
    node('Cast', ['after_first_sep'], 'passage_side', [intAttr('to', FLOAT)]),
    ...overlapLogitNodes(),
    // [B,1] x [[0, 1]] = [0, logit]: softmax(...)[1] = sigmoid(logit).
    node('MatMul', ['logit_column', 'two_class'], 'logits'),
  ];
  const doc = `The cross-encoder as two classes, logits = [0, l]; segments split at the first [SEP] (id ${SEP_ID}), no token_type_ids.`;
  return modelBytes('negmine-fixture-cross-encoder-2class', doc, nodes, tokenInputs(false), [tensorInfo('logits', FLOAT, [BATCH, 2])]);
}

function json(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}

function bertConfig(architecture: string, extra: Record<string, unknown>): string {
  return json({
    architectures: [architecture],
    model_type: 'bert',
    hidden_size: DIM,
    max_position_embeddings: 512,
    pad_token_id: 0,
    type_vocab_size: 2,
    vocab_size: 30522,
    ...extra,
    negmine_fixture: 'Not a transformer: a token-counting ONNX graph. See fixtures/models/README.md.',
  });
}

const TOKENIZER_CONFIG = json({
  tokenizer_class: 'BertTokenizer',
  do_lower_case: true,
  model_max_length: 512,
  cls_token: '[CLS]',
  sep_token: '[SEP]',
  pad_token: '[PAD]',
  unk_token: '[UNK]',
  mask_token: '[MASK]',
});

const MODULES = json([
  { idx: 0, name: '0', path: '', type: 'sentence_transformers.models.Transformer' },
  { idx: 1, name: '1', path: '1_Pooling', type: 'sentence_transformers.models.Pooling' },
  { idx: 2, name: '2', path: '2_Normalize', type: 'sentence_transformers.models.Normalize' },
]);

const POOLING = json({
  word_embedding_dimension: DIM,
  pooling_mode_cls_token: false,
  pooling_mode_mean_tokens: true,
  pooling_mode_max_tokens: false,
  pooling_mode_mean_sqrt_len_tokens: false,
  pooling_mode_weightedmean_tokens: false,
  pooling_mode_lasttoken: false,
  include_prompt: true,
});

const SENTENCE_BERT_CONFIG = json({ max_seq_length: 128, do_lower_case: false });

/** Every generated file, relative to the output folder (tokenizer.json copies are added by main). */
function fixtureFiles(): Record<string, string | Uint8Array> {
  const biEncoderFiles = (model: Uint8Array): Record<string, string | Uint8Array> => ({
    'onnx/model.onnx': model,
    'config.json': bertConfig('BertModel', {}),
    'modules.json': MODULES,
    '1_Pooling/config.json': POOLING,
    'sentence_bert_config.json': SENTENCE_BERT_CONFIG,
    'tokenizer_config.json': TOKENIZER_CONFIG,
  });
  const crossEncoderFiles = (model: Uint8Array, labels: string[], extra: Record<string, unknown>): Record<string, string | Uint8Array> => ({
    'onnx/model.onnx': model,
    'config.json': bertConfig('BertForSequenceClassification', {
      num_labels: labels.length,
      id2label: Object.fromEntries(labels.map((label, i) => [String(i), label])),
      label2id: Object.fromEntries(labels.map((label, i) => [label, i])),
      ...extra,
    }),
    'tokenizer_config.json': TOKENIZER_CONFIG,
  });
  const folders = {
    'bi-encoder': biEncoderFiles(biEncoderModel()),
    'bi-encoder-sentence-embedding': biEncoderFiles(sentenceEmbeddingModel()),
    // Only an O4-style file, as some Hub repos ship: loading it needs --model-file onnx/model_O4.onnx.
    'bi-encoder-fp16': Object.fromEntries(Object.entries(biEncoderFiles(float16BiEncoderModel())).map(([file, body]) => [file === 'onnx/model.onnx' ? 'onnx/model_O4.onnx' : file, body])),
    'cross-encoder': crossEncoderFiles(crossEncoderModel(), ['LABEL_0'], {
      sentence_transformers: { activation_fn: 'torch.nn.modules.activation.Sigmoid' },
    }),
    'cross-encoder-2class': crossEncoderFiles(twoClassCrossEncoderModel(), ['LABEL_0', 'LABEL_1'], {}),
    'cross-encoder-identity': crossEncoderFiles(crossEncoderModel(), ['LABEL_0'], {
      sentence_transformers: { activation_fn: 'torch.nn.modules.linear.Identity' },
    }),
    'bi-encoder-nan': biEncoderFiles(nanBiEncoderModel()),
    'bi-encoder-slow': biEncoderFiles(slowBiEncoderModel()),
    'cross-encoder-nan': crossEncoderFiles(nanCrossEncoderModel(), ['LABEL_0'], {}),
  };
  return Object.fromEntries(Object.entries(folders).flatMap(([folder, files]) => Object.entries(files).map(([file, body]) => [`${folder}/${file}`, body])));
}

function main(outDir: string): void {
  const tokenizer = readFileSync(TOKENIZER_SOURCE);
  const digest = createHash('sha256').update(tokenizer).digest('hex');
  if (digest !== TOKENIZER_SHA256) {
    throw new Error(`Cannot use ${TOKENIZER_SOURCE}: sha256 ${digest}, expected ${TOKENIZER_SHA256} (the all-MiniLM-L6-v2 BERT-uncased tokenizer.json)`);
  }
  const files = fixtureFiles();
  for (const [relative, body] of Object.entries(files)) {
    const target = path.join(outDir, relative);
    mkdirSync(path.dirname(target), { recursive: true });
    writeFileSync(target, body);
  }
  const folders = new Set(Object.keys(files).map((relative) => relative.split('/')[0] ?? ''));
  // Each model folder is self-contained, like a Hugging Face repo.
  for (const folder of folders) writeFileSync(path.join(outDir, folder, 'tokenizer.json'), tokenizer);
  const rootCopy = path.join(outDir, 'tokenizer.json');
  if (path.resolve(rootCopy) !== path.resolve(TOKENIZER_SOURCE)) copyFileSync(TOKENIZER_SOURCE, rootCopy);
  process.stderr.write(`wrote ${Object.keys(files).length + folders.size + 1} files under ${outDir}\n`);
}

main(path.resolve(process.argv[2] ?? path.join(REPO_ROOT, 'fixtures', 'models')));
