// The BM25 cross-encoder as an ONNX graph (opset 17), written with negmine's own protobuf builder. Inputs int64
// input_ids, attention_mask, token_type_ids [batch, seq] of "[CLS] query [SEP] passage [SEP]"; output float32
// logits [batch, 1] = scale · normalizedBm25 + bias (the formula of bm25.ts).
import { ELEM_FLOAT, ELEM_INT64, intAttribute, message, model, node, tensorParts, valueInfo } from '../../src/model/onnx-builder.ts';

export interface Bm25GraphSpec {
  /** idf per token id (0 for special ids). */
  idf: Float64Array;
  /** 1 for word pieces, 0 for special ids. */
  isWord: Float64Array;
  k1: number;
  b: number;
  avgLength: number;
  scale: number;
  bias: number;
}

const FLOAT_TO = 1;

function floats(name: string, dims: number[], values: ArrayLike<number>): Buffer {
  const parts = tensorParts(name, ELEM_FLOAT, dims, new Uint8Array(Float32Array.from(values).buffer));
  return Buffer.concat(parts);
}

function int64s(name: string, values: number[]): Buffer {
  return Buffer.concat(tensorParts(name, ELEM_INT64, [values.length], new Uint8Array(BigInt64Array.from(values, BigInt).buffer)));
}

function scalar(name: string, value: number): Buffer {
  return floats(name, [], [value]);
}

export function bm25Graph(spec: Bm25GraphSpec): Buffer {
  const vocab = spec.idf.length;
  const initializers = [
    floats('idf_table', [vocab], spec.idf),
    floats('word_table', [vocab], spec.isWord),
    int64s('axis_1', [1]),
    int64s('axis_2', [2]),
    scalar('k1_plus_1', spec.k1 + 1),
    scalar('norm_base', spec.k1 * (1 - spec.b)),
    scalar('norm_per_token', (spec.k1 * spec.b) / spec.avgLength),
    scalar('mass_floor', 1e-6),
    scalar('logit_scale', spec.scale),
    scalar('logit_bias', spec.bias),
  ];
  const cast = (input: string, output: string): Buffer => node('Cast', [input], [output], [intAttribute('to', FLOAT_TO)], `cast_${output}`);
  const op = (type: string, inputs: string[], output: string, attributes: Buffer[] = []): Buffer => node(type, inputs, [output], attributes, `${type}_${output}`);
  const keep = (value: number): Buffer => intAttribute('keepdims', value);
  const nodes = [
    cast('attention_mask', 'mask'),
    cast('token_type_ids', 'segment'),
    op('Gather', ['word_table', 'input_ids'], 'is_word'),
    op('Mul', ['mask', 'is_word'], 'word'),
    op('Mul', ['word', 'segment'], 'passage_word'),
    op('Sub', ['word', 'passage_word'], 'query_word'),
    op('Gather', ['idf_table', 'input_ids'], 'idf'),
    // tf[b, i] = number of passage positions j with input_ids[b, j] == input_ids[b, i].
    op('Unsqueeze', ['input_ids', 'axis_2'], 'ids_column'),
    op('Unsqueeze', ['input_ids', 'axis_1'], 'ids_row'),
    op('Equal', ['ids_column', 'ids_row'], 'same_id'),
    cast('same_id', 'same_id_f'),
    op('Unsqueeze', ['passage_word', 'axis_2'], 'passage_column'),
    op('MatMul', ['same_id_f', 'passage_column'], 'tf_column'),
    op('Squeeze', ['tf_column', 'axis_2'], 'tf'),
    // Length normalization k1·(1 - b + b·dl/avgdl), per pair.
    op('ReduceSum', ['passage_word', 'axis_1'], 'passage_length', [keep(1)]),
    op('Mul', ['passage_length', 'norm_per_token'], 'length_part'),
    op('Add', ['length_part', 'norm_base'], 'length_norm'),
    op('Add', ['tf', 'length_norm'], 'saturation'),
    op('Mul', ['tf', 'k1_plus_1'], 'tf_gain'),
    op('Div', ['tf_gain', 'saturation'], 'tf_weight'),
    op('Mul', ['idf', 'query_word'], 'query_idf'),
    op('Mul', ['tf_weight', 'query_idf'], 'terms'),
    op('ReduceSum', ['terms', 'axis_1'], 'bm25', [keep(1)]),
    op('ReduceSum', ['query_idf', 'axis_1'], 'query_mass', [keep(1)]),
    op('Max', ['query_mass', 'mass_floor'], 'query_mass_floored'),
    op('Div', ['bm25', 'query_mass_floored'], 'normalized_bm25'),
    op('Mul', ['normalized_bm25', 'logit_scale'], 'scaled'),
    op('Add', ['scaled', 'logit_bias'], 'logits'),
  ];
  const inputs = ['input_ids', 'attention_mask', 'token_type_ids'].map((name) => valueInfo(name, ELEM_INT64, ['batch_size', 'sequence_length']));
  return model({ name: 'bm25_cross_encoder', nodes, inputs, outputs: [valueInfo('logits', ELEM_FLOAT, ['batch_size', 1])], initializers: initializers.map((t) => message([t])) });
}
