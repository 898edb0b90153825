// Child process that trains a FAISS index: FAISS prints its warnings (e.g. "WARNING clustering ...") with fprintf on
// fd 2, which the parent cannot intercept in its own process; here they land in a pipe the parent reads and logs.
// stdin: uint32 LE header length | JSON {factory, dim} | float32 LE training sample. stdout: the trained index bytes.
import { faissNode } from './flat-index.ts';

const chunks: Buffer[] = [];
for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
const input = Buffer.concat(chunks);
const headerLength = input.readUInt32LE(0);
const header = JSON.parse(input.toString('utf8', 4, 4 + headerLength)) as { factory: string; dim: number };
const floats = input.subarray(4 + headerLength);
const sample = new Float32Array(floats.byteLength / 4);
new Uint8Array(sample.buffer).set(floats);
const faiss = faissNode();
const index = faiss.Index.fromFactory(header.dim, header.factory, faiss.MetricType.METRIC_INNER_PRODUCT);
index.train(Array.from(sample));
process.stdout.write(index.toBuffer());
