// Builds large BEIR-layout datasets deterministically from the real MS MARCO 5k texts: passages are recombined
// sentences, queries are word spans of their positive passage. Same arguments, same bytes.
import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { once } from 'node:events';
import path from 'node:path';
import { loadBeir } from './msmarco.ts';

export interface ScaleShape {
  passages: number;
  queries: number;
  /** Every n-th query gets three positives instead of one. */
  multiPositiveEvery?: number;
  /** Sentences per passage: min + (hash % spread); default 2 + (0..2). Long-text corpora raise both. */
  sentences?: { min: number; spread: number };
}

export interface ScaleDataset {
  dir: string;
  passages: number;
  queries: number;
  /** Bytes of passage text written (UTF-8). */
  textBytes: number;
}

/** A 32-bit mixing hash (splitmix-style), so every passage and query depends only on its own index. */
function mix(value: number): number {
  let x = (value ^ 0x9e3779b9) >>> 0;
  x = Math.imul(x ^ (x >>> 16), 0x85ebca6b) >>> 0;
  x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35) >>> 0;
  return (x ^ (x >>> 16)) >>> 0;
}

function sentencesOf(texts: readonly string[]): string[] {
  const sentences: string[] = [];
  for (const text of texts) {
    for (const sentence of text.split(/(?<=[.!?])\s+/)) if (sentence.split(' ').length >= 4) sentences.push(sentence);
  }
  return sentences;
}

async function writeLine(stream: WriteStream, line: string): Promise<void> {
  if (!stream.write(line)) await once(stream, 'drain');
}

async function finish(stream: WriteStream): Promise<void> {
  stream.end();
  await once(stream, 'close');
}

/** Writes corpus.jsonl, queries.jsonl and qrels/test.tsv for `shape` into `dir`. */
export async function writeScaleDataset(dir: string, shape: ScaleShape): Promise<ScaleDataset> {
  const sentences = sentencesOf(loadBeir().corpus.map((doc) => doc.text));
  mkdirSync(path.join(dir, 'qrels'), { recursive: true });
  const corpus = createWriteStream(path.join(dir, 'corpus.jsonl'));
  const firstSentence = new Array<string>(0);
  let textBytes = 0;
  // Only the first sentence of each passage is kept, for the queries; 1M of them is ~100 MB of strings.
  const keepFirst = shape.queries > 0;
  for (let doc = 0; doc < shape.passages; doc += 1) {
    const h = mix(doc);
    const count = (shape.sentences?.min ?? 2) + (h % (shape.sentences?.spread ?? 3));
    const parts: string[] = [];
    for (let s = 0; s < count; s += 1) parts.push(sentences[mix(h + s * 0x632be5ab) % sentences.length] ?? '');
    const text = parts.join(' ');
    textBytes += Buffer.byteLength(text);
    if (keepFirst && doc < shape.queries * 2) firstSentence.push(parts[0] ?? '');
    await writeLine(corpus, `${JSON.stringify({ _id: `p${doc}`, title: '', text })}\n`);
  }
  await finish(corpus);
  const queries = createWriteStream(path.join(dir, 'queries.jsonl'));
  const qrels = createWriteStream(path.join(dir, 'qrels', 'test.tsv'));
  const every = shape.multiPositiveEvery ?? 10;
  const pool = Math.min(shape.passages, shape.queries * 2);
  for (let query = 0; query < shape.queries; query += 1) {
    const h = mix(query + 0x5bd1e995);
    const doc = h % pool;
    const words = (firstSentence[doc] ?? '').toLowerCase().replace(/[^a-z0-9 ]/g, ' ').split(/\s+/).filter((word) => word !== '');
    const length = 3 + (h % 4);
    const start = words.length > length ? (h >>> 8) % (words.length - length) : 0;
    await writeLine(queries, `${JSON.stringify({ _id: `q${query}`, text: `${words.slice(start, start + length).join(' ')} ${query}` })}\n`);
    await writeLine(qrels, `q${query}\tp${doc}\t1\n`);
    if (query % every === 0) {
      for (const extra of [1, 2]) await writeLine(qrels, `q${query}\tp${(doc + extra * 7919) % shape.passages}\t1\n`);
    }
  }
  await Promise.all([finish(queries), finish(qrels)]);
  return { dir, passages: shape.passages, queries: shape.queries, textBytes };
}
