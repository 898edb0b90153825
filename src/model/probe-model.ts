// A two-by-two MatMul graph encoded as ONNX protobuf by hand, so probing an execution provider needs no model file.

function varint(value: number): number[] {
  const bytes: number[] = [];
  let rest = value;
  while (rest > 0x7f) {
    bytes.push((rest & 0x7f) | 0x80);
    rest = Math.floor(rest / 128);
  }
  bytes.push(rest);
  return bytes;
}

function intField(field: number, value: number): number[] {
  return [...varint(field << 3), ...varint(value)];
}

function bytesField(field: number, payload: readonly number[]): number[] {
  return [...varint((field << 3) | 2), ...varint(payload.length), ...payload];
}

function stringField(field: number, text: string): number[] {
  return bytesField(field, [...new TextEncoder().encode(text)]);
}

const FLOAT = 1;

function floatMatrixInfo(name: string, rows: number, cols: number): number[] {
  const dim = (size: number): number[] => bytesField(1, intField(1, size));
  const shape = bytesField(2, [...dim(rows), ...dim(cols)]);
  const tensorType = bytesField(1, [...intField(1, FLOAT), ...shape]);
  return [...stringField(1, name), ...bytesField(2, tensorType)];
}

/** ONNX model computing y = x · x for a float [2, 2] input `x` (opset 17). */
export function probeModelBytes(): Uint8Array {
  const node = [...stringField(1, 'x'), ...stringField(1, 'x'), ...stringField(2, 'y'), ...stringField(3, 'probe'), ...stringField(4, 'MatMul')];
  const graph = [
    ...bytesField(1, node),
    ...stringField(2, 'negmine-probe'),
    ...bytesField(11, floatMatrixInfo('x', 2, 2)),
    ...bytesField(12, floatMatrixInfo('y', 2, 2)),
  ];
  const opset = [...stringField(1, ''), ...intField(2, 17)];
  const model = [...intField(1, 8), ...stringField(2, 'negmine'), ...bytesField(7, graph), ...bytesField(8, opset)];
  return Uint8Array.from(model);
}

export const PROBE_INPUT = Float32Array.from([1, 2, 3, 4]);
export const PROBE_EXPECTED = Float32Array.from([7, 10, 15, 22]);
