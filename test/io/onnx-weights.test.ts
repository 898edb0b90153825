import assert from 'node:assert/strict';
import { mkdirSync, realpathSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import ort from 'onnxruntime-node';
import onnxProto from 'onnx-proto';
import type { MappedOnnx } from '../../src/core/model-files.ts';
import { readModelFiles } from '../../src/io/model-files.ts';
import { MAPPED_TENSOR_MIN_BYTES, mappedOnnx } from '../../src/io/onnx-weights.ts';
import { createLocalRunner } from '../../src/model/onnx-runner.ts';
import { createWorkerRunner } from '../../src/model/worker-runner.ts';
import { REPO_ROOT } from '../helpers/cli.ts';
import { tempDir } from '../helpers/temp.ts';

const { onnx } = onnxProto;
const VOCAB = 4096;
const WIDTH = 32;
const OUT = 600;

function rawFloats(name: string, dims: number[], seed: number): onnxProto.onnx.ITensorProto {
  const values = Float32Array.from({ length: dims.reduce((a, b) => a * b, 1) }, (_, i) => Math.sin(seed + i * 0.37));
  return { name, dataType: onnx.TensorProto.DataType.FLOAT, dims, rawData: new Uint8Array(values.buffer) };
}

/** ids -> Gather(embedding) -> MatMul(projection) + bias, with raw_data initializers as real exports have them. */
function weightedModel(): Uint8Array {
  const floatInfo = (name: string, dims: (number | string)[]) => ({ name, type: { tensorType: { elemType: onnx.TensorProto.DataType.FLOAT, shape: { dim: dims.map((d) => (typeof d === 'string' ? { dimParam: d } : { dimValue: d })) } } } });
  const graph = {
    name: 'weights',
    node: [
      { opType: 'Gather', input: ['embedding', 'ids'], output: ['rows'] },
      { opType: 'MatMul', input: ['rows', 'projection'], output: ['projected'] },
      { opType: 'Add', input: ['projected', 'bias'], output: ['out'] },
    ],
    // 512 KiB and 75 KiB are mapped; the 2.4 KiB bias stays inline.
    initializer: [rawFloats('embedding', [VOCAB, WIDTH], 1), rawFloats('projection', [WIDTH, OUT], 2), rawFloats('bias', [OUT], 3)],
    input: [{ name: 'ids', type: { tensorType: { elemType: onnx.TensorProto.DataType.INT64, shape: { dim: [{ dimParam: 'n' }] } } } }],
    output: [floatInfo('out', ['n', OUT])],
  };
  return onnx.ModelProto.encode({ irVersion: 8, opsetImport: [{ domain: '', version: 17 }], producerName: 'negmine test', graph }).finish();
}

async function outputs(source: string | Uint8Array, folder?: string): Promise<Float32Array> {
  const extra = folder === undefined ? {} : { extra: { session: { model_external_initializers_file_folder_path: folder } } };
  const session = await ort.InferenceSession.create(source as Uint8Array, extra);
  try {
    const ids = new ort.Tensor('int64', BigInt64Array.from([0n, 7n, 4095n, 1234n]), [4]);
    return (await session.run({ ids }))['out']?.data as Float32Array;
  } finally {
    await session.release();
  }
}

function byteLength(bytes: Uint8Array | null | undefined): number {
  return bytes?.length ?? 0;
}

function location(entries: onnxProto.onnx.IStringStringEntryProto[] | null | undefined): string | undefined {
  return entries?.find((e) => e.key === 'location')?.value ?? undefined;
}

function modelFile(bytes: Uint8Array, name = 'model.onnx'): string {
  const file = path.join(tempDir(), name);
  writeFileSync(file, bytes);
  return file;
}

describe('onnx weights', () => {
  it('onnx weights re-encodes large initializers as references into the file, and onnxruntime computes the same outputs', async () => {
    const file = modelFile(weightedModel(), 'weights.onnx');
    const mapped = await mappedOnnx(file);
    assert.ok(mapped !== null);
    assert.equal(mapped.weightsFolder, realpathSync(path.dirname(file)));
    const { graph } = mapped;
    assert.ok(graph.length < 8 * 1024, `the re-encoded model holds no weights (${graph.length} bytes)`);
    const decoded = onnx.ModelProto.decode(graph);
    const byName = new Map((decoded.graph?.initializer ?? []).map((t) => [t.name, t]));
    for (const name of ['embedding', 'projection']) {
      const tensor = byName.get(name);
      assert.ok(tensor !== undefined, name);
      assert.equal(tensor.dataLocation, onnx.TensorProto.DataLocation.EXTERNAL, name);
      assert.equal(byteLength(tensor.rawData), 0);
      assert.equal(location(tensor.externalData), 'weights.onnx');
    }
    const bias = byName.get('bias');
    assert.ok(bias !== undefined);
    assert.equal(bias.dataLocation, onnx.TensorProto.DataLocation.DEFAULT);
    assert.equal(byteLength(bias.rawData), OUT * 4);
    assert.ok(WIDTH * OUT * 4 >= MAPPED_TENSOR_MIN_BYTES && OUT * 4 < MAPPED_TENSOR_MIN_BYTES);
    assert.deepEqual(await outputs(graph, path.dirname(file)), await outputs(file));
  });

  it('onnx weights loads through the runner and model files from the mapped graph with the same outputs', async () => {
    const dir = tempDir();
    writeFileSync(path.join(dir, 'model.onnx'), weightedModel());
    writeFileSync(path.join(dir, 'tokenizer.json'), '{}');
    const files = await readModelFiles(dir);
    assert.ok(files.onnxMapped !== null);
    const run = async (mapped?: MappedOnnx) => {
      const runner = await createLocalRunner({ modelPath: files.onnxPath, target: { provider: 'cpu' }, ...(mapped === undefined ? {} : { mapped }) });
      try {
        assert.deepEqual(runner.weights, { mapped: mapped !== undefined });
        return (await runner.run({ ids: { type: 'int64', data: BigInt64Array.from([3n, 2n, 1n]), dims: [3] } }, ['out']))['out']?.data;
      } finally {
        await runner.release();
      }
    };
    assert.deepEqual(await run(files.onnxMapped), await run());
  });

  it('onnx weights are mapped in the encoder worker too, and it says so', async () => {
    const file = modelFile(weightedModel());
    const mapped = await mappedOnnx(file);
    assert.ok(mapped !== null);
    const tokenizer = { path: path.join(REPO_ROOT, 'fixtures', 'models', 'tokenizer.json'), maxLength: 16 };
    const runner = await createWorkerRunner({ modelPath: file, mapped, target: { provider: 'cpu' }, tokenizer });
    try {
      assert.deepEqual(runner.weights, { mapped: true });
      const result = await runner.run({ ids: { type: 'int64', data: BigInt64Array.from([0n, 7n, 4095n, 1234n]), dims: [4] } }, ['out']);
      assert.deepEqual(result['out']?.data, await outputs(file));
    } finally {
      await runner.release();
    }
  });

  it('onnx weights maps a model behind a Hugging Face cache symlink from the blob it links to', async () => {
    // models--org--name/snapshots/<rev>/onnx/model.onnx -> ../../../blobs/<hash>: onnxruntime refuses external data
    // that resolves outside the folder it is given, so the reference must name the blob in its own folder.
    const cache = tempDir();
    mkdirSync(path.join(cache, 'blobs'));
    mkdirSync(path.join(cache, 'snapshots', 'rev', 'onnx'), { recursive: true });
    writeFileSync(path.join(cache, 'blobs', '5f2a'), weightedModel());
    const link = path.join(cache, 'snapshots', 'rev', 'onnx', 'model.onnx');
    symlinkSync(path.join('..', '..', '..', 'blobs', '5f2a'), link);
    const mapped = await mappedOnnx(link);
    assert.ok(mapped !== null);
    assert.equal(mapped.weightsFolder, realpathSync(path.join(cache, 'blobs')));
    assert.deepEqual(await outputs(mapped.graph, mapped.weightsFolder), await outputs(link));
  });

  it('onnx weights leaves models alone that have nothing large inline, keep weights outside already, or do not parse', async () => {
    assert.equal(await mappedOnnx(path.join(REPO_ROOT, 'fixtures', 'models', 'bi-encoder', 'onnx', 'model.onnx')), null);
    const file = modelFile(weightedModel(), 'weights.onnx');
    const mapped = await mappedOnnx(file);
    assert.ok(mapped !== null);
    assert.equal(await mappedOnnx(modelFile(mapped.graph)), null, 'initializers already external');
    const bytes = weightedModel();
    assert.equal(await mappedOnnx(modelFile(bytes.subarray(0, Math.floor(bytes.length / 2)))), null, 'truncated');
    assert.equal(await mappedOnnx(modelFile(new Uint8Array([0x0f, 0xff, 0xff]))), null, 'not protobuf');
  });

  it('onnx weights falls back to loading the file when the mapped graph cannot be loaded', async () => {
    const file = modelFile(weightedModel());
    const runner = await createLocalRunner({ modelPath: file, mapped: { graph: new Uint8Array([1, 2, 3]), weightsFolder: path.dirname(file) }, target: { provider: 'cpu' } });
    try {
      assert.deepEqual(runner.outputNames, ['out']);
      assert.equal(runner.weights.mapped, false);
      assert.match(runner.weights.mapError ?? '', /\S/, "onnxruntime's reason is kept");
    } finally {
      await runner.release();
    }
  });
});
