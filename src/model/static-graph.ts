// The embedding-bag graph of a static embedding model, built in memory from its table: Gather the token rows of a
// padded [batch, seq] batch, weight them by the attention mask, and divide their sum by the token count. Standard
// opset-17 operators only, so the same graph runs on every execution provider.
import type { StaticTables } from '../core/model-files.ts';
import { ELEM_FLOAT, ELEM_FLOAT16, ELEM_INT64, intAttribute, intField, lengthPrefix, message, node, bytesField, stringField, tensorParts, valueInfo } from './onnx-builder.ts';

export const STATIC_INPUTS = ['input_ids', 'attention_mask'] as const;
export const STATIC_OUTPUT = 'sentence_embedding';

function nested(field: number, parts: readonly Uint8Array[]): Uint8Array[] {
  const total = parts.reduce((sum, part) => sum + part.byteLength, 0);
  return [lengthPrefix(field, total), ...parts];
}

function int64Bytes(values: readonly number[]): Uint8Array {
  return new Uint8Array(BigInt64Array.from(values, BigInt).buffer);
}

function bytesOf(view: Float32Array | BigInt64Array): Uint8Array {
  return new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
}

/**
 * ONNX bytes of the embedding bag over `tables` (the table stays float16 when stored so, and is widened per gathered
 * row). Inputs int64 input_ids and attention_mask [batch, seq]; output float32 sentence_embedding [batch, dim]: the
 * mean of the (model2vec: weighted) rows of the unmasked tokens, zeros for a text without tokens. The table's bytes
 * are copied once, into a buffer of its own (it can be transferred to a worker).
 */
export function staticEmbeddingGraph(tables: StaticTables): Uint8Array {
  const [rows, dim] = tables.embeddings.shape;
  const half = tables.embeddings.dtype === 'F16';
  const initializers: Uint8Array[][] = [
    tensorParts('embeddings', half ? ELEM_FLOAT16 : ELEM_FLOAT, [rows, dim], tables.embeddings.bytes),
    tensorParts('axis_seq', ELEM_INT64, [1], int64Bytes([1])),
    tensorParts('axis_last', ELEM_INT64, [1], int64Bytes([2])),
    tensorParts('one', ELEM_FLOAT, [], new Uint8Array(Float32Array.of(1).buffer)),
  ];
  const nodes: Buffer[] = [];
  let rowIds = 'input_ids';
  if (tables.mapping !== undefined) {
    initializers.push(tensorParts('mapping', ELEM_INT64, [tables.mapping.length], bytesOf(tables.mapping)));
    nodes.push(node('Gather', ['mapping', 'input_ids'], ['row_ids'], [intAttribute('axis', 0)], 'map_tokens'));
    rowIds = 'row_ids';
  }
  nodes.push(node('Gather', ['embeddings', rowIds], [half ? 'token_rows_half' : 'token_rows'], [intAttribute('axis', 0)], 'gather_rows'));
  if (half) nodes.push(node('Cast', ['token_rows_half'], ['token_rows'], [intAttribute('to', ELEM_FLOAT)], 'widen_rows'));
  nodes.push(node('Cast', ['attention_mask'], ['mask'], [intAttribute('to', ELEM_FLOAT)], 'mask_float'));
  let tokenWeights = 'mask';
  if (tables.weights !== undefined) {
    initializers.push(tensorParts('token_weights', ELEM_FLOAT, [tables.weights.length], bytesOf(tables.weights)));
    nodes.push(node('Gather', ['token_weights', 'input_ids'], ['gathered_weights'], [intAttribute('axis', 0)], 'gather_weights'));
    nodes.push(node('Mul', ['mask', 'gathered_weights'], ['weighted_mask'], [], 'weight_tokens'));
    tokenWeights = 'weighted_mask';
  }
  nodes.push(
    node('Unsqueeze', [tokenWeights, 'axis_last'], ['mask_3d'], [], 'mask_3d'),
    node('Mul', ['token_rows', 'mask_3d'], ['masked_rows'], [], 'mask_rows'),
    node('ReduceSum', ['masked_rows', 'axis_seq'], ['row_sums'], [intAttribute('keepdims', 0)], 'sum_rows'),
    node('ReduceSum', ['mask', 'axis_seq'], ['token_counts'], [intAttribute('keepdims', 1)], 'count_tokens'),
    node('Max', ['token_counts', 'one'], ['divisors'], [], 'at_least_one'),
    node('Div', ['row_sums', 'divisors'], [STATIC_OUTPUT], [], 'mean'),
  );
  const graph: Uint8Array[] = [
    ...nodes.map((n) => bytesField(1, n)),
    stringField(2, 'negmine-static-embedding'),
    ...initializers.flatMap((tensor) => nested(5, tensor)),
    ...STATIC_INPUTS.map((name) => bytesField(11, valueInfo(name, ELEM_INT64, ['batch', 'sequence']))),
    bytesField(12, valueInfo(STATIC_OUTPUT, ELEM_FLOAT, ['batch', dim])),
  ];
  const parts = [intField(1, 8), stringField(2, 'negmine'), ...nested(7, graph), bytesField(8, message([stringField(1, ''), intField(2, 17)]))];
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.byteLength, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.byteLength;
  }
  return out;
}
