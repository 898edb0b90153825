// Checks the generated benchmark models in onnxruntime-node: right output shapes, finite values, different per text.
import path from 'node:path';
import ort from 'onnxruntime-node';
import { Tokenizer } from 'tokenizers';
import { MINILM } from './minilm-shape.ts';

export interface BenchModels {
  biEncoderDir: string;
  crossEncoderDir: string;
}

/** Runs both models on a few texts: outputs must have the right shape, be finite and differ between texts. */
export async function verifyModels(models: BenchModels): Promise<string[]> {
  const tokenizer = Tokenizer.fromFile(path.join(models.biEncoderDir, 'tokenizer.json'));
  tokenizer.disablePadding();
  const texts = ['what is the boiling point of water', 'The quick brown fox jumps over the lazy dog.', 'Daniel Gabriel Fahrenheit invented the mercury thermometer in 1714.'];
  const encode = async (first: string, second?: string): Promise<{ ids: number[]; types: number[] }> => {
    const encoding = second === undefined ? await tokenizer.encode(first) : await tokenizer.encode(first, second);
    return { ids: encoding.getIds(), types: encoding.getTypeIds() };
  };
  const feeds = (rows: { ids: number[]; types: number[] }[]): Record<string, ort.Tensor> => {
    const seq = rows.reduce((longest, r) => Math.max(longest, r.ids.length), 0);
    const ids = new BigInt64Array(rows.length * seq);
    const mask = new BigInt64Array(rows.length * seq);
    const types = new BigInt64Array(rows.length * seq);
    rows.forEach((row, r) => {
      row.ids.forEach((id, t) => {
        ids[r * seq + t] = BigInt(id);
        mask[r * seq + t] = 1n;
        types[r * seq + t] = BigInt(row.types[t] ?? 0);
      });
    });
    const dims = [rows.length, seq];
    return { input_ids: new ort.Tensor('int64', ids, dims), attention_mask: new ort.Tensor('int64', mask, dims), token_type_ids: new ort.Tensor('int64', types, dims) };
  };
  const report: string[] = [];

  const bi = await ort.InferenceSession.create(path.join(models.biEncoderDir, 'onnx', 'model.onnx'));
  const rows = await Promise.all(texts.map((text) => encode(text)));
  const states = (await bi.run(feeds(rows)))['last_hidden_state'];
  await bi.release();
  if (states === undefined || states.dims.length !== 3 || states.dims[2] !== MINILM.hidden) throw new Error(`bi-encoder: bad last_hidden_state shape [${states?.dims.join(', ') ?? ''}]`);
  const data = states.data as Float32Array;
  if (!data.every(Number.isFinite)) throw new Error('bi-encoder: non-finite last_hidden_state');
  const seq = states.dims[1] ?? 0;
  const firstToken = (row: number): Float32Array => data.subarray(row * seq * MINILM.hidden + MINILM.hidden, row * seq * MINILM.hidden + 2 * MINILM.hidden);
  const distance = (a: Float32Array, b: Float32Array): number => Math.sqrt(a.reduce((sum, v, i) => sum + (v - (b[i] ?? 0)) ** 2, 0));
  const d01 = distance(firstToken(0), firstToken(1));
  const d12 = distance(firstToken(1), firstToken(2));
  if (!(d01 > 1e-3 && d12 > 1e-3)) throw new Error(`bi-encoder: outputs do not differ between texts (${d01}, ${d12})`);
  report.push(`bi-encoder: last_hidden_state [${states.dims.join(', ')}] finite, first-token L2 distances between texts ${d01.toFixed(3)}, ${d12.toFixed(3)}`);

  const ce = await ort.InferenceSession.create(path.join(models.crossEncoderDir, 'onnx', 'model.onnx'));
  const pairs = await Promise.all(texts.map((text) => encode(texts[0] ?? '', text)));
  const logits = (await ce.run(feeds(pairs)))['logits'];
  await ce.release();
  if (logits === undefined || logits.dims.join(',') !== `${texts.length},1`) throw new Error(`cross-encoder: bad logits shape [${logits?.dims.join(', ') ?? ''}]`);
  const values = [...(logits.data as Float32Array)];
  if (!values.every(Number.isFinite) || new Set(values).size !== values.length) throw new Error(`cross-encoder: logits not finite or not distinct: ${values.join(', ')}`);
  report.push(`cross-encoder: logits [${logits.dims.join(', ')}] = ${values.map((v) => v.toFixed(4)).join(', ')}`);
  return report;
}
