// Reads an ONNX file's graph signature (inputs, outputs, initializer shapes) without reading any weights, so a
// model's role and table sizes can be checked before a session is created.
import { open, realpath } from 'node:fs/promises';
import type { OnnxGraph, OnnxValue } from '../core/model-files.ts';
import { FileWindow, readFields, type Field } from './onnx-weights.ts';

// Protobuf field numbers (onnx.proto3).
const MODEL_GRAPH = 7;
const GRAPH_INITIALIZER = 5;
const GRAPH_INPUT = 11;
const GRAPH_OUTPUT = 12;
const TENSOR_DIMS = 1;
const TENSOR_NAME = 8;
const VALUE_NAME = 1;
const VALUE_TYPE = 2;
const TYPE_TENSOR = 1;
const TENSOR_TYPE_SHAPE = 2;
const SHAPE_DIM = 1;
const DIM_VALUE = 1;
const DIM_PARAM = 2;
const WIRE_VARINT = 0;
const WIRE_LEN = 2;

async function text(file: FileWindow, field: Field): Promise<string> {
  return (await file.bytes(field.valueStart, field.end - field.valueStart)).toString('utf8');
}

async function varints(file: FileWindow, field: Field): Promise<number[]> {
  if (field.wire === WIRE_VARINT) return [(await file.varint(field.valueStart)).value];
  const values: number[] = [];
  for (let position = field.valueStart; position < field.end; ) {
    const next = await file.varint(position);
    values.push(next.value);
    position = next.end;
  }
  return values;
}

async function child(file: FileWindow, parent: Field, number: number): Promise<Field | undefined> {
  return (await readFields(file, parent.valueStart, parent.end)).find((f) => f.number === number && f.wire === WIRE_LEN);
}

async function valueInfo(file: FileWindow, value: Field): Promise<OnnxValue> {
  const fields = await readFields(file, value.valueStart, value.end);
  const nameField = fields.find((f) => f.number === VALUE_NAME);
  const typeField = fields.find((f) => f.number === VALUE_TYPE);
  const tensor = typeField === undefined ? undefined : await child(file, typeField, TYPE_TENSOR);
  const shape = tensor === undefined ? undefined : await child(file, tensor, TENSOR_TYPE_SHAPE);
  const dims: (number | string)[] = [];
  if (shape !== undefined) {
    for (const dim of await readFields(file, shape.valueStart, shape.end)) {
      if (dim.number !== SHAPE_DIM) continue;
      const parts = await readFields(file, dim.valueStart, dim.end);
      const fixed = parts.find((p) => p.number === DIM_VALUE);
      const param = parts.find((p) => p.number === DIM_PARAM);
      dims.push(fixed !== undefined ? ((await varints(file, fixed))[0] ?? 0) : param !== undefined ? await text(file, param) : '?');
    }
  }
  return { name: nameField === undefined ? '' : await text(file, nameField), dims };
}

/** The graph's inputs, outputs and initializer shapes; null when the file is not a well-formed ONNX model. */
export async function readOnnxGraph(onnxPath: string): Promise<OnnxGraph | null> {
  const handle = await open(await realpath(onnxPath), 'r');
  try {
    const file = new FileWindow(handle, (await handle.stat()).size);
    const graph: OnnxGraph = { inputs: [], outputs: [], initializers: [] };
    for (const field of await readFields(file, 0, file.size)) {
      if (field.number !== MODEL_GRAPH || field.wire !== WIRE_LEN) continue;
      for (const member of await readFields(file, field.valueStart, field.end)) {
        if (member.wire !== WIRE_LEN) continue;
        if (member.number === GRAPH_INPUT) graph.inputs.push(await valueInfo(file, member));
        else if (member.number === GRAPH_OUTPUT) graph.outputs.push(await valueInfo(file, member));
        else if (member.number === GRAPH_INITIALIZER) {
          const fields = await readFields(file, member.valueStart, member.end);
          const dims: number[] = [];
          for (const f of fields.filter((f) => f.number === TENSOR_DIMS)) for (const dim of await varints(file, f)) dims.push(dim);
          const nameField = fields.find((f) => f.number === TENSOR_NAME);
          graph.initializers.push({ name: nameField === undefined ? '' : await text(file, nameField), dims });
        }
      }
    }
    return graph;
  } catch (error) {
    if (error instanceof RangeError) return null;
    throw error;
  } finally {
    await handle.close();
  }
}
