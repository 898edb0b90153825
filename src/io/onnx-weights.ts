// Lets onnxruntime memory-map an ONNX file's weights instead of copying them: the model is re-encoded without its
// large initializers' bytes, each pointing back into the original file as external data (location, offset, length).
// Loading a 90 MB model this way peaks ~80 MiB lower and keeps less after release (docs/benchmarks.md).
import { open, realpath, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import type { MappedOnnx } from '../core/model-files.ts';

// Protobuf field numbers (onnx.proto3).
const MODEL_GRAPH = 7;
const GRAPH_INITIALIZER = 5;
const TENSOR_RAW_DATA = 9;
const TENSOR_EXTERNAL_DATA = 13;
const TENSOR_DATA_LOCATION = 14;
const LOCATION_EXTERNAL = 1;
const WIRE_VARINT = 0;
const WIRE_I64 = 1;
const WIRE_LEN = 2;
const WIRE_I32 = 5;

/** Smaller tensors stay inline: one mapping per tensor costs at least a page. */
export const MAPPED_TENSOR_MIN_BYTES = 64 * 1024;

const WINDOW_BYTES = 1 << 16;

/** Random access to a file through one reused window, so walking a model reads only its structure. */
export class FileWindow {
  readonly #handle: FileHandle;
  readonly size: number;
  #start = 0;
  #bytes = Buffer.alloc(0);

  constructor(handle: FileHandle, size: number) {
    this.#handle = handle;
    this.size = size;
  }

  async bytes(position: number, length: number): Promise<Buffer> {
    if (position < 0 || position + length > this.size) throw new RangeError(`bytes ${position}..${position + length} lie outside the file (${this.size} bytes)`);
    if (position >= this.#start && position + length <= this.#start + this.#bytes.length) {
      return this.#bytes.subarray(position - this.#start, position - this.#start + length);
    }
    if (length > WINDOW_BYTES) {
      const direct = Buffer.alloc(length);
      await this.#handle.read(direct, 0, length, position);
      return direct;
    }
    this.#start = position;
    this.#bytes = Buffer.alloc(Math.min(WINDOW_BYTES, this.size - position));
    await this.#handle.read(this.#bytes, 0, this.#bytes.length, position);
    return this.#bytes.subarray(0, length);
  }

  async varint(position: number): Promise<{ value: number; end: number }> {
    const bytes = await this.bytes(position, Math.min(10, this.size - position));
    let value = 0;
    let scale = 1;
    for (let i = 0; i < bytes.length; i += 1) {
      const byte = bytes[i] ?? 0;
      value += (byte & 0x7f) * scale;
      if ((byte & 0x80) === 0) return { value, end: position + i + 1 };
      scale *= 128;
    }
    throw new RangeError(`unterminated varint at byte ${position}`);
  }
}

export interface Field {
  number: number;
  wire: number;
  /** Where the field's tag starts, where its value (a LEN field's payload) starts, and where it ends. */
  start: number;
  valueStart: number;
  end: number;
}

export async function readFields(file: FileWindow, start: number, end: number): Promise<Field[]> {
  const fields: Field[] = [];
  let position = start;
  while (position < end) {
    const tag = await file.varint(position);
    const wire = tag.value % 8;
    const field = { number: Math.floor(tag.value / 8), wire, start: position, valueStart: tag.end, end: tag.end };
    if (wire === WIRE_VARINT) field.end = (await file.varint(tag.end)).end;
    else if (wire === WIRE_I64) field.end = tag.end + 8;
    else if (wire === WIRE_I32) field.end = tag.end + 4;
    else if (wire === WIRE_LEN) {
      const length = await file.varint(tag.end);
      field.valueStart = length.end;
      field.end = length.end + length.value;
    } else throw new RangeError(`unsupported protobuf wire type ${wire} at byte ${position}`);
    if (field.end > end) throw new RangeError(`field ${field.number} at byte ${position} runs past its message`);
    fields.push(field);
    position = field.end;
  }
  return fields;
}

function varint(value: number): Buffer {
  const bytes: number[] = [];
  let rest = value;
  while (rest > 0x7f) {
    bytes.push((rest % 128) | 0x80);
    rest = Math.floor(rest / 128);
  }
  bytes.push(rest);
  return Buffer.from(bytes);
}

function lengthDelimited(fieldNumber: number, payload: Buffer): Buffer {
  return Buffer.concat([varint(fieldNumber * 8 + WIRE_LEN), varint(payload.length), payload]);
}

function externalEntry(key: string, value: string): Buffer {
  return lengthDelimited(TENSOR_EXTERNAL_DATA, Buffer.concat([lengthDelimited(1, Buffer.from(key)), lengthDelimited(2, Buffer.from(value))]));
}

/** A tensor's fields with raw_data replaced by a reference into the file; undefined when it stays as it is. */
async function mappedTensor(file: FileWindow, tensor: Field, location: string): Promise<Buffer | undefined> {
  const fields = await readFields(file, tensor.valueStart, tensor.end);
  if (fields.some((f) => f.number === TENSOR_DATA_LOCATION || f.number === TENSOR_EXTERNAL_DATA)) throw new AlreadyExternal();
  const raw = fields.find((f) => f.number === TENSOR_RAW_DATA && f.wire === WIRE_LEN);
  if (raw === undefined || raw.end - raw.valueStart < MAPPED_TENSOR_MIN_BYTES) return undefined;
  const kept: Buffer[] = [];
  for (const f of fields) if (f !== raw) kept.push(await file.bytes(f.start, f.end - f.start));
  return Buffer.concat([
    ...kept,
    externalEntry('location', location),
    externalEntry('offset', String(raw.valueStart)),
    externalEntry('length', String(raw.end - raw.valueStart)),
    varint(TENSOR_DATA_LOCATION * 8 + WIRE_VARINT),
    varint(LOCATION_EXTERNAL),
  ]);
}

class AlreadyExternal extends Error {}

/**
 * The ONNX model at onnxPath re-encoded so that initializers of at least MAPPED_TENSOR_MIN_BYTES are external data
 * pointing into the file itself: load it from memory with onnxruntime's
 * `session.model_external_initializers_file_folder_path` set to weightsFolder. The reference names the real file
 * behind symlinks, because onnxruntime refuses external data that resolves outside that folder (the Hugging Face
 * cache links snapshots/<rev>/onnx/model.onnx to blobs/<hash>). Returns null when nothing would be mapped, when the
 * model already keeps its weights outside (onnxruntime maps those itself), or when the file is not a well-formed
 * model (loading it by path then reports onnxruntime's own error).
 */
export async function mappedOnnx(onnxPath: string): Promise<MappedOnnx | null> {
  const realFile = await realpath(onnxPath);
  const handle = await open(realFile, 'r');
  try {
    const file = new FileWindow(handle, (await handle.stat()).size);
    const location = path.basename(realFile);
    let mapped = 0;
    const parts: Buffer[] = [];
    for (const field of await readFields(file, 0, file.size)) {
      if (field.number !== MODEL_GRAPH || field.wire !== WIRE_LEN) {
        parts.push(await file.bytes(field.start, field.end - field.start));
        continue;
      }
      const graph: Buffer[] = [];
      for (const member of await readFields(file, field.valueStart, field.end)) {
        const tensor = member.number === GRAPH_INITIALIZER && member.wire === WIRE_LEN ? await mappedTensor(file, member, location) : undefined;
        if (tensor === undefined) {
          graph.push(await file.bytes(member.start, member.end - member.start));
        } else {
          graph.push(lengthDelimited(GRAPH_INITIALIZER, tensor));
          mapped += 1;
        }
      }
      parts.push(lengthDelimited(MODEL_GRAPH, Buffer.concat(graph)));
    }
    return mapped === 0 ? null : { graph: Buffer.concat(parts), weightsFolder: path.dirname(realFile) };
  } catch (error) {
    if (error instanceof AlreadyExternal || error instanceof RangeError) return null;
    throw error;
  } finally {
    await handle.close();
  }
}

/**
 * The external data files an ONNX model names (its initializers' `location` entries), relative to the model's
 * folder, sorted and without repeats; [] for a model that keeps its weights inside or that is not well formed.
 */
export async function externalDataLocations(onnxPath: string): Promise<string[]> {
  const handle = await open(onnxPath, 'r');
  const locations = new Set<string>();
  try {
    const file = new FileWindow(handle, (await handle.stat()).size);
    for (const field of await readFields(file, 0, file.size)) {
      if (field.number !== MODEL_GRAPH || field.wire !== WIRE_LEN) continue;
      for (const member of await readFields(file, field.valueStart, field.end)) {
        if (member.number !== GRAPH_INITIALIZER || member.wire !== WIRE_LEN) continue;
        for (const entry of await readFields(file, member.valueStart, member.end)) {
          if (entry.number !== TENSOR_EXTERNAL_DATA || entry.wire !== WIRE_LEN) continue;
          const [keyField, valueField] = await readFields(file, entry.valueStart, entry.end);
          if (keyField === undefined || valueField === undefined) continue;
          const name = (await file.bytes(keyField.valueStart, keyField.end - keyField.valueStart)).toString('utf8');
          if (name === 'location') locations.add((await file.bytes(valueField.valueStart, valueField.end - valueField.valueStart)).toString('utf8'));
        }
      }
    }
  } catch (error) {
    if (!(error instanceof RangeError)) throw error;
  } finally {
    await handle.close();
  }
  return [...locations].sort();
}
