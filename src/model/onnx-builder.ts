// A minimal ONNX protobuf writer: enough to build small graphs (probe, exact search) at run time without a
// protobuf dependency.

type Part = Buffer;

function varint(value: number | bigint): Buffer {
  let rest = BigInt(value);
  const bytes: number[] = [];
  if (rest < 0n) rest += 1n << 64n; // int64 two's complement, as protobuf encodes negatives
  while (rest > 0x7fn) {
    bytes.push(Number(rest & 0x7fn) | 0x80);
    rest >>= 7n;
  }
  bytes.push(Number(rest));
  return Buffer.from(bytes);
}

export function intField(field: number, value: number | bigint): Part {
  return Buffer.concat([varint(field << 3), varint(value)]);
}

export function bytesField(field: number, payload: Buffer | Uint8Array): Part {
  return Buffer.concat([varint((field << 3) | 2), varint(payload.byteLength), payload]);
}

export function stringField(field: number, text: string): Part {
  return bytesField(field, Buffer.from(text, 'utf8'));
}

/** A message is its fields, concatenated. Takes an array: spreading a large list into arguments overflows the stack. */
export function message(fields: readonly Part[]): Buffer {
  return Buffer.concat(fields);
}

export const ELEM_FLOAT = 1;
export const ELEM_INT64 = 7;
export const ELEM_FLOAT16 = 10;

/** The tag and length of a length-delimited field, for payloads too large to copy into nested messages. */
export function lengthPrefix(field: number, byteLength: number): Part {
  return Buffer.concat([varint((field << 3) | 2), varint(byteLength)]);
}

/** TensorProto (dims, data_type, name, raw_data) as its parts: the raw data is referenced, not copied. */
export function tensorParts(name: string, elemType: number, dims: readonly number[], raw: Uint8Array): Uint8Array[] {
  const head = message([...dims.map((d) => intField(1, d)), intField(2, elemType), stringField(8, name), lengthPrefix(9, raw.byteLength)]);
  return [head, raw];
}

/** TypeProto for a tensor; a string dimension is symbolic (dynamic). */
export function valueInfo(name: string, elemType: number, dims: readonly (number | string)[]): Part {
  const shape = message(dims.map((d) => bytesField(1, typeof d === 'number' ? intField(1, d) : stringField(2, d))));
  const tensorType = message([intField(1, elemType), bytesField(2, shape)]);
  return message([stringField(1, name), bytesField(2, bytesField(1, tensorType))]);
}

/** AttributeProto with an INT value. */
export function intAttribute(name: string, value: number): Part {
  const INT = 2;
  return message([stringField(1, name), intField(3, value), intField(20, INT)]);
}

export function node(opType: string, inputs: readonly string[], outputs: readonly string[], attributes: readonly Part[] = [], name = opType): Part {
  return message([...inputs.map((i) => stringField(1, i)), ...outputs.map((o) => stringField(2, o)), stringField(3, name), stringField(4, opType), ...attributes.map((a) => bytesField(5, a))]);
}

/** A ModelProto (IR 8, default-domain opset 17) around one graph. */
export function model(graph: { name: string; nodes: Part[]; inputs: Part[]; outputs: Part[]; initializers?: Part[] }): Buffer {
  const graphProto = message([
    ...graph.nodes.map((n) => bytesField(1, n)),
    stringField(2, graph.name),
    ...(graph.initializers ?? []).map((t) => bytesField(5, t)),
    ...graph.inputs.map((i) => bytesField(11, i)),
    ...graph.outputs.map((o) => bytesField(12, o)),
  ]);
  const opset = message([stringField(1, ''), intField(2, 17)]);
  return message([intField(1, 8), stringField(2, 'negmine'), bytesField(7, graphProto), bytesField(8, opset)]);
}
