import { ELEM_FLOAT, model, node, valueInfo } from './onnx-builder.ts';

/** ONNX model computing y = x · x for a float [2, 2] input `x`: probing a provider needs no model file. */
export function probeModelBytes(): Uint8Array {
  return model({
    name: 'negmine-probe',
    nodes: [node('MatMul', ['x', 'x'], ['y'], [], 'probe')],
    inputs: [valueInfo('x', ELEM_FLOAT, [2, 2])],
    outputs: [valueInfo('y', ELEM_FLOAT, [2, 2])],
  });
}

export const PROBE_INPUT = Float32Array.from([1, 2, 3, 4]);
export const PROBE_EXPECTED = Float32Array.from([7, 10, 15, 22]);

/** Whether a probe run returned x · x for PROBE_INPUT. */
export function isProbeAnswer(values: ArrayLike<number>): boolean {
  return values.length === PROBE_EXPECTED.length && Array.from(values).every((v, i) => v === PROBE_EXPECTED[i]);
}
